#pragma once
// What Simulation::evolve takes and returns: the functional form,
// evolve(inputs, state) -> {outputs, new_state, record}.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "simulator/variable_map.hpp"

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

/// The spikes of one population during an evolve, in the order they happened: step k (spike
/// stamped t_k = k * dt), neuron index within the population, batch entry.
struct SpikeRecord {
    std::vector<std::int64_t> step;
    std::vector<std::int32_t> index;
    std::vector<std::int32_t> batch;

    std::size_t size() const { return step.size(); }
    /// Spike times [ms] for a step of `dt_ms`.
    std::vector<double> t_ms(double dt_ms) const;
};

/// What a state monitor of the network saw during an evolve: record steps, and per variable
/// the values row-major with shape [records, batch, recorded neurons].
struct StateRecord {
    std::vector<std::int64_t> step;
    std::vector<std::int64_t> indices;  // recorded neurons within the group
    std::map<std::string, std::vector<double>> values;
};

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
