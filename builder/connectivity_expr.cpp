#include "builder/connectivity_expr.hpp"

#include <map>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include <spikegraph/error.hpp>
#include "builder/initializers.hpp"
#include "builder/pair_expression.hpp"
#include "builder/plan_builder.hpp"
#include "builder/values.hpp"
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "frontend/config_location.hpp"

namespace spikegraph::detail {

namespace {

bool is_boolean(const expr::Ptr& e) {
    using K = expr::Kind;
    switch (e->kind) {
        case K::lt: case K::le: case K::gt: case K::ge: case K::eq: case K::ne:
        case K::logical_and: case K::logical_or: case K::logical_not: return true;
        default: return false;
    }
}

// The names a connectivity expression may use besides parameters and units: i, j and every
// variable of the pre and post groups with its suffix, and where their values come from.
class PairScope {
public:
    PairScope(const PairGroups& g, const Plan& plan) : groups_(g), plan_(plan) {
        dims_ = {{"i", dim::none()}, {"j", dim::none()}};
        if (g.pre)
            for (const auto& v : g.pre->variables) dims_[v.name + "_pre"] = v.dim;
        for (const auto& v : g.post->variables) dims_[v.name + "_post"] = v.dim;
    }

    const SymbolDims& dims() const { return dims_; }

    PairExpression::Source source(const std::string& name) {
        using Kind = PairExpression::Source::Kind;
        if (name == "i") return {Kind::i, nullptr};
        if (name == "j") return {Kind::j, nullptr};
        const bool pre = name.ends_with("_pre");
        const BuiltGroup* g = pre ? groups_.pre : groups_.post;
        const std::string var = name.substr(0, name.size() - (pre ? 4 : 5));
        const GroupVariable* gv = g->find(var);
        const VariableSpec* spec = gv ? plan_.find_variable(gv->var) : nullptr;
        if (!spec) throw BuildError("connectivity: group '" + g->name + "' has no variable '" + var + "'");
        auto& values = cache_[gv->var];
        if (!values) {
            values = std::make_shared<const std::vector<double>>(initial_values(*spec, plan_.seed));
        }
        return {pre ? Kind::pre : Kind::post, values};
    }

private:
    const PairGroups& groups_;
    const Plan& plan_;
    SymbolDims dims_;
    std::map<std::string, std::shared_ptr<const std::vector<double>>> cache_;
};

struct Parsed {
    ParsedValue value;
    TextOrigin origin;
};

Parsed parse(const ValueSpec& v, const TextOrigin& fallback, const PairScope& scope,
             const char* what) {
    Parsed p{parse_value(v, fallback, scope.dims()), origin_of(v, fallback)};
    if (expr::uses_random(p.value.expr))
        throw config_error_at(p.origin, fmt::format(
            "the {} calls a random function; the rule draws for each pair itself (give the "
            "probability as p)", what));
    return p;
}

}  // namespace

PairFunctions pair_functions(Connectivity& rule, const PairGroups& groups, const Plan& plan,
                             const TextOrigin& origin, const std::string& key) {
    using Rule = Connectivity::Rule;
    PairFunctions out;
    if (rule.condition.empty() && rule.probability.empty()) return out;
    PairScope scope(groups, plan);
    const auto compile = [&](const expr::Ptr& e) {
        return std::make_shared<const PairExpression>(
            e, [&](const std::string& name) { return scope.source(name); }, groups.pre_begin,
            groups.post_begin);
    };
    if (!rule.condition.empty()) {
        const TextOrigin fallback = with_key(origin, key + ".connectivity.condition");
        if (rule.rule != Rule::all_to_all && rule.rule != Rule::fixed_probability)
            throw config_error_at(origin_of(rule.condition, fallback),
                                  "a condition applies to the rules all_to_all and "
                                  "fixed_probability only");
        const Parsed c = parse(rule.condition, fallback, scope, "condition");
        if (!is_boolean(c.value.expr))
            throw config_error_at(c.origin, fmt::format(
                "the condition '{}' is not true or false; write a comparison (i != j, "
                "abs(x_pre - x_post) < 100 um), or several joined by and / or",
                quote_input(rule.condition.text)));
        if (c.value.constant) {
            // The same for every pair: all of them or none.
            if (*c.value.constant == 0.0) out.condition = [](std::size_t, std::size_t) { return false; };
        } else {
            auto f = compile(c.value.expr);
            out.condition = [f](std::size_t row, std::size_t col) {
                thread_local std::vector<double> stack;
                return (*f)(row, col, stack) != 0.0;
            };
        }
    }
    if (!rule.probability.empty()) {
        const TextOrigin fallback = with_key(origin, key + ".connectivity.p");
        if (rule.rule != Rule::fixed_probability)
            throw config_error_at(origin_of(rule.probability, fallback),
                                  "a probability expression applies to the rule "
                                  "fixed_probability only");
        const Parsed p = parse(rule.probability, fallback, scope, "probability");
        expect_dimension(p.value, dim::none(), rule.probability, fallback, fallback.key);
        const std::string text = quote_input(rule.probability.text);
        if (p.value.constant) {
            if (!(*p.value.constant >= 0.0 && *p.value.constant <= 1.0))
                throw config_error_at(p.origin, fmt::format(
                    "p = {} (\"{}\") is not a probability in [0, 1]", *p.value.constant, text));
            rule.p = *p.value.constant;
        } else {
            auto f = compile(p.value.expr);
            const TextOrigin po = p.origin;
            const std::size_t pre_begin = groups.pre_begin, post_begin = groups.post_begin;
            out.probability = [f, po, text, pre_begin, post_begin](std::size_t row,
                                                                    std::size_t col) {
                thread_local std::vector<double> stack;
                const double v = (*f)(row, col, stack);
                if (!(v >= 0.0 && v <= 1.0))
                    throw config_error_at(po, fmt::format(
                        "p = \"{}\" is {} for the pair i = {}, j = {}: not a probability in "
                        "[0, 1] (clip(..., 0, 1) bounds it)",
                        text, v, pre_begin + row, post_begin + col));
                return v;
            };
        }
    }
    return out;
}

}  // namespace spikegraph::detail
