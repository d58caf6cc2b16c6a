// Synapse models in whole networks: a connection between slices sees only its slices' spikes
// and the right i, j, x_pre, x_post; on_pre with several targets; rstdp against its solution;
// a summed variable into a slice in a batch; in a Poisson-driven plastic network batch entries
// keep their own plastic weights (a static connection one shared copy), the weights are
// byte-identical for 1, 2 and 4 threads, checkpoint/resume, store/restore and evolve continue
// bit-identically, and the natively compiled pathways equal the interpreter bit for bit.
// test_synapse_semantics.cpp checks the rules themselves against closed forms.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "backend/cpu/native_compiler.hpp"
#include "builder/plan.hpp"
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

// Groups pre and post of n relays (a relay spikes one step after each drive spike; parameter
// k = 10 i; ge and y for the pathways to write); neuron m of pre fires one step after
// pre_ms[m] ms (none when negative), likewise post.
Network relays(std::size_t n, const std::vector<double>& pre_ms,
               const std::vector<double>& post_ms) {
    Network net;
    NeuronModel relay;
    relay.name = "relay";
    relay.equations = "dv/dt = -v / (1 * ms) : 1\ndge/dt = -ge / (5 * ms) : 1\n"
                      "dy/dt = -y / (1 * second) : 1\nk : 1";
    relay.threshold = "v > 0.5";
    relay.reset = "v = 0";
    for (const std::string g : {"pre", "post"}) {
        net.add_group(g, n, relay).set("k", "10 * i");
        const auto& ms = g == "pre" ? pre_ms : post_ms;
        std::vector<std::int64_t> idx;
        std::vector<double> times;
        for (std::size_t m = 0; m < ms.size(); ++m)
            if (ms[m] >= 0) {
                idx.push_back(static_cast<std::int64_t>(m));
                times.push_back(ms[m]);
            }
        net.add_spike_times("drive_" + g, n, idx, times);
        net.connect("in_" + g, GroupRef("drive_" + g), GroupRef(g), "v", "1",
                    Connectivity::one_to_one());
    }
    return net;
}

TEST(SynapseSemanticsRuns, ConnectionBetweenSlicesSeesOnlyItsSlicesAndTheirIndices) {
    // pre[1:3] -> post[2:3]. Pre neuron m fires at 10.1 + m ms; posts 0 and 1 at 15.1 ms, post
    // 2 at 20.1 ms.
    Network net = relays(3, {10, 11, 12}, {15, 15, 20});
    auto& c = net.connect("syn", GroupRef("pre[1:3]"), GroupRef("post[2:3]"), "", "1");
    c.model = "ii : 1\njj : 1\nkp : 1\nkq : 1\ntpre : second\ntpost : second\nn : 1";
    c.on_pre = "ii = i; jj = j; kp = k_pre; kq = k_post; tpre = t; n += 1";
    c.on_post = "tpost = t; n += 10";
    for (const char* v : {"ii", "jj", "kp", "kq", "tpre", "tpost", "n"}) c.values[v] = "0";
    c.values["tpre"] = c.values["tpost"] = "0 ms";
    Simulation sim(net);
    sim.run(30.0);
    const auto r = sim.read("syn.pre_index");
    ASSERT_EQ(r.size(), 2u);
    for (std::size_t s = 0; s < 2; ++s) {
        const double i = 1 + r[s];  // in the group
        EXPECT_EQ(sim.read("syn.ii")[s], i);
        EXPECT_EQ(sim.read("syn.jj")[s], 2.0);
        EXPECT_EQ(sim.read("syn.kp")[s], 10 * i);
        EXPECT_EQ(sim.read("syn.kq")[s], 20.0);
        EXPECT_NEAR(sim.read("syn.tpre")[s], 10.1 + i, 1e-9);
        EXPECT_NEAR(sim.read("syn.tpost")[s], 20.1, 1e-9);
        EXPECT_EQ(sim.read("syn.n")[s], 11.0);  // one pre event, one post event
    }
}

TEST(SynapseSemanticsRuns, OnPreWritesSeveralTargetsAccumulatingOverSynapses) {
    // 2 x 2, both pre fire at 10.1 ms: each post gets ge += w and y += 2 w from both synapses,
    // w = 0.5 + 0.25 i, and each pre y_pre += 3 from its two; the state at 20 ms has decayed for
    // 98 steps (exact solver).
    Network net = relays(2, {10, 10}, {});
    auto& c = net.connect("syn", GroupRef("pre"), GroupRef("post"), "", "0.5 + 0.25 * i");
    c.on_pre = "ge += w; y += 2 * w; y_pre += 3; count_syn = count_syn + 1";
    c.model = "w : 1\ncount_syn : 1";
    c.values["count_syn"] = "0";
    Simulation sim(net);
    sim.run(20.0);
    const double sum = 0.5 + 0.75;
    for (std::size_t j = 0; j < 2; ++j) {
        EXPECT_NEAR(sim.read("post.ge")[j], sum * std::exp(-9.8 / 5), 1e-12);
        EXPECT_NEAR(sim.read("post.y")[j], 2 * sum * std::exp(-9.8 / 1000), 1e-12);
        EXPECT_NEAR(sim.read("pre.y")[j], 6 * std::exp(-9.8 / 1000), 1e-12);
    }
    EXPECT_EQ(sim.read("syn.count_syn"), std::vector<double>(4, 1.0));
}

TEST(SynapseSemanticsRuns, RewardModulatedStdpIntegratesTheEligibilityTimesTheReward) {
    // pre at 10.1, post at 20.1 ms: the post spike charges elig with E = dApre e^(-10/20) (state
    // at 20.2 ms); over the N = 998 steps to 120 ms elig decays with tau_e and w grows by
    // reward elig / tau_r. Exactly: elig = E e^(-N dt / tau_e) = E q, w - w0 = reward E
    // (tau_e / tau_r) (1 - q); with the rule's Euler, q = (1 - dt / tau_e)^N in both.
    for (const std::string method : {"exact", "auto"}) {
        Network net = relays(1, {10}, {20});
        auto& c = net.connect("syn", GroupRef("pre"), GroupRef("post"), "ge", "0.5");
        c.plasticity = "rstdp";
        c.plasticity_parameters = {{"wmax", "1"}, {"dApre", "0.01"}, {"reward", "2"},
                                   {"tau_e", "200 ms"}, {"tau_r", "400 ms"}};
        c.method = method;
        Simulation sim(net);
        sim.run(120.0);
        const double e = 0.01 * std::exp(-0.5);
        const double q = method == "exact" ? std::exp(-99.8 / 200) : std::pow(1 - 0.1 / 200, 998);
        EXPECT_NEAR(sim.read("syn.elig")[0], e * q, 1e-12 * e) << method;
        EXPECT_NEAR(sim.read("syn.w")[0] - 0.5, 2 * e * 0.5 * (1 - q), 1e-9 * e) << method;
    }
}

TEST(SynapseSemanticsRuns, SummedVariableIntoASliceInABatch) {
    // pre (3, x from rand() + i) -> post[1:3] of 4, all to all, in a batch of 2: Isum of posts 1
    // and 2 is the sum of w x_pre over their synapses (x_pre at the start of the step, as Brian's
    // summed updater runs before the groups), per entry; posts 0 and 3 keep 0.
    Network net;
    net.settings.batch = 2;
    NeuronModel src, dst;
    src.name = "src";
    src.equations = "dx/dt = -x / (10 * ms) : 1";
    dst.name = "dst";
    dst.equations = "dv/dt = (Isum - v) / (5 * ms) : 1\nIsum : 1";
    net.add_group("pre", 3, src).init("x", "rand() + i");
    net.add_group("post", 4, dst);
    auto& c = net.connect("sum", GroupRef("pre"), GroupRef("post[1:3]"), "", "1 + i + 10 * j");
    c.model = "w : 1\nIsum_post = w * x_pre : 1 (summed)";
    Simulation sim(net);
    const auto i = sim.read("sum.pre_index"), j = sim.read("sum.indices"), w = sim.read("sum.w");
    ASSERT_EQ(w.size(), 6u);
    for (int step = 0; step < 10; ++step) {
        const auto x = sim.read("pre.x");
        sim.step();
        const auto got = sim.read("post.Isum");
        ASSERT_EQ(got.size(), 8u);
        for (std::size_t b = 0; b < 2; ++b) {
            double sum[4] = {0, 0, 0, 0};
            for (std::size_t k = 0; k < 6; ++k)
                sum[1 + static_cast<std::size_t>(j[k])] +=
                    w[k] * x[3 * b + static_cast<std::size_t>(i[k])];
            for (std::size_t m = 0; m < 4; ++m)
                EXPECT_NEAR(got[4 * b + m], sum[m], 1e-12 * sum[m]) << b << " " << m;
        }
    }
}

// 100 Poisson inputs onto 16 LIF neurons, through a static connection and a plastic one.
Network poisson_network(std::size_t batch, bool with_rand = false) {
    Network net;
    net.settings.batch = batch;
    net.settings.seed = 7;
    NeuronModel lif;
    lif.name = "lif";
    lif.equations = "dv/dt = (ge - v) / (10 * ms) : 1\ndge/dt = -ge / (5 * ms) : 1";
    lif.threshold = "v > 1";
    lif.reset = "v = 0";
    net.add_group("out", 16, lif);
    net.add_poisson("in", 100, "15 Hz");
    net.connect("static", GroupRef("in"), GroupRef("out"), "ge", "0.05",
                Connectivity::fixed_probability(0.5));
    auto& c = net.connect("stdp", GroupRef("in"), GroupRef("out"), "ge", "rand() * 0.3");
    if (with_rand) {
        c.model = "w : 1\ndApre/dt = -Apre / (20 * ms) : 1 (event-driven)";
        c.on_pre = "ge += w; Apre += 0.01; w = clip(w + 0.001 * rand(), 0, 1)";
        c.on_post = "w = clip(w + Apre - 0.0005 * rand(), 0, 1)";
    } else {
        c.plasticity = "stdp_additive";
        c.plasticity_parameters = {{"wmax", "0.3"}};
    }
    return net;
}

TEST(SynapseSemanticsRuns, BatchEntriesHaveTheirOwnPlasticWeightsAndShareStaticOnes) {
    Simulation sim(poisson_network(2));
    sim.run(200.0);
    const auto* w = sim.plan().find_variable("stdp.w");
    ASSERT_NE(w, nullptr);
    EXPECT_TRUE(w->batched);
    EXPECT_EQ(w->shape, (std::vector<std::size_t>{2, 1600}));
    const auto* s = sim.plan().find_variable("static.weight");
    ASSERT_NE(s, nullptr);
    EXPECT_FALSE(s->batched);
    EXPECT_TRUE(s->shape.size() == 1 || s->shape[0] != 2) << "static weight has a batch axis";
    const auto values = sim.read("stdp.w");
    ASSERT_EQ(values.size(), 2u * 1600u);
    std::size_t differ = 0;
    for (std::size_t k = 0; k < 1600; ++k) differ += values[k] != values[1600 + k];
    EXPECT_GT(differ, 800u);  // independent inputs per entry: most weights have moved apart
    EXPECT_GT(sim.spike_count("out"), 0u);
}

std::vector<double> run_with_threads(int threads) {
    SimulationOptions o;
    o.threads = threads;
    Simulation sim(poisson_network(1), o);
    EXPECT_EQ(sim.threads(), threads);
    sim.run(200.0);
    EXPECT_GT(sim.spike_count("out"), 0u);
    return sim.read("stdp.w");
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(SynapseSemanticsRuns, WeightsAreByteIdenticalFor1And2And4Threads) {
    const auto one = run_with_threads(1);
    EXPECT_TRUE(bitwise_equal(one, run_with_threads(2)));
    EXPECT_TRUE(bitwise_equal(one, run_with_threads(4)));
}

// The pair rule's traces depend on one neuron each and only decay, so they are kept per
// neuron, scaled to a reference time (builder/synapse_traces.cpp): all of it is state.
const char* const k_plastic_vars[] = {"stdp.w", "stdp.Apre", "stdp.Apost", "stdp.Apre_ref",
                                      "stdp.Apost_ref"};

TEST(SynapseSemanticsRuns, CheckpointResumeAndRestoreAreBitIdenticalToAnUninterruptedRun) {
    testing_support::TempDir dir("spikegraph_syn", true);
    Simulation whole(poisson_network(1));
    whole.run(100.0);
    Simulation first(poisson_network(1));
    first.run(50.0);
    first.checkpoint(dir / "half.ckpt");
    first.store("half");
    first.run_continue(50.0);
    Simulation resumed(poisson_network(1));
    resumed.resume(dir / "half.ckpt");
    resumed.run_continue(50.0);
    for (const char* var : k_plastic_vars) {
        const auto expected = whole.read(var);
        EXPECT_TRUE(bitwise_equal(first.read(var), expected)) << var << " (stored run)";
        EXPECT_TRUE(bitwise_equal(resumed.read(var), expected)) << var << " (resumed)";
    }
    first.restore("half");
    const VariableMap half_state = first.state();
    first.run_continue(50.0);
    for (const char* var : k_plastic_vars)
        EXPECT_TRUE(bitwise_equal(first.read(var), whole.read(var))) << var << " (restored)";
    // The functional form: state() holds the synapse state (the static weight is a parameter),
    // and evolving a fresh simulation from it continues bit-identically.
    EXPECT_EQ(half_state.count("static.weight"), 0u);
    EXPECT_EQ(first.parameters().count("static.weight"), 1u);
    Simulation fresh(poisson_network(1));
    const EvolveResult evolved = fresh.evolve({50.0, -1, {}}, half_state);
    for (const char* var : k_plastic_vars) {
        ASSERT_EQ(half_state.count(var), 1u) << var;
        EXPECT_TRUE(bitwise_equal(evolved.new_state.at(var), whole.read(var))) << var << " evolve";
    }
}

TEST(SynapseSemanticsRuns, NativePathwaysAreBitwiseEqualToTheInterpreter) {
    const auto run = [](bool native) {
        cpu::set_native_enabled(native);
        Simulation sim(poisson_network(2, true));
        sim.run(200.0);
        cpu::set_native_enabled(true);
        EXPECT_GT(sim.spike_count("out"), 0u);
        return std::pair{sim.read("stdp.w"), sim.read("stdp.Apre")};
    };
    const std::size_t before = cpu::native_kernels_bound();
    const auto native = run(true);
    if (cpu::native_kernels_bound() == before) GTEST_SKIP() << "no native compiler here";
    const auto interpreted = run(false);
    EXPECT_TRUE(bitwise_equal(native.first, interpreted.first));
    EXPECT_TRUE(bitwise_equal(native.second, interpreted.second));
}

}  // namespace
}  // namespace spikegraph
