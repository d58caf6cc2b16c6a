#pragma once
// Counter-based random numbers (Philox4x32-10, core/philox.hpp). A draw is a pure function of
// (seed, stream, index, step, k): results do not depend on the thread count or the order in
// which neurons are visited, and generated kernels (CPU or GPU) compute the very same numbers.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/hash.hpp"
#include "core/philox.hpp"
#include "core/philox_lanes.hpp"

namespace spikegraph {

static_assert(sizeof(philox_u32) == 4 && sizeof(philox_u64) == 8);

/// Well-known stream ids. Each consumer of randomness has its own stream so that adding a
/// monitor or an input never shifts the numbers another object draws.
namespace rng_stream {
constexpr std::uint32_t init = 1;          // initial values of state variables
constexpr std::uint32_t connectivity = 2;  // synapse creation
constexpr std::uint32_t weights = 3;       // weight and delay initialisers
constexpr std::uint32_t poisson = 4;       // Poisson inputs
constexpr std::uint32_t model = 5;         // rand()/randn() inside model equations
constexpr std::uint32_t noise = 11;        // white noise xi in differential equations
}  // namespace rng_stream

/// Stable 32-bit hash of an object name (FNV-1a), used as the `object` part of a counter.
inline std::uint32_t object_hash(const char* s) { return fnv1a32(std::string_view(s)); }

}  // namespace spikegraph
