#include "core/expr_eval.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace spikegraph::expr {

std::optional<double> apply_function(const std::string& f, const double* a, std::size_t n) {
    if (n == 1) {
        const double x = a[0];
        if (f == "exp") return std::exp(x);
        if (f == "log") return std::log(x);
        if (f == "log10") return std::log10(x);
        if (f == "sqrt") return std::sqrt(x);
        if (f == "abs") return std::fabs(x);
        if (f == "sin") return std::sin(x);
        if (f == "cos") return std::cos(x);
        if (f == "tan") return std::tan(x);
        if (f == "tanh") return std::tanh(x);
        if (f == "sinh") return std::sinh(x);
        if (f == "cosh") return std::cosh(x);
        if (f == "floor") return std::floor(x);
        if (f == "ceil") return std::ceil(x);
    } else if (n == 2) {
        if (f == "pow") return std::pow(a[0], a[1]);
        if (f == "min") return std::min(a[0], a[1]);
        if (f == "max") return std::max(a[0], a[1]);
    } else if (n == 3) {
        if (f == "clip") return std::clamp(a[0], a[1], std::max(a[1], a[2]));
        if (f == "where") return a[0] != 0.0 ? a[1] : a[2];
    }
    return std::nullopt;
}

std::optional<double> try_evaluate(const Ptr& e, const SymbolLookup& lookup) {
    switch (e->kind) {
        case Kind::constant: return e->value;
        case Kind::symbol: return lookup ? lookup(e->name) : std::nullopt;
        default: break;
    }
    double v[3] = {0, 0, 0};
    if (e->args.size() > 3) return std::nullopt;
    for (std::size_t k = 0; k < e->args.size(); ++k) {
        auto a = try_evaluate(e->args[k], lookup);
        if (!a) return std::nullopt;
        v[k] = *a;
    }
    switch (e->kind) {
        case Kind::neg: return -v[0];
        case Kind::add: return v[0] + v[1];
        case Kind::sub: return v[0] - v[1];
        case Kind::mul: return v[0] * v[1];
        case Kind::div: return v[0] / v[1];
        case Kind::pow: return std::pow(v[0], v[1]);
        case Kind::lt: return v[0] < v[1] ? 1.0 : 0.0;
        case Kind::le: return v[0] <= v[1] ? 1.0 : 0.0;
        case Kind::gt: return v[0] > v[1] ? 1.0 : 0.0;
        case Kind::ge: return v[0] >= v[1] ? 1.0 : 0.0;
        case Kind::eq: return v[0] == v[1] ? 1.0 : 0.0;
        case Kind::ne: return v[0] != v[1] ? 1.0 : 0.0;
        case Kind::logical_and: return (v[0] != 0 && v[1] != 0) ? 1.0 : 0.0;
        case Kind::logical_or: return (v[0] != 0 || v[1] != 0) ? 1.0 : 0.0;
        case Kind::logical_not: return v[0] == 0 ? 1.0 : 0.0;
        case Kind::call: return apply_function(e->name, v, e->args.size());
        default: return std::nullopt;
    }
}

}  // namespace spikegraph::expr
