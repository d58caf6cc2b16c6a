#pragma once
// Brian-style expressions and statements: `(El - v + ge) / taum`, `v = Vr; w += b`. The parser
// only builds trees; identifiers and units are resolved later (frontend/equations.hpp), where
// the symbols of a model are known.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/expr.hpp"
#include <spikegraph/text_origin.hpp>

namespace spikegraph {

/// Limits on expression text (docs/config.md, "Limits"). Besides these, expr::k_max_nesting
/// bounds the parser's own recursion (parentheses, call arguments, unary '-', 'not', the right
/// side of '**') and expr::k_max_depth the depth of the tree it builds, chains of binary
/// operators included.
constexpr std::size_t k_max_expression_bytes = std::size_t{64} << 10;
constexpr std::size_t k_max_identifier_bytes = 256;

/// Formats `file:line:col: key: message` for a position inside the text. Line k of the text is
/// line `origin.line + k - 1` of the file; columns on the text's first line are shifted by
/// `origin.column - 1`. Without a file the message reads `key: message (line L, column C)`.
std::string located(const TextOrigin& origin, expr::SourceLoc loc, const std::string& message);

namespace detail {
/// The file position (line, column) of position `loc` inside a text that starts at `origin`, as
/// located() reports it (`origin`'s own position when `loc` is unset).
std::pair<int, int> absolute_position(const TextOrigin& origin, expr::SourceLoc loc);
}  // namespace detail

/// Parses one expression: `+ - * / **`, comparisons, `and or not`, calls, numbers and
/// identifiers. A number directly followed by a unit name means a product (`20 ms`, `0.5nA`).
/// Node locations are relative to `text` (line 1, column 1 is its first character).
/// @throws ModelError with a located message on a syntax error, an unknown function, a wrong
///         number of arguments or a text past the limits above.
expr::Ptr parse_expression(std::string_view text, const TextOrigin& origin);

/// One assignment of a reset, an `on_pre` or `on_post` block.
struct Statement {
    enum class Op { assign, add, sub, mul, div };
    std::string target;
    Op op = Op::assign;
    expr::Ptr value;
    expr::SourceLoc loc;
};

/// Parses statements separated by newlines or `;` (`v = c; u += d`), with operators
/// `= += -= *= /=`. Empty text gives no statements.
/// @throws ModelError with a located message.
std::vector<Statement> parse_statements(std::string_view text, const TextOrigin& origin);

namespace detail {

/// parse_expression for text that starts at `start` inside the text `origin` describes, so that
/// node locations are relative to the whole text (the equation parser reads one line at a time).
expr::Ptr parse_expression_at(std::string_view text, const TextOrigin& origin,
                              expr::SourceLoc start);

}  // namespace detail

}  // namespace spikegraph
