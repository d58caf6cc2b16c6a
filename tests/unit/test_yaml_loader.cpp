// The YAML loader: one test per kind of bad config, each checking the exception type and that the
// message points at the right line:column and key; then the CUBA config and --set overrides.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

// The message of the ConfigError that loading `yaml` throws; fails the test on any other outcome.
std::string config_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
    try {
        load_network_from_string(yaml, "net.yaml", overrides);
    } catch (const ConfigError& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected ConfigError, got another exception: " << e.what();
        return {};
    }
    ADD_FAILURE() << "expected ConfigError, nothing was thrown";
    return {};
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\"\n  does not contain\n\"" << part
                                         << "\"";
}

const char* const k_group = "groups:\n  neurons: {size: 10, model: lif}\n";

TEST(YamlLoader, WrongUnitNamesExpectedAndFoundDimension) {
    const std::string msg = config_error("simulation:\n"
                                         "  dt: 20 mV\n"
                                         + std::string(k_group));
    EXPECT_TRUE(contains(msg, "net.yaml:2:7: simulation.dt: expected a time"));
    EXPECT_TRUE(contains(msg, "got \"20 mV\" (a voltage)"));
}

TEST(YamlLoader, UnknownKeySuggestsTheClosestKey) {
    const std::string msg = config_error("groups:\n"
                                         "  neurons:\n"
                                         "    size: 10\n"
                                         "    modle: lif\n");
    EXPECT_TRUE(contains(msg, "net.yaml:4:5: groups.neurons.modle: unknown key 'modle'; "
                               "did you mean 'model'?"));
}

TEST(YamlLoader, UnknownKeyFarFromAnyListsTheAllowedKeys) {
    const std::string msg = config_error("simulation:\n"
                                         "  timestep: 0.1 ms\n"
                                         + std::string(k_group));
    EXPECT_TRUE(contains(msg, "net.yaml:2:3: simulation.timestep: unknown key 'timestep'; "
                               "expected one of: dt, duration,"));
}

TEST(YamlLoader, MissingFieldIsLocatedAtTheParentMapping) {
    const std::string msg = config_error("groups:\n"
                                         "  neurons:\n"
                                         "    model: lif\n");
    EXPECT_TRUE(contains(msg, "net.yaml:3:5: groups.neurons: missing field 'size' (the number "
                               "of neurons, e.g. size: 100)"));
}

TEST(YamlLoader, DtMustBePositive) {
    const std::string msg = config_error("simulation:\n"
                                         "  dt: -1 ms\n"
                                         + std::string(k_group));
    EXPECT_TRUE(contains(msg, "net.yaml:2:7: simulation.dt: expected a positive time "
                               "(e.g. \"0.1 ms\"), got \"-1 ms\""));
}

TEST(YamlLoader, DurationMustBePositive) {
    const std::string msg = config_error("simulation:\n"
                                         "  dt: 0.1 ms\n"
                                         "  duration: 0 s\n"
                                         + std::string(k_group));
    EXPECT_TRUE(contains(msg, "net.yaml:3:13: simulation.duration: expected a positive time"));
    EXPECT_TRUE(contains(msg, "got \"0 s\""));
}

TEST(YamlLoader, DelayMustBeAMultipleOfDt) {
    const std::string msg = config_error(std::string(k_group) +
                                         "connections:\n"
                                         "  rec:\n"
                                         "    pre: neurons\n"
                                         "    post: neurons\n"
                                         "    target: I\n"
                                         "    weight: 1 pA\n"
                                         "    delay: 0.25 ms\n");
    EXPECT_TRUE(contains(msg, "net.yaml:9:12: connections.rec.delay: delay 0.25 ms is not a "
                               "multiple of dt = 0.1 ms; use 0.2 ms or 0.3 ms"));
}

TEST(YamlLoader, SliceIndexOutOfRange) {
    const std::string msg = config_error("groups:\n"
                                         "  neurons: {size: 4000, model: lif}\n"
                                         "connections:\n"
                                         "  exc:\n"
                                         "    pre: neurons[0:5000]\n"
                                         "    post: neurons\n"
                                         "    target: I\n"
                                         "    weight: 1 pA\n");
    EXPECT_TRUE(contains(msg, "net.yaml:5:10: connections.exc.pre: neurons[0:5000]: index 5000 "
                               "is out of range for group 'neurons' (4000 neurons)"));
}

TEST(YamlLoader, MonitorIndexOutsideTheSlice) {
    const std::string msg = config_error(std::string(k_group) +
                                         "monitors:\n"
                                         "  trace:\n"
                                         "    type: state\n"
                                         "    group: neurons[0:5]\n"
                                         "    variables: [v]\n"
                                         "    indices: [0, 5]\n");
    EXPECT_TRUE(contains(msg, "net.yaml:8:18: monitors.trace.indices[1]: index 5 is out of "
                               "range for 'neurons[0:5]' (5 neurons)"));
}

TEST(YamlLoader, SpikeTimesWithMismatchedSizes) {
    const std::string msg = config_error(std::string(k_group) +
                                         "inputs:\n"
                                         "  stim:\n"
                                         "    type: spike_times\n"
                                         "    size: 3\n"
                                         "    indices: [0, 2, 1]\n"
                                         "    times: [1 ms, 2.5 ms]\n");
    EXPECT_TRUE(contains(msg, "net.yaml:8:12: inputs.stim.times: mismatched sizes: 'times' has "
                               "2 entries but 'indices' has 3"));
}

TEST(YamlLoader, OneToOneNeedsEqualSizes) {
    const std::string msg = config_error(std::string(k_group) +
                                         "connections:\n"
                                         "  c:\n"
                                         "    pre: neurons[0:4]\n"
                                         "    post: neurons[0:5]\n"
                                         "    target: I\n"
                                         "    weight: 1 pA\n"
                                         "    connectivity: {rule: one_to_one}\n");
    EXPECT_TRUE(contains(msg, "net.yaml:9:26: connections.c.connectivity.rule: one_to_one needs "
                               "pre and post of the same size; pre has 4 neurons, post has 5"));
}

TEST(YamlLoader, DanglingReferenceSuggestsAName) {
    const std::string msg = config_error(std::string(k_group) +
                                         "connections:\n"
                                         "  c:\n"
                                         "    pre: neurons\n"
                                         "    post: neuronz\n"
                                         "    target: I\n"
                                         "    weight: 1 pA\n");
    EXPECT_TRUE(contains(msg, "net.yaml:6:11: connections.c.post: no group named 'neuronz'; "
                               "did you mean 'neurons'?"));
}

TEST(YamlLoader, UnknownModelSuggestsALibraryModel) {
    const std::string msg = config_error("groups:\n"
                                         "  neurons:\n"
                                         "    size: 10\n"
                                         "    model: lf\n");
    EXPECT_TRUE(contains(msg, "net.yaml:4:12: groups.neurons.model: unknown model 'lf'; "
                               "did you mean 'lif'?"));
}

TEST(YamlLoader, YamlSyntaxErrorHasThePosition) {
    const std::string msg = config_error("simulation:\n"
                                         "  dt: [0.1 ms\n"
                                         "groups: {}\n");
    EXPECT_TRUE(contains(msg, "net.yaml:3:"));
    EXPECT_TRUE(contains(msg, "end of sequence flow not found"));
}

TEST(YamlLoader, MissingFileNamesTheFileAndTheReason) {
    try {
        load_network("/nonexistent/spikegraph/x.yaml");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_TRUE(contains(std::string(e.what()), "cannot open config "
                                                     "'/nonexistent/spikegraph/x.yaml': No such "
                                                     "file or directory"));
    }
}

TEST(YamlLoader, SetWithoutEqualsSign) {
    const std::string msg = config_error(k_group, {"foo"});
    EXPECT_EQ(msg, "--set 'foo': expected KEY=VALUE (e.g. --set groups.neurons.size=100)");
}

TEST(YamlLoader, SetThroughAMissingMapSuggestsAKey) {
    const std::string msg = config_error(k_group, {"groups.neuron.size=100"});
    EXPECT_TRUE(contains(msg, "--set 'groups.neuron.size=100': 'groups' has no key 'neuron'; "
                               "did you mean 'neurons'?"));
}

TEST(YamlLoader, SetValueErrorsPointAtTheArgument) {
    // "simulation.dt=" is 14 characters: the value starts in column 15 of the argument.
    const std::string msg = config_error(k_group, {"simulation.dt=5 mV"});
    EXPECT_TRUE(contains(msg, "--set:1:15: simulation.dt: expected a time"));
}

TEST(YamlLoader, NonMappingWhereAMappingIsExpected) {
    const std::string msg = config_error("groups:\n"
                                         "  - neurons\n");
    EXPECT_TRUE(contains(msg, "net.yaml:2:3: groups: expected a mapping"));
}

TEST(YamlLoader, NamesAreUniqueAcrossGroupsAndInputs) {
    const std::string msg = config_error(std::string(k_group) +
                                         "inputs:\n"
                                         "  neurons: {type: poisson, size: 5, rate: 5 Hz}\n");
    EXPECT_TRUE(contains(msg, "net.yaml:4:3: inputs.neurons: the name 'neurons' is already "
                               "used (line 2)"));
}

TEST(YamlLoader, DegreeLargerThanThePreSlice) {
    const std::string msg = config_error(std::string(k_group) +
                                         "connections:\n"
                                         "  c: {pre: 'neurons[0:3]', post: neurons, target: I, "
                                         "weight: 1 pA, connectivity: {rule: fixed_indegree, k: 4}}\n");
    EXPECT_TRUE(contains(msg, "net.yaml:4:"));
    EXPECT_TRUE(contains(msg, "connections.c.connectivity.k: k = 4 is larger than the pre slice "
                               "(3 neurons)"));
}

TEST(YamlLoader, ProbabilityOutsideZeroOne) {
    const std::string msg = config_error(std::string(k_group) +
                                         "connections:\n"
                                         "  c:\n"
                                         "    pre: neurons\n"
                                         "    post: neurons\n"
                                         "    target: I\n"
                                         "    weight: 1 pA\n"
                                         "    connectivity:\n"
                                         "      rule: fixed_probability\n"
                                         "      p: 1.5\n");
    EXPECT_TRUE(contains(msg, "net.yaml:11:10: connections.c.connectivity.p: expected a "
                               "probability between 0 and 1"));
}

TEST(YamlLoader, InputsConnectionsAndMonitorsMapToTheFrontendTypes) {
    const Network net = load_network_from_string(
        "simulation: {dt: 0.1 ms, duration: 50 ms, precision: float, batch: 2, seed: 7}\n"
        "groups:\n"
        "  neurons: {size: 10, model: lif, method: euler, parameters: {tau_m: 20 ms}}\n"
        "inputs:\n"
        "  noise: {type: poisson, size: 20, rate: 10 Hz}\n"
        "  stim: {type: spike_times, size: 3, indices: [0, 2], times: [1 ms, 2.5 ms]}\n"
        "  drive:\n"
        "    type: current\n"
        "    target: neurons[0:5]\n"
        "    value: 0.5 nA\n"
        "    steps: [{at: 10 ms, value: 1 nA}]\n"
        "connections:\n"
        "  in: {pre: noise, post: neurons, target: I, weight: 10 pA, delay: 1.5 ms,\n"
        "       connectivity: {rule: fixed_indegree, k: 5}, storage: sparse}\n"
        "  pairs: {pre: stim, post: neurons, target: I, weight: 1 pA,\n"
        "          connectivity: {rule: explicit, pairs: [[0, 1], [2, 3]]}, allow_self: false}\n"
        "monitors:\n"
        "  spikes: {type: spike, group: stim}\n"
        "  trace: {type: state, group: neurons, variables: [v, I_syn], indices: [0, 5], "
        "every: 1 ms}\n",
        "net.yaml");
    EXPECT_EQ(net.settings.precision, Precision::f32);
    EXPECT_EQ(net.settings.batch, 2u);
    EXPECT_EQ(net.settings.seed, 7u);
    ASSERT_EQ(net.groups.size(), 1u);
    EXPECT_EQ(net.groups[0].solver(), "euler");
    EXPECT_EQ(net.groups[0].parameters().at("tau_m").text, "20 ms");
    EXPECT_EQ(net.groups[0].parameters().at("tau_m").origin.key, "groups.neurons.parameters.tau_m");
    ASSERT_EQ(net.poisson_inputs.size(), 1u);
    EXPECT_EQ(net.poisson_inputs[0].size, 20u);
    ASSERT_EQ(net.spike_inputs.size(), 1u);
    EXPECT_EQ(net.spike_inputs[0].indices, (std::vector<std::int64_t>{0, 2}));
    EXPECT_EQ(net.spike_inputs[0].times_ms, (std::vector<double>{1.0, 2.5}));
    ASSERT_EQ(net.current_inputs.size(), 1u);
    EXPECT_EQ(net.current_inputs[0].target.end, 5u);
    ASSERT_EQ(net.current_inputs[0].changes.size(), 1u);
    EXPECT_EQ(net.current_inputs[0].changes[0].first.text, "10 ms");
    ASSERT_EQ(net.connections.size(), 2u);
    EXPECT_EQ(net.connections[0].connectivity.rule, Connectivity::Rule::fixed_indegree);
    EXPECT_EQ(net.connections[0].connectivity.degree, 5u);
    EXPECT_EQ(net.connections[0].storage, SynapseStorage::sparse);
    EXPECT_EQ(net.connections[0].delay.text, "1.5 ms");
    EXPECT_EQ(net.connections[0].delay_origin.line, 13);
    EXPECT_EQ(net.connections[1].connectivity.pairs.size(), 2u);
    EXPECT_FALSE(net.connections[1].connectivity.allow_self);
    ASSERT_EQ(net.spike_monitors.size(), 1u);
    EXPECT_EQ(net.spike_monitors[0].source.group, "stim");
    ASSERT_EQ(net.state_monitors.size(), 1u);
    EXPECT_EQ(net.state_monitors[0].variables, (std::vector<std::string>{"v", "I_syn"}));
    EXPECT_EQ(net.state_monitors[0].every.text, "1 ms");
}

TEST(YamlLoader, CubaConfigLoads) {
    const Network net = load_network(SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml");
    ASSERT_EQ(net.groups.size(), 1u);
    EXPECT_EQ(net.groups[0].name(), "neurons");
    EXPECT_EQ(net.groups[0].size(), 4000u);
    EXPECT_EQ(net.groups[0].solver(), "exact");
    ASSERT_EQ(net.connections.size(), 2u);
    for (const auto& c : net.connections) {
        EXPECT_EQ(c.connectivity.rule, Connectivity::Rule::fixed_probability);
        EXPECT_DOUBLE_EQ(c.connectivity.p, 0.02);
    }
    EXPECT_EQ(net.connections[0].pre.end, 3200u);
    EXPECT_EQ(net.spike_monitors.size() + net.state_monitors.size(), 1u);
    EXPECT_DOUBLE_EQ(net.settings.dt_ms, 0.1);
    EXPECT_DOUBLE_EQ(net.settings.duration_ms, 1000.0);
    ASSERT_EQ(net.models.count("cuba_lif"), 1u);
    EXPECT_EQ(net.models.at("cuba_lif").parameters.at("El").text, "-49 mV");
}

TEST(YamlLoader, BlockScalarTextStartsOnTheNextLine) {
    const Network net = load_network(SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml");
    const NeuronModel& m = net.models.at("cuba_lif");
    // `equations: |` is on line 16 of cuba.yaml; its text starts on line 17, indented by 6.
    EXPECT_EQ(m.equations_origin.line, 17);
    EXPECT_EQ(m.equations_origin.column, 7);
    EXPECT_EQ(m.equations_origin.key, "models.cuba_lif.equations");
    EXPECT_EQ(m.threshold_origin.line, 24);
    EXPECT_EQ(m.threshold_origin.column, 16);
}

TEST(YamlLoader, SetOverridesTakeEffect) {
    // CUBA's connections slice the group at 3200, so a smaller group needs smaller slices too.
    const Network net = load_network(SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml",
                                     {"groups.neurons.size=100", "simulation.dt=0.05 ms",
                                      "connections.excitatory.pre=neurons[0:80]",
                                      "connections.inhibitory.pre=neurons[80:100]"});
    EXPECT_EQ(net.groups[0].size(), 100u);
    EXPECT_DOUBLE_EQ(net.settings.dt_ms, 0.05);
    EXPECT_EQ(net.connections[0].pre.end, 80u);
    EXPECT_EQ(net.connections[0].pre.origin.file, "--set");
}

TEST(YamlLoader, SetSizeBelowAConfiguredSliceIsRejected) {
    try {
        load_network(SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml", {"groups.neurons.size=100"});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_TRUE(contains(e.what(), ":45:10: connections.excitatory.pre: neurons[0:3200]: "
                                       "index 3200 is out of range for group 'neurons' "
                                       "(100 neurons)"));
    }
}

TEST(YamlLoader, SetListValueAndNewKey) {
    const Network net = load_network_from_string(
        k_group, "net.yaml",
        {"monitors.trace={type: state, group: neurons, variables: [v]}",
         "monitors.trace.indices=[1, 2]"});
    ASSERT_EQ(net.state_monitors.size(), 1u);
    EXPECT_EQ(net.state_monitors[0].indices, (std::vector<std::int64_t>{1, 2}));
}

TEST(YamlLoader, SetValuesGetASetOrigin) {
    const Network net = load_network_from_string(
        k_group, "net.yaml", {"groups.neurons.parameters.tau_m=15 ms", "simulation.seed=3"});
    EXPECT_EQ(net.settings.seed, 3u);
    const ValueSpec& tau = net.groups[0].parameters().at("tau_m");
    EXPECT_EQ(tau.text, "15 ms");
    EXPECT_EQ(tau.origin.file, "--set");
    EXPECT_EQ(tau.origin.key, "groups.neurons.parameters.tau_m");
}

}  // namespace
}  // namespace spikegraph
