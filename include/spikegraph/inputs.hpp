#pragma once
// Input nodes: spike sources (Poisson, spike-time arrays) that connections take as `pre`, and
// currents that drive a variable of a group.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <spikegraph/group_ref.hpp>
#include <spikegraph/value_spec.hpp>

namespace spikegraph {

/// `size` independent Poisson spike trains; `rate` is a frequency, constant or per source
/// (an expression of `i`). A source spikes in a step with probability rate * dt.
struct PoissonInput {
    std::string name;
    std::size_t size = 1;
    ValueSpec rate = "10 Hz";
    TextOrigin origin;
};

/// Spikes at given times: source `indices[k]` fires at `times_ms[k]` (rounded to the step).
struct SpikeTimesInput {
    std::string name;
    std::size_t size = 1;
    std::vector<std::int64_t> indices;
    std::vector<double> times_ms;
    TextOrigin origin;
};

/// Sets `variable` of the `target` neurons each step: `value` until the first change, then
/// `changes[k].second` from time `changes[k].first` (a constant or step current).
struct CurrentInput {
    std::string name;
    GroupRef target;
    std::string variable = "I";
    ValueSpec value = "0";
    std::vector<std::pair<ValueSpec, ValueSpec>> changes;  // (time, value)
    TextOrigin origin;
};

}  // namespace spikegraph
