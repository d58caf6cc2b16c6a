// The lexer of expression and statement text (frontend/expression_lexer.hpp).

#include "frontend/expression_lexer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph::detail::lexer {

using expr::SourceLoc;

void fail(const TextOrigin& origin, SourceLoc loc, const std::string& message) {
    throw ModelError(located(origin, loc, message));
}

namespace {

class Lexer {
public:
    Lexer(std::string_view text, const TextOrigin& origin, SourceLoc start)
        : text_(text), origin_(origin), line_(std::max(start.line, 1)),
          column_(std::max(start.column, 1)) {}

    std::vector<Token> run() {
        std::vector<Token> out;
        for (;;) {
            skip_blanks();
            Token t;
            t.loc = {line_, column_};
            if (pos_ >= text_.size()) {
                out.push_back(t);
                return out;
            }
            const char c = text_[pos_];
            if (c == '\n') {
                t.kind = Tok::newline;
                advance(1);
            } else if (c == ';') {
                t.kind = Tok::semicolon;
                t.text = ";";
                advance(1);
            } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                       (c == '.' && pos_ + 1 < text_.size() &&
                        std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
                read_number(t);
            } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                t.kind = Tok::ident;
                std::size_t n = 0;
                while (pos_ + n < text_.size() &&
                       (std::isalnum(static_cast<unsigned char>(text_[pos_ + n])) ||
                        text_[pos_ + n] == '_'))
                    ++n;
                if (n > k_max_identifier_bytes)
                    fail(origin_, t.loc,
                         "a name of " + std::to_string(n) + " characters ('" +
                             detail::quote_input(text_.substr(pos_, n), 40) +
                             "'); names are at most " + std::to_string(k_max_identifier_bytes) +
                             " characters");
                t.text = std::string(text_.substr(pos_, n));
                advance(n);
            } else {
                read_operator(t);
            }
            out.push_back(std::move(t));
        }
    }

private:
    void advance(std::size_t n) {
        for (std::size_t k = 0; k < n && pos_ < text_.size(); ++k, ++pos_) {
            if (text_[pos_] == '\n') {
                ++line_;
                column_ = 1;
            } else {
                ++column_;
            }
        }
    }

    void skip_blanks() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n') advance(1);
            } else if (c == ' ' || c == '\t' || c == '\r') {
                advance(1);
            } else if (c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
                advance(2);  // explicit line continuation
            } else {
                return;
            }
        }
    }

    void read_number(Token& t) {
        std::size_t n = 0;
        auto digit_at = [&](std::size_t k) {
            return k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]));
        };
        while (digit_at(pos_ + n) || (pos_ + n < text_.size() && text_[pos_ + n] == '.')) ++n;
        if (pos_ + n < text_.size() && (text_[pos_ + n] == 'e' || text_[pos_ + n] == 'E')) {
            // An exponent only when digits follow, so that `2 eV`-like text stays two tokens.
            std::size_t k = pos_ + n + 1;
            if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
            if (digit_at(k)) {
                while (digit_at(k)) ++k;
                n = k - pos_;
            }
        }
        t.kind = Tok::number;
        t.text = std::string(text_.substr(pos_, n));
        const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), t.value);
        if (ec != std::errc{} || end != t.text.data() + t.text.size())
            fail(origin_, t.loc, "'" + detail::quote_input(t.text) + "' is not a number");
        advance(n);
    }

    void read_operator(Token& t) {
        static constexpr std::array<std::string_view, 19> ops = {
            "**", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "+",
            "-",  "*",  "/",  "(",  ")",  ",",  "<",  ">",  "="};
        const std::string_view rest = text_.substr(pos_);
        if (rest.starts_with("^"))
            fail(origin_, t.loc, "'^' is not a power operator; write x**2 for a power");
        if (rest.starts_with("&&")) fail(origin_, t.loc, "unexpected '&&'; write 'and'");
        if (rest.starts_with("||")) fail(origin_, t.loc, "unexpected '||'; write 'or'");
        if (rest.starts_with("!") && !rest.starts_with("!="))
            fail(origin_, t.loc, "unexpected '!'; write 'not'");
        for (std::string_view op : ops) {
            if (rest.starts_with(op)) {
                t.kind = Tok::op;
                t.text = std::string(op);
                advance(op.size());
                return;
            }
        }
        if (static_cast<unsigned char>(rest.front()) >= 0x80) {
            // The whole character when it is valid UTF-8, else the one byte, escaped.
            std::size_t n = 1;
            while (n < 4 && n < rest.size() && !detail::is_valid_utf8(rest.substr(0, n))) ++n;
            if (!detail::is_valid_utf8(rest.substr(0, n))) n = 1;
            fail(origin_, t.loc,
                 "unexpected character '" + detail::quote_input(rest.substr(0, n)) +
                     "'; names are ASCII letters, digits and '_'");
        }
        fail(origin_, t.loc, "unexpected character '" + detail::quote_input(rest.substr(0, 1)) + "'");
    }

    std::string_view text_;
    const TextOrigin& origin_;
    std::size_t pos_ = 0;
    int line_;
    int column_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text, const TextOrigin& origin, SourceLoc start) {
    return Lexer(text, origin, start).run();
}

std::string describe(const Token& t) {
    switch (t.kind) {
        case Tok::number: return "number " + detail::quote_input(t.text);
        case Tok::ident: return "'" + detail::quote_input(t.text) + "'";
        case Tok::op: return "'" + t.text + "'";
        case Tok::newline: return "end of line";
        case Tok::semicolon: return "';'";
        case Tok::end: return "end of text";
    }
    return "?";
}

}  // namespace spikegraph::detail::lexer
