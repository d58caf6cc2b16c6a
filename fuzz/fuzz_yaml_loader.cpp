// Fuzz target: a config file's bytes, read by the YAML loader (load_network_from_string). The
// network is not built: a fuzzed size or delay would ask for any amount of memory, which is the
// memory estimate's job to refuse, not a crash of the loader.

#include <cstddef>
#include <cstdint>

#include <spikegraph/yaml_loader.hpp>

#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spikegraph::fuzz::quiet();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text = spikegraph::fuzz::as_text(data, size);
    spikegraph::fuzz::refusals_are_fine(
        [&] { (void)spikegraph::load_network_from_string(text, "fuzz.yaml"); });
    return 0;
}
