#pragma once
// Internal to the builder: the parts of a synapse model (Connection::model, on_pre, on_post)
// that are pure expression work, kept apart from the plan-building in synapse_builder.cpp:
// the closed form of event-driven equations and the folding of a pathway's statements into one
// new value per written symbol.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/expr.hpp"
#include "frontend/equations.hpp"

namespace spikegraph::detail {

/// A trace that only decays (dX/dt = rate X) kept per neuron is stored scaled: X(t) is
/// `var` * exp(rate * (t - var@ref)), where var@ref is a reference time shared by all its
/// neurons, moved on now and then (the kernel, when the factor leaves e^±100), so that a
/// reading costs a multiplication by a factor computed once per step instead of an
/// exponential per neuron. This is that factor (`inverse`: its reciprocal, which scales a value
/// at t back into the stored form).
expr::Ptr scaled_trace_factor(const std::string& var, double rate, bool inverse);

/// The value of event-driven variable `var` at time t from its value at `lastupdate`, for
/// dvar/dt = rhs. `rhs` must be a*var + b with a and b free of every symbol but `constants`
/// (the model's shared parameters).
/// @throws ModelError (at `loc` of `origin`) naming the symbol that makes it non-linear or
/// time-varying, and saying to use (clock-driven).
expr::Ptr event_driven_closed_form(const std::string& var, const expr::Ptr& rhs,
                                   const std::set<std::string>& constants,
                                   const TextOrigin& origin, expr::SourceLoc loc);

/// A pathway's statements, one synapse at a time: `values[k]` is the new value of `targets[k]`,
/// an expression of the values before the event. Statements apply in order; each sees what the
/// ones before it wrote.
struct FoldedStatements {
    std::vector<std::string> targets;
    std::vector<expr::Ptr> values;
    std::map<std::string, bool> only_added;  // per target: written by += and -= alone
    // Symbols read as another expression without being written (a neuron-level trace read by
    // the pathway that does not own it: its value decayed to t).
    std::vector<std::string> alias_names;
    std::vector<expr::Ptr> alias_values;

    /// `target op= value` (op as parse_statements gives it), `value` over the symbols' values
    /// before this statement.
    void apply(const std::string& target, Statement::Op op, const expr::Ptr& value);
    /// The current value of `symbol` (itself when nothing wrote it yet).
    expr::Ptr current(const std::string& symbol) const;
    /// `e` with every written symbol replaced by its current value.
    expr::Ptr resolve(const expr::Ptr& e) const;
};

}  // namespace spikegraph::detail
