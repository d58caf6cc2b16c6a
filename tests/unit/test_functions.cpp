// The functions of the expression language (core/expr_eval.hpp): Brian2's default set, with
// exprel accurate near 0, their unit rules (frontend/equations.cpp) and their symbolic
// derivatives (core/expr.cpp). That compiled kernels agree with the interpreter bit for bit is
// tested in test_c_emitter.cpp (the covering outputs call every new function).

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include "backend/cpu/native_compiler.hpp"
#include "core/expr.hpp"
#include "core/expr_eval.hpp"
#include "frontend/equations.hpp"

namespace spikegraph {
namespace {

double call1(const char* f, double x) {
    const auto v = expr::apply_function(f, &x, 1);
    EXPECT_TRUE(v.has_value()) << f;
    return v.value_or(std::nan(""));
}

TEST(Functions, BriansDefaultSetIsKnown) {
    for (const char* f : {"exp", "log", "log10", "expm1", "log1p", "exprel", "sqrt", "sin", "cos",
                          "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "abs",
                          "sign", "floor", "ceil", "int", "rand", "randn"})
        EXPECT_EQ(expr::function_arity(f), std::string(f).rfind("rand", 0) == 0 ? 0 : 1) << f;
    EXPECT_EQ(expr::function_arity("clip"), 3);
    EXPECT_EQ(expr::function_arity("timestep"), 2);
    // Every deterministic one has a host function and a C spelling for the code generator.
    for (const std::string& f : expr::function_names()) {
        const expr::FunctionInfo* info = expr::find_function(f);
        ASSERT_NE(info, nullptr) << f;
        if (info->unary || info->binary) EXPECT_FALSE(info->c_name.empty()) << f;
    }
}

TEST(Functions, ExprelIsOneAtZeroAndAccurateNearIt) {
    EXPECT_EQ(call1("exprel", 0.0), 1.0);
    EXPECT_EQ(call1("exprel", -0.0), 1.0);
    EXPECT_EQ(call1("exprel", 1e-20), 1.0);
    // Near 0, (exp(x) - 1)/x = 1 + x/2 + x^2/6 + ...; the plain formula loses about half the
    // digits at x = 1e-8 (cancellation in exp(x) - 1), expm1(x)/x keeps all but the last bit
    // or two, hence 4 ulp (about 1e-15 relative).
    for (double x : {1e-8, -1e-8, 1e-5, -3e-6, 1e-3}) {
        // Terms up to x^4/120: the next, x^5/720, is below 2e-18 for |x| <= 1e-3.
        const double series = 1.0 + x / 2.0 + x * x / 6.0 + x * x * x / 24.0 + x * x * x * x / 120.0;
        EXPECT_NEAR(call1("exprel", x), series, 4 * std::numeric_limits<double>::epsilon()) << x;
    }
    EXPECT_DOUBLE_EQ(call1("exprel", 1.0), std::exp(1.0) - 1.0);
    EXPECT_DOUBLE_EQ(call1("exprel", -2.0), (std::exp(-2.0) - 1.0) / -2.0);
    EXPECT_EQ(call1("exprel", 800.0), std::numeric_limits<double>::infinity());
    EXPECT_EQ(call1("exprel", -std::numeric_limits<double>::infinity()), 0.0);
    EXPECT_TRUE(std::isnan(call1("exprel", std::nan(""))));
}

TEST(Functions, SignIntAndTheRestFollowNumpy) {
    EXPECT_EQ(call1("sign", -3.5), -1.0);
    EXPECT_EQ(call1("sign", 2e-300), 1.0);
    EXPECT_EQ(call1("sign", 0.0), 0.0);
    EXPECT_FALSE(std::signbit(call1("sign", -0.0)));
    EXPECT_TRUE(std::isnan(call1("sign", std::nan(""))));
    // Brian's int() truncates toward zero (C's cast), unlike floor.
    EXPECT_EQ(call1("int", -2.7), -2.0);
    EXPECT_EQ(call1("int", 2.7), 2.0);
    EXPECT_EQ(call1("floor", -2.7), -3.0);
    EXPECT_EQ(call1("ceil", -2.7), -2.0);
    EXPECT_EQ(call1("expm1", 1e-10), std::expm1(1e-10));
    EXPECT_EQ(call1("log1p", 1e-10), std::log1p(1e-10));
    EXPECT_EQ(call1("arcsin", 0.5), std::asin(0.5));
    EXPECT_EQ(call1("arccos", 0.5), std::acos(0.5));
    EXPECT_EQ(call1("arctan", -2.0), std::atan(-2.0));
    const double clip[] = {5.0, -1.0, 2.0};
    EXPECT_EQ(expr::apply_function("clip", clip, 3), 2.0);
    // timestep(t, dt): 0.3 / 0.1 is 2.9999999999999996 in doubles; the 1e-3 dt shift gives 3.
    const double t[] = {0.3, 0.1};
    EXPECT_EQ(expr::apply_function("timestep", t, 2), 3.0);
    EXPECT_FALSE(expr::apply_function("exprel", clip, 2).has_value()) << "wrong arity";
}

const SymbolDims k_dims = {{"v", dim::voltage()}, {"t", dim::time()}, {"dt", dim::time()},
                           {"x", dim::none()}};

Checked check(const char* text) { return check_expression(parse_expression(text, {}), k_dims, {}); }

std::string check_error(const char* text) {
    try {
        check(text);
    } catch (const ModelError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(Functions, UnitRules) {
    EXPECT_EQ(check("sign(v)").dim, dim::none());
    EXPECT_EQ(check("abs(v) + floor(v) + ceil(v)").dim, dim::voltage());
    EXPECT_EQ(check("clip(v, -70 mV, 0 mV)").dim, dim::voltage());
    EXPECT_EQ(check("exprel(v / mV) + expm1(x) + log1p(x) + arctan(x) + int(x)").dim, dim::none());
    EXPECT_EQ(check("timestep(t, dt)").dim, dim::none());
    EXPECT_NE(check_error("exprel(v)").find("exprel() needs a dimensionless argument, got volt"),
              std::string::npos);
    EXPECT_NE(check_error("int(v)").find("int() needs a dimensionless argument"),
              std::string::npos);
    EXPECT_NE(check_error("timestep(v, dt)").find("timestep(t, dt) needs two times, got volt"),
              std::string::npos);
    EXPECT_NE(check_error("clip(v, 0, 1 ms)").find("one dimension"), std::string::npos);
    EXPECT_NE(check_error("exprel(x, x)").find("exprel() takes 1 argument, got 2"),
              std::string::npos);
}

// Symbolic derivatives against central differences: h = 1e-5 leaves a truncation error of
// about h^2 f''' ~ 1e-10 and a rounding error of about 1e-16 / h ~ 1e-11, hence 1e-8.
TEST(Functions, DerivativesMatchFiniteDifferences) {
    for (const char* f : {"expm1", "log1p", "exprel", "arcsin", "arccos", "arctan"}) {
        const expr::Ptr e = expr::call(f, {expr::mul(expr::constant(0.5), expr::symbol("x"))});
        const expr::Ptr d = expr::derivative(e, "x");
        ASSERT_NE(d, nullptr) << f;
        for (double x : {-0.7, 0.3, 1.1}) {
            const auto at = [&](const expr::Ptr& tree, double value) {
                return *expr::try_evaluate(tree, [&](const std::string&) { return value; });
            };
            const double h = 1e-5;
            const double numeric = (at(e, x + h) - at(e, x - h)) / (2 * h);
            EXPECT_NEAR(at(d, x), numeric, 1e-8) << f << " at " << x;
        }
    }
    // Piecewise constant functions have no rule: a solver must not take them for constants.
    for (const char* f : {"sign", "int", "floor"})
        EXPECT_EQ(expr::derivative(expr::call(f, {expr::symbol("x")}), "x"), nullptr) << f;
}

// The functions in a whole model: equations, threshold, reset and initial values, natively
// compiled and interpreted.
struct ModelRun {
    std::vector<double> v, u;
    std::uint64_t spikes = 0;
};

ModelRun run_model(bool native) {
    cpu::set_native_enabled(native);
    NeuronModel m;
    m.name = "functions";
    m.equations =
        "dv/dt = (E - v) / tau + 2 mV / ms / exprel((v - E) / (3 mV))"
        " + sign(u) * mV / ms * arctan(u / mV) : volt\n"
        "du/dt = (log1p(abs(v - E) / mV) * mV - u) / (20 ms)"
        " + expm1(-abs(u) / mV) * mV / ms * int(i / 100) / 10 : volt\n"
        "E : volt\ntau : second\n";
    // timestep(t, dt) - int(t / dt + 0.001) is 0: timestep is used, the threshold stays -50 mV.
    m.threshold = "v > -50 mV + 0.1 mV * (timestep(t, dt) - int(t / dt + 0.001))";
    m.reset = "v = -65 mV + 0.5 mV * sign(u); u += mV * int(3.7)";
    m.method = "euler";
    m.parameters = {{"E", "-49 mV"}, {"tau", "10 ms"}};
    Network net;
    auto& g = net.add_group("g", 700, m);
    g.init("v", "-65 mV + 10 mV * exprel(-i / 700) * sign(i - 350)");
    Simulation sim(net);
    sim.run(60.0);
    cpu::set_native_enabled(true);
    return {sim.read("g.v"), sim.read("g.u"), sim.spike_count("g")};
}

TEST(Functions, NativeUpdateIsBitwiseEqualToTheInterpreter) {
    const std::size_t before = cpu::native_kernels_bound();
    const ModelRun native = run_model(true);
    if (cpu::native_kernels_bound() == before)
        GTEST_SKIP() << "no native compiler here: the update ran interpreted";
    const ModelRun interpreted = run_model(false);
    EXPECT_GT(native.spikes, 100u);  // resets (sign, int) are part of the comparison
    EXPECT_EQ(native.spikes, interpreted.spikes);
    EXPECT_EQ(native.v, interpreted.v);  // exact: the same functions in the same order
    EXPECT_EQ(native.u, interpreted.u);
}

}  // namespace
}  // namespace spikegraph
