#pragma once
// Name-to-array maps: how the functional form hands state and parameters in and out, and the
// checks that turn a wrong name or size into a message that says what would have been right.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "builder/plan.hpp"

namespace spikegraph {

/// Qualified variable name ("neurons.v") -> host copy, row-major in the variable's shape.
using VariableMap = std::map<std::string, std::vector<double>>;

/// The entry of a state map that holds the index of the next step (t = step * dt): state maps
/// carry time, so that evolving from one continues the input streams where it left off.
inline constexpr std::string_view k_step_entry = "step";

namespace detail {

enum class VariableSet {
    state,       // Role::state, and temporaries some op reads `prev` (carried to the next step)
    parameters,  // Role::parameter and Role::weight
    settable,    // state and parameters: what an evolve may override
    snapshot,    // everything but constants: what store() and checkpoint() keep
};

/// Whether `v` belongs to `set` in `plan`.
bool in_set(const Plan& plan, const VariableSpec& v, VariableSet set);

/// The names of `plan`'s variables in `set`, in plan order.
std::vector<std::string> variables_of(const Plan& plan, VariableSet set);

/// Checks every entry of `values` against `set`: the name must be a variable of the set (or
/// k_step_entry where `allow_step`), and the number of values must match its size; integer
/// variables take only whole numbers. `who` starts the message ("with_state").
/// @throws SimulationError naming the entry, what was expected and what was given, with "did
/// you mean" and the known names.
void check_variable_map(const Plan& plan, const VariableMap& values, VariableSet set,
                        bool allow_step, std::string_view who);

/// "[1, 4000]".
std::string shape_text(const std::vector<std::size_t>& shape);

}  // namespace detail

}  // namespace spikegraph
