// The public API's promises (docs/api.md): a Simulation destroyed without finish() still
// leaves complete output files, read() before the first step gives the initial values,
// with_parameters takes values with units and checks their dimension, set_log_level sets every
// spikegraph logger, and nothing of the library writes to stdout.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "monitors/npy_writer.hpp"
#include <spikegraph/spikegraph.hpp>
#include "tests/support/delayed_network.hpp"
#include "tests/support/simulation_error.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

using testing_support::delayed_network;
using testing_support::TempDir;

const auto simulation_error = testing_support::simulation_error_message;

// Puts the log level back however a test ends.
struct LogLevelGuard {
    LogLevel saved = log_level();
    ~LogLevelGuard() { set_log_level(saved); }
};

// A shared parameter the 'exact' solver built into its coefficients cannot be changed by
// with_parameters (it used to be written and half used: a copy with tau halved spiked a third
// as often); under euler, which reads it every step, it can, and a shorter tau spikes more.
TEST(PublicApi, WithParametersRefusesWhatTheBuildFoldedAndChangesWhatItReads) {
    NeuronModel relax;
    relax.name = "relax";
    relax.equations = "dv/dt = (v_target - v) / tau : volt";
    relax.threshold = "v > -50 mV";
    relax.reset = "v = -60 mV";
    relax.parameters = {{"v_target", "-20 mV"}, {"tau", "10 ms"}};
    for (const std::string method : {"exact", "euler"}) {
        SCOPED_TRACE(method);
        Network net;
        net.add_group("neurons", 50, relax).method(method).init("v", "uniform(-60 mV, -55 mV)");
        Simulation sim(net);
        if (method == "exact") {
            const std::string m =
                simulation_error([&] { (void)sim.with_parameters({{"neurons.tau", "5 ms"}}); });
            EXPECT_NE(m.find("'neurons.tau' was built into the update as a constant"),
                      std::string::npos)
                << m;
            const std::string e = simulation_error([&] {
                (void)sim.evolve({.duration_ms = 1.0, .set = {{"neurons.tau", {5.0}}}});
            });
            EXPECT_NE(e.find("evolve: inputs.set: 'neurons.tau' was built into the update"),
                      std::string::npos)
                << e;
            // v_target is read every step by the exact update too.
            EXPECT_NO_THROW((void)sim.with_parameters({{"neurons.v_target", "-30 mV"}}));
            continue;
        }
        Simulation faster = sim.with_parameters({{"neurons.tau", "5 ms"}});
        faster.run(10.0);
        sim.run(10.0);
        EXPECT_GT(faster.spike_count("neurons"), sim.spike_count("neurons"));
    }
}

TEST(PublicApi, ThreadCountsAboveTheLimitAreConfigErrors) {
    SimulationOptions options;
    options.threads = k_max_threads + 1;
    EXPECT_THROW(Simulation(delayed_network(), options), ConfigError);
    Network net = delayed_network();
    net.settings.threads = 70000;
    EXPECT_THROW(Simulation{net}, ConfigError);
    options.threads = k_max_threads;
    EXPECT_NO_THROW(Simulation(delayed_network(), options));
}

TEST(PublicApi, DestroyedWithoutFinishLeavesCompleteOutput) {
    TempDir dir;
    std::uint64_t spikes = 0;
    {
        Simulation sim(delayed_network(), {.out_dir = dir.path()});
        sim.run(20.0);
        spikes = sim.spike_count("neurons");
    }
    ASSERT_GT(spikes, 0u);
    EXPECT_TRUE(std::filesystem::exists(dir / "manifest.json"));
    EXPECT_TRUE(std::filesystem::exists(dir / "stats.json"));
    EXPECT_EQ(read_npy(dir / "spikes.t.npy").as<double>().size(), spikes);
}

TEST(PublicApi, MoveAssignmentFinishesTheSimulationAssignedOver) {
    TempDir first;
    TempDir second;
    Simulation sim(delayed_network(), {.out_dir = first.path()});
    sim.run(5.0);
    sim = Simulation(delayed_network(), {.out_dir = second.path()});
    EXPECT_TRUE(std::filesystem::exists(first / "manifest.json"));
    EXPECT_FALSE(std::filesystem::exists(second / "manifest.json"));
    sim.finish();
    EXPECT_TRUE(std::filesystem::exists(second / "manifest.json"));
}

TEST(PublicApi, ReadBeforeTheFirstStepGivesTheInitialValues) {
    const Network net = delayed_network();
    Simulation fresh(net);
    const auto v = fresh.read("neurons.v");
    ASSERT_EQ(v.size(), 400u);
    // uniform(-60 mV, -50 mV): no zero, and not one value for all.
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double x) { return x >= -60.0 && x <= -50.0; }));
    EXPECT_NE(*std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));

    Simulation stepped(net);
    stepped.initial_step();
    EXPECT_EQ(v, stepped.read("neurons.v"));
    EXPECT_EQ(fresh.read("neurons.El"), stepped.read("neurons.El"));
    EXPECT_EQ(fresh.steps_done(), 0);

    // Reading first changes nothing of what follows: the same run, bit for bit.
    fresh.run_continue(10.0);
    stepped.run_continue(10.0);
    EXPECT_EQ(fresh.read("neurons.v"), stepped.read("neurons.v"));
}

TEST(PublicApi, WithParametersTakesValuesWithUnits) {
    Simulation sim(delayed_network());
    const std::size_t n = sim.parameters().at("neurons.El").size();

    const Simulation mv = sim.with_parameters({{"neurons.El", "-52 mV"}});
    EXPECT_EQ(mv.parameters().at("neurons.El"), std::vector<double>(n, -52.0));

    const Simulation volts =
        sim.with_parameters({{"neurons.El", UnitValues(std::vector<double>(n, -0.052), "V")}});
    EXPECT_EQ(volts.parameters().at("neurons.El"), mv.parameters().at("neurons.El"));
    // taum is a coefficient of this network's 'exact' update, fixed when it was built: a time
    // with units is refused like any value for it (WithParametersRefusesWhatTheBuildFolded...).
    EXPECT_THROW((void)sim.with_parameters({{"neurons.taum", "0.01 s"}}), SimulationError);

    // Values with units and plain internal numbers give the same simulation.
    const Simulation plain = sim.with_parameters({{"neurons.El", std::vector<double>(n, -52.0)}});
    EXPECT_EQ(plain.parameters(), mv.parameters());
}

TEST(PublicApi, WithParametersRejectsAWrongDimension) {
    Simulation sim(delayed_network());
    std::string m = simulation_error([&] { (void)sim.with_parameters({{"neurons.El", "20 Hz"}}); });
    EXPECT_NE(m.find("with_parameters: 'neurons.El' needs volt"), std::string::npos) << m;
    EXPECT_NE(m.find("got \"20 Hz\""), std::string::npos) << m;

    m = simulation_error([&] { (void)sim.with_parameters({{"neurons.taum", "20"}}); });
    EXPECT_NE(m.find("'neurons.taum' needs second"), std::string::npos) << m;
    EXPECT_NE(m.find("a plain number"), std::string::npos) << m;

    m = simulation_error([&] { (void)sim.with_parameters({{"neurons.El", "minus fifty"}}); });
    EXPECT_NE(m.find("cannot read \"minus fifty\""), std::string::npos) << m;

    m = simulation_error([&] { (void)sim.with_parameters({{"neurons.Ell", "-50 mV"}}); });
    EXPECT_NE(m.find("did you mean 'neurons.El'"), std::string::npos) << m;

    m = simulation_error([&] { (void)sim.with_parameters({{"neurons.v", "-50 mV"}}); });
    EXPECT_NE(m.find("'neurons.v' is a state variable"), std::string::npos) << m;
}

TEST(PublicApi, SetLogLevelSetsEverySpikegraphLogger) {
    LogLevelGuard guard;
    auto existing = logger("spikegraph.test_existing");
    set_log_level(LogLevel::debug);
    EXPECT_EQ(log_level(), LogLevel::debug);
    EXPECT_EQ(logger()->level(), spdlog::level::debug);
    EXPECT_EQ(existing->level(), spdlog::level::debug);
    EXPECT_EQ(logger("spikegraph.test_created_later")->level(), spdlog::level::debug);

    set_log_level(LogLevel::off);
    EXPECT_EQ(logger()->level(), spdlog::level::off);
    EXPECT_EQ(existing->level(), spdlog::level::off);
    set_log_level(LogLevel::warn);
    EXPECT_EQ(logger("spikegraph.test_created_later")->level(), spdlog::level::warn);
}

TEST(PublicApi, LogsGoToStderrAndNeverToStdout) {
    LogLevelGuard guard;
    set_log_level(LogLevel::warn);
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    logger("spikegraph.test_sink")->warn("a warning for the test");
    logger("spikegraph.test_sink")->info("an info line below the level");
    const std::string out = ::testing::internal::GetCapturedStdout();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(out, "");
    EXPECT_NE(err.find("a warning for the test"), std::string::npos) << err;
    EXPECT_EQ(err.find("an info line below the level"), std::string::npos) << err;
}

// Everything a program does in a run, at the most verbose level, prints nothing on stdout.
TEST(PublicApi, NothingOfTheLibraryWritesToStdout) {
    LogLevelGuard guard;
    set_log_level(LogLevel::trace);
    TempDir dir;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    {
        Simulation sim(delayed_network(), {.out_dir = dir.path(), .profile = true});
        sim.run(10.0);
        sim.store();
        sim.checkpoint(dir / "state.ckpt");
        (void)sim.evolve({.duration_ms = 2.0});
        (void)sim.with_parameters({{"neurons.El", "-50 mV"}});
        (void)sim.schedule();
        sim.finish();
        Simulation resumed(delayed_network());
        resumed.resume(dir / "state.ckpt");
        resumed.run_continue(2.0);
    }
    const std::string out = ::testing::internal::GetCapturedStdout();
    (void)::testing::internal::GetCapturedStderr();
    EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace spikegraph
