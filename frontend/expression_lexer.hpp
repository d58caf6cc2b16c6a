#pragma once
// The tokens of expression and statement text (frontend/expression_parser.cpp's lexer): numbers,
// names, operators, line ends and ';', each with its place in the text.

#include <string>
#include <string_view>
#include <vector>

#include "core/expr.hpp"
#include <spikegraph/text_origin.hpp>

namespace spikegraph::detail::lexer {

enum class Tok { number, ident, op, newline, semicolon, end };

struct Token {
    Tok kind = Tok::end;
    std::string text;
    double value = 0.0;
    expr::SourceLoc loc;
};

/// The tokens of `text`, which starts at `start` of `origin`'s text, ending with Tok::end.
/// @throws ModelError located at an unexpected character or a malformed number.
std::vector<Token> tokenize(std::string_view text, const TextOrigin& origin, expr::SourceLoc start);

/// "number '1.5'", "'tau'", "end of line", ... for messages.
std::string describe(const Token& t);

/// Throws ModelError with `message` located at `loc` of `origin`'s text.
[[noreturn]] void fail(const TextOrigin& origin, expr::SourceLoc loc, const std::string& message);

}  // namespace spikegraph::detail::lexer
