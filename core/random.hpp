#pragma once
// Counter-based random numbers (Philox4x32-10, core/philox.hpp). A draw is a pure function of
// (seed, stream, index, step, k): results do not depend on the thread count or the order in
// which neurons are visited, and generated kernels (CPU or GPU) compute the very same numbers.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/hash.hpp"
#include "core/philox.hpp"

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

/// philox_block for the indices first, first + 1, ..., first + k_philox_lanes - 1 at once: word
/// j of block l in words[j][l]. The same numbers as philox_block, computed lane by lane in
/// loops a compiler vectorises (32 x 32 -> 64-bit products), for kernels that draw for every
/// element of a long array.
inline constexpr std::size_t k_philox_lanes = 64;
inline void philox_blocks(std::uint64_t seed, std::uint32_t stream, std::uint32_t object,
                          std::uint64_t first, std::uint64_t step,
                          std::uint32_t (&words)[4][k_philox_lanes]) {
    std::uint32_t k0 = static_cast<std::uint32_t>(seed) ^ (object * 0x9E3779B9u);
    std::uint32_t k1 = static_cast<std::uint32_t>(seed >> 32) ^ (stream * 0x85EBCA6Bu);
    for (std::size_t l = 0; l < k_philox_lanes; ++l) {
        words[0][l] = static_cast<std::uint32_t>(first + l);
        words[1][l] = static_cast<std::uint32_t>((first + l) >> 32);
        words[2][l] = static_cast<std::uint32_t>(step);
        words[3][l] = static_cast<std::uint32_t>(step >> 32);
    }
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        for (std::size_t l = 0; l < k_philox_lanes; ++l) {
            const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * words[0][l];
            const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * words[2][l];
            const std::uint32_t w1 = words[1][l], w3 = words[3][l];
            words[0][l] = static_cast<std::uint32_t>(p1 >> 32) ^ w1 ^ k0;
            words[1][l] = static_cast<std::uint32_t>(p1);
            words[2][l] = static_cast<std::uint32_t>(p0 >> 32) ^ w3 ^ k1;
            words[3][l] = static_cast<std::uint32_t>(p0);
        }
    }
}

/// Stable 32-bit hash of an object name (FNV-1a), used as the `object` part of a counter.
inline std::uint32_t object_hash(const char* s) { return fnv1a32(std::string_view(s)); }

}  // namespace spikegraph
