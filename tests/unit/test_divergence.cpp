// Divergence is reported (issue 13): a state that turns NaN or Inf stops the run with a
// SimulationError naming the variable, neuron, batch entry and step; the outputs up to there
// are complete and the manifest says why the run stopped. SimulationOptions::check_finite =
// false (--no-finite-check) runs on to the end.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "monitors/npy_writer.hpp"
#include <spikegraph/spikegraph.hpp>
#include "tests/support/cli_test.hpp"

namespace spikegraph {
namespace {

using namespace cli_test;

// v doubles every step (euler: v += dt * v / tau with tau = dt) and overflows to Inf after
// about 1024 steps; neuron 2 starts far larger, so it is the first to go (in both batch
// entries; batch entry 0 is looked at first).
std::string growing_yaml(const std::string& duration = "200 ms") {
    return "simulation:\n  dt: 0.1 ms\n  duration: " + duration + "\n  batch: 2\n"
           "models:\n  grow:\n    equations: |\n      dv/dt = v / tau : volt\n"
           "      tau : second (shared)\n    method: euler\n    parameters:\n      tau: 0.1 ms\n"
           "groups:\n  g:\n    size: 4\n    model: grow\n"
           "    init:\n      v: where(i == 2, 1e200, 1) * mV\n"
           "monitors:\n  s:\n    type: state\n    group: g\n    variables: [v]\n";
}

// Steps until 1e200 * 2^k overflows: 2^k > 1.8e308 / 1e200 gives k = 360.
constexpr std::int64_t k_overflow_step = 359;

TEST(Divergence, NonFiniteStateStopsTheRunNamingVariableNeuronBatchAndStep) {
    TempDir tmp;
    SimulationOptions options;
    options.out_dir = tmp / "out";
    Simulation sim(load_network_from_string(growing_yaml(), "grow.yaml"), options);
    sim.initial_step();
    try {
        sim.run_continue(200.0, RunControl{});
        FAIL() << "a run whose state overflows to Inf went on to the end";
    } catch (const SimulationError& e) {
        EXPECT_EQ(e.variable(), "g.v");
        EXPECT_EQ(e.neuron(), 2);
        EXPECT_EQ(e.batch_entry(), 0);
        ASSERT_TRUE(e.step().has_value());
        // Checked every k_finite_check_steps: seen within that many steps of the overflow.
        EXPECT_GE(*e.step(), k_overflow_step);
        EXPECT_LT(*e.step(), k_overflow_step + k_finite_check_steps);
        const std::string what = e.what();
        EXPECT_TRUE(contains(what, "g.v of neuron 2, batch entry 0 is inf after step"));
        EXPECT_TRUE(contains(what, "--no-finite-check"));
        EXPECT_LT(what.size(), 400u) << what;
    }
    // The outputs up to there are complete: every step run is recorded and loads.
    const json manifest = json::parse(read_text(tmp / "out" / "manifest.json"));
    const json& stopped = manifest["run"]["stopped"];
    ASSERT_TRUE(stopped.is_object()) << manifest.dump(2);
    EXPECT_EQ(stopped["reason"], "non-finite");
    EXPECT_EQ(stopped["variable"], "g.v");
    EXPECT_EQ(stopped["neuron"], 2);
    EXPECT_EQ(stopped["batch_entry"], 0);
    EXPECT_TRUE(stopped["last_finite"].is_number());
    const std::int64_t steps = manifest["run"]["steps"];
    EXPECT_EQ(steps, stopped["step"].get<std::int64_t>() + 1);
    const NpyArray v = read_npy(tmp / "out" / "s.v.npy");
    ASSERT_EQ(v.shape.size(), 3u);
    EXPECT_EQ(v.shape[0], 2u);
    EXPECT_EQ(static_cast<std::int64_t>(v.shape[1]), steps);
    EXPECT_EQ(static_cast<std::int64_t>(read_npy(tmp / "out" / "s.t.npy").size()), steps);
    // A later run is refused: the monitors were finished.
    EXPECT_THROW(sim.run_continue(1.0, RunControl{}), SimulationError);
}

TEST(Divergence, TheBatchEntryAndNeuronAreThoseOfTheElementThatDiverged) {
    Simulation base(load_network_from_string(growing_yaml(), "grow.yaml"));
    base.initial_step();
    std::vector<double> v(2 * 4, 1.0);  // [batch, neuron]
    v[1 * 4 + 3] = 1e300;                // batch entry 1, neuron 3: overflows after ~28 steps
    Simulation sim = base.with_state({{"g.v", v}});
    try {
        sim.run_continue(200.0, RunControl{});
        FAIL() << "a run whose state overflows to Inf went on to the end";
    } catch (const SimulationError& e) {
        EXPECT_EQ(e.variable(), "g.v");
        EXPECT_EQ(e.neuron(), 3);
        EXPECT_EQ(e.batch_entry(), 1);
        EXPECT_LT(*e.step(), 28 + k_finite_check_steps);
    }
    EXPECT_EQ(sim.stopped()["batch_entry"], 1);
}

TEST(Divergence, NonFiniteInitialStateIsReportedBeforeTheFirstStep) {
    Simulation base(load_network_from_string(growing_yaml(), "grow.yaml"));
    base.initial_step();
    std::vector<double> v(2 * 4, 1.0);
    v[5] = std::nan("");
    Simulation sim = base.with_state({{"g.v", v}});
    try {
        sim.run_continue(1.0, RunControl{});
        FAIL() << "a run from a NaN state was not stopped";
    } catch (const SimulationError& e) {
        EXPECT_EQ(e.neuron(), 1);
        EXPECT_EQ(e.batch_entry(), 1);
        EXPECT_EQ(e.step(), 0);
        EXPECT_TRUE(contains(e.what(), "before step 0"));
    }
    EXPECT_EQ(sim.steps_done(), 0);
}

TEST(Divergence, WithTheCheckOffTheRunGoesOnToTheEnd) {
    SimulationOptions options;
    options.check_finite = false;
    Simulation sim(load_network_from_string(growing_yaml(), "grow.yaml"), options);
    sim.initial_step();
    sim.run_continue(200.0, RunControl{});
    EXPECT_EQ(sim.steps_done(), 2000);
    EXPECT_TRUE(sim.stopped().is_null());
    const std::vector<double> v = sim.read("g.v");
    EXPECT_FALSE(std::isfinite(v[4 + 2]));
}

TEST(Divergence, AFiniteRunHasNoStopReason) {
    TempDir tmp;
    SimulationOptions options;
    options.out_dir = tmp / "out";
    {
        Simulation sim(load_network_from_string(growing_yaml("10 ms"), "grow.yaml"), options);
        sim.run(10.0);
        EXPECT_TRUE(sim.stopped().is_null());
        sim.finish();
    }
    const json manifest = json::parse(read_text(tmp / "out" / "manifest.json"));
    EXPECT_TRUE(manifest["run"]["stopped"].is_null());
}

TEST_F(Cli, DivergedRunExitsTwoWithCompleteOutputsAndTheFlagRunsOn) {
    const fs::path config = tmp_ / "grow.yaml";
    write_text(config, growing_yaml());
    const fs::path out = tmp_ / "out";
    const CliResult r = run({"run", config.string(), "--out", out.string(), "--quiet"});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_TRUE(is_one_line_error(r));
    EXPECT_TRUE(contains(r.err, "g.v of neuron 2, batch entry 0 is inf"));
    EXPECT_TRUE(contains(r.err, "complete up to there"));
    const json manifest = json::parse(read_text(out / "manifest.json"));
    EXPECT_EQ(manifest["run"]["stopped"]["reason"], "non-finite");
    for (const auto& f : manifest["files"])
        EXPECT_NO_THROW(read_npy(out / f["file"].get<std::string>())) << f.dump();
    EXPECT_TRUE(fs::exists(out / "stats.json"));

    const fs::path on = tmp_ / "on";
    const CliResult r2 = run({"run", config.string(), "--out", on.string(), "--quiet",
                              "--no-finite-check"});
    EXPECT_EQ(r2.exit_code, 0) << r2;
    const json m2 = json::parse(read_text(on / "manifest.json"));
    EXPECT_EQ(m2["run"]["steps"], 2000);
    EXPECT_TRUE(m2["run"]["stopped"].is_null());
}

}  // namespace
}  // namespace spikegraph
