#include "builder/builder.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "backend/cpu/initializers.hpp"
#include "builder/connectivity.hpp"
#include "builder/group_builder.hpp"
#include "builder/op_payloads.hpp"
#include "builder/record_ops.hpp"
#include "builder/schedule.hpp"
#include "builder/values.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/expr_eval.hpp"
#include "core/random.hpp"
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph {

namespace {

using detail::config_error;
using detail::did_you_mean;
using detail::expect_dimension;
using detail::parse_value;

TextOrigin with_key(TextOrigin o, const std::string& key) {
    if (o.key.empty()) o.key = key;
    return o;
}

struct Population {
    std::string name, kind, spikes_var, count_var, total_var;
    std::size_t size = 0;
};

class PlanBuilder {
public:
    explicit PlanBuilder(const Network& net) : net_(net) {
        const auto& s = net.settings;
        if (!(s.dt_ms > 0)) throw ConfigError(fmt::format("simulation.dt must be positive, got {} ms", s.dt_ms));
        if (s.batch < 1) throw ConfigError("simulation.batch must be at least 1");
        plan_.dt_ms = s.dt_ms;
        plan_.batch = s.batch;
        plan_.seed = s.seed;
        plan_.precision = s.precision;
        real_ = real_dtype(s.precision);
    }

    BuildResult run() {
        check_names();
        std::map<std::string, std::set<std::string>> per_neuron;
        for (const auto& c : net_.current_inputs) per_neuron[c.target.group].insert(c.variable);
        for (const auto& g : net_.groups) {
            if (g.size() == 0)
                config_error(with_key(g.origin, "groups." + g.name()), "size must be at least 1");
            auto built = detail::build_group(g, plan_.dt_ms, plan_.batch, plan_.precision,
                                             per_neuron[g.name()]);
            for (auto& s : built.specs) add_var(std::move(s));
            built.specs.clear();
            populations_.push_back({g.name(), "neurons", built.spikes_var, built.count_var,
                                    built.total_var, g.size()});
            result_.neurons += g.size();
            updates_.push_back(built.update);
            if (!built.reset.kind.empty()) resets_.push_back(built.reset);
            groups_.emplace(g.name(), std::move(built));
        }
        for (const auto& p : net_.poisson_inputs) add_poisson(p);
        for (const auto& s : net_.spike_inputs) add_spike_times(s);
        for (const auto& c : net_.current_inputs) add_current(c);
        for (const auto& c : net_.connections) add_connection(c);
        for (const auto& m : net_.spike_monitors) add_spike_monitor(m);
        for (const auto& m : net_.state_monitors) add_state_monitor(m);
        for (const auto& op : net_.custom_ops) add_custom_op(op);

        // Declaration order follows Brian's schedule, so ties fall the way Brian runs them.
        std::vector<OpSpec> ops;
        for (auto* list : {&currents_, &state_monitors_, &sources_, &updates_, &deliveries_,
                           &resets_, &custom_, &spike_monitors_})
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

        for (const auto& v : plan_.variables) result_.state_bytes += v.size() * dtype_size(v.dtype);
        for (const auto& p : populations_)
            result_.populations.push_back({p.name, p.kind, p.size, p.total_var});
        result_.plan = std::move(plan_);
        return std::move(result_);
    }

private:
    void check_names() {
        std::set<std::string> seen;
        auto claim = [&](const std::string& name, const TextOrigin& o, const char* what) {
            if (name.empty() || name.find_first_of(".[]: /") != std::string::npos)
                config_error(o, fmt::format("{} name '{}' must be a non-empty identifier", what, name));
            if (!seen.insert(name).second)
                config_error(o, fmt::format("the name '{}' is used twice; groups and inputs need "
                                            "distinct names", name));
        };
        for (const auto& g : net_.groups) claim(g.name(), g.origin, "group");
        for (const auto& p : net_.poisson_inputs) claim(p.name, p.origin, "input");
        for (const auto& s : net_.spike_inputs) claim(s.name, s.origin, "input");
        std::set<std::string> monitors;
        auto claim_monitor = [&](const std::string& name, const TextOrigin& o) {
            if (name.empty() || name.find_first_of("/ ") != std::string::npos)
                config_error(o, fmt::format("monitor name '{}' must be a non-empty identifier", name));
            if (!monitors.insert(name).second)
                config_error(o, fmt::format("two monitors are named '{}'; their files would "
                                            "collide", name));
        };
        for (const auto& m : net_.spike_monitors) claim_monitor(m.name, m.origin);
        for (const auto& m : net_.state_monitors) claim_monitor(m.name, m.origin);
    }

    void add_var(VariableSpec v) {
        if (plan_.find_variable(v.name))
            throw BuildError(fmt::format("variable '{}' is declared twice", v.name));
        plan_.variables.push_back(std::move(v));
    }

    void add_spike_source_vars(const std::string& name, std::size_t n, Population& pop) {
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

    static void spike_outputs(OpSpec& op, const Population& pop) {
        op.outputs = {{pop.spikes_var, WriteMode::assign},
                      {pop.count_var, WriteMode::assign},
                      {pop.total_var, WriteMode::assign}};
    }

    void add_poisson(const PoissonInput& p) {
        const TextOrigin o = with_key(p.origin, "inputs." + p.name);
        if (p.size == 0) config_error(o, "size must be at least 1");
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
        PoissonPayload pp{p.name, p.size, r.name, pop.spikes_var, pop.count_var, pop.total_var};
        OpSpec op;
        op.name = p.name + ".poisson";
        op.kind = "poisson_input";
        op.owner = p.name;
        op.inputs = {{r.name, Read::now}};
        spike_outputs(op, pop);
        op.payload = pp;
        sources_.push_back(std::move(op));
        populations_.push_back(pop);
    }

    void add_spike_times(const SpikeTimesInput& s) {
        const TextOrigin o = with_key(s.origin, "inputs." + s.name);
        if (s.size == 0) config_error(o, "size must be at least 1");
        if (s.indices.size() != s.times_ms.size())
            config_error(o, fmt::format("indices has {} entries but times has {}; they pair up "
                                        "one to one", s.indices.size(), s.times_ms.size()));
        std::vector<std::pair<std::int64_t, std::int32_t>> events;
        for (std::size_t k = 0; k < s.indices.size(); ++k) {
            if (s.indices[k] < 0 || static_cast<std::size_t>(s.indices[k]) >= s.size)
                config_error(o, fmt::format("index {} is out of range for input '{}' ({} sources)",
                                            s.indices[k], s.name, s.size));
            if (!(s.times_ms[k] >= 0)) config_error(o, "spike times cannot be negative");
            events.emplace_back(std::llround(s.times_ms[k] / plan_.dt_ms),
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

    // The neuron group named by `ref`, with its slice resolved and checked.
    const detail::BuiltGroup& group_slice(GroupRef& ref, const TextOrigin& o, const char* role) {
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

    void resolve_slice(GroupRef& ref, std::size_t size, const TextOrigin& o) {
        if (ref.end == GroupRef::k_all) ref.end = size;
        if (ref.end > size || ref.begin >= ref.end)
            config_error(o, fmt::format("{}: the slice [{}:{}] is out of range for '{}' ({} "
                                        "neurons)", ref.to_string(), ref.begin, ref.end, ref.group, size));
    }

    const Population& population(GroupRef& ref, const TextOrigin& o, const char* role) {
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

    void add_current(const CurrentInput& c) {
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
            const std::int64_t step = std::llround(*t.constant / plan_.dt_ms);
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

    void add_connection(const Connection& c) {
        const std::string key = "connections." + c.name;
        const TextOrigin o = with_key(c.origin, key);
        if (c.name.empty() || c.name.find_first_of(".[]: /") != std::string::npos)
            config_error(o, fmt::format("connection name '{}' must be a non-empty identifier", c.name));
        GroupRef pre = c.pre, post = c.post;
        const Population& src = population(pre, o, "pre");
        const auto& dst = group_slice(post, o, "post");
        auto state_target = [&](const std::string& name, const TextOrigin& where) {
            const auto* target = dst.find(name);
            if (!target || !target->state) {
                std::vector<std::string> names;
                for (const auto& v : dst.variables)
                    if (v.state) names.push_back(v.name);
                config_error(where, fmt::format("target '{}' is not a state variable of group "
                                                "'{}'{}; state variables: {}", name, dst.name,
                                                did_you_mean(name, names), fmt::join(names, ", ")));
            }
            return target;
        };
        const std::size_t pre_n = pre.end - pre.begin, post_n = post.end - post.begin;
        const bool same = src.name == dst.name;
        const std::uint32_t object = object_hash(c.name.c_str());
        SynapseTable table = make_synapses(
            c.connectivity, pre_n, post_n, same,
            static_cast<std::int64_t>(pre.begin) - static_cast<std::int64_t>(post.begin),
            plan_.seed, object, [&] {
                std::string w = located(o, {}, "");
                while (!w.empty() && (w.back() == ' ' || w.back() == ':')) w.pop_back();
                return w;
            }());

        DeliverPayload dp;
        using Storage = DeliverPayload::Storage;
        switch (c.storage) {
            case SynapseStorage::automatic:
                dp.storage = c.connectivity.rule == Connectivity::Rule::one_to_one ? Storage::one_to_one
                             : (c.connectivity.rule == Connectivity::Rule::all_to_all &&
                                pre_n * post_n <= (std::size_t(1) << 22))
                                 ? Storage::dense
                                 : Storage::sparse;
                break;
            case SynapseStorage::sparse: dp.storage = Storage::sparse; break;
            case SynapseStorage::dense: dp.storage = Storage::dense; break;
            case SynapseStorage::one_to_one:
                if (c.connectivity.rule != Connectivity::Rule::one_to_one)
                    config_error(o, "storage one_to_one needs connectivity rule one_to_one");
                dp.storage = Storage::one_to_one;
                break;
        }
        dp.pre_size = src.size;
        dp.pre_begin = pre.begin;
        dp.pre_end = pre.end;
        dp.post_size = dst.size;
        dp.post_begin = post.begin;
        dp.post_end = post.end;
        dp.pre_spikes = src.spikes_var;
        dp.pre_count = src.count_var;
        result_.synapses += table.nnz();

        // Per-synapse values (weights, delays) see i (pre index) and j (post index) in their
        // groups, as in Brian.
        SymbolDims ij{{"i", dim::none()}, {"j", dim::none()}};
        auto per_synapse = [&](const detail::ParsedValue& pv, const std::string& var,
                               std::uint32_t stream) {
            std::vector<double> values(table.nnz());
            DrawCounter draws;
            draws.seed = plan_.seed;
            draws.stream = stream;
            draws.object = object_hash(var.c_str());
            for (std::size_t row = 0; row < table.rows; ++row)
                for (auto k = table.indptr[row]; k < table.indptr[row + 1]; ++k) {
                    const double i = static_cast<double>(pre.begin + row);
                    const double j = static_cast<double>(post.begin) + table.indices[k];
                    draws.index = static_cast<std::uint64_t>(k);
                    draws.next = 0;
                    values[static_cast<std::size_t>(k)] = evaluate(
                        pv.expr,
                        [&](const std::string& s) -> double {
                            if (s == "i") return i;
                            if (s == "j") return j;
                            throw ConfigError(located(o, {}, fmt::format("unknown symbol '{}'", s)));
                        },
                        draws);
                }
            return values;
        };
        // Lays per-synapse values out as the storage wants them: CSR order, or [pre, post].
        auto layout = [&](std::vector<double> values) {
            if (dp.storage != Storage::dense) return values;
            std::vector<double> dense(pre_n * post_n, 0.0);
            for (std::size_t row = 0; row < table.rows; ++row)
                for (auto k = table.indptr[row]; k < table.indptr[row + 1]; ++k)
                    dense[row * post_n + static_cast<std::size_t>(table.indices[k])] +=
                        values[static_cast<std::size_t>(k)];
            return dense;
        };

        auto weight = parse_value(c.weight, with_key(o, key + ".weight"), ij);
        const std::vector<Increment> increments = on_spike_increments(c, o, weight, state_target);
        const bool dense = dp.storage == Storage::dense;
        std::vector<double> weights;  // per synapse, CSR order; empty while one value serves all
        if (!weight.constant) weights = per_synapse(weight, c.name + ".weight", rng_stream::weights);
        if (dp.storage == Storage::sparse) {
            dp.indptr = c.name + ".indptr";
            dp.indices = c.name + ".indices";
            add_data_var(dp.indptr, DType::i64, {table.indptr.begin(), table.indptr.end()});
            add_data_var(dp.indices, DType::i32, {table.indices.begin(), table.indices.end()});
        }

        if (!c.delay.empty()) {
            const TextOrigin dorig = with_key(c.delay_origin.key.empty() ? o : c.delay_origin, key + ".delay");
            auto delay = parse_value(c.delay, dorig, ij);
            expect_dimension(delay, dim::time(), c.delay, dorig, key + ".delay");
            auto steps_of = [&](double ms) {
                const double steps = ms / plan_.dt_ms;
                if (ms < 0) config_error(dorig, fmt::format("a delay cannot be negative, got {} ms", ms));
                if (std::fabs(steps - std::round(steps)) > 1e-6)
                    config_error(dorig, fmt::format(
                        "delay {} ms is not a multiple of dt = {} ms; use {} ms or {} ms", ms,
                        plan_.dt_ms, std::floor(steps) * plan_.dt_ms, std::ceil(steps) * plan_.dt_ms));
                return static_cast<std::int64_t>(std::llround(steps));
            };
            if (delay.constant) {
                dp.delay_steps = steps_of(*delay.constant);
            } else {
                auto ms = per_synapse(delay, c.name + ".delay", rng_stream::weights);
                std::vector<double> steps(ms.size());
                for (std::size_t k = 0; k < ms.size(); ++k) {
                    // Random delays are rounded to the step, as Brian does.
                    if (ms[k] < 0) config_error(dorig, "a delay cannot be negative");
                    steps[k] = static_cast<double>(std::llround(ms[k] / plan_.dt_ms));
                    dp.max_delay_steps = std::max<std::int64_t>(dp.max_delay_steps, std::llround(steps[k]));
                }
                dp.delay = c.name + ".delay";
                add_data_var(dp.delay, DType::i32, layout(std::move(steps)));
            }
        }
        // One delivery op per on-spike statement; they share the synapse table and delays.
        for (std::size_t s = 0; s < increments.size(); ++s) {
            const Increment& inc = increments[s];
            const std::string suffix = s == 0 ? "" : "_" + inc.target->name;
            DeliverPayload op_dp = dp;
            op_dp.target = inc.target->var;
            VariableSpec w;
            w.name = c.name + ".weight" + suffix;
            w.dtype = real_;
            w.role = Role::weight;
            w.unit = display_unit(inc.target->dim);
            auto apply = [&](double wk) {
                return *expr::try_evaluate(inc.value, [&](const std::string& name) -> std::optional<double> {
                    if (name == "w") return wk;
                    return std::nullopt;
                });
            };
            if (weight.constant && !dense) {
                w.shape = {1};
                w.init.args = {apply(*weight.constant)};
            } else {
                std::vector<double> values(table.nnz());
                for (std::size_t k = 0; k < values.size(); ++k)
                    values[k] = apply(weight.constant ? *weight.constant : weights[k]);
                w.init.kind = "data";
                w.init.data = std::make_shared<const std::vector<double>>(layout(std::move(values)));
                w.shape = dense ? std::vector<std::size_t>{pre_n, post_n}
                                : std::vector<std::size_t>{table.nnz()};
            }
            op_dp.weight = w.name;
            add_var(w);
            if (!op_dp.delay.empty()) {
                op_dp.ring = c.name + ".pending" + suffix;
                add_state_var(op_dp.ring, real_,
                              {static_cast<std::size_t>(op_dp.max_delay_steps) + 1, plan_.batch, post_n});
            } else if (op_dp.delay_steps > 0) {
                op_dp.ring = c.name + ".spike_ring" + suffix;
                op_dp.ring_count = c.name + ".spike_ring_count" + suffix;
                const auto slots = static_cast<std::size_t>(op_dp.delay_steps) + 1;
                add_state_var(op_dp.ring, DType::i32, {slots, plan_.batch, pre_n});
                add_state_var(op_dp.ring_count, DType::i64, {slots, plan_.batch});
            }
            OpSpec op;
            op.name = c.name + ".deliver" + suffix;
            op.kind = "synapse_deliver";
            op.owner = c.name;
            op.inputs = {{src.spikes_var, Read::now}, {src.count_var, Read::now}};
            op.outputs = {{inc.target->var, WriteMode::accumulate}};
            op.params = {{"synapses", table.nnz()},
                         {"storage", op_dp.storage == Storage::sparse ? "sparse"
                                     : op_dp.storage == Storage::dense ? "dense" : "one_to_one"},
                         {"delay_steps", op_dp.delay.empty() ? op_dp.delay_steps : -1},
                         {"on_spike", fmt::format("{} += {}", inc.target->name, expr::to_string(inc.value))}};
            op.payload = op_dp;
            deliveries_.push_back(std::move(op));
        }
    }

    // What each presynaptic spike adds to which post variable: `target += w` by default, or the
    // statements of `on_pre`. Each must be `X += f(w)` or `X -= f(w)` with f of the weight `w`,
    // numbers and the post group's shared parameters, so that f(w) is fixed per synapse and
    // delivery stays one add per synapse.
    struct Increment {
        const detail::GroupVariable* target;
        expr::Ptr value;  // of the symbol `w`
    };

    template <class TargetLookup>
    std::vector<Increment> on_spike_increments(const Connection& c, const TextOrigin& o,
                                               const detail::ParsedValue& weight,
                                               TargetLookup&& state_target) {
        const std::string key = "connections." + c.name;
        std::vector<Increment> out;
        if (c.on_pre.empty()) {
            const auto* target = state_target(c.target, o);
            expect_dimension(weight, target->dim, c.weight, o, key + ".weight");
            out.push_back({target, expr::symbol("w")});
            return out;
        }
        const TextOrigin so = with_key(detail::origin_of(c.on_pre, o), key + ".on_pre");
        const auto& post_group = groups_.at(c.post.group);
        SymbolDims dims{{"w", weight.dim}};
        for (const auto& v : post_group.variables) dims[v.name] = v.dim;
        for (const auto& st : parse_statements(c.on_pre.text, so)) {
            const auto* target = state_target(st.target, so);
            if (st.op != Statement::Op::add && st.op != Statement::Op::sub)
                throw ConfigError(located(so, st.loc, fmt::format(
                    "on_pre statements must add to or subtract from a post variable ('{} += "
                    "w'); '{}' with another operator is not supported", st.target, st.target)));
            Checked checked;
            try {
                checked = check_expression(st.value, dims, so);
            } catch (const ModelError& e) {
                throw ConfigError(e.what());
            }
            if (checked.dim != target->dim)
                throw ConfigError(located(so, st.loc, fmt::format(
                    "'{}' is in {}, but the value added is in {}", st.target,
                    target->dim.to_string(), checked.dim.to_string())));
            expr::Ptr value = shared_constants(checked.expr, post_group);
            std::vector<std::string> used;
            expr::collect_symbols(value, used);
            for (const auto& name : used)
                if (name != "w")
                    throw ConfigError(located(so, st.loc, fmt::format(
                        "on_pre can use the weight w, numbers and shared parameters of '{}'; "
                        "'{}' varies per neuron or per step", post_group.name, name)));
            if (expr::uses_random(value))
                throw ConfigError(located(so, st.loc, "on_pre cannot draw random numbers; "
                                                      "put the randomness in the weight"));
            if (st.op == Statement::Op::sub) value = expr::neg(value);
            out.push_back({target, expr::simplify(value)});
        }
        if (out.empty()) config_error(so, "on_pre has no statement");
        return out;
    }

    // Replaces the post group's shared parameters by their initial values.
    expr::Ptr shared_constants(const expr::Ptr& e, const detail::BuiltGroup& g) {
        std::vector<std::string> names;
        std::vector<expr::Ptr> values;
        for (const auto& v : g.variables) {
            if (!v.shared) continue;
            const VariableSpec* spec = plan_.find_variable(v.var);
            if (spec && spec->init.kind == "constant" && !spec->init.args.empty()) {
                names.push_back(v.name);
                values.push_back(expr::constant(spec->init.args[0]));
            }
        }
        return expr::substitute(e, names, values);
    }

    void add_data_var(const std::string& name, DType t, std::vector<double> data) {
        VariableSpec v;
        v.name = name;
        v.dtype = t;
        v.shape = {data.size()};
        v.role = Role::constant;
        v.init.kind = "data";
        v.init.data = std::make_shared<const std::vector<double>>(std::move(data));
        add_var(std::move(v));
    }

    void add_state_var(const std::string& name, DType t, std::vector<std::size_t> shape) {
        VariableSpec v;
        v.name = name;
        v.dtype = t;
        v.shape = std::move(shape);
        v.role = Role::state;
        add_var(std::move(v));
    }

    void add_spike_monitor(const SpikeMonitorSpec& m) {
        const TextOrigin o = with_key(m.origin, "monitors." + m.name);
        GroupRef ref = m.source;
        const Population& p = population(ref, o, "group");
        spike_monitors_.push_back(spike_record_op(m.name + ".record", m.name, p.spikes_var,
                                                  p.count_var, ref.begin, ref.end));
        MonitorInfo info;
        info.kind = MonitorInfo::Kind::spike;
        info.name = m.name;
        info.op = m.name + ".record";
        info.group = p.name;
        info.begin = ref.begin;
        info.end = ref.end;
        result_.monitors.push_back(info);
    }

    void add_state_monitor(const StateMonitorSpec& m) {
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
            sp.every_steps = detail::to_steps(*every.constant, plan_.dt_ms);
            if (sp.every_steps < 1)
                config_error(detail::origin_of(m.every, o), "the record interval must be at least one step (dt)");
        }
        info.every_steps = sp.every_steps;
        state_monitors_.push_back(state_record_op(info.op, m.name, std::move(sp)));
        result_.monitors.push_back(info);
    }

    void add_custom_op(const CustomOp& c) {
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

    const Network& net_;
    Plan plan_;
    DType real_ = DType::f64;
    BuildResult result_;
    std::map<std::string, detail::BuiltGroup> groups_;
    std::vector<Population> populations_;
    std::vector<OpSpec> currents_, state_monitors_, sources_, updates_, deliveries_, resets_,
        spike_monitors_, custom_;
};

}  // namespace

BuildResult build(const Network& network) {
    const auto start = std::chrono::steady_clock::now();
    BuildResult result = PlanBuilder(network).run();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    logger("spikegraph.builder")
        ->info("built {} neurons, {} synapses, {} ops; {:.1f} MiB of state; {:.3f} s",
               result.neurons, result.synapses, result.plan.ops.size(),
               static_cast<double>(result.state_bytes) / (1 << 20), seconds);
    return result;
}

}  // namespace spikegraph
