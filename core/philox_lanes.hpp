#pragma once
// Many Philox4x32-10 blocks at once, for kernels that draw for every element of a long array
// (the PoissonInput drive): the same numbers as philox_block (core/philox.hpp) for consecutive
// indices, computed 64 at a time. With AVX2 the 32 x 32 -> 64-bit products of a round run
// eight lanes per instruction (_mm256_mul_epu32 on the even and the odd 32-bit lanes); without
// it, plain loops that a compiler may vectorise. Tests check both against philox_block.

#include <cstddef>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace spikegraph {

/// Blocks computed by one call of philox_blocks.
inline constexpr std::size_t k_philox_lanes = 64;

using PhiloxLaneWords = std::uint32_t[4][k_philox_lanes];

namespace detail {

struct PhiloxKey {
    std::uint32_t k0, k1;
};

// The key of philox_block for (seed, stream, object).
inline PhiloxKey philox_key(std::uint64_t seed, std::uint32_t stream, std::uint32_t object) {
    return {static_cast<std::uint32_t>(seed) ^ (object * 0x9E3779B9u),
            static_cast<std::uint32_t>(seed >> 32) ^ (stream * 0x85EBCA6Bu)};
}

// The counters of blocks first .. first + k_philox_lanes - 1 at `step`.
inline void philox_counters(std::uint64_t first, std::uint64_t step, PhiloxLaneWords& words) {
    for (std::size_t l = 0; l < k_philox_lanes; ++l) {
        words[0][l] = static_cast<std::uint32_t>(first + l);
        words[1][l] = static_cast<std::uint32_t>((first + l) >> 32);
        words[2][l] = static_cast<std::uint32_t>(step);
        words[3][l] = static_cast<std::uint32_t>(step >> 32);
    }
}

}  // namespace detail

/// philox_block(seed, stream, object, first + l, step) word j in words[j][l], for every lane l,
/// in portable code.
inline void philox_blocks_portable(std::uint64_t seed, std::uint32_t stream,
                                   std::uint32_t object, std::uint64_t first, std::uint64_t step,
                                   PhiloxLaneWords& words) {
    auto [k0, k1] = detail::philox_key(seed, stream, object);
    detail::philox_counters(first, step, words);
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

#if defined(__AVX2__)
namespace detail {

// The low and high 32-bit halves of m * x for eight 32-bit lanes x (m in every lane).
inline void mul_hi_lo_avx2(__m256i x, __m256i m, __m256i& hi, __m256i& lo) {
    const __m256i even = _mm256_mul_epu32(x, m);                         // lanes 0, 2, 4, 6
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);  // lanes 1, 3, 5, 7
    lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

}  // namespace detail

/// As philox_blocks_portable, with AVX2: sixteen lanes in flight (two groups of eight) so the
/// multiplier's latency is hidden.
inline void philox_blocks_avx2(std::uint64_t seed, std::uint32_t stream, std::uint32_t object,
                               std::uint64_t first, std::uint64_t step, PhiloxLaneWords& words) {
    const detail::PhiloxKey key = detail::philox_key(seed, stream, object);
    detail::philox_counters(first, step, words);
    const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
    const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
    constexpr std::size_t k_group = 16;
    static_assert(k_philox_lanes % k_group == 0);
    for (std::size_t l = 0; l < k_philox_lanes; l += k_group) {
        __m256i w[2][4];
        for (int g = 0; g < 2; ++g)
            for (int j = 0; j < 4; ++j)
                w[g][j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&words[j][l + 8 * g]));
        std::uint32_t k0 = key.k0, k1 = key.k1;
        for (int round = 0; round < 10; ++round) {
            if (round > 0) {
                k0 += 0x9E3779B9u;
                k1 += 0xBB67AE85u;
            }
            const __m256i vk0 = _mm256_set1_epi32(static_cast<int>(k0));
            const __m256i vk1 = _mm256_set1_epi32(static_cast<int>(k1));
            for (int g = 0; g < 2; ++g) {
                __m256i hi0, lo0, hi1, lo1;
                detail::mul_hi_lo_avx2(w[g][0], m0, hi0, lo0);
                detail::mul_hi_lo_avx2(w[g][2], m1, hi1, lo1);
                w[g][0] = _mm256_xor_si256(_mm256_xor_si256(hi1, w[g][1]), vk0);
                w[g][1] = lo1;
                w[g][2] = _mm256_xor_si256(_mm256_xor_si256(hi0, w[g][3]), vk1);
                w[g][3] = lo0;
            }
        }
        for (int g = 0; g < 2; ++g)
            for (int j = 0; j < 4; ++j)
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[j][l + 8 * g]), w[g][j]);
    }
}
#endif

/// philox_block(seed, stream, object, first + l, step) word j in words[j][l], for every lane l:
/// AVX2 where the build has it, portable otherwise.
inline void philox_blocks(std::uint64_t seed, std::uint32_t stream, std::uint32_t object,
                          std::uint64_t first, std::uint64_t step, PhiloxLaneWords& words) {
#if defined(__AVX2__)
    philox_blocks_avx2(seed, stream, object, first, step, words);
#else
    philox_blocks_portable(seed, stream, object, first, step, words);
#endif
}

}  // namespace spikegraph
