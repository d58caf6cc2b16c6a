// Symbolic derivatives of expressions (expr::derivative): the product, quotient, power and chain
// rules, memoised on node identity.

#include <numbers>
#include <unordered_map>
#include <unordered_set>

#include "core/expr.hpp"

namespace spikegraph::expr {
namespace {

bool is_constant(const Ptr& e, double v) { return e->kind == Kind::constant && e->value == v; }

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
    if (f == "expm1") return mul(call("exp", {a}), da);
    if (f == "log1p") return div(da, add(constant(1.0), a));
    if (f == "exprel") {
        // (exp(a) (a - 1) + 1) / a^2, as Brian2's exprel.fdiff.
        const Ptr top = add(mul(call("exp", {a}), sub(a, constant(1.0))), constant(1.0));
        return mul(div(top, binary(Kind::pow, a, constant(2.0))), da);
    }
    if (f == "arcsin" || f == "arccos") {
        const Ptr root = call("sqrt", {sub(constant(1.0), binary(Kind::pow, a, constant(2.0)))});
        return f == "arcsin" ? div(da, root) : neg(div(da, root));
    }
    if (f == "arctan") return div(da, add(constant(1.0), binary(Kind::pow, a, constant(2.0))));
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

}  // namespace

namespace {

// Memoised on node identity (inlined sub-expressions and solver stages share sub-trees), as is
// the dependency test each node needs.
struct Differentiator {
    const std::string& name;
    std::unordered_map<const Node*, Ptr> done;
    std::unordered_set<const Node*> independent;

    bool depends(const Ptr& e) { return detail::depends_on_shared(e, name, independent); }

    Ptr d(const Ptr& e) {
        if (auto it = done.find(e.get()); it != done.end()) return it->second;
        Ptr out = differentiate(e);
        done.emplace(e.get(), out);
        return out;
    }

    Ptr power(const Ptr& a, const Ptr& b) {
        const Ptr da = d(a);
        if (!da) return nullptr;
        if (!depends(b)) {
            // d(a^b) = b a^(b-1) da
            const Ptr exponent = sub(b, constant(1.0));
            const Ptr lowered = is_constant(exponent, 1.0) ? a : binary(Kind::pow, a, exponent);
            return mul(mul(b, lowered), da);
        }
        const Ptr db = d(b);
        if (!db) return nullptr;
        // d(a^b) = a^b (db log(a) + b da / a)
        return mul(binary(Kind::pow, a, b),
                   add(mul(db, call("log", {a})), div(mul(b, da), a)));
    }

    Ptr differentiate(const Ptr& e) {
        if (!depends(e)) return constant(0.0);
        const Node& n = *e;
        switch (n.kind) {
            case Kind::constant: return constant(0.0);
            case Kind::symbol: return constant(1.0);
            case Kind::neg: {
                const Ptr da = d(n.args[0]);
                return da ? neg(da) : nullptr;
            }
            case Kind::add:
            case Kind::sub: {
                const Ptr da = d(n.args[0]);
                const Ptr db = d(n.args[1]);
                if (!da || !db) return nullptr;
                return n.kind == Kind::add ? add(da, db) : sub(da, db);
            }
            case Kind::mul: {
                const Ptr da = d(n.args[0]);
                const Ptr db = d(n.args[1]);
                if (!da || !db) return nullptr;
                return add(mul(da, n.args[1]), mul(n.args[0], db));
            }
            case Kind::div: {
                const Ptr& a = n.args[0];
                const Ptr& b = n.args[1];
                const Ptr da = d(a);
                if (!da) return nullptr;
                if (!depends(b)) return div(da, b);
                const Ptr db = d(b);
                if (!db) return nullptr;
                return div(sub(mul(da, b), mul(a, db)), binary(Kind::pow, b, constant(2.0)));
            }
            case Kind::pow: return power(n.args[0], n.args[1]);
            case Kind::lt: case Kind::le: case Kind::gt: case Kind::ge: case Kind::eq: case Kind::ne:
            case Kind::logical_and: case Kind::logical_or: case Kind::logical_not:
                // Piecewise constant: zero wherever it is defined.
                return constant(0.0);
            case Kind::call: {
                if (n.name == "pow" && n.args.size() == 2)
                    return power(n.args[0], n.args[1]);
                if (n.args.size() != 1) return nullptr;
                const Ptr da = d(n.args[0]);
                if (!da) return nullptr;
                return call_derivative(n, n.args[0], da);
            }
        }
        return nullptr;
    }
};

}  // namespace

Ptr derivative(const Ptr& e, const std::string& name) {
    Differentiator diff{name, {}, {}};
    return diff.d(e);
}

}  // namespace spikegraph::expr
