// The tensor ops against plain reference loops, in both precisions.
//
// Most inputs are drawn from a grid of multiples of 1/4 in [-4, 4] (and divisors are powers of
// two), so every sum and product below is exact in float32 as well as float64 and results are
// compared with ==. Only exp and sigmoid need a tolerance.

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include "backend/cpu/tensor_ops.hpp"
#include "backend/cpu/op_factory.hpp"

namespace spikegraph {
namespace {

using Shape = std::vector<std::size_t>;
using Values = std::vector<double>;

// A hand-built plan, its workspace and a registry holding only the tensor ops.
class Harness {
public:
    explicit Harness(Precision precision) { plan_.precision = precision; }

    DType real() const { return real_dtype(plan_.precision); }

    void var(const std::string& name, Shape shape) { var(name, std::move(shape), real()); }
    void var(const std::string& name, Shape shape, DType dtype) {
        VariableSpec v;
        v.name = name;
        v.shape = std::move(shape);
        v.dtype = dtype;
        plan_.variables.push_back(v);
    }

    void build() {
        ws_ = std::make_unique<cpu::Workspace>(plan_, ExecutorOptions{});
        register_tensor_ops(registry_);
    }

    void set(const std::string& name, const Values& values) {
        auto& b = ws_->buffer(name);
        ASSERT_EQ(b.size(), values.size()) << name;
        for (std::size_t k = 0; k < values.size(); ++k) {
            switch (b.type()) {
                case DType::f32: b.as<float>()[k] = static_cast<float>(values[k]); break;
                case DType::f64: b.as<double>()[k] = values[k]; break;
                case DType::i32:
                    b.as<std::int32_t>()[k] = static_cast<std::int32_t>(values[k]);
                    break;
                case DType::i64:
                    b.as<std::int64_t>()[k] = static_cast<std::int64_t>(values[k]);
                    break;
                case DType::u8:
                    b.as<std::uint8_t>()[k] = static_cast<std::uint8_t>(values[k]);
                    break;
            }
        }
    }

    Values get(const std::string& name) {
        const auto& b = ws_->buffer(name);
        Values out(b.size());
        for (std::size_t k = 0; k < out.size(); ++k) {
            switch (b.type()) {
                case DType::f32: out[k] = b.as<float>()[k]; break;
                case DType::f64: out[k] = b.as<double>()[k]; break;
                case DType::i32: out[k] = b.as<std::int32_t>()[k]; break;
                case DType::i64: out[k] = static_cast<double>(b.as<std::int64_t>()[k]); break;
                case DType::u8: out[k] = b.as<std::uint8_t>()[k]; break;
            }
        }
        return out;
    }

    std::unique_ptr<cpu::Kernel> bind(const OpSpec& op) {
        const auto f = registry_.find<cpu::OpFactory>(op.kind, cpu::k_backend_name);
        if (!f) throw std::logic_error("op kind not registered: " + op.kind);
        return (*f)(op, *ws_);
    }

    void run(const OpSpec& op) { bind(op)->run(cpu::StepContext{}); }

    OpRegistry& registry() { return registry_; }

private:
    Plan plan_;
    std::unique_ptr<cpu::Workspace> ws_;
    OpRegistry registry_;
};

OpSpec make_op(const std::string& kind, const std::vector<std::string>& inputs,
               const std::string& output, nlohmann::json params = nlohmann::json::object(),
               WriteMode mode = WriteMode::assign) {
    OpSpec op;
    op.name = "test." + kind;
    op.kind = kind;
    for (const auto& in : inputs) op.inputs.push_back({in, Read::now});
    op.outputs.push_back({output, mode});
    op.params = std::move(params);
    return op;
}

// n values from the grid {-4, -3.75, ..., 4}; about `zeros` of them exactly 0.
Values grid(std::size_t n, unsigned seed, double zeros = 0.0) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> step(-16, 16);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Values v(n);
    for (auto& x : v) x = u(gen) < zeros ? 0.0 : 0.25 * step(gen);
    return v;
}

// n nonzero powers of two with random sign: dividing by them is exact.
Values powers_of_two(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> e(-2, 2);
    std::uniform_int_distribution<int> sign(0, 1);
    Values v(n);
    for (auto& x : v) x = std::ldexp(sign(gen) ? 1.0 : -1.0, e(gen));
    return v;
}

Values random_reals(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Values v(n);
    for (auto& x : v) x = u(gen);
    return v;
}

// Value of an input with `size` elements for output element i of a row length `row`: full,
// one value per last-axis position, or a scalar.
double broadcast(const Values& v, std::size_t i, std::size_t row) {
    if (v.size() == 1) return v[0];
    if (v.size() == row) return v[i % row];
    return v[i];
}

std::string build_error(Harness& h, const OpSpec& op) {
    try {
        h.bind(op);
    } catch (const BuildError& e) {
        return e.what();
    }
    return "";
}

class TensorOps : public ::testing::TestWithParam<Precision> {
protected:
    double eps() const { return GetParam() == Precision::f32 ? FLT_EPSILON : DBL_EPSILON; }
};

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

// out[b][c] = sum_p x[b][p] W[p][c] (+ bias[c]), in double.
Values dense_reference(const Values& x, const Values& w, const Values* bias, std::size_t rows,
                       std::size_t pre, std::size_t post) {
    Values out(rows * post, 0.0);
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t c = 0; c < post; ++c) {
            double s = bias ? (*bias)[c] : 0.0;
            for (std::size_t p = 0; p < pre; ++p) s += x[b * pre + p] * w[p * post + c];
            out[b * post + c] = s;
        }
    return out;
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

TEST_P(TensorOps, SparseMatMultMatchesTheDenseReference) {
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

TEST_P(TensorOps, SparseMatMultAccumulatesWhenDeclared) {
    SparseFixture f(GetParam(), 2, 20, 15);
    const Values x = grid(40, 24, 0.6), before = grid(30, 25);
    f.h.set("x", x);
    f.h.set("out", before);
    f.h.run(f.op(WriteMode::accumulate));
    Values want = dense_reference(x, f.csr.dense, nullptr, 2, 20, 15);
    for (std::size_t i = 0; i < want.size(); ++i) want[i] += before[i];
    EXPECT_EQ(f.h.get("out"), want);
}

TEST_P(TensorOps, SparseMatMultRejectsACorruptColumnIndex) {
    SparseFixture f(GetParam(), 1, 20, 15);
    Values indices = f.csr.indices;
    indices[0] = 15;  // one past the last column
    f.h.set("indices", indices);
    f.h.set("x", Values(20, 1.0));
    auto kernel = f.h.bind(f.op());
    EXPECT_THROW(kernel->run({}), SimulationError);
}

TEST_P(TensorOps, CatJoinsAlongTheAxis) {
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

TEST_P(TensorOps, CatCopiesSpikeArrays) {
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

TEST_P(TensorOps, StackInsertsANewAxis) {
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

TEST_P(TensorOps, ReduceSumAlongEachAxis) {
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

TEST_P(TensorOps, ReduceSumOfALongAxis) {
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

TEST_P(TensorOps, IndexSelectPicksEntries) {
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

TEST_P(TensorOps, BadShapesNameTheOpTheVariableAndTheShapes) {
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

INSTANTIATE_TEST_SUITE_P(Precisions, TensorOps,
                         ::testing::Values(Precision::f32, Precision::f64),
                         [](const auto& info) {
                             return std::string(dtype_name(real_dtype(info.param)));
                         });

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
