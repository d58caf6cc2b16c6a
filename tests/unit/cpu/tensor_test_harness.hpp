#pragma once
// What the tensor-op tests share (test_tensor_ops.cpp, test_tensor_shape_ops.cpp): a hand-built
// plan with its workspace and the tensor ops bound to it, and reference inputs.

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

namespace spikegraph::tensor_test {

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

inline OpSpec make_op(const std::string& kind, const std::vector<std::string>& inputs,
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
inline Values grid(std::size_t n, unsigned seed, double zeros = 0.0) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> step(-16, 16);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Values v(n);
    for (auto& x : v) x = u(gen) < zeros ? 0.0 : 0.25 * step(gen);
    return v;
}

// n nonzero powers of two with random sign: dividing by them is exact.
inline Values powers_of_two(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> e(-2, 2);
    std::uniform_int_distribution<int> sign(0, 1);
    Values v(n);
    for (auto& x : v) x = std::ldexp(sign(gen) ? 1.0 : -1.0, e(gen));
    return v;
}

inline Values random_reals(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Values v(n);
    for (auto& x : v) x = u(gen);
    return v;
}

// Value of an input with `size` elements for output element i of a row length `row`: full,
// one value per last-axis position, or a scalar.
inline double broadcast(const Values& v, std::size_t i, std::size_t row) {
    if (v.size() == 1) return v[0];
    if (v.size() == row) return v[i % row];
    return v[i];
}

inline std::string build_error(Harness& h, const OpSpec& op) {
    try {
        h.bind(op);
    } catch (const BuildError& e) {
        return e.what();
    }
    return "";
}


// out[b][c] = sum_p x[b][p] W[p][c] (+ bias[c]), in double.
inline Values dense_reference(const Values& x, const Values& w, const Values* bias, std::size_t rows,
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

class TensorOpsTest : public ::testing::TestWithParam<Precision> {
protected:
    double eps() const { return GetParam() == Precision::f32 ? FLT_EPSILON : DBL_EPSILON; }
};

/// Test names per precision: "float32", "float64".
inline std::string precision_name(const ::testing::TestParamInfo<Precision>& info) {
    return std::string(dtype_name(real_dtype(info.param)));
}

}  // namespace spikegraph::tensor_test
