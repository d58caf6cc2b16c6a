// The `spikegraph` program given a bad config: for every kind of mistake, `validate` and `run`
// fail with one located line on stderr, a non-zero exit code, and no output written.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/cli_test.hpp"

namespace spikegraph {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;

struct BadConfig {
    std::string name;
    std::string yaml;     // empty: the file does not exist
    int line = 0;         // where the message must point (0: no location)
    int column = 0;
    std::string message;  // a part of the message that identifies the kind of mistake
};

const char* const k_group = "groups:\n  neurons: {size: 10, model: lif}\n";
// Appended to configs that have a group `neurons`, so that a run that wrongly got past the
// check would write something.
const char* const k_monitor = "monitors:\n  spikes: {type: spike, group: neurons}\n";

std::string with_monitor(const std::string& yaml) { return yaml + k_monitor; }

const char* const k_model_head =
    "models:\n"
    "  m:\n"
    "    equations: |\n";

std::vector<BadConfig> bad_configs() {
    return {
        {"WrongUnit", with_monitor("simulation:\n  dt: 20 mV\n" + std::string(k_group)), 2, 7,
         "simulation.dt: expected a time"},
        {"UnknownKey",
         with_monitor("groups:\n  neurons:\n    size: 10\n    modle: lif\n"), 4, 5,
         "unknown key 'modle'; did you mean 'model'?"},
        {"MissingField", "groups:\n  neurons:\n    model: lif\n", 3, 5, "missing field 'size'"},
        {"DtNotPositive", with_monitor("simulation:\n  dt: -1 ms\n" + std::string(k_group)), 2, 7,
         "simulation.dt: expected a positive time"},
        {"DurationNotPositive",
         with_monitor("simulation:\n  dt: 0.1 ms\n  duration: 0 s\n" + std::string(k_group)), 3,
         13, "simulation.duration: expected a positive time"},
        {"DelayNotAMultipleOfDt",
         with_monitor(std::string(k_group) +
                      "connections:\n  rec:\n    pre: neurons\n    post: neurons\n"
                      "    target: I\n    weight: 1 pA\n    delay: 0.25 ms\n"),
         9, 12, "is not a multiple of dt = 0.1 ms"},
        {"IndexOutOfRange",
         with_monitor("groups:\n  neurons: {size: 4000, model: lif}\nconnections:\n  exc:\n"
                      "    pre: neurons[0:5000]\n    post: neurons\n    target: I\n"
                      "    weight: 1 pA\n"),
         5, 10, "index 5000 is out of range for group 'neurons' (4000 neurons)"},
        {"MismatchedSizes",
         with_monitor(std::string(k_group) +
                      "inputs:\n  stim:\n    type: spike_times\n    size: 3\n"
                      "    indices: [0, 2, 1]\n    times: [1 ms, 2.5 ms]\n"),
         8, 12, "mismatched sizes"},
        {"DanglingReference",
         with_monitor(std::string(k_group) +
                      "connections:\n  c:\n    pre: neurons\n    post: neuronz\n"
                      "    target: I\n    weight: 1 pA\n"),
         6, 11, "no group named 'neuronz'; did you mean 'neurons'?"},
        {"UnknownModel", with_monitor("groups:\n  neurons:\n    size: 10\n    model: lf\n"), 4, 12,
         "unknown model 'lf'"},
        {"YamlSyntaxError", "simulation:\n  dt: [0.1 ms\ngroups: {}\n", 3, 0,
         "end of sequence flow not found"},
        {"MissingFile", "", 0, 0, "cannot open config"},
        {"EquationUnitMismatch",
         with_monitor(std::string(k_model_head) +
                      "      dv/dt = (El - v) / taum + 1 mV : volt\n"
                      "      El : volt (shared)\n"
                      "      taum : second (shared)\n"
                      "    threshold: v > -50 mV\n"
                      "    reset: v = -60 mV\n"
                      "    parameters: {El: -49 mV, taum: 20 ms}\n"
                      "groups:\n  neurons: {size: 10, model: m}\n"),
         4, 31, "models.m.equations: cannot add volt/second and volt"},
        {"UnknownParameter",
         with_monitor("groups:\n  neurons:\n    size: 10\n    model: lif\n    parameters:\n"
                      "      tau_x: 10 ms\n"),
         6, 14, "model 'lif' has no parameter 'tau_x' (did you mean 'tau_m'?)"},
        {"ParameterOfTheWrongDimension",
         with_monitor("groups:\n  neurons:\n    size: 10\n    model: lif\n    parameters:\n"
                      "      tau_m: 10 mV\n"),
         6, 14, "groups.neurons.parameters.tau_m: expected a value in second"},
        {"ThresholdNotACondition",
         with_monitor(std::string(k_model_head) +
                      "      dv/dt = (El - v) / taum : volt\n"
                      "      El : volt (shared)\n"
                      "      taum : second (shared)\n"
                      "    threshold: v + 1 mV\n"
                      "    reset: v = -60 mV\n"
                      "    parameters: {El: -49 mV, taum: 20 ms}\n"
                      "groups:\n  neurons: {size: 10, model: m}\n"),
         7, 16, "the threshold must be a condition"},
    };
}

class CliBadConfig : public Cli, public ::testing::WithParamInterface<BadConfig> {
protected:
    // Writes the config (unless the case is a missing file) and returns its path.
    fs::path config() const {
        const fs::path path = tmp_ / "net.yaml";
        if (!GetParam().yaml.empty()) write_text(path, GetParam().yaml);
        return path;
    }

    // One line: "spikegraph: error: FILE:LINE:COLUMN: ..." with the case's message.
    void expect_located_error(const CliResult& r, const fs::path& file) const {
        const BadConfig& c = GetParam();
        ASSERT_TRUE(is_one_line_error(r));
        const std::string& line = r.err;
        EXPECT_TRUE(contains(line, c.message));
        if (c.line == 0) {
            EXPECT_EQ(line.rfind(k_error_prefix + c.message + " '" + file.string() + "'", 0), 0u)
                << line;
            return;
        }
        const std::string head = k_error_prefix + file.string() + ":" + std::to_string(c.line) + ":";
        ASSERT_EQ(line.rfind(head, 0), 0u) << "expected the message to start with \"" << head
                                           << "\":\n" << line;
        std::size_t pos = head.size();
        const std::size_t digits = pos;
        while (pos < line.size() && std::isdigit(static_cast<unsigned char>(line[pos]))) ++pos;
        ASSERT_GT(pos, digits) << "no column after the line number:\n" << line;
        EXPECT_EQ(line.substr(pos, 2), ": ") << line;
        if (c.column > 0) {
            EXPECT_EQ(line.substr(digits, pos - digits), std::to_string(c.column)) << line;
        }
    }
};

TEST_P(CliBadConfig, ValidateFailsWithOneLocatedLine) {
    const fs::path file = config();
    const CliResult r = run({"validate", file.string()});
    expect_located_error(r, file);
    EXPECT_TRUE(r.out.empty()) << r;
}

TEST_P(CliBadConfig, RunFailsWithOneLocatedLineAndWritesNothing) {
    const fs::path file = config();
    const fs::path out = tmp_ / "out";
    // No --duration: it overrides the config's, and would hide the DurationNotPositive case.
    const CliResult r = run({"run", file.string(), "--out", out.string()});
    expect_located_error(r, file);
    EXPECT_TRUE(r.out.empty()) << r;
    EXPECT_TRUE(absent_or_empty(out));
    EXPECT_TRUE(fs::is_empty(cwd()));
}

INSTANTIATE_TEST_SUITE_P(CliConfigErrors, CliBadConfig, ::testing::ValuesIn(bad_configs()),
                         [](const ::testing::TestParamInfo<BadConfig>& info) {
                             return info.param.name;
                         });

// 5. The other commands and flags.

}  // namespace
}  // namespace spikegraph
