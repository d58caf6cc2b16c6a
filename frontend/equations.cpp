#include "frontend/equations.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "frontend/equation_text.hpp"
#include "frontend/timed_array_call.hpp"

namespace spikegraph {
namespace {

using expr::Kind;
using expr::Ptr;
using expr::SourceLoc;

// Built-in symbols every model sees, with their dimensions.
const SymbolDims& builtins() {
    static const SymbolDims table = {
        {"t", dim::time()},         {"dt", dim::time()}, {"lastspike", dim::time()},
        {"i", dim::none()},         {"N", dim::none()},  {"not_refractory", dim::none()},
    };
    return table;
}

[[noreturn]] void fail(const TextOrigin& origin, SourceLoc loc, const std::string& message) {
    throw ModelError(located(origin, loc, message));
}

std::string_view trim(std::string_view s, std::size_t& offset) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
        ++offset;
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string_view trim(std::string_view s) {
    std::size_t offset = 0;
    return trim(s, offset);
}

// A trailing `(flag, flag)` group: letters, spaces and commas only, after a non-empty unit.
std::optional<std::size_t> flags_start(std::string_view rhs) {
    if (rhs.empty() || rhs.back() != ')') return std::nullopt;
    const std::size_t open = rhs.rfind('(');
    if (open == std::string_view::npos || open == 0) return std::nullopt;
    const std::string_view inner = rhs.substr(open + 1, rhs.size() - open - 2);
    const bool words = std::all_of(inner.begin(), inner.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ',' ||
               c == ' ' || c == '\t';
    });
    if (!words || trim(rhs.substr(0, open)).empty()) return std::nullopt;
    return open;
}

std::vector<std::string> split_flags(std::string_view inner) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = inner.find(',', start);
        std::string flag;
        for (char c : inner.substr(start, comma == std::string_view::npos ? inner.npos : comma - start)) {
            // Collapse runs of blanks so that "unless  refractory" is still known.
            const bool blank = c == ' ' || c == '\t';
            if (blank && (flag.empty() || flag.back() == ' ')) continue;
            flag += blank ? ' ' : c;
        }
        if (!flag.empty() && flag.back() == ' ') flag.pop_back();
        out.push_back(flag);
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

void check_name(std::string_view name, SourceLoc loc, const TextOrigin& origin) {
    if (name.size() > k_max_identifier_bytes)
        fail(origin, loc, "a name of " + std::to_string(name.size()) + " characters ('" +
                              detail::quote_input(name, 40) + "'); names are at most " +
                              std::to_string(k_max_identifier_bytes) + " characters");
    if (builtins().count(name) != 0)
        fail(origin, loc, "'" + std::string(name) + "' is a built-in variable and cannot be redefined");
    // Single-letter unit names (s, V, A, S, F) stay usable as variable names: a model's own
    // symbols shadow units inside expressions.
    if (name.size() > 1 && find_unit(name) != nullptr)
        fail(origin, loc, "'" + std::string(name) + "' is a unit name; choose another name");
    if (expr::function_arity(name) >= 0)
        fail(origin, loc, "'" + std::string(name) + "' is a function name; choose another name");
    if (is_noise_name(name))
        fail(origin, loc, "'" + std::string(name) + "' names white noise (xi, xi_*); choose another name");
    if (name == "and" || name == "or" || name == "not" || name == "True" || name == "False" ||
        name == "true" || name == "false")
        fail(origin, loc, "'" + std::string(name) + "' is a keyword; choose another name");
}

// One line of equation text, split into its parts.
class LineParser {
public:
    LineParser(std::string_view line, int line_no, const TextOrigin& origin, Equations& eq)
        : line_(line), line_no_(line_no), origin_(origin), eq_(eq) {}

    void run() {
        const std::size_t colon = line_.find(':');
        std::size_t start = 0;
        trim(line_, start);  // for the column of the message below
        if (colon == std::string_view::npos)
            fail(origin_, at(start),
                 "expected ': <unit>' at the end of the definition, as in 'dv/dt = -v/tau : volt' "
                 "or 'tau : second' (a definition may continue over several lines, its "
                 "': <unit>' after the last)");
        read_unit(colon + 1);
        std::size_t lhs_off = 0;
        const std::string_view lhs = trim(line_.substr(0, colon), lhs_off);
        const std::size_t eq_pos = lhs.find('=');
        if (eq_pos == std::string_view::npos) return declare_parameter(lhs, lhs_off);
        std::size_t target_off = lhs_off;
        const std::string_view target = trim(lhs.substr(0, eq_pos), target_off);
        const std::size_t expr_off = lhs_off + eq_pos + 1;
        const std::string_view expr_text = line_.substr(expr_off, colon - expr_off);
        const Ptr value = detail::parse_expression_at(expr_text, origin_, at(expr_off));
        if (target.find('/') != std::string_view::npos) return define_ode(target, target_off, value);
        if (!detail::is_identifier(target))
            fail(origin_, at(target_off),
                 "'" + detail::quote_input(target) +
                     "' is not a name; write 'dx/dt = ...' for an equation or 'name = ...' for a "
                     "sub-expression");
        check_name(target, at(target_off), origin_);
        bool summed = false;
        for (const std::string& f : flags_) {
            if (f == "summed") summed = true;
            else unknown_flag(f, "a sub-expression knows only 'summed' (in synapse models)");
        }
        eq_.subs.push_back({std::string(target), value, unit_, at(target_off), summed});
    }

private:
    // A definition may span several lines (see parse_equations): index -> line and column.
    SourceLoc at(std::size_t index) const {
        const std::string_view before = line_.substr(0, index);
        const std::size_t nl = before.rfind('\n');
        const auto lines = std::count(before.begin(), before.end(), '\n');
        const std::size_t column = nl == std::string_view::npos ? index : index - nl - 1;
        return {line_no_ + static_cast<int>(lines), static_cast<int>(column) + 1};
    }

    void read_unit(std::size_t from) {
        std::size_t off = from;
        std::string_view rhs = trim(line_.substr(from), off);
        if (const auto open = flags_start(rhs)) {
            flags_col_ = off + *open + 1;
            flags_ = split_flags(rhs.substr(*open + 1, rhs.size() - *open - 2));
            rhs = trim(rhs.substr(0, *open));
        }
        if (rhs.empty())
            fail(origin_, at(off),
                 "missing unit after ':'; write e.g. ': volt', ': second' or ': 1' when "
                 "dimensionless");
        try {
            unit_ = parse_quantity(rhs).dim;
        } catch (const ConfigError& e) {
            fail(origin_, at(off), "invalid unit '" + detail::quote_input(rhs) + "': " + e.what());
        }
    }

    [[noreturn]] void unknown_flag(const std::string& flag, const std::string& allowed) const {
        fail(origin_, at(flags_col_), "unknown flag '" + detail::quote_input(flag) + "'; " + allowed);
    }

    void declare_parameter(std::string_view name, std::size_t off) {
        if (!detail::is_identifier(name))
            fail(origin_, at(off),
                 "'" + detail::quote_input(name) + "' is not a name; a parameter reads 'tau : second'");
        check_name(name, at(off), origin_);
        ParameterDecl p{std::string(name), unit_, false, false, at(off)};
        for (const std::string& f : flags_) {
            if (f == "shared") p.shared = true;
            else if (f == "constant") p.constant = true;
            else unknown_flag(f, "a parameter knows 'shared' and 'constant'");
        }
        eq_.params.push_back(std::move(p));
    }

    void define_ode(std::string_view target, std::size_t off, const Ptr& rhs) {
        const std::size_t slash = target.find('/');
        const std::string_view left = trim(target.substr(0, slash));
        const std::string_view right = trim(target.substr(slash + 1));
        const std::string_view var = left.empty() ? left : trim(left.substr(1));
        if (left.empty() || left.front() != 'd' || right != "dt" || !detail::is_identifier(var))
            fail(origin_, at(off),
                 "'" + detail::quote_input(target) + "' is not a derivative; write 'dv/dt = ...'");
        check_name(var, at(off), origin_);
        OdeSpec ode{std::string(var), rhs, unit_, false, false, at(off)};
        for (const std::string& f : flags_) {
            if (f == "unless refractory") ode.unless_refractory = true;
            else if (f == "event-driven") ode.event_driven = true;
            else if (f == "clock-driven") continue;
            else unknown_flag(f, "an equation knows 'unless refractory', and in synapse models "
                                 "'event-driven' and 'clock-driven'");
        }
        eq_.odes.push_back(std::move(ode));
    }

    std::string_view line_;
    int line_no_;
    const TextOrigin& origin_;
    Equations& eq_;
    Dimension unit_;
    std::vector<std::string> flags_;
    std::size_t flags_col_ = 0;
};

// How much of an expression a message quotes.
constexpr std::size_t k_quoted = 80;

bool is_zero_literal(const Ptr& e) { return e->kind == Kind::constant && e->value == 0.0; }

// Walks a tree bottom-up, computing dimensions and replacing unit names by their values.
class DimensionChecker {
public:
    DimensionChecker(const SymbolDims& symbols, const TextOrigin& origin)
        : symbols_(symbols), origin_(origin) {}

    Checked visit(const Ptr& e) {
        switch (e->kind) {
            case Kind::constant: return {e, dim::none()};
            case Kind::symbol: return symbol(e);
            case Kind::neg: {
                Checked a = visit(e->args[0]);
                return {rebuild(e, {a.expr}), a.dim};
            }
            case Kind::add:
            case Kind::sub: {
                auto [a, b] = operands(e);
                const Dimension d = same(e, a, b, e->kind == Kind::add ? "add" : "subtract");
                return {rebuild(e, {a.expr, b.expr}), d};
            }
            case Kind::mul:
            case Kind::div: {
                auto [a, b] = operands(e);
                Dimension d;
                try {
                    d = e->kind == Kind::mul ? a.dim * b.dim : a.dim / b.dim;
                } catch (const ModelError& overflow) {
                    fail(origin_, e->loc, overflow.what());
                }
                return {rebuild(e, {a.expr, b.expr}), d};
            }
            case Kind::pow: return power(e, e->args[0], e->args[1]);
            case Kind::lt: case Kind::le: case Kind::gt: case Kind::ge: case Kind::eq: case Kind::ne: {
                auto [a, b] = operands(e);
                same(e, a, b, "compare");
                return {rebuild(e, {a.expr, b.expr}), dim::none()};
            }
            case Kind::logical_and:
            case Kind::logical_or:
            case Kind::logical_not: return logical(e);
            case Kind::call: return call(e);
        }
        fail(origin_, e->loc, "unsupported expression node");
    }

private:
    std::pair<Checked, Checked> operands(const Ptr& e) { return {visit(e->args[0]), visit(e->args[1])}; }

    // Same node with new operands; constant operands of arithmetic fold so that `20 ms` is 20.
    static Ptr rebuild(const Ptr& e, std::vector<Ptr> args) {
        const bool all_constant = std::all_of(args.begin(), args.end(), [](const Ptr& a) {
            return a->kind == Kind::constant;
        });
        if (all_constant) {
            switch (e->kind) {
                case Kind::neg: return expr::constant(-args[0]->value, e->loc);
                case Kind::add: return expr::constant(args[0]->value + args[1]->value, e->loc);
                case Kind::sub: return expr::constant(args[0]->value - args[1]->value, e->loc);
                case Kind::mul: {
                    // Dividing by an exact power of ten rounds once: 10 Hz is the double
                    // nearest 0.01.
                    const double b = args[1]->value;
                    const double inverse = std::round(1.0 / b);
                    if (b > 0.0 && b < 1.0 && inverse <= 1e22 && 1.0 / inverse == b)
                        return expr::constant(args[0]->value / inverse, e->loc);
                    return expr::constant(args[0]->value * b, e->loc);
                }
                case Kind::div:
                    if (args[1]->value != 0.0)
                        return expr::constant(args[0]->value / args[1]->value, e->loc);
                    break;
                default: break;
            }
        }
        bool changed = false;
        for (std::size_t k = 0; k < args.size(); ++k) changed = changed || args[k] != e->args[k];
        if (!changed) return e;
        auto n = std::make_shared<expr::Node>(*e);
        n->args = std::move(args);
        return n;
    }

    Checked symbol(const Ptr& e) {
        if (const auto it = symbols_.find(e->name); it != symbols_.end()) return {e, it->second};
        if (const auto it = builtins().find(e->name); it != builtins().end()) return {e, it->second};
        if (is_noise_name(e->name)) fail(origin_, e->loc, noise_outside_ode(e->name));
        if (const Quantity* p = find_parameter(e->name))
            return {expr::constant(p->value, e->loc), p->dim};
        if (const Unit* u = find_unit(e->name)) return {expr::constant(u->value, e->loc), u->dim};
        std::vector<std::string> names = parameter_names();
        for (const auto& [name, d] : symbols_) names.push_back(name);
        for (const auto& [name, d] : builtins()) names.push_back(name);
        std::string hint = detail::closest_name(e->name, names);
        if (!hint.empty()) {
            hint = "; did you mean '" + hint + "'?";
        } else {
            std::vector<std::string> units;
            for (const Unit& u : known_units()) units.emplace_back(u.name);
            hint = detail::closest_name(e->name, units);
            if (!hint.empty()) hint = "; did you mean the unit '" + hint + "'?";
        }
        fail(origin_, e->loc, "unknown identifier '" + e->name + "'" + hint);
    }

    // Operands that must share a dimension; a literal 0 fits any (`v > 0`).
    Dimension same(const Ptr& e, const Checked& a, const Checked& b, const std::string& verb) {
        if (a.dim == b.dim || is_zero_literal(e->args[1])) return a.dim;
        if (is_zero_literal(e->args[0])) return b.dim;
        fail(origin_, e->loc,
             "cannot " + verb + " " + a.dim.to_string() + " and " + b.dim.to_string() + ": '" +
                 expr::to_string(e->args[0], k_quoted) + "' is " + a.dim.to_string() + ", '" +
                 expr::to_string(e->args[1], k_quoted) + "' is " + b.dim.to_string());
    }

    Checked power(const Ptr& e, const Ptr& base_node, const Ptr& exp_node) {
        const Checked base = visit(base_node);
        const Checked ex = visit(exp_node);
        const Ptr out = rebuild(e, {base.expr, ex.expr});
        if (!ex.dim.dimensionless())
            fail(origin_, e->loc,
                 "the exponent '" + expr::to_string(exp_node, k_quoted) + "' must be dimensionless, got " +
                     ex.dim.to_string());
        if (base.dim.dimensionless()) return {out, dim::none()};
        const auto n = expr::try_evaluate(ex.expr, {});
        const auto d = n && std::abs(*n) <= 32 ? base.dim.fractional_pow(*n) : std::nullopt;
        if (!d)
            fail(origin_, e->loc,
                 "'" + expr::to_string(base_node, k_quoted) + "' is " + base.dim.to_string() +
                     ", so its exponent must be a constant whole or half number (from -32 to 32) "
                     "that leaves whole or half exponents of units, got '" +
                     expr::to_string(exp_node, k_quoted) + "'");
        return {out, *d};
    }

    Checked logical(const Ptr& e) {
        std::vector<Ptr> args;
        for (const Ptr& a : e->args) {
            Checked c = visit(a);
            if (!c.dim.dimensionless())
                fail(origin_, e->loc,
                     "'" + expr::to_string(a, k_quoted) + "' is " + c.dim.to_string() +
                         "; 'and', 'or' and 'not' need conditions (comparisons) or plain numbers");
            args.push_back(c.expr);
        }
        return {rebuild(e, std::move(args)), dim::none()};
    }

    Checked call(const Ptr& e) {
        const std::string& f = e->name;
        if (auto c = detail::timed_array_call(e, origin_, [&](const Ptr& a) { return visit(a); })) return *c;
        if (f == "pow" && e->args.size() == 2) return power(e, e->args[0], e->args[1]);
        std::vector<Checked> a;
        std::vector<Ptr> args;
        for (const Ptr& arg : e->args) {
            a.push_back(visit(arg));
            args.push_back(a.back().expr);
        }
        const int arity = expr::function_arity(f);
        if (arity < 0 || static_cast<std::size_t>(arity) != a.size())
            fail(origin_, e->loc, "unknown function '" + f + "' with " + std::to_string(a.size()) +
                                      " arguments");
        Ptr out = rebuild(e, std::move(args));
        if (f == "rand" || f == "randn") return {out, dim::none()};
        if (f == "abs" || f == "floor" || f == "ceil") return {out, a[0].dim};
        if (f == "sign") return {out, dim::none()};
        if (f == "timestep") {
            for (std::size_t k = 0; k < 2; ++k)
                if (!(a[k].dim == dim::time()))
                    fail(origin_, e->loc,
                         "timestep(t, dt) needs two times, got " + a[k].dim.to_string() + " ('" +
                             expr::to_string(e->args[k], k_quoted) + "')");
            return {out, dim::none()};
        }
        if (f == "sqrt") {
            const auto half = a[0].dim.fractional_pow(0.5);
            if (!half)
                fail(origin_, e->loc, "sqrt() of " + a[0].dim.to_string() +
                                          " has no unit (exponents of units are whole or half numbers)");
            return {out, *half};
        }
        if (f == "min" || f == "max" || f == "clip" || f == "where" || f == "uniform" ||
            f == "normal") {
            // where(c, a, b): the condition may be anything, the branches must agree.
            const std::size_t first = f == "where" ? 1 : 0;
            Dimension d = a[first].dim;
            std::size_t d_from = first;
            for (std::size_t k = first; k < a.size(); ++k) {
                if (is_zero_literal(e->args[k]) || a[k].dim == d) continue;
                if (is_zero_literal(e->args[d_from])) {
                    d = a[k].dim;
                    d_from = k;
                    continue;
                }
                fail(origin_, e->loc,
                     f + "() needs arguments of one dimension: '" + expr::to_string(e->args[d_from], k_quoted) +
                         "' is " + d.to_string() + ", '" + expr::to_string(e->args[k], k_quoted) + "' is " +
                         a[k].dim.to_string());
            }
            // uniform(lo, hi) and normal(mu, sigma) are sugar for draws from rand()/randn().
            if (f == "uniform")
                out = expr::add(a[0].expr, expr::mul(expr::sub(a[1].expr, a[0].expr),
                                                     expr::call("rand", {}, e->loc)));
            if (f == "normal")
                out = expr::add(a[0].expr, expr::mul(a[1].expr, expr::call("randn", {}, e->loc)));
            return {out, d};
        }
        // exp, log, log10, expm1, log1p, exprel, int and the trigonometric and hyperbolic
        // functions.
        if (!a[0].dim.dimensionless())
            fail(origin_, e->loc,
                 f + "() needs a dimensionless argument, got " + a[0].dim.to_string() + " ('" +
                     expr::to_string(e->args[0], k_quoted) + "')");
        return {out, dim::none()};
    }

    const SymbolDims& symbols_;
    const TextOrigin& origin_;
};

}  // namespace

Checked check_expression(const expr::Ptr& e, const SymbolDims& symbols, const TextOrigin& origin) {
    return DimensionChecker(symbols, origin).visit(e);
}

namespace detail {

void parse_definition(std::string_view text, int line_no, const TextOrigin& origin,
                      Equations& eq) {
    LineParser(text, line_no, origin, eq).run();
}

}  // namespace detail

SymbolDims symbol_dims(const Equations& eq) {
    SymbolDims out;
    for (const OdeSpec& o : eq.odes) out[o.var] = o.unit;
    for (const SubExpression& s : eq.subs) out[s.name] = s.unit;
    for (const ParameterDecl& p : eq.params) out[p.name] = p.unit;
    return out;
}

Equations check_equations(const Equations& eq, const SymbolDims& extra, const TextOrigin& origin) {
    SymbolDims dims = symbol_dims(eq);
    for (const auto& [name, d] : extra) dims.emplace(name, d);  // the equations' own names win

    // Cycles first: a cycle among sub-expressions is the clearer message.
    for (const SubExpression& s : eq.subs) {
        try {
            inline_subexpressions(expr::symbol(s.name), eq);
        } catch (const ModelError& e) {
            fail(origin, s.loc, e.what());
        }
    }

    // The inlined right-hand sides are what the solvers and backends recurse over.
    for (const OdeSpec& o : eq.odes) {
        try {
            inline_subexpressions(o.rhs, eq);
        } catch (const ModelError& e) {
            fail(origin, o.loc, "d" + o.var + "/dt: " + e.what());
        }
    }

    Equations out = eq;
    for (OdeSpec& o : out.odes) {
        Checked c = check_expression(o.rhs, dims, origin);
        const Dimension expected = o.unit / dim::time();
        if (c.dim != expected)
            fail(origin, o.loc,
                 "d" + o.var + "/dt: the right-hand side is " + c.dim.to_string() + ", expected " +
                     expected.to_string() + " (= the unit of " + o.var + " per second)");
        o.rhs = std::move(c.expr);
    }
    for (SubExpression& s : out.subs) {
        Checked c = check_expression(s.value, dims, origin);
        if (c.dim != s.unit)
            fail(origin, s.loc,
                 s.name + ": the value is " + c.dim.to_string() + ", but the declared unit is " +
                     s.unit.to_string());
        s.value = std::move(c.expr);
    }
    return out;
}

}  // namespace spikegraph
