// The default method "auto": exact where the equations are linear with shared coefficients,
// else euler, as Brian2 picks for deterministic equations.

#include <gtest/gtest.h>

#include <cmath>

#include "builder/plan.hpp"
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>

namespace spikegraph {
namespace {

std::string method_of(const std::string& equations) {
    NeuronModel m;
    m.name = "m";
    m.equations = equations;
    m.parameters = {{"tau", "10 ms"}};
    Network net;
    net.add_group("g", 3, m).init("v", "1 mV");
    Simulation sim(net);
    return sim.plan().ops.front().params.at("method").get<std::string>();
}

TEST(AutoMethod, LinearEquationsAreIntegratedExactly) {
    EXPECT_EQ(method_of("dv/dt = -v / tau : volt"), "exact");
}

TEST(AutoMethod, NonLinearEquationsFallBackToEuler) {
    EXPECT_EQ(method_of("dv/dt = -v**2 / (tau * mV) : volt"), "euler");
}

TEST(AutoMethod, ExactResultMatchesTheClosedForm) {
    NeuronModel m;
    m.name = "m";
    m.equations = "dv/dt = -v / tau : volt";
    m.parameters = {{"tau", "10 ms"}};
    Network net;
    net.add_group("g", 1, m).init("v", "1 mV");
    Simulation sim(net);
    sim.run(10.0);
    // exp(-1) to 1e-12 relative: exact integration, 100 steps of exact decay factors.
    EXPECT_NEAR(sim.read("g.v")[0], std::exp(-1.0), 1e-12);
}

// Stochastic equations (issue 15): never exact, even when linear; Brian2's choice of euler
// (Euler-Maruyama) for additive noise and heun for multiplicative noise.
TEST(AutoMethod, StochasticEquationsGetEulerOrHeun) {
    EXPECT_EQ(method_of("dv/dt = -v / tau + mV * xi / sqrt(tau) : volt"), "euler");
    EXPECT_EQ(method_of("dv/dt = -v / tau + v * xi / sqrt(tau) : volt"), "heun");
    EXPECT_EQ(method_of("dv/dt = -v / tau + mV * xi_a / sqrt(tau) : volt\n"
                        "du/dt = -u / tau + v * xi_b / sqrt(tau) : volt"),
              "heun");
}

}  // namespace
}  // namespace spikegraph
