#pragma once
// Fills a variable's buffer from its Initializer at initial_step, and evaluates expression trees
// on the host (initial values such as `-60 + 10*rand()` or `i * 2`).
//
// Random draws are counter-based: element e of variable `name` takes its k-th number from
// draw(seed, stream, object_hash(name), e, k), with stream rng_stream::weights for weights and
// rng_stream::init otherwise. Values therefore do not depend on the thread count, and an
// element's value does not change when another variable is added.

#include <cstdint>
#include <functional>
#include <string>

#include "backend/cpu/buffer.hpp"
#include "builder/plan.hpp"
#include "core/expr.hpp"
#include "core/random.hpp"

namespace spikegraph {

/// Fills `buffer` (any dtype; integer dtypes receive rounded values) from `spec.init`:
///   constant        args: value (default 0)
///   uniform         args: lo, hi            U[lo, hi)
///   normal          args: mu, sigma         N(mu, sigma^2)
///   xavier_uniform  args: [gain = 1]        U(-a, a), a = gain sqrt(6 / (fan_in + fan_out))
///   xavier_normal   args: [gain = 1]        N(0, s^2), s = gain sqrt(2 / (fan_in + fan_out))
///   kaiming_uniform args: [gain = sqrt 2]   U(-a, a), a = gain sqrt(3 / fan_in)
///   kaiming_normal  args: [gain = sqrt 2]   N(0, s^2), s = gain / sqrt(fan_in)
///   sparse          args: s, [sigma = 0.01] each column of each [rows, cols] matrix gets
///                                           exactly round(s rows) zeros, the rest N(0, sigma^2)
///   expression      spec.init.expression with symbols i (index along the last axis), N (its
///                   length) and b (batch index, 0 when not batched)
///   data            spec.init.data, row-major, one value per element
/// fan_in = shape[-2] and fan_out = shape[-1] (weights are [pre, post]).
/// @throws BuildError naming the variable for an unknown kind, bad arguments, a shape that does
///         not suit the kind, an unknown symbol or function, a data size mismatch, or a value
///         that does not fit an integer dtype.
void initialize(cpu::Buffer& buffer, const VariableSpec& spec, std::uint64_t seed);

/// The Philox counter that the random calls of one evaluation draw from. Each call to rand(),
/// randn(), uniform(lo, hi) or normal(mu, sigma) takes draw(seed, stream, object, index, next)
/// and increments `next`; calls are numbered depth-first, left to right, and every argument is
/// evaluated (also both branches of where()), so the numbering depends only on the tree.
struct DrawCounter {
    std::uint64_t seed = 1;
    std::uint32_t stream = rng_stream::init;
    std::uint32_t object = 0;   // object_hash of the variable's name
    std::uint64_t index = 0;    // element index
    std::uint64_t next = 0;     // k of the next draw
};

/// Returns the value of a symbol; may throw for a name it does not know.
using SymbolValue = std::function<double(const std::string& name)>;

/// Evaluates `e` in double precision. Comparisons and logical operators give 1 or 0 (nonzero is
/// true). Functions: exp log log10 sqrt abs sin cos tan tanh sinh cosh floor ceil (1 argument),
/// pow min max uniform normal (2), clip(x, lo, hi) where(c, a, b) (3), rand() randn() (0).
/// @throws ModelError for a null tree, an unknown function or a wrong number of arguments;
///         whatever `symbol` throws for an unknown symbol.
double evaluate(const expr::Ptr& e, const SymbolValue& symbol, DrawCounter& draws);

}  // namespace spikegraph
