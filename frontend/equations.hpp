#pragma once
// Model equations in Brian's notation, one definition per line:
//
//     dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
//     I_syn = ge * (Ee - v) : amp
//     taum : second (shared, constant)
//
// and the dimension check that turns unit names inside expressions into plain numbers in
// internal units (`20 ms` -> 20, `10 Hz` -> 0.01).

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/expr.hpp"
#include "core/units.hpp"
#include "frontend/expression_parser.hpp"
#include "frontend/parameters.hpp"

namespace spikegraph {

/// The most definitions (equations, sub-expressions, parameters) one model's equations may hold.
constexpr std::size_t k_max_definitions = 1000;

/// `dv/dt = rhs : unit [(unless refractory)]`.
struct OdeSpec {
    std::string var;
    expr::Ptr rhs;
    Dimension unit;  // of `var`; the rhs is unit/second
    bool unless_refractory = false;
    // Synapse models only: `(event-driven)` advances the variable in closed form at the
    // synapse's events instead of every step; `(clock-driven)` is the default, said explicitly.
    bool event_driven = false;
    expr::SourceLoc loc;
};

/// `name = value : unit`, a named sub-expression that callers inline.
struct SubExpression {
    std::string name;
    expr::Ptr value;
    Dimension unit;
    expr::SourceLoc loc;
    // Synapse models only: `(summed)` sets the post group's variable `name` every step to the
    // sum of `value` over its synapses (Brian's summed variables).
    bool summed = false;
};

/// `name : unit [(shared)|(constant)|(shared, constant)]`, a parameter (per neuron unless shared).
struct ParameterDecl {
    std::string name;
    Dimension unit;
    bool shared = false;
    bool constant = false;
    expr::SourceLoc loc;
};

struct Equations {
    std::vector<OdeSpec> odes;
    std::vector<SubExpression> subs;
    std::vector<ParameterDecl> params;
};

/// Parses equation text; `#` starts a comment, blank lines are ignored.
/// @throws ModelError (located) on a syntax error, an unknown flag, a duplicate or reserved name.
Equations parse_equations(std::string_view text, const TextOrigin& origin);

using SymbolDims = std::map<std::string, Dimension, std::less<>>;

/// An expression whose unit names are replaced by their values in internal units, and its
/// dimension.
struct Checked {
    expr::Ptr expr;
    Dimension dim;
};

/// Checks dimensions. Identifiers resolve, in order, to `symbols`, the built-ins (`t`, `dt`,
/// `lastspike`: time; `i`, `N`, `not_refractory`: dimensionless), the network's parameters of
/// the thread's ParameterScope (frontend/parameters.hpp) and unit names.
/// @throws ModelError (located) on an unknown identifier or inconsistent dimensions.
Checked check_expression(const expr::Ptr& e, const SymbolDims& symbols, const TextOrigin& origin);

/// Dimensions of everything `eq` defines: ODE variables, sub-expressions and parameters.
SymbolDims symbol_dims(const Equations& eq);

/// Checks every ODE (rhs is unit/second) and sub-expression (value has its declared unit), with
/// `extra` symbols visible besides the equations' own (which win on a clash). Returns a copy with
/// unit names resolved to constants.
/// @throws ModelError (located) on a dimension mismatch, unknown identifier or a cycle among
///         sub-expressions.
Equations check_equations(const Equations& eq, const SymbolDims& extra, const TextOrigin& origin);

/// True for a name of white noise: `xi` or `xi_<name>` (Brian's stochastic variables), each
/// distinct name an independent noise of dimension second^-1/2 (dim::noise()).
bool is_noise_name(std::string_view name);

/// The message for white noise `name` where it cannot be (a reset, a threshold, an initial
/// value): only the right-hand side of a neuron group's differential equation may use it.
std::string noise_outside_ode(std::string_view name);

/// The white-noise names that the equations' right-hand sides and sub-expressions mention, in
/// first-seen order: the symbols a neuron group's check_equations resolves as second^-1/2.
std::vector<std::string> noise_names(const Equations& eq);

/// Refuses rand()/randn() (and uniform(), normal()) in a differential equation, sub-expressions
/// inlined: a draw per step is not scaled by the step; white noise is `xi`.
/// @throws ModelError located at the call, naming `xi` as the fix.
void check_no_draws_in_odes(const Equations& eq, const TextOrigin& origin);

/// Replaces sub-expression names in `e` by their values, recursively.
/// @throws ModelError when sub-expressions refer to each other in a cycle, or when the result is
///         nested deeper than expr::k_max_depth.
expr::Ptr inline_subexpressions(const expr::Ptr& e, const Equations& eq);

}  // namespace spikegraph
