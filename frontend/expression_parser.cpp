#include "frontend/expression_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <unordered_map>
#include <utility>

#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "core/units.hpp"
#include "frontend/expression_lexer.hpp"

namespace spikegraph {
namespace {

using expr::Kind;
using expr::Ptr;
using expr::SourceLoc;

using detail::lexer::describe;
using detail::lexer::fail;
using detail::lexer::Tok;
using detail::lexer::Token;
using detail::lexer::tokenize;

class Parser {
public:
    Parser(std::vector<Token> tokens, const TextOrigin& origin)
        : tokens_(std::move(tokens)), origin_(origin) {}

    Ptr expression() { return or_expr(); }

    // The depth of a tree this parser built (leaves are 1): known for each node as it is made,
    // so that a tree deeper than expr::k_max_depth is refused before it grows any deeper (its
    // destruction, too, recurses once per level).
    std::size_t depth_of(const Ptr& e) const {
        const auto it = depth_.find(e.get());
        return it == depth_.end() ? 1 : it->second;
    }

    const Token& peek() const { return tokens_[pos_]; }
    Token next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
    bool is_op(std::string_view op) const { return peek().kind == Tok::op && peek().text == op; }
    bool is_word(std::string_view w) const { return peek().kind == Tok::ident && peek().text == w; }

    [[noreturn]] void unexpected(const Token& t, const std::string& hint = "") const {
        std::string msg = "unexpected " + describe(t);
        if (t.kind == Tok::op && t.text == "=" && hint.empty()) msg += "; write '==' to compare";
        // Only statements keep line breaks outside parentheses (they separate statements).
        if (t.kind == Tok::newline)
            msg += " (a statement continues onto the next line only inside parentheses: "
                   "'v = (v +' then '1 mV)')";
        fail(origin_, t.loc, msg + hint);
    }

private:
    Ptr or_expr() {
        Ptr a = and_expr();
        while (is_word("or")) {
            const SourceLoc loc = next().loc;
            a = track(expr::binary(Kind::logical_or, a, and_expr(), loc));
        }
        return a;
    }

    Ptr and_expr() {
        Ptr a = not_expr();
        while (is_word("and")) {
            const SourceLoc loc = next().loc;
            a = track(expr::binary(Kind::logical_and, a, not_expr(), loc));
        }
        return a;
    }

    Ptr not_expr() {
        if (is_word("not")) {
            const SourceLoc loc = next().loc;
            const Nested guard(*this, loc);
            return track(expr::unary(Kind::logical_not, not_expr(), loc));
        }
        return comparison();
    }

    static bool comparison_kind(const Token& t, Kind& kind) {
        if (t.kind != Tok::op) return false;
        static constexpr std::array<std::pair<std::string_view, Kind>, 6> table = {{
            {"<", Kind::lt}, {"<=", Kind::le}, {">", Kind::gt},
            {">=", Kind::ge}, {"==", Kind::eq}, {"!=", Kind::ne},
        }};
        for (const auto& [text, k] : table) {
            if (t.text == text) {
                kind = k;
                return true;
            }
        }
        return false;
    }

    Ptr comparison() {
        Ptr a = arith();
        Kind kind{};
        if (!comparison_kind(peek(), kind)) return a;
        const SourceLoc loc = next().loc;
        Ptr result = track(expr::binary(kind, a, arith(), loc));
        if (comparison_kind(peek(), kind))
            fail(origin_, peek().loc,
                 "comparisons cannot be chained; combine them with 'and', as in "
                 "(a < b) and (b < c)");
        return result;
    }

    Ptr arith() {
        Ptr a = term();
        while (is_op("+") || is_op("-")) {
            const Token op = next();
            a = track(expr::binary(op.text == "+" ? Kind::add : Kind::sub, a, term(), op.loc));
        }
        return a;
    }

    Ptr term() {
        Ptr a = unary();
        while (is_op("*") || is_op("/")) {
            const Token op = next();
            a = track(expr::binary(op.text == "*" ? Kind::mul : Kind::div, a, unary(), op.loc));
        }
        return a;
    }

    // Unary minus binds looser than `**` on its right: -x**2 is -(x**2), as in Python.
    Ptr unary() {
        if (is_op("-")) {
            const SourceLoc loc = next().loc;
            const Nested guard(*this, loc);
            Ptr a = unary();
            if (a->kind == Kind::constant) return expr::constant(-a->value, loc);
            return track(expr::unary(Kind::neg, a, loc));
        }
        if (is_op("+")) {
            const Nested guard(*this, next().loc);
            return unary();
        }
        return power();
    }

    Ptr power() {
        Ptr base = primary();
        if (!is_op("**")) return base;
        const SourceLoc loc = next().loc;
        const Nested guard(*this, loc);
        return track(expr::binary(Kind::pow, base, unary(), loc));
    }

    Ptr primary() {
        const Token t = next();
        switch (t.kind) {
            case Tok::number: return number_with_unit(t);
            case Tok::ident: return identifier(t);
            case Tok::op:
                if (t.text == "(") {
                    const Nested guard(*this, t.loc);
                    Ptr inner = expression();
                    expect_close(t, "'('");
                    return inner;
                }
                unexpected(t, "; expected a number, a name or '('");
            default: unexpected(t, "; expected a number, a name or '('");
        }
    }

    Ptr number_with_unit(const Token& t) {
        Ptr value = expr::constant(t.value, t.loc);
        if (peek().kind != Tok::ident) return value;
        const Token& u = peek();
        const bool is_unit = find_unit(u.text) != nullptr &&
                             !(tokens_[pos_ + 1].kind == Tok::op && tokens_[pos_ + 1].text == "(");
        if (!is_unit) {
            if (u.text == "and" || u.text == "or") return value;
            if (find_unit(u.text) != nullptr)
                fail(origin_, u.loc, "'" + u.text + "' is a unit, not a function");
            std::vector<std::string> names;
            for (const Unit& known : known_units()) names.emplace_back(known.name);
            const std::string best = detail::closest_name(u.text, names);
            const std::string number = detail::quote_input(t.text);
            std::string msg = "'" + u.text + "' right after the number " + number +
                              " is not a unit; write " + number + " * " + u.text + " to multiply";
            if (!best.empty()) msg += ", or did you mean the unit '" + best + "'?";
            fail(origin_, u.loc, msg);
        }
        const Token unit_token = next();
        Ptr unit = expr::symbol(unit_token.text, unit_token.loc);
        if (is_op("**")) {
            const SourceLoc loc = next().loc;
            const Nested guard(*this, loc);
            unit = track(expr::binary(Kind::pow, unit, unary(), loc));
        }
        return track(expr::binary(Kind::mul, value, unit, t.loc));
    }

    Ptr identifier(const Token& t) {
        if (t.text == "and" || t.text == "or" || t.text == "not")
            unexpected(t, "; expected a number, a name or '('");
        if (t.text == "True" || t.text == "true") return expr::constant(1.0, t.loc);
        if (t.text == "False" || t.text == "false") return expr::constant(0.0, t.loc);
        if (!is_op("(")) return expr::symbol(t.text, t.loc);
        const Token open = next();
        const Nested guard(*this, open.loc);
        std::vector<Ptr> args;
        if (!is_op(")")) {
            args.push_back(expression());
            while (is_op(",")) {
                next();
                args.push_back(expression());
            }
        }
        expect_close(open, "'" + t.text + "('");
        const int arity = expr::function_arity(t.text);
        if (arity < 0) {
            const std::string best = detail::closest_name(t.text, expr::function_names());
            fail(origin_, t.loc,
                 "unknown function '" + t.text + "'" +
                     (best.empty() ? "" : "; did you mean '" + best + "'?"));
        }
        if (static_cast<std::size_t>(arity) != args.size())
            fail(origin_, t.loc,
                 t.text + "() takes " + std::to_string(arity) +
                     (arity == 1 ? " argument" : " arguments") + ", got " +
                     std::to_string(args.size()));
        return track(expr::call(t.text, std::move(args), t.loc));
    }

    void expect_close(const Token& open, const std::string& what) {
        if (is_op(")")) {
            next();
            return;
        }
        const auto [open_line, open_col] = detail::absolute_position(origin_, open.loc);
        const auto [here_line, here_col] = detail::absolute_position(origin_, peek().loc);
        (void)here_col;
        const std::string where = open_line == here_line
                                      ? "column " + std::to_string(open_col)
                                      : "line " + std::to_string(open_line) + ", column " +
                                            std::to_string(open_col);
        fail(origin_, peek().loc,
             "expected ')' to close " + what + " opened at " + where + ", found " +
                 describe(peek()));
    }

    // Every node with operands goes through here.
    Ptr track(Ptr n) {
        std::size_t deepest = 0;
        for (const Ptr& a : n->args) deepest = std::max(deepest, depth_of(a));
        if (deepest + 1 > expr::k_max_depth)
            fail(origin_, n->loc,
                 "the expression is nested more than " + std::to_string(expr::k_max_depth) +
                     " levels deep here (a sum or product of n terms is n levels deep); group "
                     "long sums in parentheses, (a + b + ...) + (c + d + ...), or split the "
                     "expression into named sub-expressions");
        depth_.emplace(n.get(), deepest + 1);
        return n;
    }

    // Guards one level of the parser's own recursion: parentheses, call arguments, unary
    // operators, `not` and the right side of `**`.
    class Nested {
    public:
        Nested(Parser& p, SourceLoc loc) : p_(p) {
            if (++p_.nesting_ > expr::k_max_nesting)
                fail(p_.origin_, loc,
                     "the expression is nested more than " + std::to_string(expr::k_max_nesting) +
                         " levels deep here (parentheses, calls, unary '-', 'not' or '**'); "
                         "split it into named sub-expressions");
        }
        ~Nested() { --p_.nesting_; }
        Nested(const Nested&) = delete;
        Nested& operator=(const Nested&) = delete;

    private:
        Parser& p_;
    };

    std::vector<Token> tokens_;
    const TextOrigin& origin_;
    std::size_t pos_ = 0;
    int nesting_ = 0;
    std::unordered_map<const expr::Node*, std::size_t> depth_;
};

// Drops line breaks where they cannot end anything: everywhere in a lone expression, and inside
// parentheses in statements.
std::vector<Token> drop_newlines(std::vector<Token> tokens, bool everywhere) {
    std::vector<Token> out;
    int depth = 0;
    for (Token& t : tokens) {
        if (t.kind == Tok::op && t.text == "(") ++depth;
        if (t.kind == Tok::op && t.text == ")") depth = std::max(depth - 1, 0);
        if (t.kind == Tok::newline && (everywhere || depth > 0)) continue;
        out.push_back(std::move(t));
    }
    return out;
}

// Refused before lexing: the token list of a long text costs many times its size.
void check_length(std::string_view text, const TextOrigin& origin, SourceLoc start) {
    if (text.size() <= k_max_expression_bytes) return;
    fail(origin, start,
         "the expression is " + std::to_string(text.size()) + " bytes long; the limit is " +
             std::to_string(k_max_expression_bytes) +
             " bytes: split it into named sub-expressions");
}

}  // namespace

std::string located(const TextOrigin& origin, expr::SourceLoc loc, const std::string& message) {
    const auto [line, column] = detail::absolute_position(origin, loc);
    std::string out;
    if (!origin.file.empty())
        out = origin.file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    if (!origin.key.empty()) out += origin.key + ": ";
    out += message;
    // Without a file a line number alone would mislead, so the position inside the text goes
    // last, where it still helps with multi-line equations passed from C++.
    if (origin.file.empty() && loc.line > 0)
        out += " (line " + std::to_string(loc.line) + ", column " + std::to_string(loc.column) + ")";
    return out;
}

expr::Ptr parse_expression(std::string_view text, const TextOrigin& origin) {
    return detail::parse_expression_at(text, origin, {1, 1});
}

std::vector<Statement> parse_statements(std::string_view text, const TextOrigin& origin) {
    check_length(text, origin, {1, 1});
    Parser p(drop_newlines(tokenize(text, origin, {1, 1}), false), origin);
    std::vector<Statement> out;
    static constexpr std::array<std::pair<std::string_view, Statement::Op>, 5> ops = {{
        {"=", Statement::Op::assign}, {"+=", Statement::Op::add}, {"-=", Statement::Op::sub},
        {"*=", Statement::Op::mul}, {"/=", Statement::Op::div},
    }};
    for (;;) {
        while (p.peek().kind == Tok::newline || p.peek().kind == Tok::semicolon) p.next();
        if (p.peek().kind == Tok::end) return out;
        const Token target = p.next();
        if (target.kind != Tok::ident)
            p.unexpected(target, "; a statement starts with the variable it sets, as in 'v = El'");
        Statement s;
        s.target = target.text;
        s.loc = target.loc;
        const Token op = p.next();
        bool found = false;
        for (const auto& [text_op, kind] : ops) {
            if (op.kind == Tok::op && op.text == text_op) {
                s.op = kind;
                found = true;
            }
        }
        if (!found)
            fail(origin, op.loc,
                 "expected '=', '+=', '-=', '*=' or '/=' after '" + s.target + "', found " +
                     describe(op));
        s.value = p.expression();
        const Token& after = p.peek();
        if (after.kind != Tok::newline && after.kind != Tok::semicolon && after.kind != Tok::end)
            p.unexpected(after, "; separate statements with ';' or a new line");
        out.push_back(std::move(s));
    }
}

namespace detail {

expr::Ptr parse_expression_at(std::string_view text, const TextOrigin& origin,
                              expr::SourceLoc start) {
    check_length(text, origin, start);
    Parser p(drop_newlines(tokenize(text, origin, start), true), origin);
    if (p.peek().kind == Tok::end) fail(origin, p.peek().loc, "expected an expression, found nothing");
    Ptr e = p.expression();
    if (p.peek().kind != Tok::end) p.unexpected(p.peek());
    return e;
}

}  // namespace detail

namespace detail {

std::pair<int, int> absolute_position(const TextOrigin& origin, expr::SourceLoc loc) {
    if (loc.line <= 0) return {origin.line, origin.column};
    const int line = origin.line + loc.line - 1;
    // Multi-line texts come from YAML block scalars, whose every line lost the same indentation
    // (origin.column - 1); single-line texts only have a first line.
    const int column = origin.column + loc.column - 1;
    return {line, column};
}

}  // namespace detail

}  // namespace spikegraph
