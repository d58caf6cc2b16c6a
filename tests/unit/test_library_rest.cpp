// Library models start at rest (frontend/model_library.cpp, docs/models.md): a group without
// `init` does not fire at t = 0 and its v is the documented starting value; hh_traub's gates
// start at their steady state, and its rates, written with exprel as in Brian2's COBAHH, are
// finite at the potentials where x / (exp(x) - 1) is 0 / 0.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include <spikegraph/error.hpp>
#include <spikegraph/model_library.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include "core/expr_eval.hpp"
#include "core/units.hpp"
#include "frontend/equations.hpp"

namespace spikegraph {
namespace {

// The documented resting v of each library model [mV] (docs/models.md); clif has no state v.
const std::map<std::string, double>& documented_rest() {
    static const std::map<std::string, double> rest = {
        {"if", -70.0},           {"lif", -70.0},          {"lif_voltage_syn", -60.0},
        {"alif", -70.0},         {"adex", -70.6},         {"izhikevich", -65.0},
        {"izhikevich_rs", -65.0}, {"izhikevich_ib", -55.0}, {"izhikevich_ch", -50.0},
        {"izhikevich_fs", -65.0}, {"izhikevich_lts", -65.0}, {"hh_traub", -60.0},
        {"lif_coba", 0.0},       {"lif_cuba_exp", -70.0}, {"lif_cuba_alpha", -70.0},
        {"lif_coba_exp", -70.0}, {"lif_coba_alpha", -70.0}, {"lif_coba_biexp", -70.0},
    };
    return rest;
}

class LibraryRest : public ::testing::TestWithParam<std::string> {};

TEST_P(LibraryRest, StartsAtRestAndDoesNotFireWithoutInput) {
    const std::string& name = GetParam();
    Network net;
    net.add_group("g", 4, library_model(name));
    Simulation sim(net);
    sim.initial_step();
    const auto rest = documented_rest().find(name);
    if (name != "clif") {
        ASSERT_NE(rest, documented_rest().end()) << "add the rest of '" << name << "' here";
        for (double v : sim.read("g.v")) EXPECT_DOUBLE_EQ(v, rest->second) << name;
    }
    // 10 ms without input: no spike. lif_voltage_syn, whose E_L lies above its threshold,
    // starts at v_reset and reaches v_th at 53 ms; hh_traub has no resting state with the
    // COBAHH parameters and fires on its own, first at 11.6 ms (docs/models.md).
    for (int k = 0; k < 100; ++k) sim.step();
    EXPECT_EQ(sim.read("g.spike_total")[0], 0.0) << name;
}

INSTANTIATE_TEST_SUITE_P(ModelLibrary, LibraryRest, ::testing::ValuesIn(library_model_names()),
                         [](const auto& info) { return info.param; });

TEST(LibraryRest, IzhikevichStartsOnItsNullclineAndInitOverridesTheDefault) {
    Network net;
    net.add_group("rest", 1, library_model("izhikevich_ib"));
    net.add_group("set", 1, library_model("izhikevich_ib")).init("v", "-55 mV").init("u", "0 mV/ms");
    Simulation sim(net);
    sim.initial_step();
    EXPECT_DOUBLE_EQ(sim.read("rest.u")[0], 0.2 * -55.0);  // u = b c [mV/ms]
    EXPECT_DOUBLE_EQ(sim.read("set.v")[0], -55.0);
    EXPECT_EQ(sim.read("set.u")[0], 0.0);
}

TEST(LibraryRest, ARestThatReadsAPerNeuronParameterStartsEachNeuronAtItsOwnValue) {
    // E_L drawn per neuron: the model's default v = E_L is evaluated per neuron (init
    // expressions read per-neuron parameters); the group's own init still wins.
    Network net;
    net.add_group("g", 3, library_model("lif")).set("E_L", "uniform(-70 mV, -60 mV)");
    Simulation sim(net);
    const auto v = sim.read("g.v"), el = sim.read("g.E_L");
    ASSERT_EQ(v.size(), 3u);
    for (std::size_t k = 0; k < v.size(); ++k) {
        EXPECT_EQ(v[k], el[k]) << k;
        EXPECT_GE(v[k], -70.0);
        EXPECT_LE(v[k], -60.0);
    }
    EXPECT_NE(v[0], v[1]);
    Network with_init;
    with_init.add_group("g", 3, library_model("lif"))
        .set("E_L", "uniform(-70 mV, -60 mV)")
        .init("v", "-65 mV");
    Simulation own(with_init);
    for (double x : own.read("g.v")) EXPECT_EQ(x, -65.0);
}

// The Traub-Miles rates written independently, with x / (exp(x) - 1), at v [mV] (VT -63 mV).
double ratio(double x) { return x / (std::exp(x) - 1.0); }
struct Gates {
    double m, h, n;
};
Gates steady_state(double v) {
    const double vt = -63.0;
    const double am = 0.32 * 4 * ratio((13 - v + vt) / 4), bm = 0.28 * 5 * ratio((v - vt - 40) / 5);
    const double ah = 0.128 * std::exp((17 - v + vt) / 18), bh = 4 / (1 + std::exp((40 - v + vt) / 5));
    const double an = 0.032 * 5 * ratio((15 - v + vt) / 5), bn = 0.5 * std::exp((10 - v + vt) / 40);
    return {am / (am + bm), ah / (ah + bh), an / (an + bn)};
}

TEST(LibraryRest, HhTraubGatesStartAtTheirSteadyState) {
    Network net;
    net.add_group("g", 2, library_model("hh_traub"));
    Simulation sim(net);
    sim.initial_step();
    const Gates want = steady_state(-60.0);
    // Two formulas of the same rates, a few roundings apart: 1e-12 relative.
    EXPECT_NEAR(sim.read("g.m")[1], want.m, 1e-12 * want.m);
    EXPECT_NEAR(sim.read("g.h")[1], want.h, 1e-12 * want.h);
    EXPECT_NEAR(sim.read("g.n")[1], want.n, 1e-12 * want.n);
}

// The rate sub-expressions of hh_traub, unit-checked, evaluated at v [mV].
double rate(const std::string& name, double v) {
    const NeuronModel& m = library_model("hh_traub");
    SymbolDims parameters;
    for (const auto& [p, value] : m.parameters) parameters[p] = parse_quantity(value.text).dim;
    const Equations eq = check_equations(parse_equations(m.equations, {}), parameters, {});
    for (const auto& s : eq.subs)
        if (s.name == name) {
            const auto value = expr::try_evaluate(s.value, [&](const std::string& sym) {
                return std::optional<double>(sym == "v" ? v : -63.0);
            });
            return value.value_or(std::nan(""));
        }
    ADD_FAILURE() << "no sub-expression " << name;
    return std::nan("");
}

TEST(LibraryRest, HhTraubRatesAreFiniteWhereTheOldFormulaWasZeroOverZero) {
    // At -50, -23 and -48 mV the argument of exprel is exactly 0: the rate is its limit, the
    // factor in front (per ms).
    EXPECT_EQ(rate("alpha_m", -50.0), 0.32 * 4);
    EXPECT_EQ(rate("beta_m", -23.0), 0.28 * 5);
    EXPECT_EQ(rate("alpha_n", -48.0), 0.032 * 5);
    // Next to them the rate is continuous: 1e-9 mV away changes it by about 1e-10 relative.
    EXPECT_NEAR(rate("alpha_m", -50.0 + 1e-9), 0.32 * 4, 1e-9);
    // And a whole simulation started there stays finite.
    Network net;
    for (const char* v : {"-50 mV", "-48 mV", "-23 mV"})
        net.add_group(std::string("g") + v[1] + v[2], 1, library_model("hh_traub")).init("v", v);
    Simulation sim(net);
    sim.initial_step();
    for (int k = 0; k < 20; ++k) sim.step();
    for (const char* g : {"g50", "g48", "g23"})
        for (const char* var : {"v", "m", "h", "n"})
            EXPECT_TRUE(std::isfinite(sim.read(std::string(g) + "." + var)[0])) << g << "." << var;
}

}  // namespace
}  // namespace spikegraph
