#pragma once
// Elementwise tensor kernels with broadcasting: arithmetic, activations, var_linear, threshold
// and reset. Templates over the functor, instantiated where the ops are registered.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <utility>

#include "backend/cpu/tensor_binder.hpp"

namespace spikegraph::cpu::tensor {

// How an input lines up with the output: element for element, one value per position of the
// last axis (repeated over the leading axes), or one value for everything.
enum class Layout : std::uint8_t { full, row, scalar };

inline Layout broadcast_layout(const Binder& b, const VariableSpec& v, std::string_view role,
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

}  // namespace spikegraph::cpu::tensor
