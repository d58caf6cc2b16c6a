#pragma once
// Initial values of a variable, filled on the host from its Initializer. Backend-neutral: the CPU
// backend fills its buffers in place; a device backend fills a host array and uploads it, or
// runs its own fill drawing the same Philox numbers (the scheme below).
//
// Random draws are counter-based: element e of variable `name` takes its k-th number from
// draw(seed, stream, object_hash(name), e, k), with stream rng_stream::weights for weights and
// rng_stream::init otherwise. Values therefore do not depend on the thread count, and an
// element's value does not change when another variable is added. Expressions are evaluated by
// core's one evaluator (expr::evaluate), element by element.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "builder/plan.hpp"
#include <spikegraph/dtype.hpp>

namespace spikegraph {

/// A typed host array to fill: `size` elements of `dtype` at `data` (not owned).
struct HostArray {
    void* data = nullptr;
    DType dtype = DType::f64;
    std::size_t size = 0;
};

/// Fills `out` (any dtype; integer dtypes receive rounded values) from `spec.init`:
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
void initialize(HostArray out, const VariableSpec& spec, std::uint64_t seed);

/// The values initialize() gives `spec`, rounded as its dtype rounds them, in double precision
/// (batch entry 0 first): what connectivity expressions and init expressions of other
/// variables read of it.
/// @throws BuildError as initialize() would.
std::vector<double> initial_values(const VariableSpec& spec, std::uint64_t seed);

/// Every check of initialize() for `spec`, without a buffer: the Builder runs it on every
/// variable, so that a value initial_step would refuse (a per-synapse delay that does not fit
/// its i32 steps) is refused by the build, and by validate.
/// @throws BuildError as initialize() would.
void check_initializer(const VariableSpec& spec, std::uint64_t seed);

}  // namespace spikegraph
