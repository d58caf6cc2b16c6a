#pragma once
// Finds what would make a folded constant NaN or infinite: a sub-expression whose value, with
// the values known at build time (numbers, units, shared parameters), is not finite, or a
// division by a sub-expression that is 0 there. The builder reports it, located, instead of
// letting the number reach the state as Inf or NaN at the first step.

#include <optional>
#include <string>

#include "core/expr.hpp"
#include "core/expr_eval.hpp"

namespace spikegraph::expr {

/// A sub-tree of an expression that does not evaluate to a finite number.
struct NonFinite {
    Ptr node;              // the innermost offending sub-tree
    double value = 0.0;    // its value (NaN or +-Inf) when known; 0 for x / 0 with x unknown
    Ptr zero_divisor;      // the divisor that is 0, when node is a division by zero
};

/// The innermost, leftmost sub-tree of `e` that, with the values `lookup` knows (nullptr: only
/// numbers), is NaN or +-Inf or divides by 0; nullopt when there is none. Sub-trees that use
/// unknown symbols or random calls are not evaluated, but their known parts are. The branches of
/// where() are skipped when its condition is not known (a guard such as where(x > 0, y / x, 0)
/// may keep a division by zero from ever being used), and only the branch taken is looked at
/// when the condition is known. Shared sub-trees are visited once.
std::optional<NonFinite> find_non_finite(const Ptr& e, const SymbolLookup& lookup = nullptr);

/// What is wrong, for a message: "divides by tau, which is 0" or "exp(1000) is inf".
std::string describe(const NonFinite& f);

}  // namespace spikegraph::expr
