#pragma once
// What the user asks to record.

#include <cstdint>
#include <string>
#include <vector>

#include <spikegraph/group_ref.hpp>
#include <spikegraph/value_spec.hpp>

namespace spikegraph {

struct SpikeMonitorSpec {
    std::string name;
    GroupRef source;  // a neuron group or a spike input, whole or a slice
    TextOrigin origin;
};

struct StateMonitorSpec {
    std::string name;
    GroupRef group;
    std::vector<std::string> variables;
    std::vector<std::int64_t> indices;  // within the slice; empty: every neuron of the slice
    ValueSpec every;                    // record interval; empty: every step
    TextOrigin origin;
};

}  // namespace spikegraph
