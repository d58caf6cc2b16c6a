#include "builder/solvers/solvers.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "builder/solvers/stochastic.hpp"
#include "core/assert.hpp"
#include "core/timed_array.hpp"

#include <spikegraph/error.hpp>

namespace spikegraph::solvers {

namespace {

using expr::Ptr;
using Matrix = std::vector<std::vector<double>>;

// How much of an equation a message quotes: the inlined right-hand side can be long.
constexpr std::size_t k_quoted_chars = 200;

// Derivatives with `not_refractory` applied: frozen variables stand still while refractory.
std::vector<Ptr> effective_rhs(const OdeSystem& s) {
    std::vector<Ptr> out = s.rhs;
    if (!s.refractory) return out;
    for (std::size_t k = 0; k < out.size(); ++k)
        if (s.frozen[k]) out[k] = expr::mul(expr::symbol("not_refractory"), out[k]);
    return out;
}

std::vector<Ptr> euler(const OdeSystem& s, double dt) {
    const auto f = effective_rhs(s);
    std::vector<Ptr> next;
    for (std::size_t k = 0; k < s.vars.size(); ++k)
        next.push_back(expr::add(expr::symbol(s.vars[k]), expr::mul(expr::constant(dt), f[k])));
    return next;
}

// Midpoint method: x(t+dt) = x + dt f(x + dt/2 f(x)). Shared sub-trees are merged again by the
// backend's common-subexpression elimination, so f(x) is computed once.
std::vector<Ptr> rk2(const OdeSystem& s, double dt) {
    const auto f = effective_rhs(s);
    std::vector<Ptr> mid;
    for (std::size_t k = 0; k < s.vars.size(); ++k)
        mid.push_back(expr::add(expr::symbol(s.vars[k]), expr::mul(expr::constant(dt / 2), f[k])));
    std::vector<Ptr> next;
    for (std::size_t k = 0; k < s.vars.size(); ++k) {
        const Ptr f_mid = expr::substitute(f[k], s.vars, mid);
        next.push_back(expr::add(expr::symbol(s.vars[k]), expr::mul(expr::constant(dt), f_mid)));
    }
    return next;
}

// Classic fourth-order Runge-Kutta: x + dt/6 (k1 + 2 k2 + 2 k3 + k4).
std::vector<Ptr> rk4(const OdeSystem& s, double dt) {
    const auto f = effective_rhs(s);
    const std::size_t n = s.vars.size();
    auto stage = [&](const std::vector<Ptr>& k, double h) {
        std::vector<Ptr> x(n);
        for (std::size_t i = 0; i < n; ++i)
            x[i] = expr::add(expr::symbol(s.vars[i]), expr::mul(expr::constant(h), k[i]));
        std::vector<Ptr> out(n);
        for (std::size_t i = 0; i < n; ++i) out[i] = expr::substitute(f[i], s.vars, x);
        return out;
    };
    const auto k1 = f;
    const auto k2 = stage(k1, dt / 2);
    const auto k3 = stage(k2, dt / 2);
    const auto k4 = stage(k3, dt);
    std::vector<Ptr> next;
    for (std::size_t i = 0; i < n; ++i) {
        Ptr sum = expr::add(expr::add(k1[i], expr::mul(expr::constant(2.0), k2[i])),
                            expr::add(expr::mul(expr::constant(2.0), k3[i]), k4[i]));
        next.push_back(expr::add(expr::symbol(s.vars[i]), expr::mul(expr::constant(dt / 6), sum)));
    }
    return next;
}

// Brian's exponential Euler: each equation, linear in its own variable given the others,
// dx/dt = A + B x, is advanced exactly over the step with the others held at their values at t:
// x' = -A/B + (x + A/B) exp(B dt), and x + A dt where B is 0.
std::vector<Ptr> exponential_euler(const OdeSystem& s, double dt) {
    const auto f = effective_rhs(s);
    std::vector<Ptr> next;
    for (std::size_t i = 0; i < s.vars.size(); ++i) {
        const std::string& x = s.vars[i];
        const Ptr b = expr::derivative(f[i], x);
        if (!b || expr::depends_on(b, x))
            throw ModelError(fmt::format(
                "method 'exponential_euler' needs each equation linear in its own variable, but "
                "d{}/dt = {} is not linear in {}; use 'rk2' or 'rk4'",
                x, expr::to_string(s.rhs[i], k_quoted_chars), x));
        const Ptr a = expr::simplify(expr::substitute(f[i], {x}, {expr::constant(0.0)}));
        const Ptr bs = expr::simplify(b);
        const Ptr xs = expr::symbol(x);
        const Ptr euler_step = expr::add(xs, expr::mul(expr::constant(dt), a));
        if (bs->kind == expr::Kind::constant && bs->value == 0.0) {
            next.push_back(euler_step);
            continue;
        }
        const Ptr ratio = expr::div(a, bs);
        const Ptr exact_step = expr::add(
            expr::neg(ratio),
            expr::mul(expr::add(xs, ratio),
                      expr::call("exp", {expr::mul(bs, expr::constant(dt))})));
        if (bs->kind == expr::Kind::constant) {
            next.push_back(exact_step);
            continue;
        }
        // B can be 0 for some neurons or steps (e.g. while refractory): fall back to Euler.
        next.push_back(expr::call("where", {expr::binary(expr::Kind::eq, bs, expr::constant(0.0)),
                                            euler_step, exact_step}));
    }
    return next;
}

Matrix multiply(const Matrix& a, const Matrix& b) {
    const std::size_t n = a.size();
    Matrix c(n, std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < n; ++k)
            for (std::size_t j = 0; j < n; ++j) c[i][j] += a[i][k] * b[k][j];
    return c;
}

// exp(M) by scaling and squaring with a Taylor series: M is scaled until its norm is below
// 1/2, where 30 terms reach double precision.
Matrix expm(Matrix m) {
    const std::size_t n = m.size();
    double norm = 0;
    for (const auto& row : m) {
        double s = 0;
        for (double x : row) s += std::fabs(x);
        norm = std::max(norm, s);
    }
    // exact() admits only finite coefficients; the loop below would not end on an infinite norm.
    SPIKEGRAPH_ASSERT(std::isfinite(norm));
    int squarings = 0;
    while (norm > 0.5) {
        norm /= 2;
        ++squarings;
    }
    const double scale = std::ldexp(1.0, -squarings);
    for (auto& row : m)
        for (double& x : row) x *= scale;
    Matrix result(n, std::vector<double>(n, 0.0)), term(n, std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < n; ++i) result[i][i] = term[i][i] = 1.0;
    for (int k = 1; k <= 30; ++k) {
        term = multiply(term, m);
        for (auto& row : term)
            for (double& x : row) x /= k;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) result[i][j] += term[i][j];
    }
    for (int k = 0; k < squarings; ++k) result = multiply(result, result);
    return result;
}

// x(t+dt) = Phi x + Gamma c for dx/dt = A x + c with A constant and c constant over the step:
// exp([[A, I], [0, 0]] dt) = [[Phi, Gamma], [0, I]].
std::vector<Ptr> linear_update(const std::vector<std::string>& vars, const Matrix& a,
                               const std::vector<Ptr>& c, double dt) {
    const std::size_t n = vars.size();
    Matrix aug(2 * n, std::vector<double>(2 * n, 0.0));
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) aug[i][j] = a[i][j] * dt;
        aug[i][n + i] = dt;
    }
    const Matrix e = expm(aug);
    std::vector<Ptr> next;
    for (std::size_t i = 0; i < n; ++i) {
        // The input part first, then the state terms: sum = (Gamma c) + Phi_i0 x0 + ..., which
        // a backend evaluates as a chain of multiply-adds.
        Ptr sum = expr::constant(0.0);
        for (std::size_t j = 0; j < n; ++j) {
            const Ptr cj = expr::simplify(c[j]);
            const bool c_zero = cj->kind == expr::Kind::constant && cj->value == 0.0;
            if (e[i][n + j] != 0.0 && !c_zero)
                sum = expr::add(sum, expr::mul(expr::constant(e[i][n + j]), cj));
        }
        for (std::size_t j = 0; j < n; ++j)
            if (e[i][j] != 0.0)
                sum = expr::add(sum, expr::mul(expr::constant(e[i][j]), expr::symbol(vars[j])));
        next.push_back(sum);
    }
    return next;
}

// True when `e` passes a state variable through something without a derivative rule that
// would make it look linear (comparisons, logic, where, min, max, abs, floor, ...).
bool non_smooth_in(const Ptr& e, const std::vector<std::string>& vars) {
    using expr::Kind;
    const bool smooth_kind = e->kind == Kind::constant || e->kind == Kind::symbol ||
                             e->kind == Kind::neg || e->kind == Kind::add ||
                             e->kind == Kind::sub || e->kind == Kind::mul || e->kind == Kind::div ||
                             e->kind == Kind::pow ||
                             (e->kind == Kind::call &&
                              (e->name == "exp" || e->name == "log" || e->name == "sqrt" ||
                               e->name == "sin" || e->name == "cos" || e->name == "tanh" ||
                               e->name == "pow"));
    if (!smooth_kind)
        for (const auto& v : vars)
            if (expr::depends_on(e, v)) return true;
    for (const auto& a : e->args)
        if (non_smooth_in(a, vars)) return true;
    return false;
}

// The first timed array in `e` that is not constant over a step of `dt`, or nullptr.
const TimedArray* varying_timed_array(const Ptr& e, double dt) {
    if (e->table && !timed_array_locally_constant(*e->table, dt)) return e->table.get();
    for (const auto& a : e->args)
        if (const TimedArray* t = varying_timed_array(a, dt)) return t;
    return nullptr;
}

std::vector<Ptr> exact(const OdeSystem& s, double dt, const expr::SymbolLookup& shared) {
    const std::size_t n = s.vars.size();
    // A timed array enters the update as an input held for the step (its value at t), which is
    // exact when it is constant over the step, as Brian's is_locally_constant requires.
    for (std::size_t i = 0; i < n; ++i)
        if (const TimedArray* t = varying_timed_array(s.rhs[i], dt))
            throw ModelError(fmt::format(
                "method 'exact' holds timed array '{}' constant over a step, but its dt ({} ms) "
                "is not a multiple of the simulation's dt ({} ms); use method 'euler' or 'rk2', "
                "or resample the array",
                t->name, t->dt_ms, dt));
    for (std::size_t i = 0; i < n; ++i)
        if (non_smooth_in(s.rhs[i], s.vars))
            throw ModelError(fmt::format(
                "method 'exact' needs linear equations, but d{}/dt = {} uses a comparison, "
                "condition or non-smooth function of the state; use method 'euler' or 'rk2'",
                s.vars[i], expr::to_string(s.rhs[i], k_quoted_chars)));
    Matrix a(n, std::vector<double>(n, 0.0));
    std::vector<Ptr> c(n);
    std::vector<Ptr> zeros(n, expr::constant(0.0));
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
            const Ptr d = expr::derivative(s.rhs[i], s.vars[j]);
            auto fail = [&](const std::string& why) {
                throw ModelError(fmt::format(
                    "method 'exact' needs linear equations with constant coefficients, but "
                    "d{}/dt = {}: {}; use method 'euler' or 'rk2' for this group",
                    s.vars[i], expr::to_string(s.rhs[i], k_quoted_chars), why));
            };
            if (!d) fail(fmt::format("it cannot be differentiated with respect to {}", s.vars[j]));
            for (const auto& v : s.vars)
                if (expr::depends_on(d, v))
                    fail(fmt::format("it is not linear ({} appears in the coefficient of {})", v,
                                     s.vars[j]));
            const auto value = expr::try_evaluate(d, shared);
            if (!value) {
                std::vector<std::string> syms;
                expr::collect_symbols(d, syms);
                fail(fmt::format("the coefficient of {} ({}) is not the same for every neuron "
                                 "(it uses {})",
                                 s.vars[j], expr::to_string(d, k_quoted_chars),
                                 fmt::join(syms, ", ")));
            }
            if (!std::isfinite(*value))
                throw ModelError(fmt::format(
                    "d{}/dt = {}: the coefficient of {} ({}) is {} with the parameters given "
                    "(a division by zero: is a time constant 0?); every method needs it finite",
                    s.vars[i], expr::to_string(s.rhs[i], k_quoted_chars), s.vars[j],
                    expr::to_string(d, k_quoted_chars), *value));
            a[i][j] = *value;
        }
        c[i] = expr::substitute(s.rhs[i], s.vars, zeros);
    }
    auto next = linear_update(s.vars, a, c, dt);
    if (!s.refractory) return next;
    bool any_frozen = false;
    for (std::size_t i = 0; i < n; ++i)
        if (s.frozen[i]) {
            any_frozen = true;
            std::fill(a[i].begin(), a[i].end(), 0.0);
            c[i] = expr::constant(0.0);
        }
    if (!any_frozen) return next;
    const auto frozen_next = linear_update(s.vars, a, c, dt);
    for (std::size_t i = 0; i < n; ++i) {
        if (expr::equal(next[i], frozen_next[i])) continue;
        next[i] = expr::call("where", {expr::symbol("not_refractory"), next[i], frozen_next[i]});
    }
    return next;
}

}  // namespace

std::vector<std::string> method_names() {
    return {"euler", "exact", "exponential_euler", "heun", "milstein", "rk2", "rk4"};
}

bool is_method(const std::string& name) {
    const auto names = method_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<expr::Ptr> integrate(const OdeSystem& system, const std::string& method,
                                 double dt_ms, const expr::SymbolLookup& shared) {
    std::vector<expr::Ptr> next;
    if (!system.noises.empty() && is_method(method))
        next = detail::integrate_stochastic(system, effective_rhs(system), method, dt_ms);
    else if (method == "euler" || method == "heun" || method == "milstein")
        next = euler(system, dt_ms);  // without noise, heun and milstein are euler (as in Brian2)
    else if (method == "rk2") next = rk2(system, dt_ms);
    else if (method == "rk4") next = rk4(system, dt_ms);
    else if (method == "exponential_euler") next = exponential_euler(system, dt_ms);
    else if (method == "exact") next = exact(system, dt_ms, shared);
    if (!next.empty()) {
        for (auto& e : next) e = expr::simplify(e);
        return next;
    }
    throw ModelError(fmt::format("unknown integration method '{}'; known methods: {}", method,
                                 fmt::join(method_names(), ", ")));
}

}  // namespace spikegraph::solvers
