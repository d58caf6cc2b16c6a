#pragma once
// Text helpers with one home each: the "did you mean" of every message, and the rule for a valid
// name (of a group, variable, monitor, backend ...).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace spikegraph::detail {

/// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `name` within `max_distance` edits (not `name` itself), or "".
/// Ties go to a candidate with the same first letter ("lf" means "lif" rather than "if"), then
/// to the earlier candidate.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates,
                         std::size_t max_distance = 2);

/// " (did you mean 'x'?)" for the closest candidate (closest_name), or "" when none is close:
/// the one suffix every "unknown name" message of spikegraph appends.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

/// The one rule for a name: a letter or '_', then letters, digits or '_' (ASCII), as in C and
/// Python, so that every name can appear in an expression and in generated code.
bool is_identifier(std::string_view s);

/// User input as it may appear inside a message: control bytes and bytes that are not valid
/// UTF-8 become `\xNN`, and text longer than `max_bytes` is cut on a character boundary and
/// ends in "…(N bytes)" with the length of the whole input. The result is valid UTF-8, one line
/// and at most max_bytes + 24 bytes long.
std::string quote_input(std::string_view text, std::size_t max_bytes = 60);

/// The last guard on a message before it reaches a terminal or a log: line breaks and tabs
/// become spaces, other control bytes and invalid UTF-8 become `\xNN`, and a message longer
/// than `max_bytes` is cut on a character boundary with "…(message cut, N bytes)". One line,
/// valid UTF-8, at most max_bytes + 32 bytes.
std::string one_line_message(std::string_view message, std::size_t max_bytes = 400);

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace spikegraph::detail
