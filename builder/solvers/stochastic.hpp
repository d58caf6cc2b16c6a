#pragma once
// The stochastic methods of builder/solvers/ (Euler-Maruyama, stochastic Heun, derivative-free
// Milstein): private to solvers.cpp, which dispatches to them when an OdeSystem has noises.

#include <string>
#include <vector>

#include "builder/solvers/solvers.hpp"

namespace spikegraph::solvers::detail {

/// The update of a stochastic system by `method` ("euler", "heun", "milstein"), `rhs` being the
/// system's right-hand sides with refractoriness applied.
/// @throws ModelError for a deterministic method, euler on multiplicative noise or milstein on
///         noise that is not diagonal.
std::vector<expr::Ptr> integrate_stochastic(const OdeSystem& system,
                                            const std::vector<expr::Ptr>& rhs,
                                            const std::string& method, double dt_ms);

}  // namespace spikegraph::solvers::detail
