// Init values that read per-neuron parameters, sub-expressions and other state variables
// (Izhikevich's `u = b * v` with a per-neuron `b`), evaluated in dependency order; cycles are
// located errors.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "builder/builder.hpp"
#include "builder/initializers.hpp"

namespace spikegraph {
namespace {

// The initial values of `var` (batch entry 0 first), as the backend will start with them.
std::vector<double> initial(const BuildResult& r, const std::string& var) {
    const VariableSpec* spec = r.plan.find_variable(var);
    if (!spec) {
        ADD_FAILURE() << "no variable " << var;
        return {};
    }
    return initial_values(*spec, r.plan.seed);
}

BuildResult build_yaml(const std::string& yaml) {
    return build(load_network_from_string(yaml, "net.yaml"));
}

// Izhikevich RS neurons with a per-neuron b (Izhikevich 2003 draws b per neuron) and a random v:
// u must be b * v neuron by neuron, so v is initialised before u whatever the order given.
const char* const k_izhikevich = R"(simulation: {batch: 2}
groups:
  n:
    size: 50
    model: izhikevich
    parameters: {b: 0.2/ms + 0.05/ms * rand()}
    init: {u: b * v, v: -70 mV + 10 mV * rand()}
)";

// u = b * v is a product of two doubles, computed once: exact to the last bit (1e-12 relative
// covers a rounding of the product).
TEST(InitExpressions, PerNeuronParameterAndStateInDependencyOrder) {
    const BuildResult r = build_yaml(k_izhikevich);
    const std::vector<double> b = initial(r, "n.b");
    const std::vector<double> v = initial(r, "n.v");
    const std::vector<double> u = initial(r, "n.u");
    ASSERT_EQ(b.size(), 50u);
    ASSERT_EQ(v.size(), 100u);  // [batch 2, 50]
    ASSERT_EQ(u.size(), 100u);
    for (std::size_t e = 0; e < u.size(); ++e)
        EXPECT_NEAR(u[e], b[e % 50] * v[e], 1e-12 * std::abs(u[e])) << "element " << e;
    // The draws differ between neurons and between batch entries (a sign that v and b are
    // per element, not one value reused).
    EXPECT_NE(v[0], v[1]);
    EXPECT_NE(v[0], v[50]);
    EXPECT_NE(b[0], b[1]);
}

// The backend starts from these values: the simulation's state at t = 0 agrees.
TEST(InitExpressions, SimulationStartsFromTheOrderedValues) {
    Simulation sim(load_network_from_string(k_izhikevich, "net.yaml"));
    const VariableMap state = sim.state();
    const VariableMap params = sim.parameters();
    const auto& u = state.at("n.u");
    const auto& v = state.at("n.v");
    const auto& b = params.at("n.b");
    for (std::size_t e = 0; e < u.size(); ++e)
        EXPECT_NEAR(u[e], b[e % 50] * v[e], 1e-12 * std::abs(u[e])) << "element " << e;
}

// A sub-expression in an init value: v starts at E_eff = E_L + I_0 / g_L, which uses a shared
// and a per-neuron parameter (I_0 = i pA): v_k = -70 mV + k pA / 10 nS = -70 + 0.1 k mV.
TEST(InitExpressions, SubExpressionsAndSharedParameters) {
    const BuildResult r = build_yaml(R"(models:
  leaky:
    equations: |
      dv/dt = (E_eff - v) / (10 ms) : volt
      E_eff = E_L + I_0 / g_L : volt
      E_L : volt (shared)
      g_L : siemens (shared)
      I_0 : amp
groups:
  n:
    size: 5
    model: leaky
    parameters: {E_L: -70 mV, g_L: 10 nS, I_0: i * 1 pA}
    init: {v: E_eff}
)");
    const std::vector<double> v = initial(r, "n.v");
    ASSERT_EQ(v.size(), 5u);
    for (std::size_t k = 0; k < 5; ++k)
        EXPECT_NEAR(v[k], -70.0 + 0.1 * static_cast<double>(k), 1e-12) << k;
}

TEST(InitExpressions, CycleIsLocatedAndNamesTheVariables) {
    try {
        build_yaml("groups:\n  n:\n    size: 3\n    model: izhikevich\n"
                   "    init: {u: b * v, v: u / b}\n");
        ADD_FAILURE() << "a cycle among init values was accepted";
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("net.yaml:5:"), std::string::npos) << m;
        EXPECT_NE(m.find("refer to each other in a cycle"), std::string::npos) << m;
        EXPECT_TRUE(m.find("u -> v -> u") != std::string::npos ||
                    m.find("v -> u -> v") != std::string::npos)
            << m;
    }
}

TEST(InitExpressions, UnknownNameSuggestsTheGroupsNames) {
    try {
        build_yaml("groups:\n  n:\n    size: 3\n    model: izhikevich\n    init: {u: bb * v}\n");
        ADD_FAILURE() << "an unknown name in init was accepted";
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("net.yaml:5:15: groups.n.init.u: unknown identifier 'bb'"),
                  std::string::npos)
            << m;
        EXPECT_NE(m.find("did you mean 'b'?"), std::string::npos) << m;
    }
}

}  // namespace
}  // namespace spikegraph
