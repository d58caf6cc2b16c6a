// The command line where a new user stumbled (issue 16, item 7): --resume continues the run that
// wrote the checkpoint (to its end, with its seed), --threads above the cores says what was used,
// and the summary fits 100 columns.

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/build_status.hpp"
#include "monitors/npy_writer.hpp"
#include "tests/support/cli_test.hpp"
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>

namespace spikegraph {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& p) { return json::parse(read_text(p)); }

// A 50 ms CUBA run through the C++ API, with a checkpoint written after 10 ms (step 100) while
// the run goes on: the checkpoint records that its run was to end at step 500.
class CliResume : public ::testing::Test {
protected:
    void SetUp() override {
        Network net = load_network(k_cuba, {"simulation.duration=50ms"});
        SimulationOptions opts;
        opts.out_dir = dir_ / "whole";
        Simulation sim(net, opts);
        RunControl control;
        control.every_steps = 100;
        bool written = false;
        control.every = [&] {
            if (!written) sim.checkpoint(dir_ / "mid.ckpt");
            written = true;
        };
        sim.run_continue(50.0, control);
        sim.checkpoint(dir_ / "end.ckpt");
        sim.finish();
        fs::create_directory(dir_ / "cwd");
    }
    CliResult run(const std::vector<std::string>& args) { return run_cli(args, dir_ / "cwd"); }
    TempDir dir_;
};

// Without --duration, the resumed run ends where the original was to end; its spikes are the
// original's from the cut on, bit for bit.
TEST_F(CliResume, ContinuesToTheEndOfTheRunThatWroteTheCheckpoint) {
    const CliResult r = run({"run", k_cuba, "--resume", (dir_ / "mid.ckpt").string(), "--out",
                             (dir_ / "rest").string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r;
    const json run_info = read_json(dir_ / "rest" / "manifest.json")["run"];
    EXPECT_DOUBLE_EQ(run_info["start_ms"].get<double>(), 10.0);
    EXPECT_DOUBLE_EQ(run_info["t_end_ms"].get<double>(), 50.0);
    const auto whole_t = read_npy(dir_ / "whole" / "spikes.t.npy").as<double>();
    const auto whole_i = read_npy(dir_ / "whole" / "spikes.i.npy").as<std::int64_t>();
    const auto rest_t = read_npy(dir_ / "rest" / "spikes.t.npy").as<double>();
    const auto rest_i = read_npy(dir_ / "rest" / "spikes.i.npy").as<std::int64_t>();
    const auto cut = std::lower_bound(whole_t.begin(), whole_t.end(), 10.0) - whole_t.begin();
    ASSERT_GT(rest_t.size(), 100u);  // CUBA fires about 2000 spikes in 40 ms
    EXPECT_EQ(std::vector<double>(whole_t.begin() + cut, whole_t.end()), rest_t);
    EXPECT_EQ(std::vector<std::int64_t>(whole_i.begin() + cut, whole_i.end()), rest_i);
}

TEST_F(CliResume, DurationStillSaysHowMuchMore) {
    const CliResult r = run({"run", k_cuba, "--resume", (dir_ / "mid.ckpt").string(), "--out",
                             (dir_ / "rest").string(), "--quiet", "--duration", "5ms"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_DOUBLE_EQ(read_json(dir_ / "rest" / "manifest.json")["run"]["t_end_ms"].get<double>(), 15.0);
}

// The seed comes from the checkpoint (the config's may differ); a --seed that disagrees is one
// line naming both, and nothing is written.
TEST_F(CliResume, TakesTheSeedOfTheCheckpointAndRefusesAnother) {
    const fs::path out = dir_ / "rest";
    const CliResult other = run({"run", k_cuba, "--resume", (dir_ / "mid.ckpt").string(),
                                 "--out", out.string(), "--seed", "7"});
    EXPECT_TRUE(is_one_line_error(other));
    EXPECT_TRUE(contains(other.err, "--seed 7 disagrees with the seed of checkpoint")) << other;
    EXPECT_TRUE(absent_or_empty(out));
    const CliResult same = run({"run", k_cuba, "--resume", (dir_ / "mid.ckpt").string(),
                                "--out", out.string(), "--seed", "1", "--quiet"});
    EXPECT_EQ(same.exit_code, 0) << same;
    const CliResult config_seed = run({"run", k_cuba, "--set", "simulation.seed=9", "--resume",
                                       (dir_ / "mid.ckpt").string(), "--out",
                                       (dir_ / "rest9").string(), "--quiet"});
    EXPECT_EQ(config_seed.exit_code, 0) << config_seed;
    EXPECT_EQ(read_json(dir_ / "rest9" / "stats.json")["seed"].get<std::uint64_t>(), 1u);
}

TEST_F(CliResume, ACheckpointAtTheEndOfItsRunNeedsADuration) {
    const fs::path out = dir_ / "more";
    const CliResult r = run({"run", k_cuba, "--resume", (dir_ / "end.ckpt").string(), "--out",
                             out.string()});
    EXPECT_TRUE(is_one_line_error(r));
    EXPECT_TRUE(contains(r.err, "was written at the end of its run (t = 50 ms); give --duration"))
        << r;
    EXPECT_TRUE(absent_or_empty(out));
}

// More threads than cores: the threads used are the cores, said in the summary and stats.json,
// and TBB's own warning never reaches the user.
TEST(CliThreads, MoreThanTheCoresAreReportedAsTheThreadsUsed) {
    TempDir dir;
    const int cores = available_cores();
    const CliResult r = run_cli({"run", k_cuba, "--duration", "2ms", "--threads", "1024",
                                 "--out", (dir / "o").string()}, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_FALSE(contains(r.err, "TBB")) << r;
    const json stats = read_json(dir / "o" / "stats.json");
    EXPECT_EQ(stats["threads"].get<int>(), std::min(cores, 1024));
    EXPECT_EQ(stats["threads_requested"].get<int>(), 1024);
    EXPECT_EQ(stats["cores_available"].get<int>(), cores);
    EXPECT_TRUE(contains(r.out, "(1024 asked; ")) << r;
}

// Every line of the summary but the paths fits 100 columns, with a long group name and the
// per-op table of --profile.
TEST(CliSummary, FitsOneHundredColumns) {
    TempDir dir;
    const std::string name = "a_population_with_a_rather_long_name_for_a_summary_table";
    write_text(dir / "long.yaml",
               "simulation: {dt: 0.1 ms, duration: 2 ms}\ngroups:\n  " + name +
                   ": {size: 10, model: lif}\nmonitors:\n  s: {type: spike, group: " +
                   name + "}\n");
    const CliResult r = run_cli({"run", "long.yaml", "--profile", "--out", "o"}, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r;
    std::size_t checked = 0;
    for (const std::string& line : lines_of(r.out)) {
        if (line.rfind("  output:", 0) == 0) continue;
        EXPECT_LE(line.size(), 100u) << line;
        ++checked;
    }
    EXPECT_GE(checked, 5u) << r;
    EXPECT_TRUE(contains(r.out, "a_population_with_a_r...")) << r;
}

}  // namespace
}  // namespace spikegraph
