// make_synapses: every connectivity rule, self-connections, determinism and the CSR layout.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "builder/connectivity.hpp"
#include <spikegraph/error.hpp>
#include "core/random.hpp"

namespace spikegraph {
namespace {

const std::uint32_t k_object = object_hash("test_connection");

SynapseTable make(const Connectivity& rule, std::size_t pre, std::size_t post,
                  std::uint64_t seed = 1, bool same_group = false, std::int64_t self_offset = 0,
                  std::uint32_t object = k_object) {
    return make_synapses(rule, pre, post, same_group, self_offset, seed, object, "connections.test");
}

// CSR well-formedness: indptr monotone from 0 to nnz, every row strictly ascending (sorted and
// without duplicates) and inside [0, cols).
void expect_valid_csr(const SynapseTable& t, std::size_t rows, std::size_t cols) {
    ASSERT_EQ(t.rows, rows);
    ASSERT_EQ(t.cols, cols);
    ASSERT_EQ(t.indptr.size(), rows + 1);
    EXPECT_EQ(t.indptr.front(), 0);
    EXPECT_EQ(static_cast<std::size_t>(t.indptr.back()), t.nnz());
    for (std::size_t i = 0; i < rows; ++i) {
        ASSERT_LE(t.indptr[i], t.indptr[i + 1]) << "row " << i;
        for (auto k = t.indptr[i]; k < t.indptr[i + 1]; ++k) {
            const auto j = t.indices[static_cast<std::size_t>(k)];
            ASSERT_GE(j, 0);
            ASSERT_LT(static_cast<std::size_t>(j), cols);
            if (k > t.indptr[i]) {
                ASSERT_LT(t.indices[static_cast<std::size_t>(k) - 1], j) << "row " << i;
            }
        }
    }
}

std::size_t row_size(const SynapseTable& t, std::size_t i) {
    return static_cast<std::size_t>(t.indptr[i + 1] - t.indptr[i]);
}

std::vector<std::size_t> column_counts(const SynapseTable& t) {
    std::vector<std::size_t> c(t.cols, 0);
    for (auto j : t.indices) ++c[static_cast<std::size_t>(j)];
    return c;
}

bool same_table(const SynapseTable& a, const SynapseTable& b) {
    return a.rows == b.rows && a.cols == b.cols && a.indptr == b.indptr && a.indices == b.indices;
}

TEST(Connectivity, FixedProbabilityCountIsBinomial) {
    const std::size_t pre = 400, post = 500;
    for (double p : {0.02, 0.1, 0.5}) {
        for (std::uint64_t seed : {1u, 2u, 3u}) {
            const auto t = make(Connectivity::fixed_probability(p), pre, post, seed);
            expect_valid_csr(t, pre, post);
            // nnz ~ Binomial(pre*post, p): within 4 sigma (a 6e-5 chance per check of a false
            // alarm, and the seeds are fixed, so a pass is reproducible).
            const double n = static_cast<double>(pre * post);
            const double sigma = std::sqrt(n * p * (1 - p));
            EXPECT_NEAR(static_cast<double>(t.nnz()), n * p, 4 * sigma) << "p " << p << " seed " << seed;
        }
    }
}

TEST(Connectivity, FixedProbabilityRowsAreIndependentAndUniform) {
    // Each column should be hit pre*p times on average: a chi-square over the columns (post - 1
    // = 199 degrees of freedom, sd sqrt(2*199) = 20) stays below mean + 5 sd.
    const std::size_t pre = 2000, post = 200;
    const double p = 0.1;
    const auto t = make(Connectivity::fixed_probability(p), pre, post, 9);
    const auto counts = column_counts(t);
    const double expected = static_cast<double>(t.nnz()) / post;
    double chi2 = 0;
    for (auto c : counts) chi2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
    EXPECT_LT(chi2, 199 + 5 * std::sqrt(2.0 * 199));
}

TEST(Connectivity, FixedProbabilityEdgeCases) {
    const auto none = make(Connectivity::fixed_probability(0.0), 50, 60);
    expect_valid_csr(none, 50, 60);
    EXPECT_EQ(none.nnz(), 0u);
    const auto all = make(Connectivity::fixed_probability(1.0), 50, 60);
    expect_valid_csr(all, 50, 60);
    EXPECT_EQ(all.nnz(), 50u * 60u);
    EXPECT_THROW(make(Connectivity::fixed_probability(1.5), 5, 5), ConfigError);
    EXPECT_THROW(make(Connectivity::fixed_probability(-0.1), 5, 5), ConfigError);
}

// Same group, pre slice [pre_begin, ...) and post slice [post_begin, ...): neuron i of the pre
// slice is neuron j = i + offset of the post slice, offset = pre_begin - post_begin.
void expect_no_self(const SynapseTable& t, std::int64_t offset) {
    for (std::size_t i = 0; i < t.rows; ++i)
        for (auto k = t.indptr[i]; k < t.indptr[i + 1]; ++k)
            ASSERT_NE(static_cast<std::int64_t>(t.indices[static_cast<std::size_t>(k)]),
                      static_cast<std::int64_t>(i) + offset)
                << "self-connection of pre " << i;
}

TEST(Connectivity, NoSelfConnectionsWhenForbidden) {
    // A group of 300: pre slice [100, 300), post slice [0, 300) -> offset 100; and the whole
    // group onto itself (offset 0).
    for (auto [pre, post, offset] : {std::tuple<std::size_t, std::size_t, std::int64_t>{200, 300, 100},
                                     {300, 300, 0}, {300, 200, -100}}) {
        const std::int64_t lo = std::max<std::int64_t>(0, -offset);
        const std::int64_t hi = std::min<std::int64_t>(static_cast<std::int64_t>(pre),
                                                       static_cast<std::int64_t>(post) - offset);
        const auto overlap = static_cast<std::size_t>(std::max<std::int64_t>(0, hi - lo));
        SCOPED_TRACE("offset " + std::to_string(offset));

        Connectivity rule = Connectivity::fixed_probability(1.0);
        rule.allow_self = false;
        auto t = make(rule, pre, post, 1, true, offset);
        expect_valid_csr(t, pre, post);
        expect_no_self(t, offset);
        EXPECT_EQ(t.nnz(), pre * post - overlap);

        rule = Connectivity::fixed_probability(0.5);
        rule.allow_self = false;
        t = make(rule, pre, post, 4, true, offset);
        expect_no_self(t, offset);

        rule = Connectivity::all_to_all();
        rule.allow_self = false;
        t = make(rule, pre, post, 1, true, offset);
        expect_valid_csr(t, pre, post);
        expect_no_self(t, offset);
        EXPECT_EQ(t.nnz(), pre * post - overlap);

        rule = Connectivity::fixed_outdegree(post - 1);  // every candidate but the neuron itself
        rule.allow_self = false;
        t = make(rule, pre, post, 2, true, offset);
        expect_valid_csr(t, pre, post);
        expect_no_self(t, offset);

        rule = Connectivity::fixed_indegree(pre - 1);
        rule.allow_self = false;
        t = make(rule, pre, post, 3, true, offset);
        expect_valid_csr(t, pre, post);
        expect_no_self(t, offset);
    }
}

TEST(Connectivity, SelfConnectionsAllowedOrAcrossGroups) {
    // allow_self (default) or different groups: the pair i == j is a candidate like any other.
    const auto same = make(Connectivity::fixed_probability(1.0), 40, 40, 1, true, 0);
    EXPECT_EQ(same.nnz(), 40u * 40u);
    Connectivity rule = Connectivity::all_to_all();
    rule.allow_self = false;
    const auto other = make(rule, 40, 40, 1, false, 0);
    EXPECT_EQ(other.nnz(), 40u * 40u) << "allow_self only concerns one group onto itself";
}

TEST(Connectivity, FixedIndegreeGivesExactlyKDistinctSourcesPerTarget) {
    const std::size_t pre = 300, post = 250, k = 37;
    const auto t = make(Connectivity::fixed_indegree(k), pre, post, 5);
    expect_valid_csr(t, pre, post);  // distinct per row, so no (i, j) pair twice
    EXPECT_EQ(t.nnz(), post * k);
    for (auto c : column_counts(t)) ASSERT_EQ(c, k);
    // Sources are spread uniformly over the rows: chi-square over 299 dof below mean + 5 sd.
    const double expected = static_cast<double>(post * k) / pre;
    double chi2 = 0;
    for (std::size_t i = 0; i < pre; ++i) {
        const double d = static_cast<double>(row_size(t, i)) - expected;
        chi2 += d * d / expected;
    }
    EXPECT_LT(chi2, 299 + 5 * std::sqrt(2.0 * 299));
}

TEST(Connectivity, FixedOutdegreeGivesExactlyKDistinctTargetsPerSource) {
    const std::size_t pre = 300, post = 250, k = 25;
    const auto t = make(Connectivity::fixed_outdegree(k), pre, post, 6);
    expect_valid_csr(t, pre, post);
    for (std::size_t i = 0; i < pre; ++i) ASSERT_EQ(row_size(t, i), k) << "row " << i;
    const double expected = static_cast<double>(pre * k) / post;
    double chi2 = 0;
    for (auto c : column_counts(t)) {
        const double d = static_cast<double>(c) - expected;
        chi2 += d * d / expected;
    }
    EXPECT_LT(chi2, 249 + 5 * std::sqrt(2.0 * 249));
}

TEST(Connectivity, DegreeRulesAtTheirLimits) {
    // k equal to the pool: everything; k larger: a ConfigError naming the connection.
    EXPECT_EQ(make(Connectivity::fixed_outdegree(30), 10, 30).nnz(), 300u);
    EXPECT_EQ(make(Connectivity::fixed_indegree(10), 10, 30).nnz(), 300u);
    try {
        make(Connectivity::fixed_outdegree(31), 10, 30);
        FAIL() << "out-degree 31 of 30 targets accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("connections.test"), std::string::npos) << e.what();
    }
    EXPECT_THROW(make(Connectivity::fixed_indegree(11), 10, 30), ConfigError);
    Connectivity rule = Connectivity::fixed_outdegree(30);
    rule.allow_self = false;
    EXPECT_THROW(make(rule, 30, 30, 1, true, 0), ConfigError) << "only 29 candidates without self";
}

TEST(Connectivity, OneToOne) {
    const auto t = make(Connectivity::one_to_one(), 64, 64);
    expect_valid_csr(t, 64, 64);
    for (std::size_t i = 0; i < 64; ++i) {
        ASSERT_EQ(row_size(t, i), 1u);
        EXPECT_EQ(t.indices[i], static_cast<std::int32_t>(i));
    }
    EXPECT_THROW(make(Connectivity::one_to_one(), 64, 63), ConfigError);
}

TEST(Connectivity, AllToAll) {
    const auto t = make(Connectivity::all_to_all(), 17, 23);
    expect_valid_csr(t, 17, 23);
    for (std::size_t i = 0; i < 17; ++i) {
        ASSERT_EQ(row_size(t, i), 23u);
        for (std::size_t j = 0; j < 23; ++j)
            EXPECT_EQ(t.indices[static_cast<std::size_t>(t.indptr[i]) + j], static_cast<std::int32_t>(j));
    }
}

TEST(Connectivity, ExplicitPairsAreSortedIntoRows) {
    const std::vector<std::pair<std::int64_t, std::int64_t>> pairs = {
        {3, 7}, {0, 2}, {3, 1}, {1, 0}, {3, 4}, {0, 9}};
    const auto t = make(Connectivity::from_list(pairs), 5, 10);
    expect_valid_csr(t, 5, 10);
    EXPECT_EQ(t.indptr, (std::vector<std::int64_t>{0, 2, 3, 3, 6, 6}));
    EXPECT_EQ(t.indices, (std::vector<std::int32_t>{2, 9, 0, 1, 4, 7}));
    try {
        make(Connectivity::from_list({{0, 1}, {5, 0}}), 5, 10);
        FAIL() << "pair (5, 0) accepted for 5 pre neurons";
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("connections.test"), std::string::npos) << msg;
        EXPECT_NE(msg.find("(5, 0)"), std::string::npos) << msg;
    }
    EXPECT_THROW(make(Connectivity::from_list({{0, -1}}), 5, 10), ConfigError);
}

TEST(Connectivity, SameSeedSameTableOtherSeedOrObjectAnotherTable) {
    const std::vector<Connectivity> rules = {Connectivity::fixed_probability(0.05),
                                             Connectivity::fixed_indegree(12),
                                             Connectivity::fixed_outdegree(12)};
    for (const auto& rule : rules) {
        const auto a = make(rule, 300, 200, 7);
        const auto b = make(rule, 300, 200, 7);
        EXPECT_TRUE(same_table(a, b));
        EXPECT_FALSE(same_table(a, make(rule, 300, 200, 8))) << "another seed";
        EXPECT_FALSE(same_table(a, make(rule, 300, 200, 7, false, 0, k_object + 1)))
            << "another connection (object) draws its own numbers";
    }
}

}  // namespace
}  // namespace spikegraph
