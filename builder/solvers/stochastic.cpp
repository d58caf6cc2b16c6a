// Stochastic differential equations, as Brian2's explicit state updaters define them
// (brian2/stateupdaters/explicit.py): each right-hand side is split into the drift f and one
// diffusion coefficient g_k per white noise xi_k, dx/dt = f(x, t) + sum_k g_k(x, t) xi_k, and
// the noise increment over a step is dW_k = sqrt(dt) N_k with N_k a standard normal draw, the
// same draw wherever xi_k appears in the group's equations.
//
//   euler     x + dt f + sum_k g_k dW_k                         (Euler-Maruyama; additive only)
//   heun      x_k = x + g_k dW_k;  x + dt f + sum_k dW_k (g_k(x, t) + g_k(x_k, t + dt)) / 2
//   milstein  x_k = x + dt f + sqrt(dt) g_k;
//             x + dt f + sum_k [g_k dW_k + (g_k(x_k, t) - g_k(x, t)) dW_k^2 / (2 sqrt(dt))]
//
// heun and milstein converge to the Stratonovich solution (milstein's correction keeps
// dW^2 whole, not dW^2 - dt); for additive noise all three agree in distribution with Ito.

#include "builder/solvers/stochastic.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/assert.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::solvers {
namespace {

using expr::Kind;
using expr::Ptr;

constexpr std::size_t k_quoted_chars = 200;

// Whether a node depends on any of `names`, each shared node decided once.
class Dependence {
public:
    explicit Dependence(const std::vector<std::string>& names) : names_(names) {}

    bool operator()(const Ptr& e) {
        if (const auto it = memo_.find(e.get()); it != memo_.end()) return it->second;
        bool d = false;
        if (e->kind == Kind::symbol)
            d = std::find(names_.begin(), names_.end(), e->name) != names_.end();
        for (const auto& a : e->args) d = d || (*this)(a);
        memo_.emplace(e.get(), d);
        return d;
    }

private:
    const std::vector<std::string>& names_;
    std::unordered_map<const expr::Node*, bool> memo_;
};

// True when `e` is affine in the noises: sums, negations, and products or quotients in which
// only one side (the numerator) depends on a noise.
bool affine_in(const Ptr& e, Dependence& noisy) {
    if (!noisy(e) || e->kind == Kind::symbol) return true;
    switch (e->kind) {
        case Kind::neg: return affine_in(e->args[0], noisy);
        case Kind::add:
        case Kind::sub: return affine_in(e->args[0], noisy) && affine_in(e->args[1], noisy);
        case Kind::mul:
            if (noisy(e->args[0]) && noisy(e->args[1])) return false;
            return affine_in(e->args[0], noisy) && affine_in(e->args[1], noisy);
        case Kind::div: return !noisy(e->args[1]) && affine_in(e->args[0], noisy);
        default: return false;
    }
}

// Drift and diffusion of one equation: f = rhs(xi = 0), g_k = d rhs / d xi_k.
struct Split {
    Ptr f;
    std::vector<Ptr> g;  // per noise; the constant 0 where the noise is absent
};

std::vector<Split> split(const OdeSystem& s, const std::vector<Ptr>& rhs) {
    std::vector<Ptr> zeros(s.noises.size(), expr::constant(0.0));
    std::vector<Split> out;
    for (std::size_t i = 0; i < rhs.size(); ++i) {
        Split sp{expr::simplify(expr::substitute(rhs[i], s.noises, zeros)), {}};
        const std::string bad = noise_nonlinearity(rhs[i], s.noises);
        if (!bad.empty())
            throw ModelError(fmt::format(
                "d{}/dt = {} is not linear in the noise {}: write it as a term g * {}",
                s.vars[i], expr::to_string(s.rhs[i], k_quoted_chars), bad, bad));
        for (const auto& xi : s.noises) {
            const Ptr g = expr::derivative(rhs[i], xi);
            SPIKEGRAPH_ASSERT(g);  // affine in xi: sums and products, each with a derivative
            sp.g.push_back(expr::simplify(g));
        }
        out.push_back(std::move(sp));
    }
    return out;
}

bool is_zero(const Ptr& e) { return e->kind == Kind::constant && e->value == 0.0; }

// The coefficients g_k as functions of the state: the state variables (and `t`) replaced by
// `state` (and `t_value`).
Ptr at(const Ptr& g, const OdeSystem& s, const std::vector<Ptr>& state, const Ptr& t_value) {
    std::vector<std::string> names = s.vars;
    std::vector<Ptr> with = state;
    names.push_back("t");
    with.push_back(t_value);
    return expr::substitute(g, names, with);
}

[[noreturn]] void unsupported(const OdeSystem& s, const std::string& method, const std::string& why,
                              const std::string& use) {
    throw ModelError(fmt::format(
        "method '{}' cannot integrate these stochastic equations (they use {}): {}; use {}",
        method, fmt::join(s.noises, ", "), why, use));
}

}  // namespace

std::string noise_nonlinearity(const Ptr& rhs, const std::vector<std::string>& noises) {
    Dependence any(noises);
    if (affine_in(rhs, any)) return {};
    for (const auto& xi : noises) {
        const std::vector<std::string> one{xi};
        Dependence only(one);
        if (only(rhs) && !affine_in(rhs, only)) return xi;
    }
    // A product of two noises (xi_a * xi_b) is linear in each alone: name the first.
    for (const auto& xi : noises)
        if (expr::depends_on(rhs, xi)) return xi;
    return noises.front();
}

bool multiplicative_noise(const OdeSystem& system) {
    for (const auto& e : system.rhs)
        for (const auto& xi : system.noises) {
            const Ptr g = expr::derivative(e, xi);
            if (!g) return true;
            for (const auto& v : system.vars)
                if (expr::depends_on(g, v)) return true;
        }
    return false;
}

std::string auto_stochastic_method(const OdeSystem& system) {
    return multiplicative_noise(system) ? "heun" : "euler";
}

std::vector<std::string> stochastic_method_names() { return {"euler", "heun", "milstein"}; }

namespace detail {

std::vector<Ptr> integrate_stochastic(const OdeSystem& s, const std::vector<Ptr>& rhs,
                                      const std::string& method, double dt) {
    const std::vector<std::string> methods = stochastic_method_names();
    if (std::find(methods.begin(), methods.end(), method) == methods.end())
        unsupported(s, method, "it integrates deterministic equations only",
                    "'euler' (additive noise), 'heun' or 'milstein' (multiplicative noise), or "
                    "'auto', which picks one of them");
    const std::vector<Split> sp = split(s, rhs);
    const std::size_t n = s.vars.size(), m = s.noises.size();
    const Ptr t = expr::symbol("t");
    const Ptr sqrt_dt = expr::constant(std::sqrt(dt));
    std::vector<Ptr> x, dw;
    for (const auto& v : s.vars) x.push_back(expr::symbol(v));
    for (const auto& xi : s.noises) dw.push_back(expr::mul(sqrt_dt, expr::symbol(xi)));
    // x + dt f: every method's deterministic part.
    std::vector<Ptr> next;
    for (std::size_t i = 0; i < n; ++i)
        next.push_back(expr::add(x[i], expr::mul(expr::constant(dt), sp[i].f)));

    if (method == "euler") {
        if (multiplicative_noise(s))
            unsupported(s, method, "Euler-Maruyama needs additive noise, but a coefficient of "
                                   "the noise depends on a state variable",
                        "'heun' or 'milstein', or 'auto', which picks 'heun'");
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < m; ++k)
                if (!is_zero(sp[i].g[k])) next[i] = expr::add(next[i], expr::mul(sp[i].g[k], dw[k]));
        return next;
    }
    if (method == "heun") {
        const Ptr t_next = expr::add(t, expr::constant(dt));
        for (std::size_t k = 0; k < m; ++k) {
            std::vector<Ptr> support(n);  // x + g_k dW_k
            for (std::size_t i = 0; i < n; ++i)
                support[i] = is_zero(sp[i].g[k]) ? x[i] : expr::add(x[i], expr::mul(sp[i].g[k], dw[k]));
            for (std::size_t i = 0; i < n; ++i) {
                if (is_zero(sp[i].g[k])) continue;
                const Ptr g_sum = expr::add(sp[i].g[k], at(sp[i].g[k], s, support, t_next));
                next[i] = expr::add(next[i], expr::mul(expr::mul(expr::constant(0.5), dw[k]), g_sum));
            }
        }
        return next;
    }
    // milstein: Brian2's custom check, diagonal noise: each equation has at most one noise and
    // each noise drives at most one equation.
    for (std::size_t k = 0; k < m; ++k) {
        std::vector<std::string> driven;
        for (std::size_t i = 0; i < n; ++i)
            if (!is_zero(sp[i].g[k])) driven.push_back(s.vars[i]);
        if (driven.size() > 1)
            unsupported(s, method, fmt::format("it needs diagonal noise, but {} drives {}",
                                               s.noises[k], fmt::join(driven, " and ")),
                        "'heun', or a noise of its own per equation (xi_<name>)");
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto noisy = std::count_if(sp[i].g.begin(), sp[i].g.end(),
                                         [](const Ptr& g) { return !is_zero(g); });
        if (noisy > 1)
            unsupported(s, method, fmt::format("it needs diagonal noise, but d{}/dt has {} noises",
                                               s.vars[i], noisy),
                        "'heun'");
    }
    for (std::size_t k = 0; k < m; ++k) {
        std::vector<Ptr> support(n);  // x + dt f + sqrt(dt) g_k
        for (std::size_t i = 0; i < n; ++i)
            support[i] = expr::add(expr::add(x[i], expr::mul(expr::constant(dt), sp[i].f)),
                                   expr::mul(sqrt_dt, sp[i].g[k]));
        for (std::size_t i = 0; i < n; ++i) {
            if (is_zero(sp[i].g[k])) continue;
            // (g(support) - g) dW^2 / (2 sqrt(dt)) = (g(support) - g) sqrt(dt) N^2 / 2
            const Ptr xi = expr::symbol(s.noises[k]);
            const Ptr correction =
                expr::mul(expr::mul(expr::constant(0.5 * std::sqrt(dt)),
                                    expr::sub(at(sp[i].g[k], s, support, t), sp[i].g[k])),
                          expr::mul(xi, xi));
            next[i] = expr::add(next[i], expr::add(expr::mul(sp[i].g[k], dw[k]), correction));
        }
    }
    return next;
}

}  // namespace detail
}  // namespace spikegraph::solvers
