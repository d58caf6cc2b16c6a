#pragma once
// What the block-program tests share (test_block_program*.cpp): random expression trees over a
// fixed set of symbols, their inputs, a direct reference evaluation, and running a program.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/block_program.hpp"
#include <spikegraph/error.hpp>
#include "core/expr.hpp"
#include "core/expr_eval.hpp"
#include "core/random.hpp"

namespace spikegraph::cpu::block_test {

using expr::Kind;
using expr::Ptr;

// Symbols every program here sees: two varying (one value per element), two uniform (one value
// per step). `i` is built in.
inline const std::vector<program::Symbol> k_symbols = {
    {"x", program::Symbol::Kind::varying},
    {"a", program::Symbol::Kind::uniform},
    {"y", program::Symbol::Kind::varying},
    {"b", program::Symbol::Kind::uniform},
};

inline constexpr std::size_t k_n = 300;  // elements: two full blocks of 128 and one of 44
inline constexpr std::uint32_t k_object = 0xC0FFEEu;

// Deterministic draws that do not depend on the standard library's distributions.
class Gen {
public:
    explicit Gen(std::uint64_t seed) : rng_(seed) {}
    double uniform(double lo, double hi) {
        return lo + (hi - lo) * static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    }
    std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
    // A multiple of 0.25 in [-lim, lim]: exact in float and double, and often equal to another.
    double quarter(double lim) {
        const auto steps = static_cast<std::int64_t>(lim * 4);
        return static_cast<double>(static_cast<std::int64_t>(pick(2 * steps + 1)) - steps) / 4.0;
    }

private:
    std::mt19937_64 rng_;
};

struct Inputs {
    std::vector<double> x, y;
    double a = 1.25, b = -0.5;
};

template <class T>
std::vector<std::vector<T>> run_program(const std::vector<Ptr>& outputs, const Inputs& in,
                                        const std::vector<std::size_t>& block_sizes,
                                        std::uint64_t seed = 1, std::int64_t step = 0) {
    BlockProgram<T> program(outputs, k_symbols, k_object);
    const double* uniforms[] = {&in.a, &in.b};
    program.prepare_step(uniforms, seed, step);
    std::vector<T> xs(in.x.begin(), in.x.end()), ys(in.y.begin(), in.y.end());
    std::vector<std::vector<T>> out(outputs.size(), std::vector<T>(in.x.size()));
    auto scratch = program.make_scratch();
    std::size_t first = 0;
    for (std::size_t m : block_sizes) {
        const T* varying[] = {xs.data() + first, ys.data() + first};
        program.run_block(varying, m, static_cast<std::int64_t>(first), 0, scratch.data());
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            const T* o = program.output(k, varying, scratch.data());
            std::copy(o, o + m, out[k].begin() + static_cast<std::ptrdiff_t>(first));
        }
        first += m;
    }
    EXPECT_EQ(first, in.x.size()) << "block sizes must cover every element";
    return out;
}

inline double reference(const Ptr& e, const Inputs& in, std::size_t k) {
    auto value = expr::try_evaluate(e, [&](const std::string& s) -> std::optional<double> {
        if (s == "x") return in.x[k];
        if (s == "y") return in.y[k];
        if (s == "a") return in.a;
        if (s == "b") return in.b;
        if (s == "i") return static_cast<double>(k);
        return std::nullopt;
    });
    EXPECT_TRUE(value.has_value()) << expr::to_string(e);
    return value.value_or(std::nan(""));
}

// |got - want| <= rel * max(1, |want|), NaN matching NaN and infinities matching by sign.
inline ::testing::AssertionResult close(double got, double want, double rel) {
    if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
    if (std::isinf(want) && got == want) return ::testing::AssertionSuccess();
    if (std::fabs(got - want) <= rel * std::max(1.0, std::fabs(want)))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << got << ", want " << want;
}

const std::vector<std::size_t> k_full_blocks = {128, 128, 44};
const std::vector<std::size_t> k_odd_blocks = {1, 127, 3, 100, 69};

inline Inputs make_inputs(std::uint64_t seed) {
    Gen g(seed);
    Inputs in;
    for (std::size_t k = 0; k < k_n; ++k) {
        in.x.push_back(g.quarter(2.0));
        in.y.push_back(g.uniform(0.1, 3.0));
    }
    return in;
}

// --- The full grammar, compared in double --------------------------------------------------

const std::vector<std::string> k_fn1 = {
    "exp",  "log",  "log10", "sqrt",  "abs",   "sin",    "cos",    "tan",    "tanh",  "sinh",
    "cosh", "floor", "ceil", "expm1", "log1p", "exprel", "arcsin", "arccos", "arctan", "sign",
    "int"};
const std::vector<std::string> k_fn2 = {"pow", "min", "max", "timestep"};
const std::vector<std::string> k_fn3 = {"where", "clip"};
const std::vector<Kind> k_unary = {Kind::neg, Kind::logical_not};
const std::vector<Kind> k_binary = {Kind::add, Kind::sub, Kind::mul, Kind::div, Kind::pow,
                                    Kind::lt,  Kind::le,  Kind::gt,  Kind::ge,  Kind::eq,
                                    Kind::ne,  Kind::logical_and, Kind::logical_or};

inline Ptr leaf(Gen& g) {
    switch (g.pick(6)) {
        case 0: return expr::constant(g.quarter(3.0));
        case 1: return expr::symbol("x");
        case 2: return expr::symbol("y");
        case 3: return expr::symbol("a");
        case 4: return expr::symbol("b");
        default: return expr::symbol("i");
    }
}

inline Ptr any_tree(Gen& g, int depth);

// A node whose root is the given operator and whose operands are random trees.
inline Ptr rooted(Gen& g, int depth, const std::function<Ptr(std::vector<Ptr>)>& make, int arity) {
    std::vector<Ptr> args;
    for (int k = 0; k < arity; ++k) args.push_back(any_tree(g, depth - 1));
    return make(std::move(args));
}

inline Ptr any_tree(Gen& g, int depth) {
    if (depth <= 0 || g.pick(4) == 0) return leaf(g);
    const std::size_t total = k_unary.size() + k_binary.size() + k_fn1.size() + k_fn2.size() +
                              k_fn3.size();
    std::size_t c = g.pick(total);
    if (c < k_unary.size())
        return expr::unary(k_unary[c], any_tree(g, depth - 1));
    c -= k_unary.size();
    if (c < k_binary.size())
        return expr::binary(k_binary[c], any_tree(g, depth - 1), any_tree(g, depth - 1));
    c -= k_binary.size();
    if (c < k_fn1.size()) return expr::call(k_fn1[c], {any_tree(g, depth - 1)});
    c -= k_fn1.size();
    if (c < k_fn2.size())
        return expr::call(k_fn2[c], {any_tree(g, depth - 1), any_tree(g, depth - 1)});
    c -= k_fn2.size();
    return expr::call(k_fn3[c],
                      {any_tree(g, depth - 1), any_tree(g, depth - 1), any_tree(g, depth - 1)});
}

// Expressions covering every operator and function at the root (several random ones each), plus
// fully random ones. Roots with constant-only or uniform-only operands exercise the scalar
// prologue (folding and per-step hoisting); mixed ones the broadcasting.
inline std::vector<Ptr> covering_expressions(Gen& g) {
    std::vector<Ptr> out;
    for (int rep = 0; rep < 6; ++rep) {
        for (Kind k : k_unary) out.push_back(expr::unary(k, any_tree(g, 3)));
        for (Kind k : k_binary) out.push_back(expr::binary(k, any_tree(g, 3), any_tree(g, 3)));
        for (const auto& f : k_fn1) out.push_back(expr::call(f, {any_tree(g, 3)}));
        for (const auto& f : k_fn2) out.push_back(expr::call(f, {any_tree(g, 3), any_tree(g, 3)}));
        for (const auto& f : k_fn3)
            out.push_back(expr::call(f, {any_tree(g, 3), any_tree(g, 3), any_tree(g, 3)}));
    }
    for (int rep = 0; rep < 60; ++rep) out.push_back(any_tree(g, 5));
    // x**2 and x**3 are lowered to products; other exponents go through pow.
    out.push_back(expr::binary(Kind::pow, expr::symbol("y"), expr::constant(2.0)));
    out.push_back(expr::binary(Kind::pow, expr::symbol("x"), expr::constant(3.0)));
    out.push_back(expr::binary(Kind::pow, expr::symbol("y"), expr::constant(0.5)));
    // Operands of every kind mix: constant, uniform, varying, index.
    out.push_back(expr::call("where", {expr::symbol("a"), expr::symbol("x"), expr::constant(7)}));
    out.push_back(expr::call("clip", {expr::symbol("i"), expr::symbol("b"), expr::symbol("a")}));
    out.push_back(expr::binary(Kind::add, expr::symbol("a"), expr::symbol("b")));  // uniform only
    out.push_back(expr::constant(4.5));                                            // constant only
    return out;
}


}  // namespace spikegraph::cpu::block_test
