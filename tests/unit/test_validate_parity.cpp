// `validate` refuses everything `run` refuses for the same config and flags, with the same
// message (issue 13, item 8): a table of configs that run used to refuse only after validate had
// called them valid (a monitor listing a variable twice, a delay that does not fit its steps,
// an unknown backend, a run too long to count in steps, ...) or that neither refused in time
// (networks far larger than the memory).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "tests/support/cli_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

using testing_support::CliOutcome;
using testing_support::TempDir;

struct BadConfig {
    const char* name;
    const char* yaml;                // after the `simulation:` section
    std::vector<std::string> flags;  // given to both commands
    const char* expected;            // a part of the message
};

const char* const k_simulation = "simulation:\n  dt: 0.1 ms\n  duration: 2 ms\n";

const char* const k_group = R"(groups:
  n:
    size: 10
    model: lif
)";

std::string with_group(const std::string& rest) { return std::string(k_group) + rest; }

// A model with 64 per-neuron state variables: one more than a group's update can bind.
std::string wide_model() {
    std::string eq;
    for (int k = 0; k < 64; ++k) eq += "      dx" + std::to_string(k) + "/dt = -x" +
                                       std::to_string(k) + " / (10*ms) : 1\n";
    return "models:\n  wide:\n    equations: |\n" + eq +
           "    threshold: x0 > 1\n    reset: x0 = 0\ngroups:\n  n:\n    size: 10\n    model: wide\n";
}

// A LIF group of `n` neurons connected to itself, with `more` keys for the connection.
std::string lif_to_itself(std::size_t n, const std::string& more) {
    return "groups:\n  n:\n    size: " + std::to_string(n) +
           "\n    model: lif\nconnections:\n  ee:\n    pre: n\n    post: n\n    target: I_syn\n"
           "    weight: 0.1 nA\n" + more;
}

std::vector<BadConfig> bad_configs() {
    static const std::string twice = with_group(R"(monitors:
  m:
    type: state
    group: n
    variables: [v, v]
)");
    static const std::string clash = R"(models:
  m:
    equations: |
      dv/dt = -v / (10*ms) : 1
      index : 1
    threshold: v > 1
    reset: v = 0
groups:
  n:
    size: 10
    model: m
    parameters:
      index: 1
monitors:
  st:
    type: state
    group: n
    variables: [v, index]
)";
    static const std::string nan_delay = with_group(R"(connections:
  ee:
    pre: n
    post: n
    target: I_syn
    weight: 0.1 nA
    delay: (rand() - 2) ** 0.5 * 1 ms
)");
    static const std::string delay_steps = with_group(R"(connections:
  ee:
    pre: n[0:3]
    post: n[0:3]
    target: I_syn
    weight: 0.1 nA
    delay: i * 10000000 s
    connectivity: {rule: one_to_one}
)");
    static const std::string huge_group = R"(groups:
  n:
    size: 10000000000000
    model: lif
)";
    static const std::string all_to_all = lif_to_itself(100000, "");
    static const std::string typo_delay = lif_to_itself(
        3200, "    delay: 10 s\n    connectivity: {rule: fixed_probability, p: 0.02}\n");
    static const std::string wide = wide_model();
    return {
        {"variable_listed_twice", twice.c_str(), {}, "variable 'v' is listed twice"},
        {"variable_named_like_a_monitor_file", clash.c_str(), {}, "clashes with the monitor's own 'index' file"},
        {"nan_per_synapse_delay", nan_delay.c_str(), {}, "every value must be a finite number"},
        {"delay_steps_beyond_i32", delay_steps.c_str(), {"--max-memory", "1000TiB"}, "the longest delay is 2147483647 steps"},
        {"group_of_1e13_neurons", huge_group.c_str(), {}, "is more than the largest group, 2147483647"},
        {"all_to_all_1e5_by_1e5", all_to_all.c_str(), {}, "(1e10 expected synapses x 12 bytes)"},
        {"delay_ring_over_the_limit", typo_delay.c_str(), {"--max-memory", "512MiB"}, "delay ring of 'ee' 1.2 GiB"},
        {"too_many_per_neuron_variables", wide.c_str(), {}, "at most 63 are supported"},
        {"unknown_backend", k_group, {"--backend", "tpu"}, "tpu"},
        {"duration_beyond_the_step_counter", k_group, {"--duration", "1e300s"}, "the longest duration is 4611686018427387904 steps"},
        {"bad_max_memory", k_group, {"--max-memory", "4XB"}, "--max-memory '4XB'"},
        {"bad_seed", k_group, {"--seed", "-3"}, "--seed '-3'"},
    };
}

void PrintTo(const BadConfig& c, std::ostream* os) { *os << c.name; }

class ValidateParity : public ::testing::TestWithParam<BadConfig> {};

CliOutcome command(const std::string& cmd, const std::filesystem::path& config,
                   const std::vector<std::string>& flags, const TempDir& dir) {
    std::vector<std::string> args{cmd, config.string()};
    if (cmd == "run") args.insert(args.end(), {"--quiet", "--out", (dir / "out").string()});
    args.insert(args.end(), flags.begin(), flags.end());
    const auto capture = dir / cmd;
    std::filesystem::create_directories(capture);
    return testing_support::run_cli(args, dir.path(), capture);
}

TEST_P(ValidateParity, ValidateRefusesWhatRunRefusesWithTheSameMessage) {
    const BadConfig& c = GetParam();
    TempDir dir("parity", true);
    const auto config = dir / "net.yaml";
    std::ofstream(config) << k_simulation << c.yaml;
    const CliOutcome run = command("run", config, c.flags, dir);
    const CliOutcome validate = command("validate", config, c.flags, dir);
    EXPECT_NE(run.exit_code, 0) << run;
    EXPECT_EQ(run.signal, 0) << run;
    EXPECT_NE(run.err.find(c.expected), std::string::npos) << run;
    EXPECT_EQ(validate.exit_code, run.exit_code) << validate;
    EXPECT_EQ(validate.err, run.err);
    EXPECT_EQ(validate.out, "");
    EXPECT_FALSE(std::filesystem::exists(dir / "out")) << "a refused run writes nothing";
}

INSTANTIATE_TEST_SUITE_P(BadConfigs, ValidateParity, ::testing::ValuesIn(bad_configs()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace spikegraph
