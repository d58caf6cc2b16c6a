#pragma once
// What every CPU tensor kernel shares: shapes, the fixed block sizes that keep results
// independent of the thread count, parallel blocks, and the Binder that checks an op's
// variables when it is bound (tensor_ops.hpp states the ops' contracts).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <oneapi/tbb/parallel_for.h>

#include "backend/cpu/op_factory.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::cpu::tensor {

using Shape = std::vector<std::size_t>;

// Below this much work (elements or multiply-adds) one thread beats the cost of a fork.
constexpr std::size_t k_parallel_min = 32768;
// Elements per block of an elementwise op. Fixed, so a block's work never depends on threads.
constexpr std::size_t k_block = 16384;
// Output columns per tile of a dense product: a tile's slice of one output row stays in L1.
constexpr std::size_t k_column_tile = 2048;
// Axis positions summed per partial sum when reduce_sum folds a long axis into few outputs.
constexpr std::size_t k_reduce_block = 16384;

inline std::size_t product(const Shape& s, std::size_t from, std::size_t to) {
    std::size_t n = 1;
    for (std::size_t k = from; k < to; ++k) n *= s[k];
    return n;
}

inline std::string shape_str(const Shape& s) {
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

}  // namespace spikegraph::cpu::tensor
