// BlockProgram: common-subexpression elimination computes equal subtrees once without changing
// results, and rand()/randn() draw counter-based numbers per seed, step, index and call.

#include <gtest/gtest.h>

#include "tests/unit/cpu/block_program_test_support.hpp"

namespace spikegraph::cpu {
namespace {

using namespace block_test;
using expr::Kind;
using expr::Ptr;

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
