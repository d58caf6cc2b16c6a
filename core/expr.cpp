#include "core/expr.hpp"

#include <charconv>
#include <cmath>
#include <unordered_map>
#include <unordered_set>
#include <utility>

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

// Appends the text of `e` to `out`, giving up once `out` holds `max_chars`.
void print(const Ptr& e, std::string& out, std::size_t max_chars);

void print_wrapped(const Ptr& e, bool parens, std::string& out, std::size_t max_chars) {
    if (parens) out += '(';
    print(e, out, max_chars);
    if (parens) out += ')';
}

void print(const Ptr& e, std::string& out, std::size_t max_chars) {
    if (out.size() >= max_chars) return;
    const Node& n = *e;
    const int p = precedence(n);
    switch (n.kind) {
        case Kind::constant: out += number_text(n.value); return;
        case Kind::symbol: out += n.name; return;
        case Kind::call:
            out += n.name;
            out += '(';
            for (std::size_t k = 0; k < n.args.size(); ++k) {
                if (k > 0) out += ", ";
                print(n.args[k], out, max_chars);
            }
            out += ')';
            return;
        case Kind::neg:
            out += '-';
            print_wrapped(n.args[0], precedence(*n.args[0]) <= p, out, max_chars);
            return;
        case Kind::logical_not:
            out += "not ";
            print_wrapped(n.args[0], precedence(*n.args[0]) < p, out, max_chars);
            return;
        case Kind::pow:
            // Right-associative: a**b**c is a**(b**c), so only the left side needs equal-level
            // parentheses.
            print_wrapped(n.args[0], precedence(*n.args[0]) <= p, out, max_chars);
            out += "**";
            print_wrapped(n.args[1], precedence(*n.args[1]) < p, out, max_chars);
            return;
        default: {
            // Comparisons do not chain, and the right operand of a left-associative operator
            // needs parentheses at equal precedence (a - (b - c)).
            const bool chained_left = p == 4;
            const int left = precedence(*n.args[0]);
            print_wrapped(n.args[0], left < p || (chained_left && left == p), out, max_chars);
            out += operator_text(n.kind);
            print_wrapped(n.args[1], precedence(*n.args[1]) <= p, out, max_chars);
        }
    }
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

namespace {

using Rewritten = std::unordered_map<const Node*, Ptr>;

Ptr substitute_shared(const Ptr& e, const std::vector<std::string>& names,
                      const std::vector<Ptr>& with, Rewritten& done) {
    if (e->kind == Kind::symbol) {
        for (std::size_t k = 0; k < names.size() && k < with.size(); ++k)
            if (names[k] == e->name) return with[k];
        return e;
    }
    if (e->args.empty()) return e;
    if (auto it = done.find(e.get()); it != done.end()) return it->second;
    std::vector<Ptr> args;
    args.reserve(e->args.size());
    bool changed = false;
    for (const Ptr& a : e->args) {
        args.push_back(substitute_shared(a, names, with, done));
        changed = changed || args.back() != a;
    }
    Ptr out = e;
    if (changed) {
        auto n = std::make_shared<Node>(*e);
        n->args = std::move(args);
        out = std::move(n);
    }
    done.emplace(e.get(), out);
    return out;
}


void collect_shared(const Ptr& e, std::vector<std::string>& out,
                    std::unordered_set<const Node*>& seen) {
    if (e->kind == Kind::symbol) {
        for (const std::string& s : out)
            if (s == e->name) return;
        out.push_back(e->name);
        return;
    }
    if (e->args.empty() || !seen.insert(e.get()).second) return;
    for (const Ptr& a : e->args) collect_shared(a, out, seen);
}

bool uses_random_shared(const Ptr& e, std::unordered_set<const Node*>& clear) {
    if (e->kind == Kind::call && (e->name == "rand" || e->name == "randn")) return true;
    if (e->args.empty() || clear.count(e.get()) != 0) return false;
    for (const Ptr& a : e->args)
        if (uses_random_shared(a, clear)) return true;
    clear.insert(e.get());
    return false;
}

}  // namespace

namespace detail {

bool depends_on_shared(const Ptr& e, const std::string& name,
                       std::unordered_set<const Node*>& clear) {
    if (e->kind == Kind::symbol) return e->name == name;
    if (e->args.empty() || clear.count(e.get()) != 0) return false;
    for (const Ptr& a : e->args)
        if (depends_on_shared(a, name, clear)) return true;
    clear.insert(e.get());
    return false;
}

}  // namespace detail

Ptr substitute(const Ptr& e, const std::vector<std::string>& names, const std::vector<Ptr>& with) {
    Rewritten done;
    return substitute_shared(e, names, with, done);
}

bool depends_on(const Ptr& e, const std::string& name) {
    std::unordered_set<const Node*> clear;
    return detail::depends_on_shared(e, name, clear);
}

void collect_symbols(const Ptr& e, std::vector<std::string>& out) {
    std::unordered_set<const Node*> seen;
    collect_shared(e, out, seen);
}

bool uses_random(const Ptr& e) {
    std::unordered_set<const Node*> clear;
    return uses_random_shared(e, clear);
}

std::size_t depth(const Ptr& e) {
    // Post-order with an explicit stack: the input may be deeper than any recursion could go.
    std::unordered_map<const Node*, std::size_t> levels;
    std::vector<std::pair<const Node*, bool>> stack = {{e.get(), false}};
    while (!stack.empty()) {
        auto [n, expanded] = stack.back();
        stack.pop_back();
        if (levels.count(n) != 0) continue;
        if (!expanded) {
            stack.emplace_back(n, true);
            for (const Ptr& a : n->args)
                if (levels.count(a.get()) == 0) stack.emplace_back(a.get(), false);
            continue;
        }
        std::size_t deepest = 0;
        for (const Ptr& a : n->args) deepest = std::max(deepest, levels.at(a.get()));
        levels.emplace(n, deepest + 1);
    }
    return levels.at(e.get());
}

std::size_t node_count(const Ptr& e) {
    std::unordered_set<const Node*> seen = {e.get()};
    std::vector<const Node*> stack = {e.get()};
    while (!stack.empty()) {
        const Node* n = stack.back();
        stack.pop_back();
        for (const Ptr& a : n->args)
            if (seen.insert(a.get()).second) stack.push_back(a.get());
    }
    return seen.size();
}

namespace {

struct PairHash {
    std::size_t operator()(const std::pair<const Node*, const Node*>& p) const {
        return std::hash<const Node*>()(p.first) * 31 + std::hash<const Node*>()(p.second);
    }
};
using EqualPairs = std::unordered_set<std::pair<const Node*, const Node*>, PairHash>;

bool equal_shared(const Ptr& a, const Ptr& b, EqualPairs& same) {
    if (a == b) return true;
    if (a->kind != b->kind || a->args.size() != b->args.size() || a->name != b->name) return false;
    if (a->kind == Kind::constant)
        return a->value == b->value && std::signbit(a->value) == std::signbit(b->value);
    if (same.count({a.get(), b.get()}) != 0) return true;
    for (std::size_t k = 0; k < a->args.size(); ++k)
        if (!equal_shared(a->args[k], b->args[k], same)) return false;
    same.insert({a.get(), b.get()});
    return true;
}

}  // namespace

bool equal(const Ptr& a, const Ptr& b) {
    EqualPairs same;
    return equal_shared(a, b, same);
}

std::string to_string(const Ptr& e) {
    std::string out;
    print(e, out, std::string::npos);
    return out;
}

std::string to_string(const Ptr& e, std::size_t max_chars) {
    std::string out;
    print(e, out, max_chars);
    if (out.size() > max_chars) {
        out.resize(max_chars);
        out += "...";
    }
    return out;
}

}  // namespace spikegraph::expr
