#pragma once
// The dimension check of a timed-array call `name(t)` / `name(t, i)` (core/timed_array.hpp),
// for the checker of frontend/equations.cpp.

#include <functional>
#include <memory>
#include <optional>

#include "core/timed_array.hpp"
#include "frontend/equations.hpp"

namespace spikegraph::detail {

/// When call `e` names a timed array of the thread's TimedArrayScope: checks its arguments (a
/// time, then a plain number for a 2-D array) with `visit` (the checker's own recursion) and
/// returns the call bound to the array's data, with the array's unit; nullopt for other calls.
/// @throws ModelError located at the call for a wrong number or dimension of arguments.
std::optional<Checked> timed_array_call(const expr::Ptr& e, const TextOrigin& origin,
                                        const std::function<Checked(const expr::Ptr&)>& visit);

}  // namespace spikegraph::detail
