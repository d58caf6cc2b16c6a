// Synapse models (connections with equations of their own): pathways, event-driven and
// clock-driven variables, summed variables, batches, delays; checked against closed forms.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include "builder/plan.hpp"

namespace spikegraph {
namespace {

// A neuron that spikes one step after each input spike it gets: v jumps to 1 by a static
// connection, decays with 1 ms, and the threshold 0.5 is crossed at the next update.
NeuronModel relay_model() {
    NeuronModel m;
    m.name = "relay";
    m.equations = "dv/dt = -v / (1 * ms) : 1";
    m.threshold = "v > 0.5";
    m.reset = "v = 0";
    return m;
}

// Two inputs drive one pre and one post relay neuron at the given times; the plastic
// connection pre -> post has `model`, `on_pre`, `on_post`.
struct Pairing {
    Network net;
    Connection* syn = nullptr;

    Pairing(const std::vector<double>& pre_ms, const std::vector<double>& post_ms) {
        net.settings.dt_ms = 0.1;
        net.add_group("pre", 1, relay_model());
        net.add_group("post", 1, relay_model());
        net.add_spike_times("drive_pre", 1, std::vector<std::int64_t>(pre_ms.size(), 0), pre_ms);
        net.add_spike_times("drive_post", 1, std::vector<std::int64_t>(post_ms.size(), 0), post_ms);
        net.connect("in_pre", GroupRef("drive_pre"), GroupRef("pre"), "v", "1");
        net.connect("in_post", GroupRef("drive_post"), GroupRef("post"), "v", "1");
        syn = &net.connect("stdp", GroupRef("pre"), GroupRef("post"), "", "0.5");
        syn->model = "w : 1\n"
                     "dApre/dt = -Apre / taupre : 1 (event-driven)\n"
                     "dApost/dt = -Apost / taupost : 1 (event-driven)\n"
                     "taupre : second (shared)\ntaupost : second (shared)\n"
                     "dApre_amp : 1 (shared)\ndApost_amp : 1 (shared)";
        syn->on_pre = "Apre += dApre_amp; w = w + Apost";
        syn->on_post = "Apost += dApost_amp; w = w + Apre";
        syn->values = {{"taupre", "20 ms"}, {"taupost", "30 ms"}, {"dApre_amp", "0.01"},
                       {"dApost_amp", "-0.012"}};
    }
};

// The same pairing twice, the second with a monitor of the connection (which keeps its traces
// per synapse, as Brian stores them), `edit` applied to both connections, both run for `ms`.
struct TwoForms {
    Pairing kept, per_synapse;
    std::unique_ptr<Simulation> a, b;

    TwoForms(const std::vector<double>& pre, const std::vector<double>& post,
             const std::function<void(Connection&)>& edit, double ms)
        : kept(pre, post), per_synapse(pre, post) {
        edit(*kept.syn);
        edit(*per_synapse.syn);
        per_synapse.net.monitor_state("trace", GroupRef("stdp"), {"w"});
        a = std::make_unique<Simulation>(kept.net);
        b = std::make_unique<Simulation>(per_synapse.net);
        a->run(ms);
        b->run(ms);
    }

    // Both forms give the same weight up to rounding, and the pairs changed it.
    double expect_same_weight() const {
        const double wa = a->read("stdp.w")[0], wb = b->read("stdp.w")[0];
        EXPECT_NE(wa, 0.5);
        EXPECT_NEAR(wa, wb, 1e-12 * std::fabs(wb));
        return wa;
    }
};

TEST(SynapseModel, PairRuleMatchesTheClosedFormForAllToAllPairing) {
    // Pre spikes at 10.1 and 30.1 ms, post at 20.1 and 50.1 ms (one step after the drive).
    Pairing p({10.0, 30.0}, {20.0, 50.0});
    Simulation sim(p.net);
    sim.run(60.0);
    const double pre[] = {10.1, 30.1}, post[] = {20.1, 50.1};
    double w = 0.5;
    // Every pair contributes: pre before post potentiates, post before pre depresses.
    for (double tp : pre)
        for (double tq : post) {
            if (tp < tq) w += 0.01 * std::exp(-(tq - tp) / 20.0);
            else w += -0.012 * std::exp(-(tp - tq) / 30.0);
        }
    const auto got = sim.read("stdp.w");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NEAR(got[0], w, 1e-12 * std::fabs(w));
    EXPECT_EQ(sim.spike_count("post"), 2u);
}

TEST(SynapseModel, TracesOfOneNeuronAreKeptPerNeuronWithTheSameResult) {
    // Apre is written by on_pre alone, from itself: one value per pre neuron (and Apost per post
    // neuron). A monitor of the connection keeps them per synapse (it records what Brian
    // stores); both forms give the same weight up to rounding (decays over two intervals
    // multiply instead of adding exponents: a few ulp).
    TwoForms f({10.0, 30.0, 31.0}, {20.0, 30.5, 50.0}, [](Connection&) {}, 60.0);
    // Both traces only decay: kept scaled to a reference time, one per batch entry.
    EXPECT_NE(f.a->plan().find_variable("stdp.Apre_ref"), nullptr);
    EXPECT_EQ(f.a->plan().find_variable("stdp.Apre_lastupdate"), nullptr);
    EXPECT_EQ(f.a->plan().find_variable("stdp.lastupdate"), nullptr);
    EXPECT_EQ(f.a->plan().find_variable("stdp.Apre")->shape, (std::vector<std::size_t>{1, 1}));
    EXPECT_NE(f.b->plan().find_variable("stdp.lastupdate"), nullptr);
    EXPECT_EQ(f.b->plan().find_variable("stdp.Apre_ref"), nullptr);
    f.expect_same_weight();
}

TEST(SynapseModel, ScaledTracesMoveTheirReferenceTimeWithoutChangingTheResult) {
    // With time constants of 0.5 and 0.7 ms the scaled traces' factor passes e^100 every 50 and
    // 70 ms: over 400 ms the reference time moves several times. Pairs 0.3 ms apart keep
    // both traces far from zero when read. Same weight as the per-synapse form up to
    // rounding: 1e-12 relative (an exponent of up to 100 carries 100 ulp of its argument).
    std::vector<double> pre, post;
    for (double t0 = 10.0; t0 < 400.0; t0 += 23.0) {
        pre.push_back(t0);
        post.push_back(t0 + 0.3);
        pre.push_back(t0 + 11.0);
        post.push_back(t0 + 10.6);
    }
    TwoForms f(pre, post, [](Connection& c) {
        c.values = {{"taupre", "0.5 ms"}, {"taupost", "0.7 ms"}, {"dApre_amp", "0.01"},
                    {"dApost_amp", "-0.012"}};
    }, 400.0);
    EXPECT_GT(f.a->read("stdp.Apre_ref")[0], 300.0);  // moved on at least six times
    EXPECT_GT(f.a->read("stdp.Apost_ref")[0], 300.0);
    // All-to-all pairing in closed form (both relays add the same step).
    double w = 0.5;
    for (double tp : pre)
        for (double tq : post)
            w += tp < tq ? 0.01 * std::exp(-(tq - tp) / 0.5) : -0.012 * std::exp(-(tp - tq) / 0.7);
    const double wa = f.expect_same_weight();
    EXPECT_LT(wa, 0.49);  // each period: +0.01 e^(-0.3/0.5) and -0.012 e^(-0.4/0.7), 17 periods
    EXPECT_NEAR(wa, w, 1e-12 * std::fabs(w));
}

TEST(SynapseModel, ATraceWithAConstantTermKeepsItsLastUpdateTime) {
    // dApre/dt = (A0 - Apre)/tau does not only decay: kept per neuron with the time of its last
    // update, while Apost (only decays) is scaled; same result as per synapse.
    TwoForms f({10.0, 30.0, 31.0}, {20.0, 30.5, 50.0}, [](Connection& c) {
        c.model = "w : 1\n"
                  "dApre/dt = (0.002 - Apre) / taupre : 1 (event-driven)\n"
                  "dApost/dt = -Apost / taupost : 1 (event-driven)\n"
                  "taupre : second (shared)\ntaupost : second (shared)\n"
                  "dApre_amp : 1 (shared)\ndApost_amp : 1 (shared)";
    }, 60.0);
    EXPECT_NE(f.a->plan().find_variable("stdp.Apre_lastupdate"), nullptr);
    EXPECT_EQ(f.a->plan().find_variable("stdp.Apre_ref"), nullptr);
    EXPECT_NE(f.a->plan().find_variable("stdp.Apost_ref"), nullptr);
    f.expect_same_weight();
}

}  // namespace
}  // namespace spikegraph
