// store / restore and the functional form (DESIGN.md "Store / restore", "Functional form";
// STYLE.md "Tests": run T, store, run T, restore, run T again: identical spikes and state, with
// spikes in flight in delay buffers at the store point).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include "monitors/npy_writer.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/backend_param.hpp"
#include "tests/support/delayed_network.hpp"
#include "tests/support/simulation_error.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

using testing_support::delayed_network;

const auto error_of = testing_support::simulation_error_message;

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// Spikes waiting in the delay buffers right now: spike lists in the uniform-delay ring and
// increments in the per-synapse-delay ring.
void expect_spikes_in_flight(const Simulation& sim) {
    EXPECT_GT(sum(sim.read("excitatory.spike_ring_count")), 0.0) << "no spike list in the 2 ms ring";
    const auto pending = sim.read("inhibitory.pending");
    EXPECT_TRUE(std::any_of(pending.begin(), pending.end(), [](double x) { return x != 0.0; }))
        << "no pending increment in the per-synapse delay ring";
}

struct Spikes {
    std::vector<double> t;
    std::vector<std::int64_t> i;
};

Spikes spikes_in(const std::filesystem::path& dir, double from_ms, double to_ms,
                 std::size_t first = 0, std::size_t last = SIZE_MAX) {
    const auto t = read_npy(dir / "spikes.t.npy").as<double>();
    const auto i = read_npy(dir / "spikes.i.npy").as<std::int64_t>();
    Spikes s;
    for (std::size_t k = first; k < std::min(last, t.size()); ++k)
        if (t[k] >= from_ms - 1e-9 && t[k] < to_ms - 1e-9) s.t.push_back(t[k]), s.i.push_back(i[k]);
    return s;
}

class StoreRestore : public testing_support::BackendTest {};

TEST_P(StoreRestore, ContinuationAfterRestoreIsBitIdenticalWithSpikesInFlight) {
    testing_support::TempDir dir("spikegraph_state");
    SimulationOptions o;
    o.out_dir = dir.path();
    Simulation sim(delayed_network(), o);
    sim.run(24.0);  // the network bursts; at 24 ms both delay rings hold spikes
    expect_spikes_in_flight(sim);
    const VariableMap at_store = sim.state();
    sim.store();
    sim.run_continue(24.0);
    const VariableMap first = sim.state();
    const VariableMap first_params = sim.parameters();
    const auto first_total = sim.spike_count("neurons");
    const auto first_events = sim.synaptic_events();
    EXPECT_NE(first, at_store);

    sim.restore();
    EXPECT_EQ(sim.state(), at_store) << "restore did not bring back the stored state";
    EXPECT_DOUBLE_EQ(sim.t_ms(), 24.0);
    sim.run_continue(24.0);
    EXPECT_EQ(sim.state(), first);  // bitwise: vectors of doubles compared with ==
    EXPECT_EQ(sim.parameters(), first_params);
    EXPECT_EQ(sim.spike_count("neurons"), first_total);
    EXPECT_EQ(sim.synaptic_events(), first_events);
    sim.finish();

    // Monitors are not rewound: the file holds 0-48 ms, then 24-48 ms again, identical.
    const auto t = read_npy(dir.path() / "spikes.t.npy").as<double>();
    std::size_t back = 0;  // where time goes backwards: the restore
    for (std::size_t k = 1; k < t.size(); ++k)
        if (t[k] < t[k - 1]) back = k;
    ASSERT_GT(back, 0u) << "the spikes after restore() should follow those recorded before it";
    const Spikes once = spikes_in(dir.path(), 24.0, 48.0, 0, back);
    const Spikes again = spikes_in(dir.path(), 24.0, 48.0, back);
    EXPECT_GT(once.t.size(), 50u);
    EXPECT_EQ(once.t, again.t);
    EXPECT_EQ(once.i, again.i);
    // The state monitor, every 0.5 ms: 96 + 48 records, times going on from the restored step.
    const auto trace_t = read_npy(dir.path() / "trace.t.npy").as<double>();
    ASSERT_EQ(trace_t.size(), 144u);
    EXPECT_DOUBLE_EQ(trace_t[95], 47.5);
    EXPECT_DOUBLE_EQ(trace_t[96], 24.0);
    const auto v = read_npy(dir.path() / "trace.v.npy").as<double>();
    ASSERT_EQ(v.size(), 144u * 3);
    EXPECT_TRUE(std::equal(v.begin() + 48 * 3, v.begin() + 96 * 3, v.begin() + 96 * 3));
}

TEST_P(StoreRestore, SeveralNamedSnapshots) {
    Simulation sim(delayed_network());
    sim.run(10.0);
    sim.store("early");
    const auto early = sim.state();
    sim.run_continue(10.0);
    sim.store("late");
    const auto late = sim.state();
    sim.run_continue(10.0);
    sim.store("early_again_but_different");
    EXPECT_EQ(sim.stored_names(), (std::vector<std::string>{"early", "early_again_but_different", "late"}));
    sim.restore("early");
    EXPECT_EQ(sim.state(), early);
    EXPECT_DOUBLE_EQ(sim.t_ms(), 10.0);
    sim.restore("late");
    EXPECT_EQ(sim.state(), late);
    EXPECT_DOUBLE_EQ(sim.t_ms(), 20.0);
    // Storing under an existing name replaces the snapshot.
    sim.restore("early");
    sim.store("late");
    sim.run_continue(5.0);
    sim.restore("late");
    EXPECT_EQ(sim.state(), early);
}

TEST_P(StoreRestore, AStoreIsACopyNotAView) {
    Simulation sim(delayed_network());
    sim.run(5.0);
    const auto v = sim.read("neurons.v");
    sim.store();
    sim.run_continue(5.0);
    ASSERT_NE(sim.read("neurons.v"), v);
    sim.restore();
    EXPECT_EQ(sim.read("neurons.v"), v);
}

TEST_P(StoreRestore, UnknownNameListsTheStoredOnes) {
    Simulation sim(delayed_network());
    EXPECT_TRUE(contains(error_of([&] { sim.restore(); }), "nothing is stored yet"));
    sim.store("baseline");
    sim.store("stimulated");
    const std::string m = error_of([&] { sim.restore("baselin"); });
    EXPECT_TRUE(contains(m, "no state was stored under 'baselin'"));
    EXPECT_TRUE(contains(m, "did you mean 'baseline'?"));
    EXPECT_TRUE(contains(m, "stored: baseline, stimulated"));
}

TEST_P(StoreRestore, StoreBeforeTheFirstRunKeepsTheInitialState) {
    Simulation sim(delayed_network());
    sim.store();
    sim.run_continue(5.0);
    sim.restore();
    EXPECT_EQ(sim.state(), Simulation(delayed_network()).state());
    EXPECT_EQ(sim.steps_done(), 0);
}

class FunctionalForm : public testing_support::BackendTest {};

TEST_P(FunctionalForm, StateAndParametersSplitTheVariablesByRole) {
    const Simulation sim(delayed_network());
    const VariableMap s = sim.state();
    for (const char* name : {"neurons.v", "neurons.ge", "neurons.gi", "neurons.lastspike",
                             "neurons.spike_total", "excitatory.spike_ring",
                             "excitatory.spike_ring_count", "inhibitory.pending", "input.spike_ring",
                             "drive.spike_total", "step"})
        EXPECT_EQ(s.count(name), 1u) << name;
    EXPECT_EQ(s.at("neurons.v").size(), 400u);
    EXPECT_EQ(s.at("step"), std::vector<double>{0.0});
    const VariableMap p = sim.parameters();
    for (const char* name : {"neurons.El", "neurons.taum", "excitatory.weight", "drive.rate"})
        EXPECT_EQ(p.count(name), 1u) << name;
    EXPECT_EQ(p.at("neurons.taum"), std::vector<double>{20.0});
    for (const auto& [name, values] : s) EXPECT_EQ(p.count(name), 0u) << name;
    // Constants (connectivity) and per-step temporaries are in neither.
    for (const char* name : {"excitatory.indices", "neurons.spikes"}) {
        EXPECT_EQ(s.count(name), 0u) << name;
        EXPECT_EQ(p.count(name), 0u) << name;
    }
}

TEST_P(FunctionalForm, EvolveLeavesTheSimulationUntouchedAndRepeats) {
    testing_support::TempDir dir("spikegraph_evolve");
    SimulationOptions o;
    o.out_dir = dir.path();
    Simulation sim(delayed_network(), o);
    sim.run(20.0);
    const VariableMap before = sim.state();
    const VariableMap params = sim.parameters();
    EvolveInputs in;
    in.duration_ms = 15.0;
    const EvolveResult a = sim.evolve(in);
    const EvolveResult b = sim.evolve(in, before);
    EXPECT_EQ(sim.state(), before);
    EXPECT_EQ(sim.parameters(), params);
    EXPECT_DOUBLE_EQ(sim.t_ms(), 20.0);
    EXPECT_EQ(a.new_state, b.new_state);
    EXPECT_EQ(a.record.spikes.at("neurons").step, b.record.spikes.at("neurons").step);
    EXPECT_EQ(a.record.spikes.at("neurons").index, b.record.spikes.at("neurons").index);
    EXPECT_EQ(a.outputs.spike_counts, b.outputs.spike_counts);
    EXPECT_EQ(a.outputs.first_step, 200);
    EXPECT_EQ(a.outputs.steps, 150);
    EXPECT_DOUBLE_EQ(a.outputs.t_end_ms, 35.0);
    EXPECT_EQ(a.new_state.at("step"), std::vector<double>{350.0});

    // The evolve is what run_continue would have done, spike for spike.
    const auto total_before = sim.spike_count("neurons");
    const auto events_before = sim.synaptic_events();
    sim.run_continue(15.0);
    EXPECT_EQ(sim.state(), a.new_state);
    const SpikeRecord& rec = a.record.spikes.at("neurons");
    EXPECT_GT(rec.size(), 50u);
    EXPECT_EQ(static_cast<std::uint64_t>(a.outputs.spike_counts.at("neurons").at(0)),
              sim.spike_count("neurons") - total_before);
    EXPECT_EQ(rec.size(), sim.spike_count("neurons") - total_before);
    EXPECT_EQ(a.outputs.synaptic_events, sim.synaptic_events() - events_before);
    sim.finish();
    // The monitor file never saw the evolves: its spikes are those of the 35 ms run.
    const Spikes file = spikes_in(dir.path(), 20.0, 35.0);
    EXPECT_EQ(file.t, rec.t_ms(sim.dt_ms()));
    EXPECT_EQ(file.i, std::vector<std::int64_t>(rec.index.begin(), rec.index.end()));
    EXPECT_EQ(read_npy(dir.path() / "trace.t.npy").shape, std::vector<std::size_t>{70});

    // The state monitor's record: every 0.5 ms, [records, batch, neurons].
    const StateRecord& trace = a.record.states.at("trace");
    ASSERT_EQ(trace.step.size(), 30u);
    EXPECT_EQ(trace.step.front(), 200);
    EXPECT_EQ(trace.step.back(), 345);
    EXPECT_EQ(trace.indices, (std::vector<std::int64_t>{0, 1, 2}));
    EXPECT_EQ(trace.values.at("v").size(), 30u * 3);
    EXPECT_EQ(trace.values.at("v")[0], before.at("neurons.v")[0]);
}

TEST_P(FunctionalForm, ChainedEvolvesEqualOneLongEvolve) {
    const Simulation sim(delayed_network());
    const VariableMap s0 = sim.state();
    EvolveInputs half, whole;
    half.steps = 120;
    whole.steps = 240;
    const EvolveResult one = sim.evolve(half, s0);
    const EvolveResult two = sim.evolve(half, one.new_state);
    const EvolveResult both = sim.evolve(whole, s0);
    EXPECT_EQ(two.new_state, both.new_state);
    EXPECT_EQ(two.outputs.first_step, 120);
    EXPECT_EQ(one.outputs.spike_counts.at("drive")[0] + two.outputs.spike_counts.at("drive")[0],
              both.outputs.spike_counts.at("drive")[0]);
    EXPECT_GT(both.outputs.spike_counts.at("neurons")[0], 0);
    // A state map without "step" evolves from the simulation's own step (0 here).
    VariableMap no_step = one.new_state;
    no_step.erase("step");
    EXPECT_EQ(sim.evolve(half, no_step).outputs.first_step, 0);
}

TEST_P(FunctionalForm, EvolveInputsSetParametersForThatEvolveOnly) {
    const Simulation sim(delayed_network());
    EvolveInputs quiet;
    quiet.steps = 300;
    quiet.set = {{"drive.rate", std::vector<double>(1, 0.0)}, {"neurons.El", {-70.0}}};
    const EvolveResult r = sim.evolve(quiet);
    EXPECT_EQ(r.outputs.spike_counts.at("drive")[0], 0);
    EXPECT_EQ(r.outputs.spike_counts.at("neurons")[0], 0);
    EXPECT_EQ(sim.parameters().at("neurons.El"), std::vector<double>{-49.0});
    EvolveInputs normal;
    normal.steps = 300;
    EXPECT_GT(sim.evolve(normal).outputs.spike_counts.at("neurons")[0], 0);
}

TEST_P(FunctionalForm, WithParametersMakesANewSimulationSharingThePlan) {
    // El, which the update reads every step (taum is a coefficient of its exact solution, fixed
    // at build time, and with_parameters refuses it: PublicApi.WithParametersRefuses...).
    Simulation sim(delayed_network());
    sim.run(10.0);
    const auto v = sim.read("neurons.v");
    Simulation fast = sim.with_parameters({{"neurons.El", {-45.0}}});
    EXPECT_EQ(&fast.build_result(), &sim.build_result()) << "the plan must be shared, not rebuilt";
    EXPECT_EQ(fast.parameters().at("neurons.El"), std::vector<double>{-45.0});
    EXPECT_EQ(sim.parameters().at("neurons.El"), std::vector<double>{-49.0});
    EXPECT_EQ(fast.read("neurons.v"), v) << "with_parameters keeps the current state";
    EXPECT_DOUBLE_EQ(fast.t_ms(), 10.0);
    fast.run_continue(10.0);
    sim.run_continue(10.0);
    EXPECT_NE(fast.read("neurons.v"), sim.read("neurons.v"));
    // The override survives a fresh run(), whose initial_step applies it after the config's.
    fast.run(1.0);
    EXPECT_EQ(fast.parameters().at("neurons.El"), std::vector<double>{-45.0});
    // reset_parameters: the config's values again, the state kept.
    Simulation back = fast.reset_parameters();
    EXPECT_EQ(back.parameters(), Simulation(delayed_network()).parameters());
    EXPECT_EQ(back.state(), fast.state());
    back.run(1.0);
    EXPECT_EQ(back.parameters().at("neurons.El"), std::vector<double>{-49.0});
}

TEST_P(FunctionalForm, WithStateAndResetState) {
    Simulation sim(delayed_network());
    sim.run(10.0);
    const VariableMap current = sim.state();
    Simulation held = sim.with_state({{"neurons.v", std::vector<double>(400, -55.0)}});
    EXPECT_EQ(held.read("neurons.v"), std::vector<double>(400, -55.0));
    EXPECT_EQ(held.read("neurons.ge"), sim.read("neurons.ge"));
    EXPECT_EQ(sim.state(), current) << "with_state must not touch the original";
    EXPECT_EQ(held.with_state(current).state(), current);

    Simulation rewound = sim.with_state({{"step", {0.0}}});
    EXPECT_EQ(rewound.steps_done(), 0);

    Simulation fresh = sim.with_parameters({{"neurons.El", {-52.0}}}).reset_state();
    EXPECT_EQ(fresh.state(), Simulation(delayed_network()).state());
    EXPECT_EQ(fresh.parameters().at("neurons.El"), std::vector<double>{-52.0});
    EXPECT_EQ(fresh.steps_done(), 0);
}

TEST_P(FunctionalForm, WrongNamesAndShapesSayWhatWasExpected) {
    const Simulation sim(delayed_network());
    std::string m = error_of([&] { (void)sim.with_state({{"neurons.vv", std::vector<double>(400)}}); });
    EXPECT_TRUE(contains(m, "with_state: no state variable 'neurons.vv' (did you mean 'neurons.v'?)"));
    EXPECT_TRUE(contains(m, "the known ones are: "));
    EXPECT_TRUE(contains(m, "neurons.ge"));

    m = error_of([&] { (void)sim.with_state({{"neurons.v", {1.0, 2.0, 3.0}}}); });
    EXPECT_TRUE(contains(m, "with_state: 'neurons.v' holds 400 values (shape [1, 400]), but 3 were given"));

    m = error_of([&] { (void)sim.with_state({{"neurons.taum", {10.0}}}); });
    EXPECT_TRUE(contains(m, "'neurons.taum' is a parameter, not a state variable; set it with with_parameters()"));

    m = error_of([&] { (void)sim.with_parameters({{"neurons.v", std::vector<double>(400)}}); });
    EXPECT_TRUE(contains(m, "'neurons.v' is a state variable, not a parameter or weight; set it with with_state()"));

    m = error_of([&] { (void)sim.with_parameters({{"excitatory.indices", {0.0}}}); });
    EXPECT_TRUE(contains(m, "is a constant"));

    m = error_of([&] { (void)sim.with_state({{"neurons.lastspike", std::vector<double>(400, 0.5)}}); });
    EXPECT_TRUE(contains(m, "'neurons.lastspike' is an integer variable (int64); element 0 is 0.5"));

    m = error_of([&] { (void)sim.with_state({{"step", {-1.0}}}); });
    EXPECT_TRUE(contains(m, "'step' must be a whole number of steps >= 0"));

    EvolveInputs in;
    in.steps = 1;
    m = error_of([&] { (void)sim.evolve(in, {{"neuron.v", std::vector<double>(400)}}); });
    EXPECT_TRUE(contains(m, "evolve: state: no state variable 'neuron.v' (did you mean 'neurons.v'?)"));
    in.set = {{"neurons.taum", {1.0, 2.0}}};
    m = error_of([&] { (void)sim.evolve(in); });
    EXPECT_TRUE(contains(m, "evolve: inputs.set: 'neurons.taum' holds 1 values (shape [1]), but 2 were given"));
    EvolveInputs negative;
    negative.duration_ms = -1.0;
    EXPECT_THROW((void)sim.evolve(negative), SimulationError);
}

TEST_P(FunctionalForm, SimulationsMove) {
    Simulation a(delayed_network());
    a.run(2.0);
    const auto v = a.read("neurons.v");
    Simulation b(std::move(a));
    EXPECT_EQ(b.read("neurons.v"), v);
    b.run_continue(1.0);
    EXPECT_DOUBLE_EQ(b.t_ms(), 3.0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRestore, testing_support::all_backends(),
                         testing_support::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, FunctionalForm, testing_support::all_backends(),
                         testing_support::backend_test_name);

}  // namespace
}  // namespace spikegraph
