#pragma once
// Creates synapses from a connectivity rule, as CSR (rows = pre neurons of the slice, column
// indices = post neurons within the post slice, ascending in each row). Deterministic: every row
// draws from its own Philox counters, so the result does not depend on the thread count.

#include <cstdint>
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

/// `self_offset`: when pre and post are the same group, post index j is the same neuron as pre
/// index i when i + pre_begin == j + post_begin, i.e. j == i + self_offset with
/// self_offset = pre_begin - post_begin; such pairs are skipped unless `allow_self`.
/// `same_group` says whether that applies at all.
/// @throws ConfigError (prefixed with `where`) for impossible requests (degree larger than the
///         pool of candidates, explicit pairs out of range).
SynapseTable make_synapses(const Connectivity& rule, std::size_t pre_n, std::size_t post_n,
                           bool same_group, std::int64_t self_offset, std::uint64_t seed,
                           std::uint32_t object, const std::string& where);

}  // namespace spikegraph
