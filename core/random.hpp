#pragma once
// Counter-based random numbers (Philox4x32-10, Random123). A draw is a pure function of
// (seed, stream, index, step, k): results do not depend on the thread count or the order in
// which neurons are visited, and a GPU backend computes the very same numbers.

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/hash.hpp"

namespace spikegraph {

/// Well-known stream ids. Each consumer of randomness has its own stream so that adding a
/// monitor or an input never shifts the numbers another object draws.
namespace rng_stream {
constexpr std::uint32_t init = 1;          // initial values of state variables
constexpr std::uint32_t connectivity = 2;  // synapse creation
constexpr std::uint32_t weights = 3;       // weight and delay initialisers
constexpr std::uint32_t poisson = 4;       // Poisson inputs
constexpr std::uint32_t model = 5;         // rand()/randn() inside model equations
}  // namespace rng_stream

/// Four independent 32-bit words for one (seed, stream, object, index, step) counter.
inline r123::Philox4x32::ctr_type philox_block(std::uint64_t seed, std::uint32_t stream,
                                               std::uint32_t object, std::uint64_t index,
                                               std::uint64_t step) {
    r123::Philox4x32 gen;
    r123::Philox4x32::ctr_type ctr = {{static_cast<std::uint32_t>(index),
                                       static_cast<std::uint32_t>(index >> 32),
                                       static_cast<std::uint32_t>(step),
                                       static_cast<std::uint32_t>(step >> 32)}};
    // The key mixes stream and object (a hash of the object's name) into the seed's high word.
    r123::Philox4x32::key_type key = {{static_cast<std::uint32_t>(seed) ^ (object * 0x9E3779B9u),
                                       static_cast<std::uint32_t>(seed >> 32) ^
                                           (stream * 0x85EBCA6Bu)}};
    return gen(ctr, key);
}

/// Uniform double in [0, 1) from two 32-bit words (53 bits).
inline double u01_from(std::uint32_t hi, std::uint32_t lo) {
    const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 21) ^ (lo >> 11);
    return static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) * 0x1.0p-53;
}

/// Stable 32-bit hash of an object name (FNV-1a), used as the `object` part of a counter.
inline std::uint32_t object_hash(const char* s) { return fnv1a32(std::string_view(s)); }

/// A pair of draws for one counter: a uniform in [0, 1) and a standard normal (Box-Muller).
struct Draw {
    double uniform;
    double normal;
};

inline Draw draw(std::uint64_t seed, std::uint32_t stream, std::uint32_t object,
                 std::uint64_t index, std::uint64_t step) {
    const auto r = philox_block(seed, stream, object, index, step);
    const double u = u01_from(r[0], r[1]);
    // 1 - u2 lies in (0, 1], so the logarithm is finite.
    const double u2 = 1.0 - u01_from(r[2], r[3]);
    const double n = std::sqrt(-2.0 * std::log(u2)) * std::cos(6.283185307179586 * u);
    return {u, n};
}

inline double uniform01(std::uint64_t seed, std::uint32_t stream, std::uint32_t object,
                        std::uint64_t index, std::uint64_t step) {
    const auto r = philox_block(seed, stream, object, index, step);
    return u01_from(r[0], r[1]);
}

}  // namespace spikegraph
