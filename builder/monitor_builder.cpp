// The builder's part for monitors: spike and state monitors, and what the simulator needs to
// know about each (MonitorInfo).

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "builder/plan_builder.hpp"
#include "builder/record_ops.hpp"
#include "core/text.hpp"

namespace spikegraph::detail {

void PlanBuilder::add_spike_monitor(const SpikeMonitorSpec& m) {
    const TextOrigin o = with_key(m.origin, "monitors." + m.name);
    GroupRef ref = m.source;
    const Population& p = population(ref, o, "group");
    MonitorInfo info;
    info.kind = MonitorInfo::Kind::spike;
    info.name = m.name;
    info.op = m.name + ".record";
    spike_monitors_.push_back(spike_record_op(info.op, m.name, p.spikes_var, p.count_var,
                                              ref.begin, ref.end));
    info.group = p.name;
    info.begin = ref.begin;
    info.end = ref.end;
    result_.monitors.push_back(info);
}

void PlanBuilder::add_state_monitor(const StateMonitorSpec& m) {
    const std::string key = "monitors." + m.name;
    const TextOrigin o = with_key(m.origin, key);
    GroupRef ref = m.group;
    const auto& g = group_slice(ref, o, "group");
    if (m.variables.empty()) config_error(o, "a state monitor needs at least one variable");
    MonitorInfo info;
    info.kind = MonitorInfo::Kind::state;
    info.name = m.name;
    info.op = m.name + ".record";
    info.group = g.name;
    info.begin = ref.begin;
    info.end = ref.end;
    StateMonitorPayload sp;
    std::vector<std::string> names;
    for (const auto& v : g.variables) names.push_back(v.name);
    for (const auto& name : m.variables) {
        // Each variable becomes the file NAME.VAR.npy beside NAME.t.npy and NAME.index.npy.
        if (std::count(m.variables.begin(), m.variables.end(), name) > 1)
            config_error(o, fmt::format("variable '{}' is listed twice; list each variable once",
                                        name));
        if (name == "t" || name == "index")
            config_error(o, fmt::format("variable '{}' clashes with the monitor's own '{}' file "
                                        "({}.{}.npy); record it through an alias",
                                        name, name, m.name, name));
        const auto* v = g.find(name);
        if (!v)
            config_error(o, fmt::format("group '{}' has no variable '{}'{}; variables: {}",
                                        g.name, name, did_you_mean(name, names),
                                        fmt::join(names, ", ")));
        sp.vars.push_back(v->var);
        info.variables.push_back(name);
        info.units.push_back(display_unit(v->dim));
    }
    const std::size_t width = ref.end - ref.begin;
    if (m.indices.empty()) {
        for (std::size_t k = 0; k < width; ++k) info.indices.push_back(static_cast<std::int64_t>(k));
    } else {
        for (auto k : m.indices) {
            if (k < 0 || static_cast<std::size_t>(k) >= width)
                config_error(o, fmt::format("index {} is out of range for {} ({} neurons)", k,
                                            ref.to_string(), width));
            info.indices.push_back(k);
        }
    }
    for (auto k : info.indices) sp.indices.push_back(static_cast<std::int64_t>(ref.begin) + k);
    if (!m.every.empty()) {
        SymbolDims none;
        auto every = parse_value(m.every, with_key(o, key + ".every"), none);
        expect_dimension(every, dim::time(), m.every, o, key + ".every");
        sp.every_steps = to_steps(*every.constant, plan_.dt_ms, detail::origin_of(m.every, o));
        if (sp.every_steps < 1)
            config_error(detail::origin_of(m.every, o), "the record interval must be at least one step (dt)");
    }
    info.every_steps = sp.every_steps;
    state_monitors_.push_back(state_record_op(info.op, m.name, std::move(sp)));
    result_.monitors.push_back(info);
}

}  // namespace spikegraph::detail
