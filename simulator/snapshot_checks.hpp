#pragma once
// A checkpoint's checksums say its bytes are the ones written; they cannot say the bytes were a
// state spikegraph could have produced. These checks close that gap for the values the kernels use
// as indices or subtract from the step counter, so that a crafted or damaged file is refused
// instead of reading outside an array.

#include <functional>
#include <string>

#include "builder/plan.hpp"
#include "simulator/state_snapshot.hpp"

namespace spikegraph::detail {

/// Calls `refuse(why)` (which must throw) for the first value of `snapshot` that no run of `plan`
/// can produce: a step counter past k_max_steps, a last-spike step after the step counter or
/// before the "never spiked" mark, a spike ring whose count exceeds its row or whose entries are
/// not neuron indices of the presynaptic slice.
void check_snapshot_values(const Plan& plan, const StateSnapshot& snapshot,
                           const std::function<void(const std::string&)>& refuse);

}  // namespace spikegraph::detail
