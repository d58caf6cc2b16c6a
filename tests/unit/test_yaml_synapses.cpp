// The YAML side of synapse models (issue 14): the connection keys model, on_post, post_delay,
// values, method and plasticity; state monitors of a connection's synapses and the final
// synapse state; configs/stdp_song2000.yaml. Parse only: each test checks the Network's fields
// and origins, or the located message of a bad config.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"
#include "frontend/synapse_library.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

// The message of the ConfigError that loading `yaml` throws; a test failure when none is thrown.
std::string config_error(const std::string& yaml) {
    try {
        load_network_from_string(yaml, "net.yaml", {});
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError for:\n" << yaml;
    return {};
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\"\n  does not contain\n\"" << part
                                         << "\"";
}

// Line 1-4; connections start on line 5 and their entries on line 6.
const std::string k_head =
    "groups:\n"
    "  neurons: {size: 10, model: lif}\n"
    "inputs:\n"
    "  stim: {type: poisson, size: 4, rate: 10 Hz}\n"
    "connections:\n";

Network load(const std::string& connections, const std::string& monitors = "") {
    return load_network_from_string(k_head + connections + monitors, "net.yaml", {});
}

std::string connection_error(const std::string& connections) {
    return config_error(k_head + connections);
}

const std::string k_plastic =
    "  syn:\n"                       // line 6
    "    pre: stim\n"
    "    post: neurons\n"
    "    target: I_syn\n"
    "    weight: 5 pA\n";            // line 10

TEST(YamlSynapses, SynapseModelKeysFillTheConnectionWithTheirOrigins) {
    const Network net = load("  syn:\n"
                             "    pre: neurons\n"
                             "    post: neurons\n"
                             "    model: |\n"                              // line 9
                             "      w : 1\n"
                             "      dx/dt = -x / tau : 1 (event-driven)\n"
                             "    on_pre: |\n"
                             "      I_syn += w * pA\n"
                             "      x += 1\n"
                             "    on_post: w = clip(w + x, 0, 1)\n"        // line 15
                             "    post_delay: 2 ms\n"
                             "    values: {tau: 10 ms, w: rand()}\n"       // line 17
                             "    method: euler\n");
    ASSERT_EQ(net.connections.size(), 1u);
    const Connection& c = net.connections.front();
    EXPECT_EQ(c.model.text, "w : 1\ndx/dt = -x / tau : 1 (event-driven)\n");
    EXPECT_EQ(c.model.origin.line, 10);  // the block's text starts on the line after `|`
    EXPECT_EQ(c.model.origin.column, 7);
    EXPECT_EQ(c.model.origin.key, "connections.syn.model");
    EXPECT_EQ(c.on_post.text, "w = clip(w + x, 0, 1)");
    EXPECT_EQ(c.on_post.origin.line, 15);
    EXPECT_EQ(c.on_post.origin.column, 14);
    EXPECT_TRUE(c.target.empty());  // a synapse model needs no target
    EXPECT_EQ(c.post_delay.text, "2 ms");
    EXPECT_EQ(c.post_delay.origin.key, "connections.syn.post_delay");
    ASSERT_EQ(c.values.size(), 2u);
    EXPECT_EQ(c.values.at("tau").text, "10 ms");
    EXPECT_EQ(c.values.at("w").text, "rand()");
    EXPECT_EQ(c.values.at("w").origin.line, 17);
    EXPECT_EQ(c.values.at("w").origin.key, "connections.syn.values.w");
    EXPECT_EQ(c.method, "euler");
    EXPECT_EQ(c.method_origin.line, 18);
    EXPECT_EQ(c.weight.text, "1");  // values.w sets the weight
    // The texts parse as the engine will read them.
    EXPECT_EQ(parse_equations(c.model.text, c.model.origin).odes.size(), 1u);
    EXPECT_EQ(parse_statements(c.on_pre.text, c.on_pre.origin).size(), 2u);
}

TEST(YamlSynapses, WeightIsRequiredOnlyWithoutAModelOrValuesW) {
    EXPECT_TRUE(contains(connection_error("  syn: {pre: stim, post: neurons, target: I_syn}\n"),
                         "net.yaml:6:8: connections.syn: missing field 'weight'"));
    EXPECT_TRUE(contains(connection_error("  syn:\n    pre: stim\n    post: neurons\n"
                                      "    target: I_syn\n    weight: 1 pA\n"
                                      "    values: {w: 2 pA}\n"),
                         "net.yaml:10:13: connections.syn.weight: give the initial weight "
                         "either as weight or as values.w, not both"));
    EXPECT_EQ(load("  syn: {pre: stim, post: neurons, target: I_syn, values: {w: 1 pA}}\n")
                  .connections.front().values.at("w").text, "1 pA");
}

TEST(YamlSynapses, PostDelayMustBeAMultipleOfDt) {
    EXPECT_TRUE(contains(connection_error(k_plastic + "    post_delay: 0.25 ms\n"),
                         "net.yaml:11:17: connections.syn.post_delay: post_delay 0.25 ms is not "
                         "a multiple of dt = 0.1 ms; use 0.2 ms or 0.3 ms"));
}

TEST(YamlSynapses, UnknownConnectionKeyStillSuggestsTheClosest) {
    EXPECT_TRUE(contains(connection_error(k_plastic + "    on_pots: w = 0\n"),
                         "net.yaml:11:5: connections.syn.on_pots: unknown key 'on_pots'; did "
                         "you mean 'on_post'?"));
    EXPECT_TRUE(contains(connection_error(k_plastic + "    values: {2w: 1}\n"),
                         "'2w' is not a variable name"));
}

TEST(YamlSynapses, PlasticityAsANameOrAMappingOfParameters) {
    const Network named = load(k_plastic + "    plasticity: stdp_triplet\n");
    const Connection& t = named.connections.front();
    EXPECT_EQ(t.plasticity, "stdp_triplet");
    EXPECT_TRUE(t.plasticity_parameters.empty());
    EXPECT_EQ(t.plasticity_origin.line, 11);
    EXPECT_EQ(t.plasticity_origin.column, 17);
    EXPECT_EQ(t.plasticity_origin.key, "connections.syn.plasticity");

    const Network mapped = load(k_plastic +
                                "    plasticity:\n"
                                "      rule: stdp_additive\n"           // line 12
                                "      wmax: 50 pA\n"
                                "      taupre: 15 ms\n"                 // line 14
                                "      pairing: nearest\n");
    const Connection& c = mapped.connections.front();
    EXPECT_EQ(c.plasticity, "stdp_additive");
    EXPECT_EQ(c.plasticity_origin.line, 12);
    ASSERT_EQ(c.plasticity_parameters.size(), 3u);
    EXPECT_EQ(c.plasticity_parameters.at("taupre").text, "15 ms");
    EXPECT_EQ(c.plasticity_parameters.at("taupre").origin.line, 14);
    EXPECT_EQ(c.plasticity_parameters.at("taupre").origin.key,
              "connections.syn.plasticity.taupre");
    EXPECT_EQ(c.plasticity_parameters.at("pairing").text, "nearest");
    // The rule as the builder will expand it: the weight in pA, nearest pairing.
    const Connection e = expand_plasticity(c);
    EXPECT_TRUE(contains(e.model.text, "w : ampere")) << e.model.text;
    EXPECT_TRUE(contains(e.on_pre.text, "I_syn += w\nApre = dApre"));
}

TEST(YamlSynapses, SetOverridesAPlasticityParameter) {
    const Network net = load_network_from_string(
        k_head + k_plastic + "    plasticity: {rule: rstdp}\n", "net.yaml",
        {"connections.syn.plasticity.reward=0.5"});
    const ValueSpec& reward = net.connections.front().plasticity_parameters.at("reward");
    EXPECT_EQ(reward.text, "0.5");
    EXPECT_EQ(reward.origin.file, "--set");
}

TEST(YamlSynapses, BadPlasticityIsLocatedWithTheFix) {
    EXPECT_TRUE(contains(connection_error(k_plastic + "    plasticity: stdp_additve\n"),
                         "net.yaml:11:17: connections.syn.plasticity: unknown plasticity rule "
                         "'stdp_additve'; did you mean 'stdp_additive'?"));
    EXPECT_TRUE(contains(connection_error(k_plastic + "    plasticity: {rule: rstdp, tau_ee: 1 s}\n"),
                         "net.yaml:11:31: connections.syn.plasticity.tau_ee: unknown key "
                         "'tau_ee'; did you mean 'tau_e'?"));
    EXPECT_TRUE(contains(connection_error(k_plastic + "    plasticity: {wmax: 1}\n"),
                         "connections.syn.plasticity: missing field 'rule'"));
    // Checked while loading (the builder expands the rule again): a value of the wrong unit ...
    EXPECT_TRUE(contains(connection_error(k_plastic +
                                      "    plasticity: {rule: stdp_additive, taupre: 20 mV}\n"),
                         "net.yaml:11:47: connections.syn.plasticity.taupre: parameter taupre "
                         "of plasticity rule 'stdp_additive' is \"20 mV\" (volt), but it needs "
                         "second"));
    // ... and a rule beside the connection's own model.
    EXPECT_TRUE(contains(connection_error(k_plastic + "    plasticity: rstdp\n"
                                                  "    on_post: w = 0\n"),
                         "net.yaml:11:17: connections.syn.plasticity: plasticity rule 'rstdp' "
                         "supplies on_post itself"));
}

const std::string k_monitored = k_plastic + "    plasticity: stdp_additive\n" + "monitors:\n";

TEST(YamlSynapses, StateMonitorOfAConnectionBySynapseOrPair) {
    const Network net = load(k_monitored,
                             "  by_index:\n"
                             "    type: state\n"
                             "    connection: syn\n"
                             "    variables: [w, Apre]\n"
                             "    synapses: [0, 5, 7]\n"
                             "    every: 1 ms\n"
                             "  by_pair: {type: state, connection: syn, variables: w, "
                             "pairs: [[0, 1], [3, 9]]}\n");
    ASSERT_EQ(net.state_monitors.size(), 2u);
    const StateMonitorSpec& a = net.state_monitors[0];
    EXPECT_EQ(a.group.group, "syn");
    EXPECT_EQ(a.variables, (std::vector<std::string>{"w", "Apre"}));
    EXPECT_EQ(a.synapses, (std::vector<std::int64_t>{0, 5, 7}));
    EXPECT_TRUE(a.pairs.empty());
    EXPECT_EQ(a.every.text, "1 ms");
    EXPECT_EQ(a.origin.line, 14);  // a block mapping starts at its first key
    const StateMonitorSpec& b = net.state_monitors[1];
    EXPECT_EQ(b.variables, (std::vector<std::string>{"w"}));
    EXPECT_EQ(b.pairs, (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 1}, {3, 9}}));
}

TEST(YamlSynapses, BadSynapseMonitorsAreLocatedWithTheFix) {
    const auto error = [&](const std::string& monitor) {
        return config_error(k_head + k_monitored + monitor);
    };
    EXPECT_TRUE(contains(error("  m: {type: state, group: syn, variables: w}\n"),
                         "net.yaml:13:27: monitors.m.group: 'syn' is a connection; record its "
                         "synapses with connection: syn"));
    EXPECT_TRUE(contains(error("  m: {type: state, connection: sin, variables: w}\n"),
                         "monitors.m.connection: no connection named 'sin'; did you mean 'syn'?"));
    EXPECT_TRUE(contains(error("  m: {type: state, connection: neurons, variables: w}\n"),
                         "'neurons' is a neuron group, not a connection; record neurons with "
                         "group: neurons"));
    EXPECT_TRUE(contains(error("  m: {type: state, connection: syn, variables: w, indices: [0]}\n"),
                         "monitors.m.indices: indices select neurons; choose synapses with "
                         "synapses: [0, 5]"));
    EXPECT_TRUE(contains(error("  m: {type: state, group: neurons, variables: v, synapses: [0]}\n"),
                         "monitors.m.synapses: synapses selects synapses of a connection; write "
                         "connection: NAME instead of group"));
    EXPECT_TRUE(contains(error("  m: {type: state, connection: syn, variables: w, "
                               "pairs: [[4, 0]]}\n"),
                         "monitors.m.pairs[0][0]: pre index 4 is out of range for 'stim' (4 "
                         "sources)"));
    EXPECT_TRUE(contains(error("  m: {type: state, connection: syn, variables: w, "
                               "synapses: [1], pairs: [[0, 0]]}\n"),
                         "give either synapses (synapse indices) or pairs, not both"));
    EXPECT_TRUE(contains(error("  m: {type: synapse, connection: syn}\n"),
                         "unknown monitor type 'synapse'; did you mean 'synapses'?"));
    EXPECT_TRUE(contains(error("  m: {type: synapses, connection: syn, variable: w}\n"),
                         "monitors.m.variable: unknown key 'variable'; did you mean "
                         "'variables'?"));
}

TEST(YamlSynapses, FinalSynapseStateNamesTheConnectionAndVariables) {
    const Network net = load(k_monitored, "  final: {type: synapses, connection: syn}\n"
                                          "  weights: {type: synapses, connection: syn, "
                                          "variables: [w]}\n");
    ASSERT_EQ(net.synapse_states.size(), 2u);
    EXPECT_EQ(net.synapse_states[0].name, "final");
    EXPECT_EQ(net.synapse_states[0].connection, "syn");
    EXPECT_TRUE(net.synapse_states[0].variables.empty());  // every variable
    EXPECT_EQ(net.synapse_states[0].origin.line, 13);
    EXPECT_EQ(net.synapse_states[1].variables, (std::vector<std::string>{"w"}));
}

TEST(YamlSynapses, SongConfigLoadsAndItsRuleExpands) {
    const Network net = load_network(SPIKEGRAPH_SOURCE_DIR "/configs/stdp_song2000.yaml");
    EXPECT_DOUBLE_EQ(net.settings.duration_ms, 100000.0);
    ASSERT_EQ(net.connections.size(), 1u);
    const Connection& c = net.connections.front();
    EXPECT_EQ(c.plasticity, "stdp_additive");
    EXPECT_EQ(c.target, "ge");
    EXPECT_EQ(c.weight.text, "rand() * 0.01");
    EXPECT_EQ(c.plasticity_parameters.at("wmax").text, "0.01");
    EXPECT_EQ(c.plasticity_parameters.at("dApost").text, "-0.000105");
    const Connection e = expand_plasticity(c);
    EXPECT_TRUE(contains(e.model.text, "w : 1\n"));
    EXPECT_EQ(parse_statements(e.on_pre.text, e.on_pre.origin).front().target, "ge");
    ASSERT_EQ(net.poisson_inputs.size(), 1u);
    EXPECT_EQ(net.poisson_inputs.front().size, 1000u);
    const auto model = net.models.find("song_lif");
    ASSERT_NE(model, net.models.end());
    EXPECT_EQ(parse_equations(model->second.equations, model->second.equations_origin).odes.size(),
              2u);
    ASSERT_EQ(net.synapse_states.size(), 1u);
    EXPECT_EQ(net.synapse_states.front().connection, "stdp");
    ASSERT_EQ(net.state_monitors.size(), 1u);
    EXPECT_EQ(net.state_monitors.front().synapses, (std::vector<std::int64_t>{0, 1}));
    ASSERT_EQ(net.spike_monitors.size(), 1u);
}

}  // namespace
}  // namespace spikegraph
