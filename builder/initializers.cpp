#include "builder/initializers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <oneapi/tbb/parallel_for.h>

#include <spikegraph/error.hpp>
#include "core/cancel.hpp"
#include "core/expr_eval.hpp"
#include "core/random.hpp"
#include "core/text.hpp"

namespace spikegraph {
namespace {

// Below this many elements one thread is faster than forking.
constexpr std::size_t k_parallel_min = 32768;
// Elements per parallel block. Every element's value is a pure function of its index, so the
// block size affects speed only, never values.
constexpr std::size_t k_block = 16384;

constexpr std::array<const char*, 10> k_kinds = {
    "constant",        "uniform",        "normal", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "sparse", "expression",     "data"};

// Throws BuildError for the first symbol, function or malformed node that an initializer
// expression of `spec` cannot evaluate, so evaluation itself never fails midway.
void check_expression(const expr::Ptr& e, const VariableSpec& spec) {
    const auto fail = [&](const std::string& what) {
        throw BuildError(fmt::format("variable '{}': initializer expression '{}': {}", spec.name,
                                     expr::to_string(spec.init.expression), what));
    };
    if (!e) fail("has an empty sub-expression");
    if (e->kind == expr::Kind::symbol && e->name != "i" && e->name != "N" && e->name != "b")
        fail(fmt::format("unknown symbol '{}'; an initializer knows only i (index along the "
                         "last axis), N (that axis' length) and b (batch index)",
                         e->name));
    if (e->kind == expr::Kind::call) {
        const int arity = expr::function_arity(e->name);
        if (arity < 0) fail(fmt::format("unknown function '{}'", e->name));
        if (e->args.size() != static_cast<std::size_t>(arity))
            fail(fmt::format("{}() takes {} argument(s), got {}", e->name, arity, e->args.size()));
    } else if (e->args.size() != expr::operand_count(e->kind)) {
        fail("malformed expression tree (wrong number of operands)");
    }
    for (const auto& a : e->args) check_expression(a, spec);
}

// Calls value(e) for every element, converts to the buffer's dtype and stores it.
template <class T, class F>
void fill_real(HostArray& buffer, const F& value) {
    if (buffer.data == nullptr) return;  // check_initializer: any real value fits
    T* out = static_cast<T*>(buffer.data);
    const auto range = [&](std::size_t begin, std::size_t end) {
        throw_if_cancelled("while setting initial values; nothing was written");
        for (std::size_t e = begin; e < end; ++e) out[e] = static_cast<T>(value(e));
    };
    const std::size_t n = buffer.size;
    if (n < k_parallel_min) return range(0, n);
    tbb::parallel_for(std::size_t{0}, (n + k_block - 1) / k_block, [&](std::size_t b) {
        range(b * k_block, std::min(n, (b + 1) * k_block));
    });
}

// Integers are rare in initializers (indices, counters); filled sequentially so that the
// first value that does not fit is the one reported.
template <class T, class F>
void fill_integer(HostArray& buffer, const VariableSpec& spec, const F& value) {
    T* out = static_cast<T*>(buffer.data);
    // Both bounds are exact powers of two (or 0) as doubles; hi is the first value past range.
    const double lo = static_cast<double>(std::numeric_limits<T>::min());
    const double hi = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
    for (std::size_t e = 0; e < buffer.size; ++e) {
        const double v = std::round(value(e));
        if (!(v >= lo && v < hi))
            throw BuildError(fmt::format("variable '{}': initial value {} at element {} does not "
                                         "fit its dtype {} (range {} .. {})",
                                         spec.name, value(e), e, dtype_name(spec.dtype),
                                         std::numeric_limits<T>::min(),
                                         std::numeric_limits<T>::max()));
        if (out != nullptr) out[e] = static_cast<T>(v);
    }
}

template <class F>
void fill(HostArray& buffer, const VariableSpec& spec, const F& value) {
    switch (spec.dtype) {
        case DType::f32: return fill_real<float>(buffer, value);
        case DType::f64: return fill_real<double>(buffer, value);
        case DType::i32: return fill_integer<std::int32_t>(buffer, spec, value);
        case DType::i64: return fill_integer<std::int64_t>(buffer, spec, value);
        case DType::u8: return fill_integer<std::uint8_t>(buffer, spec, value);
    }
}

// The arguments of one variable's initializer, with checks that name the variable.
class Args {
public:
    explicit Args(const VariableSpec& spec) : spec_(spec), args_(spec.init.args) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw BuildError(
            fmt::format("variable '{}': initializer {}: {}", spec_.name, spec_.init.kind, what));
    }

    // Requires between lo and hi arguments; `names` lists them for the message.
    void count(std::size_t lo, std::size_t hi, const char* names) const {
        if (args_.size() < lo || args_.size() > hi)
            fail(fmt::format("expects {} argument(s) ({}), got {}",
                             lo == hi ? std::to_string(lo) : fmt::format("{} to {}", lo, hi),
                             names, args_.size()));
    }

    double get(std::size_t k, double fallback) const {
        return k < args_.size() ? args_[k] : fallback;
    }

    // (fan_in, fan_out) = (shape[-2], shape[-1]).
    std::pair<double, double> fans() const {
        const auto& s = spec_.shape;
        if (s.size() < 2)
            fail(fmt::format("needs a matrix [pre, post]; the shape is [{}]",
                             fmt::join(s, ", ")));
        return {static_cast<double>(s[s.size() - 2]), static_cast<double>(s.back())};
    }

private:
    const VariableSpec& spec_;
    const std::vector<double>& args_;
};

struct Random {
    std::uint64_t seed;
    std::uint32_t stream;
    std::uint32_t object;

    double uniform(std::uint64_t e, std::uint64_t k = 0) const {
        return uniform01(seed, stream, object, e, k);
    }
    double normal(std::uint64_t e, std::uint64_t k = 0) const {
        return draw(seed, stream, object, e, k).normal;
    }
};

// torch.nn.init.sparse_, per [rows, cols] matrix: in each column the round(s rows) rows with
// the smallest keys (uniform draw k = 1, ties by row) are zero; the rest are N(0, sigma^2)
// from draw k = 0.
void fill_sparse(HostArray& buffer, const VariableSpec& spec, const Args& args,
                 const Random& rng) {
    args.count(1, 2, "sparsity, sigma");
    const double s = args.get(0, 0.0);
    const double sigma = args.get(1, 0.01);
    if (!(s >= 0.0 && s < 1.0)) args.fail(fmt::format("sparsity {} is outside [0, 1)", s));
    if (!(sigma >= 0.0)) args.fail(fmt::format("sigma {} is negative", sigma));
    const auto [fan_in, fan_out] = args.fans();
    if (buffer.data == nullptr) return;  // check_initializer: the arguments were the checks
    const auto rows = static_cast<std::size_t>(fan_in);
    const auto cols = static_cast<std::size_t>(fan_out);
    const std::size_t zeros = static_cast<std::size_t>(std::llround(s * fan_in));
    std::vector<double> values(spec.size());
    const std::size_t columns = spec.size() / (rows * cols) * cols;  // over every matrix
    tbb::parallel_for(std::size_t{0}, columns, [&](std::size_t mc) {
        throw_if_cancelled("while setting initial values; nothing was written");
        const std::size_t base = (mc / cols) * rows * cols + mc % cols;
        std::vector<std::pair<double, std::size_t>> keys(rows);
        for (std::size_t r = 0; r < rows; ++r) {
            const std::size_t e = base + r * cols;
            values[e] = sigma * rng.normal(e);
            keys[r] = {rng.uniform(e, 1), r};
        }
        std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(zeros),
                         keys.end());
        for (std::size_t z = 0; z < zeros; ++z) values[base + keys[z].second * cols] = 0.0;
    });
    fill(buffer, spec, [&](std::size_t e) { return values[e]; });
}

void fill_expression(HostArray& buffer, const VariableSpec& spec, const Random& rng) {
    const expr::Ptr& tree = spec.init.expression;
    if (!tree)
        throw BuildError(fmt::format("variable '{}': initializer kind is expression, but no "
                                     "expression was given",
                                     spec.name));
    check_expression(tree, spec);
    const double n_last = spec.shape.empty() ? 1.0 : static_cast<double>(spec.shape.back());
    const std::size_t last = spec.shape.empty() ? 1 : spec.shape.back();
    const std::size_t per_batch =
        spec.batched && !spec.shape.empty() && spec.shape[0] > 0 ? spec.size() / spec.shape[0]
                                                                 : spec.size();
    fill(buffer, spec, [&](std::size_t e) {
        struct Coordinates {
            double i, n, b;
        } at{static_cast<double>(e % last), n_last,
             spec.batched ? static_cast<double>(e / per_batch) : 0.0};
        // Symbols were checked above: only i, N and b reach here. One captured pointer keeps
        // the std::function within its small-object buffer (no allocation per element).
        const expr::SymbolValue symbol = [p = &at](const std::string& name) {
            return name == "i" ? p->i : name == "N" ? p->n : p->b;
        };
        expr::DrawCounter draws{rng.seed, rng.stream, rng.object, e, 0};
        return expr::evaluate(tree, symbol, draws);
    });
}

}  // namespace

void initialize(HostArray buffer, const VariableSpec& spec, std::uint64_t seed) {
    if (buffer.size != spec.size() || buffer.dtype != spec.dtype)
        throw BuildError(fmt::format("variable '{}': buffer holds {} {} value(s) but the spec "
                                     "declares {} {}",
                                     spec.name, buffer.size, dtype_name(buffer.dtype),
                                     spec.size(), dtype_name(spec.dtype)));
    if (spec.size() == 0) return;
    const Random rng{seed, spec.role == Role::weight ? rng_stream::weights : rng_stream::init,
                     object_hash(spec.name.c_str())};
    const Args args(spec);
    const std::string& kind = spec.init.kind;
    const auto uniform = [&](double lo, double hi) {
        fill(buffer, spec, [&](std::size_t e) { return lo + (hi - lo) * rng.uniform(e); });
    };
    const auto normal = [&](double mu, double sigma) {
        fill(buffer, spec, [&](std::size_t e) { return mu + sigma * rng.normal(e); });
    };
    if (kind == "constant") {
        args.count(0, 1, "value");
        const double v = args.get(0, 0.0);
        fill(buffer, spec, [v](std::size_t) { return v; });
    } else if (kind == "uniform") {
        args.count(2, 2, "lo, hi");
        if (!(args.get(0, 0) <= args.get(1, 0)))
            args.fail(fmt::format("lo {} is above hi {}", args.get(0, 0), args.get(1, 0)));
        uniform(args.get(0, 0), args.get(1, 0));
    } else if (kind == "normal") {
        args.count(2, 2, "mu, sigma");
        if (!(args.get(1, 0) >= 0)) args.fail(fmt::format("sigma {} is negative", args.get(1, 0)));
        normal(args.get(0, 0), args.get(1, 0));
    } else if (kind == "xavier_uniform" || kind == "xavier_normal") {
        args.count(0, 1, "gain");
        const auto [fan_in, fan_out] = args.fans();
        const double gain = args.get(0, 1.0);
        if (kind == "xavier_uniform") {
            const double a = gain * std::sqrt(6.0 / (fan_in + fan_out));
            uniform(-a, a);
        } else {
            normal(0.0, gain * std::sqrt(2.0 / (fan_in + fan_out)));
        }
    } else if (kind == "kaiming_uniform" || kind == "kaiming_normal") {
        args.count(0, 1, "gain");
        const double fan_in = args.fans().first;
        const double gain = args.get(0, std::sqrt(2.0));
        if (kind == "kaiming_uniform") {
            const double a = gain * std::sqrt(3.0 / fan_in);
            uniform(-a, a);
        } else {
            normal(0.0, gain / std::sqrt(fan_in));
        }
    } else if (kind == "sparse") {
        fill_sparse(buffer, spec, args, rng);
    } else if (kind == "expression") {
        fill_expression(buffer, spec, rng);
    } else if (kind == "data") {
        const auto& data = spec.init.data;
        if (!data || data->size() != spec.size())
            args.fail(fmt::format("got {} value(s) for {} element(s) (shape [{}]); give one "
                                  "value per element, row-major",
                                  data ? data->size() : 0, spec.size(),
                                  fmt::join(spec.shape, ", ")));
        fill(buffer, spec, [&](std::size_t e) { return (*data)[e]; });
    } else {
        args.fail(fmt::format("unknown kind{}; known: {}",
                              detail::did_you_mean(kind, {k_kinds.begin(), k_kinds.end()}),
                              fmt::join(k_kinds, ", ")));
    }
}

std::vector<double> initial_values(const VariableSpec& spec, std::uint64_t seed) {
    VariableSpec real = spec;
    real.dtype = DType::f64;
    std::vector<double> values(real.size());
    initialize(HostArray{values.data(), DType::f64, values.size()}, real, seed);
    // The values the variable holds: rounded as its own dtype rounds them.
    if (spec.dtype == DType::f32)
        for (double& v : values) v = static_cast<double>(static_cast<float>(v));
    return values;
}

void check_initializer(const VariableSpec& spec, std::uint64_t seed) {
    // initialize() without a buffer checks everything and writes nothing.
    initialize(HostArray{nullptr, spec.dtype, spec.size()}, spec, seed);
}

}  // namespace spikegraph
