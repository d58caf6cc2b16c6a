#pragma once
// What the user asks to record.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <spikegraph/group_ref.hpp>
#include <spikegraph/value_spec.hpp>

namespace spikegraph {

struct SpikeMonitorSpec {
    std::string name;
    GroupRef source;  // a neuron group or a spike input, whole or a slice
    // A population rate monitor (Brian2's PopulationRateMonitor; YAML `type: rate`): writes
    // the rate of the monitored neurons per `bin` (empty: every step) instead of their spikes.
    bool population_rate = false;
    ValueSpec bin;
    TextOrigin origin;
};

struct StateMonitorSpec {
    std::string name;
    GroupRef group;  // a neuron group (or slice), or a connection with a synapse model
    std::vector<std::string> variables;
    std::vector<std::int64_t> indices;  // within the slice; empty: every neuron of the slice
    // A connection's synapses, by synapse index (CSR order, as in the final-state files) or
    // by (pre, post) pairs of indices in the pre and post groups. Empty: every synapse.
    std::vector<std::int64_t> synapses;
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    ValueSpec every;                    // record interval; empty: every step
    TextOrigin origin;
};

/// The final values of a connection's synapse variables, written at the end of a run (and by
/// Simulation::write_synapses on demand) as `<name>.<var>.npy` with `<name>.pre.npy` and
/// `<name>.post.npy` (indices in the pre and post groups), described in the manifest.
struct SynapseStateSpec {
    std::string name;
    std::string connection;
    std::vector<std::string> variables;  // empty: every variable of the synapse model
    TextOrigin origin;
};

}  // namespace spikegraph
