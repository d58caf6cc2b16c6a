// Connectivity by expression (Brian's `connect(condition=..., p=...)`): conditions of i, j and
// pre/post variables, distance-dependent probabilities, determinism over seeds and threads, and
// the located errors.

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "builder/builder.hpp"
#include "tests/support/build_errors.hpp"

namespace spikegraph {
namespace {

using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;

// Neurons on a line, 10 um apart (x = i * 10 um), as a per-neuron parameter of a user model.
std::string placed(std::size_t n, const std::string& connectivity, std::uint64_t seed = 1) {
    return "simulation: {seed: " + std::to_string(seed) + "}\n" +
           "parameters:\n  sigma: 50 um\n  spacing: 10 um\n"
           "models:\n  placed:\n    equations: |\n      dv/dt = -v / (10 ms) : volt\n"
           "      x : metre\n"
           "groups:\n  n: {size: " + std::to_string(n) + ", model: placed, parameters: "
           "{x: i * spacing}}\n"
           "connections:\n  c:\n    pre: n\n    post: n\n    target: v\n    weight: 1 mV\n"
           "    storage: sparse\n    connectivity: " + connectivity + "\n";
}

// The (i, j) pairs of sparse connection `c`, from the plan's CSR arrays.
Pairs synapses(const BuildResult& r, const std::string& c = "c") {
    const VariableSpec* indptr = r.plan.find_variable(c + ".indptr");
    const VariableSpec* indices = r.plan.find_variable(c + ".indices");
    Pairs out;
    if (!indptr || !indices) {
        ADD_FAILURE() << "connection " << c << " has no CSR arrays";
        return out;
    }
    const auto& p = *indptr->init.data;
    const auto& j = *indices->init.data;
    for (std::size_t row = 0; row + 1 < p.size(); ++row)
        for (auto k = static_cast<std::size_t>(p[row]); k < static_cast<std::size_t>(p[row + 1]); ++k)
            out.emplace_back(static_cast<std::int64_t>(row), static_cast<std::int64_t>(j[k]));
    return out;
}

BuildResult build_yaml(const std::string& yaml) {
    return build(load_network_from_string(yaml, "net.yaml"));
}

using test_build::config_error;
using test_build::contains;

TEST(ConnectivityExpr, ConditionIExcludesSelfConnectionsAndKeepsEveryOtherPair) {
    const Pairs s = synapses(build_yaml(placed(30, "{rule: all_to_all, condition: i != j}")));
    EXPECT_EQ(s.size(), 30u * 29u);
    for (const auto& [i, j] : s) EXPECT_NE(i, j);
}

TEST(ConnectivityExpr, ConditionOnPrePostVariablesAndParameters) {
    // |x_pre - x_post| < 25 um: neighbours at most 2 apart, self excluded by the second clause.
    const Pairs s = synapses(build_yaml(
        placed(20, "{rule: all_to_all, condition: 'abs(x_pre - x_post) < 2.5 * spacing and i != j'}")));
    std::size_t expected = 0;
    for (int i = 0; i < 20; ++i)
        for (int j = 0; j < 20; ++j) expected += (i != j && std::abs(i - j) <= 2) ? 1 : 0;
    EXPECT_EQ(s.size(), expected);
    for (const auto& [i, j] : s) EXPECT_LE(std::abs(i - j), 2);
}

// The number of synapses is a sum of independent Bernoulli draws: mean sum p_ij, variance
// sum p_ij (1 - p_ij). Five standard deviations make a false failure rarer than 1e-6.
TEST(ConnectivityExpr, DistanceDependentProbabilityGivesTheExpectedCount) {
    const std::size_t n = 200;
    const Pairs s = synapses(build_yaml(
        placed(n, "{rule: fixed_probability, p: 'exp(-(x_pre - x_post)**2 / (2 * sigma**2))'}")));
    double mean = 0, var = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            const double d = (static_cast<double>(i) - static_cast<double>(j)) * 10.0;
            const double p = std::exp(-d * d / (2 * 50.0 * 50.0));
            mean += p;
            var += p * (1 - p);
        }
    EXPECT_NEAR(static_cast<double>(s.size()), mean, 5 * std::sqrt(var));
    // Distant pairs (p < exp(-32) at 40 sigma... far beyond 8 sigma = 400 um) never connect.
    for (const auto& [i, j] : s) EXPECT_LT(std::abs(i - j) * 10, 400) << i << " " << j;
}

TEST(ConnectivityExpr, ConstantProbabilityWithConditionCountsWithinTolerance) {
    // p = 0.2 over the 100 * 99 pairs with i != j: mean 1980, sd sqrt(1980 * 0.8) = 39.8.
    const Pairs s = synapses(build_yaml(
        placed(100, "{rule: fixed_probability, p: 0.2, condition: i != j}")));
    EXPECT_NEAR(static_cast<double>(s.size()), 1980.0, 5 * 39.8);
    for (const auto& [i, j] : s) EXPECT_NE(i, j);
}

TEST(ConnectivityExpr, SameSeedSameSynapsesOtherSeedOthers) {
    const std::string rule = "{rule: fixed_probability, p: 'exp(-(x_pre - x_post)**2 / (2 * sigma**2))'}";
    const Pairs a = synapses(build_yaml(placed(100, rule, 7)));
    const Pairs b = synapses(build_yaml(placed(100, rule, 7)));
    const Pairs c = synapses(build_yaml(placed(100, rule, 8)));
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST(ConnectivityExpr, ThreadCountDoesNotChangeTheSynapses) {
    const std::string yaml =
        placed(300, "{rule: fixed_probability, p: 'exp(-(x_pre - x_post)**2 / (2 * sigma**2))', "
                    "condition: i != j}");
    Pairs one, four;
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
        one = synapses(build_yaml(yaml));
    }
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 4);
        four = synapses(build_yaml(yaml));
    }
    EXPECT_EQ(one, four);
    EXPECT_FALSE(one.empty());
}

TEST(ConnectivityExpr, ConditionThatIsNotBooleanIsLocated) {
    const std::string e = config_error(placed(5, "{rule: all_to_all, condition: i + j}"));
    EXPECT_TRUE(contains(e, "net.yaml:19:49: connections.c.connectivity.condition:")) << e;
    EXPECT_TRUE(contains(e, "is not true or false"));
}

TEST(ConnectivityExpr, ProbabilityOutsideTheUnitIntervalNamesThePair) {
    std::string e = config_error(placed(5, "{rule: fixed_probability, p: '1 + i * 0.5'}"));
    EXPECT_TRUE(contains(e, "connections.c.connectivity.p:")) << e;
    EXPECT_TRUE(contains(e, "is 1.5 for the pair i = 1, j = 0")) << e;
    e = config_error(placed(5, "{rule: fixed_probability, p: '2 * sigma / spacing'}"));
    EXPECT_TRUE(contains(e, "p = 10")) << e;
    e = config_error(placed(5, "{rule: fixed_probability, p: x_pre}"));
    EXPECT_TRUE(contains(e, "expected a dimensionless number")) << e;
}

TEST(ConnectivityExpr, UnknownVariableSuggestsTheSuffixedName) {
    const std::string e = config_error(placed(5, "{rule: all_to_all, condition: x_pr > 0 um}"));
    EXPECT_TRUE(contains(e, "unknown identifier 'x_pr'")) << e;
    EXPECT_TRUE(contains(e, "did you mean 'x_pre'?"));
}

TEST(ConnectivityExpr, RandomFunctionsAreRefused) {
    const std::string e =
        config_error(placed(5, "{rule: fixed_probability, p: 'rand() * 0.5'}"));
    EXPECT_TRUE(contains(e, "calls a random function")) << e;
}

}  // namespace
}  // namespace spikegraph
