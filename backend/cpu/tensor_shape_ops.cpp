// Shape ops: cat, stack, index_select (bytewise, any dtype) and reduce_sum.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/cpu/tensor_kernels.hpp"

namespace spikegraph::cpu::tensor {

namespace {

// Concatenation in bytes: for each of `outer` rows, input k contributes a chunk of chunk[k]
// bytes. cat and stack (a cat along a new axis of length 1 per input) are both this.
class ConcatKernel final : public cpu::Kernel {
public:
    ConcatKernel(std::vector<const std::byte*> src, std::vector<std::size_t> chunk,
                 std::byte* out, std::size_t outer)
        : src_(std::move(src)), chunk_(std::move(chunk)), out_(out), outer_(outer) {
        for (auto c : chunk_) row_bytes_ += c;
    }

    void run(const cpu::StepContext&) override {
        for_blocks(outer_, 1, outer_ * row_bytes_ / 8, [this](std::size_t begin, std::size_t end) {
            for (std::size_t o = begin; o < end; ++o) {
                std::byte* dst = out_ + o * row_bytes_;
                for (std::size_t k = 0; k < src_.size(); ++k) {
                    std::memcpy(dst, src_[k] + o * chunk_[k], chunk_[k]);
                    dst += chunk_[k];
                }
            }
        });
    }

private:
    std::vector<const std::byte*> src_;
    std::vector<std::size_t> chunk_;
    std::byte* out_;
    std::size_t outer_;
    std::size_t row_bytes_ = 0;
};

std::vector<const VariableSpec*> copy_inputs(const Binder& b, const VariableSpec& out) {
    std::vector<const VariableSpec*> in;
    for (std::size_t k = 0; k < b.op().inputs.size(); ++k) {
        const auto& v = b.input(k, std::to_string(k));
        b.dtype(v, fmt::format("input {}", k), {out.dtype});
        b.distinct(out, v);
        in.push_back(&v);
    }
    return in;
}

}  // namespace

std::unique_ptr<cpu::Kernel> bind_cat(const Binder& b) {
    b.arity_at_least(1, 1);
    b.reject_accumulate();
    const auto& out = b.output();
    const auto in = copy_inputs(b, out);
    const Shape& first = in[0]->shape;
    b.array(*in[0], "input 0", "an array to join");
    const std::size_t axis = b.axis(first.size(), -1);
    Shape expected = first;
    expected[axis] = 0;
    const std::size_t es = dtype_size(out.dtype);
    const std::size_t inner = product(first, axis + 1, first.size());
    std::vector<const std::byte*> src;
    std::vector<std::size_t> chunk;
    for (std::size_t k = 0; k < in.size(); ++k) {
        Shape want = first;
        want[axis] = in[k]->shape.size() == first.size() ? in[k]->shape[axis] : 0;
        b.shape(*in[k], fmt::format("input {}", k), want,
                fmt::format("input 0's shape except along axis {}", axis));
        expected[axis] += in[k]->shape[axis];
        src.push_back(static_cast<const std::byte*>(b.data<std::byte>(*in[k])));
        chunk.push_back(in[k]->shape[axis] * inner * es);
    }
    b.shape(out, "output", expected, fmt::format("the inputs joined along axis {}", axis));
    return std::make_unique<ConcatKernel>(std::move(src), std::move(chunk),
                                          b.data<std::byte>(out), product(first, 0, axis));
}

std::unique_ptr<cpu::Kernel> bind_stack(const Binder& b) {
    b.arity_at_least(1, 1);
    b.reject_accumulate();
    const auto& out = b.output();
    const auto in = copy_inputs(b, out);
    const Shape& first = in[0]->shape;
    // The new axis may go anywhere in [0, rank], so the valid range is one wider than cat's.
    const std::size_t axis = b.axis(first.size() + 1, 0);
    Shape expected = first;
    expected.insert(expected.begin() + static_cast<std::ptrdiff_t>(axis), in.size());
    const std::size_t inner_bytes = product(first, axis, first.size()) * dtype_size(out.dtype);
    std::vector<const std::byte*> src;
    for (std::size_t k = 0; k < in.size(); ++k) {
        b.shape(*in[k], fmt::format("input {}", k), first, "stack needs inputs of one shape");
        src.push_back(b.data<std::byte>(*in[k]));
    }
    b.shape(out, "output", expected, fmt::format("the inputs' shape with a new axis {}", axis));
    return std::make_unique<ConcatKernel>(std::move(src),
                                          std::vector<std::size_t>(in.size(), inner_bytes),
                                          b.data<std::byte>(out), product(first, 0, axis));
}

namespace {

// out[o, k, e] = x[o, indices[k], e], copied as unsigned words of the element's size.
template <class W>
class GatherKernel final : public cpu::Kernel {
public:
    GatherKernel(const W* x, W* out, std::vector<std::size_t> indices, std::size_t outer,
                 std::size_t axis_len, std::size_t inner)
        : x_(x), out_(out), indices_(std::move(indices)), outer_(outer), axis_len_(axis_len),
          inner_(inner) {}

    void run(const cpu::StepContext&) override {
        const std::size_t n = indices_.size();
        for_blocks(outer_, 1, outer_ * n * inner_, [this, n](std::size_t begin, std::size_t end) {
            for (std::size_t o = begin; o < end; ++o) {
                W* dst = out_ + o * n * inner_;
                for (std::size_t k = 0; k < n; ++k, dst += inner_) {
                    const W* src = x_ + (o * axis_len_ + indices_[k]) * inner_;
                    std::copy(src, src + inner_, dst);
                }
            }
        });
    }

private:
    const W* x_;
    W* out_;
    std::vector<std::size_t> indices_;
    std::size_t outer_, axis_len_, inner_;
};

}  // namespace

std::unique_ptr<cpu::Kernel> bind_index_select(const Binder& b) {
    b.arity(1, 1);
    b.reject_accumulate();
    const auto& x = b.input(0, "x");
    const auto& out = b.output();
    b.dtype(x, "input x", {out.dtype});
    b.distinct(out, x);
    b.array(x, "input x", "an array to select from");
    const std::size_t axis = b.axis(x.shape.size(), -1);
    const auto& p = b.op().params;
    if (!p.is_object() || !p.contains("indices") || !p["indices"].is_array())
        b.fail("params.indices must be a list of integers");
    std::vector<std::size_t> indices;
    for (const auto& v : p["indices"]) {
        if (!v.is_number_integer())
            b.fail(fmt::format("params.indices holds {}; expected integers", v.dump()));
        const long long k = v.get<long long>();
        if (k < 0 || static_cast<std::size_t>(k) >= x.shape[axis])
            b.fail(fmt::format("index {} is out of range for axis {} of '{}' (length {})", k,
                               axis, x.name, x.shape[axis]));
        indices.push_back(static_cast<std::size_t>(k));
    }
    Shape expected = x.shape;
    expected[axis] = indices.size();
    b.shape(out, "output", expected, fmt::format("x's shape with {} entries along axis {}",
                                                 indices.size(), axis));
    const std::size_t outer = product(x.shape, 0, axis);
    const std::size_t inner = product(x.shape, axis + 1, x.shape.size());
    auto make = [&]<class W>(W*) -> std::unique_ptr<cpu::Kernel> {
        return std::make_unique<GatherKernel<W>>(b.data<W>(x), b.data<W>(out), std::move(indices),
                                                 outer, x.shape[axis], inner);
    };
    switch (dtype_size(x.dtype)) {
        case 1: return make(static_cast<std::uint8_t*>(nullptr));
        case 4: return make(static_cast<std::uint32_t*>(nullptr));
        default: return make(static_cast<std::uint64_t*>(nullptr));
    }
}

namespace {

// Sums x [outer, len, inner] along the middle axis. Each output element is summed in ascending
// axis order by one task, except where a long axis folds into few outputs: then fixed blocks
// of the axis are summed in parallel and their partial sums added in block order. Which of the
// two runs depends only on the shape, never on the thread count.
template <class T>
class ReduceSumKernel final : public cpu::Kernel {
public:
    ReduceSumKernel(const T* x, T* out, std::size_t outer, std::size_t len, std::size_t inner)
        : x_(x), out_(out), outer_(outer), len_(len), inner_(inner),
          column_tiles_((inner + k_column_tile - 1) / k_column_tile) {
        if (len_ >= 2 * k_reduce_block && outer_ * inner_ <= 64)
            partial_.assign(((len_ + k_reduce_block - 1) / k_reduce_block) * outer_ * inner_, T(0));
    }

    void run(const cpu::StepContext&) override {
        if (partial_.empty()) {
            for_blocks(outer_ * column_tiles_, 1, outer_ * len_ * inner_,
                       [this](std::size_t begin, std::size_t end) {
                           for (std::size_t t = begin; t < end; ++t) tile(t);
                       });
            return;
        }
        const std::size_t outputs = outer_ * inner_;
        const std::size_t blocks = partial_.size() / outputs;
        for_blocks(blocks, 1, outer_ * len_ * inner_, [&](std::size_t begin, std::size_t end) {
            for (std::size_t blk = begin; blk < end; ++blk) {
                const std::size_t d0 = blk * k_reduce_block;
                const std::size_t d1 = std::min(len_, d0 + k_reduce_block);
                for (std::size_t o = 0; o < outer_; ++o)
                    for (std::size_t e = 0; e < inner_; ++e) {
                        T s = T(0);
                        const T* src = x_ + o * len_ * inner_ + e;
                        for (std::size_t d = d0; d < d1; ++d) s += src[d * inner_];
                        partial_[blk * outputs + o * inner_ + e] = s;
                    }
            }
        });
        for (std::size_t k = 0; k < outputs; ++k) {
            T s = T(0);
            for (std::size_t blk = 0; blk < blocks; ++blk) s += partial_[blk * outputs + k];
            out_[k] = s;
        }
    }

private:
    void tile(std::size_t t) const {
        const std::size_t o = t / column_tiles_;
        const std::size_t e0 = (t % column_tiles_) * k_column_tile;
        const std::size_t e1 = std::min(inner_, e0 + k_column_tile);
        T* dst = out_ + o * inner_;
        std::fill(dst + e0, dst + e1, T(0));
        for (std::size_t d = 0; d < len_; ++d) {
            const T* src = x_ + (o * len_ + d) * inner_;
            for (std::size_t e = e0; e < e1; ++e) dst[e] += src[e];
        }
    }

    const T* x_;
    T* out_;
    std::size_t outer_, len_, inner_, column_tiles_;
    std::vector<T> partial_;  // [block, outer, inner]; empty unless the long-axis path is used
};

}  // namespace

template <class T>
std::unique_ptr<cpu::Kernel> bind_reduce_sum(const Binder& b) {
    b.arity(1, 1);
    b.reject_accumulate();
    const auto& x = b.input(0, "x");
    const auto& out = b.output();
    b.real(x, "input x");
    b.real(out, "output");
    b.distinct(out, x);
    b.array(x, "input x", "an array with an axis to sum");
    const std::size_t axis = b.axis(x.shape.size(), -1);
    Shape removed = x.shape;
    removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(axis));
    Shape kept = x.shape;
    kept[axis] = 1;
    if (out.shape != removed && out.shape != kept)
        b.fail(fmt::format("output '{}' has shape {}; expected {} (axis {} removed) or {} (kept "
                           "with length 1)",
                           out.name, shape_str(out.shape), shape_str(removed), axis,
                           shape_str(kept)));
    return std::make_unique<ReduceSumKernel<T>>(b.data<T>(x), b.data<T>(out),
                                                product(x.shape, 0, axis), x.shape[axis],
                                                product(x.shape, axis + 1, x.shape.size()));
}

template std::unique_ptr<cpu::Kernel> bind_reduce_sum<float>(const Binder&);
template std::unique_ptr<cpu::Kernel> bind_reduce_sum<double>(const Binder&);

}  // namespace spikegraph::cpu::tensor
