#pragma once
// Named parameters of a network (YAML `parameters:`, Network::parameter): values with units,
// possibly derived from each other (`nu_thr: theta / (J * C_E * tau)`), that every expression
// of the network may use. As in Brian's namespaces, a name the model (or the expression's own
// context) defines wins; a name nobody defines resolves to the parameters, then to the units.
//
// Parameters are resolved once per load and once per build into numbers in internal units; the
// dimension check (check_expression, frontend/equations.hpp) looks names up in the innermost
// ParameterScope of the thread, so that every value, init, weight, delay, rate, probability and
// equation reaches them through one place.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.hpp"
#include <spikegraph/value_spec.hpp>

namespace spikegraph {

using ParameterValues = std::map<std::string, Quantity, std::less<>>;

/// Evaluates `declared` (name -> value text) in dependency order.
/// @throws ConfigError located at the offending value: a name that is not an identifier or is
///         reserved (a unit, t, dt, i, j, N, ...), a syntax or dimension error, an unknown name
///         (with did-you-mean), a cycle (naming every parameter on it), rand(), a non-finite
///         value.
ParameterValues resolve_parameters(const std::map<std::string, ValueSpec>& declared);

/// While alive, check_expression on this thread resolves otherwise unknown names to `values`.
/// Scopes nest; the innermost wins. Not copyable.
class ParameterScope {
public:
    explicit ParameterScope(ParameterValues values);
    ~ParameterScope();
    ParameterScope(const ParameterScope&) = delete;
    ParameterScope& operator=(const ParameterScope&) = delete;

private:
    ParameterValues values_;
    const ParameterValues* previous_;
};

/// Parameter `name` of the innermost scope (Brian's namespaces: what check_expression resolves
/// a name to when the expression's context does not define it), or nullptr.
const Quantity* find_parameter(std::string_view name);

/// The names of the innermost scope's parameters (none without a scope), for did-you-mean.
std::vector<std::string> parameter_names();

}  // namespace spikegraph
