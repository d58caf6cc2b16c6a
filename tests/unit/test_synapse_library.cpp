// The plasticity library: every rule expands into text that the equation and statement parsers
// accept and whose units agree; defaults, the weight's unit taken from wmax, the pairing and
// parameter-set options; and each kind of bad request a located ConfigError naming the fix.

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include "core/units.hpp"
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"
#include "frontend/synapse_library.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

TextOrigin at_line(int line, const std::string& key) {
    TextOrigin o;
    o.file = "net.yaml";
    o.line = line;
    o.column = 17;
    o.key = key;
    return o;
}

Connection plastic(const std::string& rule, std::map<std::string, ValueSpec> parameters = {}) {
    Connection c;
    c.name = "syn";
    c.target = "ge";
    c.plasticity = rule;
    c.plasticity_parameters = std::move(parameters);
    c.plasticity_origin = at_line(7, "connections.syn.plasticity");
    return c;
}

// The ConfigError that expanding `c` throws; fails the test on any other outcome.
ConfigError expand_error(const Connection& c) {
    try {
        expand_plasticity(c);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "expected a ConfigError for rule '" << c.plasticity << "'";
    return ConfigError("none");
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

double value_of(const Connection& c, const std::string& name) {
    return parse_quantity(c.values.at(name).text).value;
}

// Parses the expanded text and checks every statement's units against the model's symbols plus
// the post variable `ge` of dimension `ge_dim`. Returns the statements of on_pre and on_post.
std::pair<std::vector<Statement>, std::vector<Statement>> check_units(const Connection& e,
                                                                       Dimension ge_dim) {
    const Equations eq = parse_equations(e.model.text, e.model.origin);
    check_equations(eq, {}, e.model.origin);
    SymbolDims dims = symbol_dims(eq);
    dims["ge"] = ge_dim;
    for (const ParameterDecl& p : eq.params)
        if (p.name != "w") EXPECT_TRUE(e.values.count(p.name)) << "no value for " << p.name;
    const auto pathway = [&](const ValueSpec& text) {
        const std::vector<Statement> statements = parse_statements(text.text, text.origin);
        for (const Statement& s : statements) {
            EXPECT_TRUE(dims.count(s.target)) << s.target << " is not a symbol of the model";
            const Checked v = check_expression(s.value, dims, text.origin);
            EXPECT_EQ(v.dim, dims[s.target]) << text.text << ": statement on " << s.target;
        }
        return statements;
    };
    return {pathway(e.on_pre), pathway(e.on_post)};
}

TEST(SynapseLibrary, NamesAreSortedAndEachRuleIsFound) {
    const std::vector<std::string> names = synapse_rule_names();
    EXPECT_EQ(names, (std::vector<std::string>{"rstdp", "stdp_additive", "stdp_multiplicative",
                                               "stdp_triplet"}));
    for (const std::string& name : names) {
        EXPECT_EQ(synapse_rule(name).name, name);
        EXPECT_FALSE(synapse_rule(name).source.empty()) << name << " cites no source";
    }
}

TEST(SynapseLibrary, EveryRuleAndPairingExpandsIntoTextWhoseUnitsAgree) {
    for (const std::string& name : synapse_rule_names())
        for (const char* pairing : {"all_to_all", "nearest"})
            for (const char* wmax : {"0.01", "10 nS"}) {
                SCOPED_TRACE(name + std::string(", pairing ") + pairing + ", wmax " + wmax);
                const Connection e =
                    expand_plasticity(plastic(name, {{"pairing", pairing}, {"wmax", wmax}}));
                EXPECT_TRUE(e.plasticity.empty());
                const Dimension w = parse_quantity(wmax).dim;
                const auto [pre, post] = check_units(e, w);
                ASSERT_FALSE(pre.empty());
                EXPECT_EQ(pre.front().target, "ge");
                EXPECT_EQ(pre.front().op, Statement::Op::add);
                const std::vector<std::string>& traces = synapse_rule(name).traces;
                for (const auto* pathway : {&pre, &post})
                    for (const Statement& s : *pathway)
                        if (std::find(traces.begin(), traces.end(), s.target) != traces.end())
                            EXPECT_EQ(s.op, std::string(pairing) == "nearest"
                                                ? Statement::Op::assign
                                                : Statement::Op::add)
                                << s.target;
                EXPECT_EQ(symbol_dims(parse_equations(e.model.text, {})).at("w"), w);
            }
}

// The rules' text also runs in Brian2, which reserves the names of its constants.
TEST(SynapseLibrary, NoRuleNamesAVariableAfterABrianConstant) {
    for (const std::string& name : synapse_rule_names()) {
        const SymbolDims dims =
            symbol_dims(parse_equations(expand_plasticity(plastic(name)).model.text, {}));
        for (const char* reserved : {"e", "pi", "inf", "True", "False"})
            EXPECT_EQ(dims.count(reserved), 0u) << name << " defines " << reserved;
    }
}

TEST(SynapseLibrary, AdditiveDefaultsFollowSongEtAlAsInBrian) {
    const Connection e = expand_plasticity(plastic("stdp_additive"));
    EXPECT_EQ(e.values.at("taupre").text, "20 ms");
    EXPECT_EQ(e.values.at("taupost").text, "20 ms");
    EXPECT_DOUBLE_EQ(value_of(e, "wmax"), 0.01);
    EXPECT_EQ(value_of(e, "wmin"), 0.0);
    // dApre = 0.01 wmax, dApost = -1.05 dApre taupre / taupost; to 1e-15 relative (the text
    // is the shortest that reads back to the same double).
    EXPECT_NEAR(value_of(e, "dApre"), 1e-4, 1e-19);
    EXPECT_NEAR(value_of(e, "dApost"), -1.05e-4, 1e-19);
    EXPECT_EQ(e.on_pre.text, "ge += w\nApre += dApre\nw = clip(w + Apost, wmin, wmax)");
    EXPECT_EQ(e.on_post.text, "Apost += dApost\nw = clip(w + Apre, wmin, wmax)");
}

TEST(SynapseLibrary, DerivedDefaultsUseTheGivenValuesAndTheUnitOfWmax) {
    const Connection e = expand_plasticity(
        plastic("stdp_additive", {{"wmax", "10 nS"}, {"taupost", "40 ms"}}));
    EXPECT_TRUE(contains(e.model.text, "w : siemens"));
    EXPECT_EQ(parse_quantity(e.values.at("wmin").text).dim, dim::conductance());
    EXPECT_NEAR(value_of(e, "dApre"), 0.1, 1e-15);           // nS
    EXPECT_NEAR(value_of(e, "dApost"), -0.1 * 1.05 * 20 / 40, 1e-15);
    EXPECT_EQ(e.values.at("taupost").text, "40 ms");
}

TEST(SynapseLibrary, TripletParameterSetFollowsThePairingAndBack) {
    const Connection nearest = expand_plasticity(plastic("stdp_triplet", {{"pairing", "nearest"}}));
    EXPECT_DOUBLE_EQ(value_of(nearest, "tau_x"), 714.0);  // ms, Pfister & Gerstner Table 4
    EXPECT_DOUBLE_EQ(value_of(nearest, "A3p"), 5.3e-2);
    const Connection set =
        expand_plasticity(plastic("stdp_triplet", {{"parameters", "visual_cortex_nearest"}}));
    EXPECT_TRUE(contains(set.on_pre.text, "r1 = 1")) << set.on_pre.text;
    const Connection all = expand_plasticity(plastic("stdp_triplet"));
    EXPECT_DOUBLE_EQ(value_of(all, "tau_y"), 125.0);
    EXPECT_DOUBLE_EQ(value_of(all, "A2m"), 7e-3);
    EXPECT_TRUE(contains(all.on_pre.text, "w = clip(w - wmax * o1 * (A2m + A3m * r2), wmin, "
                                          "wmax)\nr1 += 1"));
}

TEST(SynapseLibrary, NoRuleLeavesTheConnectionAsItIsAndExpandingTwiceChangesNothing) {
    Connection c;
    c.target = "ge";
    c.on_pre = "ge += 2 * w";
    EXPECT_EQ(expand_plasticity(c).on_pre.text, "ge += 2 * w");
    const Connection once = expand_plasticity(plastic("rstdp"));
    const Connection twice = expand_plasticity(once);
    EXPECT_EQ(twice.model.text, once.model.text);
    EXPECT_EQ(twice.on_pre.text, once.on_pre.text);
    EXPECT_EQ(twice.values.size(), once.values.size());
}

TEST(SynapseLibrary, UnknownRuleIsLocatedAndSuggestsTheClosest) {
    const ConfigError e = expand_error(plastic("stdp_aditive"));
    EXPECT_TRUE(contains(e.what(), "net.yaml:7:17: connections.syn.plasticity: unknown "
                                   "plasticity rule 'stdp_aditive' (did you mean "
                                   "'stdp_additive'?)"));
    EXPECT_EQ(e.line(), 7);
    EXPECT_TRUE(contains(e.what(), "rstdp, stdp_additive, stdp_multiplicative, stdp_triplet"));
    try {
        synapse_rule("tripplet");
        ADD_FAILURE() << "synapse_rule accepted an unknown name";
    } catch (const ConfigError& err) {
        EXPECT_TRUE(contains(err.what(), "the rules are: rstdp"));
    }
}

TEST(SynapseLibrary, UnknownParameterIsLocatedAtItsValueWithDidYouMean) {
    const ConfigError e = expand_error(
        plastic("stdp_additive", {{"taupr", ValueSpec("10 ms", at_line(9, "connections.syn."
                                                                          "plasticity.taupr"))}}));
    EXPECT_TRUE(contains(e.what(), "net.yaml:9:17: connections.syn.plasticity.taupr: unknown "
                                   "parameter 'taupr' of plasticity rule 'stdp_additive' (did "
                                   "you mean 'taupre'?)"));
    // Without an origin (a connection made in C++) the key still names the place.
    const ConfigError bare = expand_error(plastic("stdp_additive", {{"pairng", "nearest"}}));
    EXPECT_TRUE(contains(bare.what(), "connections.syn.plasticity.pairng: unknown parameter"));
    EXPECT_TRUE(contains(bare.what(), "did you mean 'pairing'?"));
}

TEST(SynapseLibrary, WrongDimensionNamesTheUnitNeeded) {
    const ConfigError tau = expand_error(plastic("stdp_additive", {{"taupre", "20 mV"}}));
    EXPECT_TRUE(contains(tau.what(), "parameter taupre of plasticity rule 'stdp_additive' is "
                                     "\"20 mV\" (volt), but it needs second, e.g. \"20 ms\""));
    const ConfigError wmin = expand_error(plastic("stdp_additive", {{"wmin", "1 nS"}}));
    EXPECT_TRUE(contains(wmin.what(), "(the unit of wmax, the weight's unit)"));
    const ConfigError text = expand_error(plastic("rstdp", {{"tau_e", "rand() * ms"}}));
    EXPECT_TRUE(contains(text.what(), "tau_e of plasticity rule 'rstdp' must be a constant"));
    const ConfigError pairing = expand_error(plastic("stdp_triplet", {{"pairing", "nearst"}}));
    EXPECT_TRUE(contains(pairing.what(), "unknown pairing 'nearst' of plasticity rule "
                                         "'stdp_triplet' (did you mean 'nearest'?); expected one "
                                         "of all_to_all, nearest"));
}

TEST(SynapseLibrary, RuleWithItsOwnModelOrWithoutTargetIsRefused) {
    Connection own = plastic("stdp_additive");
    own.model = "w : 1";
    const ConfigError e = expand_error(own);
    EXPECT_TRUE(contains(e.what(), "net.yaml:7:17: connections.syn.plasticity: plasticity rule "
                                   "'stdp_additive' supplies model itself; remove the "
                                   "connection's model"));
    Connection post = plastic("stdp_triplet");
    post.on_post = "w = 0";
    EXPECT_TRUE(contains(expand_error(post).what(), "supplies on_post itself"));
    Connection no_target = plastic("rstdp");
    no_target.target.clear();
    EXPECT_TRUE(contains(expand_error(no_target).what(), "needs a target, the post variable "
                                                         "each spike adds w to (e.g. target: ge)"));
    Connection statements = plastic("rstdp");
    statements.target.clear();
    statements.on_pre = "ge += w";
    EXPECT_TRUE(contains(expand_error(statements).what(), "replace on_pre by target"));
    Connection twice = plastic("rstdp");
    twice.values["tau_e"] = "2 s";
    EXPECT_TRUE(contains(expand_error(twice).what(), "'tau_e' is a parameter of plasticity rule "
                                                     "'rstdp'; set it among the plasticity "
                                                     "parameters"));
}

// docs/plasticity-library.md shows each rule's statements as the library writes them.
TEST(SynapseLibrary, DocsShowEachRulesStatements) {
    std::ifstream file(SPIKEGRAPH_SOURCE_DIR "/docs/plasticity-library.md");
    ASSERT_TRUE(file) << "docs/plasticity-library.md not found";
    std::stringstream text;
    text << file.rdbuf();
    for (const std::string& name : synapse_rule_names()) {
        EXPECT_TRUE(contains(text.str(), "## " + name + "\n"));
        for (const std::string* pathway : {&synapse_rule(name).on_pre, &synapse_rule(name).on_post}) {
            std::stringstream lines(*pathway);
            for (std::string line; std::getline(lines, line);)
                EXPECT_TRUE(contains(text.str(), "  " + line + "\n")) << name;
        }
    }
}

}  // namespace
}  // namespace spikegraph
