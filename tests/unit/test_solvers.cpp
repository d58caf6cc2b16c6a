// The solvers (euler, rk2 midpoint, exact) on dv/dt = (E - v)/tau and small systems: each
// method's one-step formula, the exact solution, and what `exact` refuses.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/solvers/solvers.hpp"
#include <spikegraph/error.hpp>
#include "core/expr.hpp"
#include "core/expr_eval.hpp"

namespace spikegraph::solvers {
namespace {

using expr::Kind;
using expr::Ptr;

constexpr double k_E = -49.0;    // mV
constexpr double k_tau = 20.0;   // ms
constexpr double k_v0 = -60.0;   // mV
constexpr double k_dt = 0.1;     // ms

Ptr sym(const char* s) { return expr::symbol(s); }

// dv/dt = (E - v) / tau, E and tau shared parameters.
OdeSystem leak() {
    OdeSystem s;
    s.vars = {"v"};
    s.rhs = {expr::binary(Kind::div, expr::binary(Kind::sub, sym("E"), sym("v")), sym("tau"))};
    s.frozen = {false};
    return s;
}

expr::SymbolLookup shared(std::map<std::string, double> values) {
    return [values](const std::string& s) -> std::optional<double> {
        auto it = values.find(s);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

double eval(const Ptr& e, std::map<std::string, double> values) {
    auto v = expr::try_evaluate(e, shared(std::move(values)));
    EXPECT_TRUE(v.has_value()) << expr::to_string(e);
    return v.value_or(std::nan(""));
}

const std::map<std::string, double> k_params = {{"E", k_E}, {"tau", k_tau}};

std::map<std::string, double> with(std::map<std::string, double> m, const std::string& k, double v) {
    m[k] = v;
    return m;
}

TEST(Solvers, MethodNames) {
    EXPECT_TRUE(is_method("euler"));
    EXPECT_TRUE(is_method("rk2"));
    EXPECT_TRUE(is_method("exact"));
    EXPECT_TRUE(is_method("rk4"));
    EXPECT_TRUE(is_method("exponential_euler"));
    EXPECT_FALSE(is_method("rk3"));
    EXPECT_THROW(integrate(leak(), "rk3", k_dt, shared(k_params)), ModelError);
}

TEST(Solvers, ExactMatchesTheAnalyticSolution) {
    for (double dt : {0.01, 0.1, 1.0, 25.0}) {
        const auto next = integrate(leak(), "exact", dt, shared(k_params));
        ASSERT_EQ(next.size(), 1u);
        for (double v0 : {k_v0, -49.0, 0.0, 30.0}) {
            const double got = eval(next[0], with(k_params, "v", v0));
            const double want = k_E + (v0 - k_E) * std::exp(-dt / k_tau);
            // The matrix exponential is summed to double precision (Taylor series after scaling
            // and squaring): a few ulps of the result, far inside 1e-12 relative.
            EXPECT_NEAR(got, want, 1e-12 * std::fabs(want) + 1e-300) << "dt " << dt << " v0 " << v0;
        }
    }
}

TEST(Solvers, ExactKeepsParametersSymbolicOutsideTheCoefficients) {
    // E enters only the constant term: the update must follow E when it changes at run time
    // (it is read per step), while the coefficient of v was taken from `shared`.
    const auto next = integrate(leak(), "exact", k_dt, shared(k_params));
    EXPECT_TRUE(expr::depends_on(next[0], "E"));
    const double got = eval(next[0], {{"E", -70.0}, {"v", k_v0}, {"tau", k_tau}});
    const double want = -70.0 + (k_v0 + 70.0) * std::exp(-k_dt / k_tau);
    EXPECT_NEAR(got, want, 1e-12 * std::fabs(want));
}

TEST(Solvers, EulerIsOneExplicitStep) {
    const auto next = integrate(leak(), "euler", k_dt, shared(k_params));
    ASSERT_EQ(next.size(), 1u);
    for (double v0 : {k_v0, -49.0, 12.5}) {
        const double got = eval(next[0], with(k_params, "v", v0));
        // The same operations in the same order: exactly equal.
        EXPECT_EQ(got, v0 + k_dt * ((k_E - v0) / k_tau)) << v0;
    }
}

TEST(Solvers, Rk2IsTheMidpointMethod) {
    const auto next = integrate(leak(), "rk2", k_dt, shared(k_params));
    ASSERT_EQ(next.size(), 1u);
    auto f = [](double v) { return (k_E - v) / k_tau; };
    for (double v0 : {k_v0, -49.0, 12.5}) {
        const double mid = v0 + k_dt / 2 * f(v0);
        const double want = v0 + k_dt * f(mid);
        // Same formula; at most a few ulps from a different association of the products.
        EXPECT_DOUBLE_EQ(eval(next[0], with(k_params, "v", v0)), want) << v0;
    }
    // Its one-step error is third order: (dt/tau)^3/6 * |v0 - E|, not Heun's or Euler's.
    const double got = eval(next[0], with(k_params, "v", k_v0));
    const double exact = k_E + (k_v0 - k_E) * std::exp(-k_dt / k_tau);
    const double h = k_dt / k_tau;
    EXPECT_NEAR(std::fabs(got - exact), std::pow(h, 3) / 6 * std::fabs(k_v0 - k_E),
                0.01 * std::pow(h, 3) / 6 * std::fabs(k_v0 - k_E));
}

TEST(Solvers, Rk2OnANonLinearEquation) {
    // dv/dt = -v**2 / tau: midpoint v + dt f(v + dt/2 f(v)).
    OdeSystem s;
    s.vars = {"v"};
    s.rhs = {expr::binary(Kind::div,
                          expr::unary(Kind::neg, expr::binary(Kind::pow, sym("v"), expr::constant(2))),
                          sym("tau"))};
    s.frozen = {false};
    const auto next = integrate(s, "rk2", k_dt, shared(k_params));
    auto f = [](double v) { return -(v * v) / k_tau; };
    for (double v0 : {3.0, -1.5, 0.25}) {
        const double want = v0 + k_dt * f(v0 + k_dt / 2 * f(v0));
        EXPECT_DOUBLE_EQ(eval(next[0], with(k_params, "v", v0)), want);
    }
    // Euler applies to it too.
    const auto e = integrate(s, "euler", k_dt, shared(k_params));
    EXPECT_DOUBLE_EQ(eval(e[0], with(k_params, "v", 3.0)), 3.0 + k_dt * f(3.0));
}

TEST(Solvers, ExactRefusesANonLinearSystem) {
    OdeSystem s;
    s.vars = {"v"};
    s.rhs = {expr::binary(Kind::div,
                          expr::binary(Kind::sub, sym("E"), expr::binary(Kind::pow, sym("v"),
                                                                         expr::constant(2))),
                          sym("tau"))};
    s.frozen = {false};
    try {
        integrate(s, "exact", k_dt, shared(k_params));
        FAIL() << "exact accepted dv/dt = (E - v**2)/tau";
    } catch (const ModelError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("exact"), std::string::npos) << msg;
        EXPECT_NE(msg.find("linear"), std::string::npos) << msg;
        EXPECT_NE(msg.find("euler"), std::string::npos) << "the message must say what to use";
    }
}

TEST(Solvers, ExactRefusesACoefficientThatIsNotShared) {
    // tau per neuron: the coefficient -1/tau has no single value.
    try {
        integrate(leak(), "exact", k_dt, shared({{"E", k_E}}));
        FAIL() << "exact accepted a per-neuron time constant";
    } catch (const ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("tau"), std::string::npos) << e.what();
    }
}

// CUBA's neuron: dv/dt = (ge - (v - E))/taum frozen while refractory; dge/dt = -ge/taue not.
OdeSystem cuba_like() {
    OdeSystem s;
    s.vars = {"v", "ge"};
    s.rhs = {expr::binary(Kind::div,
                          expr::binary(Kind::sub, sym("ge"), expr::binary(Kind::sub, sym("v"), sym("E"))),
                          sym("taum")),
             expr::binary(Kind::div, expr::unary(Kind::neg, sym("ge")), sym("taue"))};
    s.frozen = {true, false};
    s.refractory = true;
    return s;
}

TEST(Solvers, ExactCoupledSystemMatchesTheAnalyticSolution) {
    const std::map<std::string, double> p = {{"E", k_E}, {"taum", 20.0}, {"taue", 5.0}};
    const double v0 = -55.0, g0 = 3.0, dt = 0.7;
    const auto next = integrate(cuba_like(), "exact", dt, shared(p));
    auto values = p;
    values["v"] = v0;
    values["ge"] = g0;
    values["not_refractory"] = 1.0;
    // u = v - E: u' = -u/taum + g0 e^{-t/taue}/taum gives
    // u(t) = (u0 - A) e^{-t/taum} + A e^{-t/taue}, A = g0 taue / (taue - taum).
    const double A = g0 * 5.0 / (5.0 - 20.0);
    const double v_want = k_E + (v0 - k_E - A) * std::exp(-dt / 20.0) + A * std::exp(-dt / 5.0);
    const double g_want = g0 * std::exp(-dt / 5.0);
    EXPECT_NEAR(eval(next[0], values), v_want, 1e-12 * std::fabs(v_want));
    EXPECT_NEAR(eval(next[1], values), g_want, 1e-12 * std::fabs(g_want));
}

TEST(Solvers, ExactFreezesFlaggedVariablesWhileRefractory) {
    const std::map<std::string, double> p = {{"E", k_E}, {"taum", 20.0}, {"taue", 5.0}};
    const auto next = integrate(cuba_like(), "exact", k_dt, shared(p));
    ASSERT_TRUE(expr::depends_on(next[0], "not_refractory"));
    EXPECT_FALSE(expr::depends_on(next[1], "not_refractory")) << "ge keeps integrating";
    auto values = p;
    values["v"] = -60.0;
    values["ge"] = 3.0;
    values["not_refractory"] = 0.0;
    // Frozen: v keeps its value exactly (the reset value must show unchanged).
    EXPECT_EQ(eval(next[0], values), -60.0);
    EXPECT_NEAR(eval(next[1], values), 3.0 * std::exp(-k_dt / 5.0), 1e-12 * 3.0);
    values["not_refractory"] = 1.0;
    EXPECT_NE(eval(next[0], values), -60.0);
}

TEST(Solvers, EulerAndRk2FreezeFlaggedVariablesWhileRefractory) {
    const std::map<std::string, double> p = {{"E", k_E}, {"taum", 20.0}, {"taue", 5.0}};
    for (const char* method : {"euler", "rk2"}) {
        const auto next = integrate(cuba_like(), method, k_dt, shared(p));
        auto values = p;
        values["v"] = -60.0;
        values["ge"] = 3.0;
        values["not_refractory"] = 0.0;
        EXPECT_EQ(eval(next[0], values), -60.0) << method;
        EXPECT_LT(eval(next[1], values), 3.0) << method << ": ge keeps decaying";
        values["not_refractory"] = 1.0;
        EXPECT_GT(eval(next[0], values), -60.0) << method;
    }
}

TEST(Solvers, WithoutRefractorinessTheFlagIsIgnored) {
    OdeSystem s = cuba_like();
    s.refractory = false;
    const std::map<std::string, double> p = {{"E", k_E}, {"taum", 20.0}, {"taue", 5.0}};
    for (const char* method : {"euler", "rk2", "exact"})
        for (const auto& e : integrate(s, method, k_dt, shared(p)))
            EXPECT_FALSE(expr::depends_on(e, "not_refractory")) << method;
}

}  // namespace
}  // namespace spikegraph::solvers
