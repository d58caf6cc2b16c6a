// Parallel steps give bitwise the serial result: the update, the reset and the delivery split the
// neurons the same way (backend/cpu/partition.hpp), and each target receives its additions in
// the serial order whatever the number of parts.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend_registry.hpp"
#include "backend/cpu/stages.hpp"
#include <spikegraph/yaml_loader.hpp>
#include "monitors/npy_writer.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

// Forces every delivery with at least one spike to split (the default waits for 1024 events,
// which these small networks rarely reach), for the lifetime of the object.
class ForceParallelDelivery {
public:
    ForceParallelDelivery() { ::setenv("SPIKEGRAPH_PARALLEL_MIN_EVENTS", "0", 1); }
    ~ForceParallelDelivery() { ::unsetenv("SPIKEGRAPH_PARALLEL_MIN_EVENTS"); }
};

// A CUBA-like group of 20 000 neurons (five chunks of 4096, enough for the update to split:
// partition.hpp) with the given reset, followed by `rest` (inputs and connections).
std::string lif_network(int threads, const std::string& reset, const std::string& rest,
                        int batch = 1) {
    return R"yaml(
simulation: {dt: 0.1 ms, duration: 60 ms, seed: 7, precision: double, threads: )yaml" +
           std::to_string(threads) + ", batch: " + std::to_string(batch) + R"yaml(}
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
    reset: )yaml" + reset + R"yaml(
    refractory: 2 ms
    method: exact
    parameters: {El: -49 mV, taum: 20 ms, taue: 5 ms, taui: 10 ms}
groups:
  neurons:
    size: 20000
    model: lif
    init: {v: "uniform(-60 mV, -50 mV)", ge: 0 mV, gi: 0 mV}
)yaml" + rest;
}

// The connections cover every delivery path that splits: sparse rows with one weight, with
// per-synapse weights and through a delay ring; dense rows from a Poisson input; a one-to-one
// connection, which never splits. The reset draws rand(), keyed by spike position.
std::string network(int threads) {
    return lif_network(threads, "v = -60 mV + 2 mV * rand()", R"yaml(
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
)yaml");
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


// Fused stages (cpu_executor.cpp): consecutive deliveries and resets that split over the same
// neurons run in one parallel section per step, unless one reads what another writes at
// neurons outside its part.

class NoFusion {
public:
    NoFusion() { ::setenv("SPIKEGRAPH_FUSE", "0", 1); }
    ~NoFusion() { ::unsetenv("SPIKEGRAPH_FUSE"); }
};

struct StagedRun {
    std::map<std::string, int> stage;  // op name -> stage number, -1 alone
    std::vector<double> v, ge, gi;
    std::uint64_t events = 0;
};

StagedRun run_staged(const std::string& yaml, int threads, std::int64_t steps) {
    Simulation sim(load_network_from_string(yaml, "net.yaml"));
    ExecutorOptions options;
    options.threads = threads;
    options.profile = true;
    auto exec = make_executor("cpu", sim.plan(), options);
    exec->initial_step();
    exec->run_steps(steps);
    StagedRun out;
    for (const OpTime& t : exec->op_times()) out.stage[t.op] = t.stage;
    out.v = exec->read("neurons.v");
    out.ge = exec->read("neurons.ge");
    out.gi = exec->read("neurons.gi");
    out.events = exec->synaptic_events();
    return out;
}

// Exact equality, not a tolerance: every neuron receives its additions in the same order.
void expect_bitwise_equal(const StagedRun& a, const StagedRun& b) {
    EXPECT_EQ(a.events, b.events);
    EXPECT_TRUE(a.v == b.v) << "v differs";
    EXPECT_TRUE(a.ge == b.ge) << "ge differs";
    EXPECT_TRUE(a.gi == b.gi) << "gi differs";
}

TEST(Stages, DeliveriesOntoOnePartitionRunAsOneStage) {
    const StagedRun fused = run_staged(network(2), 2, 600);
    // Plan order: the update, the five deliveries, the reset. The four that split form one
    // stage, although three of them add to the same variable (ge): each part adds only to its
    // own neurons, in plan order. The one-to-one delivery does not split and ends the stage;
    // the reset after it is alone.
    const int s = fused.stage.at("excitatory.deliver");
    EXPECT_GE(s, 0);
    EXPECT_EQ(fused.stage.at("inhibitory.deliver"), s);
    EXPECT_EQ(fused.stage.at("uniform.deliver"), s);
    EXPECT_EQ(fused.stage.at("dense.deliver"), s);
    EXPECT_EQ(fused.stage.at("self.deliver"), -1);
    EXPECT_EQ(fused.stage.at("neurons.reset"), -1);
    EXPECT_EQ(fused.stage.at("neurons.update"), -1);

    // Bitwise what the kernels give one by one, and what one thread gives.
    const StagedRun apart = [] {
        NoFusion off;
        return run_staged(network(2), 2, 600);
    }();
    for (const auto& [op, stage] : apart.stage) EXPECT_EQ(stage, -1) << op;
    const StagedRun one = run_staged(network(1), 1, 600);
    ASSERT_GT(one.events, 100000u);
    expect_bitwise_equal(fused, apart);
    expect_bitwise_equal(fused, one);
}

// Two deliveries and a reset, the reset as given: it joins the deliveries' stage only when
// what it shares with them is at its own neurons.
std::string reset_network(int threads, const std::string& reset, int batch = 1) {
    return lif_network(threads, reset, R"yaml(
connections:
  excitatory: {pre: "neurons[0:16000]", post: neurons, target: ge, weight: 0.4 mV,
               connectivity: {rule: fixed_probability, p: 0.004}}
  inhibitory: {pre: "neurons[16000:20000]", post: neurons, target: gi, weight: -2 mV,
               connectivity: {rule: fixed_probability, p: 0.004}}
)yaml",
                       batch);
}

TEST(Stages, AResetJoinsOnlyWhenItTouchesSharedVariablesAtItsOwnNeurons) {
    struct Case {
        std::string reset;
        bool joins;
    };
    const std::vector<Case> cases = {
        // Writes only v, which no delivery touches.
        {"v = -60 mV", true},
        // Writes ge, as the excitatory delivery does: both at the part's own neurons.
        {"'v = -60 mV; ge = 0.5 * ge'", true},
        // Reads gi, at its own neurons too.
        {"v = -60 mV + 0.1 * gi", true},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.reset);
        const StagedRun two = run_staged(reset_network(2, c.reset), 2, 600);
        const int s = two.stage.at("excitatory.deliver");
        EXPECT_GE(s, 0);
        EXPECT_EQ(two.stage.at("inhibitory.deliver"), s);
        EXPECT_EQ(two.stage.at("neurons.reset"), c.joins ? s : -1);
        // The update (the plan's first op) runs with the stage of the step before.
        EXPECT_EQ(two.stage.at("neurons.update"), s);
        const StagedRun one = run_staged(reset_network(1, c.reset), 1, 600);
        ASSERT_GT(one.events, 10000u);
        expect_bitwise_equal(two, one);
    }
}

TEST(Stages, BatchEntriesSplitTheSameWay) {
    // Two batch entries: each part runs its neurons of both, in every member of the stage.
    const std::string reset = "'v = -60 mV; ge = 0.5 * ge'";
    const StagedRun two = run_staged(reset_network(2, reset, 2), 2, 600);
    const int s = two.stage.at("excitatory.deliver");
    EXPECT_GE(s, 0);
    EXPECT_EQ(two.stage.at("neurons.reset"), s);
    // The batched update splits batch entry first (partition.hpp): another partition, so it
    // stays apart.
    EXPECT_EQ(two.stage.at("neurons.update"), -1);
    const StagedRun one = run_staged(reset_network(1, reset, 2), 1, 600);
    ASSERT_EQ(one.v.size(), 40000u);
    ASSERT_GT(one.events, 20000u);
    expect_bitwise_equal(two, one);
}

// A spike monitor reads only the spike list, which no delivery or reset writes, so it joins
// their stage and its sink's columns (t, i and, batched, b) are written on the stage's threads.
// Its files are byte for byte those of one thread, also for a slice of the group.
TEST(Stages, SpikeMonitorsJoinTheStageAndWriteWhatOneThreadWrites) {
    for (const int batch : {1, 2}) {
        SCOPED_TRACE("batch " + std::to_string(batch));
        const auto yaml = [&](int threads) {
            return reset_network(threads, "v = -60 mV", batch) + R"yaml(
monitors:
  all: {type: spike, group: neurons}
  some: {type: spike, group: "neurons[5000:13000]"}
)yaml";
        };
        testing_support::TempDir tmp("spikegraph_stage_monitor");
        std::map<std::string, int> stage;
        for (const int threads : {1, 2}) {
            SimulationOptions options;
            options.threads = threads;
            options.profile = true;
            options.out_dir = tmp / ("threads" + std::to_string(threads));
            Simulation sim(load_network_from_string(yaml(threads), "net.yaml"), options);
            sim.run(60.0);
            sim.finish();
            if (threads == 2) {
                std::ifstream in(options.out_dir / "stats.json");
                const nlohmann::json stats = nlohmann::json::parse(in);
                for (const auto& op : stats.at("op_seconds"))
                    stage[op.at("op")] = op.value("stage", -1);
            }
        }
        const int s = stage.at("excitatory.deliver");
        EXPECT_GE(s, 0);
        EXPECT_EQ(stage.at("all.record"), s);
        EXPECT_EQ(stage.at("some.record"), s);
        for (const std::string file : {"all.t.npy", "all.i.npy", "some.t.npy", "some.i.npy"}) {
            SCOPED_TRACE(file);
            const NpyArray one = read_npy(tmp / "threads1" / file);
            const NpyArray two = read_npy(tmp / "threads2" / file);
            ASSERT_GT(one.size(), 1000u);
            EXPECT_EQ(one.shape, two.shape);
            EXPECT_TRUE(one.bytes == two.bytes);
        }
        EXPECT_EQ(std::filesystem::exists(tmp / "threads2" / "all.b.npy"), batch > 1);
        if (batch > 1)
            EXPECT_TRUE(read_npy(tmp / "threads1" / "all.b.npy").bytes ==
                        read_npy(tmp / "threads2" / "all.b.npy").bytes);
    }
}

// A stage across the step boundary (cpu_executor.cpp, run_loop): each step's deliveries and
// reset run with the next step's update, and a run always ends at a step's end. However the
// steps are cut into runs, stopped, or interrupted by writes, the result is bitwise that of one
// thread, and that of running every kernel on its own.
TEST(Stages, TheNextUpdateJoinsTheLastStageWhereverARunStops) {
    const std::string reset = "v = -60 mV + 0.1 * gi";
    struct Exec {
        Simulation sim;
        std::unique_ptr<Executor> exec;
    };
    auto make = [&](int threads) {
        Exec e{Simulation(load_network_from_string(reset_network(threads, reset), "net.yaml")), {}};
        ExecutorOptions options;
        options.threads = threads;
        e.exec = make_executor("cpu", e.sim.plan(), options);
        e.exec->initial_step();
        return e;
    };
    auto state = [](const Executor& exec) {
        StagedRun r;
        r.v = exec.read("neurons.v");
        r.ge = exec.read("neurons.ge");
        r.gi = exec.read("neurons.gi");
        r.events = exec.synaptic_events();
        return r;
    };
    // A cut-up run: slices of 1, 7 and 100 steps, single steps, a stop flag (set before a run:
    // no step; cleared: all), and a write between runs (the refractory mirror is rebuilt by the
    // update's parts). 400 steps in all.
    auto cut_up = [&](Executor& exec) {
        exec.run_steps(1);
        exec.run_steps(7);
        for (int k = 0; k < 12; ++k) exec.step();
        std::atomic<bool> stop{true};
        EXPECT_EQ(exec.run_steps_until(50, stop), 0);
        stop = false;
        EXPECT_EQ(exec.run_steps_until(80, stop), 80);
        std::vector<double> v = exec.read("neurons.v");
        for (std::size_t k = 0; k < v.size(); k += 3) v[k] = -51.0;
        exec.write("neurons.v", v);
        exec.run_steps(100);
        exec.run_steps(200);
        EXPECT_EQ(exec.current_step(), 400);
        return state(exec);
    };
    Exec one = make(1);
    const StagedRun serial = cut_up(*one.exec);
    ASSERT_GT(serial.events, 10000u);
    Exec two = make(2);
    expect_bitwise_equal(cut_up(*two.exec), serial);
    {
        NoFusion off;
        Exec apart = make(2);
        expect_bitwise_equal(cut_up(*apart.exec), serial);
    }
    // One uninterrupted run of the same steps gives the same, but for the write.
    Exec whole = make(2), pieces = make(2);
    whole.exec->run_steps(300);
    for (int k = 0; k < 30; ++k) pieces.exec->run_steps(10);
    expect_bitwise_equal(state(*whole.exec), state(*pieces.exec));
}

TEST(Stages, KernelsThatCouldRaceStayApart) {
    using cpu::may_share_stage;
    using cpu::StageMember;
    int spikes = 0, weight = 0, ge = 0, gi = 0, v = 0;  // stand-ins for buffers
    const cpu::PartitionKey half{20000, 2}, third{20000, 3};
    // A delivery onto ge: reads the spikes and the weights, writes ge at its own neurons.
    const StageMember onto_ge{half, {&spikes, &weight}, {&ge}, {&ge}};
    const StageMember onto_gi{half, {&spikes, &weight}, {&gi}, {&gi}};
    // A reset that reads ge and gi and writes v, all at its own neurons.
    const StageMember reset{half, {&spikes, &ge, &gi}, {&v}, {&v, &ge, &gi}};
    EXPECT_TRUE(may_share_stage(onto_ge, onto_gi));
    EXPECT_TRUE(may_share_stage(onto_ge, onto_ge));  // both add to ge, each at its own neurons
    EXPECT_TRUE(may_share_stage(onto_ge, reset));
    // The same buffers, split differently: a neuron would be written by two threads.
    StageMember reset_in_thirds = reset;
    reset_in_thirds.key = third;
    EXPECT_FALSE(may_share_stage(onto_ge, reset_in_thirds));
    // Reads ge anywhere (not part-local) after a write of ge.
    const StageMember reads_all_ge{half, {&ge}, {&v}, {&v}};
    EXPECT_FALSE(may_share_stage(onto_ge, reads_all_ge));
    // Writes what an earlier kernel read anywhere (plasticity writing the weights).
    const StageMember writes_weight{half, {}, {&weight}, {}};
    EXPECT_FALSE(may_share_stage(onto_ge, writes_weight));
    // Writes ge everywhere, after a kernel that writes it at its own neurons.
    const StageMember writes_all_ge{half, {}, {&ge}, {}};
    EXPECT_FALSE(may_share_stage(onto_ge, writes_all_ge));
    // Nothing shared: no constraint, whatever the partitions.
    const StageMember other_group{third, {&spikes}, {&v}, {&v}};
    EXPECT_TRUE(may_share_stage(onto_ge, other_group));

    // An update that writes ge and v at its own neurons and the spike list in its end_step,
    // after the stage's parts: it may follow kernels that read the spikes anywhere...
    const StageMember update{half, {&ge, &gi, &v}, {&ge, &gi, &v, &spikes}, {&ge, &gi, &v}, {&spikes}};
    EXPECT_TRUE(may_share_stage(onto_ge, update));
    EXPECT_TRUE(may_share_stage(reset, update));
    // ...but not precede them: their parts would read the spikes before the update wrote them.
    EXPECT_FALSE(may_share_stage(update, onto_ge));
    // Nor precede a kernel that writes the spike list before the stage's end.
    const StageMember writes_spikes{half, {}, {&spikes}, {}};
    EXPECT_FALSE(may_share_stage(update, writes_spikes));
    // Both writing it late keep plan order, end_step after end_step.
    StageMember late_too = writes_spikes;
    late_too.late = {&spikes};
    EXPECT_TRUE(may_share_stage(update, late_too));
    // A late write of its own does not free a kernel from the rule for its other writes.
    StageMember update_in_thirds = update;
    update_in_thirds.key = third;
    EXPECT_FALSE(may_share_stage(onto_ge, update_in_thirds));
}

}  // namespace
}  // namespace spikegraph
