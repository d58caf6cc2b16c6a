#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include <spikegraph/error.hpp>
#include "core/expr.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph {
namespace {

using expr::Kind;

// Evaluates a tree with symbol values from `vars` (unit names count as 1).
double eval(const expr::Ptr& e, const std::map<std::string, double>& vars = {}) {
    auto arg = [&](std::size_t k) { return eval(e->args[k], vars); };
    switch (e->kind) {
        case Kind::constant: return e->value;
        case Kind::symbol: {
            const auto it = vars.find(e->name);
            return it == vars.end() ? 1.0 : it->second;
        }
        case Kind::neg: return -arg(0);
        case Kind::add: return arg(0) + arg(1);
        case Kind::sub: return arg(0) - arg(1);
        case Kind::mul: return arg(0) * arg(1);
        case Kind::div: return arg(0) / arg(1);
        case Kind::pow: return std::pow(arg(0), arg(1));
        case Kind::lt: return arg(0) < arg(1);
        case Kind::le: return arg(0) <= arg(1);
        case Kind::gt: return arg(0) > arg(1);
        case Kind::ge: return arg(0) >= arg(1);
        case Kind::eq: return arg(0) == arg(1);
        case Kind::ne: return arg(0) != arg(1);
        case Kind::logical_and: return arg(0) != 0 && arg(1) != 0;
        case Kind::logical_or: return arg(0) != 0 || arg(1) != 0;
        case Kind::logical_not: return arg(0) == 0;
        case Kind::call:
            if (e->name == "exp") return std::exp(arg(0));
            if (e->name == "log") return std::log(arg(0));
            if (e->name == "sqrt") return std::sqrt(arg(0));
            if (e->name == "cos") return std::cos(arg(0));
            if (e->name == "sin") return std::sin(arg(0));
            if (e->name == "tanh") return std::tanh(arg(0));
            if (e->name == "abs") return std::abs(arg(0));
            if (e->name == "pow") return std::pow(arg(0), arg(1));
            if (e->name == "min") return std::min(arg(0), arg(1));
            if (e->name == "max") return std::max(arg(0), arg(1));
            if (e->name == "clip") return std::min(std::max(arg(0), arg(1)), arg(2));
            if (e->name == "where") return arg(0) != 0 ? arg(1) : arg(2);
            break;
    }
    throw std::logic_error("eval: unsupported node");
}

double eval_text(const char* text, const std::map<std::string, double>& vars = {}) {
    return eval(parse_expression(text, {}), vars);
}

std::string error_of(const char* text, const TextOrigin& origin = {}) {
    try {
        parse_expression(text, origin);
    } catch (const ModelError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ExpressionParser, PrecedenceFollowsPython) {
    EXPECT_DOUBLE_EQ(eval_text("-2**2"), -4.0);
    EXPECT_DOUBLE_EQ(eval_text("2**3**2"), 512.0);  // right-associative
    EXPECT_DOUBLE_EQ(eval_text("2**-1"), 0.5);
    EXPECT_DOUBLE_EQ(eval_text("1 + 2 * 3"), 7.0);
    EXPECT_DOUBLE_EQ(eval_text("(1 + 2) * 3"), 9.0);
    EXPECT_DOUBLE_EQ(eval_text("8 / 4 / 2"), 1.0);
    EXPECT_DOUBLE_EQ(eval_text("10 - 4 - 3"), 3.0);
    EXPECT_DOUBLE_EQ(eval_text(".5 + 1e-1 + 2."), 2.6);
    EXPECT_DOUBLE_EQ(eval_text("1 < 2 and not 3 > 4"), 1.0);
    EXPECT_DOUBLE_EQ(eval_text("1 > 2 or 2 == 2"), 1.0);
    EXPECT_DOUBLE_EQ(eval_text("where(x > 0, x, -x)", {{"x", -3}}), 3.0);
    EXPECT_DOUBLE_EQ(eval_text("clip(x, 0, 1)", {{"x", 7}}), 1.0);
}

TEST(ExpressionParser, NumberFollowedByUnitIsAProduct) {
    const expr::Ptr e = parse_expression("-65 mV", {});
    ASSERT_EQ(e->kind, Kind::neg);
    const expr::Ptr& product = e->args[0];
    ASSERT_EQ(product->kind, Kind::mul);
    EXPECT_EQ(product->args[1]->kind, Kind::symbol);
    EXPECT_EQ(product->args[1]->name, "mV");
    const expr::Ptr tight = parse_expression("0.5nA", {});
    ASSERT_EQ(tight->kind, Kind::mul);
    EXPECT_EQ(tight->args[1]->name, "nA");
    EXPECT_NE(error_of("2 x").find("'x' right after the number 2 is not a unit"), std::string::npos);
}

TEST(ExpressionParser, ToStringUsesMinimalParentheses) {
    EXPECT_EQ(expr::to_string(parse_expression("(El - v + ge) / taum", {})), "(El - v + ge) / taum");
    EXPECT_EQ(expr::to_string(parse_expression("a - (b - c)", {})), "a - (b - c)");
    EXPECT_EQ(expr::to_string(parse_expression("-x**2", {})), "-x**2");
    EXPECT_EQ(expr::to_string(parse_expression("(-x)**2", {})), "(-x)**2");
    EXPECT_EQ(expr::to_string(parse_expression("a * (b + c)", {})), "a * (b + c)");
    EXPECT_EQ(expr::to_string(parse_expression("exp(-v / 2)", {})), "exp(-v / 2)");
    // Printing and parsing again gives the same value.
    const char* text = "-(a - b)**2 / (c * (d - 1)) + 2**-e";
    const std::map<std::string, double> vars = {{"a", 1.5}, {"b", -2}, {"c", 3}, {"d", 0.25}, {"e", 1.5}};
    EXPECT_DOUBLE_EQ(eval(parse_expression(expr::to_string(parse_expression(text, {})), {}), vars),
                     eval_text(text, vars));
}

TEST(ExpressionParser, NodesCarryTheirLocation) {
    const expr::Ptr e = parse_expression("a +\n  b * c", {});
    ASSERT_EQ(e->kind, Kind::add);
    EXPECT_EQ(e->loc.line, 1);
    EXPECT_EQ(e->loc.column, 3);
    EXPECT_EQ(e->args[1]->loc.line, 2);
    EXPECT_EQ(e->args[1]->loc.column, 5);
    EXPECT_EQ(e->args[1]->args[0]->loc.column, 3);
}

// Every line of a YAML block scalar lost the same indentation, so every line is shifted.
TEST(ExpressionParser, LocatedMapsTextPositionsToTheFile) {
    const TextOrigin origin{"net.yaml", 12, 20, "groups.exc.reset"};
    EXPECT_EQ(located(origin, {1, 3}, "boom"), "net.yaml:12:22: groups.exc.reset: boom");
    EXPECT_EQ(located(origin, {2, 3}, "boom"), "net.yaml:13:22: groups.exc.reset: boom");
    EXPECT_EQ(located({"", 1, 1, "cuba"}, {1, 4}, "boom"), "cuba: boom (line 1, column 4)");
}

TEST(ExpressionParser, SyntaxErrorsAreLocatedAndExplained) {
    const TextOrigin origin{"m.yaml", 5, 10, "models.lif.threshold"};
    EXPECT_EQ(error_of("v ^ 2", origin),
              "m.yaml:5:12: models.lif.threshold: '^' is not a power operator; write x**2 for a "
              "power");
    const std::string unclosed = error_of("a * (b + c", origin);
    EXPECT_NE(unclosed.find("m.yaml:5:20:"), std::string::npos) << unclosed;
    EXPECT_NE(unclosed.find("expected ')' to close '(' opened at column 14"), std::string::npos)
        << unclosed;
    EXPECT_NE(error_of("v = 3").find("unexpected '='"), std::string::npos);
    EXPECT_NE(error_of("a +").find("unexpected end of text"), std::string::npos);
    EXPECT_NE(error_of("a < b < c").find("cannot be chained"), std::string::npos);
    EXPECT_NE(error_of("a && b").find("write 'and'"), std::string::npos);
    EXPECT_NE(error_of("").find("expected an expression"), std::string::npos);
}

TEST(ExpressionParser, FunctionsAreCheckedForNameAndArity) {
    EXPECT_NE(error_of("exp(1, 2)").find("exp() takes 1 argument, got 2"), std::string::npos);
    EXPECT_NE(error_of("clip(x, 1)").find("clip() takes 3 arguments, got 2"), std::string::npos);
    EXPECT_NE(error_of("rand(1)").find("rand() takes 0 arguments, got 1"), std::string::npos);
    EXPECT_NE(error_of("exq(x)").find("unknown function 'exq'; did you mean 'exp'?"),
              std::string::npos);
    EXPECT_EQ(error_of("frobnicate(x)").find("did you mean"), std::string::npos);
    EXPECT_TRUE(expr::uses_random(parse_expression("v + randn() * sigma", {})));
    EXPECT_FALSE(expr::uses_random(parse_expression("v + sigma", {})));
}

TEST(ExpressionParser, StatementsSplitOnNewlinesAndSemicolons) {
    const auto s = parse_statements("v = c; u += d\n\n  w *= (a +\n b)  # comment\nx /= 2;", {});
    ASSERT_EQ(s.size(), 4u);
    EXPECT_EQ(s[0].target, "v");
    EXPECT_EQ(s[0].op, Statement::Op::assign);
    EXPECT_EQ(s[1].target, "u");
    EXPECT_EQ(s[1].op, Statement::Op::add);
    EXPECT_EQ(s[1].loc.column, 8);
    EXPECT_EQ(s[2].op, Statement::Op::mul);
    EXPECT_EQ(s[2].loc.line, 3);
    EXPECT_DOUBLE_EQ(eval(s[2].value, {{"a", 1}, {"b", 2}}), 3.0);
    EXPECT_EQ(s[3].op, Statement::Op::div);
    EXPECT_TRUE(parse_statements("", {}).empty());
    EXPECT_TRUE(parse_statements("  \n ; \n", {}).empty());
    EXPECT_THROW(parse_statements("v == 3", {}), ModelError);
    EXPECT_THROW(parse_statements("v = 3 w = 4", {}), ModelError);
    EXPECT_THROW(parse_statements("3 = v", {}), ModelError);
}

TEST(Expr, FoldingHelpersSimplify) {
    const expr::Ptr x = expr::symbol("x");
    EXPECT_EQ(expr::add(x, expr::constant(0)), x);
    EXPECT_EQ(expr::mul(expr::constant(1), x), x);
    EXPECT_EQ(expr::div(x, expr::constant(1)), x);
    EXPECT_EQ(expr::neg(expr::neg(x)), x);
    const expr::Ptr zero = expr::mul(x, expr::constant(0));
    ASSERT_EQ(zero->kind, Kind::constant);
    EXPECT_EQ(zero->value, 0.0);
    const expr::Ptr five = expr::add(expr::constant(2), expr::constant(3));
    ASSERT_EQ(five->kind, Kind::constant);
    EXPECT_EQ(five->value, 5.0);
    EXPECT_EQ(expr::to_string(expr::sub(expr::constant(0), x)), "-x");
}

TEST(Expr, SubstituteAndSymbols) {
    const expr::Ptr e = parse_expression("a * b + a", {});
    std::vector<std::string> names;
    expr::collect_symbols(e, names);
    EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
    const expr::Ptr s = expr::substitute(e, {"a"}, {parse_expression("c + 1", {})});
    EXPECT_FALSE(expr::depends_on(s, "a"));
    EXPECT_TRUE(expr::depends_on(s, "c"));
    EXPECT_DOUBLE_EQ(eval(s, {{"b", 2}, {"c", 3}}), 12.0);
}

TEST(Expr, DerivativeMatchesFiniteDifferences) {
    const char* texts[] = {"a*v**2 + exp(v)", "sin(v) / (1 + v**2)", "sqrt(v) * log(v)",
                           "tanh(a * v) - cos(v)", "v**a", "a**v", "pow(v, 3) / a"};
    for (const char* text : texts) {
        SCOPED_TRACE(text);
        const expr::Ptr e = parse_expression(text, {});
        const expr::Ptr d = expr::derivative(e, "v");
        ASSERT_NE(d, nullptr);
        for (double v : {0.3, 1.1, 2.7}) {
            const double h = 1e-6;
            const double fd = (eval(e, {{"a", 1.7}, {"v", v + h}}) -
                               eval(e, {{"a", 1.7}, {"v", v - h}})) / (2 * h);
            // Central differences are accurate to O(h^2) plus rounding ~1e-10 / h.
            EXPECT_NEAR(eval(d, {{"a", 1.7}, {"v", v}}), fd, 1e-6 * (1 + std::abs(fd)));
        }
    }
}

TEST(Expr, DerivativeOfNonSmoothCalls) {
    EXPECT_EQ(expr::derivative(parse_expression("max(v, 0)", {}), "v"), nullptr);
    EXPECT_EQ(expr::derivative(parse_expression("v * rand()", {}), "v")->kind, Kind::call);
    const expr::Ptr d = expr::derivative(parse_expression("max(a, 0) * 3 + where(a > 1, 2, 3)", {}), "v");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->kind, Kind::constant);
    EXPECT_EQ(d->value, 0.0);
    // Linear in v: the derivative no longer mentions v.
    EXPECT_FALSE(expr::depends_on(expr::derivative(parse_expression("(El - v + ge) / taum", {}), "v"), "v"));
}

}  // namespace
}  // namespace spikegraph
