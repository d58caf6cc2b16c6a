#pragma once
// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011) and the draws spikegraph makes from it. This header is self-contained on purpose:
// core/random.hpp draws through it on the host, and the code generator pastes its text into the
// kernels it emits (backend/codegen/), so compiled CPU code and a GPU draw the very numbers the
// host draws. Hence only plain integer and double arithmetic here, no library types.

#if defined(__CUDACC__)
#define SPIKEGRAPH_HOST_DEVICE __host__ __device__
#else
#define SPIKEGRAPH_HOST_DEVICE
#endif

#if !defined(__CUDACC_RTC__)
#include <cmath>
#endif

namespace spikegraph {

using philox_u32 = unsigned int;
using philox_u64 = unsigned long long;

/// Four 32-bit words: a Philox counter, or the output of one block.
struct PhiloxWords {
    philox_u32 w[4];
    SPIKEGRAPH_HOST_DEVICE philox_u32 operator[](int k) const { return w[k]; }
};

/// Philox4x32 with 10 rounds of (counter, two-word key) -> four words.
SPIKEGRAPH_HOST_DEVICE inline PhiloxWords philox4x32_10(PhiloxWords ctr, philox_u32 k0,
                                                        philox_u32 k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;  // the key schedule's Weyl constants
            k1 += 0xBB67AE85u;
        }
        const philox_u64 p0 = static_cast<philox_u64>(0xD2511F53u) * ctr.w[0];
        const philox_u64 p1 = static_cast<philox_u64>(0xCD9E8D57u) * ctr.w[2];
        const PhiloxWords next = {{static_cast<philox_u32>(p1 >> 32) ^ ctr.w[1] ^ k0,
                                   static_cast<philox_u32>(p1),
                                   static_cast<philox_u32>(p0 >> 32) ^ ctr.w[3] ^ k1,
                                   static_cast<philox_u32>(p0)}};
        ctr = next;
    }
    return ctr;
}

/// Four independent 32-bit words for one (seed, stream, object, index, step) counter.
SPIKEGRAPH_HOST_DEVICE inline PhiloxWords philox_block(philox_u64 seed, philox_u32 stream,
                                                       philox_u32 object, philox_u64 index,
                                                       philox_u64 step) {
    const PhiloxWords ctr = {{static_cast<philox_u32>(index), static_cast<philox_u32>(index >> 32),
                              static_cast<philox_u32>(step), static_cast<philox_u32>(step >> 32)}};
    // The key mixes stream and object (a hash of the object's name) into the seed's high word.
    return philox4x32_10(ctr, static_cast<philox_u32>(seed) ^ (object * 0x9E3779B9u),
                         static_cast<philox_u32>(seed >> 32) ^ (stream * 0x85EBCA6Bu));
}

/// Uniform double in [0, 1) from two 32-bit words (53 bits).
SPIKEGRAPH_HOST_DEVICE inline double u01_from(philox_u32 hi, philox_u32 lo) {
    const philox_u64 bits = (static_cast<philox_u64>(hi) << 21) ^ (lo >> 11);
    return static_cast<double>(bits & ((static_cast<philox_u64>(1) << 53) - 1)) * 0x1.0p-53;
}

/// A pair of draws for one counter: a uniform in [0, 1) and a standard normal (Box-Muller).
struct Draw {
    double uniform;
    double normal;
};

SPIKEGRAPH_HOST_DEVICE inline Draw draw(philox_u64 seed, philox_u32 stream, philox_u32 object,
                                        philox_u64 index, philox_u64 step) {
    const PhiloxWords r = philox_block(seed, stream, object, index, step);
    const double u = u01_from(r[0], r[1]);
    // 1 - u2 lies in (0, 1], so the logarithm is finite.
    const double u2 = 1.0 - u01_from(r[2], r[3]);
    const double n = ::sqrt(-2.0 * ::log(u2)) * ::cos(6.283185307179586 * u);
    return {u, n};
}

SPIKEGRAPH_HOST_DEVICE inline double uniform01(philox_u64 seed, philox_u32 stream,
                                               philox_u32 object, philox_u64 index,
                                               philox_u64 step) {
    const PhiloxWords r = philox_block(seed, stream, object, index, step);
    return u01_from(r[0], r[1]);
}

}  // namespace spikegraph
