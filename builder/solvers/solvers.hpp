#pragma once
// Solvers turn a group's ODEs into the per-step update: for each state variable, an expression
// of the values at t that gives its value at t + dt. Backend-neutral (expression trees in,
// expression trees out): the CPU and CUDA backends lower the same result.

#include <string>
#include <vector>

#include "core/expr.hpp"
#include "core/expr_eval.hpp"

namespace spikegraph::solvers {

struct OdeSystem {
    std::vector<std::string> vars;  // state variables
    std::vector<expr::Ptr> rhs;     // dvar/dt, in internal units per ms
    // Frozen while refractory (`unless refractory`): its derivative is 0 where the symbol
    // `not_refractory` is 0. Ignored when `refractory` is false.
    std::vector<bool> frozen;
    bool refractory = false;
};

/// Methods known by name: "euler", "rk2" (midpoint), "rk4", "exact" (linear systems with
/// constant coefficients, through the matrix exponential) and "exponential_euler" (Brian's:
/// each equation linear in its own variable).
std::vector<std::string> method_names();
bool is_method(const std::string& name);

/// The value of each of `system.vars` at t + dt.
/// `shared` gives the value of symbols that are the same for every neuron and step (shared
/// parameters); the exact method needs every coefficient of the linear system to be such.
/// @throws ModelError when the method does not apply (exact on a non-linear system), naming the
///         equation and what to do.
std::vector<expr::Ptr> integrate(const OdeSystem& system, const std::string& method,
                                 double dt_ms, const expr::SymbolLookup& shared);

}  // namespace spikegraph::solvers
