// The builder's part for inputs: Poisson sources, spike-time sources and currents.

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "builder/plan_builder.hpp"
#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace spikegraph::detail {
namespace {

// A rate that changes in time: it reads `t` or a timed array.
bool varies_in_time(const expr::Ptr& e) {
    if (e->table) return true;
    if (e->kind == expr::Kind::symbol && e->name == "t") return true;
    for (const auto& a : e->args)
        if (varies_in_time(a)) return true;
    return false;
}

// The largest value a rate expression can take, where the build can know it: a timed array read
// as it is (r(t), r(t, i)), or such a call times a constant.
std::optional<double> rate_bound(const expr::Ptr& e) {
    if (e->table) return e->table->max_value;
    if (e->kind == expr::Kind::mul && e->args[0]->kind == expr::Kind::constant &&
        e->args[0]->value >= 0)
        if (auto b = rate_bound(e->args[1])) return e->args[0]->value * *b;
    if (e->kind == expr::Kind::mul && e->args[1]->kind == expr::Kind::constant &&
        e->args[1]->value >= 0)
        if (auto b = rate_bound(e->args[0])) return e->args[1]->value * *b;
    return std::nullopt;
}

// The outputs of a spike source's op: what a neuron group's threshold writes.
void spike_outputs(OpSpec& op, const Population& pop) {
    op.outputs = {{pop.spikes_var, WriteMode::assign},
                  {pop.count_var, WriteMode::assign},
                  {pop.total_var, WriteMode::assign}};
}

}  // namespace

void PlanBuilder::add_spike_source_vars(const std::string& name, std::size_t n, Population& pop) {
    pop.spikes_var = name + ".spikes";
    pop.count_var = name + ".spike_count";
    pop.total_var = name + ".spike_total";
    auto add = [&](const std::string& var, DType t, std::vector<std::size_t> shape, Role r) {
        VariableSpec s;
        s.name = var;
        s.dtype = t;
        s.shape = std::move(shape);
        s.batched = true;
        s.role = r;
        add_var(std::move(s));
    };
    add(pop.spikes_var, DType::i32, {plan_.batch, n}, Role::temporary);
    add(pop.count_var, DType::i64, {plan_.batch}, Role::temporary);
    add(pop.total_var, DType::i64, {plan_.batch}, Role::state);
}

void PlanBuilder::check_poisson_probability(double rate_kHz, const TextOrigin& o,
                                            const std::string& what, bool upper_bound) const {
    const double p = rate_kHz * plan_.dt_ms;
    const std::string rate = format_quantity(rate_kHz, dim::frequency());
    if (p > 1.0)
        config_error(o, fmt::format("{}: a rate of {} is {} spikes per step of {} ms, but a "
                                    "Poisson source spikes at most once per step (the rate "
                                    "would come out as 1/dt = {}); lower the rate below 1/dt or "
                                    "the dt, or use several sources",
                                    what, rate, p, plan_.dt_ms,
                                    format_quantity(1.0 / plan_.dt_ms, dim::frequency())));
    if (p > 0.1)
        logger("spikegraph.builder")
            ->warn("{}: {} rate {} gives rate * dt = {:.3g} per step of {} ms; a source spikes "
                   "at most once per step, so its spike trains are biased (fewer and more "
                   "regular spikes than Poisson) above about 0.1; lower dt for this rate",
                   what, upper_bound ? "the largest" : "the", rate, p, plan_.dt_ms);
}

void PlanBuilder::add_poisson(const PoissonInput& p) {
    const TextOrigin o = with_key(p.origin, "inputs." + p.name);
    check_population_size(p.size, o);
    SymbolDims idx;
    const TextOrigin ro = origin_of(p.rate, with_key(o, "inputs." + p.name + ".rate"));
    auto rate = parse_value(p.rate, ro, idx);
    expect_dimension(rate, dim::frequency(), p.rate, o, "inputs." + p.name + ".rate");
    const std::string what = fmt::format("input '{}'", p.name);
    Population pop{p.name, "poisson", "", "", "", p.size};
    add_spike_source_vars(p.name, p.size, pop);
    PoissonPayload pp;
    pp.name = p.name;
    pp.size = p.size;
    pp.spikes_var = pop.spikes_var;
    pp.count_var = pop.count_var;
    pp.total_var = pop.total_var;
    pp.dt_ms = plan_.dt_ms;
    OpSpec op;
    op.name = p.name + ".poisson";
    op.kind = "poisson_input";
    op.owner = p.name;
    if (varies_in_time(rate.expr)) {
        // Brian's per-step test rand() < rate * dt, with the rate evaluated every step.
        if (auto bound = rate_bound(rate.expr)) check_poisson_probability(*bound, ro, what, true);
        pp.rate_expr = rate.expr;
        spike_outputs(op, pop);
        op.payload = pp;
        op.params = {{"rate", expr::to_string(rate.expr, 200)}};
        sources_.push_back(std::move(op));
        populations_.push_back(pop);
        return;
    }
    VariableSpec r;
    r.name = p.name + ".rate";
    r.dtype = real_;
    r.shape = {rate.constant ? std::size_t(1) : p.size};
    r.role = Role::parameter;
    r.unit = "kHz";
    if (rate.constant) {
        if (*rate.constant < 0) config_error(o, "the rate cannot be negative");
        check_poisson_probability(*rate.constant, ro, what, false);
        r.init.args = {*rate.constant};
    } else {
        // Per source (an expression of i): every source's rate is checked here.
        double most = 0;
        for (std::size_t i = 0; i < p.size; ++i) {
            const auto v = expr::try_evaluate(rate.expr, [&](const std::string& s) -> std::optional<double> {
                if (s == "i") return static_cast<double>(i);
                if (s == "N") return static_cast<double>(p.size);
                return std::nullopt;
            });
            if (!v) break;  // random rates: checked when drawn, by the kernel
            most = std::max(most, *v);
        }
        check_poisson_probability(most, ro, what, true);
        r.init.kind = "expression";
        r.init.expression = rate.expr;
    }
    add_var(r);
    pp.rate = r.name;
    const std::string next = p.name + ".next_spike";
    add_state_var(next, DType::i64, {plan_.batch, p.size});
    for (auto& v : plan_.variables)
        if (v.name == next) {
            v.init.args = {-1.0};
            v.batched = true;
        }
    pp.next_var = next;
    op.inputs = {{r.name, Read::now}, {next, Read::prev}};
    spike_outputs(op, pop);
    op.outputs.push_back({next, WriteMode::assign});
    op.payload = pp;
    sources_.push_back(std::move(op));
    populations_.push_back(pop);
}

void PlanBuilder::add_spike_times(const SpikeTimesInput& spec) {
    const TextOrigin o = with_key(spec.origin, "inputs." + spec.name);
    check_population_size(spec.size, o);
    const bool from_files = !spec.file.empty() || !spec.times_file.empty();
    const SpikeTimesInput s = from_files ? read_spike_files(spec, o) : spec;
    const std::string from = !s.file.empty()         ? s.file + ": "
                             : !s.times_file.empty() ? s.times_file + ": "
                                                     : "";
    if (s.indices.size() != s.times_ms.size())
        config_error(o, fmt::format("{}indices has {} entries but times has {}; they pair up "
                                    "one to one", from, s.indices.size(), s.times_ms.size()));
    std::vector<std::pair<std::int64_t, std::int32_t>> events;
    events.reserve(s.indices.size());
    std::size_t late = 0;
    const double end_ms = net_.settings.duration_ms;
    for (std::size_t k = 0; k < s.indices.size(); ++k) {
        if (s.indices[k] < 0 || static_cast<std::size_t>(s.indices[k]) >= s.size)
            config_error(o, fmt::format("{}index {} (entry {}) is out of range for input '{}' "
                                        "({} sources)",
                                        from, s.indices[k], k, s.name, s.size));
        if (!std::isfinite(s.times_ms[k]))
            config_error(o, fmt::format("{}the time of entry {} is {}; spike times must be "
                                        "finite", from, k, s.times_ms[k]));
        if (!(s.times_ms[k] >= 0))
            config_error(o, fmt::format("{}the time of entry {} is {} ms; spike times cannot be "
                                        "negative", from, k, s.times_ms[k]));
        if (s.times_ms[k] >= end_ms) ++late;
        events.emplace_back(to_steps(s.times_ms[k], plan_.dt_ms, o),
                            static_cast<std::int32_t>(s.indices[k]));
    }
    if (late > 0)
        logger("spikegraph.builder")
            ->warn("input '{}': {} of its {} spikes are at or after the end of the run ({} ms) "
                   "and will not be delivered in a run of that length",
                   s.name, late, s.indices.size(), end_ms);
    // Sorted by (step, index): a stable order whatever the order of the file.
    std::sort(events.begin(), events.end());
    for (std::size_t k = 1; k < events.size(); ++k)
        if (events[k] == events[k - 1])
            config_error(o, fmt::format("source {} spikes twice in the step at {} ms; one "
                                        "source can spike at most once per step",
                                        events[k].second,
                                        static_cast<double>(events[k].first) * plan_.dt_ms));
    Population pop{s.name, "spike_times", "", "", "", s.size};
    add_spike_source_vars(s.name, s.size, pop);
    SpikeTimesPayload sp;
    sp.size = s.size;
    for (const auto& [st, i] : events) sp.steps.push_back(st), sp.indices.push_back(i);
    sp.spikes_var = pop.spikes_var;
    sp.count_var = pop.count_var;
    sp.total_var = pop.total_var;
    OpSpec op;
    op.name = s.name + ".spike_times";
    op.kind = "spike_times_input";
    op.owner = s.name;
    spike_outputs(op, pop);
    op.payload = sp;
    sources_.push_back(std::move(op));
    populations_.push_back(pop);
}

const GroupVariable* PlanBuilder::input_target(GroupRef& target, const std::string& variable,
                                               const TextOrigin& o) {
    const auto& g = group_slice(target, o, "target");
    const auto* v = g.find(variable);
    if (!v) {
        std::vector<std::string> names;
        for (const auto& x : g.variables) names.push_back(x.name);
        config_error(o, fmt::format("group '{}' has no variable '{}'{}", g.name, variable,
                                    did_you_mean(variable, names)));
    }
    return v;
}

void PlanBuilder::add_current(const CurrentInput& c) {
    const std::string key = "inputs." + c.name;
    const TextOrigin o = with_key(c.origin, key);
    GroupRef target = c.target;
    const auto* v = input_target(target, c.variable, o);
    const auto& g = group_slice(target, o, "target");
    CurrentPayload cp;
    cp.target = v->var;
    cp.batched = v->state;
    cp.size = g.size;
    cp.begin = target.begin;
    cp.end = target.end;
    SymbolDims none;
    auto value_of = [&](const ValueSpec& spec) {
        auto pv = parse_value(spec, with_key(o, key + ".value"), none);
        expect_dimension(pv, v->dim, spec, o, key + ".value");
        if (!pv.constant) config_error(detail::origin_of(spec, o), "a current value must be one number");
        return *pv.constant;
    };
    cp.change_steps.push_back(0);
    cp.values.push_back(value_of(c.value));
    for (const auto& [at, value] : c.changes) {
        auto t = parse_value(at, with_key(o, key + ".steps.at"), none);
        expect_dimension(t, dim::time(), at, o, key + ".steps.at");
        if (!t.constant)
            config_error(detail::origin_of(at, o), "the time of a step must be one time, not a "
                                                   "random or per-neuron value");
        if (*t.constant < 0) config_error(detail::origin_of(at, o), "the time of a step cannot be negative");
        const std::int64_t step = to_steps(*t.constant, plan_.dt_ms, detail::origin_of(at, o));
        if (step < cp.change_steps.back())
            config_error(detail::origin_of(at, o), "steps must be in increasing time order");
        cp.change_steps.push_back(step);
        cp.values.push_back(value_of(value));
    }
    OpSpec op;
    op.name = c.name + ".current";
    op.kind = "current_input";
    op.owner = c.name;
    op.outputs = {{v->var, WriteMode::assign}};
    op.payload = cp;
    currents_.push_back(std::move(op));
}

}  // namespace spikegraph::detail
