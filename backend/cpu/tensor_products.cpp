// Dense and CSR matrix products: mat_mult_weight, mat_linear, sparse_mat_mult_weight.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "backend/cpu/tensor_kernels.hpp"

namespace spikegraph::cpu::tensor {

namespace {

// The shape of x W for x [..., pre]: the leading axes of x, then `post`.
Shape product_shape(const Shape& x, std::size_t post) {
    Shape s(x.begin(), x.end() - 1);
    s.push_back(post);
    return s;
}

// Rows of x [..., pre]: the product of its leading axes.
std::size_t leading_rows(const Shape& x) { return product(x, 0, x.size() - 1); }

// out [rows, post] (=|+=) x [rows, pre] W [pre, post] (+ bias). Tiles of (row, column block)
// run in parallel; each output element sums over pre in ascending order in one tile.
template <class T>
class DenseProductKernel final : public cpu::Kernel {
public:
    DenseProductKernel(const T* x, const T* w, const T* bias, T* out, std::size_t rows,
                       std::size_t pre, std::size_t post, bool accumulate)
        : x_(x), w_(w), bias_(bias), out_(out), rows_(rows), pre_(pre), post_(post),
          column_tiles_((post + k_column_tile - 1) / k_column_tile), accumulate_(accumulate) {}

    void run(const cpu::StepContext&) override {
        const std::size_t tiles = rows_ * column_tiles_;
        for_blocks(tiles, 1, rows_ * pre_ * post_, [this](std::size_t begin, std::size_t end) {
            std::uint64_t events = 0;
            for (std::size_t t = begin; t < end; ++t) events += tile(t);
            events_.fetch_add(events, std::memory_order_relaxed);
        });
    }

    std::uint64_t synaptic_events() const override {
        return events_.load(std::memory_order_relaxed);
    }

private:
    std::uint64_t tile(std::size_t t) const {
        const std::size_t r = t / column_tiles_;
        const std::size_t c0 = (t % column_tiles_) * k_column_tile;
        const std::size_t c1 = std::min(post_, c0 + k_column_tile);
        T* o = out_ + r * post_;
        if (!accumulate_) {
            for (std::size_t c = c0; c < c1; ++c) o[c] = bias_ ? bias_[c] : T(0);
        }
        const T* xr = x_ + r * pre_;
        std::uint64_t events = 0;
        for (std::size_t p = 0; p < pre_; ++p) {
            const T xv = xr[p];
            if (xv == T(0)) continue;  // spikes are sparse: most rows of W are skipped
            const T* wr = w_ + p * post_;
            for (std::size_t c = c0; c < c1; ++c) o[c] += xv * wr[c];
            events += c1 - c0;
        }
        return events;
    }

    const T* x_;
    const T* w_;
    const T* bias_;  // nullptr: no bias
    T* out_;
    std::size_t rows_, pre_, post_, column_tiles_;
    bool accumulate_;
    std::atomic<std::uint64_t> events_{0};
};


}  // namespace

template <class T>
std::unique_ptr<cpu::Kernel> bind_dense_product(const Binder& b, bool with_bias) {
    b.arity(with_bias ? 3 : 2, 1);
    const auto& x = b.input(0, "x");
    const auto& w = b.input(1, "W");
    const auto& out = b.output();
    b.real(x, "input x");
    b.real(w, "input W");
    b.real(out, "output");
    b.distinct(out, x);
    b.array(x, "input x", "[batch, pre]");
    if (w.shape.size() != 2)
        b.fail(fmt::format("input W '{}' has shape {}; expected a matrix [pre, post]", w.name,
                           shape_str(w.shape)));
    const std::size_t pre = x.shape.back();
    const std::size_t post = w.shape[1];
    b.shape(w, "input W", {pre, post}, "[pre, post] with pre = the last axis of x");
    b.shape(out, "output", product_shape(x.shape, post), "x's leading axes, then W's columns");
    const T* bias = nullptr;
    if (with_bias) {
        const auto& bs = b.input(2, "bias");
        b.real(bs, "input bias");
        b.shape(bs, "input bias", {post}, "one value per column of W");
        bias = b.data<T>(bs);
    }
    return std::make_unique<DenseProductKernel<T>>(b.data<T>(x), b.data<T>(w), bias,
                                                   b.data<T>(out), leading_rows(x.shape), pre, post,
                                                   b.accumulates());
}

namespace {

// out [rows, post] (=|+=) x [rows, pre] times a CSR matrix [pre, post]. Batch rows run in
// parallel; within a row, synapses are visited in storage order.
template <class T>
class SparseProductKernel final : public cpu::Kernel {
public:
    SparseProductKernel(std::string op_name, const T* x, const std::int64_t* indptr,
                        const std::int32_t* indices, const T* weights, T* out, std::size_t rows,
                        std::size_t pre, std::size_t post, std::size_t capacity, bool accumulate)
        : op_name_(std::move(op_name)), x_(x), indptr_(indptr), indices_(indices),
          weights_(weights), out_(out), rows_(rows), pre_(pre), post_(post), capacity_(capacity),
          accumulate_(accumulate) {}

    void run(const cpu::StepContext&) override {
        const auto rows = [this](std::size_t begin, std::size_t end) {
            std::uint64_t events = 0;
            for (std::size_t r = begin; r < end; ++r) events += row(r);
            events_.fetch_add(events, std::memory_order_relaxed);
        };
        for_blocks(rows_, 1, rows_ * (post_ + capacity_), rows);
    }

    std::uint64_t synaptic_events() const override {
        return events_.load(std::memory_order_relaxed);
    }

private:
    std::uint64_t row(std::size_t r) const {
        T* o = out_ + r * post_;
        if (!accumulate_) std::fill(o, o + post_, T(0));
        const T* xr = x_ + r * pre_;
        std::uint64_t events = 0;
        for (std::size_t p = 0; p < pre_; ++p) {
            const T xv = xr[p];
            if (xv == T(0)) continue;
            const std::int64_t j0 = indptr_[p];
            const std::int64_t j1 = indptr_[p + 1];
            // Connectivity is data: a corrupt CSR must fail loudly, not write out of bounds.
            if (j0 < 0 || j1 < j0 || static_cast<std::uint64_t>(j1) > capacity_)
                throw SimulationError(fmt::format(
                    "op '{}' (sparse_mat_mult_weight): indptr of row {} is [{}, {}), outside "
                    "the {} stored synapses; the CSR connectivity is corrupt",
                    op_name_, p, j0, j1, capacity_));
            for (std::int64_t j = j0; j < j1; ++j) {
                const std::int32_t c = indices_[j];
                if (static_cast<std::uint32_t>(c) >= post_)
                    throw SimulationError(fmt::format(
                        "op '{}' (sparse_mat_mult_weight): synapse {} of row {} targets column "
                        "{}, out of range for {} columns",
                        op_name_, j, p, c, post_));
                o[c] += xv * weights_[j];
            }
            events += static_cast<std::uint64_t>(j1 - j0);
        }
        return events;
    }

    std::string op_name_;
    const T* x_;
    const std::int64_t* indptr_;
    const std::int32_t* indices_;
    const T* weights_;
    T* out_;
    std::size_t rows_, pre_, post_, capacity_;
    bool accumulate_;
    std::atomic<std::uint64_t> events_{0};
};

}  // namespace

template <class T>
std::unique_ptr<cpu::Kernel> bind_sparse_product(const Binder& b) {
    b.arity(4, 1);
    const auto& x = b.input(0, "x");
    const auto& indptr = b.input(1, "indptr");
    const auto& indices = b.input(2, "indices");
    const auto& weights = b.input(3, "weights");
    const auto& out = b.output();
    b.real(x, "input x");
    b.dtype(indptr, "input indptr", {DType::i64});
    b.dtype(indices, "input indices", {DType::i32});
    b.real(weights, "input weights");
    b.real(out, "output");
    b.distinct(out, x);
    b.array(x, "input x", "[batch, pre]");
    b.array(out, "output", "[batch, post]");
    const std::size_t pre = x.shape.back();
    const std::size_t post = out.shape.back();
    b.shape(out, "output", product_shape(x.shape, post), "x's leading axes, then the columns");
    b.shape(indptr, "input indptr", {pre + 1}, "pre + 1 row offsets, pre = the last axis of x");
    b.shape(indices, "input indices", {indices.size()}, "a vector of column indices");
    b.shape(weights, "input weights", {indices.size()}, "one weight per column index");
    return std::make_unique<SparseProductKernel<T>>(
        b.op().name, b.data<T>(x), b.data<std::int64_t>(indptr), b.data<std::int32_t>(indices),
        b.data<T>(weights), b.data<T>(out), leading_rows(x.shape), pre, post, indices.size(),
        b.accumulates());
}

template std::unique_ptr<cpu::Kernel> bind_dense_product<float>(const Binder&, bool);
template std::unique_ptr<cpu::Kernel> bind_dense_product<double>(const Binder&, bool);
template std::unique_ptr<cpu::Kernel> bind_sparse_product<float>(const Binder&);
template std::unique_ptr<cpu::Kernel> bind_sparse_product<double>(const Binder&);

}  // namespace spikegraph::cpu::tensor
