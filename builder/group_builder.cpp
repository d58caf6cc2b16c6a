#include "builder/group_builder.hpp"

#include "frontend/config_location.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "builder/solvers/solvers.hpp"
#include "builder/init_expressions.hpp"
#include "builder/op_payloads.hpp"
#include "builder/values.hpp"
#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/finite_check.hpp"
#include "core/text.hpp"
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph::detail {

namespace {

TextOrigin with_key(TextOrigin o, const std::string& key) {
    if (o.key.empty()) o.key = key;
    return o;
}

// A spike's last step before any spike: far enough back that (step - lastspike) never looks
// refractory, small enough that the difference cannot overflow.
constexpr double k_never_spiked = -1e15;

}  // namespace

BuiltGroup build_group(const NeuronGroup& g, double dt_ms, std::size_t batch, Precision precision,
                       const std::set<std::string>& per_neuron,
                       const std::set<std::string>& summed) {
    const NeuronModel& m = g.model();
    const std::string where = fmt::format("groups.{}", g.name());
    const TextOrigin group_origin = with_key(g.origin, where);
    const TextOrigin eq_origin = with_key(m.equations_origin, fmt::format("models.{}.equations", m.name));
    BuiltGroup out;
    out.name = g.name();
    out.size = g.size();
    const std::size_t n = g.size();

    Equations eq;
    try {
        eq = parse_equations(m.equations, eq_origin);
    } catch (const ModelError&) {
        throw;
    }
    for (const auto& o : eq.odes)
        if (o.event_driven)
            throw ModelError(located(eq_origin, o.loc, fmt::format(
                "'{}' is flagged (event-driven), which only synapse models know; a neuron "
                "group integrates every equation each step: remove the flag", o.var)));
    for (const auto& sub : eq.subs)
        if (sub.summed)
            throw ModelError(located(eq_origin, sub.loc, fmt::format(
                "'{}' is flagged (summed), which only synapse models know (it sums over a "
                "connection's synapses into the post group): declare it in the connection's "
                "model, and '{} : <unit>' in this group", sub.name, sub.name)));
    if (eq.odes.empty())
        throw ModelError(located(eq_origin, {}, fmt::format(
            "model '{}' has no differential equation (dX/dt = ...)", m.name)));
    SymbolDims dims = symbol_dims(eq);
    std::set<std::string> ode_vars, declared_params;
    for (const auto& o : eq.odes) ode_vars.insert(o.var);
    for (const auto& p : eq.params) declared_params.insert(p.name);
    for (const auto& name : {"spikes", "spike_count", "spike_total", "lastspike"})
        if (dims.count(name))
            throw ModelError(located(eq_origin, {}, fmt::format(
                "'{}' is a reserved variable name of every group; rename it", name)));

    // Parameter values: the model's defaults, overridden by the group's.
    std::map<std::string, ValueSpec> values = m.parameters;
    std::vector<std::string> known;
    for (const auto& [k, d] : dims)
        if (!ode_vars.count(k)) known.push_back(k);
    for (const auto& [k, v] : m.parameters)
        if (!dims.count(k)) known.push_back(k);
    for (const auto& [k, v] : g.parameters()) {
        if (ode_vars.count(k))
            config_error(origin_of(v, group_origin), fmt::format(
                "'{}' is a state variable of model '{}'; set its initial value under init", k, m.name));
        if (!dims.count(k) && !m.parameters.count(k))
            config_error(origin_of(v, group_origin), fmt::format(
                "model '{}' has no parameter '{}'{}", m.name, k, did_you_mean(k, known)));
        values[k] = v;
    }
    SymbolDims index_dims;  // symbols a parameter value may use besides units
    std::map<std::string, ParsedValue> parsed;
    SymbolDims extra;
    for (const auto& [k, v] : values) {
        if (ode_vars.count(k))
            config_error(origin_of(v, group_origin), fmt::format(
                "'{}' is a state variable of model '{}', not a parameter", k, m.name));
        const std::string key = fmt::format("{}.parameters.{}", where, k);
        ParsedValue pv = parse_value(v, with_key(group_origin, key), index_dims);
        if (dims.count(k)) {
            expect_dimension(pv, dims.at(k), v, with_key(group_origin, key), key);
        } else {
            // An undeclared parameter (as in the library models) takes its dimension from the
            // model's default. A group's value in another dimension would otherwise surface as a
            // unit error in the model's equations, far from the value that caused it.
            const auto def = m.parameters.find(k);
            if (g.parameters().count(k) && def != m.parameters.end()) {
                const std::string def_key = fmt::format("models.{}.parameters.{}", m.name, k);
                const ParsedValue d = parse_value(def->second, with_key(eq_origin, def_key), index_dims);
                expect_dimension(pv, d.dim, v, with_key(group_origin, key), key);
            }
            extra[k] = pv.dim;
        }
        parsed[k] = pv;
    }
    for (const auto& p : eq.params)
        if (summed.count(p.name)) {
            if (p.shared)
                throw ModelError(located(eq_origin, p.loc, fmt::format(
                    "'{}' is the target of a summed variable, so it has a value per neuron; "
                    "remove (shared)", p.name)));
            if (!values.count(p.name)) parsed[p.name] = {expr::constant(0.0), p.unit, 0.0};
        }
    for (const auto& p : eq.params)
        if (!values.count(p.name) && !summed.count(p.name))
            throw detail::config_error_at(group_origin, fmt::format(
                "parameter '{}' of model '{}' has no value; set it under {}.parameters "
                "(e.g. {}: {})", p.name, m.name, where, p.name, p.unit.example()));
    // White noise is a symbol of the differential equations (and the sub-expressions they use)
    // only: the threshold, reset and values are checked with `dims`, which lacks it.
    const std::vector<std::string> noises = noise_names(eq);
    SymbolDims ode_extra = extra;
    for (const auto& xi : noises) ode_extra[xi] = dim::noise();
    eq = check_equations(eq, ode_extra, eq_origin);
    check_no_draws_in_odes(eq, eq_origin);
    for (const auto& [k, d] : extra) dims[k] = d;

    std::map<std::string, double> shared_values;
    for (const auto& [k, pv] : parsed)
        if (pv.constant && !per_neuron.count(k) && !summed.count(k)) shared_values[k] = *pv.constant;

    const DType real = real_dtype(precision);
    // Variables: state [B, n], parameters [n] or [1].
    for (const auto& o : eq.odes) {
        GroupVariable gv{o.var, fmt::format("{}.{}", g.name(), o.var), o.unit, true, false};
        VariableSpec spec;
        spec.name = gv.var;
        spec.dtype = real;
        spec.shape = {batch, n};
        spec.batched = true;
        spec.role = Role::state;
        spec.unit = display_unit(o.unit);
        out.variables.push_back(gv);
        out.specs.push_back(spec);
    }
    for (const auto& [k, pv] : parsed) {
        const bool shared = shared_values.count(k) != 0;
        const bool sum = summed.count(k) != 0;
        GroupVariable gv{k, fmt::format("{}.{}", g.name(), k), pv.dim, false, shared, sum};
        VariableSpec spec;
        spec.name = gv.var;
        spec.dtype = real;
        spec.shape = sum ? std::vector<std::size_t>{batch, n}
                         : std::vector<std::size_t>{shared ? std::size_t(1) : n};
        spec.batched = sum;
        spec.role = sum ? Role::state : Role::parameter;
        spec.unit = display_unit(pv.dim);
        if (pv.constant) {
            spec.init.kind = "constant";
            spec.init.args = {*pv.constant};
        } else {
            spec.init.kind = "expression";
            spec.init.expression = pv.expr;
        }
        out.variables.push_back(gv);
        out.specs.push_back(spec);
    }

    // Initial values of the state variables.
    std::vector<std::string> state_names(ode_vars.begin(), ode_vars.end());
    SymbolDims shared_dims;
    for (const auto& [k, c] : shared_values) shared_dims[k] = dims.at(k);
    // The model's initial values (the library's models start at rest), then the group's own;
    // either may read per-neuron parameters (E_L set per neuron: v starts at each one's E_L).
    std::map<std::string, ValueSpec> initial = m.init;
    for (const auto& [k, v] : g.initial_values()) initial.insert_or_assign(k, v);
    for (const auto& [k, v] : initial) {
        const std::string key = fmt::format("{}.init.{}", where, k);
        if (!ode_vars.count(k))
            config_error(origin_of(v, with_key(group_origin, key)), fmt::format(
                "'{}' is not a state variable of model '{}'{}; state variables: {}", k, m.name,
                did_you_mean(k, state_names), fmt::join(state_names, ", ")));
        InitValue init = parse_init(v, with_key(group_origin, key), eq, dims, shared_values, n,
                                    dt_ms);
        const ParsedValue& pv = init.value;
        expect_dimension(pv, dims.at(k), v, with_key(group_origin, key), key);
        if (!init.reads.empty())
            out.dependent_inits.push_back(
                {k, std::move(init.reads), origin_of(v, with_key(group_origin, key))});
        for (auto& spec : out.specs)
            if (spec.name == fmt::format("{}.{}", g.name(), k)) {
                if (pv.constant) {
                    spec.init.kind = "constant";
                    spec.init.args = {*pv.constant};
                } else {
                    spec.init.kind = "expression";
                    spec.init.expression = pv.expr;
                }
            }
    }
    order_dependent_inits(out);

    // Sub-expressions inlined, N (the group size) filled in; `lastspike` is not available to
    // equations in this version.
    auto finish = [&](const expr::Ptr& e) {
        expr::Ptr out = expr::substitute(inline_subexpressions(e, eq), {"N"},
                                         {expr::constant(static_cast<double>(n))});
        if (expr::depends_on(out, "lastspike"))
            throw ModelError(located(eq_origin, {}, fmt::format(
                "model '{}' uses 'lastspike', which equations cannot read yet; use a state "
                "variable set in the reset instead", m.name)));
        return out;
    };
    // Noise reaching a threshold, reset or refractory condition through a sub-expression.
    const auto without_noise = [&](const expr::Ptr& e, const TextOrigin& at) {
        for (const auto& xi : noises)
            if (expr::depends_on(e, xi))
                throw ModelError(located(at, {}, noise_outside_ode(xi) + " (it is used here "
                                                 "through a sub-expression)"));
        return e;
    };

    // A constant that folds to NaN or Inf with the parameters given (-v / tau with tau = 0,
    // exp(1000)) is an error here, whatever the method, not an Inf in the state at step 1.
    const auto require_finite = [&](const expr::Ptr& e, const std::string& what,
                                    const TextOrigin& at) {
        const auto bad = expr::find_non_finite(e, [&](const std::string& s) {
            const auto it = shared_values.find(s);
            return it == shared_values.end() ? std::nullopt : std::optional<double>(it->second);
        });
        if (!bad) return;
        throw ModelError(located(at, {}, fmt::format(
            "group '{}': {}: {} with the parameters given{}; every method needs it finite",
            g.name(), what, expr::describe(*bad),
            bad->zero_divisor ? " (a division by zero: is a time constant 0?)" : "")));
    };

    // Refractory period: a time, possibly a shared parameter.
    std::int64_t refractory_steps = 0;
    expr::Ptr refractory_condition, checked_refractory;
    const TextOrigin ro = with_key(origin_of(m.refractory, eq_origin),
                                   fmt::format("models.{}.refractory", m.name));
    if (!m.refractory.empty()) {
        // A condition over the state ("v > -40 mV") or a time ("5 ms", a shared parameter).
        auto checked = check_expression(parse_expression(m.refractory.text, ro), dims, ro);
        checked_refractory = checked.expr;
        if (checked.dim.dimensionless() && !expr::try_evaluate(checked.expr, {}))
            refractory_condition = checked.expr;
    }
    if (!m.refractory.empty() && !refractory_condition) {
        ParsedValue pv = parse_value(m.refractory, ro, shared_dims, shared_values);
        std::vector<std::string> used;
        expr::collect_symbols(checked_refractory, used);
        for (const auto& s : used)
            if (shared_values.count(s)) out.folded.insert(g.name() + "." + s);
        expect_dimension(pv, dim::time(), m.refractory, ro, "refractory (a time, or a condition such as v > -40 mV)");
        if (!pv.constant)
            config_error(ro, "the refractory period must be one time for all neurons");
        if (*pv.constant < 0) config_error(ro, "the refractory period cannot be negative");
        refractory_steps = to_steps(*pv.constant, dt_ms, ro, k_max_refractory_steps,
                                    "refractory period");
    }

    // Threshold and reset, with sub-expressions inlined.
    expr::Ptr threshold;
    if (!m.threshold.empty()) {
        const TextOrigin to = with_key(m.threshold_origin, fmt::format("models.{}.threshold", m.name));
        auto checked = check_expression(parse_expression(m.threshold, to), dims, to);
        if (!checked.dim.dimensionless())
            throw ModelError(located(to, {}, fmt::format(
                "the threshold must be a condition such as 'v > -50 mV', got a value in {}",
                checked.dim.to_string())));
        threshold = without_noise(finish(checked.expr), to);
        require_finite(threshold, "threshold " + m.threshold, to);
    }
    std::vector<UpdateStatement> reset;
    const TextOrigin reset_origin = with_key(m.reset_origin, fmt::format("models.{}.reset", m.name));
    for (const auto& st : parse_statements(m.reset, reset_origin)) {
        if (!ode_vars.count(st.target))
            throw ModelError(located(reset_origin, st.loc, fmt::format(
                "the reset can only change state variables (with a d/dt equation); '{}' is not "
                "one{}", st.target, did_you_mean(st.target, state_names))));
        auto checked = check_expression(st.value, dims, reset_origin);
        const bool scaling = st.op == Statement::Op::mul || st.op == Statement::Op::div;
        const Dimension want = scaling ? dim::none() : dims.at(st.target);
        if (checked.dim != want)
            throw ModelError(located(reset_origin, st.loc, fmt::format(
                "'{}' is in {}, but the value given is in {}", st.target,
                want.dimensionless() ? "1" : want.to_string(),
                checked.dim.dimensionless() ? "1" : checked.dim.to_string())));
        reset.push_back({st.target, static_cast<UpdateStatement::Op>(st.op),
                         without_noise(finish(checked.expr), reset_origin)});
        const bool divides = st.op == Statement::Op::div;
        require_finite(divides ? expr::binary(expr::Kind::div, expr::symbol(st.target),
                                              reset.back().value)
                               : reset.back().value,
                       "reset of " + st.target, reset_origin);
    }

    // Solver.
    std::string method = g.solver();
    const bool automatic = method == "auto" || method.empty();
    if (!automatic && !solvers::is_method(method))
        throw detail::config_error_at(with_key(g.method_origin, where + ".method"), fmt::format(
            "unknown method '{}'; use one of: auto, {}", method,
            fmt::join(solvers::method_names(), ", ")));
    solvers::OdeSystem system;
    for (const auto& o : eq.odes) {
        system.vars.push_back(o.var);
        system.rhs.push_back(finish(o.rhs));
        require_finite(system.rhs.back(), fmt::format("d{}/dt = {}", o.var, expr::to_string(o.rhs)),
                       eq_origin);
        system.frozen.push_back(o.unless_refractory);
        const std::string nonlinear = solvers::noise_nonlinearity(system.rhs.back(), noises);
        if (!nonlinear.empty())
            throw ModelError(located(eq_origin, o.loc, fmt::format(
                "d{}/dt is not linear in the white noise {}: noise enters a stochastic equation "
                "as a term g * {} (g may depend on the state: multiplicative noise), not inside "
                "a function, a power or a product with another noise", o.var, nonlinear,
                nonlinear)));
    }
    for (const auto& xi : noises)
        if (std::any_of(system.rhs.begin(), system.rhs.end(),
                        [&](const expr::Ptr& r) { return expr::depends_on(r, xi); }))
            system.noises.push_back(xi);
    system.refractory = refractory_steps > 0 || refractory_condition != nullptr;
    std::vector<expr::Ptr> next;
    // The shared parameters the solver takes as constants; only those of the method that
    // succeeds count (a failed 'exact' under 'auto' folds nothing).
    std::set<std::string> solver_folded;
    const auto shared_lookup = [&](const std::string& s) -> std::optional<double> {
        auto it = shared_values.find(s);
        if (it == shared_values.end()) return std::nullopt;
        solver_folded.insert(g.name() + "." + s);
        return it->second;
    };
    if (automatic && !system.noises.empty()) {
        method = solvers::auto_stochastic_method(system);  // never exact for noise, as Brian2
    } else if (automatic) {
        try {
            next = solvers::integrate(system, "exact", dt_ms, shared_lookup);
            method = "exact";
        } catch (const ModelError&) {
            method = "euler";
            solver_folded.clear();
        }
    }
    try {
        if (next.empty()) next = solvers::integrate(system, method, dt_ms, shared_lookup);
    } catch (const ModelError& e) {
        throw ModelError(located(with_key(g.method_origin, where + ".method"), {}, e.what()));
    }
    out.folded.insert(solver_folded.begin(), solver_folded.end());

    // Spike bookkeeping.
    out.spikes_var = g.name() + ".spikes";
    out.count_var = g.name() + ".spike_count";
    out.total_var = g.name() + ".spike_total";
    const std::string lastspike = g.name() + ".lastspike";
    auto add_int = [&](const std::string& name, DType t, std::vector<std::size_t> shape, Role role,
                       double init) {
        VariableSpec s;
        s.name = name;
        s.dtype = t;
        s.shape = std::move(shape);
        s.batched = true;
        s.role = role;
        s.init.args = {init};
        out.specs.push_back(s);
    };
    add_int(lastspike, DType::i64, {batch, n}, Role::state, k_never_spiked);
    add_int(out.spikes_var, DType::i32, {batch, n}, Role::temporary, 0);
    add_int(out.count_var, DType::i64, {batch}, Role::temporary, 0);
    add_int(out.total_var, DType::i64, {batch}, Role::state, 0);

    std::vector<SymbolBinding> bindings;
    for (const auto& v : out.variables)
        bindings.push_back({v.name, v.var,
                            v.state || v.summed ? SymbolBinding::Source::state
                            : v.shared ? SymbolBinding::Source::shared
                                       : SymbolBinding::Source::neuron});

    NeuronUpdatePayload up;
    up.group = g.name();
    up.size = n;
    up.symbols = bindings;
    up.state_vars = system.vars;
    up.next_value = next;
    up.noises = system.noises;
    up.threshold = threshold;
    up.refractory_steps = refractory_steps;
    if (refractory_condition) {
        up.refractory_condition = without_noise(finish(refractory_condition), ro);
        up.not_refractory_var = g.name() + ".not_refractory";
        VariableSpec nr;
        nr.name = up.not_refractory_var;
        nr.dtype = real;
        nr.shape = {batch, n};
        nr.batched = true;
        nr.role = Role::state;
        nr.init.args = {1.0};
        out.specs.push_back(nr);
    }
    up.lastspike_var = lastspike;
    up.spikes_var = out.spikes_var;
    up.count_var = out.count_var;
    up.total_var = out.total_var;
    out.update.name = g.name() + ".update";
    out.update.kind = "neuron_update";
    out.update.owner = g.name();
    for (const auto& v : out.variables)
        out.update.inputs.push_back({v.var, v.state ? Read::prev : Read::now});
    out.update.inputs.push_back({lastspike, Read::prev});
    for (const auto& v : out.variables)
        if (v.state) out.update.outputs.push_back({v.var, WriteMode::assign});
    out.update.outputs.push_back({lastspike, WriteMode::assign});
    out.update.outputs.push_back({out.spikes_var, WriteMode::assign});
    out.update.outputs.push_back({out.count_var, WriteMode::assign});
    out.update.outputs.push_back({out.total_var, WriteMode::assign});
    out.update.params = {{"method", method}, {"refractory_steps", refractory_steps}};
    out.update.payload = up;

    if (!reset.empty() && threshold) {
        NeuronResetPayload rp;
        rp.group = g.name();
        rp.size = n;
        rp.symbols = bindings;
        rp.statements = reset;
        rp.spikes_var = out.spikes_var;
        rp.count_var = out.count_var;
        out.reset.name = g.name() + ".reset";
        out.reset.kind = "neuron_reset";
        out.reset.owner = g.name();
        out.reset.inputs = {{out.spikes_var, Read::now}, {out.count_var, Read::now}};
        std::set<std::string> targets;
        for (const auto& st : reset) targets.insert(st.target);
        for (const auto& v : out.variables) {
            if (targets.count(v.name)) out.reset.outputs.push_back({v.var, WriteMode::modify});
            else if (v.state) out.reset.inputs.push_back({v.var, Read::now});
        }
        out.reset.payload = rp;
    }
    return out;
}

}  // namespace spikegraph::detail
