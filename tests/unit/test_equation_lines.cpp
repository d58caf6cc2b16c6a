// Definitions continued over several lines, as Brian2 accepts them (frontend/equation_text.cpp):
// a definition ends with the line that holds its ': <unit>'; later errors point at the right
// line and column; what stays invalid says why. Also the YAML flow-mapping pitfall
// (frontend/yaml/schema.cpp): `{v: uniform(0 mV, 20 mV)}` is cut by YAML at the comma.

#include <gtest/gtest.h>

#include <string>

#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph {
namespace {

const TextOrigin k_origin{"net.yaml", 10, 7, "models.m.equations"};

// The message of the ModelError that parsing `text` (and, with `check`, checking its units)
// throws.
std::string error_of(const std::string& text, const TextOrigin& origin, bool check = false) {
    try {
        const Equations eq = parse_equations(text, origin);
        if (check) check_equations(eq, {}, origin);
    } catch (const ModelError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(EquationLines, AnExpressionContinuesUntilItsUnit) {
    const Equations eq = parse_equations(
        "dv/dt = (El - v +   # leak\n"
        "         I) / tau\n"
        "        : volt (unless refractory)\n"
        "\n"
        "x = v\n"
        "    * 2 : volt\n"
        "El : volt\n"
        "tau : second\n"
        "I : volt\n",
        k_origin);
    ASSERT_EQ(eq.odes.size(), 1u);
    ASSERT_EQ(eq.subs.size(), 1u);
    ASSERT_EQ(eq.params.size(), 3u);
    EXPECT_EQ(expr::to_string(eq.odes[0].rhs), "(El - v + I) / tau");
    EXPECT_TRUE(eq.odes[0].unless_refractory);
    EXPECT_EQ(eq.odes[0].loc.line, 1);
    EXPECT_EQ(expr::to_string(eq.subs[0].value), "v * 2");
    EXPECT_EQ(eq.subs[0].loc.line, 5);
    EXPECT_EQ(eq.params[0].loc.line, 7);
    EXPECT_NO_THROW(check_equations(eq, {}, k_origin));
}

TEST(EquationLines, LaterErrorsPointIntoTheContinuationLine) {
    // 'tua' is on line 3 of the text (line 12 of the file), column 15 of that line, shifted by
    // the block's indentation (origin column 7): column 21.
    const std::string msg = error_of(
        "tau : second\n"
        "dv/dt = (-v +\n"
        "         v) / tua : volt\n",
        k_origin, true);
    EXPECT_NE(msg.find("net.yaml:12:21:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'tau'?"), std::string::npos) << msg;
    // A syntax error on a continuation line, too.
    EXPECT_NE(error_of("dv/dt = (1 +\n  * 2) : 1", k_origin).find("net.yaml:11:9:"),
              std::string::npos);
}

TEST(EquationLines, AMissingUnitSaysWhyAndWhere) {
    // The definition on line 1 has no unit before the one on line 2 starts.
    const std::string msg = error_of("dv/dt = -v / tau\ndw/dt = -w / tau : volt\n", k_origin);
    EXPECT_NE(msg.find("net.yaml:10:7: models.m.equations: this definition has no ': <unit>' "
                       "before line 11 starts the next one ('dw/dt = -w / tau : volt')"),
              std::string::npos)
        << msg;
    // A parameter declaration after it counts as the next definition, too.
    EXPECT_NE(error_of("dv/dt = -v / tau\ntau : second\n", {})
                  .find("this definition has no ': <unit>' before line"),
              std::string::npos);
    // At the end of the text: the usual message, which now says that lines may continue.
    const std::string last = error_of("tau : second\ndv/dt = (1 +\n 2) / tau\n", k_origin);
    EXPECT_NE(last.find("net.yaml:11:7:"), std::string::npos) << last;
    EXPECT_NE(last.find("a definition may continue over several lines"), std::string::npos)
        << last;
    // A comparison on a continuation line is not taken for a definition.
    EXPECT_NO_THROW(parse_equations("x = (v\n == 0) : 1\nv : 1\n", {}));
}

TEST(EquationLines, AStatementContinuesOnlyInsideParentheses) {
    const auto statements = parse_statements("v = (v +\n     1)\nw += 2", {});
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_EQ(expr::to_string(statements[0].value), "v + 1");
    std::string msg;
    try {
        parse_statements("v = v +\n    1", {});
    } catch (const ModelError& e) {
        msg = e.what();
    }
    EXPECT_NE(msg.find("unexpected end of line (a statement continues onto the next line only "
                       "inside parentheses"),
              std::string::npos)
        << msg;
}

std::string config_error(const std::string& yaml) {
    try {
        load_network_from_string(yaml, "net.yaml", {});
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected ConfigError";
    return {};
}

TEST(YamlFlowPitfall, ACallCutAtItsCommaIsNamedWithTheFix) {
    const std::string msg = config_error(
        "groups:\n"
        "  exc:\n"
        "    size: 10\n"
        "    model: lif\n"
        "    init: {v: uniform(-70 mV, -60 mV)}\n");
    EXPECT_NE(msg.find("net.yaml:5:15: groups.exc.init.v: \"uniform(-70 mV\" has an unclosed "
                       "parenthesis"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("quote the whole value"), std::string::npos) << msg;
    // Also where the whole group is one flow mapping.
    EXPECT_NE(config_error("groups:\n  exc: {size: 10, model: lif, init: {v: max(0 mV, 1 mV)}}\n")
                  .find("\"max(0 mV\" has an unclosed parenthesis"),
              std::string::npos);
    // Quoted, or in block style, the same value loads.
    EXPECT_NO_THROW(load_network_from_string(
        "groups:\n  exc:\n    size: 10\n    model: lif\n"
        "    init: {v: \"uniform(-70 mV, -60 mV)\"}\n", "net.yaml", {}));
    EXPECT_NO_THROW(load_network_from_string(
        "groups:\n  exc:\n    size: 10\n    model: lif\n    init:\n"
        "      v: uniform(-70 mV, -60 mV)\n", "net.yaml", {}));
}

}  // namespace
}  // namespace spikegraph
