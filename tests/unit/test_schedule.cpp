// schedule_ops: the step order derived from what ops read and write (DESIGN.md "Graph and
// order"), and the order it gives the CUBA network.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "builder/builder.hpp"
#include "builder/schedule.hpp"
#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/yaml_loader.hpp>

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

using Names = std::vector<std::string>;

// gmock is not linked: a plain substring check that prints the text on failure.
::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "'" << part << "' not found in: " << text;
}

OpSpec op(const std::string& name, std::vector<Input> inputs, std::vector<Output> outputs,
          std::size_t declared) {
    OpSpec o;
    o.name = name;
    o.kind = "test";
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.declared = declared;
    return o;
}

std::vector<std::string> names(const Schedule& s) {
    std::vector<std::string> out;
    for (const auto& o : s.ops) out.push_back(o.name);
    return out;
}

std::size_t position(const std::vector<std::string>& order, const std::string& name) {
    const auto it = std::find(order.begin(), order.end(), name);
    EXPECT_NE(it, order.end()) << name << " is missing from the schedule";
    return static_cast<std::size_t>(it - order.begin());
}

TEST(Schedule, ReaderRunsAfterWriterWhateverTheDeclarationOrder) {
    // The reader is declared first; the `now` edge must still put the writer before it.
    std::vector<OpSpec> ops = {
        op("reader", {{"x", Read::now}}, {{"y", WriteMode::assign}}, 0),
        op("writer", {}, {{"x", WriteMode::assign}}, 1),
    };
    const Schedule s = schedule_ops(ops);
    EXPECT_EQ(names(s), (Names{"writer", "reader"}));
    EXPECT_TRUE(s.snapshots.empty());
    ASSERT_EQ(s.reasons.size(), 2u);
    EXPECT_TRUE(s.reasons[0].empty());
    ASSERT_EQ(s.reasons[1].size(), 1u);
    EXPECT_TRUE(contains(s.reasons[1][0], "writer"));
    EXPECT_TRUE(contains(s.reasons[1][0], "x"));
}

TEST(Schedule, ChainsAreOrderedTransitively) {
    std::vector<OpSpec> ops = {
        op("c", {{"y", Read::now}}, {{"z", WriteMode::assign}}, 0),
        op("b", {{"x", Read::now}}, {{"y", WriteMode::assign}}, 1),
        op("a", {}, {{"x", WriteMode::assign}}, 2),
    };
    EXPECT_EQ(names(schedule_ops(ops)), (Names{"a", "b", "c"}));
}

TEST(Schedule, WritersRunInPhasesAssignAccumulateModifyThenReaders) {
    // Declared in the reverse of the required order, so only the phase rule can sort them.
    std::vector<OpSpec> ops = {
        op("reader", {{"x", Read::now}}, {{"out", WriteMode::assign}}, 0),
        op("modify2", {}, {{"x", WriteMode::modify}}, 1),
        op("modify1", {}, {{"x", WriteMode::modify}}, 2),
        op("acc2", {}, {{"x", WriteMode::accumulate}}, 3),
        op("acc1", {}, {{"x", WriteMode::accumulate}}, 4),
        op("assign", {}, {{"x", WriteMode::assign}}, 5),
    };
    const auto order = names(schedule_ops(ops));
    ASSERT_EQ(order.size(), 6u);
    EXPECT_EQ(order[0], "assign");
    // Accumulators commute: between themselves only the declaration order decides.
    EXPECT_EQ(order[1], "acc2");
    EXPECT_EQ(order[2], "acc1");
    // Modifiers among themselves run in declaration order.
    EXPECT_EQ(order[3], "modify2");
    EXPECT_EQ(order[4], "modify1");
    EXPECT_EQ(order[5], "reader");
}

TEST(Schedule, IndependentOpsKeepTheirDeclarationOrder) {
    // The vector order differs from the declared indices: the declared index is the tie-breaker.
    std::vector<OpSpec> ops = {
        op("third", {}, {{"c", WriteMode::assign}}, 2),
        op("first", {}, {{"a", WriteMode::assign}}, 0),
        op("fourth", {}, {{"d", WriteMode::assign}}, 3),
        op("second", {}, {{"b", WriteMode::assign}}, 1),
    };
    EXPECT_EQ(names(schedule_ops(ops)), (Names{"first", "second", "third", "fourth"}));
}

TEST(Schedule, TiesAmongReadyOpsFollowDeclarationAfterEachRelease) {
    // `late` is declared before `w2` but must wait for `w1`; once released it still goes before
    // w2 (declared later), because the ready queue always takes the lowest declared index.
    std::vector<OpSpec> ops = {
        op("w1", {}, {{"x", WriteMode::assign}}, 0),
        op("late", {{"x", Read::now}}, {{"y", WriteMode::assign}}, 1),
        op("w2", {}, {{"z", WriteMode::assign}}, 2),
    };
    EXPECT_EQ(names(schedule_ops(ops)), (Names{"w1", "late", "w2"}));
}

TEST(Schedule, PrevReaderRunsBeforeTheWriterWithoutASnapshot) {
    // Declared after the writer, but reading `prev`: it is moved in front instead of copying x.
    std::vector<OpSpec> ops = {
        op("writer", {}, {{"x", WriteMode::assign}}, 0),
        op("prev_reader", {{"x", Read::prev}}, {{"y", WriteMode::assign}}, 1),
    };
    const Schedule s = schedule_ops(ops);
    EXPECT_EQ(names(s), (Names{"prev_reader", "writer"}));
    EXPECT_TRUE(s.snapshots.empty());
    for (const auto& o : s.ops) EXPECT_TRUE(o.read_redirects.empty()) << o.name;
    // The reason given for the writer says it waits for a prev read.
    ASSERT_EQ(s.reasons[1].size(), 1u);
    EXPECT_TRUE(contains(s.reasons[1][0], "prev"));
}

TEST(Schedule, PrevReadThatMustFollowTheWriterIsSnapshotted) {
    // `reader` needs y `now`, and y comes from the op that also writes x: it cannot run before
    // the writer of x, so x is copied at the start of the step and the read is redirected.
    std::vector<OpSpec> ops = {
        op("writer", {}, {{"x", WriteMode::assign}, {"y", WriteMode::assign}}, 0),
        op("reader", {{"y", Read::now}, {"x", Read::prev}}, {{"z", WriteMode::assign}}, 1),
        op("other", {{"x", Read::prev}, {"y", Read::now}}, {{"w", WriteMode::assign}}, 2),
    };
    const Schedule s = schedule_ops(ops);
    EXPECT_EQ(names(s), (Names{"writer", "reader", "other"}));
    ASSERT_EQ(s.snapshots.size(), 1u) << "one copy of x serves every redirected reader";
    EXPECT_EQ(s.snapshots[0].var, "x");
    EXPECT_EQ(s.snapshots[0].snapshot, "x@prev");
    ASSERT_EQ(s.ops[1].read_redirects.size(), 1u);
    EXPECT_EQ(s.ops[1].read_redirects.at("x"), "x@prev");
    EXPECT_EQ(s.ops[2].read_redirects.at("x"), "x@prev");
    EXPECT_TRUE(s.ops[0].read_redirects.empty());
}

TEST(Schedule, PrevReadThroughALongerChainIsSnapshotted) {
    // writer -> middle -> reader by `now` edges; reader's prev read of x would close a cycle.
    std::vector<OpSpec> ops = {
        op("reader", {{"m", Read::now}, {"x", Read::prev}}, {{"r", WriteMode::assign}}, 0),
        op("middle", {{"x", Read::now}}, {{"m", WriteMode::assign}}, 1),
        op("writer", {}, {{"x", WriteMode::assign}}, 2),
    };
    const Schedule s = schedule_ops(ops);
    EXPECT_EQ(names(s), (Names{"writer", "middle", "reader"}));
    ASSERT_EQ(s.snapshots.size(), 1u);
    EXPECT_EQ(s.snapshots[0].var, "x");
    EXPECT_EQ(s.ops[2].read_redirects.at("x"), "x@prev");
}

TEST(Schedule, AnOpReadingWhatItWritesIsNoCycle) {
    std::vector<OpSpec> ops = {
        op("self", {{"x", Read::now}}, {{"x", WriteMode::modify}}, 0),
        op("setter", {}, {{"x", WriteMode::assign}}, 1),
    };
    EXPECT_EQ(names(schedule_ops(ops)), (Names{"setter", "self"}));
}

TEST(Schedule, TwoAssignersOfOneVariableAreABuildError) {
    std::vector<OpSpec> ops = {
        op("first_setter", {}, {{"g.I", WriteMode::assign}}, 0),
        op("second_setter", {}, {{"g.I", WriteMode::assign}}, 1),
    };
    try {
        schedule_ops(ops);
        FAIL() << "two assigners of g.I were accepted";
    } catch (const BuildError& e) {
        EXPECT_TRUE(contains(e.what(), "g.I"));
        EXPECT_TRUE(contains(e.what(), "first_setter"));
        EXPECT_TRUE(contains(e.what(), "second_setter"));
    }
}

TEST(Schedule, CycleOfNowReadsNamesEveryOpAndReadAndSuggestsPrev) {
    // a -> b -> c -> a through x, y, z; `bystander` depends on the cycle but is not on it.
    std::vector<OpSpec> ops = {
        op("op_a", {{"z_var", Read::now}}, {{"x_var", WriteMode::assign}}, 0),
        op("op_b", {{"x_var", Read::now}}, {{"y_var", WriteMode::assign}}, 1),
        op("op_c", {{"y_var", Read::now}}, {{"z_var", WriteMode::assign}}, 2),
        op("bystander", {{"x_var", Read::now}}, {{"q_var", WriteMode::assign}}, 3),
        op("free", {}, {{"f_var", WriteMode::assign}}, 4),
    };
    try {
        schedule_ops(ops);
        FAIL() << "a cycle of now reads was accepted";
    } catch (const BuildError& e) {
        const std::string msg = e.what();
        for (const char* name : {"'op_a'", "'op_b'", "'op_c'"}) EXPECT_TRUE(contains(msg, name));
        for (const char* var : {"x_var", "y_var", "z_var"}) EXPECT_TRUE(contains(msg, var));
        EXPECT_TRUE(contains(msg, "prev"));
        EXPECT_FALSE(contains(msg, "bystander"));
        EXPECT_FALSE(contains(msg, "'free'"));
    }
}

TEST(Schedule, TwoOpCycleIsABuildError) {
    std::vector<OpSpec> ops = {
        op("left", {{"b", Read::now}}, {{"a", WriteMode::assign}}, 0),
        op("right", {{"a", Read::now}}, {{"b", WriteMode::assign}}, 1),
    };
    try {
        schedule_ops(ops);
        FAIL() << "a two-op cycle was accepted";
    } catch (const BuildError& e) {
        EXPECT_TRUE(contains(e.what(), "'left'"));
        EXPECT_TRUE(contains(e.what(), "'right'"));
        EXPECT_TRUE(contains(e.what(), "prev"));
    }
}

TEST(Schedule, MakingOneCycleReadPrevResolvesIt) {
    // The cycle above with the read of `b` made `prev`: no error, `left` runs first.
    std::vector<OpSpec> ops = {
        op("left", {{"b", Read::prev}}, {{"a", WriteMode::assign}}, 0),
        op("right", {{"a", Read::now}}, {{"b", WriteMode::assign}}, 1),
    };
    const Schedule s = schedule_ops(ops);
    EXPECT_EQ(names(s), (Names{"left", "right"}));
    EXPECT_TRUE(s.snapshots.empty());
}

// The CUBA network as in examples/cuba.cpp, plus a state monitor (which reads `prev`).
Network cuba_network() {
    NeuronModel lif;
    lif.name = "cuba_lif";
    lif.equations = R"(
        dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
    )";
    lif.threshold = "v > -50 mV";
    lif.reset = "v = -60 mV";
    lif.refractory = "5 ms";
    lif.method = "exact";
    lif.parameters = {{"El", "-49 mV"}, {"taum", "20 ms"}, {"taue", "5 ms"}, {"taui", "10 ms"}};
    Network net;
    auto& neurons = net.add_group("neurons", 400, lif);
    neurons.init("v", "uniform(-60 mV, -50 mV)");
    net.connect("excitatory", neurons.slice(0, 320), neurons.all(), "ge", "1.62 mV",
                Connectivity::fixed_probability(0.2));
    net.connect("inhibitory", neurons.slice(320, 400), neurons.all(), "gi", "-9 mV",
                Connectivity::fixed_probability(0.2));
    net.monitor_spikes("spikes", neurons.all());
    net.monitor_state("trace", neurons.all(), {"v", "ge"});
    return net;
}

std::vector<std::string> plan_order(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& o : plan.ops) out.push_back(o.name);
    return out;
}

TEST(Schedule, CubaPlanFollowsBriansSchedule) {
    const BuildResult r = build(cuba_network());
    const auto order = plan_order(r.plan);
    const std::size_t record = position(order, "trace.record");
    const std::size_t update = position(order, "neurons.update");
    const std::size_t exc = position(order, "excitatory.deliver");
    const std::size_t inh = position(order, "inhibitory.deliver");
    const std::size_t reset = position(order, "neurons.reset");
    const std::size_t spikes = position(order, "spikes.record");
    // DESIGN.md step semantics: record state, update (with threshold), deliver, reset; the spike
    // monitor sees the spikes after the reset ran.
    EXPECT_LT(record, update);
    EXPECT_LT(update, exc);
    EXPECT_LT(update, inh);
    EXPECT_LT(exc, reset);
    EXPECT_LT(inh, reset);
    EXPECT_LT(reset, spikes);
    EXPECT_LT(exc, inh) << "deliveries tie: declaration order";
    EXPECT_EQ(order.size(), 6u);
    // The state monitor reads prev and can run first, so nothing needs a snapshot.
    EXPECT_TRUE(r.plan.snapshots.empty());
    for (const auto& o : r.plan.ops) EXPECT_TRUE(o.read_redirects.empty()) << o.name;
}

TEST(Schedule, CubaConfigPlanOrder) {
    const Network net = load_network(std::string(SPIKEGRAPH_SOURCE_DIR) + "/configs/cuba.yaml",
                                     {"groups.neurons.size=400",
                                      "connections.excitatory.pre=neurons[0:320]",
                                      "connections.inhibitory.pre=neurons[320:400]"});
    const BuildResult r = build(net);
    EXPECT_EQ(plan_order(r.plan), (Names{"neurons.update", "excitatory.deliver",
                                                "inhibitory.deliver", "neurons.reset",
                                                "spikes.record"}));
    EXPECT_TRUE(r.plan.snapshots.empty());
}

}  // namespace
}  // namespace spikegraph
