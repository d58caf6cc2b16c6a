// core/philox.hpp, the Philox4x32-10 that host draws and emitted kernels share, against the
// Random123 reference implementation and its published known-answer vectors.

#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "core/philox.hpp"
#include "core/random.hpp"

namespace spikegraph {
namespace {

PhiloxWords ours(philox_u32 c0, philox_u32 c1, philox_u32 c2, philox_u32 c3, philox_u32 k0,
                 philox_u32 k1) {
    return philox4x32_10({{c0, c1, c2, c3}}, k0, k1);
}

TEST(Philox, MatchesTheKnownAnswerVectors) {
    // Random123's kat_vectors for philox4x32 with 10 rounds.
    const PhiloxWords zero = ours(0, 0, 0, 0, 0, 0);
    EXPECT_EQ(zero[0], 0x6627e8d5u);
    EXPECT_EQ(zero[1], 0xe169c58du);
    EXPECT_EQ(zero[2], 0xbc57ac4cu);
    EXPECT_EQ(zero[3], 0x9b00dbd8u);
    const philox_u32 f = 0xffffffffu;
    const PhiloxWords ones = ours(f, f, f, f, f, f);
    EXPECT_EQ(ones[0], 0x408f276du);
    EXPECT_EQ(ones[1], 0x41c83b0eu);
    EXPECT_EQ(ones[2], 0xa20bc7c6u);
    EXPECT_EQ(ones[3], 0x6d5451fdu);
}

TEST(Philox, MatchesRandom123OnRandomCountersAndKeys) {
    std::mt19937 rng(12);
    auto word = [&] { return static_cast<std::uint32_t>(rng()); };
    r123::Philox4x32 reference;
    for (int trial = 0; trial < 10000; ++trial) {
        const r123::Philox4x32::ctr_type ctr = {{word(), word(), word(), word()}};
        const r123::Philox4x32::key_type key = {{word(), word()}};
        const auto want = reference(ctr, key);
        const PhiloxWords got = ours(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1]);
        for (int k = 0; k < 4; ++k) ASSERT_EQ(got[k], want[k]) << "trial " << trial << " word " << k;
    }
}

TEST(Philox, UniformIsTheDrawsUniformAndDrawsHaveTheirRanges) {
    for (std::uint64_t index = 0; index < 2000; ++index) {
        const Draw d = draw(99, rng_stream::model, 5, index, 3);
        ASSERT_EQ(uniform01(99, rng_stream::model, 5, index, 3), d.uniform);
        ASSERT_GE(d.uniform, 0.0);
        ASSERT_LT(d.uniform, 1.0);
        ASSERT_TRUE(std::isfinite(d.normal));
    }
}

}  // namespace
}  // namespace spikegraph
