// The builder's part for monitors: spike and state monitors (of neuron groups, and of a synapse
// model's synapses), the final synapse states, and what the simulator needs to know about each
// (MonitorInfo, SynapseStateInfo).

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "builder/plan_builder.hpp"
#include "builder/record_ops.hpp"
#include "core/text.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::detail {

namespace {

// The names a state monitor's variables must not take: the files of the monitor's own.
bool own_file(const std::string& variable, bool synapses) {
    return variable == "t" || variable == "index" ||
           (synapses && (variable == "pre" || variable == "post"));
}

// Each variable once, none named after one of the monitor's own files.
void check_recorded_names(const std::string& monitor, const std::vector<std::string>& variables,
                          bool synapses, const TextOrigin& o) {
    for (const auto& name : variables) {
        // Each variable becomes the file NAME.VAR.npy beside NAME.t.npy and NAME.index.npy.
        if (std::count(variables.begin(), variables.end(), name) > 1)
            config_error(o, fmt::format("variable '{}' is listed twice; list each variable once",
                                        name));
        if (own_file(name, synapses))
            config_error(o, fmt::format("variable '{}' clashes with the monitor's own '{}' file "
                                        "({}.{}.npy); record it through an alias",
                                        name, name, monitor, name));
    }
}

// A synapse index variable's values (pre_index, indices): constant data made by the builder.
const std::vector<double>& index_data(const Plan& plan, const std::string& var) {
    const VariableSpec* v = plan.find_variable(var);
    if (!v || v->init.kind != "data" || !v->init.data)
        throw BuildError(fmt::format("the synapse index variable '{}' holds no data", var));
    return *v->init.data;
}

}  // namespace

void PlanBuilder::add_spike_monitor(const SpikeMonitorSpec& m) {
    const TextOrigin o = with_key(m.origin, "monitors." + m.name);
    GroupRef ref = m.source;
    const Population& p = population(ref, o, "group");
    MonitorInfo info;
    info.kind = m.population_rate ? MonitorInfo::Kind::rate : MonitorInfo::Kind::spike;
    info.name = m.name;
    info.op = m.name + ".record";
    if (m.population_rate) {
        info.every_steps = record_interval(m.bin, "monitors." + m.name + ".bin", o, "rate bin", true);
    } else if (!m.bin.empty()) {
        config_error(o, "'bin' belongs to a rate monitor (type: rate); a spike monitor records "
                        "every spike");
    }
    spike_monitors_.push_back(spike_record_op(info.op, m.name, p.spikes_var, p.count_var,
                                              ref.begin, ref.end));
    info.group = p.name;
    info.begin = ref.begin;
    info.end = ref.end;
    result_.monitors.push_back(info);
}

std::int64_t PlanBuilder::record_interval(const ValueSpec& every, const std::string& key,
                                          const TextOrigin& o, const char* what,
                                          bool whole_steps) const {
    if (every.empty()) return 1;
    SymbolDims none;
    auto value = parse_value(every, with_key(o, key), none);
    expect_dimension(value, dim::time(), every, o, key);
    const std::int64_t steps = to_steps(*value.constant, plan_.dt_ms, origin_of(every, o));
    // A rate is spikes per bin over the bin's duration: a bin that is not a whole number of
    // steps would have no well-defined duration, so it is refused rather than rounded.
    const double ratio = *value.constant / plan_.dt_ms;
    if (whole_steps && steps >= 1 && std::fabs(ratio - static_cast<double>(steps)) > 1e-9 * ratio)
        config_error(origin_of(every, o),
                     fmt::format("the {} of {} ms is {:.6g} steps of dt = {} ms; give a whole "
                                 "number of steps (e.g. {} ms)",
                                 what, *value.constant, ratio, plan_.dt_ms,
                                 static_cast<double>(std::max<std::int64_t>(steps, 1)) *
                                     plan_.dt_ms));
    if (steps < 1)
        config_error(origin_of(every, o), fmt::format("the {} must be at least one step (dt)",
                                                      what));
    return steps;
}

void PlanBuilder::add_state_monitor(const StateMonitorSpec& m) {
    const std::string key = "monitors." + m.name;
    const TextOrigin o = with_key(m.origin, key);
    // A neuron group comes first: a connection of the same name is monitored by renaming it.
    if (!groups_.count(m.group.group)) {
        std::vector<std::string> names;
        for (const auto& [name, group] : groups_) names.push_back(name);
        for (const auto& c : net_.connections) {
            if (c.name == m.group.group) {
                add_synapse_monitor(m, o);
                return;
            }
            names.push_back(c.name);
        }
        config_error(o, fmt::format("group '{}' is not a neuron group or a connection{}; a state "
                                    "monitor records the variables of either",
                                    m.group.group, did_you_mean(m.group.group, names)));
    }
    GroupRef ref = m.group;
    const auto& g = group_slice(ref, o, "group");
    if (m.variables.empty()) config_error(o, "a state monitor needs at least one variable");
    if (!m.synapses.empty() || !m.pairs.empty())
        config_error(o, fmt::format("'synapses' and 'pairs' choose the synapses of a connection, "
                                    "but '{}' is a neuron group: choose its neurons with "
                                    "'indices'", g.name));
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
    check_recorded_names(m.name, m.variables, false, o);
    for (const auto& name : m.variables) {
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
    sp.every_steps = record_interval(m.every, "monitors." + m.name + ".every", o, "record interval");
    info.every_steps = sp.every_steps;
    state_monitors_.push_back(state_record_op(info.op, m.name, std::move(sp)));
    result_.monitors.push_back(info);
}

const SynapseGroupInfo& PlanBuilder::synapse_group(const std::string& connection,
                                                   const TextOrigin& o,
                                                   const char* what) const {
    for (const auto& sg : result_.synapse_groups)
        if (sg.name == connection) return sg;
    std::vector<std::string> names;
    for (const auto& c : net_.connections) {
        if (c.name == connection)
            config_error(o, fmt::format(
                "connection '{}' has no synapse model, so its synapses have no variables for a "
                "{}: only synapse models have them; give the connection a model (e.g. model: "
                "\"w : 1\" with on_pre: \"{}_post += w\") or a plasticity rule",
                connection, what, c.target.empty() ? "g" : c.target));
        names.push_back(c.name);
    }
    config_error(o, fmt::format("'{}' is not a connection{}; a {} names a connection with a "
                                "synapse model",
                                connection, did_you_mean(connection, names), what));
}

// The synapses `m` selects, in the order given: by synapse index, by (pre, post) pair (every
// synapse of the pair, in CSR order), or every synapse.
std::vector<std::int64_t> PlanBuilder::chosen_synapses(const StateMonitorSpec& m,
                                                       const SynapseGroupInfo& sg,
                                                       const TextOrigin& o) const {
    const auto nnz = static_cast<std::int64_t>(sg.synapses);
    // The key of the entry at fault: monitors.NAME.pairs[k], as the YAML loader names it.
    const auto at = [&](const char* list, std::size_t k) {
        TextOrigin where = o;
        where.key = fmt::format("monitors.{}.{}[{}]", m.name, list, k);
        return where;
    };
    std::vector<std::int64_t> chosen;
    if (m.synapses.empty() && m.pairs.empty()) {
        for (std::int64_t s = 0; s < nnz; ++s) chosen.push_back(s);
        return chosen;
    }
    for (std::size_t n = 0; n < m.synapses.size(); ++n) {
        const std::int64_t s = m.synapses[n];
        if (s < 0 || s >= nnz)
            config_error(at("synapses", n),
                         fmt::format("synapse {} is out of range: connection '{}' has {} "
                                     "synapses (indices 0 to {})",
                                     s, sg.name, nnz, nnz - 1));
        chosen.push_back(s);
    }
    if (m.pairs.empty()) return chosen;
    // CSR order: sorted by pre, then by post, so a pair's synapses are one run of equal keys.
    const std::vector<double>& pre = index_data(plan_, sg.pre_index_var);
    const std::vector<double>& post = index_data(plan_, sg.post_index_var);
    for (std::size_t n = 0; n < m.pairs.size(); ++n) {
        const auto [i, j] = m.pairs[n];
        const double li = static_cast<double>(i - static_cast<std::int64_t>(sg.pre_begin));
        const double lj = static_cast<double>(j - static_cast<std::int64_t>(sg.post_begin));
        std::size_t k = static_cast<std::size_t>(
            std::lower_bound(pre.begin(), pre.end(), li) - pre.begin());
        const std::size_t found = chosen.size();
        for (; k < pre.size() && pre[k] == li; ++k)
            if (post[k] == lj) chosen.push_back(static_cast<std::int64_t>(k));
        if (chosen.size() == found)
            config_error(at("pairs", n),
                         fmt::format("connection '{}' has no synapse from neuron {} of '{}' to "
                                     "neuron {} of '{}'; pairs name existing synapses by their "
                                     "neurons' indices in the groups",
                                     sg.name, i, sg.pre, j, sg.post));
    }
    return chosen;
}

void PlanBuilder::add_synapse_monitor(const StateMonitorSpec& m, const TextOrigin& o) {
    const SynapseGroupInfo& sg = synapse_group(m.group.group, o, "state monitor");
    if (m.group.begin != 0 || m.group.end != GroupRef::k_all)
        config_error(o, fmt::format("{}: a connection has no slices; choose its synapses with "
                                    "'synapses' (indices) or 'pairs'", m.group.to_string()));
    if (!m.indices.empty())
        config_error(o, fmt::format("'indices' choose neurons, but '{}' is a connection: choose "
                                    "its synapses with 'synapses' (indices) or 'pairs'", sg.name));
    if (!m.synapses.empty() && !m.pairs.empty())
        config_error(o, "give 'synapses' or 'pairs', not both");
    if (m.variables.empty()) config_error(o, "a state monitor needs at least one variable");
    check_recorded_names(m.name, m.variables, true, o);
    MonitorInfo info;
    info.kind = MonitorInfo::Kind::state;
    info.synapses = true;
    info.name = m.name;
    info.op = m.name + ".record";
    info.group = sg.name;
    info.begin = 0;
    info.end = sg.synapses;
    StateMonitorPayload sp;
    for (const auto& name : m.variables) {
        const SynapseGroupInfo::Variable* v = synapse_variable(sg, name, o);
        sp.vars.push_back(v->var);
        info.variables.push_back(name);
        info.units.push_back(v->unit);
    }
    info.indices = chosen_synapses(m, sg, o);
    sp.indices = info.indices;
    sp.every_steps = record_interval(m.every, "monitors." + m.name + ".every", o, "record interval");
    info.every_steps = sp.every_steps;
    state_monitors_.push_back(state_record_op(info.op, m.name, std::move(sp)));
    result_.monitors.push_back(info);
}

const SynapseGroupInfo::Variable* PlanBuilder::synapse_variable(const SynapseGroupInfo& sg,
                                                                const std::string& name,
                                                                const TextOrigin& o) const {
    std::vector<std::string> names;
    for (const auto& v : sg.variables) {
        if (v.name == name) return &v;
        names.push_back(v.name);
    }
    config_error(o, fmt::format("the synapse model of connection '{}' has no variable '{}'{}; "
                                "variables: {}",
                                sg.name, name, did_you_mean(name, names), fmt::join(names, ", ")));
}

void PlanBuilder::add_synapse_state(const SynapseStateSpec& s) {
    const TextOrigin o = with_key(s.origin, "monitors." + s.name);
    if (!is_identifier(s.name))
        config_error(o, fmt::format("synapse state name '{}' is not a valid name; use letters, "
                                    "digits and '_', starting with a letter or '_'", s.name));
    // Its files NAME.VAR.npy share the directory with the monitors' NAME.t.npy, ...
    const auto taken = [&](const std::string& name) {
        return std::any_of(result_.monitors.begin(), result_.monitors.end(),
                           [&](const MonitorInfo& m) { return m.name == name; }) ||
               std::any_of(result_.synapse_states.begin(), result_.synapse_states.end(),
                           [&](const SynapseStateInfo& x) { return x.name == name; });
    };
    if (taken(s.name))
        config_error(o, fmt::format("the name '{}' is already a monitor's or a synapse state's; "
                                    "their files would collide: choose another name", s.name));
    const SynapseGroupInfo& sg = synapse_group(s.connection, o, "synapse state");
    SynapseStateInfo info;
    info.name = s.name;
    info.connection = sg.name;
    if (s.variables.empty()) {
        for (const auto& v : sg.variables) info.variables.push_back(v.name);
    } else {
        for (const auto& name : s.variables) {
            if (std::count(s.variables.begin(), s.variables.end(), name) > 1)
                config_error(o, fmt::format("variable '{}' is listed twice; list each variable "
                                            "once", name));
            info.variables.push_back(synapse_variable(sg, name, o)->name);
        }
    }
    for (const auto& name : info.variables)
        if (name == "pre" || name == "post")
            config_error(o, fmt::format("variable '{}' clashes with the file {}.{}.npy of the "
                                        "synapses' {} neurons; rename it in the model",
                                        name, s.name, name, name));
    result_.synapse_states.push_back(std::move(info));
}

}  // namespace spikegraph::detail
