#include "core/expr_eval.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "core/timed_array.hpp"

namespace spikegraph::expr {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 22> k_functions = {{
    {"exp", 1}, {"log", 1}, {"log10", 1}, {"sqrt", 1}, {"abs", 1}, {"sin", 1}, {"cos", 1},
    {"tan", 1}, {"tanh", 1}, {"sinh", 1}, {"cosh", 1}, {"floor", 1}, {"ceil", 1},
    {"pow", 2}, {"min", 2}, {"max", 2}, {"clip", 3}, {"where", 3}, {"rand", 0}, {"randn", 0},
    {"uniform", 2}, {"normal", 2},
}};

bool is_random(const std::string& f) {
    return f == "rand" || f == "randn" || f == "uniform" || f == "normal";
}

// An operator node on evaluated operands (b is unused by the unary ones); nullopt for a kind
// that is not an operator.
std::optional<double> apply_operator(Kind kind, double a, double b) {
    switch (kind) {
        case Kind::neg: return -a;
        case Kind::logical_not: return a == 0.0 ? 1.0 : 0.0;
        case Kind::add: return a + b;
        case Kind::sub: return a - b;
        case Kind::mul: return a * b;
        case Kind::div: return a / b;
        case Kind::pow: return std::pow(a, b);
        case Kind::lt: return a < b ? 1.0 : 0.0;
        case Kind::le: return a <= b ? 1.0 : 0.0;
        case Kind::gt: return a > b ? 1.0 : 0.0;
        case Kind::ge: return a >= b ? 1.0 : 0.0;
        case Kind::eq: return a == b ? 1.0 : 0.0;
        case Kind::ne: return a != b ? 1.0 : 0.0;
        case Kind::logical_and: return (a != 0.0 && b != 0.0) ? 1.0 : 0.0;
        case Kind::logical_or: return (a != 0.0 || b != 0.0) ? 1.0 : 0.0;
        default: return std::nullopt;
    }
}

// The one tree walk behind both entry points. `Strict` evaluation (evaluate) throws for what
// the lenient one (try_evaluate) answers with nullopt; `symbol` returns optional<double>.
// Operands are evaluated in order, all of them, so the draw numbering depends only on the tree.
template <bool Strict, class Symbol>
std::optional<double> walk(const Ptr& e, const Symbol& symbol, DrawCounter* draws) {
    if (!e) {
        if constexpr (Strict) throw ModelError("cannot evaluate an empty expression");
        return std::nullopt;
    }
    const Node& n = *e;
    if (n.kind == Kind::constant) return n.value;
    if (n.kind == Kind::symbol) return symbol(n.name);
    std::size_t count = n.args.size();
    if (n.kind == Kind::call) {
        const int arity = n.table ? (n.table->columns > 0 ? 2 : 1) : function_arity(n.name);
        if constexpr (Strict) {
            if (arity < 0)
                throw ModelError(fmt::format("unknown function '{}' (known: {})", n.name,
                                             fmt::join(function_names(), " ")));
            if (count != static_cast<std::size_t>(arity))
                throw ModelError(fmt::format("{}() takes {} argument(s), got {}", n.name, arity,
                                             count));
        }
        if (arity < 0 || count != static_cast<std::size_t>(arity)) return std::nullopt;
    } else if (count != operand_count(n.kind)) {
        if constexpr (Strict)
            throw ModelError(fmt::format(
                "malformed expression: an operator node has {} operand(s)", count));
        return std::nullopt;
    }
    std::array<double, 3> a{};
    for (std::size_t k = 0; k < count; ++k) {
        const auto v = walk<Strict>(n.args[k], symbol, draws);
        if (!v) return std::nullopt;
        a[k] = *v;
    }
    if (n.kind != Kind::call) return apply_operator(n.kind, a[0], a[1]);
    if (n.table) return n.table->at(a[0], a[1]);
    if (!is_random(n.name)) return apply_function(n.name, a.data(), count);
    if (!draws) return std::nullopt;
    const Draw d = draw(draws->seed, draws->stream, draws->object, draws->index, draws->next++);
    if (n.name == "rand") return d.uniform;
    if (n.name == "randn") return d.normal;
    if (n.name == "uniform") return a[0] + (a[1] - a[0]) * d.uniform;
    return a[0] + a[1] * d.normal;
}

}  // namespace

int function_arity(std::string_view name) {
    for (const auto& [f, n] : k_functions)
        if (f == name) return n;
    if (const auto a = find_timed_array(name)) return a->columns > 0 ? 2 : 1;
    return -1;
}

const std::vector<std::string>& function_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& [f, n] : k_functions) out.emplace_back(f);
        return out;
    }();
    return names;
}

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
        // lo wins over hi when lo > hi, as in the compiled kernels.
        if (f == "clip") return std::clamp(a[0], a[1], std::max(a[1], a[2]));
        if (f == "where") return a[0] != 0.0 ? a[1] : a[2];
    }
    return std::nullopt;
}

std::optional<double> try_evaluate(const Ptr& e, const SymbolLookup& lookup) {
    const auto symbol = [&](const std::string& name) -> std::optional<double> {
        return lookup ? lookup(name) : std::nullopt;
    };
    return walk<false>(e, symbol, nullptr);
}

double evaluate(const Ptr& e, const SymbolValue& symbol, DrawCounter& draws) {
    const auto value = [&](const std::string& name) -> std::optional<double> {
        return symbol(name);
    };
    return *walk<true>(e, value, &draws);
}

std::size_t operand_count(Kind k) {
    switch (k) {
        case Kind::constant:
        case Kind::symbol:
        case Kind::call: return 0;  // calls are checked against function_arity
        case Kind::neg:
        case Kind::logical_not: return 1;
        default: return 2;
    }
}

}  // namespace spikegraph::expr
