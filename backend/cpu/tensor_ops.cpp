#include "backend/cpu/tensor_ops.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <oneapi/tbb/parallel_for.h>

#include "backend/cpu/op_factory.hpp"
#include "core/error.hpp"

namespace spikegraph {
namespace {

using Shape = std::vector<std::size_t>;

// Below this much work (elements or multiply-adds) one thread beats the cost of a fork.
constexpr std::size_t k_parallel_min = 32768;
// Elements per block of an elementwise op. Fixed, so a block's work never depends on threads.
constexpr std::size_t k_block = 16384;
// Output columns per tile of a dense product: a tile's slice of one output row stays in L1.
constexpr std::size_t k_column_tile = 2048;
// Axis positions summed per partial sum when reduce_sum folds a long axis into few outputs.
constexpr std::size_t k_reduce_block = 16384;

std::size_t product(const Shape& s, std::size_t from, std::size_t to) {
    std::size_t n = 1;
    for (std::size_t k = from; k < to; ++k) n *= s[k];
    return n;
}

std::string shape_str(const Shape& s) {
    std::string out = "[";
    for (std::size_t k = 0; k < s.size(); ++k) out += (k ? ", " : "") + std::to_string(s[k]);
    return out + "]";
}

// Calls f(begin, end) on the fixed blocks of [0, n): in parallel where `work` is large enough,
// else once over the whole range. Items must be independent of each other.
template <class F>
void for_blocks(std::size_t n, std::size_t block, std::size_t work, const F& f) {
    if (n == 0) return;
    const std::size_t blocks = (n + block - 1) / block;
    if (work < k_parallel_min || blocks == 1) {
        f(std::size_t{0}, n);
        return;
    }
    tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
        f(b * block, std::min(n, (b + 1) * block));
    });
}

// Checks one op's variables while it is bound and formats errors that name the op.
class Binder {
public:
    Binder(const OpSpec& op, cpu::Workspace& ws) : op_(op), ws_(ws) {}

    const OpSpec& op() const { return op_; }
    DType real() const { return real_dtype(ws_.precision()); }

    [[noreturn]] void fail(const std::string& what) const {
        throw BuildError(fmt::format("op '{}' ({}): {}", op_.name, op_.kind, what));
    }

    void arity(std::size_t inputs, std::size_t outputs) const {
        if (op_.inputs.size() != inputs)
            fail(fmt::format("expected {} input(s), got {}", inputs, op_.inputs.size()));
        check_outputs(outputs);
    }

    void arity_at_least(std::size_t inputs, std::size_t outputs) const {
        if (op_.inputs.size() < inputs)
            fail(fmt::format("expected at least {} inputs, got {}", inputs, op_.inputs.size()));
        check_outputs(outputs);
    }

    const VariableSpec& input(std::size_t k, std::string_view role) const {
        return lookup(op_.inputs[k].var, fmt::format("input {}", role));
    }

    const VariableSpec& output() const { return lookup(op_.outputs[0].var, "output"); }

    bool accumulates() const { return op_.outputs[0].mode == WriteMode::accumulate; }

    void reject_accumulate() const {
        if (accumulates())
            fail(fmt::format("output '{}' is declared accumulate, but this op overwrites its "
                             "output; declare it assign or modify",
                             op_.outputs[0].var));
    }

    void dtype(const VariableSpec& v, std::string_view role,
               std::initializer_list<DType> allowed) const {
        if (std::find(allowed.begin(), allowed.end(), v.dtype) != allowed.end()) return;
        std::string names;
        for (DType t : allowed) names += (names.empty() ? "" : " or ") + std::string(dtype_name(t));
        fail(fmt::format("{} '{}' has dtype {}; expected {}", role, v.name, dtype_name(v.dtype),
                         names));
    }

    void real(const VariableSpec& v, std::string_view role) const {
        if (v.dtype != real())
            fail(fmt::format("{} '{}' has dtype {}; expected {} (the simulation's precision)", role,
                             v.name, dtype_name(v.dtype), dtype_name(real())));
    }

    void array(const VariableSpec& v, std::string_view role, std::string_view expected) const {
        if (v.shape.empty())
            fail(fmt::format("{} '{}' is a scalar; expected {}", role, v.name, expected));
    }

    void shape(const VariableSpec& v, std::string_view role, const Shape& expected,
               std::string_view why) const {
        if (v.shape != expected)
            fail(fmt::format("{} '{}' has shape {}; expected {} ({})", role, v.name,
                             shape_str(v.shape), shape_str(expected), why));
    }

    void distinct(const VariableSpec& out, const VariableSpec& in) const {
        if (out.name == in.name)
            fail(fmt::format("output '{}' is also an input; this op cannot work in place",
                             out.name));
    }

    // An axis from params (negative counts from the end) within [0, rank).
    std::size_t axis(std::size_t rank, long long fallback) const {
        const long long a = axis_param(fallback);
        const long long r = static_cast<long long>(rank);
        const long long k = a < 0 ? a + r : a;
        if (k < 0 || k >= r)
            fail(fmt::format("axis {} is out of range for rank {} (valid: {} .. {})", a, rank,
                             -r, r - 1));
        return static_cast<std::size_t>(k);
    }

    template <class T>
    T* data(const VariableSpec& v) const {
        return ws_.buffer(v.name).as<T>();
    }

private:
    const VariableSpec& lookup(const std::string& var, const std::string& role) const {
        if (!ws_.has(var))
            fail(fmt::format("{} refers to variable '{}', which is not in the plan", role, var));
        return ws_.spec(var);
    }

    void check_outputs(std::size_t outputs) const {
        if (op_.outputs.size() != outputs)
            fail(fmt::format("expected {} output(s), got {}", outputs, op_.outputs.size()));
    }

    long long axis_param(long long fallback) const {
        if (!op_.params.is_object() || !op_.params.contains("axis")) return fallback;
        const auto& a = op_.params["axis"];
        if (!a.is_number_integer())
            fail(fmt::format("params.axis must be an integer, got {}", a.dump()));
        return a.get<long long>();
    }

    const OpSpec& op_;
    cpu::Workspace& ws_;
};

// How an input lines up with the output: element for element, one value per position of the
// last axis (repeated over the leading axes), or one value for everything.
enum class Layout : std::uint8_t { full, row, scalar };

Layout broadcast_layout(const Binder& b, const VariableSpec& v, std::string_view role,
                        const Shape& out) {
    if (v.shape == out) return Layout::full;
    if (v.size() == 1) return Layout::scalar;
    const std::size_t last = out.empty() ? 1 : out.back();
    if (!v.shape.empty() && v.shape.back() == last && v.size() == last) return Layout::row;
    b.fail(fmt::format("{} '{}' has shape {}; expected {} (the output's shape), [{}] (one value "
                       "per last-axis position) or a single value",
                       role, v.name, shape_str(v.shape), shape_str(out), last));
}

template <class T>
struct Source {
    const T* data = nullptr;
    Layout layout = Layout::full;

    // Element for output element i, which sits at position j of the last axis.
    const T* at(std::size_t i, std::size_t j) const {
        return layout == Layout::full ? data + i : layout == Layout::row ? data + j : data;
    }
    std::size_t stride() const { return layout == Layout::scalar ? 0 : 1; }
};

// out[i] = f(in0[i], in1[i], ...) with broadcasting. Work is cut into fixed blocks and each
// block into segments that do not cross a last-axis row, so row-broadcast inputs are contiguous.
template <class O, class F, class... S>
class MapKernel final : public cpu::Kernel {
public:
    MapKernel(O* out, std::size_t size, std::size_t row, F f, Source<S>... in)
        // Without a row-broadcast input rows need no cutting: one segment per block.
        : out_(out), size_(size),
          row_(std::max<std::size_t>((... || (in.layout == Layout::row)) ? row : size, 1)), f_(f),
          in_(in...) {}

    void run(const cpu::StepContext&) override {
        for_blocks(size_, k_block, size_, [this](std::size_t begin, std::size_t end) {
            std::size_t i = begin;
            while (i < end) {
                const std::size_t j = i % row_;
                const std::size_t len = std::min(row_ - j, end - i);
                segment(i, j, len, std::index_sequence_for<S...>{});
                i += len;
            }
        });
    }

private:
    template <std::size_t... K>
    void segment(std::size_t i, std::size_t j, std::size_t len, std::index_sequence<K...>) const {
        O* o = out_ + i;
        const std::tuple<const S*...> p{std::get<K>(in_).at(i, j)...};
        if ((... && (std::get<K>(in_).layout != Layout::scalar))) {
            for (std::size_t k = 0; k < len; ++k) o[k] = f_(std::get<K>(p)[k]...);
        } else {
            const std::array<std::size_t, sizeof...(S)> step{std::get<K>(in_).stride()...};
            for (std::size_t k = 0; k < len; ++k) o[k] = f_(std::get<K>(p)[k * step[K]]...);
        }
    }

    O* out_;
    std::size_t size_;
    std::size_t row_;
    F f_;
    std::tuple<Source<S>...> in_;
};

template <class O, class F, class... S>
std::unique_ptr<cpu::Kernel> make_map(O* out, const VariableSpec& out_spec, F f,
                                      Source<S>... in) {
    const std::size_t row = out_spec.shape.empty() ? 1 : out_spec.shape.back();
    return std::make_unique<MapKernel<O, F, S...>>(out, out_spec.size(), row, f, in...);
}

struct Add {
    template <class T> T operator()(T a, T b) const { return a + b; }
};
struct Sub {
    template <class T> T operator()(T a, T b) const { return a - b; }
};
struct Mul {
    template <class T> T operator()(T a, T b) const { return a * b; }
};
struct Div {
    template <class T> T operator()(T a, T b) const { return a / b; }
};
struct Exp {
    template <class T> T operator()(T a) const { return std::exp(a); }
};
struct Relu {
    template <class T> T operator()(T a) const { return a > T(0) ? a : T(0); }
};
struct Sigmoid {
    template <class T> T operator()(T a) const { return T(1) / (T(1) + std::exp(-a)); }
};
struct Linear {
    template <class T> T operator()(T x, T a, T b) const { return a * x + b; }
};
template <class O>
struct Above {
    template <class T> O operator()(T x, T thr) const { return x > thr ? O(1) : O(0); }
};
template <class T>
struct ResetTo {
    T value;
    template <class S> T operator()(T x, S spike) const { return spike != S(0) ? value : x; }
};

template <class T, class F>
std::unique_ptr<cpu::Kernel> bind_binary(const Binder& b, F f) {
    b.arity(2, 1);
    b.reject_accumulate();
    const auto& x = b.input(0, "a");
    const auto& y = b.input(1, "b");
    const auto& out = b.output();
    b.real(x, "input a");
    b.real(y, "input b");
    b.real(out, "output");
    const Source<T> sx{b.data<T>(x), broadcast_layout(b, x, "input a", out.shape)};
    const Source<T> sy{b.data<T>(y), broadcast_layout(b, y, "input b", out.shape)};
    return make_map(b.data<T>(out), out, f, sx, sy);
}

template <class T, class F>
std::unique_ptr<cpu::Kernel> bind_unary(const Binder& b, F f) {
    b.arity(1, 1);
    b.reject_accumulate();
    const auto& x = b.input(0, "a");
    const auto& out = b.output();
    b.real(x, "input a");
    b.real(out, "output");
    b.shape(x, "input a", out.shape, "the output's shape");
    return make_map(b.data<T>(out), out, f, Source<T>{b.data<T>(x)});
}

template <class T>
std::unique_ptr<cpu::Kernel> bind_var_linear(const Binder& b) {
    b.arity(3, 1);
    b.reject_accumulate();
    const auto& x = b.input(0, "x");
    const auto& a = b.input(1, "a");
    const auto& c = b.input(2, "b");
    const auto& out = b.output();
    b.real(x, "input x");
    b.real(a, "input a");
    b.real(c, "input b");
    b.real(out, "output");
    b.shape(x, "input x", out.shape, "the output's shape");
    return make_map(b.data<T>(out), out, Linear{}, Source<T>{b.data<T>(x)},
                    Source<T>{b.data<T>(a), broadcast_layout(b, a, "input a", out.shape)},
                    Source<T>{b.data<T>(c), broadcast_layout(b, c, "input b", out.shape)});
}

template <class T>
std::unique_ptr<cpu::Kernel> bind_threshold(const Binder& b) {
    b.arity(2, 1);
    b.reject_accumulate();
    const auto& x = b.input(0, "x");
    const auto& thr = b.input(1, "thr");
    const auto& out = b.output();
    b.real(x, "input x");
    b.real(thr, "input thr");
    b.dtype(out, "output", {DType::u8, b.real()});
    b.shape(x, "input x", out.shape, "the output's shape");
    const Source<T> sx{b.data<T>(x)};
    const Source<T> st{b.data<T>(thr), broadcast_layout(b, thr, "input thr", out.shape)};
    if (out.dtype == DType::u8)
        return make_map(b.data<std::uint8_t>(out), out, Above<std::uint8_t>{}, sx, st);
    return make_map(b.data<T>(out), out, Above<T>{}, sx, st);
}

template <class T>
std::unique_ptr<cpu::Kernel> bind_reset(const Binder& b) {
    b.arity(2, 1);
    b.reject_accumulate();
    const auto& x = b.input(0, "x");
    const auto& spike = b.input(1, "spike");
    const auto& out = b.output();
    b.real(x, "input x");
    b.dtype(spike, "input spike", {DType::u8, b.real()});
    b.real(out, "output");
    b.shape(x, "input x", out.shape, "the output's shape");
    b.shape(spike, "input spike", out.shape, "the output's shape");
    const auto& p = b.op().params;
    if (!p.is_object() || !p.contains("value") || !p["value"].is_number())
        b.fail("params.value (the value written where a spike occurred) must be a number");
    const ResetTo<T> f{static_cast<T>(p["value"].get<double>())};
    if (spike.dtype == DType::u8)
        return make_map(b.data<T>(out), out, f, Source<T>{b.data<T>(x)},
                        Source<std::uint8_t>{b.data<std::uint8_t>(spike)});
    return make_map(b.data<T>(out), out, f, Source<T>{b.data<T>(x)}, Source<T>{b.data<T>(spike)});
}

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

// Wraps a bind function that is generic over the real type: `bind(binder, T{})` with T float
// or double per the workspace's precision.
template <class Bind>
cpu::OpFactory by_precision(Bind bind) {
    return [bind](const OpSpec& op, cpu::Workspace& ws) -> std::unique_ptr<cpu::Kernel> {
        const Binder b(op, ws);
        if (ws.precision() == Precision::f32) return bind(b, float{});
        return bind(b, double{});
    };
}

template <class F>
cpu::OpFactory binary(F f) {
    return by_precision([f](const Binder& b, auto t) { return bind_binary<decltype(t)>(b, f); });
}

template <class F>
cpu::OpFactory unary(F f) {
    return by_precision([f](const Binder& b, auto t) { return bind_unary<decltype(t)>(b, f); });
}

}  // namespace

void register_tensor_ops(OpRegistry& registry) {
    const auto add = [&](const char* kind, cpu::OpFactory factory) {
        registry.add<cpu::OpFactory>(kind, cpu::k_backend_name, std::move(factory));
    };
    add("add", binary(Add{}));
    add("minus", binary(Sub{}));
    add("mul", binary(Mul{}));
    add("div", binary(Div{}));
    add("var_mult", binary(Mul{}));
    add("exp", unary(Exp{}));
    add("relu", unary(Relu{}));
    add("sigmoid", unary(Sigmoid{}));
    add("var_linear", by_precision([](const Binder& b, auto t) {
        return bind_var_linear<decltype(t)>(b);
    }));
    add("threshold", by_precision([](const Binder& b, auto t) {
        return bind_threshold<decltype(t)>(b);
    }));
    add("reset", by_precision([](const Binder& b, auto t) {
        return bind_reset<decltype(t)>(b);
    }));
    add("mat_mult_weight", by_precision([](const Binder& b, auto t) {
        return bind_dense_product<decltype(t)>(b, false);
    }));
    add("mat_linear", by_precision([](const Binder& b, auto t) {
        return bind_dense_product<decltype(t)>(b, true);
    }));
    add("sparse_mat_mult_weight", by_precision([](const Binder& b, auto t) {
        return bind_sparse_product<decltype(t)>(b);
    }));
    add("reduce_sum", by_precision([](const Binder& b, auto t) {
        return bind_reduce_sum<decltype(t)>(b);
    }));
    add("cat", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_cat(Binder(op, ws));
    });
    add("stack", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_stack(Binder(op, ws));
    });
    add("index_select", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_index_select(Binder(op, ws));
    });
}

}  // namespace spikegraph
