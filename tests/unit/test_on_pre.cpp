// On-spike statements of connections: `X += f(w)` per synapse, several targets, and the errors
// for what delivery cannot do as one add per synapse.

#include <gtest/gtest.h>

#include <string>

#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>
#include <spikegraph/simulation.hpp>

namespace spikegraph {
namespace {

// One spike at 1 ms (step 10) from `src` onto two neurons whose x and y only change by delivery.
std::string config(const std::string& connection) {
    return R"(
simulation: {dt: 0.1 ms, duration: 5 ms}
models:
  m:
    equations: |
      dx/dt = 0 * mV / ms : volt
      dy/dt = 0 * mV / ms : volt
      scale : 1 (shared)
    parameters: {scale: 3}
groups:
  post: {size: 2, model: m}
inputs:
  src: {type: spike_times, size: 1, indices: [0], times: [1 ms]}
connections:
  c: )" + connection + "\n";
}

std::vector<double> run_and_read(const std::string& yaml, const std::string& var) {
    Simulation sim(load_network_from_string(yaml, "net.yaml"));
    sim.run(5.0);
    return sim.read(var);
}

TEST(OnPre, AddsAFunctionOfTheWeightAndSharedParameters) {
    const auto yaml = config("{pre: src, post: post, on_pre: \"x += w * scale\", weight: 2 mV, "
                             "connectivity: {rule: all_to_all}}");
    const auto x = run_and_read(yaml, "post.x");
    ASSERT_EQ(x.size(), 2u);
    EXPECT_DOUBLE_EQ(x[0], 6.0);  // 2 mV * scale 3, exact in binary
    EXPECT_DOUBLE_EQ(x[1], 6.0);
}

TEST(OnPre, SeveralStatementsActOnSeveralTargets) {
    // one_to_one needs equal sizes: the source has 1 neuron, so the post side is post[0:1].
    const auto fixed = config("{pre: src, post: \"post[0:1]\", on_pre: \"x += w; y -= 2 * w\", "
                              "weight: 1.5 mV, connectivity: {rule: one_to_one}}");
    Simulation sim(load_network_from_string(fixed, "net.yaml"));
    sim.run(5.0);
    EXPECT_EQ(sim.read("post.x"), (std::vector<double>{1.5, 0.0}));
    EXPECT_EQ(sim.read("post.y"), (std::vector<double>{-3.0, 0.0}));
    EXPECT_NE(sim.schedule().find("c.deliver_y"), std::string::npos) << sim.schedule();
}

TEST(OnPre, PerSynapseWeightsAreTransformedPerSynapse) {
    const auto yaml = config("{pre: src, post: post, on_pre: \"x += 2 * w\", "
                             "weight: \"(1 + j) * 1 mV\", connectivity: {rule: all_to_all}}");
    EXPECT_EQ(run_and_read(yaml, "post.x"), (std::vector<double>{2.0, 4.0}));
}

void expect_config_error(const std::string& connection, const std::string& needle) {
    try {
        Simulation sim(load_network_from_string(config(connection), "net.yaml"));
        FAIL() << "expected a ConfigError containing '" << needle << "'";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("net.yaml:"), std::string::npos) << e.what();
    }
}

TEST(OnPre, StatementsBeyondAddingAWeightRunPerSynapse) {
    // `x = w` and a product with a post variable need the synapse-by-synapse pathway: w is then
    // a parameter per synapse holding the weight (docs/plasticity.md).
    const auto set = config("{pre: src, post: post, on_pre: \"x = w\", weight: 1 mV}");
    EXPECT_EQ(run_and_read(set, "post.x"), (std::vector<double>{1.0, 1.0}));
    const auto scaled = config("{pre: src, post: post, on_pre: \"y += w; x += w * y / mV\", "
                               "weight: 2 mV}");
    // Per synapse, in order: y = 2, then x += 2 * 2.
    EXPECT_EQ(run_and_read(scaled, "post.x"), (std::vector<double>{4.0, 4.0}));
}

TEST(OnPre, UnsupportedStatementsAreLocatedConfigErrors) {
    expect_config_error("{pre: src, post: post, on_pre: \"x += w / ms\", weight: 1 mV}",
                        "but the value added is in");
    expect_config_error("{pre: src, post: post, on_pre: \"z += w\", weight: 1 mV}",
                        "cannot write 'z'");
    expect_config_error("{pre: src, post: post, on_pre: \"scale += w\", weight: 1 mV}",
                        "is a parameter");
    expect_config_error("{pre: src, post: post, target: x, on_pre: \"x += w\", weight: 1 mV}",
                        "either target");
}

}  // namespace
}  // namespace spikegraph
