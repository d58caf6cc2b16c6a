#include "core/expr_eval.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "core/math_functions.hpp"
#include "core/timed_array.hpp"

namespace spikegraph::expr {
namespace {

// Brian2's default functions (brian2/core/functions.py) that are not random, plus pow, min,
// max and where. Each C spelling is what backend/codegen/ emits: the same function the host
// pointer calls, so compiled and interpreted results agree bit for bit.
constexpr FunctionInfo k_functions[] = {
    {"exp", 1, [](double x) { return std::exp(x); }, nullptr, "std::exp"},
    {"log", 1, [](double x) { return std::log(x); }, nullptr, "std::log"},
    {"log10", 1, [](double x) { return std::log10(x); }, nullptr, "std::log10"},
    {"expm1", 1, [](double x) { return std::expm1(x); }, nullptr, "std::expm1"},
    {"log1p", 1, [](double x) { return std::log1p(x); }, nullptr, "std::log1p"},
    {"exprel", 1, sg_exprel, nullptr, "spikegraph::sg_exprel"},
    {"sqrt", 1, [](double x) { return std::sqrt(x); }, nullptr, "std::sqrt"},
    {"abs", 1, [](double x) { return std::fabs(x); }, nullptr, "std::fabs"},
    {"sign", 1, sg_sign, nullptr, "spikegraph::sg_sign"},
    {"sin", 1, [](double x) { return std::sin(x); }, nullptr, "std::sin"},
    {"cos", 1, [](double x) { return std::cos(x); }, nullptr, "std::cos"},
    {"tan", 1, [](double x) { return std::tan(x); }, nullptr, "std::tan"},
    {"arcsin", 1, [](double x) { return std::asin(x); }, nullptr, "std::asin"},
    {"arccos", 1, [](double x) { return std::acos(x); }, nullptr, "std::acos"},
    {"arctan", 1, [](double x) { return std::atan(x); }, nullptr, "std::atan"},
    {"tanh", 1, [](double x) { return std::tanh(x); }, nullptr, "std::tanh"},
    {"sinh", 1, [](double x) { return std::sinh(x); }, nullptr, "std::sinh"},
    {"cosh", 1, [](double x) { return std::cosh(x); }, nullptr, "std::cosh"},
    {"floor", 1, [](double x) { return std::floor(x); }, nullptr, "std::floor"},
    {"ceil", 1, [](double x) { return std::ceil(x); }, nullptr, "std::ceil"},
    // Brian's int(): truncation toward zero, kept as a real (no overflow for large values).
    {"int", 1, [](double x) { return std::trunc(x); }, nullptr, "std::trunc"},
    {"pow", 2, nullptr, [](double a, double b) { return std::pow(a, b); }, "std::pow"},
    {"min", 2, nullptr, [](double a, double b) { return std::min(a, b); }, "std::min"},
    {"max", 2, nullptr, [](double a, double b) { return std::max(a, b); }, "std::max"},
    {"timestep", 2, nullptr, sg_timestep, "spikegraph::sg_timestep"},
    {"clip", 3, nullptr, nullptr, ""},
    {"where", 3, nullptr, nullptr, ""},
    {"rand", 0, nullptr, nullptr, ""},
    {"randn", 0, nullptr, nullptr, ""},
    {"uniform", 2, nullptr, nullptr, ""},
    {"normal", 2, nullptr, nullptr, ""},
};

bool is_random(const std::string& f) {
    return f == "rand" || f == "randn" || f == "uniform" || f == "normal";
}

}  // namespace

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

namespace {

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

const FunctionInfo* find_function(std::string_view name) {
    for (const auto& f : k_functions)
        if (f.name == name) return &f;
    return nullptr;
}

int function_arity(std::string_view name) {
    if (const FunctionInfo* f = find_function(name)) return f->arity;
    if (const auto a = find_timed_array(name)) return a->columns > 0 ? 2 : 1;
    return -1;
}

const std::vector<std::string>& function_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& f : k_functions) out.emplace_back(f.name);
        return out;
    }();
    return names;
}

std::optional<double> apply_function(const std::string& name, const double* a, std::size_t n) {
    const FunctionInfo* f = find_function(name);
    if (!f || static_cast<std::size_t>(f->arity) != n) return std::nullopt;
    if (f->unary) return f->unary(a[0]);
    if (f->binary) return f->binary(a[0], a[1]);
    // lo wins over hi when lo > hi, as in the compiled kernels.
    if (name == "clip") return std::clamp(a[0], a[1], std::max(a[1], a[2]));
    if (name == "where") return a[0] != 0.0 ? a[1] : a[2];
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
