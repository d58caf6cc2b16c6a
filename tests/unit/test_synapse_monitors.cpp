// Monitors of synapse variables (issue 14): state monitors of a synapse model's synapses (by
// index, by (pre, post) pair, every synapse; with `every`; batched), the final synapse state
// written at the end of a run and by Simulation::write_synapses, the errors for what cannot be
// recorded, and resumed or restored plastic runs giving the same synapse files bit for bit.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "monitors/npy_writer.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/cli_test.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;
using cli_test::contains;
using testing_support::slurp;

struct TempDir : testing_support::TempDir {
    TempDir() : testing_support::TempDir("spikegraph_synmon", true) {}
};

nlohmann::json entry(const nlohmann::json& manifest, const std::string& file) {
    for (const auto& f : manifest["files"])
        if (f["file"] == file) return f;
    ADD_FAILURE() << "manifest lists no " << file;
    return nullptr;
}

// Builds `net` and runs it for `ms` with its files in `dir`.
void run_into(const Network& net, const fs::path& dir, double ms) {
    SimulationOptions o;
    o.out_dir = dir;
    Simulation sim(net, o);
    sim.run(ms);
    sim.finish();
}

NeuronModel counter() {  // v changes only by delivery
    NeuronModel m;
    m.name = "counter";
    m.equations = "dv/dt = 0 / ms : 1";
    return m;
}

// Sources src[1:4] onto dst[2:5] by the pairs below (indices within the slices), so that every
// synapse's neurons and weight w = i + 10 j (group indices) are known. CSR order:
//   synapse  0   1   2   3   4   5      (4 and 5: a multapse)
//   pre      1   1   2   3   3   3      (in src)
//   post     2   4   3   2   4   4      (in dst)
//   w       21  41  32  23  43  43
// Source 1 fires at 1 and 3 ms, source 3 at 2 ms; dt = 0.1 ms. `on_pre` decides what a spike
// does: "v_post += w; w += 1" makes the connection plastic.
Network synapse_net(const std::string& on_pre = "v_post += w") {
    Network net;
    net.settings.dt_ms = 0.1;
    net.settings.threads = 1;
    net.add_spike_times("src", 4, {1, 3, 1}, {1.0, 2.0, 3.0});
    net.add_group("dst", 5, counter());
    const auto pairs = Connectivity::from_list({{0, 0}, {0, 2}, {1, 1}, {2, 0}, {2, 2}, {2, 2}});
    Connection& c = net.connect("syn", "src[1:4]", "dst[2:5]", "", "1", pairs);
    c.model = "w : 1";
    c.on_pre = on_pre;
    c.values["w"] = "i + 10*j";
    return net;
}

const std::vector<std::int64_t> k_pre = {1, 1, 2, 3, 3, 3}, k_post = {2, 4, 3, 2, 4, 4};
const std::vector<double> k_w = {21, 41, 32, 23, 43, 43};

TEST(SynapseMonitors, RecordEverySynapseWithItsNeurons) {
    TempDir dir;
    Network net = synapse_net();
    net.monitor_state("all", "syn", {"w"});
    run_into(net, dir.path(), 0.5);
    const NpyArray w = read_npy(dir / "all.w.npy");
    ASSERT_EQ(w.shape, (std::vector<std::size_t>{5, 6}));
    const auto values = w.as<double>();
    for (std::size_t r = 0; r < 5; ++r)
        EXPECT_EQ(std::vector<double>(values.begin() + r * 6, values.begin() + (r + 1) * 6), k_w);
    EXPECT_EQ(read_npy(dir / "all.index.npy").as<std::int64_t>(),
              (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(read_npy(dir / "all.pre.npy").as<std::int64_t>(), k_pre);
    EXPECT_EQ(read_npy(dir / "all.post.npy").as<std::int64_t>(), k_post);
    const auto manifest = nlohmann::json::parse(slurp(dir / "manifest.json"));
    const auto e = entry(manifest, "all.w.npy");
    EXPECT_EQ(e["kind"], "state");
    EXPECT_EQ(e["synapses"], true);
    EXPECT_EQ(e["connection"], "syn");
    EXPECT_EQ(e["axes"], (nlohmann::json{"record", "synapse"}));
    EXPECT_EQ(entry(manifest, "all.pre.npy")["neuron_group"], "src");
    EXPECT_EQ(entry(manifest, "all.post.npy")["neuron_group"], "dst");
}

TEST(SynapseMonitors, SynapsesByIndexAndByPairIncludingMultapses) {
    TempDir dir;
    Network net = synapse_net();
    net.monitor_state("by_index", "syn", {"w"}).synapses = {4, 0};
    // Pairs in group indices: (3, 4) has two synapses, recorded in CSR order.
    net.monitor_state("by_pair", "syn", {"w"}).pairs = {{2, 3}, {3, 4}};
    run_into(net, dir.path(), 0.2);
    EXPECT_EQ(read_npy(dir / "by_index.w.npy").as<double>(),
              (std::vector<double>{43, 21, 43, 21}));
    EXPECT_EQ(read_npy(dir / "by_index.pre.npy").as<std::int64_t>(),
              (std::vector<std::int64_t>{3, 1}));
    EXPECT_EQ(read_npy(dir / "by_pair.index.npy").as<std::int64_t>(),
              (std::vector<std::int64_t>{2, 4, 5}));
    EXPECT_EQ(read_npy(dir / "by_pair.post.npy").as<std::int64_t>(),
              (std::vector<std::int64_t>{3, 4, 4}));
    EXPECT_EQ(read_npy(dir / "by_pair.w.npy").shape, (std::vector<std::size_t>{2, 3}));
}

TEST(SynapseMonitors, EveryIntervalShowsAPlasticWeightBeforeTheStepThatChangesIt) {
    TempDir dir;
    Network net = synapse_net("v_post += w; w += 1");
    auto& m = net.monitor_state("w0", "syn", {"w"});
    m.synapses = {0};
    m.every = "0.5 ms";
    run_into(net, dir.path(), 4.0);
    // Records at steps 0, 5, ..., 35; source 1 fires in steps 10 and 30, and a record of step k
    // holds the value before step k runs.
    const auto t = read_npy(dir / "w0.t.npy").as<double>();
    ASSERT_EQ(t.size(), 8u);
    EXPECT_DOUBLE_EQ(t[1], 0.5);
    EXPECT_EQ(read_npy(dir / "w0.w.npy").as<double>(),
              (std::vector<double>{21, 21, 21, 22, 22, 22, 22, 23}));
}

TEST(SynapseMonitors, FinalStateIsWrittenAtTheEndAndDescribed) {
    TempDir dir;
    Network net = synapse_net("v_post += w; w += 1");
    net.save_synapses("final", "syn");
    run_into(net, dir.path(), 5.0);
    EXPECT_EQ(read_npy(dir / "final.w.npy").as<double>(),
              (std::vector<double>{23, 43, 32, 24, 44, 44}));
    EXPECT_EQ(read_npy(dir / "final.pre.npy").as<std::int64_t>(), k_pre);
    EXPECT_EQ(read_npy(dir / "final.post.npy").as<std::int64_t>(), k_post);
    const auto manifest = nlohmann::json::parse(slurp(dir / "manifest.json"));
    const auto e = entry(manifest, "final.w.npy");
    EXPECT_EQ(e["kind"], "synapse_state");
    EXPECT_EQ(e["connection"], "syn");
    EXPECT_EQ(e["shape"], (nlohmann::json{6}));
    EXPECT_EQ(e["synapses"], 6);
    EXPECT_EQ(e["t_ms"], 5.0);
    EXPECT_EQ(entry(manifest, "final.pre.npy")["dtype"], "int64");
}

TEST(SynapseMonitors, WriteSynapsesOnDemandAndNotIntoTheOutputDirectory) {
    TempDir dir;
    Network net = synapse_net("v_post += w; w += 1");
    SimulationOptions o;
    o.out_dir = dir / "out";
    Simulation sim(net, o);
    sim.run(2.5);
    // No synapse state declared: every synapse model's variables, named after the connection.
    sim.write_synapses(dir / "now");
    EXPECT_EQ(read_npy(dir / "now" / "syn.w.npy").as<double>(),
              (std::vector<double>{22, 42, 32, 24, 44, 44}));
    EXPECT_EQ(read_npy(dir / "now" / "syn.pre.npy").as<std::int64_t>(), k_pre);
    const auto index = nlohmann::json::parse(slurp(dir / "now" / "synapses.json"));
    EXPECT_EQ(index["format"], "spikegraph-synapses");
    EXPECT_EQ(index["step"], 25);
    EXPECT_EQ(entry(index, "syn.w.npy")["unit"], "");
    try {
        sim.write_synapses(dir / "out");
        ADD_FAILURE() << "write_synapses wrote into the output directory";
    } catch (const SimulationError& e) {
        EXPECT_TRUE(contains(e.what(), "output directory"));
    }
    sim.finish();
    EXPECT_FALSE(fs::exists(dir / "out" / "syn.w.npy")) << "nothing declared, nothing written";
}

// Poisson drive (its own spikes per batch entry) onto a plastic connection with a delay.
Network plastic_net(std::size_t batch) {
    Network net;
    net.settings.dt_ms = 0.1;
    net.settings.batch = batch;
    net.settings.seed = 5;
    net.settings.threads = 1;
    net.add_poisson("drive", 4, "200 Hz");
    net.add_group("dst", 3, counter());
    Connection& c = net.connect("syn", "drive", "dst", "", "1");
    c.model = "w : 1";
    c.on_pre = "v_post += w; w += 1";
    c.values["w"] = "i + 10*j";
    c.delay = "1.5 ms";
    net.save_synapses("final", "syn");
    net.monitor_spikes("spikes", "drive");
    net.monitor_state("trace", "syn", {"w"}).every = "1 ms";
    return net;
}

TEST(SynapseMonitors, BatchEntriesKeepTheirOwnWeights) {
    TempDir dir;
    run_into(plastic_net(2), dir.path(), 20.0);
    const NpyArray w = read_npy(dir / "final.w.npy");
    ASSERT_EQ(w.shape, (std::vector<std::size_t>{2, 12}));
    EXPECT_EQ(read_npy(dir / "trace.w.npy").shape, (std::vector<std::size_t>{2, 20, 12}));
    // All-to-all 4 x 3: synapse k joins drive k / 3 to dst k % 3. Each delivered spike adds 1;
    // spikes of the last 1.5 ms are still in flight.
    const auto pre = read_npy(dir / "final.pre.npy").as<std::int64_t>();
    const auto t = read_npy(dir / "spikes.t.npy").as<double>();
    const auto i = read_npy(dir / "spikes.i.npy").as<std::int64_t>();
    const auto b = read_npy(dir / "spikes.b.npy").as<std::int64_t>();
    std::vector<double> expected(24);
    for (std::size_t e = 0; e < 2; ++e)
        for (std::size_t k = 0; k < 12; ++k)
            expected[e * 12 + k] = static_cast<double>(k / 3 + 10 * (k % 3));
    for (std::size_t s = 0; s < t.size(); ++s)
        if (t[s] + 1.5 < 20.0 - 1e-9)
            for (std::size_t k = 0; k < 12; ++k)
                if (pre[k] == i[s]) expected[static_cast<std::size_t>(b[s]) * 12 + k] += 1;
    EXPECT_EQ(w.as<double>(), expected);
    const auto values = w.as<double>();
    EXPECT_NE(std::vector<double>(values.begin(), values.begin() + 12),
              std::vector<double>(values.begin() + 12, values.end()));
}

TEST(SynapseMonitors, AResumedPlasticRunWritesTheSameSynapseFiles) {
    TempDir dir;
    const Network net = plastic_net(2);
    run_into(net, dir / "whole", 30.0);
    const auto into = [&](const char* name) {
        SimulationOptions o;
        o.out_dir = dir / name;
        return o;
    };
    {
        Simulation first(net, into("first"));
        first.run(15.0);
        first.checkpoint(dir / "cut.ckpt");
    }
    Simulation second(net, into("second"));
    second.resume(dir / "cut.ckpt");
    second.run_continue(15.0);
    second.finish();
    for (const char* file : {"final.w.npy", "final.pre.npy", "final.post.npy"})
        EXPECT_EQ(slurp(dir / "whole" / file), slurp(dir / "second" / file)) << file;
    EXPECT_NE(slurp(dir / "whole" / "final.w.npy"), slurp(dir / "first" / "final.w.npy"));
    // The weight traces, (batch 2, records, 12 synapses): the two halves make the whole.
    const auto whole = read_npy(dir / "whole" / "trace.w.npy").as<double>();
    const auto a = read_npy(dir / "first" / "trace.w.npy").as<double>();
    const auto b = read_npy(dir / "second" / "trace.w.npy").as<double>();
    ASSERT_EQ(whole.size(), 2u * 30u * 12u);
    ASSERT_EQ(a.size(), 2u * 15u * 12u);
    ASSERT_EQ(b.size(), a.size());
    for (std::size_t e = 0; e < 2; ++e) {
        const auto row = whole.begin() + static_cast<std::ptrdiff_t>(e * 360);
        const auto half = static_cast<std::ptrdiff_t>(e * 180);
        EXPECT_TRUE(std::equal(row, row + 180, a.begin() + half)) << "entry " << e;
        EXPECT_TRUE(std::equal(row + 180, row + 360, b.begin() + half)) << "entry " << e;
    }
}

TEST(SynapseMonitors, SynapseFilesDoNotDependOnTheThreadCount) {
    TempDir dir;
    for (const int threads : {1, 2, 4}) {
        SimulationOptions o;
        o.threads = threads;
        o.out_dir = dir / std::to_string(threads);
        Simulation sim(plastic_net(2), o);
        sim.run(20.0);
        sim.finish();
    }
    for (const char* file : {"final.w.npy", "trace.w.npy"})
        for (const char* threads : {"2", "4"})
            EXPECT_EQ(slurp(dir / "1" / file), slurp(dir / threads / file)) << file << threads;
}

TEST(SynapseMonitors, RestoreRepeatsAPlasticRunBitForBit) {
    TempDir dir;
    Simulation sim(plastic_net(2));
    sim.run(10.0);
    sim.store();
    sim.run_continue(10.0);
    sim.write_synapses(dir / "a");
    sim.restore();
    sim.run_continue(10.0);
    sim.write_synapses(dir / "b");
    EXPECT_EQ(slurp(dir / "a" / "final.w.npy"), slurp(dir / "b" / "final.w.npy"));
    sim.restore();
    sim.write_synapses(dir / "c");
    EXPECT_NE(slurp(dir / "a" / "final.w.npy"), slurp(dir / "c" / "final.w.npy"));
}

// As Brian2 (2.5, numpy target: StateMonitor(S, 'Apre', dt=0.5*ms) of this network gives
// [0, 0, 0, 1, 1, 1, 1, 1]): an event-driven variable is recorded as stored at its last event.
TEST(SynapseMonitors, AnEventDrivenVariableIsRecordedAsStoredAtItsLastEvent) {
    TempDir dir;
    Network net = synapse_net();
    Connection& c = net.connections.front();
    c.model = "w : 1\ndApre/dt = -Apre / (10 * ms) : 1 (event-driven)";
    c.on_pre = "Apre += 1; v_post += w";
    net.spike_inputs.front().times_ms = {1.0, 9.0, 9.5};  // only source 1's spike at 1 ms counts
    auto& m = net.monitor_state("apre", "syn", {"Apre"});
    m.synapses = {0};
    m.every = "0.5 ms";
    run_into(net, dir.path(), 4.0);
    EXPECT_EQ(read_npy(dir / "apre.Apre.npy").as<double>(),
              (std::vector<double>{0, 0, 0, 1, 1, 1, 1, 1}));
}

TEST(SynapseMonitors, EvolveRecordsSynapsesAndReturnsTheirState) {
    Network net = synapse_net("v_post += w; w += 1");
    net.monitor_state("all", "syn", {"w"});
    const Simulation sim(net);
    EXPECT_EQ(sim.state().at("syn.w"), k_w);
    EvolveInputs in;
    in.steps = 25;
    const EvolveResult r = sim.evolve(in);
    EXPECT_EQ(r.new_state.at("syn.w"), (std::vector<double>{22, 42, 32, 24, 44, 44}));
    const StateRecord& record = r.record.states.at("all");
    EXPECT_EQ(record.indices, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
    const std::vector<double>& w = record.values.at("w");
    ASSERT_EQ(w.size(), 25u * 6u);
    EXPECT_EQ(std::vector<double>(w.begin(), w.begin() + 6), k_w);
    EXPECT_EQ(std::vector<double>(w.end() - 6, w.end()), r.new_state.at("syn.w"));
}

// --- What cannot be recorded: located errors ---------------------------------------------

// The message of the ConfigError that building `net` throws.
std::string build_error(const Network& net) {
    try {
        Simulation sim(net);
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "the build did not fail";
    return "";
}

TEST(SynapseMonitorErrors, AStaticConnectionHasNoSynapseVariables) {
    Network net = synapse_net();
    Connection& c = net.connections.front();
    c.model = {};
    c.values.clear();
    c.on_pre = {};
    c.target = "v";
    net.monitor_state("m", "syn", {"w"});
    const std::string e = build_error(net);
    EXPECT_TRUE(contains(e, "monitors.m")) << e;
    EXPECT_TRUE(contains(e, "connection 'syn' has no synapse model")) << e;
    EXPECT_TRUE(contains(e, "give the connection a model")) << e;
}

TEST(SynapseMonitorErrors, UnknownConnectionOfASynapseState) {
    Network net = synapse_net();
    net.save_synapses("final", "sin");
    const std::string e = build_error(net);
    EXPECT_TRUE(contains(e, "monitors.final")) << e;
    EXPECT_TRUE(contains(e, "'sin' is not a connection (did you mean 'syn'?)")) << e;
}

TEST(SynapseMonitorErrors, ASynapseStateNamedLikeAMonitor) {
    Network net = synapse_net();
    net.monitor_state("m", "dst", {"v"});
    net.save_synapses("m", "syn");
    EXPECT_TRUE(contains(build_error(net), "would collide"));
}

TEST(SynapseMonitorErrors, UnknownVariableListsTheModelsVariables) {
    Network net = synapse_net();
    net.monitor_state("m", "syn", {"ww"});
    const std::string e = build_error(net);
    EXPECT_TRUE(contains(e, "monitors.m")) << e;
    EXPECT_TRUE(contains(e, "no variable 'ww' (did you mean 'w'?); variables: w")) << e;
    Network again = synapse_net();
    again.save_synapses("final", "syn", {"W"});
    EXPECT_TRUE(contains(build_error(again), "no variable 'W'"));
}

TEST(SynapseMonitorErrors, APairWithoutASynapseIsNamed) {
    Network net = synapse_net();
    net.monitor_state("m", "syn", {"w"}).pairs = {{1, 2}, {1, 3}};
    const std::string e = build_error(net);
    EXPECT_TRUE(contains(e, "monitors.m.pairs[1]")) << e;
    EXPECT_TRUE(contains(e, "no synapse from neuron 1 of 'src' to neuron 3 of 'dst'")) << e;
}

TEST(SynapseMonitorErrors, SynapseIndexOutOfRangeAndWrongSelectors) {
    Network net = synapse_net();
    net.monitor_state("m", "syn", {"w"}).synapses = {6};
    EXPECT_TRUE(contains(build_error(net), "monitors.m.synapses[0]: synapse 6 is out of range: "
                                           "connection 'syn' has 6"));
    Network both = synapse_net();
    auto& m = both.monitor_state("m", "syn", {"w"});
    m.synapses = {0};
    m.pairs = {{1, 2}};
    EXPECT_TRUE(contains(build_error(both), "not both"));
    Network neurons = synapse_net();
    neurons.monitor_state("m", "syn", {"w"}).indices = {0};
    EXPECT_TRUE(contains(build_error(neurons), "'indices' choose neurons"));
    Network group = synapse_net();
    group.monitor_state("m", "dst", {"v"}).synapses = {0};
    EXPECT_TRUE(contains(build_error(group), "'dst' is a neuron group"));
    Network neither = synapse_net();
    neither.monitor_state("m", "sin", {"w"});
    EXPECT_TRUE(contains(build_error(neither), "monitors.m: group 'sin' is not a neuron group or "
                                               "a connection (did you mean 'syn'?)"));
}

TEST(SynapseMonitorErrors, AreLocatedInTheConfig) {
    const std::string yaml = R"(simulation: {dt: 0.1 ms}
models:
  m: {equations: "dv/dt = 0 / ms : 1"}
groups:
  dst: {size: 2, model: m}
inputs:
  src: {type: spike_times, size: 2, indices: [0], times: [1 ms]}
connections:
  syn: {pre: src, post: dst, model: "w : 1", on_pre: "v_post += w"}
monitors:
  trace: {type: state, connection: syn, variables: [wt]}
)";
    const std::string e = build_error(load_network_from_string(yaml, "net.yaml"));
    EXPECT_TRUE(contains(e, "net.yaml:11:")) << e;
    EXPECT_TRUE(contains(e, "no variable 'wt' (did you mean 'w'?)")) << e;
}

}  // namespace
}  // namespace spikegraph
