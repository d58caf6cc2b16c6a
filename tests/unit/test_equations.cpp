#include <gtest/gtest.h>

#include <string>

#include <spikegraph/error.hpp>
#include "frontend/equations.hpp"

namespace spikegraph {
namespace {

using expr::Kind;

constexpr const char* k_cuba = R"(# COBA/CUBA benchmark neuron
dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
El : volt (shared, constant)
taum : second
taue : second
taui : second
)";

const TextOrigin k_origin{"net.yaml", 10, 7, "models.cuba.equations"};

std::string model_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const ModelError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string check_error(const char* text, const SymbolDims& symbols, const TextOrigin& origin = {}) {
    return model_error([&] { check_expression(parse_expression(text, origin), symbols, origin); });
}

TEST(Equations, ParsesTheCubaModel) {
    const Equations eq = parse_equations(k_cuba, k_origin);
    ASSERT_EQ(eq.odes.size(), 3u);
    ASSERT_EQ(eq.params.size(), 4u);
    EXPECT_TRUE(eq.subs.empty());
    EXPECT_EQ(eq.odes[0].var, "v");
    EXPECT_TRUE(eq.odes[0].unless_refractory);
    EXPECT_FALSE(eq.odes[1].unless_refractory);
    EXPECT_EQ(eq.odes[0].unit, dim::voltage());
    EXPECT_EQ(eq.odes[0].loc.line, 2);
    EXPECT_EQ(expr::to_string(eq.odes[0].rhs), "(ge + gi - (v - El)) / taum");
    EXPECT_EQ(eq.params[0].name, "El");
    EXPECT_TRUE(eq.params[0].shared);
    EXPECT_TRUE(eq.params[0].constant);
    EXPECT_FALSE(eq.params[1].shared);
    EXPECT_EQ(eq.params[1].unit, dim::time());
    EXPECT_NO_THROW(check_equations(eq, {}, k_origin));
}

TEST(Equations, WrongRightHandSideFailsWithLocation) {
    const Equations eq = parse_equations("\ndv/dt = (ge - v) : volt\nge : volt\n", k_origin);
    const std::string msg = model_error([&] { check_equations(eq, {}, k_origin); });
    EXPECT_EQ(msg,
              "net.yaml:11:7: models.cuba.equations: dv/dt: the right-hand side is volt, expected "
              "volt/second (= the unit of v per second)");
}

TEST(Equations, UnitNamesBecomeInternalNumbers) {
    const Equations eq = parse_equations(
        "dv/dt = (-65 mV - v) / (20 ms) + rate * 1 mV : volt\nrate : Hz (shared)\n"
        "I = g * (E - v) : amp\ng : siemens\nE : volt",
        {});
    const Equations checked = check_equations(eq, {}, {});
    // -65 mV -> -65 and 20 ms -> 20 in internal units (mV, ms).
    EXPECT_EQ(expr::to_string(checked.odes[0].rhs), "(-65 - v) / 20 + rate * 1");
    EXPECT_EQ(checked.subs[0].unit, dim::current());
}

TEST(Equations, UnitExpressionsInDeclarations) {
    const Equations eq = parse_equations(
        "a : 1\nb : volt/second\nc : metre**-2\nd : siemens/meter**2\ne : second**-1\nf : Hz\n"
        "g : mV",
        {});
    ASSERT_EQ(eq.params.size(), 7u);
    EXPECT_EQ(eq.params[0].unit, dim::none());
    EXPECT_EQ(eq.params[1].unit, dim::voltage() / dim::time());
    EXPECT_EQ(eq.params[2].unit, dim::length().pow(-2));
    EXPECT_EQ(eq.params[3].unit, dim::conductance() / dim::length().pow(2));
    EXPECT_EQ(eq.params[4].unit, dim::frequency());
    EXPECT_EQ(eq.params[5].unit, dim::frequency());
    EXPECT_EQ(eq.params[6].unit, dim::voltage());
}

TEST(Equations, DefinitionErrorsAreLocated) {
    EXPECT_EQ(model_error([] { parse_equations("v : volt\nw : volt\nv : volt", k_origin); }),
              "net.yaml:12:7: models.cuba.equations: 'v' is defined twice (first on line 10)");
    EXPECT_NE(model_error([] { parse_equations("dv/dt = -v/tau : volt (unless refactory)", {}); })
                  .find("unknown flag 'unless refactory'"),
              std::string::npos);
    EXPECT_NE(model_error([] { parse_equations("tau : second (global)", {}); }).find("unknown flag"),
              std::string::npos);
    EXPECT_NE(model_error([] { parse_equations("t : second", {}); }).find("built-in"),
              std::string::npos);
    EXPECT_NE(model_error([] { parse_equations("ms : second", {}); }).find("unit name"),
              std::string::npos);
    EXPECT_NE(model_error([] { parse_equations("v = 3", {}); }).find("expected ': <unit>'"),
              std::string::npos);
    EXPECT_NE(model_error([] { parse_equations("v : volts", {}); }).find("invalid unit 'volts'"),
              std::string::npos);
    EXPECT_NE(model_error([] { parse_equations("dv/dx = 1 : volt", {}); }).find("not a derivative"),
              std::string::npos);
    // A syntax error inside an equation points at its column in the file.
    EXPECT_NE(model_error([] { parse_equations("v : volt\ndw/dt = v ^ 2 : 1", k_origin); })
                  .find("net.yaml:11:17:"),
              std::string::npos);
}

TEST(Equations, UnknownIdentifierOnLaterLineIsLocatedWithHint) {
    const TextOrigin origin{"m.yaml", 2, 9, "models.lif.equations"};
    const Equations eq =
        parse_equations("tau_m : second\ndv/dt = -v / tau_n : volt\n", origin);
    const std::string msg = model_error([&] { check_equations(eq, {}, origin); });
    EXPECT_NE(msg.find("m.yaml:3:22:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown identifier 'tau_n'; did you mean 'tau_m'?"), std::string::npos)
        << msg;
    EXPECT_EQ(check_error("zzzzqq + 1", {{"v", dim::voltage()}}).find("did you mean"),
              std::string::npos);
}

TEST(Equations, DimensionMismatchesNameBothSides) {
    const SymbolDims s = {{"v", dim::voltage()}, {"El", dim::voltage()}, {"taum", dim::time()},
                          {"g", dim::conductance()}, {"x", dim::none()}};
    const std::string msg = check_error("v - El + taum", s, {"f.yaml", 1, 1, "k"});
    EXPECT_EQ(msg, "f.yaml:1:8: k: cannot add volt and second: 'v - El' is volt, 'taum' is second");
    EXPECT_NE(check_error("v > taum", s).find("cannot compare volt and second"), std::string::npos);
    EXPECT_NE(check_error("exp(v)", s).find("exp() needs a dimensionless argument, got volt"),
              std::string::npos);
    EXPECT_NE(check_error("where(x > 0, v, taum)", s).find("where() needs arguments of one dimension"),
              std::string::npos);
    EXPECT_NE(check_error("v**x", s).find("constant whole or half number"), std::string::npos);
    EXPECT_NE(check_error("v**0.25", s).find("constant whole or half number"), std::string::npos);
    EXPECT_NE(check_error("sqrt(sqrt(taum))", s).find("sqrt() of second^1/2 has no unit"),
              std::string::npos);
    EXPECT_NE(check_error("v and x", s).find("'v' is volt"), std::string::npos);
    EXPECT_NE(check_error("x**taum", s).find("must be dimensionless"), std::string::npos);
}

TEST(Equations, DimensionRules) {
    const SymbolDims s = {{"v", dim::voltage()}, {"g", dim::conductance()}, {"x", dim::none()}};
    auto dim_of = [&](const char* text) {
        return check_expression(parse_expression(text, {}), s, {}).dim;
    };
    EXPECT_EQ(dim_of("g * v"), dim::current());
    EXPECT_EQ(dim_of("v / (10 ms)"), dim::voltage() / dim::time());
    EXPECT_EQ(dim_of("v**2 / v"), dim::voltage());
    EXPECT_EQ(dim_of("sqrt(v**2)"), dim::voltage());
    EXPECT_EQ(dim_of("x**x"), dim::none());
    EXPECT_EQ(dim_of("exp(-v / (5 mV))"), dim::none());
    EXPECT_EQ(dim_of("v > 0"), dim::none());
    EXPECT_EQ(dim_of("clip(v, -80 mV, 0)"), dim::voltage());
    EXPECT_EQ(dim_of("where(t > 5 ms, abs(v), -v)"), dim::voltage());
    EXPECT_EQ(dim_of("(v > 1 mV) and not (x < 2)"), dim::none());
    EXPECT_EQ(dim_of("t + dt * N"), dim::time());
    EXPECT_EQ(dim_of("1/ms"), dim::frequency());
    EXPECT_EQ(check_expression(parse_expression("10 Hz", {}), s, {}).expr->value, 0.01);
}

TEST(Equations, SubExpressionsAreInlinedAndChecked) {
    const Equations eq = parse_equations(
        "dv/dt = (I_total / C) : volt\nI_total = I_syn + I_ext : amp\nI_syn = g * (E - v) : amp\n"
        "I_ext : amp\ng : siemens\nE : volt\nC : farad",
        {});
    const Equations checked = check_equations(eq, {}, {});
    const expr::Ptr inlined = inline_subexpressions(checked.odes[0].rhs, checked);
    EXPECT_FALSE(expr::depends_on(inlined, "I_total"));
    EXPECT_FALSE(expr::depends_on(inlined, "I_syn"));
    EXPECT_TRUE(expr::depends_on(inlined, "g"));
    EXPECT_TRUE(expr::depends_on(inlined, "I_ext"));

    const Equations wrong = parse_equations("I = v : amp\nv : volt", {});
    EXPECT_NE(model_error([&] { check_equations(wrong, {}, {}); })
                  .find("I: the value is volt, but the declared unit is ampere"),
              std::string::npos);
}

TEST(Equations, SubExpressionCycleIsNamed) {
    const Equations eq = parse_equations("a = b + 1 : 1\nb = 2 * a : 1\ndv/dt = a / ms : 1", {});
    const std::string msg = model_error([&] { check_equations(eq, {}, {}); });
    EXPECT_NE(msg.find("cycle: a -> b -> a"), std::string::npos) << msg;
    EXPECT_THROW(inline_subexpressions(expr::symbol("a"), eq), ModelError);
}

TEST(Equations, ExtraSymbolsAreVisible) {
    const Equations eq = parse_equations("dv/dt = -v / tau + I_pre / C : volt\n"
                                         "tau : second\nC : farad", {});
    EXPECT_THROW(check_equations(eq, {}, {}), ModelError);
    EXPECT_NO_THROW(check_equations(eq, {{"I_pre", dim::current()}}, {}));
    const SymbolDims dims = symbol_dims(eq);
    EXPECT_EQ(dims.at("v"), dim::voltage());
    EXPECT_EQ(dims.at("C"), dim::capacitance());
}

TEST(Equations, SingleLetterUnitNamesStayUsableAsVariables) {
    const Equations eq = parse_equations("ds/dt = -s / tau_s : 1\ntau_s : second", {});
    const Equations checked = check_equations(eq, {}, {});
    EXPECT_TRUE(expr::depends_on(checked.odes[0].rhs, "s"));
}

}  // namespace
}  // namespace spikegraph

namespace spikegraph {
namespace {

// Regression: a product of 130 copies of a voltage wrapped the 8-bit exponents round and was
// checked as some other unit; it is a located error now.
TEST(Equations, RunawayUnitExponentIsALocatedError) {
    std::string product = "v";
    for (int k = 0; k < 130; ++k) product += "*v";
    const Equations eq =
        parse_equations("dv/dt = " + product + " / (volt**32 * volt**32 * volt**32 * ms) : volt\n",
                        k_origin);
    const std::string msg = model_error([&] { check_equations(eq, {}, k_origin); });
    EXPECT_NE(msg.find("net.yaml:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("beyond the largest supported, 100"), std::string::npos) << msg;
}

}  // namespace
}  // namespace spikegraph
