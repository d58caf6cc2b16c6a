#include "builder/synapse_model.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"

namespace spikegraph::detail {

namespace {

bool is_zero(const expr::Ptr& e) { return e->kind == expr::Kind::constant && e->value == 0.0; }

// The first symbol of `e` that is not in `allowed`, or "".
std::string foreign_symbol(const expr::Ptr& e, const std::set<std::string>& allowed) {
    std::vector<std::string> used;
    expr::collect_symbols(e, used);
    for (const auto& s : used)
        if (!allowed.count(s)) return s;
    return {};
}

}  // namespace

expr::Ptr scaled_trace_factor(const std::string& var, double rate, bool inverse) {
    const expr::Ptr since = expr::sub(expr::symbol("t"), expr::symbol(var + "@ref"));
    return expr::call("exp", {expr::mul(expr::constant(inverse ? -rate : rate), since)});
}

expr::Ptr event_driven_closed_form(const std::string& var, const expr::Ptr& rhs,
                                   const std::set<std::string>& constants,
                                   const TextOrigin& origin, expr::SourceLoc loc) {
    // rhs = a * var + b: a is its derivative by var, b its value at var = 0.
    const expr::Ptr a = expr::simplify(expr::derivative(rhs, var));
    const expr::Ptr b = expr::simplify(expr::substitute(rhs, {var}, {expr::constant(0.0)}));
    for (const expr::Ptr& coefficient : {a, b}) {
        const std::string bad = foreign_symbol(coefficient, constants);
        if (bad.empty() && !expr::uses_random(coefficient)) continue;
        const std::string why =
            bad == var ? fmt::format("it is not linear in '{}'", var)
            : bad.empty() ? "it draws random numbers"
                          : fmt::format("its coefficients depend on '{}', which is not a number "
                                        "or a shared parameter of the synapse model", bad);
        throw ModelError(located(origin, loc, fmt::format(
            "d{0}/dt = {1} cannot be (event-driven): {2}. An event-driven equation must read "
            "d{0}/dt = a * {0} + b with a and b numbers or shared parameters (it is then solved "
            "exactly between events); flag it (clock-driven) to integrate it every step instead",
            var, expr::to_string(rhs, 80), why)));
    }
    // The time since the last event.
    const expr::Ptr elapsed = expr::sub(expr::symbol("t"), expr::symbol("lastupdate"));
    const expr::Ptr x = expr::symbol(var);
    if (is_zero(a)) return expr::simplify(expr::add(x, expr::mul(b, elapsed)));
    const expr::Ptr decay = expr::call("exp", {expr::mul(a, elapsed)});
    if (is_zero(b)) return expr::mul(x, decay);
    // x(t) = (x0 + b/a) e^(a T) - b/a.
    const expr::Ptr fixed = expr::div(b, a);
    return expr::sub(expr::mul(expr::add(x, fixed), decay), fixed);
}

void FoldedStatements::apply(const std::string& target, Statement::Op op,
                             const expr::Ptr& value) {
    const expr::Ptr v = resolve(value);
    const expr::Ptr old = current(target);
    expr::Ptr next;
    switch (op) {
        case Statement::Op::assign: next = v; break;
        case Statement::Op::add: next = expr::add(old, v); break;
        case Statement::Op::sub: next = expr::sub(old, v); break;
        case Statement::Op::mul: next = expr::mul(old, v); break;
        case Statement::Op::div: next = expr::div(old, v); break;
    }
    const bool adds = op == Statement::Op::add || op == Statement::Op::sub;
    // An addition that reads the target itself is no longer a pure accumulation.
    const bool reads_itself = expr::depends_on(value, target);
    auto it = only_added.find(target);
    if (it == only_added.end()) {
        only_added[target] = adds && !reads_itself;
        targets.push_back(target);
        values.push_back(next);
        return;
    }
    it->second = it->second && adds && !reads_itself;
    for (std::size_t k = 0; k < targets.size(); ++k)
        if (targets[k] == target) values[k] = next;
}

expr::Ptr FoldedStatements::current(const std::string& symbol) const {
    for (std::size_t k = 0; k < targets.size(); ++k)
        if (targets[k] == symbol) return values[k];
    for (std::size_t k = 0; k < alias_names.size(); ++k)
        if (alias_names[k] == symbol) return alias_values[k];
    return expr::symbol(symbol);
}

expr::Ptr FoldedStatements::resolve(const expr::Ptr& e) const {
    if (targets.empty() && alias_names.empty()) return e;
    std::vector<std::string> names = targets;
    std::vector<expr::Ptr> with = values;
    for (std::size_t k = 0; k < alias_names.size(); ++k)
        if (std::find(targets.begin(), targets.end(), alias_names[k]) == targets.end()) {
            names.push_back(alias_names[k]);
            with.push_back(alias_values[k]);
        }
    return expr::substitute(e, names, with);
}

}  // namespace spikegraph::detail
