// The sparse product and the shape ops (cat, stack, reduce_sum, index_select) against plain
// reference loops, in both precisions, and the errors for bad shapes. Inputs as in
// test_tensor_ops.cpp: exact in float32 and float64, compared with ==.

#include <gtest/gtest.h>

#include "tests/unit/cpu/tensor_test_harness.hpp"

namespace spikegraph {
namespace {

using namespace tensor_test;

class TensorSparseAndShapeOps : public TensorOpsTest {};

struct Csr {
    Values indptr, indices, weights, dense;
};

Csr random_csr(std::size_t pre, std::size_t post, double density, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const Values w = grid(pre * post, seed + 1);
    Csr m{{0.0}, {}, {}, Values(pre * post, 0.0)};
    for (std::size_t p = 0; p < pre; ++p) {
        for (std::size_t c = 0; c < post; ++c) {
            if (u(gen) >= density) continue;
            m.indices.push_back(static_cast<double>(c));
            m.weights.push_back(w[p * post + c]);
            m.dense[p * post + c] = w[p * post + c];
        }
        m.indptr.push_back(static_cast<double>(m.indices.size()));
    }
    return m;
}

class SparseFixture {
public:
    SparseFixture(Precision p, std::size_t rows, std::size_t pre, std::size_t post)
        : h(p), csr(random_csr(pre, post, 0.3, 22)) {
        h.var("x", {rows, pre});
        h.var("indptr", {pre + 1}, DType::i64);
        h.var("indices", {csr.indices.size()}, DType::i32);
        h.var("w", {csr.weights.size()});
        h.var("out", {rows, post});
        h.build();
        h.set("indptr", csr.indptr);
        h.set("indices", csr.indices);
        h.set("w", csr.weights);
    }
    OpSpec op(WriteMode mode = WriteMode::assign) const {
        return make_op("sparse_mat_mult_weight", {"x", "indptr", "indices", "w"}, "out", {}, mode);
    }
    Harness h;
    Csr csr;
};

TEST_P(TensorSparseAndShapeOps, SparseMatMultMatchesTheDenseReference) {
    const std::size_t rows = 3, pre = 20, post = 15;
    SparseFixture f(GetParam(), rows, pre, post);
    const Values x = grid(rows * pre, 23, 0.6);
    f.h.set("x", x);
    f.h.set("out", Values(rows * post, 99.0));
    auto kernel = f.h.bind(f.op());
    kernel->run({});
    EXPECT_EQ(f.h.get("out"), dense_reference(x, f.csr.dense, nullptr, rows, pre, post));
    std::uint64_t events = 0;
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t p = 0; p < pre; ++p)
            if (x[b * pre + p] != 0.0)
                events += static_cast<std::uint64_t>(f.csr.indptr[p + 1] - f.csr.indptr[p]);
    EXPECT_EQ(kernel->synaptic_events(), events);
}

TEST_P(TensorSparseAndShapeOps, SparseMatMultAccumulatesWhenDeclared) {
    SparseFixture f(GetParam(), 2, 20, 15);
    const Values x = grid(40, 24, 0.6), before = grid(30, 25);
    f.h.set("x", x);
    f.h.set("out", before);
    f.h.run(f.op(WriteMode::accumulate));
    Values want = dense_reference(x, f.csr.dense, nullptr, 2, 20, 15);
    for (std::size_t i = 0; i < want.size(); ++i) want[i] += before[i];
    EXPECT_EQ(f.h.get("out"), want);
}

TEST_P(TensorSparseAndShapeOps, SparseMatMultRejectsACorruptColumnIndex) {
    SparseFixture f(GetParam(), 1, 20, 15);
    Values indices = f.csr.indices;
    indices[0] = 15;  // one past the last column
    f.h.set("indices", indices);
    f.h.set("x", Values(20, 1.0));
    auto kernel = f.h.bind(f.op());
    EXPECT_THROW(kernel->run({}), SimulationError);
}

TEST_P(TensorSparseAndShapeOps, CatJoinsAlongTheAxis) {
    Harness h(GetParam());
    h.var("a", {2, 3});
    h.var("b", {2, 2});
    h.var("c", {1, 3});
    h.var("ab", {2, 5});
    h.var("ac", {3, 3});
    h.build();
    const Values a = grid(6, 26), b = grid(4, 27), c = grid(3, 28);
    h.set("a", a);
    h.set("b", b);
    h.set("c", c);
    h.run(make_op("cat", {"a", "b"}, "ab"));
    EXPECT_EQ(h.get("ab"), (Values{a[0], a[1], a[2], b[0], b[1], a[3], a[4], a[5], b[2], b[3]}));
    h.run(make_op("cat", {"a", "c"}, "ac", {{"axis", 0}}));
    EXPECT_EQ(h.get("ac"), (Values{a[0], a[1], a[2], a[3], a[4], a[5], c[0], c[1], c[2]}));
    EXPECT_NE(build_error(h, make_op("cat", {"a", "c"}, "ab")), "");
}

TEST_P(TensorSparseAndShapeOps, CatCopiesSpikeArrays) {
    Harness h(GetParam());
    h.var("s1", {2, 2}, DType::u8);
    h.var("s2", {2, 1}, DType::u8);
    h.var("s", {2, 3}, DType::u8);
    h.build();
    h.set("s1", {1, 0, 0, 1});
    h.set("s2", {1, 0});
    h.run(make_op("cat", {"s1", "s2"}, "s", {{"axis", -1}}));
    EXPECT_EQ(h.get("s"), (Values{1, 0, 1, 0, 1, 0}));
}

TEST_P(TensorSparseAndShapeOps, StackInsertsANewAxis) {
    Harness h(GetParam());
    h.var("a", {2, 3});
    h.var("b", {2, 3});
    h.var("s0", {2, 2, 3});
    h.var("s1", {2, 2, 3});
    h.var("s2", {2, 3, 2});
    h.build();
    const Values a = grid(6, 29), b = grid(6, 30);
    h.set("a", a);
    h.set("b", b);
    h.run(make_op("stack", {"a", "b"}, "s0"));
    h.run(make_op("stack", {"a", "b"}, "s1", {{"axis", 1}}));
    h.run(make_op("stack", {"a", "b"}, "s2", {{"axis", -1}}));
    const Values s0 = h.get("s0"), s1 = h.get("s1"), s2 = h.get("s2");
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t c = 0; c < 3; ++c) {
            const double av = a[r * 3 + c], bv = b[r * 3 + c];
            EXPECT_EQ(s0[0 * 6 + r * 3 + c], av);
            EXPECT_EQ(s0[1 * 6 + r * 3 + c], bv);
            EXPECT_EQ(s1[r * 6 + 0 * 3 + c], av);
            EXPECT_EQ(s1[r * 6 + 1 * 3 + c], bv);
            EXPECT_EQ(s2[r * 6 + c * 2 + 0], av);
            EXPECT_EQ(s2[r * 6 + c * 2 + 1], bv);
        }
}

TEST_P(TensorSparseAndShapeOps, ReduceSumAlongEachAxis) {
    const Shape shape = {3, 4, 5};
    const Values x = grid(60, 31);
    for (int axis : {0, 1, 2, -1}) {
        const std::size_t ax = axis < 0 ? 2 : static_cast<std::size_t>(axis);
        for (bool keep : {false, true}) {
            Shape out_shape = shape;
            if (keep)
                out_shape[ax] = 1;
            else
                out_shape.erase(out_shape.begin() + static_cast<std::ptrdiff_t>(ax));
            Harness h(GetParam());
            h.var("x", shape);
            h.var("out", out_shape);
            h.build();
            h.set("x", x);
            h.run(make_op("reduce_sum", {"x"}, "out", {{"axis", axis}}));
            const Values got = h.get("out");
            Values want(60 / shape[ax], 0.0);
            for (std::size_t i = 0; i < 3; ++i)
                for (std::size_t j = 0; j < 4; ++j)
                    for (std::size_t k = 0; k < 5; ++k) {
                        const std::size_t idx[3] = {i, j, k};
                        std::size_t o = 0;
                        for (std::size_t d = 0; d < 3; ++d)
                            if (d != ax) o = o * shape[d] + idx[d];
                        want[o] += x[(i * 4 + j) * 5 + k];
                    }
            EXPECT_EQ(got, want) << "axis " << axis << " keep " << keep;
        }
    }
}

TEST_P(TensorSparseAndShapeOps, ReduceSumOfALongAxis) {
    // Two rows of 100000: the long-axis path with partial sums per block.
    const std::size_t n = 100000;
    Harness h(GetParam());
    h.var("x", {2, n});
    h.var("out", {2});
    h.build();
    const Values x = grid(2 * n, 32);
    h.set("x", x);
    h.run(make_op("reduce_sum", {"x"}, "out"));
    double s0 = 0, s1 = 0;
    for (std::size_t k = 0; k < n; ++k) s0 += x[k], s1 += x[n + k];
    EXPECT_EQ(h.get("out"), (Values{s0, s1}));
}

TEST_P(TensorSparseAndShapeOps, IndexSelectPicksEntries) {
    Harness h(GetParam());
    h.var("x", {2, 5});
    h.var("cols", {2, 4});
    h.var("rows", {3, 5});
    h.var("ids", {5}, DType::i64);
    h.var("picked", {2}, DType::i64);
    h.build();
    const Values x = grid(10, 33);
    h.set("x", x);
    h.set("ids", {10, 11, 12, 13, 14});
    h.run(make_op("index_select", {"x"}, "cols", {{"indices", {4, 0, 0, 2}}}));
    EXPECT_EQ(h.get("cols"), (Values{x[4], x[0], x[0], x[2], x[9], x[5], x[5], x[7]}));
    h.run(make_op("index_select", {"x"}, "rows", {{"indices", {1, 0, 1}}, {"axis", 0}}));
    EXPECT_EQ(h.get("rows"), (Values{x[5], x[6], x[7], x[8], x[9], x[0], x[1], x[2], x[3], x[4],
                                     x[5], x[6], x[7], x[8], x[9]}));
    h.run(make_op("index_select", {"ids"}, "picked", {{"indices", {3, 1}}}));
    EXPECT_EQ(h.get("picked"), (Values{13, 11}));
    const std::string msg =
        build_error(h, make_op("index_select", {"x"}, "cols", {{"indices", {0, 1, 5, 2}}}));
    EXPECT_NE(msg.find("index 5 is out of range"), std::string::npos) << msg;
}

TEST_P(TensorSparseAndShapeOps, BadShapesNameTheOpTheVariableAndTheShapes) {
    Harness h(GetParam());
    h.var("a", {3, 5});
    h.var("b", {4});
    h.var("out", {3, 5});
    h.var("W", {4, 2});
    h.var("y", {3, 2});
    h.var("n", {3, 5}, DType::i32);
    h.build();
    const std::string add = build_error(h, make_op("add", {"a", "b"}, "out"));
    for (const char* part : {"test.add", "'b'", "[4]", "[3, 5]", "[5]"})
        EXPECT_NE(add.find(part), std::string::npos) << part << " missing from: " << add;
    const std::string mm = build_error(h, make_op("mat_mult_weight", {"a", "W"}, "y"));
    for (const char* part : {"test.mat_mult_weight", "'W'", "[4, 2]", "[5, 2]"})
        EXPECT_NE(mm.find(part), std::string::npos) << part << " missing from: " << mm;
    const std::string dtype = build_error(h, make_op("relu", {"n"}, "out"));
    EXPECT_NE(dtype.find("int32"), std::string::npos) << dtype;
    EXPECT_NE(build_error(h, make_op("add", {"a"}, "out")).find("expected 2 input"),
              std::string::npos);
    EXPECT_NE(build_error(h, make_op("add", {"a", "nope"}, "out")).find("'nope'"),
              std::string::npos);
    EXPECT_NE(build_error(h, make_op("exp", {"a"}, "y")), "");
    EXPECT_NE(build_error(h, make_op("threshold", {"a", "a"}, "n")), "");
    EXPECT_NE(build_error(h, make_op("reset", {"a", "a"}, "a")).find("params.value"),
              std::string::npos);
    EXPECT_NE(build_error(h, make_op("add", {"a", "a"}, "out", {}, WriteMode::accumulate)), "");
    EXPECT_NE(build_error(h, make_op("reduce_sum", {"a"}, "y", {{"axis", 1}})), "");
    EXPECT_NE(build_error(h, make_op("reduce_sum", {"a"}, "b", {{"axis", 2}})).find("axis 2"),
              std::string::npos);
    EXPECT_NE(build_error(h, make_op("stack", {"a", "b"}, "out")), "");
    EXPECT_NE(build_error(h, make_op("mat_mult_weight", {"a", "W"}, "a")), "");
}

INSTANTIATE_TEST_SUITE_P(Precisions, TensorSparseAndShapeOps,
                         ::testing::Values(Precision::f32, Precision::f64), precision_name);

}  // namespace
}  // namespace spikegraph
