#pragma once
// Which plan variables form the state, the parameters, what an evolve may set and what a
// snapshot keeps; and the checks that turn a wrong name, size or unit in a VariableMap into a
// message that says what would have been right.

#include <string>
#include <string_view>
#include <vector>

#include "builder/plan.hpp"
#include <spikegraph/variable_map.hpp>

namespace spikegraph::detail {

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

/// Converts values with units to internal units, one value per element (a single quantity is
/// repeated over the variable). The unit's dimension must be the variable's (its
/// VariableSpec::unit). Names are checked against `set` as check_variable_map does.
/// @throws SimulationError naming the entry, the unit expected and the one given.
VariableMap to_internal_units(const Plan& plan, const UnitValueMap& values, VariableSet set,
                              std::string_view who);

/// "[1, 4000]".
std::string shape_text(const std::vector<std::size_t>& shape);

}  // namespace spikegraph::detail
