// The builder's part for inputs: Poisson sources, spike-time sources and currents.

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "builder/plan_builder.hpp"
#include <spikegraph/error.hpp>
#include "core/text.hpp"

namespace spikegraph::detail {
namespace {

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

void PlanBuilder::add_poisson(const PoissonInput& p) {
    const TextOrigin o = with_key(p.origin, "inputs." + p.name);
    check_population_size(p.size, o);
    SymbolDims idx;
    auto rate = parse_value(p.rate, with_key(o, "inputs." + p.name + ".rate"), idx);
    expect_dimension(rate, dim::frequency(), p.rate, o, "inputs." + p.name + ".rate");
    Population pop{p.name, "poisson", "", "", "", p.size};
    add_spike_source_vars(p.name, p.size, pop);
    VariableSpec r;
    r.name = p.name + ".rate";
    r.dtype = real_;
    r.shape = {rate.constant ? std::size_t(1) : p.size};
    r.role = Role::parameter;
    r.unit = "kHz";
    if (rate.constant) {
        if (*rate.constant < 0) config_error(o, "the rate cannot be negative");
        r.init.args = {*rate.constant};
    } else {
        r.init.kind = "expression";
        r.init.expression = rate.expr;
    }
    add_var(r);
    const std::string next = p.name + ".next_spike";
    add_state_var(next, DType::i64, {plan_.batch, p.size});
    for (auto& v : plan_.variables)
        if (v.name == next) {
            v.init.args = {-1.0};
            v.batched = true;
        }
    PoissonPayload pp{p.name, p.size, r.name, pop.spikes_var, pop.count_var, pop.total_var, next};
    OpSpec op;
    op.name = p.name + ".poisson";
    op.kind = "poisson_input";
    op.owner = p.name;
    op.inputs = {{r.name, Read::now}, {next, Read::prev}};
    spike_outputs(op, pop);
    op.outputs.push_back({next, WriteMode::assign});
    op.payload = pp;
    sources_.push_back(std::move(op));
    populations_.push_back(pop);
}

void PlanBuilder::add_spike_times(const SpikeTimesInput& s) {
    const TextOrigin o = with_key(s.origin, "inputs." + s.name);
    check_population_size(s.size, o);
    if (s.indices.size() != s.times_ms.size())
        config_error(o, fmt::format("indices has {} entries but times has {}; they pair up "
                                    "one to one", s.indices.size(), s.times_ms.size()));
    std::vector<std::pair<std::int64_t, std::int32_t>> events;
    for (std::size_t k = 0; k < s.indices.size(); ++k) {
        if (s.indices[k] < 0 || static_cast<std::size_t>(s.indices[k]) >= s.size)
            config_error(o, fmt::format("index {} is out of range for input '{}' ({} sources)",
                                        s.indices[k], s.name, s.size));
        if (!(s.times_ms[k] >= 0)) config_error(o, "spike times cannot be negative");
        events.emplace_back(to_steps(s.times_ms[k], plan_.dt_ms, o),
                            static_cast<std::int32_t>(s.indices[k]));
    }
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

void PlanBuilder::add_current(const CurrentInput& c) {
    const std::string key = "inputs." + c.name;
    const TextOrigin o = with_key(c.origin, key);
    GroupRef target = c.target;
    const auto& g = group_slice(target, o, "target");
    const auto* v = g.find(c.variable);
    if (!v) {
        std::vector<std::string> names;
        for (const auto& x : g.variables) names.push_back(x.name);
        config_error(o, fmt::format("group '{}' has no variable '{}'{}", g.name, c.variable,
                                    did_you_mean(c.variable, names)));
    }
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
