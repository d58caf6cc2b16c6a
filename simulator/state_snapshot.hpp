#pragma once
// A bitwise copy of everything that evolves in a simulation: every variable but the constants
// (state, parameters, weights, delay buffers, spike totals, refractory counters, and the
// temporaries, which cost little and make the copy independent of what carries over a step),
// the step counter and the synaptic event count. Inputs are functions of (seed, step), so the
// step counter is their whole state.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/executor.hpp"
#include "builder/plan.hpp"

namespace spikegraph {

struct StateSnapshot {
    struct Variable {
        std::string name;
        DType dtype = DType::f64;
        std::vector<std::size_t> shape;
        std::vector<std::byte> bytes;  // native (little-endian) layout, row-major
    };
    std::int64_t step = 0;  // index of the next step (t = step * dt)
    std::uint64_t synaptic_events = 0;
    std::vector<Variable> variables;

    /// Bytes held by the variables.
    std::size_t bytes() const;
};

/// Copies the snapshot variables of `plan` out of `executor`.
StateSnapshot capture_snapshot(const Plan& plan, const Executor& executor);

/// Writes a snapshot back (variables, step, event count). The snapshot must come from the same
/// plan (restore) or have been checked against it (resume).
void apply_snapshot(const StateSnapshot& snapshot, Executor& executor);

}  // namespace spikegraph
