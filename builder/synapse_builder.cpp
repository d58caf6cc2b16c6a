// The builder's part for synapse models (Brian's Synapses with equations of their own): the
// per-synapse variables, the on_pre and on_post pathways, the clock-driven update and the summed
// variables. docs/plasticity.md describes the language and the step semantics.

#include <algorithm>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "builder/plan_builder.hpp"
#include "builder/solvers/solvers.hpp"
#include "builder/synapse_model.hpp"
#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "frontend/config_location.hpp"
#include "frontend/expression_parser.hpp"
#include "frontend/synapse_library.hpp"

namespace spikegraph::detail {

namespace {

// Names the plan uses for a connection's own arrays: a model variable cannot take them.
const std::set<std::string>& reserved_synapse_names() {
    static const std::set<std::string> names = {
        "lastupdate", "indptr", "indices", "pre_index", "post_indptr", "post_synapses", "weight",
        "delay", "pre_order", "pre_delay", "post_order", "post_delay", "i", "j", "t", "dt", "N"};
    return names;
}


// A `x_pre` or `x_post` in `e` that the pre or post group lacks: the error names the group
// and what it has (check_expression would only say "unknown identifier").
void check_neuron_names(const expr::Ptr& e, const SymbolDims& known, const std::string& pre,
                        const std::string& post, const std::vector<std::string>& pre_names,
                        const std::vector<std::string>& post_names, const TextOrigin& origin,
                        expr::SourceLoc loc) {
    std::vector<std::string> used;
    expr::collect_symbols(e, used);
    for (const auto& s : used) {
        if (known.count(s)) continue;
        const bool is_post = has_suffix(s, "_post");
        if (!is_post && !has_suffix(s, "_pre")) continue;
        const std::string var = s.substr(0, s.size() - (is_post ? 5 : 4));
        const std::vector<std::string>& names = is_post ? post_names : pre_names;
        throw detail::config_error_at(origin, loc, fmt::format(
            "'{}': the {} group '{}' has no variable '{}'{}; {}", s, is_post ? "post" : "pre",
            is_post ? post : pre, var, did_you_mean(var, names),
            names.empty() ? "it is an input, without variables"
                          : fmt::format("its variables: {}", fmt::join(names, ", "))));
    }
}

}  // namespace

std::string pathway_text(const Connection& c, bool pre) {
    const auto blank = [](const std::string& t) {
        return t.find_first_not_of(" \t\r\n;") == std::string::npos;
    };
    const std::string& text = pre ? c.on_pre.text : c.on_post.text;
    if (!blank(text)) return text;
    return pre && !c.target.empty() ? c.target + " += w" : std::string();
}

bool PlanBuilder::is_synapse_model(const Connection& c) const {
    if (!c.model.empty() || !c.on_post.empty() || !c.plasticity.empty() ||
        !c.post_delay.empty() || !c.values.empty())
        return true;
    if (c.on_pre.empty()) return false;
    // Statements beyond `X += f(w)` over the post group's state need the general pathway.
    const auto dst = groups_.find(c.post.group);
    if (dst == groups_.end()) return false;  // wire() reports the unknown group
    std::vector<Statement> statements;
    try {
        statements = parse_statements(c.on_pre.text, origin_of(c.on_pre, c.origin));
    } catch (const ModelError&) {
        return false;  // the static path reports it, located
    }
    for (const auto& st : statements) {
        if (st.op != Statement::Op::add && st.op != Statement::Op::sub) return true;
        const GroupVariable* target = dst->second.find(st.target);
        if (!target || !target->state) return true;
        std::vector<std::string> used;
        expr::collect_symbols(st.value, used);
        for (const auto& s : used) {
            const GroupVariable* v = dst->second.find(s);
            if (s != "w" && !(v && v->shared) && !find_unit(s)) return true;
        }
        if (expr::uses_random(st.value)) return true;
    }
    return false;
}

// The summed variables of every connection: post group -> its variables set by a sum, each
// written by one connection only.
std::map<std::string, std::set<std::string>> PlanBuilder::summed_targets() const {
    std::map<std::string, std::set<std::string>> out;
    std::map<std::string, std::string> writer;  // "group.var" -> connection
    for (const Connection& c0 : net_.connections) {
        if (c0.model.empty() && c0.plasticity.empty()) continue;
        const Connection c = expand_plasticity(c0);
        const TextOrigin mo = origin_of(c.model, rekeyed(c.origin,
                                                         "connections." + c.name + ".model"));
        const Equations eq = parse_equations(c.model.text, mo);
        for (const auto& sub : eq.subs) {
            if (!sub.summed) continue;
            const std::string var = summed_post_variable(sub.name);
            const std::string key = c.post.group + "." + var;
            const auto [it, fresh] = writer.emplace(key, c.name);
            if (!fresh)
                throw ModelError(located(mo, sub.loc, fmt::format(
                    "'{}' of group '{}' is already a summed variable of connection '{}'; a "
                    "variable can be the sum of one connection only: sum into a variable of its "
                    "own per connection ({}_{}) and add them in the group's equations",
                    var, c.post.group, it->second, var, c.name)));
            out[c.post.group].insert(var);
        }
    }
    return out;
}

// Resolves every name the model's text may use and the symbol it stands for in the plan.
PlanBuilder::SynapseScope PlanBuilder::synapse_scope(const Wiring& w, const Equations& eq,
                                                     const TextOrigin& mo) const {
    SynapseScope s;
    for (const auto& o : eq.odes) {
        s.dims[o.var] = o.unit;
        s.own.push_back(o.var);
    }
    for (const auto& p : eq.params) {
        s.dims[p.name] = p.unit;
        s.own.push_back(p.name);
        if (p.shared) s.shared.insert(p.name);
    }
    for (const auto& sub : eq.subs)
        if (!sub.summed) s.dims[sub.name] = sub.unit;
    for (const auto& name : s.own) {
        if (reserved_synapse_names().count(name) || has_suffix(name, "_pre") ||
            has_suffix(name, "_post"))
            throw ModelError(located(mo, {}, fmt::format(
                "'{}' cannot name a synapse variable: {}; rename it", name,
                has_suffix(name, "_pre") || has_suffix(name, "_post")
                    ? "the suffixes _pre and _post refer to the pre and post groups"
                    : "the name is reserved")));
    }
    // Neuron variables: x_post and x_pre; unsuffixed names not in the model mean the post group.
    for (const auto& v : w.dst->variables) {
        s.extra[v.name + "_post"] = v.dim;
        if (!s.dims.count(v.name) && !s.extra.count(v.name)) {
            s.extra[v.name] = v.dim;
            s.rename_from.push_back(v.name);
            s.rename_to.push_back(expr::symbol(v.name + "_post"));
        }
    }
    for (const auto& v : w.dst->variables) s.post_names.push_back(v.name);
    if (const auto pre = groups_.find(w.src->name); pre != groups_.end())
        for (const auto& v : pre->second.variables) {
            s.extra[v.name + "_pre"] = v.dim;
            s.pre_names.push_back(v.name);
        }
    s.pre = w.src->name;
    s.post = w.dst->name;
    for (const char* n : {"i", "j"}) {
        s.extra[n] = dim::none();
        s.rename_from.push_back(n);
        s.rename_to.push_back(expr::symbol(std::string("@") + n));
    }
    if (std::any_of(eq.odes.begin(), eq.odes.end(), [](const OdeSpec& o) { return o.event_driven; }))
        s.extra["lastupdate"] = dim::time();  // kept only for event-driven variables
    s.all = s.dims;
    for (const auto& [k, d] : s.extra) s.all.emplace(k, d);
    return s;
}

// The canonical form of a checked expression: sub-expressions inlined, unsuffixed post names
// and i, j renamed to the symbols the ops bind.
expr::Ptr PlanBuilder::SynapseScope::canonical(const expr::Ptr& e, const Equations& eq) const {
    return expr::substitute(inline_subexpressions(e, eq), rename_from, rename_to);
}

void PlanBuilder::SynapseScope::check_names(const expr::Ptr& e, const TextOrigin& origin,
                                            expr::SourceLoc loc) const {
    check_neuron_names(e, all, pre, post, pre_names, post_names, origin, loc);
}

void PlanBuilder::add_synapse_model(const Connection& c0) {
    const Connection c = expand_plasticity(c0);
    Wiring w = wire(c);
    if (c.storage == SynapseStorage::dense)
        config_error(w.o, "a connection with a synapse model keeps its synapses as a list "
                          "(sparse); remove `storage: dense`");
    w.dp.storage = DeliverPayload::Storage::sparse;
    add_synapse_indices(w);

    const TextOrigin mo = origin_of(c.model, rekeyed(w.o, w.key + ".model"));
    Equations eq = parse_equations(c.model.text, mo);
    if (c.model.empty()) {
        // Statements alone (`x = w`, `v_post += w * y_post`): `w` is a parameter per synapse
        // holding `weight`, in its dimension.
        static const SymbolDims ij{{"i", dim::none()}, {"j", dim::none()}};
        const TextOrigin wo = origin_of(c.weight, rekeyed(w.o, w.key + ".weight"));
        eq.params.push_back({"w", parse_value(c.weight, wo, ij).dim, false, false, {}});
    }
    SynapseScope scope = synapse_scope(w, eq, mo);
    for (const auto& o : eq.odes) scope.check_names(o.rhs, mo, o.loc);
    for (const auto& sub : eq.subs) scope.check_names(sub.value, mo, sub.loc);
    eq = check_equations(eq, scope.extra, mo);

    SynapseBuild sb{c, w, eq, scope, {}, {}, {}, {}, {}, {}, {}, {}, {}};
    synapse_values(sb, mo);
    // Event-driven equations in closed form, checked whether or not a pathway uses them. The
    // shared parameters of their coefficients are built in as numbers (like the exact solver's
    // for neurons: they cannot change after the build), so that traces with equal time
    // constants share one exponential per event.
    std::vector<std::string> shared_names;
    std::vector<expr::Ptr> shared_values;
    for (const auto& name : scope.shared) {
        shared_names.push_back(name);
        shared_values.push_back(expr::constant(*sb.values.at(name).constant));
    }
    for (const auto& o : eq.odes) {
        if (!o.event_driven) continue;
        const expr::Ptr rhs = scope.canonical(o.rhs, eq);
        const expr::Ptr closed = event_driven_closed_form(o.var, rhs, scope.shared, mo, o.loc);
        const auto folded = [&](const expr::Ptr& e) {
            return expr::simplify(expr::substitute(e, shared_names, shared_values));
        };
        const expr::Ptr a = folded(expr::derivative(rhs, o.var));
        const expr::Ptr b = folded(expr::substitute(rhs, {o.var}, {expr::constant(0.0)}));
        if (a && a->kind == expr::Kind::constant && a->value != 0.0 &&
            b->kind == expr::Kind::constant && b->value == 0.0)
            sb.decay_rates[o.var] = a->value;
        for (const auto& name : shared_names)
            if (expr::depends_on(closed, name)) result_.folded_parameters.insert(c.name + "." + name);
        sb.closed.emplace_back(o.var, expr::simplify(expr::substitute(closed, shared_names,
                                                                      shared_values)));
    }
    synapse_neuron_traces(sb);
    synapse_pathway(sb, "pre");
    synapse_pathway(sb, "post");
    synapse_clock_driven(sb, mo);
    synapse_summed(sb, mo);
    const SynapseIndexing base = synapse_variables(sb);
    synapse_ops(sb, base);
}

}  // namespace spikegraph::detail

namespace spikegraph::detail {

// Parameter values and initial values of the model's own names.
void PlanBuilder::synapse_values(SynapseBuild& sb, const TextOrigin& mo) const {
    static const SymbolDims ij{{"i", dim::none()}, {"j", dim::none()}};
    const Connection& c = sb.c;
    const SynapseScope& scope = sb.scope;
    for (const auto& [k, v] : c.values)
        if (std::find(scope.own.begin(), scope.own.end(), k) == scope.own.end())
            config_error(origin_of(v, rekeyed(sb.w.o, sb.w.key + ".values." + k)), fmt::format(
                "the synapse model of '{}' has no variable or parameter '{}'{}; it has: {}",
                c.name, k, did_you_mean(k, scope.own), fmt::join(scope.own, ", ")));
    std::set<std::string> params;
    for (const auto& p : sb.eq.params) params.insert(p.name);
    for (const auto& name : scope.own) {
        const std::string key = sb.w.key + ".values." + name;
        const ValueSpec* v = nullptr;
        if (const auto it = c.values.find(name); it != c.values.end()) v = &it->second;
        else if (name == "w") v = &c.weight;
        const Dimension d = scope.dims.at(name);
        if (!v) {
            if (params.count(name))
                throw ModelError(located(mo, {}, fmt::format(
                    "parameter '{}' of the synapse model of '{}' has no value; set it under {} "
                    "(e.g. {}: {})", name, c.name, sb.w.key + ".values", name, d.example())));
            sb.values[name] = {expr::constant(0.0), d, 0.0};  // variables start at 0, as in Brian
            continue;
        }
        const TextOrigin vo = origin_of(*v, rekeyed(sb.w.o, key));
        ParsedValue pv = parse_value(*v, vo, ij);
        expect_dimension(pv, d, *v, vo, key);
        if (scope.shared.count(name) && !pv.constant)
            config_error(vo, fmt::format("'{}' is a shared parameter: one value for every "
                                         "synapse; give a number, or remove (shared)", name));
        sb.values[name] = std::move(pv);
    }
}

// The statements of on_pre or on_post, after the event-driven variables are brought up to t.
void PlanBuilder::synapse_pathway(SynapseBuild& sb, const std::string& name) const {
    const Connection& c = sb.c;
    const bool pre = name == "pre";
    const ValueSpec& spec = pre ? c.on_pre : c.on_post;
    const std::string text = pathway_text(c, pre);
    if (text.empty()) return;
    SynapsePath path{name, {},
                     origin_of(spec, rekeyed(sb.w.o, sb.w.key + (pre ? ".on_pre" : ".on_post"))),
                     {}};
    const TextOrigin& so = path.origin;
    const SynapseScope& scope = sb.scope;
    const auto pre_group = groups_.find(sb.w.src->name);
    const BuiltGroup* src_group = pre_group == groups_.end() ? nullptr : &pre_group->second;

    // Event-driven variables up to t: per synapse in closed form; a per-neuron trace is
    // brought up to t by its owner before the synapses are visited, and read decayed from its
    // own last update (or scaled from its reference time) by the other pathway.
    bool event_driven = false;
    for (const auto& [var, value] : sb.closed) {
        const auto trace = sb.traces.find(var);
        if (trace == sb.traces.end()) {
            event_driven = true;
            path.folded.apply(var, Statement::Op::assign, value);
        } else if (trace->second != name) {
            path.folded.alias_names.push_back(var);
            const auto rate = sb.decay_rates.find(var);
            path.folded.alias_values.push_back(
                rate != sb.decay_rates.end()
                    ? expr::mul(expr::symbol(var), scaled_trace_factor(var, rate->second, false))
                    : expr::substitute(value, {"lastupdate"}, {expr::symbol(var + "@last")}));
        }
    }
    for (const auto& st : parse_statements(text, so)) {
        scope.check_names(st.value, so, st.loc);
        // The symbol written and its dimension.
        std::string symbol;
        Dimension d;
        const auto state_of = [&](const BuiltGroup* g, const std::string& var,
                                  const char* side) -> const GroupVariable* {
            const GroupVariable* v = g ? g->find(var) : nullptr;
            if (v && !v->state)
                throw detail::config_error_at(so, st.loc, fmt::format(
                    "'{}' of the {} group '{}' is a parameter; {} can change its state "
                    "variables (those with a d/dt equation)", var, side, g->name,
                    pre ? "on_pre" : "on_post"));
            return v;
        };
        const bool own = std::find(scope.own.begin(), scope.own.end(), st.target) != scope.own.end();
        if (own) {
            if (scope.shared.count(st.target))
                throw detail::config_error_at(so, st.loc, fmt::format(
                    "'{}' is a shared parameter of the synapse model: a pathway changes one "
                    "synapse at a time, so it cannot write it; remove (shared)", st.target));
            symbol = st.target;
            d = scope.dims.at(symbol);
        } else if (has_suffix(st.target, "_post") &&
                   state_of(sb.w.dst, st.target.substr(0, st.target.size() - 5), "post")) {
            symbol = st.target;
        } else if (has_suffix(st.target, "_pre") &&
                   state_of(src_group, st.target.substr(0, st.target.size() - 4), "pre")) {
            symbol = st.target;
        } else if (!scope.dims.count(st.target) && state_of(sb.w.dst, st.target, "post")) {
            symbol = st.target + "_post";
        } else {
            std::vector<std::string> names = scope.own;
            for (const auto& v : sb.w.dst->variables)
                if (v.state) names.push_back(v.name + "_post");
            if (src_group)
                for (const auto& v : src_group->variables)
                    if (v.state) names.push_back(v.name + "_pre");
            throw detail::config_error_at(so, st.loc, fmt::format(
                "{} cannot write '{}': it is not a variable of the synapse model nor a state "
                "variable of the pre ('{}') or post ('{}') group{}; it can write: {}",
                pre ? "on_pre" : "on_post", st.target, sb.w.src->name, sb.w.dst->name,
                did_you_mean(st.target, names), fmt::join(names, ", ")));
        }
        if (!own) d = scope.all.at(symbol);
        Checked checked;
        checked = check_expression(st.value, scope.all, so);
        const bool scaling = st.op == Statement::Op::mul || st.op == Statement::Op::div;
        const Dimension want = scaling ? dim::none() : d;
        if (checked.dim != want)
            throw detail::config_error_at(so, st.loc, fmt::format(
                "'{}' is in {}, but the value {} is in {}", st.target,
                want.dimensionless() ? "1" : want.to_string(),
                scaling ? "that scales it" : "given",
                checked.dim.dimensionless() ? "1" : checked.dim.to_string()));
        path.folded.apply(symbol, st.op, scope.canonical(checked.expr, sb.eq));
    }
    if (event_driven) path.folded.apply("lastupdate", Statement::Op::assign, expr::symbol("t"));
    // The traces this pathway owns leave the per-synapse targets: updated once per event.
    for (const auto& [var, owner] : sb.traces) {
        if (owner != name) continue;
        auto& f = path.folded;
        for (std::size_t k = 0; k < f.targets.size(); ++k)
            if (f.targets[k] == var) {
                path.owned.emplace_back(var, f.values[k]);
                f.targets.erase(f.targets.begin() + static_cast<std::ptrdiff_t>(k));
                f.values.erase(f.values.begin() + static_cast<std::ptrdiff_t>(k));
                break;
            }
    }
    sb.paths.push_back(std::move(path));
}

// The clock-driven equations, integrated every step with the connection's method.
void PlanBuilder::synapse_clock_driven(SynapseBuild& sb, const TextOrigin& mo) {
    solvers::OdeSystem system;
    std::set<std::string> event_vars;
    for (const auto& o : sb.eq.odes)
        if (o.event_driven) event_vars.insert(o.var);
    for (const auto& o : sb.eq.odes) {
        if (o.event_driven) continue;
        if (o.unless_refractory)
            throw ModelError(located(mo, o.loc, fmt::format(
                "'{}': (unless refractory) is for neuron groups; remove it", o.var)));
        expr::Ptr rhs = sb.scope.canonical(o.rhs, sb.eq);
        for (const auto& e : event_vars)
            if (expr::depends_on(rhs, e))
                throw ModelError(located(mo, o.loc, fmt::format(
                    "the clock-driven d{}/dt reads '{}', which is event-driven and so only up to "
                    "date at the synapse's events; flag '{}' (clock-driven) too", o.var, e, e)));
        system.vars.push_back(o.var);
        system.rhs.push_back(rhs);
        system.frozen.push_back(false);
    }
    if (system.vars.empty()) return;
    std::string method = sb.c.method.empty() ? "auto" : sb.c.method;
    const TextOrigin meo = with_key(sb.c.method_origin.key.empty() ? sb.w.o : sb.c.method_origin,
                                    sb.w.key + ".method");
    const bool automatic = method == "auto";
    if (!automatic && !solvers::is_method(method))
        config_error(meo, fmt::format("unknown method '{}'; use one of: auto, {}", method,
                                      fmt::join(solvers::method_names(), ", ")));
    std::set<std::string> folded;
    const auto shared = [&](const std::string& s) -> std::optional<double> {
        if (!sb.scope.shared.count(s)) return std::nullopt;
        folded.insert(sb.c.name + "." + s);
        return sb.values.at(s).constant;
    };
    std::vector<expr::Ptr> next;
    if (automatic) {
        try {
            next = solvers::integrate(system, "exact", plan_.dt_ms, shared);
        } catch (const ModelError&) {
            folded.clear();
            method = "euler";
        }
    }
    try {
        if (next.empty()) next = solvers::integrate(system, method, plan_.dt_ms, shared);
    } catch (const ModelError& e) {
        throw ModelError(located(meo, {}, e.what()));
    }
    result_.folded_parameters.insert(folded.begin(), folded.end());
    sb.clock_targets = system.vars;
    sb.clock_values = std::move(next);
}

// `X_post = expression : unit (summed)`: the post group's X is the sum over its synapses.
void PlanBuilder::synapse_summed(SynapseBuild& sb, const TextOrigin& mo) const {
    for (const auto& sub : sb.eq.subs) {
        if (!sub.summed) continue;
        const std::string var = summed_post_variable(sub.name);
        const GroupVariable* target = sb.w.dst->find(var);
        if (!target || !target->summed)
            throw ModelError(located(mo, sub.loc, fmt::format(
                "the summed variable '{}' needs a parameter '{} : {}' in the post group '{}' "
                "(not a state variable with a d/dt equation): {}",
                sub.name, var, sub.unit.dimensionless() ? "1" : sub.unit.to_string(),
                sb.w.dst->name,
                target ? "it is a state variable there" : "the group has no such variable")));
        if (target->dim != sub.unit)
            throw ModelError(located(mo, sub.loc, fmt::format(
                "'{}' of group '{}' is in {}, but the summed variable is in {}", var,
                sb.w.dst->name, target->dim.to_string(), sub.unit.to_string())));
        const expr::Ptr value = sb.scope.canonical(sub.value, sb.eq);
        for (const auto& o : sb.eq.odes)
            if (o.event_driven && expr::depends_on(value, o.var))
                throw ModelError(located(mo, sub.loc, fmt::format(
                    "the summed variable '{}' reads '{}', which is event-driven and so only up "
                    "to date at the synapse's events; flag '{}' (clock-driven)", sub.name, o.var,
                    o.var)));
        sb.sums.emplace_back(target->var, value);
    }
}

}  // namespace spikegraph::detail
