// Numbers are checked (issue 13): a constant that folds to NaN or Inf, or divides by zero, is a
// located error naming the expression; every time that becomes a step count is range-checked
// against a limit the message names. Through `validate` and `run` of the CLI, and the C++ API.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/finite_check.hpp"
#include "core/time_steps.hpp"
#include "frontend/expression_parser.hpp"
#include <spikegraph/spikegraph.hpp>
#include "tests/support/cli_test.hpp"

namespace spikegraph {
namespace {

using namespace cli_test;

// A one-group config; MODEL_EXTRA, GROUP_EXTRA and the parameter values are filled in.
std::string config(const std::string& el, const std::string& tau, const std::string& method,
                   const std::string& rest = "") {
    return "simulation:\n  dt: 0.1 ms\n  duration: 5 ms\n"
           "models:\n  m:\n    equations: |\n      dv/dt = (El - v) / tau : volt\n"
           "      El : volt (shared)\n      tau : second (shared)\n"
           "    threshold: v > -50 mV\n    reset: v = -60 mV\n    method: " + method + "\n"
           "    parameters:\n      El: " + el + "\n      tau: " + tau + "\n"
           "groups:\n  g:\n    size: 10\n    model: m\n    init:\n      v: -60 mV\n" + rest +
           "monitors:\n  s: {type: spike, group: g}\n";
}

struct Refused {
    std::string name;
    std::string yaml;
    std::vector<std::string> flags;
    std::string located;   // the location and key the message starts with, after the file name
    std::string message;   // a part of the message
};

std::vector<Refused> refused() {
    const std::string lif = config("-49 mV", "10 ms", "euler");
    return {
        {"ZeroOverZeroParameter", config("0 mV / 0", "10 ms", "euler"), {},
         ":14:11: models.m.parameters.El", "\"0 mV / 0\" is not a finite number"},
        {"ExpOverflowParameter", config("exp(1000) * mV", "10 ms", "euler"), {},
         ":14:11: models.m.parameters.El", "exp(1000) is inf"},
        {"DivisionByAZeroConstant", config("-49 mV / (2 - 2)", "10 ms", "euler"), {},
         ":14:11: models.m.parameters.El", "a division by zero"},
        {"NanParameter", config(".nan", "10 ms", "euler"), {}, ":14:11: models.m.parameters.El",
         ""},
        {"InfParameter", config(".inf", "10 ms", "euler"), {}, ":14:11: models.m.parameters.El",
         ""},
        {"ZeroTauUnderEuler", config("-49 mV", "0 ms", "euler"), {}, ":7:7: models.m.equations",
         "(El - v) / tau divides by tau, which is 0"},
        {"ZeroTauUnderRk2", config("-49 mV", "0 ms", "rk2"), {}, ":7:7: models.m.equations",
         "divides by tau, which is 0"},
        {"ZeroTauUnderExact", config("-49 mV", "0 ms", "exact"), {}, ":7:7: models.m.equations",
         "divides by tau, which is 0"},
        {"HugeDuration", lif, {"--duration", "1e15s"}, ":1:21: simulation.duration",
         "the longest duration is 4611686018427387904 steps"},
        {"HugeRefractory", lif, {"--set",
         "models.m.refractory=1e300 ms"}, "", "the longest refractory period is 1099511627776 steps"},
        {"HugeDelay",
         lif + "connections:\n  c: {pre: g, post: g, target: v, weight: 1 mV, delay: 1e300 ms}\n",
         {}, ":25:", "the longest delay is 2147483647 steps"},
        {"NanDelay",
         lif + "connections:\n  c: {pre: g, post: g, target: v, weight: 1 mV, delay: 0 ms / 0}\n",
         {}, ":25:", "expected a non-negative time"},
        {"HugeSpikeTime",
         lif + "inputs:\n  src: {type: spike_times, size: 1, indices: [0], times: [1e300 ms]}\n",
         {}, "", "the longest time is 4611686018427387904 steps"},
        {"NegativeSeed", lif, {"--set", "simulation.seed=-1"}, ":1:17: simulation.seed",
         "expected a non-negative integer"},
        {"FractionalSeed", lif, {"--set", "simulation.seed=1.5"}, ":1:17: simulation.seed",
         "expected a non-negative integer"},
        {"SeedAbove64Bits", lif, {"--set", "simulation.seed=18446744073709551616"},
         ":1:17: simulation.seed", "expected a non-negative integer"},
        {"ProbabilityAboveOne",
         lif + "connections:\n  c: {pre: g, post: g, target: v, weight: 1 mV, "
               "connectivity: {rule: fixed_probability, p: 1.5}}\n",
         {}, ":25:", "expected a probability between 0 and 1"},
        {"NegativeSize", lif, {"--set", "groups.g.size=-1"}, ":1:15: groups.g.size",
         "expected a positive integer"},
    };
}

class CliNumbers : public Cli, public ::testing::WithParamInterface<Refused> {};

TEST_P(CliNumbers, ValidateAndRunRefuseWithTheLocationAndWriteNothing) {
    const Refused& c = GetParam();
    const fs::path file = tmp_ / "net.yaml";
    write_text(file, c.yaml);
    for (const std::string command : {"validate", "run"}) {
        SCOPED_TRACE(command);
        std::vector<std::string> args = {command, file.string()};
        if (command == "run") args = args + std::vector<std::string>{"--out", (tmp_ / "out").string()};
        const CliResult r = run(args + c.flags);
        EXPECT_EQ(r.exit_code, 2) << r;
        EXPECT_TRUE(is_one_line_error(r));
        EXPECT_TRUE(contains(r.err, c.located));
        EXPECT_TRUE(contains(r.err, c.message));
        EXPECT_TRUE(absent_or_empty(tmp_ / "out"));
    }
}

INSTANTIATE_TEST_SUITE_P(Numbers, CliNumbers, ::testing::ValuesIn(refused()),
                         [](const ::testing::TestParamInfo<Refused>& info) {
                             return info.param.name;
                         });

TEST(Numbers, FoldingFindsTheInnermostNonFiniteSubExpression) {
    const auto parse = [](const std::string& text) { return parse_expression(text, {}); };
    EXPECT_FALSE(expr::find_non_finite(parse("1 + 2 * x")));
    const auto inf = expr::find_non_finite(parse("x + exp(1000) * 2"));
    ASSERT_TRUE(inf);
    EXPECT_EQ(expr::describe(*inf), "exp(1000) is inf");
    const auto lookup = [](const std::string& s) -> std::optional<double> {
        if (s == "tau") return 0.0;
        return std::nullopt;
    };
    const auto div = expr::find_non_finite(parse("-v / tau"), lookup);
    ASSERT_TRUE(div);
    EXPECT_EQ(expr::describe(*div), "-v / tau divides by tau, which is 0");
    // A guard that keeps the division from being used is respected.
    EXPECT_FALSE(expr::find_non_finite(parse("where(v > 0, v / tau, 0)"), lookup));
    EXPECT_FALSE(expr::find_non_finite(parse("where(tau > 0, v / tau, 0)"), lookup));
    EXPECT_TRUE(expr::find_non_finite(parse("where(tau == 0, v / tau, 0)"), lookup));
    // Random calls are not folded.
    EXPECT_FALSE(expr::find_non_finite(parse("rand() / 2")));
}

TEST(Numbers, ZeroTimeConstantIsAModelErrorThroughTheApi) {
    Network net = load_network_from_string(config("-49 mV", "0 ms", "euler"), "net.yaml");
    try {
        Simulation sim(net);
        FAIL() << "tau = 0 under euler was accepted";
    } catch (const ModelError& e) {
        EXPECT_TRUE(contains(e.what(), "divides by tau, which is 0"));
        EXPECT_TRUE(contains(e.what(), "group 'g'"));
    }
}

TEST(Numbers, ARunPastTheStepCounterLimitIsRefusedNamingTheLongestDuration) {
    Simulation sim(load_network_from_string(config("-49 mV", "10 ms", "euler"), "net.yaml"));
    sim.initial_step();
    sim.run_continue(1.0, RunControl{});
    try {
        sim.run_continue(0.1 * std::ldexp(1.0, 62), RunControl{});
        FAIL() << "a run to past step 2^62 was accepted";
    } catch (const ConfigError& e) {
        EXPECT_TRUE(contains(e.what(), "the longest duration is"));
    }
    EXPECT_THROW(sim.run_continue(1e300, RunControl{}), ConfigError);
    EXPECT_THROW(sim.run_continue(std::nan(""), RunControl{}), ConfigError);
    EXPECT_EQ(sim.steps_done(), 10);
}

TEST(Numbers, EveryStepLimitIsNamedInTheMessage) {
    EXPECT_EQ(steps_problem(0.1 * static_cast<double>(k_max_steps), 0.1), "");
    const std::string m = steps_problem(1e300, 0.1, k_max_delay_steps, "delay");
    EXPECT_TRUE(contains(m, "the longest delay is 2147483647 steps"));
    EXPECT_TRUE(contains(m, "2.14748e+08 ms"));
    EXPECT_NE(steps_problem(-1e300, 0.1), "");
    EXPECT_NE(steps_problem(std::numeric_limits<double>::infinity(), 0.1), "");
}

}  // namespace
}  // namespace spikegraph
