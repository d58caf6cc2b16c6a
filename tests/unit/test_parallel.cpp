// Parallel steps give bitwise the serial result: the update, the reset and the delivery split the
// neurons the same way (backend/cpu/partition.hpp), and each target receives its additions in
// the serial order whatever the number of parts.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "backend/backend_registry.hpp"
#include "frontend/yaml_loader.hpp"
#include "simulator/simulation.hpp"

namespace spikegraph {
namespace {

// Forces every delivery with at least one spike to split (the default waits for 1024 events,
// which these small networks rarely reach), for the lifetime of the object.
class ForceParallelDelivery {
public:
    ForceParallelDelivery() { ::setenv("SPIKEGRAPH_PARALLEL_MIN_EVENTS", "0", 1); }
    ~ForceParallelDelivery() { ::unsetenv("SPIKEGRAPH_PARALLEL_MIN_EVENTS"); }
};

// 20 000 neurons: five chunks of 4096, enough for the update to split (partition.hpp). The
// connections cover every delivery path that splits: sparse rows with one weight, with
// per-synapse weights and through a delay ring; dense rows from a Poisson input; a one-to-one
// connection, which never splits. The reset draws rand(), keyed by spike position.
std::string network(int threads) {
    return R"yaml(
simulation: {dt: 0.1 ms, duration: 60 ms, seed: 7, precision: double, threads: )yaml" +
           std::to_string(threads) + R"yaml(}
models:
  lif:
    equations: |
      dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
      dge/dt = -ge / taue : volt
      dgi/dt = -gi / taui : volt
      El : volt (shared)
      taum : second (shared)
      taue : second (shared)
      taui : second (shared)
    threshold: v > -50 mV
    reset: v = -60 mV + 2 mV * rand()
    refractory: 2 ms
    method: exact
    parameters: {El: -49 mV, taum: 20 ms, taue: 5 ms, taui: 10 ms}
groups:
  neurons:
    size: 20000
    model: lif
    init: {v: "uniform(-60 mV, -50 mV)", ge: 0 mV, gi: 0 mV}
inputs:
  drive: {type: poisson, size: 20, rate: 200 Hz}
connections:
  excitatory:
    pre: neurons[0:16000]
    post: neurons
    target: ge
    weight: 0.4 mV * (0.5 + rand())
    connectivity: {rule: fixed_probability, p: 0.004}
  inhibitory:
    pre: neurons[16000:20000]
    post: neurons
    target: gi
    weight: -2 mV
    delay: 1 ms
    connectivity: {rule: fixed_probability, p: 0.004}
  uniform:
    pre: neurons[0:16000]
    post: neurons
    target: ge
    weight: 0.05 mV
    connectivity: {rule: fixed_probability, p: 0.001}
  dense:
    pre: drive
    post: neurons
    target: ge
    weight: 0.01 mV * (1 + rand())
    connectivity: {rule: all_to_all}
  self:
    pre: neurons
    post: neurons
    target: gi
    weight: -0.01 mV
    connectivity: {rule: one_to_one}
)yaml";
}

struct Outcome {
    std::vector<double> v, ge, gi;
    std::uint64_t spikes = 0, events = 0;
};

Outcome run(int threads) {
    Simulation sim(load_network_from_string(network(threads), "net.yaml"));
    EXPECT_EQ(sim.threads(), threads);
    sim.run(60.0);
    return {sim.read("neurons.v"), sim.read("neurons.ge"), sim.read("neurons.gi"),
            sim.spike_count("neurons"), sim.synaptic_events()};
}

TEST(Parallel, SplitStepsAreBitwiseEqualToOneThread) {
    ForceParallelDelivery force;
    const Outcome one = run(1);
    // Enough activity that every path ran: about 20 Hz over 20 000 neurons for 60 ms.
    ASSERT_GT(one.spikes, 5000u);
    ASSERT_GT(one.events, 100000u);
    for (int threads : {2, 3}) {
        SCOPED_TRACE(std::to_string(threads) + " threads");
        const Outcome many = run(threads);
        EXPECT_EQ(many.spikes, one.spikes);
        EXPECT_EQ(many.events, one.events);
        // Exact equality, not a tolerance: the additions happen in the same order.
        EXPECT_TRUE(many.v == one.v) << "v differs";
        EXPECT_TRUE(many.ge == one.ge) << "ge differs";
        EXPECT_TRUE(many.gi == one.gi) << "gi differs";
    }
}

TEST(Parallel, DefaultThresholdGivesTheSameResultAsForcedSplitting) {
    // Whether a step splits depends on its event count; the result must not.
    const Outcome forced = [] {
        ForceParallelDelivery force;
        return run(2);
    }();
    const Outcome by_size = run(2);
    EXPECT_EQ(by_size.events, forced.events);
    EXPECT_TRUE(by_size.v == forced.v);
    EXPECT_TRUE(by_size.ge == forced.ge);
}

// A delivery keeps, per row, where each thread's targets begin. The row structure written after
// the build (here through the executor, as a restore would) must be taken into account: a row
// moved to other targets, shortened (where the old split points would run past its end), and no
// longer sorted (which rules splitting out).
TEST(Parallel, DeliveryFollowsIndicesWrittenAfterTheBuild) {
    ForceParallelDelivery force;
    const std::string yaml = R"(
simulation: {dt: 0.1 ms, duration: 1 ms, threads: 2}
models:
  m:
    equations: "dx/dt = 0 * mV / ms : volt"
groups:
  post: {size: 20000, model: m}
inputs:
  src: {type: spike_times, size: 1, indices: [0], times: [0 ms]}
connections:
  c: {pre: src, post: post, target: x, weight: 1 mV, connectivity: {rule: fixed_probability, p: 0.01}}
)";
    Simulation sim(load_network_from_string(yaml, "net.yaml"));
    ExecutorOptions options;
    options.threads = 2;
    auto exec = make_executor("cpu", sim.plan(), options);
    exec->initial_step();
    const std::vector<double> built = exec->read("c.indices");
    ASSERT_GT(built.size(), 100u);
    std::vector<double> expected(20000, 0.0);
    // The row (the source's only one) becomes indices[0, length).
    auto deliver_once = [&](const std::vector<double>& indices, std::size_t length) {
        exec->write("c.indices", indices);
        exec->write("c.indptr", {0.0, static_cast<double>(length)});
        exec->set_step(0);  // the spike source fires at step 0
        exec->run_steps(1);
        for (std::size_t k = 0; k < length; ++k)
            expected[static_cast<std::size_t>(indices[k])] += 1.0;
        const std::vector<double> x = exec->read("post.x");
        const double w = *std::max_element(x.begin(), x.end()) /
                         *std::max_element(expected.begin(), expected.end());
        ASSERT_GT(w, 0.0);
        for (std::size_t k = 0; k < x.size(); ++k)
            ASSERT_EQ(x[k], expected[k] * w) << "post neuron " << k;
    };
    // Moved to other targets, still sorted: 19999 - j of the reversed row. This first delivery
    // finds the split point, near the middle of the row.
    std::vector<double> moved(built.rbegin(), built.rend());
    for (double& j : moved) j = 19999.0 - j;
    deliver_once(moved, moved.size());
    // A quarter of the original row: a stale split point would deliver past its end.
    deliver_once(built, built.size() / 4);
    // Rotated by half: no longer sorted, so the delivery may not split by position.
    std::vector<double> rotated = built;
    std::rotate(rotated.begin(), rotated.begin() + static_cast<std::ptrdiff_t>(rotated.size() / 2),
                rotated.end());
    deliver_once(rotated, rotated.size());
}

}  // namespace
}  // namespace spikegraph
