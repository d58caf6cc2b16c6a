// The tensor ops against plain reference loops, in both precisions.
//
// Most inputs are drawn from a grid of multiples of 1/4 in [-4, 4] (and divisors are powers of
// two), so every sum and product below is exact in float32 as well as float64 and results are
// compared with ==. Only exp and sigmoid need a tolerance.

#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>

#include "tests/unit/cpu/tensor_test_harness.hpp"

namespace spikegraph {
namespace {

using namespace tensor_test;

class TensorOps : public TensorOpsTest {};

TEST_P(TensorOps, RegistersEveryKind) {
    Harness h(GetParam());
    h.build();
    const std::vector<std::string> expected = {
        "add", "cat", "div", "exp", "index_select", "mat_linear", "mat_mult_weight", "minus",
        "mul", "reduce_sum", "relu", "reset", "sigmoid", "sparse_mat_mult_weight", "stack",
        "threshold", "var_linear", "var_mult"};
    EXPECT_EQ(h.registry().kinds(cpu::k_backend_name), expected);
}

TEST_P(TensorOps, BinaryOpsBroadcastLikeTheReference) {
    const std::size_t batch = 3, n = 5;
    struct Case {
        const char* kind;
        double (*f)(double, double);
    };
    const Case cases[] = {{"add", [](double a, double b) { return a + b; }},
                          {"minus", [](double a, double b) { return a - b; }},
                          {"mul", [](double a, double b) { return a * b; }},
                          {"var_mult", [](double a, double b) { return a * b; }},
                          {"div", [](double a, double b) { return a / b; }}};
    const std::vector<Shape> b_shapes = {{batch, n}, {n}, {1}, {1, n}, {}};
    const std::vector<Shape> a_shapes = {{batch, n}, {n}};
    for (const auto& c : cases) {
        for (const auto& as : a_shapes) {
            for (const auto& bs : b_shapes) {
                Harness h(GetParam());
                h.var("a", as);
                h.var("b", bs);
                h.var("out", {batch, n});
                h.build();
                std::size_t a_size = 1, b_size = 1;
                for (auto d : as) a_size *= d;
                for (auto d : bs) b_size *= d;
                const Values a = grid(a_size, 1);
                const Values b = std::string(c.kind) == "div" ? powers_of_two(b_size, 2)
                                                              : grid(b_size, 2);
                h.set("a", a);
                h.set("b", b);
                h.run(make_op(c.kind, {"a", "b"}, "out"));
                const Values got = h.get("out");
                for (std::size_t i = 0; i < batch * n; ++i)
                    ASSERT_EQ(got[i], c.f(broadcast(a, i, n), broadcast(b, i, n)))
                        << c.kind << " element " << i << " a " << a_size << " b " << b_size;
            }
        }
    }
}

TEST_P(TensorOps, BroadcastHoldsAcrossBlockBoundaries) {
    // 70000 elements run in parallel blocks of 16384, which start in the middle of rows.
    const std::size_t rows = 7, n = 10000;
    Harness h(GetParam());
    h.var("a", {rows, n});
    h.var("b", {n});
    h.var("out", {rows, n});
    h.build();
    const Values a = grid(rows * n, 34), b = grid(n, 35);
    h.set("a", a);
    h.set("b", b);
    h.run(make_op("mul", {"a", "b"}, "out"));
    const Values got = h.get("out");
    for (std::size_t i = 0; i < rows * n; ++i) ASSERT_EQ(got[i], a[i] * b[i % n]) << i;
}

TEST_P(TensorOps, BinaryOpWritesInPlace) {
    Harness h(GetParam());
    h.var("x", {2, 4});
    h.var("y", {4});
    h.build();
    const Values x = grid(8, 3), y = grid(4, 4);
    h.set("x", x);
    h.set("y", y);
    h.run(make_op("add", {"x", "y"}, "x", {}, WriteMode::modify));
    const Values got = h.get("x");
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(got[i], x[i] + y[i % 4]);
}

TEST_P(TensorOps, UnaryOpsMatchTheReference) {
    // exp and sigmoid: the C library's exp is faithful to within an ulp or two, so 4 ulps of
    // the result bound the difference from the double-precision reference.
    struct Case {
        const char* kind;
        double (*f)(double);
        bool exact;
    };
    const Case cases[] = {{"exp", [](double a) { return std::exp(a); }, false},
                          {"relu", [](double a) { return a > 0 ? a : 0.0; }, true},
                          {"sigmoid", [](double a) { return 1.0 / (1.0 + std::exp(-a)); }, false}};
    for (const auto& c : cases) {
        Harness h(GetParam());
        h.var("a", {3, 7});
        h.var("out", {3, 7});
        h.build();
        const Values a = grid(21, 5);
        h.set("a", a);
        h.run(make_op(c.kind, {"a"}, "out"));
        const Values got = h.get("out");
        for (std::size_t i = 0; i < a.size(); ++i) {
            const double want = c.f(a[i]);
            if (c.exact)
                EXPECT_EQ(got[i], want) << c.kind << " " << a[i];
            else
                EXPECT_NEAR(got[i], want, 4 * eps() * std::abs(want)) << c.kind << " " << a[i];
        }
    }
}

TEST_P(TensorOps, VarLinearBroadcastsScaleAndOffset) {
    Harness h(GetParam());
    h.var("x", {2, 4});
    h.var("a", {4});
    h.var("b", {1});
    h.var("out", {2, 4});
    h.build();
    const Values x = grid(8, 6), a = grid(4, 7), b = grid(1, 8);
    h.set("x", x);
    h.set("a", a);
    h.set("b", b);
    h.run(make_op("var_linear", {"x", "a", "b"}, "out"));
    const Values got = h.get("out");
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(got[i], a[i % 4] * x[i] + b[0]);
}

TEST_P(TensorOps, ThresholdGivesOneStrictlyAbove) {
    for (DType out_type : {DType::u8, real_dtype(GetParam())}) {
        for (bool scalar_thr : {true, false}) {
            Harness h(GetParam());
            h.var("x", {2, 6});
            h.var("thr", scalar_thr ? Shape{1} : Shape{2, 6});
            h.var("spike", {2, 6}, out_type);
            h.build();
            const Values x = grid(12, 9);
            Values thr = scalar_thr ? Values{0.5} : grid(12, 10);
            if (!scalar_thr) thr[3] = x[3];  // equal is not above
            h.set("x", x);
            h.set("thr", thr);
            h.run(make_op("threshold", {"x", "thr"}, "spike"));
            const Values got = h.get("spike");
            for (std::size_t i = 0; i < 12; ++i)
                EXPECT_EQ(got[i], x[i] > broadcast(thr, i, 6) ? 1.0 : 0.0) << i;
        }
    }
}

TEST_P(TensorOps, ResetWritesTheValueWhereSpiked) {
    for (DType spike_type : {DType::u8, real_dtype(GetParam())}) {
        Harness h(GetParam());
        h.var("v", {3, 4});
        h.var("spike", {3, 4}, spike_type);
        h.build();
        const Values v = grid(12, 11);
        Values spike(12, 0.0);
        spike[0] = spike[5] = spike[11] = 1.0;
        h.set("v", v);
        h.set("spike", spike);
        h.run(make_op("reset", {"v", "spike"}, "v", {{"value", -65.0}}, WriteMode::modify));
        const Values got = h.get("v");
        for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(got[i], spike[i] != 0 ? -65.0 : v[i]);
    }
}

TEST_P(TensorOps, MatMultWeightMatchesTheReference) {
    // The second size spans two column tiles and enough work to run in parallel.
    for (auto [rows, pre, post] : {std::array<std::size_t, 3>{3, 7, 5}, {2, 300, 5000}}) {
        Harness h(GetParam());
        h.var("x", {rows, pre});
        h.var("W", {pre, post});
        h.var("out", {rows, post});
        h.build();
        const Values x = grid(rows * pre, 12, 0.7), w = grid(pre * post, 13);
        h.set("x", x);
        h.set("W", w);
        h.set("out", Values(rows * post, 99.0));  // must be overwritten
        auto kernel = h.bind(make_op("mat_mult_weight", {"x", "W"}, "out"));
        kernel->run({});
        EXPECT_EQ(h.get("out"), dense_reference(x, w, nullptr, rows, pre, post));
        std::size_t nonzero = 0;
        for (double v : x) nonzero += v != 0.0;
        EXPECT_EQ(kernel->synaptic_events(), nonzero * post);
    }
}

TEST_P(TensorOps, MatMultWeightAccumulatesWhenDeclared) {
    Harness h(GetParam());
    h.var("x", {2, 6});
    h.var("W", {6, 3});
    h.var("ge", {2, 3});
    h.build();
    const Values x = grid(12, 14, 0.5), w = grid(18, 15), ge = grid(6, 16);
    h.set("x", x);
    h.set("W", w);
    h.set("ge", ge);
    h.run(make_op("mat_mult_weight", {"x", "W"}, "ge", {}, WriteMode::accumulate));
    Values want = dense_reference(x, w, nullptr, 2, 6, 3);
    for (std::size_t i = 0; i < want.size(); ++i) want[i] += ge[i];
    EXPECT_EQ(h.get("ge"), want);
}

TEST_P(TensorOps, MatMultWeightTakesAnUnbatchedVector) {
    Harness h(GetParam());
    h.var("x", {4});
    h.var("W", {4, 3});
    h.var("out", {3});
    h.build();
    const Values x = grid(4, 17), w = grid(12, 18);
    h.set("x", x);
    h.set("W", w);
    h.run(make_op("mat_mult_weight", {"x", "W"}, "out"));
    EXPECT_EQ(h.get("out"), dense_reference(x, w, nullptr, 1, 4, 3));
}

TEST_P(TensorOps, MatLinearAddsTheBias) {
    Harness h(GetParam());
    h.var("x", {3, 5});
    h.var("W", {5, 4});
    h.var("bias", {4});
    h.var("out", {3, 4});
    h.build();
    const Values x = grid(15, 19, 0.3), w = grid(20, 20), bias = grid(4, 21);
    h.set("x", x);
    h.set("W", w);
    h.set("bias", bias);
    h.run(make_op("mat_linear", {"x", "W", "bias"}, "out"));
    EXPECT_EQ(h.get("out"), dense_reference(x, w, &bias, 3, 5, 4));
}

// A random CSR matrix [pre, post] and its dense equivalent.
INSTANTIATE_TEST_SUITE_P(Precisions, TensorOps, ::testing::Values(Precision::f32, Precision::f64),
                         precision_name);


// Large ops on values whose sums do round: bitwise the same for 1, 2 and 4 threads.
TEST(TensorOpsThreads, ResultsDoNotDependOnTheThreadCount) {
    const std::size_t rows = 4, pre = 500, post = 3000, n = 300000;
    std::vector<Values> results[3];
    int slot = 0;
    for (int threads : {1, 2, 4}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        Harness h(Precision::f32);
        h.var("x", {rows, pre});
        h.var("W", {pre, post});
        h.var("y", {rows, post});
        h.var("long", {n});
        h.var("total", {});
        h.var("rowsum", {rows});
        h.var("z", {rows, post});
        h.build();
        h.set("x", random_reals(rows * pre, 40));
        h.set("W", random_reals(pre * post, 41));
        h.set("long", random_reals(n, 42));
        h.run(make_op("mat_mult_weight", {"x", "W"}, "y"));
        h.run(make_op("reduce_sum", {"long"}, "total"));
        h.run(make_op("reduce_sum", {"y"}, "rowsum"));
        h.run(make_op("sigmoid", {"y"}, "z"));
        results[slot++] = {h.get("y"), h.get("total"), h.get("rowsum"), h.get("z")};
    }
    EXPECT_EQ(results[0], results[1]);
    EXPECT_EQ(results[0], results[2]);
}

}  // namespace
}  // namespace spikegraph
