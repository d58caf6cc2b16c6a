#include "builder/builder.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "builder/init_expressions.hpp"
#include "builder/initializers.hpp"
#include "builder/plan_builder.hpp"
#include "builder/schedule.hpp"
#include <spikegraph/error.hpp>
#include "core/build_status.hpp"
#include "core/log.hpp"
#include "core/memory_size.hpp"
#include "core/text.hpp"
#include "frontend/parameters.hpp"

namespace spikegraph {
namespace detail {

TextOrigin with_key(TextOrigin o, const std::string& key) {
    if (o.key.empty()) o.key = key;
    return o;
}

PlanBuilder::PlanBuilder(const Network& net) : net_(net) {
    const auto& s = net.settings;
    if (!(s.dt_ms > 0)) throw ConfigError(fmt::format("simulation.dt must be positive, got {} ms", s.dt_ms));
    if (s.batch < 1) throw ConfigError("simulation.batch must be at least 1");
    if (s.threads < 0 || s.threads > k_max_threads)
        throw ConfigError(fmt::format("simulation.threads must be between 0 (one per hardware "
                                      "thread) and {}, got {}", k_max_threads, s.threads));
    plan_.dt_ms = s.dt_ms;
    plan_.batch = s.batch;
    plan_.seed = s.seed;
    plan_.precision = s.precision;
    real_ = real_dtype(s.precision);
    limit_ = memory_limit(s.max_memory_bytes);
}

BuildResult PlanBuilder::run() {
    // Every expression checked during the build sees the network's parameters.
    const ParameterScope parameters(resolve_parameters(net_.parameters));
    check_names();
    load_timed_arrays();
    // Every expression of this build may call the arrays by name.
    const TimedArrayScope arrays(timed_arrays_);
    std::map<std::string, std::set<std::string>> per_neuron;
    for (const auto& c : net_.current_inputs) per_neuron[c.target.group].insert(c.variable);
    std::map<std::string, std::set<std::string>> summed = summed_targets();
    for (const auto& g : net_.groups) {
        set_build_phase("neuron group " + g.name());
        check_population_size(g.size(), with_key(g.origin, "groups." + g.name()));
        auto built = detail::build_group(g, plan_.dt_ms, plan_.batch, plan_.precision,
                                         per_neuron[g.name()], summed[g.name()]);
        check_per_neuron_symbols(g, built);
        evaluate_dependent_inits(built, plan_.seed);
        {
            const auto& up = payload_as<NeuronUpdatePayload>(built.update);
            std::vector<expr::Ptr> exprs = up.next_value;
            exprs.push_back(up.threshold);
            exprs.push_back(up.refractory_condition);
            if (!built.reset.kind.empty())
                for (const auto& st : payload_as<NeuronResetPayload>(built.reset).statements)
                    exprs.push_back(st.value);
            check_timed_array_columns(exprs, g.name(), g.size());
        }
        for (auto& s : built.specs) add_var(std::move(s));
        built.specs.clear();
        populations_.push_back({g.name(), "neurons", built.spikes_var, built.count_var,
                                built.total_var, g.size()});
        result_.neurons += g.size();
        result_.folded_parameters.insert(built.folded.begin(), built.folded.end());
        updates_.push_back(built.update);
        if (!built.reset.kind.empty()) resets_.push_back(built.reset);
        groups_.emplace(g.name(), std::move(built));
    }
    set_build_phase("inputs");
    for (const auto& p : net_.poisson_inputs) add_poisson(p);
    for (const auto& s : net_.spike_inputs) add_spike_times(s);
    for (const auto& c : net_.current_inputs) add_current(c);
    for (const auto& d : net_.poisson_drives) add_poisson_drive(d);
    // Before any synapse is made: a network that cannot fit is refused from its expected size.
    check_memory(estimate_memory(true), limit_);
    for (const auto& c : net_.connections) {
        const std::size_t before = result_.synapses;
        set_build_phase("connection " + c.name);
        add_connection(c);
        synapse_counts_[c.name] = result_.synapses - before;
    }
    for (const auto& m : net_.spike_monitors) add_spike_monitor(m);
    for (const auto& m : net_.state_monitors) add_state_monitor(m);
    for (const auto& s : net_.synapse_states) add_synapse_state(s);
    for (const auto& op : net_.custom_ops) add_custom_op(op);

    // Declaration order follows Brian's schedule, so ties fall the way Brian runs them.
    set_build_phase("schedule");
    std::vector<OpSpec> ops;
    for (auto* list : {&currents_, &state_monitors_, &sources_, &updates_, &deliveries_,
                       &post_pathways_, &resets_, &custom_, &spike_monitors_})
        for (auto& op : *list) {
            op.declared = ops.size();
            ops.push_back(std::move(op));
        }
    Schedule schedule = schedule_ops(std::move(ops));
    plan_.ops = std::move(schedule.ops);
    for (const auto& s : schedule.snapshots) {
        VariableSpec copy = *plan_.find_variable(s.var);
        copy.name = s.snapshot;
        copy.role = Role::temporary;
        add_var(std::move(copy));
    }
    plan_.snapshots = std::move(schedule.snapshots);

    // As built (per-synapse delays known), before the backend allocates anything.
    result_.memory = estimate_memory(false);
    check_memory(result_.memory, limit_);
    for (const auto& v : plan_.variables) check_initializer(v, plan_.seed);
    for (const auto& v : plan_.variables) result_.state_bytes += v.size() * dtype_size(v.dtype);
    for (const auto& p : populations_)
        result_.populations.push_back({p.name, p.kind, p.size, p.total_var});
    result_.plan = std::move(plan_);
    return std::move(result_);
}

void PlanBuilder::check_per_neuron_symbols(const NeuronGroup& g, const BuiltGroup& built) const {
    const auto count = [](const std::vector<SymbolBinding>& symbols) {
        return std::count_if(symbols.begin(), symbols.end(), [](const SymbolBinding& s) {
            return s.source != SymbolBinding::Source::shared;
        });
    };
    std::size_t most = static_cast<std::size_t>(
        count(payload_as<NeuronUpdatePayload>(built.update).symbols));
    if (!built.reset.kind.empty())
        most = std::max(most, static_cast<std::size_t>(
                                  count(payload_as<NeuronResetPayload>(built.reset).symbols)));
    if (most > k_max_per_neuron_symbols)
        config_error(with_key(g.origin, "groups." + g.name()),
                     fmt::format("the model's equations use {} per-neuron variables and "
                                 "parameters; at most {} are supported (make parameters shared "
                                 "where they are the same for every neuron)",
                                 most, k_max_per_neuron_symbols));
}

void PlanBuilder::check_names() {
    std::set<std::string> seen;
    auto claim = [&](const std::string& name, const TextOrigin& o, const char* what) {
        if (!is_identifier(name))
            config_error(o, fmt::format("{} name '{}' is not a valid name; use letters, digits "
                                        "and '_', starting with a letter or '_'", what, name));
        if (!seen.insert(name).second)
            config_error(o, fmt::format("the name '{}' is used twice; groups and inputs need "
                                        "distinct names", name));
    };
    for (const auto& g : net_.groups) claim(g.name(), g.origin, "group");
    for (const auto& p : net_.poisson_inputs) claim(p.name, p.origin, "input");
    for (const auto& s : net_.spike_inputs) claim(s.name, s.origin, "input");
    for (const auto& d : net_.poisson_drives) claim(d.name, d.origin, "input");
    std::set<std::string> monitors;
    auto claim_monitor = [&](const std::string& name, const TextOrigin& o) {
        if (!is_identifier(name))
            config_error(o, fmt::format("monitor name '{}' is not a valid name; use letters, "
                                        "digits and '_', starting with a letter or '_'", name));
        if (!monitors.insert(name).second)
            config_error(o, fmt::format("two monitors are named '{}'; their files would "
                                        "collide", name));
    };
    for (const auto& m : net_.spike_monitors) claim_monitor(m.name, m.origin);
    for (const auto& m : net_.state_monitors) claim_monitor(m.name, m.origin);
}

void PlanBuilder::add_var(VariableSpec v) {
    if (plan_.find_variable(v.name))
        throw BuildError(fmt::format("variable '{}' is declared twice", v.name));
    plan_.variables.push_back(std::move(v));
}

void PlanBuilder::add_data_var(const std::string& name, DType t, std::vector<double> data) {
    VariableSpec v;
    v.name = name;
    v.dtype = t;
    v.shape = {data.size()};
    v.role = Role::constant;
    v.init.kind = "data";
    v.init.data = std::make_shared<const std::vector<double>>(std::move(data));
    add_var(std::move(v));
}

void PlanBuilder::add_state_var(const std::string& name, DType t, std::vector<std::size_t> shape) {
    VariableSpec v;
    v.name = name;
    v.dtype = t;
    v.shape = std::move(shape);
    v.role = Role::state;
    add_var(std::move(v));
}

// The neuron group named by `ref`, with its slice resolved and checked.
const detail::BuiltGroup& PlanBuilder::group_slice(GroupRef& ref, const TextOrigin& o, const char* role) {
    auto it = groups_.find(ref.group);
    if (it == groups_.end()) {
        std::vector<std::string> names;
        for (const auto& [k, g] : groups_) names.push_back(k);
        config_error(o, fmt::format("{} '{}' is not a neuron group{}", role, ref.group,
                                    did_you_mean(ref.group, names)));
    }
    resolve_slice(ref, it->second.size, o);
    return it->second;
}

void PlanBuilder::resolve_slice(GroupRef& ref, std::size_t size, const TextOrigin& o) {
    if (ref.end == GroupRef::k_all) ref.end = size;
    if (ref.end > size || ref.begin >= ref.end)
        config_error(o, fmt::format("{}: the slice [{}:{}] is out of range for '{}' ({} "
                                    "neurons)", ref.to_string(), ref.begin, ref.end, ref.group, size));
}

const Population& PlanBuilder::population(GroupRef& ref, const TextOrigin& o, const char* role) {
    for (const auto& p : populations_)
        if (p.name == ref.group) {
            resolve_slice(ref, p.size, o);
            return p;
        }
    std::vector<std::string> names;
    for (const auto& p : populations_) names.push_back(p.name);
    config_error(o, fmt::format("{} '{}' is not a group or spike input{}", role, ref.group,
                                did_you_mean(ref.group, names)));
}

void PlanBuilder::add_custom_op(const CustomOp& c) {
    for (const auto& v : c.variables) {
        VariableSpec s;
        s.name = v.name;
        s.dtype = v.real ? real_ : DType::i64;
        s.shape = v.shape;
        s.role = Role::state;
        s.unit = v.unit;
        s.init.args = {v.initial};
        add_var(std::move(s));
    }
    OpSpec op;
    op.name = c.name;
    op.kind = c.kind;
    op.owner = c.name;
    op.params = c.params;
    auto check = [&](const std::string& var) {
        if (!plan_.find_variable(var)) {
            std::vector<std::string> names;
            for (const auto& v : plan_.variables) names.push_back(v.name);
            throw BuildError(fmt::format("op '{}' uses variable '{}', which does not exist{}",
                                         c.name, var, did_you_mean(var, names)));
        }
    };
    for (const auto& r : c.reads) {
        check(r.var);
        op.inputs.push_back({r.var, r.now ? Read::now : Read::prev});
    }
    for (const auto& w : c.writes) {
        check(w.var);
        WriteMode mode = WriteMode::assign;
        if (w.mode == "accumulate") mode = WriteMode::accumulate;
        else if (w.mode == "modify") mode = WriteMode::modify;
        else if (w.mode != "assign")
            throw BuildError(fmt::format("op '{}': write mode '{}' of '{}' is not assign, "
                                         "accumulate or modify", c.name, w.mode, w.var));
        op.outputs.push_back({w.var, mode});
    }
    custom_.push_back(std::move(op));
}

}  // namespace detail

BuildResult build(const Network& network) {
    const auto start = std::chrono::steady_clock::now();
    BuildResult result = detail::PlanBuilder(network).run();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    logger("spikegraph.builder")
        ->info("built {} neurons, {} synapses, {} ops; {:.1f} MiB of state; needs about {} of "
               "memory ({}); {:.3f} s",
               result.neurons, result.synapses, result.plan.ops.size(),
               static_cast<double>(result.state_bytes) / (1 << 20),
               format_bytes(result.memory.total()), result.memory.breakdown(), seconds);
    return result;
}

}  // namespace spikegraph
