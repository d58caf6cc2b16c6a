// BlockProgram (the CPU lowering of expression trees) against a direct evaluation of the same
// trees (core/expr_eval try_evaluate): every operator and function, varying and uniform symbols,
// partial blocks. Common-subexpression elimination and rand()/randn():
// test_block_program_cse_rand.cpp.

#include <gtest/gtest.h>

#include "tests/unit/cpu/block_program_test_support.hpp"

namespace spikegraph::cpu {
namespace {

using namespace block_test;
using expr::Kind;
using expr::Ptr;

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

}  // namespace
}  // namespace spikegraph::cpu
