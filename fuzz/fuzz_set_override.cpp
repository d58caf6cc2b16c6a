// Fuzz target: `--set` values. Each line of the input is one KEY=VALUE override (at most 8),
// applied to the fixed config fuzz/small_network.yaml as `spikegraph run --set` would; the
// network is loaded, not built (see fuzz_yaml_loader.cpp).

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <spikegraph/yaml_loader.hpp>

#include "fuzz/fuzz_support.hpp"

namespace {

std::string g_config;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spikegraph::fuzz::quiet();
    std::ifstream in(SPIKEGRAPH_FUZZ_NETWORK);
    std::ostringstream text;
    text << in.rdbuf();
    g_config = text.str();
    if (g_config.empty()) __builtin_trap();  // the fixed config is missing: nothing to fuzz
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t k_max_overrides = 8;
    std::vector<std::string> overrides;
    std::istringstream lines(spikegraph::fuzz::as_text(data, size));
    for (std::string line; overrides.size() < k_max_overrides && std::getline(lines, line);)
        overrides.push_back(line);
    spikegraph::fuzz::refusals_are_fine(
        [&] { (void)spikegraph::load_network_from_string(g_config, "small_network.yaml", overrides); });
    return 0;
}
