#pragma once
// The Builder: turns a declared Network into a Plan. It parses and checks every model and value
// (with the location of each in the config), creates the synapses, declares the variables and
// ops, and derives the step order.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "builder/memory_estimate.hpp"
#include "builder/plan.hpp"
#include <spikegraph/network.hpp>

namespace spikegraph {

/// What the simulator needs to know about a monitor to give it a sink.
struct MonitorInfo {
    enum class Kind { spike, state, rate };
    Kind kind = Kind::spike;
    std::string name;     // monitor name (output file prefix)
    std::string op;       // the monitor op's name (sink key)
    std::string group;
    std::size_t begin = 0, end = 0;           // monitored slice
    std::vector<std::string> variables;       // state monitor: variable names in the group
    std::vector<std::string> units;           // their display units
    std::vector<std::int64_t> indices;        // recorded neurons, within the slice; for a
                                              // connection (`synapses`): synapse indices
    bool synapses = false;                    // records a connection's synapse variables
    std::int64_t every_steps = 1;             // state: record interval; rate: bin
};

/// A population that spikes: a neuron group or a spike input.
struct PopulationInfo {
    std::string name;
    std::string kind;  // "neurons", "poisson", "spike_times"
    std::size_t size = 0;
    std::string total_var;  // i64 [B]: spikes since initial_step
};

/// A connection with a synapse model: where its synapses and their variables live.
struct SynapseGroupInfo {
    std::string name;                           // the connection
    std::string pre, post;                      // the pre population and the post group
    std::size_t pre_begin = 0, post_begin = 0;  // slice starts: group index = begin + local
    std::size_t synapses = 0;                   // nnz, in CSR order (pre-major)
    std::string pre_index_var;                  // i32 [nnz]: pre neuron within the pre slice
    std::string post_index_var;                 // i32 [nnz]: post neuron within the post slice
    struct Variable {
        std::string name;  // in the model ("w")
        std::string var;   // plan variable ("ee.w"): [B, nnz] when batched, else [nnz] or [1]
        std::string unit;  // display unit
        bool batched = true;
        bool shared = false;  // one value for every synapse: [1]
    };
    std::vector<Variable> variables;  // the model's variables and parameters (not lastupdate)
};

/// A SynapseStateSpec resolved: which variables of which connection to write at the end.
struct SynapseStateInfo {
    std::string name;
    std::string connection;
    std::vector<std::string> variables;  // names in the model
};

struct BuildResult {
    Plan plan;
    std::vector<MonitorInfo> monitors;
    std::vector<PopulationInfo> populations;
    std::vector<SynapseGroupInfo> synapse_groups;
    std::vector<SynapseStateInfo> synapse_states;
    std::size_t neurons = 0;   // in neuron groups
    std::size_t synapses = 0;
    std::size_t state_bytes = 0;  // memory of all variables for the chosen precision and batch
    /// What the network needs in all, by part (checked against the limit before the build
    /// returns, so before the backend allocates).
    MemoryEstimate memory;
    /// Shared parameters the build turned into constants of its ops (the 'exact' solver's
    /// coefficients, refractory periods, on_pre statements): they cannot be changed after the
    /// build (Simulation::with_parameters refuses them).
    std::set<std::string> folded_parameters;
};

/// Refuses, before making any synapse and again before returning, a network that needs more
/// memory than network.settings.max_memory_bytes (0: what the machine has available).
/// @throws ConfigError, ModelError or BuildError naming the object, the value and the fix.
BuildResult build(const Network& network);

}  // namespace spikegraph
