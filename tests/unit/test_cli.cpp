// The `spikegraph` program as a user runs it: each test starts the built binary in a fresh
// working directory, captures stdout and stderr, and checks the exit code, the messages and the
// files it writes (or, for every kind of mistake, that it writes nothing). The loader's own
// messages are tested in test_yaml_loader.cpp; here the point is what reaches the user.

#include <cmath>
#include <fstream>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/cli_test.hpp"
#include "monitors/npy_writer.hpp"
#include <spikegraph/config.hpp>

namespace spikegraph {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;
using nlohmann::json;

// 1. A CUBA run: the output directory, the manifest, stats.json and the spikes themselves.

std::string npy_descr(const std::string& manifest_dtype) {
    static const std::map<std::string, std::string> descr = {
        {"float64", "<f8"}, {"float32", "<f4"}, {"int64", "<i8"},
        {"int32", "<i4"},   {"uint8", "|u1"},   {"bool", "|b1"}};
    const auto it = descr.find(manifest_dtype);
    return it == descr.end() ? "unknown dtype '" + manifest_dtype + "'" : it->second;
}

// One 200 ms CUBA run shared by the tests of this suite (it is what they all inspect).
class CliCubaRun : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir;
        fs::create_directory(*dir_ / "cwd");
        result_ = new CliResult(
            run_cli({"run", k_cuba, "--out", out().string(), "--duration", "200ms"}, *dir_ / "cwd"));
    }
    static void TearDownTestSuite() {
        delete result_;
        delete dir_;
        result_ = nullptr;
        dir_ = nullptr;
    }
    void SetUp() override { ASSERT_EQ(result_->exit_code, 0) << *result_; }

    static fs::path out() { return *dir_ / "out"; }

    static TempDir* dir_;
    static CliResult* result_;
};

TempDir* CliCubaRun::dir_ = nullptr;
CliResult* CliCubaRun::result_ = nullptr;

TEST_F(CliCubaRun, WritesTheOutputFilesAndNothingElse) {
    EXPECT_TRUE(result_->err.empty()) << *result_;
    for (const char* name : {"manifest.json", "stats.json", "spikes.t.npy", "spikes.i.npy"})
        EXPECT_TRUE(fs::is_regular_file(out() / name)) << name;
    for (const auto& e : fs::directory_iterator(out()))
        EXPECT_NE(e.path().extension(), ".part") << "temporary file left behind: " << e.path();
    EXPECT_TRUE(fs::is_empty(*dir_ / "cwd")) << "the run wrote into its working directory";
    EXPECT_TRUE(contains(result_->out, "2000 steps"));
}

TEST_F(CliCubaRun, ManifestMatchesTheNpyHeaders) {
    const json manifest = json::parse(read_text(out() / "manifest.json"));
    EXPECT_EQ(manifest.at("format"), "spikegraph-output");
    EXPECT_EQ(manifest.at("run").at("steps"), 2000);
    const json& files = manifest.at("files");
    ASSERT_TRUE(files.is_array());
    std::vector<std::string> named;
    for (const auto& f : files) {
        const std::string name = f.at("file").get<std::string>();
        SCOPED_TRACE(name);
        named.push_back(name);
        ASSERT_TRUE(fs::is_regular_file(out() / name));
        const NpyArray a = read_npy(out() / name);
        EXPECT_EQ(a.descr, npy_descr(f.at("dtype").get<std::string>()));
        EXPECT_EQ(a.shape, f.at("shape").get<std::vector<std::size_t>>());
        EXPECT_FALSE(a.fortran_order);
        EXPECT_EQ(a.bytes.size(), a.size() * npy_item_size(a.descr));
    }
    std::sort(named.begin(), named.end());
    EXPECT_EQ(named, (std::vector<std::string>{"spikes.i.npy", "spikes.t.npy"}));
}

TEST_F(CliCubaRun, StatsHaveEveryFigure) {
    const json s = json::parse(read_text(out() / "stats.json"));
    for (const char* key : {"build_seconds", "run_seconds", "steps", "dt_ms", "duration_ms",
                            "threads", "backend", "precision", "seed", "neurons", "synapses",
                            "synaptic_events", "groups"})
        ASSERT_TRUE(s.contains(key)) << "stats.json has no '" << key << "':\n" << s.dump(2);
    EXPECT_GE(s["build_seconds"].get<double>(), 0.0);
    EXPECT_GE(s["run_seconds"].get<double>(), 0.0);
    EXPECT_EQ(s["steps"], 2000);
    EXPECT_DOUBLE_EQ(s["dt_ms"].get<double>(), 0.1);
    EXPECT_NEAR(s["duration_ms"].get<double>(), 200.0, 1e-9);
    EXPECT_EQ(s["threads"], 1);  // cuba.yaml says threads: 1
    EXPECT_EQ(s["backend"], "cpu");
    EXPECT_EQ(s["precision"], "double");
    EXPECT_EQ(s["seed"], 1);
    EXPECT_EQ(s["neurons"], 4000);
    // 4000 x 4000 candidate pairs at p = 0.02: 320000 synapses, sd ~560; +-3000 is > 5 sd.
    EXPECT_NEAR(s["synapses"].get<double>(), 320000.0, 3000.0);
    ASSERT_TRUE(s["groups"].contains("neurons")) << s.dump(2);
    const json& g = s["groups"]["neurons"];
    ASSERT_TRUE(g.contains("spikes") && g.contains("mean_rate_hz")) << g.dump(2);
    const auto spikes = g["spikes"].get<std::uint64_t>();
    EXPECT_GT(spikes, 0u);
    EXPECT_NEAR(g["mean_rate_hz"].get<double>(), static_cast<double>(spikes) / (4000 * 0.2), 1e-9);
    // Each spike reaches its neuron's ~80 targets (out-degree 4000 x 0.02).
    const double per_spike = s["synaptic_events"].get<double>() / static_cast<double>(spikes);
    EXPECT_GT(per_spike, 70.0);
    EXPECT_LT(per_spike, 90.0);
}

TEST_F(CliCubaRun, SpikesAgreeWithStatsAndLieOnTheTimeGrid) {
    const json s = json::parse(read_text(out() / "stats.json"));
    const NpyArray t_file = read_npy(out() / "spikes.t.npy");
    const NpyArray i_file = read_npy(out() / "spikes.i.npy");
    const auto t = t_file.as<double>();
    const auto i = i_file.as<std::int64_t>();
    ASSERT_EQ(t.size(), i.size());
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(i.size(), s["groups"]["neurons"]["spikes"].get<std::uint64_t>());
    const double dt = 0.1;
    for (std::size_t k = 0; k < t.size(); ++k) {
        SCOPED_TRACE("spike " + std::to_string(k));
        ASSERT_GE(t[k], 0.0);
        ASSERT_LT(t[k], 200.0);
        ASSERT_NEAR(t[k] / dt, std::round(t[k] / dt), 1e-6) << "t = " << t[k] << " ms";
        if (k > 0) {
            ASSERT_GE(t[k], t[k - 1]);
        }
        ASSERT_GE(i[k], 0);
        ASSERT_LT(i[k], 4000);
    }
}

TEST_F(CliCubaRun, NumpyLoadsEveryManifestFile) {
    if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "numpy is not importable by /usr/bin/python3; the files were checked "
                        "against the manifest with read_npy only";
    TempDir tmp;
    write_text(tmp / "check.py",
               "import json, os, sys\n"
               "import numpy as np\n"
               "d = sys.argv[1]\n"
               "m = json.load(open(os.path.join(d, 'manifest.json')))\n"
               "for f in m['files']:\n"
               "    a = np.load(os.path.join(d, f['file']), allow_pickle=False)\n"
               "    if a.dtype.name != f['dtype'] or list(a.shape) != f['shape']:\n"
               "        sys.exit('%s: numpy reads %s %s, the manifest says %s %s'\n"
               "                 % (f['file'], a.dtype.name, a.shape, f['dtype'], f['shape']))\n"
               "print('numpy loaded %d files' % len(m['files']))\n");
    const CliResult r = [&] {
        const std::string cmd = "/usr/bin/python3 " + shell_quote((tmp / "check.py").string()) +
                                " " + shell_quote(out().string()) + " >" +
                                shell_quote((tmp / "stdout").string()) + " 2>&1";
        CliResult res;
        const int status = std::system(cmd.c_str());
        res.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        res.out = read_text(tmp / "stdout");
        return res;
    }();
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(contains(r.out, "numpy loaded 2 files"));
}

// 2. Threads: the parallel path must not change a single spike.

TEST_F(Cli, OneAndTwoThreadsWriteIdenticalSpikes) {
    // 20000 neurons, so that the parallel loops split the work (CUBA's 4000 may not be enough).
    const std::vector<std::string> big = {
        "--set", "groups.neurons.size=20000",
        "--set", "connections.excitatory.pre=neurons[0:16000]",
        "--set", "connections.inhibitory.pre=neurons[16000:20000]",
        "--set", "connections.excitatory.connectivity.p=0.004",
        "--set", "connections.inhibitory.connectivity.p=0.004",
        "--duration", "100ms", "--quiet"};
    std::map<int, fs::path> outs;
    for (int threads : {1, 2}) {
        outs[threads] = tmp_ / ("threads" + std::to_string(threads));
        const CliResult r = run(std::vector<std::string>{"run", k_cuba, "--out", outs[threads].string(),
                                                         "--threads", std::to_string(threads)} +
                                big);
        ASSERT_EQ(r.exit_code, 0) << r;
        const json s = stats_of(outs[threads]);
        EXPECT_EQ(s["threads"], threads);
        EXPECT_EQ(s["neurons"], 20000);
    }
    for (const char* name : {"spikes.t.npy", "spikes.i.npy"}) {
        const std::string one = read_text(outs[1] / name), two = read_text(outs[2] / name);
        EXPECT_GT(read_npy(outs[1] / name).size(), 0u) << name << ": no spikes to compare";
        EXPECT_TRUE(one == two) << name << " differs between 1 and 2 threads (" << one.size()
                                << " and " << two.size() << " bytes)";
    }
}

TEST_F(Cli, PrefetchingDeliveryWritesIdenticalSpikes) {
    // CUBA's 320k synapses are below the size from which delivery prefetches; a threshold of 0
    // MiB forces the prefetching loop, which must deliver the same events in the same order.
    // Per-synapse weights and a uniform delay cover its other paths (weights, ring buffer).
    const std::vector<std::string> variant = {
        "--set", "connections.excitatory.weight=1.62 mV * (0.5 + rand())",
        "--set", "connections.inhibitory.delay=1 ms", "--duration", "300ms", "--quiet"};
    std::map<std::string, fs::path> outs;
    for (const std::string mode : {"default", "prefetch"}) {
        outs[mode] = tmp_ / mode;
        if (mode == "prefetch") ::setenv("SPIKEGRAPH_PREFETCH_MIN_MB", "0", 1);
        const CliResult r = run(std::vector<std::string>{"run", k_cuba, "--out", outs[mode].string()} + variant);
        ::unsetenv("SPIKEGRAPH_PREFETCH_MIN_MB");
        ASSERT_EQ(r.exit_code, 0) << r;
    }
    EXPECT_EQ(stats_of(outs["default"])["synaptic_events"], stats_of(outs["prefetch"])["synaptic_events"]);
    for (const char* name : {"spikes.t.npy", "spikes.i.npy"}) {
        EXPECT_GT(read_npy(outs["default"] / name).size(), 0u) << name << ": no spikes to compare";
        EXPECT_TRUE(read_text(outs["default"] / name) == read_text(outs["prefetch"] / name))
            << name << " differs when delivery prefetches";
    }
}

// 3. Time flags.

TEST_F(Cli, DurationAcceptsTheUsualSpellingsOfATime) {
    const std::vector<std::string> spellings = {"400ms", "0.4s", "400 ms"};
    for (std::size_t k = 0; k < spellings.size(); ++k) {
        const std::string& duration = spellings[k];
        SCOPED_TRACE("--duration '" + duration + "'");
        const fs::path out = tmp_ / ("out" + std::to_string(k));
        const CliResult r = run(std::vector<std::string>{"run", k_cuba, "--out", out.string(),
                                                         "--duration", duration, "--quiet"} +
                                small_cuba(400));
        ASSERT_EQ(r.exit_code, 0) << r;
        const json s = stats_of(out);
        EXPECT_EQ(s["steps"], 4000);
        EXPECT_NEAR(s["duration_ms"].get<double>(), 400.0, 1e-9);
    }
}

TEST_F(Cli, DtFlagSetsTheStep) {
    const fs::path out = tmp_ / "out";
    const CliResult r = run(std::vector<std::string>{"run", k_cuba, "--out", out.string(), "--dt",
                                                     "0.05ms", "--duration", "10 ms", "--quiet"} +
                            small_cuba(400));
    ASSERT_EQ(r.exit_code, 0) << r;
    const json s = stats_of(out);
    EXPECT_DOUBLE_EQ(s["dt_ms"].get<double>(), 0.05);
    EXPECT_EQ(s["steps"], 200);
}

TEST_F(Cli, TimeFlagsRejectNonTimesWithOneLineNamingTheFlag) {
    for (const auto& flag : std::vector<std::string>{"--duration", "--dt"})
        for (const auto& value : std::vector<std::string>{"400", "400 mV", "-1ms", "abc"}) {
            SCOPED_TRACE(flag + " '" + value + "'");
            const fs::path out = tmp_ / "out";
            const CliResult r = run({"run", k_cuba, "--out", out.string(), flag, value});
            EXPECT_TRUE(is_one_line_error(r));
            EXPECT_TRUE(contains(r.err, k_error_prefix + flag + " '" + value + "'"));
            EXPECT_TRUE(absent_or_empty(out));
        }
}

// A seed is taken whole over the full unsigned 64-bit range; anything else is refused, never
// clamped (CLI11 used to clamp 2^64 - 1 into 2^63 - 1 without a word).
TEST_F(Cli, SeedsUseTheFullSixtyFourBitsAndLargerOnesAreRefused) {
    const fs::path ok = tmp_ / "ok";
    const CliResult r = run({"run", k_cuba, "--out", ok.string(), "--duration", "1ms", "--quiet",
                             "--seed", "18446744073709551615"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(stats_of(ok)["seed"].get<std::uint64_t>(), 18446744073709551615ull);
    for (const std::string value : {"18446744073709551616", "99999999999999999999999", "-1", "+3",
                                    "7x", ""}) {
        SCOPED_TRACE("--seed '" + value + "'");
        const fs::path out = tmp_ / "out";
        const CliResult bad = run({"run", k_cuba, "--out", out.string(), "--seed", value});
        EXPECT_TRUE(is_one_line_error(bad));
        EXPECT_TRUE(contains(bad.err, k_error_prefix + "--seed '" + value + "'"));
        EXPECT_TRUE(absent_or_empty(out));
    }
}

// More worker threads than spikegraph supports is one line, from the flag, the config or --set,
// for run and validate alike (70000 threads used to crash the program at exit).
TEST_F(Cli, ThreadCountsAboveTheLimitAreRefusedWithOneLine) {
    const std::vector<std::vector<std::string>> asks = {
        {"--threads", "70000"}, {"--threads", "1025"}, {"--threads", "0"},
        {"--set", "simulation.threads=70000"}};
    for (const auto& ask : asks)
        for (const std::string command : {"run", "validate"}) {
            SCOPED_TRACE(command + " " + ask[0] + " " + ask[1]);
            const fs::path out = tmp_ / "out";
            std::vector<std::string> args = {command, k_cuba};
            if (command == "run") args = args + std::vector<std::string>{"--out", out.string()};
            const CliResult r = run(args + ask);
            EXPECT_TRUE(is_one_line_error(r));
            EXPECT_TRUE(contains(r.err, "1024")) << r;
            EXPECT_TRUE(absent_or_empty(out));
        }
    const CliResult ok = run({"run", k_cuba, "--out", (tmp_ / "ok").string(), "--duration", "1ms",
                              "--quiet", "--threads", "1024"});
    EXPECT_EQ(ok.exit_code, 0) << ok;
}

// A zero time constant under `exact` (CUBA) made the matrix exponential loop for ever, in
// validate and run alike; it is a one-line error naming the coefficient.
TEST_F(Cli, ZeroTimeConstantUnderExactIsAnErrorNotAHang) {
    for (const std::string command : {"validate", "run"}) {
        SCOPED_TRACE(command);
        std::vector<std::string> args = {command, k_cuba, "--set",
                                         "groups.neurons.parameters.taum=0 ms"};
        if (command == "run") args = args + std::vector<std::string>{"--out", (tmp_ / "out").string()};
        const CliResult r = run(args);
        EXPECT_TRUE(is_one_line_error(r));
        EXPECT_TRUE(contains(r.err, "a division by zero: is a time constant 0?")) << r;
        EXPECT_TRUE(absent_or_empty(tmp_ / "out"));
    }
}

// 4. Bad configs: one line, located, for `validate` and `run`, and no output from `run`.

TEST_F(Cli, PrintScheduleListsTheOpsInOrderAndWritesNothing) {
    const fs::path out = tmp_ / "out";
    for (const bool with_out : {true, false}) {
        SCOPED_TRACE(with_out ? "with --out" : "without --out");
        std::vector<std::string> args = {"run", k_cuba, "--print-schedule"};
        if (with_out) args = args + std::vector<std::string>{"--out", out.string()};
        const CliResult r = run(args);
        ASSERT_EQ(r.exit_code, 0) << r;
        std::vector<std::size_t> at;
        for (const char* op : {"neurons.update", "excitatory.deliver", "neurons.reset",
                               "spikes.record"}) {
            at.push_back(r.out.find(op));
            ASSERT_NE(at.back(), std::string::npos) << op << " is not in the schedule:\n" << r.out;
        }
        EXPECT_TRUE(std::is_sorted(at.begin(), at.end())) << "ops out of order:\n" << r.out;
        EXPECT_FALSE(fs::exists(out));
        EXPECT_TRUE(fs::is_empty(cwd())) << "--print-schedule wrote into the working directory";
    }
}

TEST_F(Cli, ProfileTimesEveryOpOfTheLoopWithoutChangingTheResults) {
    const fs::path plain = tmp_ / "plain", profiled = tmp_ / "profiled";
    const CliResult a = run({"run", k_cuba, "--quiet", "--out", plain.string()});
    ASSERT_EQ(a.exit_code, 0) << a;
    const CliResult b = run({"run", k_cuba, "--profile", "--out", profiled.string()});
    ASSERT_EQ(b.exit_code, 0) << b;
    EXPECT_EQ(read_text(plain / "spikes.i.npy"), read_text(profiled / "spikes.i.npy"));
    EXPECT_FALSE(json::parse(read_text(plain / "stats.json")).contains("op_seconds"));
    const json s = json::parse(read_text(profiled / "stats.json"));
    ASSERT_TRUE(s.contains("op_seconds")) << s.dump(2);
    std::map<std::string, std::string> kinds;
    double sum = 0;
    for (const json& o : s["op_seconds"]) {
        kinds[o["op"].get<std::string>()] = o["kind"].get<std::string>();
        EXPECT_GE(o["seconds"].get<double>(), 0.0) << o.dump();
        sum += o["seconds"].get<double>();
    }
    EXPECT_EQ(kinds, (std::map<std::string, std::string>{{"neurons.update", "neuron_update"},
                                                          {"neurons.reset", "neuron_reset"},
                                                          {"excitatory.deliver", "synapse_deliver"},
                                                          {"inhibitory.deliver", "synapse_deliver"},
                                                          {"spikes.record", "spike_monitor"}}));
    // The ops run inside the timed loop: together they take part of it, never more.
    const double loop = s["run_seconds"].get<double>();
    EXPECT_GT(sum, 0.0);
    EXPECT_LE(sum, loop);
    for (const char* op : {"neurons.update", "excitatory.deliver"})
        EXPECT_NE(b.out.find(op), std::string::npos) << "the summary does not list " << op << ":\n" << b;
}

TEST_F(Cli, SeedsChangeTheSpikesAndOnlyThem) {
    const std::vector<std::string> base = {"run", k_cuba, "--duration", "100ms", "--quiet"};
    const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
        {"default", {}},
        {"default_again", {}},
        {"set_seed", {"--set", "simulation.seed=2"}},
        {"seed_flag", {"--seed", "3"}}};
    std::map<std::string, std::string> spikes;
    std::map<std::string, std::uint64_t> seed;
    for (const auto& [name, extra] : runs) {
        const fs::path out = tmp_ / name;
        const CliResult r = run(base + std::vector<std::string>{"--out", out.string()} + extra);
        ASSERT_EQ(r.exit_code, 0) << name << ": " << r;
        spikes[name] = read_text(out / "spikes.i.npy");
        seed[name] = stats_of(out)["seed"].get<std::uint64_t>();
    }
    EXPECT_EQ(seed["default"], 1u);
    EXPECT_EQ(seed["set_seed"], 2u);
    EXPECT_EQ(seed["seed_flag"], 3u);
    EXPECT_TRUE(spikes["default"] == spikes["default_again"]) << "the same seed gave other spikes";
    EXPECT_FALSE(spikes["default"] == spikes["set_seed"]) << "--set simulation.seed=2 changed nothing";
    EXPECT_FALSE(spikes["default"] == spikes["seed_flag"]) << "--seed 3 changed nothing";
    EXPECT_FALSE(spikes["set_seed"] == spikes["seed_flag"]);
}

TEST_F(Cli, ValidateAcceptsCuba) {
    const CliResult r = run({"validate", k_cuba});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(contains(r.out, "valid (4000 neurons"));
    EXPECT_TRUE(r.err.empty()) << r;
    EXPECT_TRUE(fs::is_empty(cwd()));
}

TEST_F(Cli, BackendsListsCpuAvailableAndCudaWithAReason) {
    const CliResult r = run({"backends"});
    ASSERT_EQ(r.exit_code, 0) << r;
    // A line per backend ("name  status"), then an indented line listing its op kinds.
    std::map<std::string, std::string> status, kinds;
    std::string last;
    for (const auto& line : lines_of(r.out)) {
        ASSERT_FALSE(line.empty()) << r.out;
        if (line[0] == ' ') {
            ASSERT_FALSE(last.empty()) << "op kinds before any backend: " << r.out;
            const std::string label = "op kinds: ";
            const std::size_t at = line.find(label);
            ASSERT_NE(at, std::string::npos) << line;
            kinds[last] = line.substr(at + label.size());
            continue;
        }
        const std::size_t space = line.find(' ');
        ASSERT_NE(space, std::string::npos) << line;
        const std::size_t text = line.find_first_not_of(' ', space);
        last = line.substr(0, space);
        status[last] = text == std::string::npos ? "" : line.substr(text);
    }
    EXPECT_EQ(status["cpu"], "available") << r.out;
    EXPECT_TRUE(contains(kinds["cpu"], "neuron_reset, neuron_update, poisson_drive, poisson_input")) << r.out;
    EXPECT_TRUE(contains(kinds["cpu"], "synapse_deliver")) << r.out;
    ASSERT_EQ(status.count("cuda"), 1u) << r.out;
    EXPECT_EQ(kinds["cuda"], "none") << "this version has no CUDA ops: " << r.out;
    // Refused in every build of this version: without CUDA support, without a device, or
    // because the backend itself is not implemented yet; each says why.
    const std::string prefix = "not available: ";
    ASSERT_EQ(status["cuda"].rfind(prefix, 0), 0u) << r.out;
    EXPECT_GT(status["cuda"].size(), prefix.size() + 10) << "no reason given: " << r.out;
}

TEST_F(Cli, CudaBackendIsRefusedWithoutOutput) {
    const fs::path out = tmp_ / "out";
    const CliResult r = run({"run", k_cuba, "--backend", "cuda", "--out", out.string()});
    EXPECT_TRUE(is_one_line_error(r));
    EXPECT_TRUE(contains(r.err, k_error_prefix + "Missing the `cuda` backend"));
    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(fs::is_empty(cwd()));
}

TEST_F(Cli, HelpExitsZero) {
    const CliResult r = run({"--help"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(contains(r.out, "run"));
    EXPECT_TRUE(contains(r.out, "validate"));
    EXPECT_TRUE(contains(r.out, "backends"));
}

TEST_F(Cli, UnknownFlagIsRejected) {
    const fs::path out = tmp_ / "out";
    const CliResult r = run({"run", k_cuba, "--out", out.string(), "--bogus"});
    EXPECT_EQ(r.signal, 0) << r;
    EXPECT_GT(r.exit_code, 0) << r;
    EXPECT_TRUE(contains(r.err, "--bogus"));
    EXPECT_FALSE(fs::exists(out));
}

// 6. --quiet.

TEST_F(Cli, QuietPrintsNothingOnStdout) {
    for (const bool quiet : {false, true}) {
        SCOPED_TRACE(quiet ? "--quiet" : "not quiet");
        const fs::path out = tmp_ / (quiet ? "quiet" : "loud");
        std::vector<std::string> args = std::vector<std::string>{"run", k_cuba, "--out",
                                                                 out.string(), "--duration",
                                                                 "20ms"} +
                                        small_cuba(400);
        if (quiet) args.push_back("--quiet");
        const CliResult r = run(args);
        ASSERT_EQ(r.exit_code, 0) << r;
        EXPECT_TRUE(fs::is_regular_file(out / "stats.json"));
        if (quiet) {
            EXPECT_TRUE(r.out.empty()) << r;
        } else {
            // The summary is there without --quiet, so the empty stdout above means something.
            EXPECT_TRUE(contains(r.out, "200 steps"));
        }
    }
}

}  // namespace
}  // namespace spikegraph
