// Spike inputs from files (issue 15, item 4): .npz archives as numpy.savez and
// numpy.savez_compressed write them, a pair of .npy files, unsorted input, and the errors of
// bad files.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/model_library.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "monitors/npy_writer.hpp"
#include "tests/support/config_errors.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;

const fs::path k_reference_dir = fs::path(SPIKEGRAPH_SOURCE_DIR) / "tests/validation/reference";

// (step, source) of every spike of a 20 ms run at dt 0.1 ms, in the order the input emits them.
std::vector<std::pair<int, int>> spikes_of(const std::string& input) {
    const std::string yaml = "simulation: {dt: 0.1 ms, duration: 20 ms}\n"
                             "groups:\n  g: {size: 1, model: lif}\n"
                             "inputs:\n  stim: {type: spike_times, size: 5, " + input + "}\n";
    Simulation sim(load_network_from_string(yaml, "spikes.yaml"));
    std::vector<std::pair<int, int>> out;
    for (int k = 0; k < 200; ++k) {
        sim.step();
        const auto count = sim.read("stim.spike_count");
        const auto list = sim.read("stim.spikes");
        for (int s = 0; s < static_cast<int>(count[0]); ++s)
            out.emplace_back(k, static_cast<int>(list[static_cast<std::size_t>(s)]));
    }
    return out;
}

std::vector<std::pair<int, int>> expected_spikes() {
    std::vector<std::pair<int, int>> out;
    for (int k = 0; k < 5; ++k) {
        out.emplace_back(10 + 20 * k, k);
        out.emplace_back(105 - 10 * k, k);
    }
    std::sort(out.begin(), out.end());
    return out;  // the spike at 30 ms is after the run
}

TEST(SpikeFiles, NpzStoredCompressedAndNpyPairGiveTheSameSortedSpikes) {
    const auto want = expected_spikes();
    EXPECT_EQ(spikes_of("file: " + (k_reference_dir / "spikes_stored.npz").string()), want);
    EXPECT_EQ(spikes_of("file: " + (k_reference_dir / "spikes_compressed.npz").string()), want);
    EXPECT_EQ(spikes_of("times: " + (k_reference_dir / "spikes_times.npy").string() +
                        ", indices: " + (k_reference_dir / "spikes_indices.npy").string() +
                        ", unit: s"),
              want);
}

TEST(SpikeFiles, CppApiReadsFilesToo) {
    Network net;
    net.settings.duration_ms = 20;
    net.add_group("g", 1, library_model("lif"));
    SpikeTimesInput& s = net.add_spike_times("stim", 5, {}, {});
    s.file = (k_reference_dir / "spikes_compressed.npz").string();
    Simulation sim(net);
    sim.run(20);
    EXPECT_EQ(sim.spike_count("stim"), 10u);
    // The spike at 30 ms is reported in the run's summary, not dropped silently.
    EXPECT_EQ(sim.stats()["groups"]["stim"]["undelivered"].get<std::uint64_t>(), 1u);
    sim.run_continue(15);
    EXPECT_EQ(sim.spike_count("stim"), 11u);
    EXPECT_EQ(sim.stats()["groups"]["stim"]["undelivered"].get<std::uint64_t>(), 0u);
}

void expect_error(const fs::path& dir, const std::string& input, const std::string& needle) {
    testing_support::expect_config_file_error(
        dir,
        "groups:\n  g: {size: 1, model: lif}\n"
        "inputs:\n  stim: {type: spike_times, size: 4, " + input + "}\n",
        needle, "bad.yaml:4");
}

TEST(SpikeFiles, BadFilesAreLocatedErrors) {
    testing_support::TempDir dir("spike_files", true);
    const fs::path d = dir.path();
    const std::vector<double> nan_times = {1.0, std::numeric_limits<double>::quiet_NaN()};
    const std::vector<double> negative = {1.0, -2.0};
    const std::vector<double> good = {1.0, 2.0};
    const std::vector<std::int64_t> idx = {0, 1};
    const std::vector<std::int64_t> idx3 = {0, 1, 2};
    write_npy(d / "nan.npy", "<f8", {2}, nan_times.data());
    write_npy(d / "neg.npy", "<f8", {2}, negative.data());
    write_npy(d / "good.npy", "<f8", {2}, good.data());
    write_npy(d / "grid.npy", "<f8", {1, 2}, good.data());
    write_npy(d / "idx.npy", "<i8", {2}, idx.data());
    write_npy(d / "idx3.npy", "<i8", {3}, idx3.data());
    // Index 4 of 4 sources: the stored fixture's source 4.
    expect_error(d, "file: " + (k_reference_dir / "spikes_stored.npz").string(),
                 "out of range for input 'stim' (4 sources");
    expect_error(d, "times: nan.npy, indices: idx.npy", "must be finite");
    expect_error(d, "times: neg.npy, indices: idx.npy", "cannot be negative");
    expect_error(d, "times: good.npy, indices: idx3.npy", "pair up");
    expect_error(d, "times: grid.npy, indices: idx.npy", "expected a 1-D array");
    expect_error(d, "times: missing.npy, indices: idx.npy", "no such file");
    expect_error(d, "file: good.npy", "not an .npz archive");
    expect_error(d, "times: good.npy, indices: idx.npy, unit: mV", "time");
}

}  // namespace
}  // namespace spikegraph
