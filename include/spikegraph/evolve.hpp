#pragma once
// What Simulation::evolve takes and returns: the functional form,
// evolve(inputs, state) -> {outputs, new_state, record}.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <spikegraph/records.hpp>
#include <spikegraph/variable_map.hpp>

namespace spikegraph {

/// What an evolve runs. Inputs nodes (Poisson, spike times, currents) are part of the network
/// and functions of (seed, step), so the inputs of an evolve are how long and what to change.
struct EvolveInputs {
    /// Simulated time to run [ms], rounded to whole steps. Ignored when `steps` >= 0.
    double duration_ms = 0.0;
    /// Steps to run; when >= 0 it wins over duration_ms.
    std::int64_t steps = -1;
    /// Values written after the state and before the first step: parameters, weights or state
    /// variables (e.g. `{"inputs.rate", {...}}`), for this evolve only.
    VariableMap set;
};

/// What an evolve recorded (include/spikegraph/records.hpp): the spikes of each population, in the order
/// they happened, and what each state monitor saw, with shape [records, batch, recorded
/// neurons] per variable.
struct EvolveRecord {
    std::map<std::string, SpikeRecord> spikes;  // every neuron group and spike input
    std::map<std::string, StateRecord> states;  // every state monitor of the network
};

struct EvolveOutputs {
    std::int64_t first_step = 0;  // the step the evolve started at
    std::int64_t steps = 0;       // steps run
    double t_end_ms = 0.0;        // time reached
    /// Spikes during the evolve, per population and batch entry.
    std::map<std::string, std::vector<std::int64_t>> spike_counts;
    std::uint64_t synaptic_events = 0;  // during the evolve
};

struct EvolveResult {
    EvolveOutputs outputs;
    VariableMap new_state;  // as Simulation::state(): every state variable and k_step_entry
    EvolveRecord record;
};

}  // namespace spikegraph
