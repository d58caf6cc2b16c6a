// The semantics of synapse models (docs/plasticity.md, docs/semantics.md), each checked against
// what it must equal: pair and triplet rules against their closed-form sums (all-to-all and
// nearest pairing, delays), the library rules through C++, Brian's step order, event-driven,
// clock-driven and summed variables, and bad input. test_synapse_semantics_runs.cpp: batches,
// threads, checkpoints, native vs interpreted kernels.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>

namespace spikegraph {
namespace {

NeuronModel model(const std::string& equations, const std::string& threshold = "",
                  const std::string& reset = "") {
    NeuronModel m;
    m.name = "m";
    m.equations = equations;
    m.threshold = threshold;
    m.reset = reset;
    return m;
}

// A neuron that spikes one step (0.1 ms) after each input spike: v jumps to 1, decays with
// 1 ms, crosses 0.5 at the next update. `ge` takes a library rule's `ge += w` without acting;
// `y` is written by pathways in the step-order test.
NeuronModel relay() {
    return model("dv/dt = -v / (1 * ms) : 1\ndge/dt = -ge / (5 * ms) : 1\n"
                 "dy/dt = -y / (1 * second) : 1", "v > 0.5", "v = 0");
}

// n pre and n post relays, each fired one step after the drive times; `syn` connects them.
struct Pair {
    Network net;
    Connection* syn = nullptr;

    Pair(const std::vector<double>& pre_ms, const std::vector<double>& post_ms, std::size_t n = 1) {
        net.settings.dt_ms = 0.1;
        net.add_group("pre", n, relay());
        net.add_group("post", n, relay());
        drive("pre", pre_ms, n);
        drive("post", post_ms, n);
        syn = &net.connect("syn", GroupRef("pre"), GroupRef("post"), "", "0.5");
    }
    void drive(const std::string& g, const std::vector<double>& ms, std::size_t n) {
        std::vector<std::int64_t> idx;
        std::vector<double> times;
        for (double t : ms)
            for (std::size_t k = 0; k < n; ++k) {
                idx.push_back(static_cast<std::int64_t>(k));
                times.push_back(t);
            }
        net.add_spike_times("drive_" + g, n, idx, times);
        net.connect("in_" + g, GroupRef("drive_" + g), GroupRef(g), "v", "1",
                    Connectivity::one_to_one());
    }
    // The pair rule written by hand: traces added to (all-to-all) or set (nearest).
    void pair_rule(bool nearest) {
        const std::string op = nearest ? " = " : " += ";
        syn->model = "w : 1\n"
                     "dApre/dt = -Apre / taupre : 1 (event-driven)\n"
                     "dApost/dt = -Apost / taupost : 1 (event-driven)\n"
                     "taupre : second (shared)\ntaupost : second (shared)\n"
                     "dApre_amp : 1 (shared)\ndApost_amp : 1 (shared)";
        syn->on_pre = "Apre" + op + "dApre_amp; w = w + Apost";
        syn->on_post = "Apost" + op + "dApost_amp; w = w + Apre";
        syn->values = {{"taupre", "20 ms"}, {"taupost", "30 ms"}, {"dApre_amp", "0.01"},
                       {"dApost_amp", "-0.012"}};
    }
    // The same amplitudes and time constants through the library.
    void library(const std::string& rule, std::map<std::string, ValueSpec> extra = {}) {
        syn->target = "ge";
        syn->plasticity = rule;
        syn->plasticity_parameters = {{"taupre", "20 ms"}, {"taupost", "30 ms"},
                                      {"dApre", "0.01"},   {"dApost", "-0.012"},
                                      {"wmax", "1"}};
        for (auto& [k, v] : extra) syn->plasticity_parameters[k] = v;
    }
};

std::vector<double> shifted(std::vector<double> ms, double by) {
    for (double& t : ms) t += by;
    return ms;
}

// The pair rule's weight after on_pre runs at `pre` and on_post at `post` (times in ms):
// all-to-all, every pair; nearest, each spike pairs with the latest spike of the other side
// (a pre and a post in the same step: on_pre first, so the pre counts for the post).
double pair_closed_form(double w, const std::vector<double>& pre, const std::vector<double>& post,
                        bool nearest) {
    const double a_pre = 0.01, a_post = -0.012, tau_pre = 20.0, tau_post = 30.0;
    for (double q : post) {
        double latest = -1.0;
        for (double p : pre)
            if (p <= q) {
                if (!nearest) w += a_pre * std::exp(-(q - p) / tau_pre);
                latest = std::max(latest, p);
            }
        if (nearest && latest >= 0) w += a_pre * std::exp(-(q - latest) / tau_pre);
    }
    for (double p : pre) {
        double latest = -1.0;
        for (double q : post)
            if (q < p) {
                if (!nearest) w += a_post * std::exp(-(p - q) / tau_post);
                latest = std::max(latest, q);
            }
        if (nearest && latest >= 0) w += a_post * std::exp(-(p - latest) / tau_post);
    }
    return w;
}

// With a pre and a post in the same step (40 ms): on_pre runs first.
const std::vector<double> k_pre_drive = {10, 30, 33, 40, 60}, k_post_drive = {20, 31, 40, 50, 61};

// Runs the pair rule (by hand or `rule` from the library) with delays, in a batch of 2, and
// checks each entry against the closed form: 1e-12 relative (f64), 2e-6 (f32).
void check_pairing(bool nearest, double d_pre, double d_post, const std::string& rule = "",
                   Precision precision = Precision::f64) {
    Pair p(k_pre_drive, k_post_drive);
    p.net.settings.batch = 2;
    p.net.settings.precision = precision;
    if (rule.empty()) p.pair_rule(nearest);
    else p.library(rule, nearest ? std::map<std::string, ValueSpec>{{"pairing", "nearest"}}
                                 : std::map<std::string, ValueSpec>{});
    if (d_pre > 0) p.syn->delay = std::to_string(d_pre) + " ms";
    if (d_post > 0) p.syn->post_delay = std::to_string(d_post) + " ms";
    Simulation sim(p.net);
    sim.run(80.0);
    // The relays fire 0.1 ms after their drive; the pathways run d_pre, d_post later.
    const double w = pair_closed_form(0.5, shifted(k_pre_drive, 0.1 + d_pre),
                                      shifted(k_post_drive, 0.1 + d_post), nearest);
    const double other = pair_closed_form(0.5, shifted(k_pre_drive, 0.1 + d_pre),
                                          shifted(k_post_drive, 0.1 + d_post), !nearest);
    ASSERT_GT(std::fabs(w - other), 1e-4);  // the protocol tells the pairings apart
    const auto got = sim.read("syn.w");
    ASSERT_EQ(got.size(), 2u);
    const double tolerance = (precision == Precision::f64 ? 1e-12 : 2e-6) * std::fabs(w);
    EXPECT_NEAR(got[0], w, tolerance);
    EXPECT_NEAR(got[1], w, tolerance);
    EXPECT_EQ(sim.spike_count("post"), 2 * 5u);  // summed over the batch
}

TEST(SynapseSemantics, AllToAllPairingMatchesTheClosedForm) { check_pairing(false, 0, 0); }
TEST(SynapseSemantics, NearestPairingMatchesTheClosedForm) { check_pairing(true, 0, 0); }
TEST(SynapseSemantics, UniformPreDelayShiftsThePairingTimes) {
    check_pairing(false, 2, 0);
    check_pairing(true, 2, 0);
}
TEST(SynapseSemantics, UniformPostDelayShiftsThePairingTimes) {
    check_pairing(false, 0, 3);
    check_pairing(true, 0, 3);
}
TEST(SynapseSemantics, PairingInSinglePrecision) {
    check_pairing(false, 2, 0, "", Precision::f32);
    check_pairing(true, 0, 3, "stdp_additive", Precision::f32);
}

TEST(SynapseSemantics, PerSynapseDelaysSetEachSynapsesEventTime) {
    // 2 pre x 2 post; pre spikes at 10.1, 11.1 (both in flight at once) and 20.1 ms; synapse
    // (i, j) is reached 1 + j + 2i ms later, which `tlast = t` records; `n` counts the events.
    // The posts spike at 12.1 ms and reach (i, j) 1 - i + j ms later (0 for (1, 0); within a
    // post, in the reverse of synapse order).
    Pair p({10, 11, 20}, {12}, 2);
    p.net.settings.batch = 2;  // each entry the same events
    p.syn->model = "tlast : second\nn : 1\ntpost : second";
    p.syn->on_pre = "tlast = t; n += 1";
    p.syn->on_post = "tpost = t";
    // (Brian starts a parameter without a value at 0; here it must be given.)
    p.syn->values = {{"tlast", "0 ms"}, {"n", "0"}, {"tpost", "0 ms"}};
    p.syn->delay = "(1 + j + 2 * i) * ms";
    p.syn->post_delay = "(1 - i + j) * ms";
    Simulation sim(p.net);
    const auto i = sim.read("syn.pre_index"), j = sim.read("syn.indices");
    ASSERT_EQ(i.size(), 4u);
    for (const auto& [until, first, count] :
         {std::tuple{17.0, 11.1, 2.0}, std::tuple{30.0, 20.1, 3.0}}) {
        sim.run_continue(until - sim.t_ms());
        const auto tlast = sim.read("syn.tlast"), n = sim.read("syn.n"),
                   tpost = sim.read("syn.tpost");
        ASSERT_EQ(tlast.size(), 8u);
        for (std::size_t b = 0; b < 2; ++b)
            for (std::size_t k = 0; k < 4; ++k) {  // ms
                EXPECT_NEAR(tlast[4 * b + k], first + 1 + j[k] + 2 * i[k], 1e-9) << b << " " << k;
                EXPECT_EQ(n[4 * b + k], count) << b << " " << k;
                EXPECT_NEAR(tpost[4 * b + k], 12.1 + 1 - i[k] + j[k], 1e-9) << b << " " << k;
            }
    }
}

TEST(SynapseSemantics, LibraryPairRulesMatchTheClosedForm) {
    check_pairing(false, 0, 0, "stdp_additive");
    check_pairing(true, 0, 0, "stdp_additive");
    check_pairing(false, 2, 0, "stdp_additive");
}

TEST(SynapseSemantics, MultiplicativeRuleScalesBySoftBoundsForOnePair) {
    // w0 = 0.5, wmax = 1: pre then post (10 ms) potentiates by Apre (wmax - w) / wmax; post then
    // pre depresses by |Apost| w / wmax.
    for (const bool pre_first : {true, false}) {
        Pair p(pre_first ? std::vector<double>{10} : std::vector<double>{20},
               pre_first ? std::vector<double>{20} : std::vector<double>{10});
        p.library("stdp_multiplicative");
        Simulation sim(p.net);
        sim.run(40.0);
        const double w = pre_first ? 0.5 + 0.01 * std::exp(-10.0 / 20.0) * (1 - 0.5)
                                   : 0.5 - 0.012 * std::exp(-10.0 / 30.0) * 0.5;
        EXPECT_NEAR(sim.read("syn.w")[0], w, 1e-12 * w) << "pre first: " << pre_first;
    }
}

TEST(SynapseSemantics, AdditiveRuleClipsExactlyAtTheBounds) {
    for (const bool up : {true, false}) {
        Pair p(up ? std::vector<double>{10} : std::vector<double>{20},
               up ? std::vector<double>{12} : std::vector<double>{18});
        p.library("stdp_additive", {{"dApre", "0.8"}, {"dApost", "-0.8"}});
        Simulation sim(p.net);
        sim.run(30.0);
        EXPECT_EQ(sim.read("syn.w")[0], up ? 1.0 : 0.0);
    }
}

// The triplet rule (Pfister & Gerstner 2006, Table 4, visual cortex)

struct TripletOutcome {
    double w = 0, closed_form = 0;
};

// `n` pairings at `hz`, post `dt_ms` after pre (negative: before), starting at 20 ms; the
// all-to-all or the nearest-spike fit.
TripletOutcome triplet(double hz, double dt_ms, int n, bool nearest = false) {
    std::vector<double> pre, post;
    for (int k = 0; k < n; ++k) {
        pre.push_back(20.0 + 1000.0 * k / hz);
        post.push_back(pre.back() + dt_ms);
    }
    Pair p(pre, post);
    p.syn->target = "ge";
    p.syn->plasticity = "stdp_triplet";
    p.syn->plasticity_parameters = {
        {"parameters", nearest ? "visual_cortex_nearest" : "visual_cortex_all_to_all"}};
    Simulation sim(p.net);
    sim.run(std::max(pre.back(), post.back()) + 20.0);
    EXPECT_EQ(sim.spike_count("post"), static_cast<std::uint64_t>(n));
    // The paper's Eqs. 3-4 as sums over earlier spikes (nearest: the latest one only), events in
    // time order (pre first in a tie); traces read before their own increment.
    const double tp = 16.8, tm = 33.7, tx = nearest ? 714 : 101, ty = nearest ? 40 : 125,
                 a2p = nearest ? 8.8e-11 : 5e-10, a3p = nearest ? 5.3e-2 : 6.2e-3,
                 a2m = nearest ? 6.6e-3 : 7e-3, a3m = nearest ? 3.1e-3 : 2.3e-4;
    std::vector<std::pair<double, int>> events;  // (time, 0 = pre, 1 = post)
    for (double t : pre) events.push_back({t + 0.1, 0});
    for (double t : post) events.push_back({t + 0.1, 1});
    std::sort(events.begin(), events.end());
    double w = 0.5;
    for (std::size_t e = 0; e < events.size(); ++e) {
        const double t = events[e].first;  // not a structured binding: the lambda reads it
        const int kind = events[e].second;
        const auto trace = [&](int side, double tau) {
            double s = 0;
            for (std::size_t f = 0; f < e; ++f)
                if (events[f].second == side)
                    s = (nearest ? 0 : s) + std::exp(-(t - events[f].first) / tau);
            return s;
        };
        if (kind == 0) w = std::clamp(w - trace(1, tm) * (a2m + a3m * trace(0, tx)), 0.0, 1.0);
        else w = std::clamp(w + trace(0, tp) * (a2p + a3p * trace(1, ty)), 0.0, 1.0);
    }
    return {sim.read("syn.w")[0], w};
}

TEST(SynapseSemantics, TripletRuleMatchesItsClosedFormAndTheFrequencyDependence) {
    // Sjoestroem et al. (2001), as fitted by Pfister & Gerstner (2006, Fig. 5): at low frequency
    // pre-before-post (+10 ms) potentiates and post-before-pre (-10 ms) depresses; at 50 Hz
    // both potentiate.
    const TripletOutcome slow_plus = triplet(1.0, 10.0, 15), slow_minus = triplet(1.0, -10.0, 15);
    const TripletOutcome fast_plus = triplet(50.0, 10.0, 15), fast_minus = triplet(50.0, -10.0, 15);
    for (const TripletOutcome& o : {slow_plus, slow_minus, fast_plus, fast_minus}) {
        EXPECT_NEAR(o.w, o.closed_form, 1e-12 * o.closed_form);
        EXPECT_NEAR(o.w - 0.5, o.closed_form - 0.5, 1e-9 * std::fabs(o.closed_form - 0.5));
    }
    EXPECT_GT(slow_plus.w, 0.5);
    EXPECT_LT(slow_minus.w, 0.5 - 0.01);  // about 15 x 0.74 x 7e-3
    EXPECT_GT(fast_plus.w, 0.5 + 0.05);
    EXPECT_GT(fast_minus.w, 0.5 + 0.05);
    EXPECT_GT(fast_plus.w - 0.5, 100 * (slow_plus.w - 0.5));  // the frequency dependence
}

TEST(SynapseSemantics, NearestTripletRuleMatchesItsClosedFormAndTheFrequencyDependence) {
    const TripletOutcome slow_plus = triplet(1.0, 10.0, 15, true),
                         slow_minus = triplet(1.0, -10.0, 15, true),
                         fast_plus = triplet(50.0, 10.0, 15, true),
                         fast_minus = triplet(50.0, -10.0, 15, true);
    for (const TripletOutcome& o : {slow_plus, slow_minus, fast_plus, fast_minus}) {
        EXPECT_NEAR(o.w, o.closed_form, 1e-12 * o.closed_form);
        EXPECT_NEAR(o.w - 0.5, o.closed_form - 0.5, 1e-9 * std::fabs(o.closed_form - 0.5));
    }
    EXPECT_GT(slow_plus.w, 0.5);  // A2+ = 8.8e-11: barely
    EXPECT_LT(slow_minus.w, 0.5 - 0.01);
    EXPECT_GT(fast_plus.w, 0.5 + 0.05);
    EXPECT_GT(fast_minus.w, 0.5 + 0.05);
}

// Brian's step order

TEST(SynapseSemantics, OnPreRunsBeforeOnPostAndSeesPostBeforeItsReset) {
    // pre alone at 10.1 ms, pre and post together at 20.1 ms. v_post after the update that
    // crosses the threshold is exp(-0.1) (before: 1, after the reset: 0).
    Pair p({10, 20}, {20});
    p.syn->model = "x : 1\nvp : 1\nvq : 1";
    p.syn->on_pre = "x = 1; vp = v_post";
    p.syn->on_post = "x = 2; vq = v_post";
    p.syn->values = {{"x", "0"}, {"vp", "0"}, {"vq", "0"}};
    // Across connections too: every on_pre runs before every on_post, whatever the order in
    // which the connections are declared.
    auto& first = p.net.connect("first", GroupRef("pre"), GroupRef("post"), "", "1");
    first.on_post = "y_post = 2";
    auto& second = p.net.connect("second", GroupRef("pre"), GroupRef("post"), "", "1");
    second.on_pre = "y_post = 1";
    Simulation sim(p.net);
    sim.run(15.0);
    EXPECT_EQ(sim.read("syn.x")[0], 1.0);
    sim.run_continue(10.0);
    EXPECT_EQ(sim.read("syn.x")[0], 2.0);
    EXPECT_NEAR(sim.read("syn.vp")[0], std::exp(-0.1), 1e-12);
    EXPECT_NEAR(sim.read("syn.vq")[0], std::exp(-0.1), 1e-12);
    EXPECT_GT(sim.read("post.y")[0], 1.5);  // 2, decaying with 1 s for 5 ms
}

// Event-driven, clock-driven and summed variables

TEST(SynapseSemantics, EventDrivenOdesWithAConstantTermUseTheirClosedForm) {
    // z relaxes to 1 (a != 0, b != 0), c grows linearly (a = 0); on_pre records both, resets z.
    Pair p({10, 30}, {});
    p.syn->model = "dz/dt = (1 - z) / tau : 1 (event-driven)\ndc/dt = 1 / tau : 1 (event-driven)\n"
                   "tau : second (shared)\nzs : 1\ncs : 1";
    p.syn->on_pre = "zs = z; cs = c; z = 0";
    p.syn->values = {{"tau", "10 ms"}, {"zs", "0"}, {"cs", "0"}};
    Simulation sim(p.net);
    sim.run(20.0);  // z and c from 0 at t = 0 to the event at 10.1 ms
    EXPECT_NEAR(sim.read("syn.zs")[0], 1 - std::exp(-1.01), 1e-12);
    EXPECT_NEAR(sim.read("syn.cs")[0], 1.01, 1e-12);
    sim.run_continue(20.0);  // z from 0 at 10.1 ms, c from 1.01, to 30.1 ms
    EXPECT_NEAR(sim.read("syn.zs")[0], 1 - std::exp(-2.0), 1e-12);
    EXPECT_NEAR(sim.read("syn.cs")[0], 3.01, 1e-12);
}

TEST(SynapseSemantics, ClockDrivenOdeIsIntegratedEveryStep) {
    for (const std::string method : {"exact", "euler"}) {
        Pair p({}, {}, 2);
        p.syn->model = "dx/dt = -x / (10 * ms) : 1 (clock-driven)";
        p.syn->values = {{"x", "1 + i + 2 * j"}};
        p.syn->method = method;
        Simulation sim(p.net);
        sim.run(20.0);  // 200 steps
        const auto x = sim.read("syn.x"), i = sim.read("syn.pre_index"),
                   j = sim.read("syn.indices");
        ASSERT_EQ(x.size(), 4u);
        const double factor = method == "exact" ? std::exp(-2.0) : std::pow(1 - 0.01, 200);
        for (std::size_t k = 0; k < 4; ++k)
            EXPECT_NEAR(x[k], (1 + i[k] + 2 * j[k]) * factor, 1e-12 * x[k]) << method << " " << k;
    }
}

// pre (3, x decaying from 1 + i) -> post (2, declares Isum) through `c1`, and `c2` when `two`.
Network summed_network(bool two) {
    Network net;
    net.add_group("pre", 3, model("dx/dt = -x / (10 * ms) : 1")).init("x", "1 + i");
    net.add_group("post", 2, model("dv/dt = (Isum - v) / (5 * ms) : 1\nIsum : 1"));
    for (const char* name : {"c1", "c2"}) {
        if (!two && std::string(name) == "c2") break;
        auto& c = net.connect(name, GroupRef("pre"), GroupRef("post"), "", "1 + i + 10 * j",
                              Connectivity::from_list({{0, 0}, {1, 0}, {2, 1}, {0, 1}}));
        c.model = "w : 1\nIsum_post = w * x_pre : 1 (summed)";
    }
    return net;
}

TEST(SynapseSemantics, SummedVariableIsTheSumOverEachPostNeuronsSynapses) {
    // Brian's summed updater runs before the groups' updates: x_pre as at the start of the step.
    Simulation sim(summed_network(false));
    const auto i = sim.read("c1.pre_index"), j = sim.read("c1.indices"), w = sim.read("c1.w");
    ASSERT_EQ(w.size(), 4u);
    for (int s = 0; s < 20; ++s) {
        const auto x = sim.read("pre.x");
        sim.step();
        double sum[2] = {0, 0};
        for (std::size_t k = 0; k < 4; ++k)
            sum[static_cast<std::size_t>(j[k])] += w[k] * x[static_cast<std::size_t>(i[k])];
        const auto got = sim.read("post.Isum");
        for (std::size_t n = 0; n < 2; ++n)
            EXPECT_NEAR(got[n], sum[n], 1e-12 * sum[n]) << "step " << s << " post " << n;
    }
}

// Bad input: each a located error naming the place and the fix

std::string build_error(const Network& net) {
    try {
        Simulation sim(net);
    } catch (const ConfigError& e) {
        return e.what();
    } catch (const ModelError& e) {
        return e.what();
    }
    ADD_FAILURE() << "the network built: expected a ConfigError or ModelError";
    return "";
}

::testing::AssertionResult says(const std::string& text, std::initializer_list<const char*> parts) {
    for (const char* part : parts)
        if (text.find(part) == std::string::npos)
            return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
    return ::testing::AssertionSuccess();
}

// The error of a pair whose connection has these texts ("": the default model, no pathway).
std::string bad_pair_error(const std::string& on_pre, const std::string& on_post,
                           const std::string& model = "", bool dense = false) {
    Pair p({10}, {12});
    p.syn->model = model.empty()
                       ? "w : 1\ndx/dt = -x / tau : 1 (clock-driven)\ntau : second (shared)"
                       : model;
    p.syn->values = {{"tau", "10 ms"}};
    p.syn->on_pre = on_pre;
    p.syn->on_post = on_post;
    if (dense) p.syn->storage = SynapseStorage::dense;
    return build_error(p.net);
}

const std::string k_non_linear =
    "w : 1\ndx/dt = -x**2 / tau : 1 (event-driven)\ntau : second (shared)";

// ENGINE BUG (reported): from C++ the messages of the next four tests name the connection
// ("connections.syn: ...") and a line and column, but not the text (model, on_pre, on_post)
// they are in: with_key() keeps the key "connections.syn" of the fallback origin w.o
// (synapse_builder.cpp:159, 230, 241), so "line 1, column 1" of on_pre and of on_post read the
// same. From YAML the key is right (BadInputFromYamlIsLocatedAtFileLineAndKey).
TEST(SynapseSemantics, UnknownVariableInASynapticEquationIsLocated) {
    const std::string model = "w : 1\ndx/dt = -x / tau_x : 1 (clock-driven)\ntau : second (shared)";
    EXPECT_TRUE(says(bad_pair_error("", "", model), {"connections.syn.model", "tau_x", "tau"}));
}

TEST(SynapseSemantics, PostVariableThePostGroupLacksIsLocated) {
    EXPECT_TRUE(
        says(bad_pair_error("w = w + foo_post", ""), {"connections.syn.on_pre", "foo_post"}));
}

TEST(SynapseSemantics, UnitMismatchInOnPostIsLocated) {
    EXPECT_TRUE(says(bad_pair_error("", "w += tau"), {"connections.syn.on_post", "'w'", "second"}));
}

TEST(SynapseSemantics, BadInputFromYamlIsLocatedAtFileLineAndKey) {
    const auto yaml_error = [](const std::string& statement) {
        return build_error(load_network_from_string(
            "groups:\n  g: {size: 2, model: lif}\nconnections:\n  syn:\n    pre: g\n"
            "    post: g\n    model: 'w : 1'\n    on_post: " + statement + "\n", "net.yaml", {}));
    };
    EXPECT_TRUE(says(yaml_error("w += 1 * ms"), {"net.yaml:8:", "connections.syn.on_post", "'w'"}));
    EXPECT_TRUE(says(yaml_error("w += foo_post"), {"net.yaml:8:", "connections.syn.on_post",
                                                   "foo_post"}));
}

TEST(SynapseSemantics, UnknownPostVariableNamesThePostGroup) {
    // ENGINE BUG (reported): the message is "unknown identifier 'foo_post'", without the fix:
    // that the post group 'post' has no variable 'foo', and which it has.
    EXPECT_TRUE(says(bad_pair_error("w = w + foo_post", ""), {"foo_post", "'post'"}));
}

TEST(SynapseSemantics, NonLinearEventDrivenOdeIsLocated) {
    EXPECT_TRUE(says(bad_pair_error("x += 1", "", k_non_linear),
                     {"connections.syn.model", "not linear in 'x'", "(clock-driven)"}));
}

TEST(SynapseSemantics, NonLinearEventDrivenOdeWithoutPathwayIsAnError) {
    // ENGINE BUG (reported): linearity is checked only where a pathway makes the closed form
    // (synapse_builder.cpp:243, in synapse_pathway), so without on_pre and on_post this model
    // builds silently. (Brian, which also checks at the pathways, would accept it too.)
    EXPECT_TRUE(says(bad_pair_error("", "", k_non_linear), {"not linear in 'x'"}));
}

TEST(SynapseSemantics, SummedVariableOfTwoConnectionsNamesBoth) {
    EXPECT_TRUE(says(build_error(summed_network(true)),
                     {"connections.c2.model", "'Isum'", "connection 'c1'", "Isum_c2"}));
}

TEST(SynapseSemantics, EventDrivenFlagInANeuronModelIsLocated) {
    Network net;
    NeuronModel m = relay();
    m.equations = "dv/dt = -v / (1 * ms) : 1 (event-driven)";
    net.add_group("g", 1, m);
    EXPECT_TRUE(
        says(build_error(net), {"models.m.equations", "(event-driven)", "remove the flag"}));
}

TEST(SynapseSemantics, DenseStorageWithAModelIsLocated) {
    EXPECT_TRUE(says(bad_pair_error("", "", "", true), {"connections.syn", "dense", "remove"}));
}

}  // namespace
}  // namespace spikegraph
