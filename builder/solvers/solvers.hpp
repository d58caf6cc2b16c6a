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
    // White noise (xi, xi_<name>) in `rhs`, each an independent noise of dimension
    // second^-1/2; every equation must be linear in each (noise_nonlinearity). In the update
    // that integrate returns, these symbols stand for one standard normal draw per neuron and
    // step: the solver has multiplied them by sqrt(dt).
    std::vector<std::string> noises;
};

/// Methods known by name: "euler", "rk2" (midpoint), "rk4", "exact" (linear systems with
/// constant coefficients, through the matrix exponential), "exponential_euler" (Brian's:
/// each equation linear in its own variable), and for stochastic equations "euler"
/// (Euler-Maruyama, additive noise), "heun" (stochastic Heun, Stratonovich) and "milstein"
/// (derivative-free Milstein, diagonal noise), as Brian2 defines them.
std::vector<std::string> method_names();
bool is_method(const std::string& name);

/// The methods that integrate stochastic equations ("euler" only for additive noise).
std::vector<std::string> stochastic_method_names();

/// The noise of `rhs` that it is not linear in (`xi**2`, `exp(xi)`, `xi * xi_2`), or "" when
/// it is linear in each of `noises`: `f + g_1 xi_1 + ...` with no g_k depending on a noise.
std::string noise_nonlinearity(const expr::Ptr& rhs, const std::vector<std::string>& noises);

/// True when a noise's coefficient depends on a state variable (multiplicative noise).
bool multiplicative_noise(const OdeSystem& system);

/// What "auto" picks for a stochastic system, as Brian2 does: "euler" for additive noise,
/// "heun" for multiplicative noise (never "exact" or "exponential_euler").
std::string auto_stochastic_method(const OdeSystem& system);

/// The value of each of `system.vars` at t + dt.
/// `shared` gives the value of symbols that are the same for every neuron and step (shared
/// parameters); the exact method needs every coefficient of the linear system to be such.
/// @throws ModelError when the method does not apply (exact on a non-linear system, a
///         deterministic method on stochastic equations, euler on multiplicative noise,
///         milstein on noise that is not diagonal), naming the equation and what to do.
std::vector<expr::Ptr> integrate(const OdeSystem& system, const std::string& method,
                                 double dt_ms, const expr::SymbolLookup& shared);

}  // namespace spikegraph::solvers
