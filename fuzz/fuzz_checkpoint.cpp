// Fuzz target: the checkpoint reader (simulator/checkpoint). The input is a checkpoint file,
// resumed into the fixed network fuzz/small_network.yaml, which then runs a few steps.
//
// Random bytes almost never carry valid FNV-1a checksums, so by default the target writes them
// in before resuming: the structure hash of the fixed network (bytes 32..39), the payload
// checksum of everything after the 64-byte header (40..47) and the header checksum (48..55).
// That lets the fuzzer reach the JSON description and the variables' bytes. An input whose
// byte 56 (the first reserved byte, 0 in real files) is 0xFF is written unchanged, so the
// checksum checks themselves are fuzzed too.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>

#include "core/hash.hpp"
#include "fuzz/fuzz_support.hpp"
#include "simulator/checkpoint.hpp"

namespace {

constexpr std::size_t k_header = 64;
constexpr int k_steps_after_resume = 3;

std::unique_ptr<spikegraph::Simulation> g_base;
std::uint64_t g_structure_hash = 0;
std::filesystem::path g_file;

void put_u64(std::uint8_t* p, std::uint64_t v) {
    for (int k = 0; k < 8; ++k) p[k] = static_cast<std::uint8_t>(v >> (8 * k));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spikegraph::fuzz::quiet();
    setenv("SPIKEGRAPH_NATIVE", "0", 1);  // interpreted: no compiler runs per input
    g_base = std::make_unique<spikegraph::Simulation>(
        spikegraph::load_network(SPIKEGRAPH_FUZZ_NETWORK));
    g_structure_hash = spikegraph::structure_hash(spikegraph::plan_structure(g_base->plan()));
    g_file = std::filesystem::temp_directory_path() /
             ("spikegraph_fuzz_checkpoint." + std::to_string(getpid()));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> bytes(data, data + size);
    if (size >= k_header && bytes[56] != 0xFF) {
        put_u64(bytes.data() + 32, g_structure_hash);
        put_u64(bytes.data() + 40, spikegraph::fnv1a64(bytes.data() + k_header, size - k_header));
        put_u64(bytes.data() + 48, spikegraph::fnv1a64(bytes.data(), 48));
    }
    {
        std::ofstream out(g_file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(size));
    }
    spikegraph::fuzz::refusals_are_fine([&] {
        spikegraph::Simulation sim = g_base->with_state({});
        sim.resume(g_file);
        for (int k = 0; k < k_steps_after_resume; ++k) sim.step();
    });
    return 0;
}
