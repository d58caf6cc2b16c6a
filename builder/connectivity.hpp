#pragma once
// Creates synapses from a connectivity rule, as CSR (rows = pre neurons of the slice, column
// indices = post neurons within the post slice, ascending in each row). Deterministic: every row
// draws from its own Philox counters, so the result does not depend on the thread count.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <spikegraph/connection.hpp>

namespace spikegraph {

struct SynapseTable {
    std::size_t rows = 0, cols = 0;
    std::vector<std::int64_t> indptr;   // rows + 1
    std::vector<std::int32_t> indices;  // nnz
    std::size_t nnz() const { return indices.size(); }
};

/// The per-pair parts of a rule given by expressions (Connectivity::condition, ::probability),
/// evaluated for the pair (row, col) of the pre and post slices; empty: not given. Both must be
/// pure functions of the pair (they run on several threads) and may throw a ConfigError.
struct PairFunctions {
    std::function<bool(std::size_t row, std::size_t col)> condition;
    std::function<double(std::size_t row, std::size_t col)> probability;  // else rule.p
    bool empty() const { return !condition && !probability; }
};

/// `self_offset`: when pre and post are the same group, post index j is the same neuron as pre
/// index i when i + pre_begin == j + post_begin, i.e. j == i + self_offset with
/// self_offset = pre_begin - post_begin; such pairs are skipped unless `allow_self`.
/// `same_group` says whether that applies at all.
/// `pairs` (all_to_all and fixed_probability only) visits every pair of a row: a pair is a
/// candidate where the condition holds, and is kept with the probability of the pair, drawn from
/// Philox keyed by (row, col): O(pre x post) work, thread-count independent. Without `pairs`
/// fixed_probability skips geometric gaps: O(synapses).
/// @throws ConfigError (prefixed with `where`) for impossible requests (degree larger than the
///         pool of candidates, explicit pairs out of range), or what `pairs` throws.
SynapseTable make_synapses(const Connectivity& rule, std::size_t pre_n, std::size_t post_n,
                           bool same_group, std::int64_t self_offset, std::uint64_t seed,
                           std::uint32_t object, const std::string& where,
                           const PairFunctions& pairs = {});

}  // namespace spikegraph
