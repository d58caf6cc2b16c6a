// Interrupting a run: SIGINT, SIGTERM or SIGHUP during `spikegraph run` stops at the end of the
// current step, leaves every output file complete and valid (the manifest says the run was
// interrupted and when), writes the checkpoint if one was asked for, and exits non-zero
// (128 + signal). During the build or native compilation it stops within a second, leaving no
// outputs. In the library, RunControl::stop does the same for run_continue.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/cancel.hpp"
#include "monitors/npy_writer.hpp"
#include <spikegraph/error.hpp>
#include <spikegraph/simulation.hpp>
#include "tests/support/cli_process.hpp"
#include "tests/support/delayed_network.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#error "SPIKEGRAPH_SOURCE_DIR must name the repository root (see CMakeLists.txt)"
#endif

namespace spikegraph {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::CliOutcome;
using testing_support::CliProcess;
using testing_support::delayed_network;
using testing_support::slurp;

const std::string k_cuba = SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml";

struct TempDir : testing_support::TempDir {
    TempDir() : testing_support::TempDir("spikegraph_int", true) {}
};

TEST(RunControl, StopsAtTheEndOfTheStepInWhichTheFlagIsSeen) {
    Simulation sim(delayed_network());
    sim.initial_step();
    std::atomic<bool> stop{false};
    RunControl control;
    control.stop = &stop;
    control.every_steps = 37;
    int calls = 0;
    control.every = [&] {
        if (++calls == 3) stop = true;
    };
    sim.run_continue(100.0, control);
    EXPECT_TRUE(sim.interrupted());
    EXPECT_EQ(sim.steps_done(), 3 * 37);
    EXPECT_EQ(sim.stats()["steps"], 3 * 37);
    // A later run goes on from there, and is not interrupted.
    stop = false;
    sim.run_continue(1.0, control);
    EXPECT_FALSE(sim.interrupted());
    EXPECT_EQ(sim.steps_done(), 3 * 37 + 10);
}

TEST(RunControl, AFlagAlreadySetRunsNothing) {
    Simulation sim(delayed_network());
    std::atomic<bool> stop{true};
    RunControl control;
    control.stop = &stop;
    sim.run(10.0);  // plain run: no control, not interrupted
    EXPECT_FALSE(sim.interrupted());
    sim.run_continue(10.0, control);
    EXPECT_TRUE(sim.interrupted());
    EXPECT_DOUBLE_EQ(sim.t_ms(), 10.0);
}

TEST(RunControl, AnotherThreadCanStopTheRunAndTheOutputsAreComplete) {
    TempDir dir;
    SimulationOptions o;
    o.out_dir = dir / "out";
    Simulation sim(delayed_network(), o);
    std::atomic<bool> stop{false};
    RunControl control;
    control.stop = &stop;
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        stop = true;
    });
    sim.initial_step();
    sim.run_continue(1.0e6, control);  // 1000 s: far longer than 200 ms of wall time
    stopper.join();
    ASSERT_TRUE(sim.interrupted());
    const double t = sim.t_ms();
    EXPECT_GT(t, 0.0);
    EXPECT_LT(t, 1.0e6);
    sim.finish();
    const json manifest = json::parse(slurp(dir / "out" / "manifest.json"));
    EXPECT_EQ(manifest["run"]["interrupted"], true);
    EXPECT_EQ(manifest["run"]["interrupted_at_ms"], t);
    EXPECT_EQ(manifest["run"]["t_end_ms"], t);
    const auto records = read_npy(dir / "out" / "trace.t.npy");
    EXPECT_EQ(records.shape.at(0), static_cast<std::size_t>(std::ceil(t / 0.5 - 1e-9)));
}

// Reads every file the manifest lists and checks its shape against the manifest.
void expect_every_output_file_valid(const fs::path& out, const json& manifest) {
    ASSERT_FALSE(manifest["files"].empty());
    for (const auto& f : manifest["files"]) {
        const fs::path p = out / f["file"].get<std::string>();
        SCOPED_TRACE(p.string());
        NpyArray a;
        ASSERT_NO_THROW(a = read_npy(p));
        EXPECT_EQ(json(a.shape), f["shape"]);
    }
    for (const auto& e : fs::directory_iterator(out)) {
        const std::string name = e.path().filename().string();
        EXPECT_TRUE(name.ends_with(".npy") || name.ends_with(".json")) << "left behind: " << name;
    }
}

class CliInterrupt : public ::testing::Test {
protected:
    // Starts a long CUBA run writing a checkpoint every 50 ms of simulated time, waits until the
    // first one exists (so the run loop has started), lets it run a little longer, then sends `sig`.
    CliOutcome interrupt(int sig, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args = {"run", k_cuba, "--duration", "1000s", "--out", "out",
                                          "--checkpoint", "run.ckpt", "--checkpoint-every", "50ms"};
        args.insert(args.end(), extra.begin(), extra.end());
        CliProcess p(args, dir_.path(), capture_.path());
        EXPECT_TRUE(testing_support::wait_for([&] { return fs::exists(dir_ / "run.ckpt"); },
                                              std::chrono::seconds(60)))
            << "the run did not get going";
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        p.signal(sig);
        return p.wait(std::chrono::seconds(60));
    }
    TempDir dir_, capture_;
};

TEST_F(CliInterrupt, SigintStopsWithCompleteFilesAndExit130) {
    const CliOutcome r = interrupt(SIGINT);
    EXPECT_EQ(r.signal, 0) << r;
    EXPECT_EQ(r.exit_code, 130) << r;
    EXPECT_NE(r.err.find("spikegraph: interrupted by SIGINT at t = "), std::string::npos) << r;
    const json manifest = json::parse(slurp(dir_ / "out" / "manifest.json"));
    const json& run = manifest["run"];
    EXPECT_EQ(run["interrupted"], true);
    const double t = run["t_end_ms"].get<double>();
    EXPECT_EQ(run["interrupted_at_ms"], t);
    EXPECT_GT(t, 50.0);
    EXPECT_LT(t, 1.0e6);
    EXPECT_EQ(run["steps"].get<std::int64_t>(), std::llround(t / 0.1));
    expect_every_output_file_valid(dir_ / "out", manifest);
    const auto spikes = read_npy(dir_ / "out" / "spikes.t.npy").as<double>();
    ASSERT_FALSE(spikes.empty());
    EXPECT_LT(spikes.back(), t);
    const json stats = json::parse(slurp(dir_ / "out" / "stats.json"));
    EXPECT_EQ(stats["groups"]["neurons"]["spikes"].get<std::size_t>(), spikes.size());

    // The checkpoint was written at the stop: resuming it continues from t.
    const CliOutcome resumed = testing_support::run_cli(
        {"run", k_cuba, "--resume", "run.ckpt", "--duration", "1ms", "--out", "more", "--quiet"},
        dir_.path(), capture_.path());
    ASSERT_EQ(resumed.exit_code, 0) << resumed;
    const json more = json::parse(slurp(dir_ / "more" / "manifest.json"));
    EXPECT_EQ(more["run"]["start_ms"], t);
    EXPECT_EQ(more["run"]["interrupted"], false);
}

TEST_F(CliInterrupt, SigtermStopsTheSameWayWithExit143) {
    const CliOutcome r = interrupt(
        SIGTERM, {"--set", "monitors.trace={type: state, group: 'neurons[0:10]', variables: [v, ge]}"});
    EXPECT_EQ(r.exit_code, 143) << r;
    EXPECT_NE(r.err.find("interrupted by SIGTERM"), std::string::npos) << r;
    const json manifest = json::parse(slurp(dir_ / "out" / "manifest.json"));
    EXPECT_EQ(manifest["run"]["interrupted"], true);
    expect_every_output_file_valid(dir_ / "out", manifest);
    const auto records = read_npy(dir_ / "out" / "trace.v.npy");
    EXPECT_EQ(records.shape.at(0), std::size_t(std::llround(manifest["run"]["t_end_ms"].get<double>() / 0.1)));
}

TEST_F(CliInterrupt, NumpyLoadsEveryFileAfterAnInterrupt) {
    if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "numpy is not importable by /usr/bin/python3; read_npy checked the files";
    const CliOutcome r = interrupt(SIGINT);
    ASSERT_EQ(r.exit_code, 130) << r;
    const std::string script =
        "import json, numpy, sys\n"
        "m = json.load(open('out/manifest.json'))\n"
        "for f in m['files']:\n"
        "    a = numpy.load('out/' + f['file'])\n"
        "    assert list(a.shape) == f['shape'], f\n"
        "print('ok', len(m['files']))\n";
    std::ofstream(dir_ / "check.py") << script;
    const std::string cmd = "cd '" + dir_.path().string() + "' && /usr/bin/python3 check.py >/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST_F(CliInterrupt, SighupStopsTheSameWayWithExit129) {
    const CliOutcome r = interrupt(SIGHUP);
    EXPECT_EQ(r.exit_code, 129) << r;
    EXPECT_NE(r.err.find("interrupted by SIGHUP at t = "), std::string::npos) << r;
    const json manifest = json::parse(slurp(dir_ / "out" / "manifest.json"));
    EXPECT_EQ(manifest["run"]["interrupted"], true);
    expect_every_output_file_valid(dir_ / "out", manifest);
}

// Sends `sig` to a run once its lock exists (so it is building or compiling) plus `delay`, and
// checks that it ends within a second of the signal with exit code 128 + sig and no outputs.
void expect_stopped_before_the_first_step(CliProcess& p, const fs::path& out, int sig,
                                          std::chrono::milliseconds delay,
                                          const std::string& during) {
    ASSERT_TRUE(testing_support::wait_for([&] { return fs::exists(out / ".spikegraph.lock"); },
                                          std::chrono::seconds(60)));
    std::this_thread::sleep_for(delay);
    const auto sent = std::chrono::steady_clock::now();
    p.signal(sig);
    const CliOutcome r = p.wait(std::chrono::seconds(30));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
    EXPECT_EQ(r.exit_code, 128 + sig) << r;
    EXPECT_LT(seconds, 1.0) << r;
    EXPECT_NE(r.err.find("interrupted by " + signal_name(sig) + " " + during), std::string::npos)
        << r;
    EXPECT_FALSE(fs::exists(out)) << "a run stopped before its first step left " << out;
}

// Connecting 2000 of 3200 sources to each of 20000 neurons takes tens of seconds: long enough to
// be interrupted in the middle of the build.
TEST_F(CliInterrupt, SigintDuringTheBuildStopsWithinASecondLeavingNothing) {
    CliProcess p({"run", k_cuba, "--out", "out", "--set", "groups.neurons.size=20000", "--set",
                  "connections.excitatory.connectivity={rule: fixed_indegree, k: 2000}"},
                 dir_.path(), capture_.path());
    expect_stopped_before_the_first_step(p, dir_ / "out", SIGINT, std::chrono::milliseconds(700),
                                         "while building the synapses of");
}

// The native compiler used to run through std::system, which ignores SIGINT in the caller: the
// Ctrl-C was swallowed and the run went on interpreted. A stand-in compiler that sleeps shows
// that the signal now stops the compiler (its whole process group) and the program.
TEST_F(CliInterrupt, SigintDuringNativeCompilationStopsTheCompilerAndTheProgram) {
    const fs::path cache = dir_ / "cache", pid_file = dir_ / "compiler.pid";
    const fs::path compiler = dir_ / "slow-cxx";
    std::ofstream(compiler) << "#!/bin/sh\necho $$ > '" << pid_file.string() << "'\nexec sleep 60\n";
    fs::permissions(compiler, fs::perms::owner_all);
    ::setenv("SPIKEGRAPH_CXX", compiler.c_str(), 1);
    ::setenv("SPIKEGRAPH_CACHE_DIR", cache.c_str(), 1);
    ::setenv("SPIKEGRAPH_NATIVE", "1", 1);
    CliProcess p({"run", k_cuba, "--out", "out", "--duration", "10ms"}, dir_.path(),
                 capture_.path());
    ::unsetenv("SPIKEGRAPH_CXX");
    ::unsetenv("SPIKEGRAPH_CACHE_DIR");
    ::unsetenv("SPIKEGRAPH_NATIVE");
    ASSERT_TRUE(testing_support::wait_for([&] { return !slurp(pid_file).empty(); },
                                          std::chrono::seconds(60)));
    const pid_t compiler_pid = std::stoi(slurp(pid_file));
    expect_stopped_before_the_first_step(p, dir_ / "out", SIGINT, std::chrono::milliseconds(0),
                                         "during native compilation");
    EXPECT_NE(::kill(compiler_pid, 0), 0) << "the compiler still runs";
    for (const auto& e : fs::directory_iterator(cache))
        ADD_FAILURE() << "left in the compiler cache: " << e.path();
}

TEST(Cancel, ARequestStopsTheBuildWithInterruptedAndLeavesNoDirectory) {
    TempDir dir;
    SimulationOptions o;
    o.out_dir = dir / "out";
    request_cancel(SIGTERM);
    try {
        Simulation sim(delayed_network(), o);
        ADD_FAILURE() << "the build went on after a cancel request";
    } catch (const Interrupted& e) {
        EXPECT_EQ(e.signal(), SIGTERM);
        EXPECT_NE(std::string(e.what()).find("interrupted by SIGTERM while "), std::string::npos)
            << e.what();
    }
    clear_cancel();
    EXPECT_FALSE(fs::exists(dir / "out"));
    Simulation again(delayed_network(), o);  // cleared: builds
}

}  // namespace
}  // namespace spikegraph
