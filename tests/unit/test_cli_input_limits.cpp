// Issue 13, "no input crashes the program", through the `spikegraph` program: inputs that used
// to overflow the stack (deep nesting, long chains, long sums) or to echo garbage back are
// refused by `validate` and `run` alike, from the config and from --set, with one short line of
// valid UTF-8 and exit code 2.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/text.hpp"
#include "tests/support/cli_test.hpp"
#include "tests/support/text_builders.hpp"

namespace spikegraph {
namespace {

using namespace cli_test;

using test_text::repeat;
using test_text::sum_of;

// A one-group model whose equation is `rhs` (dimensionless per time after `/ tau`).
std::string model_with(const std::string& rhs, const std::string& method = "euler") {
    return "simulation: {dt: 0.1 ms, duration: 1 ms}\n"
           "models:\n"
           "  m:\n"
           "    equations: |\n"
           "      dv/dt = " + rhs + " / tau : 1\n"
           "      tau : second (shared)\n"
           "    threshold: v > 1\n"
           "    reset: v = 0\n"
           "groups:\n"
           "  g: {size: 2, model: m, method: " + method + ", parameters: {tau: 10 ms}}\n";
}

// One line of at most 400 bytes of the message (plus the prefix), valid UTF-8, exit code 2.
::testing::AssertionResult clean_refusal(const CliResult& r, const std::string& part) {
    if (auto one = is_one_line_error(r); !one) return one;
    if (r.exit_code != 2) return ::testing::AssertionFailure() << "exit code " << r.exit_code;
    if (r.err.size() > 400 + 64)
        return ::testing::AssertionFailure() << r.err.size() << " bytes on stderr";
    if (!detail::is_valid_utf8(r.err)) return ::testing::AssertionFailure() << "invalid UTF-8";
    return contains(r.err, part);
}

class CliInputLimits : public Cli {
protected:
    // validate and run of `yaml`, each with `extra` arguments.
    void expect_refused(const std::string& yaml, const std::string& part,
                        const std::vector<std::string>& extra = {}) {
        write_text(cwd() / "net.yaml", yaml);
        EXPECT_TRUE(clean_refusal(run(std::vector<std::string>{"validate", "net.yaml"} + extra), part));
        EXPECT_TRUE(clean_refusal(
            run(std::vector<std::string>{"run", "net.yaml", "--out", "o", "--quiet"} + extra), part));
        EXPECT_TRUE(absent_or_empty(cwd() / "o"));
    }
};

TEST_F(CliInputLimits, DeepParenthesesInAnEquationAreRefused) {
    // The 257th '(' is at column 15 + 256 of line 5.
    expect_refused(model_with(repeat("(", 5000) + "v" + repeat(")", 5000)),
                   "net.yaml:5:271: models.m.equations: the expression is nested more than 256");
}

TEST_F(CliInputLimits, LongUnaryMinusAndPowerChainsAreRefused) {
    expect_refused(model_with(repeat("-", 10000) + "v"), "nested more than 256 levels");
    expect_refused(model_with("(" + repeat("not ", 10000) + "v)"), "nested more than 256 levels");
    expect_refused(model_with(repeat("v**", 5000) + "1"), "nested more than 256 levels");
}

TEST_F(CliInputLimits, SumOfTenThousandTermsIsRefused) {
    expect_refused(model_with("(" + sum_of("v", 10000) + ")"), "nested more than 1000 levels");
    expect_refused(model_with("(" + sum_of("v", 100000) + ")"),
                   "bytes long; the limit is 65536 bytes");
}

TEST_F(CliInputLimits, DeepExpressionsFromSetAreRefused) {
    // An initial value is an expression too; it is evaluated on the thread pool.
    const std::string yaml = model_with("-v");
    expect_refused(yaml, "--set", {"--set", "groups.g.init.v=" + repeat("(", 5000) + "1" + repeat(")", 5000)});
    expect_refused(yaml, "nested more than 256",
                   {"--set", "groups.g.init.v=" + repeat("-", 10000) + "1"});
    expect_refused(yaml, "nested more than 1000",
                   {"--set", "groups.g.init.v=" + sum_of("1", 10000)});
    expect_refused(yaml, "nested more than 256",
                   {"--set", "models.m.threshold=" + repeat("not ", 5000) + "v > 1"});
}

TEST_F(CliInputLimits, DeepestAcceptedInitialValueRunsOnTheThreadPool) {
    // About 1000 levels, 40 000 neurons: filled in parallel by the worker threads (from 32 768
    // elements on).
    write_text(cwd() / "net.yaml", model_with("-v"));
    const CliResult r = run({"run", "net.yaml", "--out", "o", "--quiet", "--threads", "4",
                             "--set", "groups.g.size=40000",
                             "--set", "groups.g.init.v=0.001*(" + sum_of("rand()", 990) + ")"});
    EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(CliInputLimits, DeepYamlNestingIsAClearError) {
    expect_refused("groups: " + repeat("[", 100000) + repeat("]", 100000) + "\n",
                   "the YAML is nested too deeply here");
    std::string block = "groups:\n";
    for (int k = 0; k < 1500; ++k) block += std::string(k + 1, ' ') + "k" + std::to_string(k) + ":\n";
    expect_refused(block, "the YAML is nested too deeply here");
    expect_refused(model_with("-v"), "nested too deeply",
                   {"--set", "groups.g.size=" + repeat("[", 100000)});
}

TEST_F(CliInputLimits, RungeKuttaOnALongRightHandSideBuildsAndRuns) {
    // 200 occurrences of v under rk4 took more than 5 GB before the stages were shared.
    write_text(cwd() / "net.yaml", model_with("-(" + sum_of("v", 200) + ")", "rk4"));
    const CliResult validated = run({"validate", "net.yaml"});
    EXPECT_EQ(validated.exit_code, 0) << validated;
    const CliResult ran = run({"run", "net.yaml", "--out", "o", "--quiet"});
    EXPECT_EQ(ran.exit_code, 0) << ran;
}

}  // namespace
}  // namespace spikegraph
