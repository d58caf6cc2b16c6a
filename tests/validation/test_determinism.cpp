// Results do not depend on the thread count, a run is reproducible from its seed, and the
// trials of a batch are independent (DESIGN.md "Randomness", "Batch"; STYLE.md "Tests").

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <spikegraph/yaml_loader.hpp>
#include "monitors/npy_writer.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/backend_param.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

namespace fs = std::filesystem;

class TempDir : public testing_support::TempDir {
public:
    TempDir() : testing_support::TempDir("spikegraph_det") {}
};

std::string cuba_config() { return std::string(SPIKEGRAPH_SOURCE_DIR) + "/configs/cuba.yaml"; }

std::string file_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << p;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Outcome {
    std::string t_bytes, i_bytes, b_bytes;  // spikes.{t,i,b}.npy
    std::vector<double> v;                  // final neurons.v, [batch, n]
    std::uint64_t spikes = 0;
    int threads = 0;
};

Outcome run_cuba(const std::vector<std::string>& overrides, int threads) {
    TempDir dir;
    const Network net = load_network(cuba_config(), overrides);
    SimulationOptions options;
    options.threads = threads;
    options.out_dir = dir.path();
    Simulation sim(net, options);
    sim.run(net.settings.duration_ms);
    sim.finish();
    Outcome o;
    o.t_bytes = file_bytes(dir.path() / "spikes.t.npy");
    o.i_bytes = file_bytes(dir.path() / "spikes.i.npy");
    if (net.settings.batch > 1) o.b_bytes = file_bytes(dir.path() / "spikes.b.npy");
    o.v = sim.read("neurons.v");
    o.spikes = sim.spike_count("neurons");
    o.threads = sim.threads();
    return o;
}

// CUBA scaled to N neurons, 80 synapses per neuron (p = 80/N), 4/5 excitatory.
std::vector<std::string> scaled_cuba(std::size_t n, const std::string& duration) {
    const std::size_t ne = n * 4 / 5;
    const double p = 80.0 / static_cast<double>(n);
    return {"groups.neurons.size=" + std::to_string(n),
            "connections.excitatory.pre=neurons[0:" + std::to_string(ne) + "]",
            "connections.inhibitory.pre=neurons[" + std::to_string(ne) + ":" + std::to_string(n) + "]",
            "connections.excitatory.connectivity.p=" + std::to_string(p),
            "connections.inhibitory.connectivity.p=" + std::to_string(p),
            "simulation.duration=" + duration};
}

class Determinism : public testing_support::BackendTest {};

TEST_P(Determinism, SameResultsWithOneTwoAndFourThreads) {
    // 20 000 neurons: above the size (8192 neurons x batch) where the neuron update is split
    // across threads, so the parallel path and its chunked spike lists are what is compared.
    const auto overrides = scaled_cuba(20000, "200 ms");
    // Let TBB really run 4 threads on a machine with fewer cores (its default cap is the core
    // count), so that "4 threads" is not silently 2.
    tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 4);
    const Outcome one = run_cuba(overrides, 1);
    ASSERT_EQ(one.threads, 1);
    ASSERT_GT(one.spikes, 1000u) << "the network must be active for the comparison to mean anything";
    for (int threads : {2, 4}) {
        SCOPED_TRACE(std::to_string(threads) + " threads");
        const Outcome many = run_cuba(overrides, threads);
        EXPECT_EQ(many.threads, threads);
        EXPECT_EQ(many.spikes, one.spikes);
        EXPECT_TRUE(many.t_bytes == one.t_bytes) << "spikes.t.npy differs";
        EXPECT_TRUE(many.i_bytes == one.i_bytes) << "spikes.i.npy differs";
        EXPECT_TRUE(many.v == one.v) << "final neurons.v differs";
    }
}

TEST_P(Determinism, BatchedRunIsThreadIndependentToo) {
    // 2 x 5 000 neurons: again above the parallel threshold, with the work split over the batch.
    auto overrides = scaled_cuba(5000, "100 ms");
    overrides.push_back("simulation.batch=2");
    tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 4);
    const Outcome one = run_cuba(overrides, 1);
    const Outcome four = run_cuba(overrides, 4);
    ASSERT_GT(one.spikes, 0u);
    EXPECT_EQ(four.spikes, one.spikes);
    EXPECT_TRUE(four.t_bytes == one.t_bytes);
    EXPECT_TRUE(four.i_bytes == one.i_bytes);
    EXPECT_TRUE(four.b_bytes == one.b_bytes);
    EXPECT_TRUE(four.v == one.v);
}

TEST_P(Determinism, SameSeedTwiceIsIdenticalAndAnotherSeedIsNot) {
    const std::vector<std::string> overrides = {"simulation.duration=200 ms"};
    const Outcome a = run_cuba(overrides, 1);
    const Outcome b = run_cuba(overrides, 1);
    ASSERT_GT(a.spikes, 0u);
    EXPECT_TRUE(a.t_bytes == b.t_bytes);
    EXPECT_TRUE(a.i_bytes == b.i_bytes);
    EXPECT_TRUE(a.v == b.v);
    auto other = overrides;
    other.push_back("simulation.seed=2");
    const Outcome c = run_cuba(other, 1);
    EXPECT_FALSE(a.i_bytes == c.i_bytes) << "seed 2 must give another network and trial";
    EXPECT_FALSE(a.v == c.v);
}

TEST_P(Determinism, BatchEntriesAreDifferentTrials) {
    TempDir dir;
    const Network net = load_network(cuba_config(), {"simulation.duration=200 ms",
                                                     "simulation.batch=2"});
    SimulationOptions options;
    options.out_dir = dir.path();
    Simulation sim(net, options);
    sim.run(net.settings.duration_ms);
    sim.finish();
    const auto t = read_npy(dir.path() / "spikes.t.npy").as<double>();
    const auto i = read_npy(dir.path() / "spikes.i.npy").as<std::int64_t>();
    const auto b = read_npy(dir.path() / "spikes.b.npy").as<std::int64_t>();
    ASSERT_EQ(t.size(), i.size());
    ASSERT_EQ(t.size(), b.size());
    std::vector<std::pair<double, std::int64_t>> trial[2];
    for (std::size_t k = 0; k < t.size(); ++k) {
        ASSERT_TRUE(b[k] == 0 || b[k] == 1) << b[k];
        trial[b[k]].emplace_back(t[k], i[k]);
    }
    // Both trials are active (CUBA fires at ~5-6 Hz: ~4 000 spikes in 200 ms of 4 000 neurons)
    // and they are not copies of each other.
    EXPECT_GT(trial[0].size(), 1000u);
    EXPECT_GT(trial[1].size(), 1000u);
    EXPECT_NE(trial[0], trial[1]);
    const auto v = sim.read("neurons.v");
    ASSERT_EQ(v.size(), 2u * 4000u);
    std::size_t equal = 0;
    for (std::size_t k = 0; k < 4000; ++k) equal += v[k] == v[4000 + k];
    // Equal final potentials happen only for neurons sitting at the reset value in both trials.
    EXPECT_LT(equal, 400u);
    EXPECT_EQ(sim.spike_count("neurons"), t.size()) << "spike_count sums over the batch";
}

INSTANTIATE_TEST_SUITE_P(Backends, Determinism, testing_support::all_backends(),
                         testing_support::backend_test_name);

}  // namespace
}  // namespace spikegraph
