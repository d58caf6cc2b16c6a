// Named parameters (YAML `parameters:`, Network::parameter): derived values in dependency
// order, their use in every kind of expression, --set overrides that derived values follow, and
// the located errors (cycle, unknown name, wrong unit, reserved name, rand()).

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include <spikegraph/model_library.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "builder/builder.hpp"
#include "tests/support/build_errors.hpp"
#include "frontend/parameters.hpp"

namespace spikegraph {
namespace {

// Brunel (2000), model A: J = 0.1 mV, g = 5, theta = 20 mV, tau = 20 ms, C_E = 800; nu_thr is
// the external rate that brings the mean input to threshold, theta / (J C_E tau) = 12.5 Hz.
const char* const k_brunel = R"(parameters:
  g: 5
  J: 0.1 mV
  theta: 20 mV
  tau: 20 ms
  C_E: 800
  nu_thr: theta / (J * C_E * tau)
  w_inh: -g * J
  N_E: 40
groups:
  exc: {size: N_E, model: lif, parameters: {tau_m: tau, v_th: theta - 70 mV}, init: {v: -70 mV + J}}
connections:
  ie:
    pre: exc
    post: exc
    target: v
    weight: w_inh
    delay: 10 * dt_param
    connectivity: {rule: fixed_probability, p: C_E / 8000}
    storage: sparse
)";

std::string with_dt(const std::string& yaml) {
    // dt_param: a parameter of its own (dt is reserved) so that the delay is a multiple of dt.
    return std::string(yaml).replace(yaml.find("  N_E: 40"), 9, "  N_E: 40\n  dt_param: 0.1 ms");
}

using test_build::config_error;
using test_build::contains;

double constant_init(const BuildResult& r, const std::string& var) {
    const VariableSpec* v = r.plan.find_variable(var);
    EXPECT_NE(v, nullptr) << var;
    if (v == nullptr) return NAN;
    EXPECT_EQ(v->init.kind, "constant") << var;
    return v->init.args.empty() ? 0.0 : v->init.args[0];
}

// Values are in internal units (mV, ms, kHz); the derived ones are a few exact operations on
// decimal inputs, so they agree to a few ulps: 1e-12 relative.
TEST(Parameters, BrunelDerivedValuesInDependencyOrder) {
    const Network net = load_network_from_string(with_dt(k_brunel), "net.yaml");
    const ParameterValues p = resolve_parameters(net.parameters);
    EXPECT_NEAR(p.at("nu_thr").value, 0.0125, 1e-12 * 0.0125);  // 12.5 Hz in kHz
    EXPECT_EQ(p.at("nu_thr").dim, dim::frequency());
    EXPECT_NEAR(p.at("w_inh").value, -0.5, 1e-12);
    EXPECT_EQ(p.at("w_inh").dim, dim::voltage());
    EXPECT_EQ(p.at("g").dim, dim::none());
}

TEST(Parameters, UsableInSizesGroupParametersInitWeightsDelaysAndProbabilities) {
    const Network net = load_network_from_string(with_dt(k_brunel), "net.yaml");
    EXPECT_EQ(net.groups.front().size(), 40u);  // size: N_E
    const BuildResult r = build(net);
    EXPECT_DOUBLE_EQ(constant_init(r, "exc.tau_m"), 20.0);
    EXPECT_DOUBLE_EQ(constant_init(r, "exc.v_th"), -50.0);
    EXPECT_NEAR(constant_init(r, "exc.v"), -69.9, 1e-12);
    // p = C_E / 8000 = 0.1 of 1600 pairs: the build made synapses (a wrong p of 0 makes none,
    // p = 1 all 1600; 160 +- 12 expected, so 100..220 is > 5 standard deviations wide).
    EXPECT_GT(r.synapses, 100u);
    EXPECT_LT(r.synapses, 220u);
}

TEST(Parameters, SetOverrideReachesDerivedParameters) {
    const Network net =
        load_network_from_string(with_dt(k_brunel), "net.yaml", {"parameters.g=6", "parameters.J=0.2 mV"});
    const ParameterValues p = resolve_parameters(net.parameters);
    EXPECT_NEAR(p.at("w_inh").value, -1.2, 1e-12);
    EXPECT_NEAR(p.at("nu_thr").value, 0.00625, 1e-12);
}

TEST(Parameters, SetOfAnUnknownParameterSuggestsTheClosest) {
    const std::string e = config_error(with_dt(k_brunel), {"parameters.gg=6"});
    EXPECT_TRUE(contains(e, "no parameter 'gg'"));
    EXPECT_TRUE(contains(e, "did you mean 'g'?"));
}

TEST(Parameters, CycleIsLocatedAndNamesEveryParameterOnIt) {
    const std::string e = config_error(std::string("parameters:\n  a: 2 * b\n  b: c + 1\n  c: a\n") +
                                       "groups:\n  n: {size: 1, model: lif}\n");
    EXPECT_TRUE(contains(e, "net.yaml:2:6: parameters.a:")) << e;
    EXPECT_TRUE(contains(e, "a -> b -> c -> a"));
}

TEST(Parameters, UnknownNameIsLocatedWithDidYouMean) {
    const std::string e = config_error(
        "parameters:\n  tau: 20 ms\n  rate: 1 / tauu\ngroups:\n  n: {size: 1, model: lif}\n");
    EXPECT_TRUE(contains(e, "net.yaml:3:13: parameters.rate: unknown name 'tauu'")) << e;
    EXPECT_TRUE(contains(e, "did you mean 'tau'?"));
}

TEST(Parameters, WrongUnitsAreLocated) {
    // Inside a parameter: adding a voltage and a time.
    std::string e = config_error(
        "parameters:\n  J: 0.1 mV + 1 ms\ngroups:\n  n: {size: 1, model: lif}\n");
    EXPECT_TRUE(contains(e, "net.yaml:2:")) << e;
    EXPECT_TRUE(contains(e, "cannot add"));
    // A dimensionless parameter where a time is expected.
    e = config_error("parameters:\n  g: 5\ngroups:\n  n: {size: 1, model: lif, parameters: "
                     "{tau_m: g}}\n");
    EXPECT_TRUE(contains(e, "groups.n.parameters.tau_m")) << e;
    EXPECT_TRUE(contains(e, "expected a value in second"));
}

TEST(Parameters, ReservedNamesAndRandomValuesAreRefused) {
    EXPECT_TRUE(contains(config_error("parameters:\n  mV: 5\ngroups:\n  n: {size: 1, model: lif}\n"),
                         "'mV' is reserved (a unit)"));
    EXPECT_TRUE(contains(config_error("parameters:\n  N: 5\ngroups:\n  n: {size: 1, model: lif}\n"),
                         "'N' is reserved"));
    EXPECT_TRUE(contains(
        config_error("parameters:\n  x: rand()\ngroups:\n  n: {size: 1, model: lif}\n"),
        "net.yaml:2:6: parameters.x: rand() draws a number per use"));
}

TEST(Parameters, SizeFromAParameterMustBeACount) {
    const std::string e = config_error(
        "parameters:\n  N_E: 2.5\ngroups:\n  n: {size: N_E, model: lif}\n");
    EXPECT_TRUE(contains(e, "net.yaml:4:13: groups.n.size: expected a positive integer")) << e;
}

// Counts and slice bounds of inputs and connections, and plasticity-rule parameters, may be
// parameters or expressions of them (issue 15, item 6: "usable in every expression").
const char* const k_everywhere = R"(parameters:
  n_src: 20
  half: n_src / 2
  gmax: 0.5 mV
  tau_p: 20 ms
groups:
  g: {size: n_src, model: lif}
inputs:
  src: {type: poisson, size: n_src, rate: 10 Hz}
  drive: {type: poisson_input, target: "g[half:n_src].v", N: 2 * n_src, rate: 1 Hz, weight: 0.1 mV}
connections:
  c:
    pre: "src[0:half]"
    post: "g[half:]"
    target: v
    weight: 0.25 mV
    connectivity: all_to_all
    plasticity: {rule: stdp_additive, wmax: gmax, taupre: tau_p, dApre: 0.01 * gmax}
)";

TEST(Parameters, UsableInInputSizesSlicesAndPlasticityParameters) {
    const Network net = load_network_from_string(k_everywhere, "net.yaml");
    ASSERT_EQ(net.poisson_inputs.size(), 1u);
    EXPECT_EQ(net.poisson_inputs[0].size, 20u);
    ASSERT_EQ(net.poisson_drives.size(), 1u);
    EXPECT_EQ(net.poisson_drives[0].target.begin, 10u);
    EXPECT_EQ(net.poisson_drives[0].target.end, 20u);
    EXPECT_EQ(net.poisson_drives[0].sources, 40u);
    ASSERT_EQ(net.connections.size(), 1u);
    EXPECT_EQ(net.connections[0].pre.end, 10u);
    EXPECT_EQ(net.connections[0].post.begin, 10u);
    EXPECT_EQ(build(net).synapses, 10u * 10u);
    // The rule's parameters from `parameters:` give the run of the same values written out.
    std::string literal = k_everywhere;
    literal.replace(literal.find("wmax: gmax, taupre: tau_p, dApre: 0.01 * gmax"), 45,
                    "wmax: 0.5 mV, taupre: 20 ms, dApre: 0.005 mV");
    auto run = [](const std::string& yaml) {
        Simulation sim(load_network_from_string(yaml, "net.yaml"));
        for (int k = 0; k < 2000; ++k) sim.step();
        return sim.read("g.v");
    };
    EXPECT_EQ(run(k_everywhere), run(literal));
    // A slice bound that is no whole number is located.
    std::string bad = k_everywhere;
    bad.replace(bad.find("half: n_src / 2"), 15, "half: n_src / 3");
    const std::string e = config_error(bad);
    EXPECT_TRUE(contains(e, "net.yaml:")) << e;
    EXPECT_TRUE(contains(e, "'half' is neither a non-negative index nor an expression of "
                            "parameters with a whole non-negative value")) << e;
}

// A name the model does not define resolves to the network's parameters (Brian's namespace):
// dv/dt = (E - v) / tau_p with E = 10 mV, tau_p = 10 ms, v(0) = 0 and the exact solver gives
// v(t) = E (1 - exp(-t / tau_p)); after 10 steps of 0.1 ms: 10 (1 - exp(-0.1)) mV. The exact
// step is exact up to rounding: 1e-9 mV.
TEST(Parameters, ModelEquationsSeeParametersTheyDoNotDefine) {
    Network net;
    net.parameter("E", "10 mV");
    net.parameter("tau_p", "E / (1 mV/ms)");  // 10 ms, derived
    NeuronModel m;
    m.name = "relax";
    m.equations = "dv/dt = (E - v) / tau_p : volt\n";
    m.method = "exact";
    net.add_group("n", 1, m);
    Simulation sim(net);
    sim.run(1.0);
    const double v = sim.state().at("n.v").at(0);
    EXPECT_NEAR(v, 10.0 * (1.0 - std::exp(-0.1)), 1e-9);
}

// The model's own names win over a parameter of the same name.
TEST(Parameters, TheModelsOwnNameWins) {
    Network net;
    net.parameter("tau_m", "1 ms");
    net.add_group("n", 1, library_model("lif"));
    const BuildResult r = build(net);
    EXPECT_DOUBLE_EQ(constant_init(r, "n.tau_m"), 10.0);  // lif's default, not the parameter
}

TEST(Parameters, CppApiWeightsFromParameters) {
    Network net;
    net.parameter("g", "5");
    net.parameter("J", "0.1 mV");
    net.add_group("n", 10, library_model("lif"));
    Connection& c = net.connect("c", GroupRef("n"), GroupRef("n"), "v", "-g * J",
                                Connectivity::fixed_probability("g / 10"));
    c.storage = SynapseStorage::sparse;
    const BuildResult r = build(net);
    EXPECT_GT(r.synapses, 0u);  // p = 0.5 of 100 pairs: 50 +- 5
    EXPECT_LT(r.synapses, 100u);
    net.parameter("J", "0.1 ms");  // now the weight is a time: refused for the voltage target
    try {
        build(net);
        ADD_FAILURE() << "a weight in ms for target v was accepted";
    } catch (const ConfigError& e) {
        EXPECT_TRUE(contains(e.what(), "connections.c.weight")) << e.what();
    }
}

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

// configs/brunel2000.yaml: the paper's values (C_E = 1000: nu_thr = 10 Hz, nu_ext = 2 nu_thr),
// and --set parameters.N_E scales the whole network: N_I, C_E and C_I follow, and so do the
// group sizes and in-degrees, hence the synapse count.
TEST(Parameters, Brunel2000ConfigDerivesAndScalesWithSet) {
    const std::string path = SPIKEGRAPH_SOURCE_DIR "/configs/brunel2000.yaml";
    const ParameterValues p = resolve_parameters(load_network(path).parameters);
    EXPECT_NEAR(p.at("nu_thr").value, 0.010, 1e-15);
    EXPECT_NEAR(p.at("nu_ext").value, 0.020, 1e-15);
    EXPECT_NEAR(p.at("J_I").value, -0.5, 1e-15);
    const Network small = load_network(path, {"parameters.N_E=1000", "parameters.g=6"});
    EXPECT_EQ(small.find_group("exc")->size(), 1000u);
    EXPECT_EQ(small.find_group("inh")->size(), 250u);
    EXPECT_NEAR(resolve_parameters(small.parameters).at("J_I").value, -0.6, 1e-15);
    // In-degrees C_E = 100 and C_I = 25 onto 1000 + 250 neurons, from exc and inh; the
    // external drive is a per-target Poisson input (C_E sources each), which stores no synapse.
    EXPECT_EQ(build(small).synapses, 1250u * (100 + 25));
    std::size_t drives = 0;
    for (const auto& d : small.poisson_drives) {
        EXPECT_EQ(d.sources, 100u) << d.name;  // N: C_E follows N_E
        ++drives;
    }
    EXPECT_EQ(drives, 2u);
}

}  // namespace
}  // namespace spikegraph
