#pragma once
// Evaluates an expression tree to a number, one value at a time. Used at build time (constant
// coefficients, refractory periods, exact solvers) and for values given once per object; the
// per-step paths compile trees into backend code instead.

#include <functional>
#include <optional>
#include <string>

#include "core/expr.hpp"

namespace spikegraph::expr {

/// Returns the value of a symbol, or nullopt when it has no single value.
using SymbolLookup = std::function<std::optional<double>(const std::string&)>;

/// The value of `e`, or nullopt when it mentions a symbol without a value or calls rand()/randn().
std::optional<double> try_evaluate(const Ptr& e, const SymbolLookup& lookup);

/// Applies a call by name to evaluated arguments (exp, log, ..., where, clip); nullopt for
/// rand/randn and unknown names.
std::optional<double> apply_function(const std::string& name, const double* args, std::size_t n);

}  // namespace spikegraph::expr
