// BlockProgram (the CPU lowering of expression trees) against a direct evaluation of the same
// trees (core/expr_eval try_evaluate): every operator and function, varying and uniform symbols,
// partial blocks, common-subexpression elimination and the counter-based rand()/randn().

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

namespace spikegraph::cpu {
namespace {

using expr::Kind;
using expr::Ptr;

// Symbols every program here sees: two varying (one value per element), two uniform (one value
// per step). `i` is built in.
const std::vector<program::Symbol> k_symbols = {
    {"x", program::Symbol::Kind::varying},
    {"a", program::Symbol::Kind::uniform},
    {"y", program::Symbol::Kind::varying},
    {"b", program::Symbol::Kind::uniform},
};

constexpr std::size_t k_n = 300;  // elements: two full blocks of 128 and one of 44
constexpr std::uint32_t k_object = 0xC0FFEEu;

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

double reference(const Ptr& e, const Inputs& in, std::size_t k) {
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
::testing::AssertionResult close(double got, double want, double rel) {
    if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
    if (std::isinf(want) && got == want) return ::testing::AssertionSuccess();
    if (std::fabs(got - want) <= rel * std::max(1.0, std::fabs(want)))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << got << ", want " << want;
}

const std::vector<std::size_t> k_full_blocks = {128, 128, 44};
const std::vector<std::size_t> k_odd_blocks = {1, 127, 3, 100, 69};

Inputs make_inputs(std::uint64_t seed) {
    Gen g(seed);
    Inputs in;
    for (std::size_t k = 0; k < k_n; ++k) {
        in.x.push_back(g.quarter(2.0));
        in.y.push_back(g.uniform(0.1, 3.0));
    }
    return in;
}

// --- The full grammar, compared in double --------------------------------------------------

const std::vector<std::string> k_fn1 = {"exp",  "log",  "log10", "sqrt", "abs",   "sin", "cos",
                                        "tan",  "tanh", "sinh",  "cosh", "floor", "ceil"};
const std::vector<std::string> k_fn2 = {"pow", "min", "max"};
const std::vector<std::string> k_fn3 = {"where", "clip"};
const std::vector<Kind> k_unary = {Kind::neg, Kind::logical_not};
const std::vector<Kind> k_binary = {Kind::add, Kind::sub, Kind::mul, Kind::div, Kind::pow,
                                    Kind::lt,  Kind::le,  Kind::gt,  Kind::ge,  Kind::eq,
                                    Kind::ne,  Kind::logical_and, Kind::logical_or};

Ptr leaf(Gen& g) {
    switch (g.pick(6)) {
        case 0: return expr::constant(g.quarter(3.0));
        case 1: return expr::symbol("x");
        case 2: return expr::symbol("y");
        case 3: return expr::symbol("a");
        case 4: return expr::symbol("b");
        default: return expr::symbol("i");
    }
}

Ptr any_tree(Gen& g, int depth);

// A node whose root is the given operator and whose operands are random trees.
Ptr rooted(Gen& g, int depth, const std::function<Ptr(std::vector<Ptr>)>& make, int arity) {
    std::vector<Ptr> args;
    for (int k = 0; k < arity; ++k) args.push_back(any_tree(g, depth - 1));
    return make(std::move(args));
}

Ptr any_tree(Gen& g, int depth) {
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
std::vector<Ptr> covering_expressions(Gen& g) {
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

TEST(BlockProgram, EveryOperatorAndFunctionMatchesDirectEvaluationInDouble) {
    Gen g(20240611);
    const Inputs in = make_inputs(7);
    const auto exprs = covering_expressions(g);
    // One program per expression and one program for all of them at once (shared registers,
    // CSE across outputs): both must agree with the reference.
    const auto together = run_program<double>(exprs, in, k_full_blocks);
    std::size_t nan_results = 0, total = 0;
    for (std::size_t e = 0; e < exprs.size(); ++e) {
        const auto alone = run_program<double>({exprs[e]}, in, k_odd_blocks);
        for (std::size_t k = 0; k < k_n; ++k) {
            const double want = reference(exprs[e], in, k);
            // The program computes in double with the same libm calls in the same order; the
            // only documented difference is x**3 lowered to (x*x)*x (one extra rounding, at most
            // ~1 ulp). 1e-12 relative leaves room for that and for a compiler contracting a*b+c
            // into an FMA, and nothing else.
            EXPECT_TRUE(close(together[e][k], want, 1e-12))
                << expr::to_string(exprs[e]) << " at element " << k;
            EXPECT_TRUE(close(alone[0][k], want, 1e-12))
                << expr::to_string(exprs[e]) << " at element " << k << " (own program)";
            nan_results += std::isnan(want);
            ++total;
        }
    }
    // The inputs must exercise ordinary values, not just NaN propagation.
    EXPECT_LT(nan_results, total / 2);
}

// --- Exactly representable arithmetic, compared bit for bit in float and double ------------

// Trees whose every intermediate value is a small multiple of 1/16: exact in float, so the float
// program must give the double reference exactly, including every comparison, floor, ceil and
// the selections (where, clip, min, max).
Ptr exact_tree(Gen& g, int depth) {
    if (depth <= 0 || g.pick(5) == 0) {
        switch (g.pick(5)) {
            case 0: return expr::constant(g.quarter(3.0));
            case 1: return expr::symbol("x");
            case 2: return expr::symbol("a");
            case 3: return expr::symbol("b");
            default: return expr::symbol("i");
        }
    }
    auto sub = [&] { return exact_tree(g, depth - 1); };
    switch (g.pick(21)) {
        case 0: return expr::unary(Kind::neg, sub());
        case 1: return expr::unary(Kind::logical_not, sub());
        case 2: return expr::binary(Kind::add, sub(), sub());
        case 3: return expr::binary(Kind::sub, sub(), sub());
        case 4: return expr::binary(Kind::mul, sub(), expr::constant(g.pick(2) ? 0.5 : -2.0));
        case 5: return expr::binary(Kind::lt, sub(), sub());
        case 6: return expr::binary(Kind::le, sub(), sub());
        case 7: return expr::binary(Kind::gt, sub(), sub());
        case 8: return expr::binary(Kind::ge, sub(), sub());
        case 9: return expr::binary(Kind::eq, sub(), sub());
        case 10: return expr::binary(Kind::ne, sub(), sub());
        case 11: return expr::binary(Kind::logical_and, sub(), sub());
        case 12: return expr::binary(Kind::logical_or, sub(), sub());
        case 13: return expr::call("floor", {expr::binary(Kind::mul, sub(), expr::constant(0.5))});
        case 14: return expr::call("ceil", {expr::binary(Kind::mul, sub(), expr::constant(0.5))});
        case 15: return expr::call("abs", {sub()});
        case 16: return expr::call("min", {sub(), sub()});
        case 17: return expr::call("max", {sub(), sub()});
        case 18: return expr::call("where", {sub(), sub(), sub()});
        case 19: return expr::call("clip", {sub(), sub(), sub()});
        default: return expr::binary(Kind::div, sub(), expr::constant(4.0));
    }
}

template <class T>
void check_exact_grammar() {
    Gen g(99);
    Inputs in = make_inputs(3);
    in.a = 0.75;
    in.b = -1.25;
    std::vector<Ptr> exprs;
    for (int k = 0; k < 300; ++k) exprs.push_back(exact_tree(g, 4));
    const auto got = run_program<T>(exprs, in, k_odd_blocks);
    std::size_t true_comparisons = 0;
    for (std::size_t e = 0; e < exprs.size(); ++e)
        for (std::size_t k = 0; k < k_n; ++k) {
            const double want = reference(exprs[e], in, k);
            ASSERT_EQ(static_cast<double>(got[e][k]), want)
                << expr::to_string(exprs[e]) << " at element " << k;
            if (exprs[e]->kind == Kind::eq && want == 1.0) ++true_comparisons;
        }
    // Equality must be hit both ways for the comparison to mean anything.
    EXPECT_GT(true_comparisons, 0u);
}

TEST(BlockProgram, ComparisonsAndSelectionsAreExactInFloat) { check_exact_grammar<float>(); }
TEST(BlockProgram, ComparisonsAndSelectionsAreExactInDouble) { check_exact_grammar<double>(); }

// --- Smooth, well-conditioned trees, compared in float ---------------------------------------

// P: positive values kept within about [0.1, 10]; B: bounded values in about [-1.5, 1.5].
// Every map used has a condition number of order one on these ranges, so rounding errors of the
// float program do not grow faster than the number of operations.
Ptr bounded_tree(Gen& g, int depth);
Ptr positive_tree(Gen& g, int depth) {
    if (depth <= 0 || g.pick(5) == 0) {
        switch (g.pick(3)) {
            case 0: return expr::symbol("y");
            case 1: return expr::symbol("a");
            default: return expr::constant(g.uniform(0.5, 2.0));
        }
    }
    auto p = [&] { return positive_tree(g, depth - 1); };
    auto b = [&] { return bounded_tree(g, depth - 1); };
    auto c = [](double v) { return expr::constant(v); };
    switch (g.pick(12)) {
        case 0: return expr::binary(Kind::mul, expr::binary(Kind::add, p(), p()), c(0.5));
        case 1: return expr::call("sqrt", {expr::binary(Kind::mul, p(), p())});
        case 2: return expr::call("sqrt", {expr::binary(Kind::div, p(), p())});
        case 3: return expr::call("exp", {b()});
        case 4: return expr::call("cosh", {b()});
        case 5: return expr::binary(Kind::pow, p(), c(g.uniform(-0.9, 0.9)));
        case 6: return expr::call("pow", {p(), c(g.uniform(-0.9, 0.9))});
        case 7: return expr::call("min", {p(), p()});
        case 8: return expr::call("max", {p(), p()});
        case 9: return expr::binary(Kind::add, expr::call("abs", {b()}), c(0.5));
        case 10: return expr::binary(Kind::add, c(3.0), expr::call("log", {p()}));
        default: return expr::binary(Kind::sub, c(2.0), expr::call("sin", {b()}));
    }
}

Ptr bounded_tree(Gen& g, int depth) {
    auto p = [&] { return positive_tree(g, depth - 1); };
    auto b = [&] { return bounded_tree(g, depth - 1); };
    auto c = [](double v) { return expr::constant(v); };
    if (depth <= 0) return expr::binary(Kind::mul, expr::symbol("x"), c(0.5));
    switch (g.pick(9)) {
        case 0: return expr::call("sin", {p()});
        case 1: return expr::call("cos", {p()});
        case 2: return expr::call("tanh", {p()});
        case 3: return expr::call("tan", {expr::binary(Kind::mul, b(), c(0.5))});
        case 4: return expr::call("sinh", {expr::call("tanh", {b()})});
        case 5: return expr::call("log10", {p()});
        case 6: return expr::unary(Kind::neg, b());
        case 7: return expr::call("clip", {b(), c(-0.5), c(0.5)});
        default: return expr::call("tanh", {expr::binary(Kind::div, b(), p())});
    }
}

TEST(BlockProgram, SmoothExpressionsAgreeInFloatWithinRoundingError) {
    Gen g(5);
    Inputs in = make_inputs(11);
    for (auto& y : in.y) y = 0.5 + y / 2.0;  // [0.55, 2]
    in.a = 1.5;
    std::vector<Ptr> exprs;
    for (int k = 0; k < 150; ++k) exprs.push_back(positive_tree(g, 4));
    for (int k = 0; k < 150; ++k) exprs.push_back(bounded_tree(g, 4));
    const auto got = run_program<float>(exprs, in, k_full_blocks);
    double worst = 0;
    for (std::size_t e = 0; e < exprs.size(); ++e)
        for (std::size_t k = 0; k < k_n; ++k) {
            // The float program rounds every intermediate to float (2^-24 relative, plus the
            // inputs' own rounding to float) and calls libm in double on float arguments. A
            // depth-4 tree has at most ~40 operations, each propagating earlier errors with a
            // condition number of order one on these ranges: ~40 * 2 * 6e-8 = 5e-6, so 2e-5
            // relative (to max(1, |value|)) bounds it with margin; a wrong operation is off by
            // far more.
            const double want = reference(exprs[e], in, k);
            ASSERT_TRUE(std::isfinite(want)) << expr::to_string(exprs[e]);
            EXPECT_TRUE(close(got[e][k], want, 2e-5))
                << expr::to_string(exprs[e]) << " at element " << k;
            worst = std::max(worst, std::fabs(got[e][k] - want) / std::max(1.0, std::fabs(want)));
        }
    // Float really is float: a program that secretly computed in double would be exact.
    EXPECT_GT(worst, 1e-9);
    RecordProperty("worst_relative_error", ::testing::PrintToString(worst));
}

// --- Symbols, blocks and steps ---------------------------------------------------------------

TEST(BlockProgram, BlockPartitionDoesNotChangeResults) {
    Gen g(17);
    const Inputs in = make_inputs(5);
    std::vector<Ptr> exprs;
    for (int k = 0; k < 40; ++k) exprs.push_back(any_tree(g, 5));
    exprs.push_back(expr::symbol("i"));
    const auto full = run_program<double>(exprs, in, k_full_blocks);
    const auto odd = run_program<double>(exprs, in, k_odd_blocks);
    std::vector<std::size_t> ones(k_n, 1);
    const auto single = run_program<double>(exprs, in, ones);
    for (std::size_t e = 0; e < exprs.size(); ++e)
        for (std::size_t k = 0; k < k_n; ++k) {
            EXPECT_TRUE(close(odd[e][k], full[e][k], 0.0)) << expr::to_string(exprs[e]);
            EXPECT_TRUE(close(single[e][k], full[e][k], 0.0)) << expr::to_string(exprs[e]);
        }
    // `i` is the element index, from first_index of each block.
    for (std::size_t k = 0; k < k_n; ++k) EXPECT_EQ(full.back()[k], static_cast<double>(k));
}

TEST(BlockProgram, UniformSymbolsAreReadEveryStep) {
    // a*b and exp(a) depend only on uniforms: hoisted into the per-step prologue, which must
    // read the new values at every prepare_step, not fold the first ones.
    const Ptr e = expr::binary(Kind::add, expr::binary(Kind::mul, expr::symbol("a"), expr::symbol("b")),
                               expr::binary(Kind::mul, expr::call("exp", {expr::symbol("a")}),
                                            expr::symbol("x")));
    BlockProgram<double> program({e}, k_symbols, k_object);
    auto scratch = program.make_scratch();
    const std::vector<double> x = {1.0, 2.0, -3.0};
    for (double a : {0.0, 1.0, -2.5}) {
        const double b = 3.0 - a;
        const double* uniforms[] = {&a, &b};
        program.prepare_step(uniforms, 1, 0);
        const double* varying[] = {x.data(), x.data()};
        program.run_block(varying, x.size(), 0, 0, scratch.data());
        const double* out = program.output(0, varying, scratch.data());
        for (std::size_t k = 0; k < x.size(); ++k)
            EXPECT_DOUBLE_EQ(out[k], a * b + std::exp(a) * x[k]) << "a = " << a;
    }
}

TEST(BlockProgram, UnknownSymbolIsABuildError) {
    try {
        BlockProgram<double> program({expr::binary(Kind::add, expr::symbol("x"),
                                                   expr::symbol("nope"))},
                                     k_symbols, k_object);
        FAIL() << "a program over an unknown symbol was built";
    } catch (const BuildError& e) {
        EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
    }
}

// --- Common-subexpression elimination --------------------------------------------------------

// exp(x*y) - sin(x/y) + tanh(x*y)*a, built afresh each call: equal trees, distinct nodes.
Ptr symbolic_tree() {
    const Ptr xy = expr::binary(Kind::mul, expr::symbol("x"), expr::symbol("y"));
    return expr::binary(
        Kind::add,
        expr::binary(Kind::sub, expr::call("exp", {xy}),
                     expr::call("sin", {expr::binary(Kind::div, expr::symbol("x"),
                                                     expr::symbol("y"))})),
        expr::binary(Kind::mul, expr::call("tanh", {expr::binary(Kind::mul, expr::symbol("x"),
                                                                  expr::symbol("y"))}),
                     expr::symbol("a")));
}

// The same shape with constants inside: 2.5*x, exp(-x/4).
Ptr tree_with_constants() {
    return expr::binary(Kind::add,
                        expr::binary(Kind::mul, expr::constant(2.5), expr::symbol("x")),
                        expr::call("exp", {expr::binary(Kind::div, expr::unary(Kind::neg,
                                                                                expr::symbol("x")),
                                                        expr::constant(4.0))}));
}

std::size_t instructions(const std::vector<Ptr>& outputs) {
    return BlockProgram<double>(outputs, k_symbols, k_object).instruction_count();
}

TEST(BlockProgram, EqualSubtreesGiveTheSameResultsAsTheirReference) {
    const Inputs in = make_inputs(21);
    const Ptr twice = expr::binary(Kind::add, symbolic_tree(),
                                   expr::binary(Kind::mul, symbolic_tree(), symbolic_tree()));
    const Ptr consts = expr::binary(Kind::sub, tree_with_constants(),
                                    expr::call("sqrt", {expr::call("abs", {tree_with_constants()})}));
    const auto got = run_program<double>({twice, consts, symbolic_tree()}, in, k_odd_blocks);
    for (std::size_t k = 0; k < k_n; ++k) {
        EXPECT_TRUE(close(got[0][k], reference(twice, in, k), 1e-12));
        EXPECT_TRUE(close(got[1][k], reference(consts, in, k), 1e-12));
        EXPECT_TRUE(close(got[2][k], reference(symbolic_tree(), in, k), 1e-12));
    }
}

TEST(BlockProgram, EqualSymbolicSubtreesAreComputedOnce) {
    const std::size_t one = instructions({symbolic_tree()});
    ASSERT_GT(one, 3u);
    // x*y appears twice inside symbolic_tree: CSE already merged it once, so the count is below
    // the node count (exp, mul, sub, sin, div, tanh, mul, add = 8 without CSE).
    EXPECT_LE(one, 7u);
    // t + t with two separately built copies of t costs one more instruction, not twice as many.
    EXPECT_EQ(instructions({expr::binary(Kind::add, symbolic_tree(), symbolic_tree())}), one + 1);
    // The same tree as two outputs is computed once.
    EXPECT_EQ(instructions({symbolic_tree(), symbolic_tree()}), one);
}

// Constants are interned: equal sub-trees that contain constants (rk2 midpoints, x**2 of a
// solver output, thresholds on updated values) are merged as well.
TEST(BlockProgram, EqualSubtreesWithConstantsAreComputedOnce) {
    const std::size_t one = instructions({tree_with_constants()});
    // At most one instruction more than one copy (the affine folding may even merge x + x
    // into the copy's own multiply-add chain); a duplicated sub-tree would cost `one` more.
    EXPECT_LE(instructions({expr::binary(Kind::add, tree_with_constants(), tree_with_constants())}),
              one + 1);
    EXPECT_EQ(instructions({tree_with_constants(), tree_with_constants()}), one);
}

// --- rand() and randn() ----------------------------------------------------------------------

std::vector<double> draws(const std::vector<Ptr>& outputs, std::size_t which, std::uint64_t seed,
                          std::int64_t step, std::uint32_t object = k_object,
                          std::size_t n = 512, std::int64_t first_index = 0,
                          std::uint64_t random_base = 0) {
    BlockProgram<double> program(outputs, k_symbols, object);
    const double a = 0, b = 0;
    const double* uniforms[] = {&a, &b};
    program.prepare_step(uniforms, seed, step);
    std::vector<double> zeros(BlockProgram<double>::k_block, 0.0), out;
    auto scratch = program.make_scratch();
    for (std::size_t first = 0; first < n; first += BlockProgram<double>::k_block) {
        const std::size_t m = std::min(n - first, BlockProgram<double>::k_block);
        const double* varying[] = {zeros.data(), zeros.data()};
        program.run_block(varying, m, first_index + static_cast<std::int64_t>(first), random_base,
                          scratch.data());
        const double* o = program.output(which, varying, scratch.data());
        out.insert(out.end(), o, o + m);
    }
    return out;
}

const Ptr k_rand = expr::call("rand", {});
const Ptr k_randn = expr::call("randn", {});

TEST(BlockProgram, RandIsDeterministicPerSeedStepAndIndex) {
    const auto first = draws({k_rand, k_randn}, 0, 42, 7);
    const auto again = draws({k_rand, k_randn}, 0, 42, 7);
    EXPECT_EQ(first, again) << "same (seed, step, index) must give the same numbers";
    const auto normal = draws({k_rand, k_randn}, 1, 42, 7);
    EXPECT_EQ(normal, draws({k_rand, k_randn}, 1, 42, 7));

    // Documented counter: (seed, rng_stream::model, object ^ call site, index, step); the first
    // call site is 0.
    for (std::size_t k = 0; k < first.size(); ++k) {
        const Draw d = draw(42, rng_stream::model, k_object, k, 7);
        EXPECT_EQ(first[k], d.uniform) << k;
    }

    // Another step, seed or object: other numbers, element by element.
    for (const auto& other : {draws({k_rand, k_randn}, 0, 42, 8), draws({k_rand, k_randn}, 0, 43, 7),
                              draws({k_rand, k_randn}, 0, 42, 7, k_object + 1)}) {
        std::size_t same = 0;
        for (std::size_t k = 0; k < first.size(); ++k) same += other[k] == first[k];
        EXPECT_EQ(same, 0u);
    }

    // The counter is random_base + element index: the draws do not depend on how the elements
    // are split between the two.
    const auto shifted = draws({k_rand}, 0, 42, 7, k_object, 256, 128, 0);
    const auto based = draws({k_rand}, 0, 42, 7, k_object, 256, 0, 128);
    EXPECT_EQ(shifted, based);
    EXPECT_EQ(std::vector<double>(first.begin() + 128, first.begin() + 384), shifted);
}

TEST(BlockProgram, EveryRandCallDrawsItsOwnNumber) {
    // rand() - rand() must not be merged into 0 by CSE.
    const Ptr diff = expr::binary(Kind::sub, expr::call("rand", {}), expr::call("rand", {}));
    const auto d = draws({diff}, 0, 1, 0);
    std::size_t zeros = 0;
    for (double v : d) zeros += v == 0.0;
    EXPECT_EQ(zeros, 0u);
}

TEST(BlockProgram, RandAndRandnHaveTheirDistributions) {
    const std::size_t n = 4096;
    const auto u = draws({k_rand, k_randn}, 0, 3, 11, k_object, n);
    const auto z = draws({k_rand, k_randn}, 1, 3, 11, k_object, n);
    double su = 0, sz = 0, szz = 0;
    for (std::size_t k = 0; k < n; ++k) {
        ASSERT_GE(u[k], 0.0);
        ASSERT_LT(u[k], 1.0);
        su += u[k];
        sz += z[k];
        szz += z[k] * z[k];
    }
    const double nn = static_cast<double>(n);
    // 4 sigma bounds: the mean of n uniforms has sd sqrt(1/12/n) = 0.0045; of n normals
    // 1/sqrt(n) = 0.0156; the sample variance of normals has sd sqrt(2/n) = 0.022.
    EXPECT_NEAR(su / nn, 0.5, 4 * std::sqrt(1.0 / 12.0 / nn));
    EXPECT_NEAR(sz / nn, 0.0, 4 / std::sqrt(nn));
    EXPECT_NEAR(szz / nn - (sz / nn) * (sz / nn), 1.0, 4 * std::sqrt(2.0 / nn));
}

TEST(BlockProgram, RandInFloatIsTheDoubleDrawRounded) {
    BlockProgram<float> program({k_rand}, k_symbols, k_object);
    const double a = 0, b = 0;
    const double* uniforms[] = {&a, &b};
    program.prepare_step(uniforms, 9, 5);
    std::vector<float> zeros(BlockProgram<float>::k_block, 0.0f);
    auto scratch = program.make_scratch();
    const float* varying[] = {zeros.data(), zeros.data()};
    program.run_block(varying, 100, 0, 0, scratch.data());
    const float* o = program.output(0, varying, scratch.data());
    const auto ref = draws({k_rand}, 0, 9, 5, k_object, 100);
    for (std::size_t k = 0; k < 100; ++k) EXPECT_EQ(o[k], static_cast<float>(ref[k])) << k;
}

}  // namespace
}  // namespace spikegraph::cpu
