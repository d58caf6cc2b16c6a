#include "core/expr.hpp"

#include <unordered_map>

#include <charconv>
#include <cmath>
#include <numbers>

namespace spikegraph::expr {
namespace {

bool is_constant(const Ptr& e, double v) { return e->kind == Kind::constant && e->value == v; }
bool is_constant(const Ptr& e) { return e->kind == Kind::constant; }

// Binding strength for printing, Python-like: `-x**2` is -(x**2), `not` binds looser than
// comparisons.
int precedence(const Node& n) {
    switch (n.kind) {
        case Kind::constant: return n.value < 0 ? 7 : 9;  // "-3" reads like a negation
        case Kind::symbol:
        case Kind::call: return 9;
        case Kind::pow: return 8;
        case Kind::neg: return 7;
        case Kind::mul:
        case Kind::div: return 6;
        case Kind::add:
        case Kind::sub: return 5;
        case Kind::lt: case Kind::le: case Kind::gt: case Kind::ge: case Kind::eq: case Kind::ne:
            return 4;
        case Kind::logical_not: return 3;
        case Kind::logical_and: return 2;
        case Kind::logical_or: return 1;
    }
    return 0;
}

const char* operator_text(Kind k) {
    switch (k) {
        case Kind::add: return " + ";
        case Kind::sub: return " - ";
        case Kind::mul: return " * ";
        case Kind::div: return " / ";
        case Kind::pow: return "**";
        case Kind::lt: return " < ";
        case Kind::le: return " <= ";
        case Kind::gt: return " > ";
        case Kind::ge: return " >= ";
        case Kind::eq: return " == ";
        case Kind::ne: return " != ";
        case Kind::logical_and: return " and ";
        case Kind::logical_or: return " or ";
        default: return " ? ";
    }
}

std::string number_text(double v) {
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc{} ? std::string(buf, end) : std::string("nan");
}

std::string wrap(const Ptr& e, bool parens) {
    return parens ? "(" + to_string(e) + ")" : to_string(e);
}

// Derivative of a one-argument call with respect to its argument, times `da`.
Ptr call_derivative(const Node& n, const Ptr& a, const Ptr& da) {
    const std::string& f = n.name;
    if (f == "exp") return mul(call("exp", {a}), da);
    if (f == "log") return div(da, a);
    if (f == "log10") return div(da, mul(a, constant(std::numbers::ln10)));
    if (f == "sqrt") return div(da, mul(constant(2.0), call("sqrt", {a})));
    if (f == "sin") return mul(call("cos", {a}), da);
    if (f == "cos") return neg(mul(call("sin", {a}), da));
    if (f == "tan") return div(da, binary(Kind::pow, call("cos", {a}), constant(2.0)));
    if (f == "tanh")
        return mul(sub(constant(1.0), binary(Kind::pow, call("tanh", {a}), constant(2.0))), da);
    if (f == "sinh") return mul(call("cosh", {a}), da);
    if (f == "cosh") return mul(call("sinh", {a}), da);
    if (f == "abs") {
        // sign(a) written with comparisons, which every backend has.
        const Ptr sign = binary(Kind::sub, binary(Kind::gt, a, constant(0.0)),
                                binary(Kind::lt, a, constant(0.0)));
        return mul(sign, da);
    }
    return nullptr;
}

Ptr pow_derivative(const Ptr& a, const Ptr& b, const std::string& name) {
    const Ptr da = derivative(a, name);
    if (!da) return nullptr;
    if (!depends_on(b, name)) {
        // d(a^b) = b a^(b-1) da
        const Ptr exponent = sub(b, constant(1.0));
        const Ptr power = is_constant(exponent, 1.0) ? a : binary(Kind::pow, a, exponent);
        return mul(mul(b, power), da);
    }
    const Ptr db = derivative(b, name);
    if (!db) return nullptr;
    // d(a^b) = a^b (db log(a) + b da / a)
    return mul(binary(Kind::pow, a, b),
               add(mul(db, call("log", {a})), div(mul(b, da), a)));
}

}  // namespace

Ptr constant(double value, SourceLoc loc) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::constant;
    n->value = value;
    n->loc = loc;
    return n;
}

Ptr symbol(std::string name, SourceLoc loc) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::symbol;
    n->name = std::move(name);
    n->loc = loc;
    return n;
}

Ptr unary(Kind kind, Ptr a, SourceLoc loc) {
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->args = {std::move(a)};
    n->loc = loc;
    return n;
}

Ptr binary(Kind kind, Ptr a, Ptr b, SourceLoc loc) {
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->args = {std::move(a), std::move(b)};
    n->loc = loc;
    return n;
}

Ptr call(std::string name, std::vector<Ptr> args, SourceLoc loc) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::call;
    n->name = std::move(name);
    n->args = std::move(args);
    n->loc = loc;
    return n;
}

Ptr add(Ptr a, Ptr b) {
    if (is_constant(a) && is_constant(b)) return constant(a->value + b->value, a->loc);
    if (is_constant(a, 0.0)) return b;
    if (is_constant(b, 0.0)) return a;
    const SourceLoc loc = a->loc;
    return binary(Kind::add, std::move(a), std::move(b), loc);
}

Ptr sub(Ptr a, Ptr b) {
    if (is_constant(a) && is_constant(b)) return constant(a->value - b->value, a->loc);
    if (is_constant(b, 0.0)) return a;
    if (is_constant(a, 0.0)) return neg(std::move(b));
    const SourceLoc loc = a->loc;
    return binary(Kind::sub, std::move(a), std::move(b), loc);
}

Ptr mul(Ptr a, Ptr b) {
    if (is_constant(a) && is_constant(b)) return constant(a->value * b->value, a->loc);
    if (is_constant(a, 0.0) || is_constant(b, 0.0)) return constant(0.0, a->loc);
    if (is_constant(a, 1.0)) return b;
    if (is_constant(b, 1.0)) return a;
    if (is_constant(a, -1.0)) return neg(std::move(b));
    if (is_constant(b, -1.0)) return neg(std::move(a));
    const SourceLoc loc = a->loc;
    return binary(Kind::mul, std::move(a), std::move(b), loc);
}

Ptr div(Ptr a, Ptr b) {
    if (is_constant(a) && is_constant(b) && b->value != 0.0)
        return constant(a->value / b->value, a->loc);
    if (is_constant(b, 1.0)) return a;
    const SourceLoc loc = a->loc;
    return binary(Kind::div, std::move(a), std::move(b), loc);
}

Ptr neg(Ptr a) {
    if (is_constant(a)) return constant(-a->value, a->loc);
    if (a->kind == Kind::neg) return a->args[0];
    const SourceLoc loc = a->loc;
    return unary(Kind::neg, std::move(a), loc);
}

Ptr rebuild_folded(const Ptr& e, std::vector<Ptr> a);

namespace {

// Memoised on node identity: solver output shares sub-trees heavily (RK4 nests each stage in the
// next), and a plain recursion would visit a shared node once per path to it.
Ptr simplify_shared(const Ptr& e, std::unordered_map<const Node*, Ptr>& done) {
    if (e->args.empty()) return e;
    if (auto it = done.find(e.get()); it != done.end()) return it->second;
    std::vector<Ptr> a;
    a.reserve(e->args.size());
    for (const Ptr& x : e->args) a.push_back(simplify_shared(x, done));
    Ptr out = rebuild_folded(e, std::move(a));
    done.emplace(e.get(), out);
    return out;
}

}  // namespace

Ptr simplify(const Ptr& e) {
    std::unordered_map<const Node*, Ptr> done;
    return simplify_shared(e, done);
}

Ptr rebuild_folded(const Ptr& e, std::vector<Ptr> a) {
    switch (e->kind) {
        case Kind::add: return add(a[0], a[1]);
        case Kind::sub: return sub(a[0], a[1]);
        case Kind::mul: return mul(a[0], a[1]);
        case Kind::div:
            if (is_constant(a[0], 0.0)) return a[0];
            return div(a[0], a[1]);
        case Kind::neg: return neg(a[0]);
        default: break;
    }
    bool changed = false;
    for (std::size_t k = 0; k < a.size(); ++k) changed = changed || a[k] != e->args[k];
    if (!changed) return e;
    auto n = std::make_shared<Node>(*e);
    n->args = std::move(a);
    return n;
}

Ptr substitute(const Ptr& e, const std::vector<std::string>& names, const std::vector<Ptr>& with) {
    if (e->kind == Kind::symbol) {
        for (std::size_t k = 0; k < names.size() && k < with.size(); ++k)
            if (names[k] == e->name) return with[k];
        return e;
    }
    if (e->args.empty()) return e;
    std::vector<Ptr> args;
    args.reserve(e->args.size());
    bool changed = false;
    for (const Ptr& a : e->args) {
        args.push_back(substitute(a, names, with));
        changed = changed || args.back() != a;
    }
    if (!changed) return e;
    auto n = std::make_shared<Node>(*e);
    n->args = std::move(args);
    return n;
}

bool depends_on(const Ptr& e, const std::string& name) {
    if (e->kind == Kind::symbol) return e->name == name;
    for (const Ptr& a : e->args)
        if (depends_on(a, name)) return true;
    return false;
}

void collect_symbols(const Ptr& e, std::vector<std::string>& out) {
    if (e->kind == Kind::symbol) {
        for (const std::string& s : out)
            if (s == e->name) return;
        out.push_back(e->name);
        return;
    }
    for (const Ptr& a : e->args) collect_symbols(a, out);
}

bool uses_random(const Ptr& e) {
    if (e->kind == Kind::call && (e->name == "rand" || e->name == "randn")) return true;
    for (const Ptr& a : e->args)
        if (uses_random(a)) return true;
    return false;
}

std::string to_string(const Ptr& e) {
    const Node& n = *e;
    const int p = precedence(n);
    switch (n.kind) {
        case Kind::constant: return number_text(n.value);
        case Kind::symbol: return n.name;
        case Kind::call: {
            std::string out = n.name + "(";
            for (std::size_t k = 0; k < n.args.size(); ++k) {
                if (k > 0) out += ", ";
                out += to_string(n.args[k]);
            }
            return out + ")";
        }
        // Appending (not "-" + ...) sidesteps GCC 12's false -Wrestrict on operator+ (PR 105651).
        case Kind::neg: return std::string("-").append(wrap(n.args[0], precedence(*n.args[0]) <= p));
        case Kind::logical_not:
            return std::string("not ").append(wrap(n.args[0], precedence(*n.args[0]) < p));
        case Kind::pow:
            // Right-associative: a**b**c is a**(b**c), so only the left side needs equal-level
            // parentheses.
            return wrap(n.args[0], precedence(*n.args[0]) <= p) + "**" +
                   wrap(n.args[1], precedence(*n.args[1]) < p);
        default: {
            // Comparisons do not chain, and the right operand of a left-associative operator
            // needs parentheses at equal precedence (a - (b - c)).
            const bool chained_left = p == 4;
            return wrap(n.args[0], precedence(*n.args[0]) < p || (chained_left &&
                                                                   precedence(*n.args[0]) == p)) +
                   operator_text(n.kind) + wrap(n.args[1], precedence(*n.args[1]) <= p);
        }
    }
}

Ptr derivative(const Ptr& e, const std::string& name) {
    if (!depends_on(e, name)) return constant(0.0);
    const Node& n = *e;
    switch (n.kind) {
        case Kind::constant: return constant(0.0);
        case Kind::symbol: return constant(1.0);
        case Kind::neg: {
            const Ptr da = derivative(n.args[0], name);
            return da ? neg(da) : nullptr;
        }
        case Kind::add:
        case Kind::sub: {
            const Ptr da = derivative(n.args[0], name);
            const Ptr db = derivative(n.args[1], name);
            if (!da || !db) return nullptr;
            return n.kind == Kind::add ? add(da, db) : sub(da, db);
        }
        case Kind::mul: {
            const Ptr da = derivative(n.args[0], name);
            const Ptr db = derivative(n.args[1], name);
            if (!da || !db) return nullptr;
            return add(mul(da, n.args[1]), mul(n.args[0], db));
        }
        case Kind::div: {
            const Ptr& a = n.args[0];
            const Ptr& b = n.args[1];
            const Ptr da = derivative(a, name);
            if (!da) return nullptr;
            if (!depends_on(b, name)) return div(da, b);
            const Ptr db = derivative(b, name);
            if (!db) return nullptr;
            return div(sub(mul(da, b), mul(a, db)), binary(Kind::pow, b, constant(2.0)));
        }
        case Kind::pow: return pow_derivative(n.args[0], n.args[1], name);
        case Kind::lt: case Kind::le: case Kind::gt: case Kind::ge: case Kind::eq: case Kind::ne:
        case Kind::logical_and: case Kind::logical_or: case Kind::logical_not:
            // Piecewise constant: zero wherever it is defined.
            return constant(0.0);
        case Kind::call: {
            if (n.name == "pow" && n.args.size() == 2)
                return pow_derivative(n.args[0], n.args[1], name);
            if (n.args.size() != 1) return nullptr;
            const Ptr da = derivative(n.args[0], name);
            if (!da) return nullptr;
            return call_derivative(n, n.args[0], da);
        }
    }
    return nullptr;
}

}  // namespace spikegraph::expr
