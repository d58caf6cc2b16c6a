#pragma once
// Small text helpers shared by every "did you mean" in spikegraph.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace spikegraph::detail {

/// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `name` within `max_distance` edits (not `name` itself), or "".
/// Ties go to the earlier candidate.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates,
                         std::size_t max_distance = 2);

}  // namespace spikegraph::detail
