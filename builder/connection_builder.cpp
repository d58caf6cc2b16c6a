// The builder's part for connections: the synapses of a connectivity rule, their storage, their
// per-synapse weights and delays, and one delivery op per on-spike statement.

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/config_location.hpp"
#include "builder/connectivity_expr.hpp"
#include "builder/plan_builder.hpp"
#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/finite_check.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph::detail {
namespace {

using Storage = DeliverPayload::Storage;

// Per-synapse values (weights, delays) see i (pre index) and j (post index) in their groups,
// as in Brian.
const SymbolDims& synapse_symbols() {
    static const SymbolDims ij{{"i", dim::none()}, {"j", dim::none()}};
    return ij;
}

// Dense storage pays off for all-to-all connections up to this many synapses.
constexpr std::size_t k_dense_max_synapses = std::size_t(1) << 22;

const char* storage_name(Storage s) {
    return s == Storage::sparse ? "sparse" : s == Storage::dense ? "dense" : "one_to_one";
}

}  // namespace

DeliverPayload::Storage storage_for(const Connection& c, std::size_t pre_n, std::size_t post_n,
                                    const TextOrigin& o) {
    switch (c.storage) {
        case SynapseStorage::automatic:
            if (c.connectivity.rule == Connectivity::Rule::one_to_one) return Storage::one_to_one;
            return c.connectivity.rule == Connectivity::Rule::all_to_all &&
                           // in double: pre x post may not fit a size_t
                           static_cast<double>(pre_n) * static_cast<double>(post_n) <=
                               static_cast<double>(k_dense_max_synapses)
                       ? Storage::dense
                       : Storage::sparse;
        case SynapseStorage::sparse: return Storage::sparse;
        case SynapseStorage::dense: return Storage::dense;
        case SynapseStorage::one_to_one:
            if (c.connectivity.rule != Connectivity::Rule::one_to_one)
                config_error(o, "storage one_to_one needs connectivity rule one_to_one");
            return Storage::one_to_one;
    }
    return Storage::sparse;
}

void PlanBuilder::add_connection(const Connection& c) {
    if (is_synapse_model(c)) return add_synapse_model(c);
    Wiring w = wire(c);
    const ParsedValue weight =
        parse_value(c.weight, with_key(w.o, w.key + ".weight"), synapse_symbols());
    const std::vector<Increment> increments = on_spike_increments(w, weight);
    std::vector<double> weights;  // per synapse, CSR order; empty while one value serves all
    if (!weight.constant) weights = per_synapse(w, weight, c.name + ".weight");
    add_synapse_indices(w);
    add_delays(w);
    for (std::size_t s = 0; s < increments.size(); ++s)
        add_delivery(w, increments[s], s, weight, weights);
}

// Resolves the slices, creates the synapses and chooses their storage.
PlanBuilder::Wiring PlanBuilder::wire(const Connection& c) {
    Wiring w{c, "connections." + c.name, {}, c.pre, c.post, nullptr, nullptr, 0, 0, {}, {}};
    w.o = with_key(c.origin, w.key);
    if (!is_identifier(c.name))
        config_error(w.o, fmt::format("connection name '{}' is not a valid name; use letters, "
                                      "digits and '_', starting with a letter or '_'",
                                      c.name));
    w.src = &population(w.pre, w.o, "pre");
    w.dst = &group_slice(w.post, w.o, "post");
    w.pre_n = w.pre.end - w.pre.begin;
    w.post_n = w.post.end - w.post.begin;
    const std::string where = [&] {
        std::string text = located(w.o, {}, "");
        while (!text.empty() && (text.back() == ' ' || text.back() == ':')) text.pop_back();
        return text;
    }();
    Connectivity rule = c.connectivity;
    const auto pre_group = groups_.find(w.src->name);
    const PairFunctions pairs = pair_functions(
        rule, {pre_group == groups_.end() ? nullptr : &pre_group->second, w.dst, w.pre.begin,
               w.post.begin},
        plan_, c.origin, w.key);
    w.table = make_synapses(
        rule, w.pre_n, w.post_n, w.src->name == w.dst->name,
        static_cast<std::int64_t>(w.pre.begin) - static_cast<std::int64_t>(w.post.begin),
        plan_.seed, object_hash(c.name.c_str()), where, pairs);

    DeliverPayload& dp = w.dp;
    dp.storage = storage_for(c, w.pre_n, w.post_n, w.o);
    dp.pre_size = w.src->size;
    dp.pre_begin = w.pre.begin;
    dp.pre_end = w.pre.end;
    dp.post_size = w.dst->size;
    dp.post_begin = w.post.begin;
    dp.post_end = w.post.end;
    dp.pre_spikes = w.src->spikes_var;
    dp.pre_count = w.src->count_var;
    result_.synapses += w.table.nnz();
    return w;
}

const GroupVariable* PlanBuilder::state_target(const BuiltGroup& dst, const std::string& name,
                                               const TextOrigin& where) const {
    const auto* target = dst.find(name);
    if (!target || !target->state) {
        std::vector<std::string> names;
        for (const auto& v : dst.variables)
            if (v.state) names.push_back(v.name);
        config_error(where, fmt::format("target '{}' is not a state variable of group '{}'{}; "
                                        "state variables: {}",
                                        name, dst.name, did_you_mean(name, names),
                                        fmt::join(names, ", ")));
    }
    return target;
}

// `target += w` by default, or the statements of `on_pre`. Each must be `X += f(w)` or
// `X -= f(w)` with f of the weight `w`, numbers and the post group's shared parameters, so that
// f(w) is fixed per synapse and delivery stays one add per synapse.
std::vector<PlanBuilder::Increment> PlanBuilder::on_spike_increments(const Wiring& w,
                                                                     const ParsedValue& weight) {
    const Connection& c = w.c;
    std::vector<Increment> out;
    if (c.on_pre.empty()) {
        const auto* target = state_target(*w.dst, c.target, w.o);
        expect_dimension(weight, target->dim, c.weight, w.o, w.key + ".weight");
        out.push_back({target, expr::symbol("w")});
        return out;
    }
    const TextOrigin so = with_key(origin_of(c.on_pre, w.o), w.key + ".on_pre");
    const BuiltGroup& post_group = *w.dst;
    SymbolDims dims{{"w", weight.dim}};
    for (const auto& v : post_group.variables) dims[v.name] = v.dim;
    for (const auto& st : parse_statements(c.on_pre.text, so)) {
        const auto* target = state_target(post_group, st.target, so);
        if (st.op != Statement::Op::add && st.op != Statement::Op::sub)
            throw detail::config_error_at(so, st.loc, fmt::format(
                "on_pre statements must add to or subtract from a post variable ('{} += "
                "w'); '{}' with another operator is not supported", st.target, st.target));
        Checked checked;
        try {
            checked = check_expression(st.value, dims, so);
        } catch (const ModelError& e) {
            throw ConfigError(e.what());
        }
        if (checked.dim != target->dim)
            throw detail::config_error_at(so, st.loc, fmt::format(
                "'{}' is in {}, but the value added is in {}", st.target,
                target->dim.to_string(), checked.dim.to_string()));
        expr::Ptr value = shared_constants(checked.expr, post_group);
        std::vector<std::string> used;
        expr::collect_symbols(value, used);
        for (const auto& name : used)
            if (name != "w")
                throw detail::config_error_at(so, st.loc, fmt::format(
                    "on_pre can use the weight w, numbers and shared parameters of '{}'; "
                    "'{}' varies per neuron or per step", post_group.name, name));
        if (expr::uses_random(value))
            throw detail::config_error_at(so, st.loc, "on_pre cannot draw random numbers; "
                                                  "put the randomness in the weight");
        if (const auto bad = expr::find_non_finite(value))
            throw detail::config_error_at(so, st.loc, fmt::format(
                "{} += {}: {}; give a finite value", st.target, expr::to_string(st.value),
                expr::describe(*bad)));
        if (st.op == Statement::Op::sub) value = expr::neg(value);
        out.push_back({target, expr::simplify(value)});
    }
    if (out.empty()) config_error(so, "on_pre has no statement");
    return out;
}

// Replaces the post group's shared parameters by their initial values.
expr::Ptr PlanBuilder::shared_constants(const expr::Ptr& e, const BuiltGroup& g) {
    std::vector<std::string> names;
    std::vector<expr::Ptr> values;
    for (const auto& v : g.variables) {
        if (!v.shared) continue;
        const VariableSpec* spec = plan_.find_variable(v.var);
        if (spec && spec->init.kind == "constant" && !spec->init.args.empty()) {
            names.push_back(v.name);
            values.push_back(expr::constant(spec->init.args[0]));
            if (expr::depends_on(e, v.name)) result_.folded_parameters.insert(v.var);
        }
    }
    return expr::substitute(e, names, values);
}

// `value` for every synapse, in CSR order; random calls draw from the weights stream of `var`.
std::vector<double> PlanBuilder::per_synapse(const Wiring& w, const ParsedValue& value,
                                             const std::string& var) const {
    const SynapseTable& table = w.table;
    std::vector<double> values(table.nnz());
    expr::DrawCounter draws;
    draws.seed = plan_.seed;
    draws.stream = rng_stream::weights;
    draws.object = object_hash(var.c_str());
    for (std::size_t row = 0; row < table.rows; ++row)
        for (auto k = table.indptr[row]; k < table.indptr[row + 1]; ++k) {
            const double i = static_cast<double>(w.pre.begin + row);
            const double j = static_cast<double>(w.post.begin) + table.indices[k];
            draws.index = static_cast<std::uint64_t>(k);
            draws.next = 0;
            const double v = expr::evaluate(
                value.expr,
                [&](const std::string& s) -> double {
                    if (s == "i") return i;
                    if (s == "j") return j;
                    throw detail::config_error_at(w.o, fmt::format("unknown symbol '{}'", s));
                },
                draws);
            if (!std::isfinite(v))
                config_error(w.o, fmt::format("{} is {} for the synapse {} -> {} (i = {}, j = {}); "
                                              "every value must be a finite number",
                                              var, v, i, j, i, j));
            values[static_cast<std::size_t>(k)] = v;
        }
    return values;
}

// Lays per-synapse values out as the storage wants them: CSR order, or [pre, post].
std::vector<double> PlanBuilder::layout(const Wiring& w, std::vector<double> values) const {
    if (w.dp.storage != Storage::dense) return values;
    const SynapseTable& table = w.table;
    std::vector<double> dense(w.pre_n * w.post_n, 0.0);
    for (std::size_t row = 0; row < table.rows; ++row)
        for (auto k = table.indptr[row]; k < table.indptr[row + 1]; ++k)
            dense[row * w.post_n + static_cast<std::size_t>(table.indices[k])] +=
                values[static_cast<std::size_t>(k)];
    return dense;
}

void PlanBuilder::add_synapse_indices(Wiring& w) {
    if (w.dp.storage != Storage::sparse) return;
    const std::string& name = w.c.name;
    w.dp.indptr = name + ".indptr";
    w.dp.indices = name + ".indices";
    add_data_var(w.dp.indptr, DType::i64, {w.table.indptr.begin(), w.table.indptr.end()});
    add_data_var(w.dp.indices, DType::i32, {w.table.indices.begin(), w.table.indices.end()});
}

// One delay for every synapse (delay_steps), or a per-synapse delay variable in steps.
void PlanBuilder::add_delays(Wiring& w) {
    const Connection& c = w.c;
    if (c.delay.empty()) return;
    const TextOrigin dorig =
        with_key(c.delay_origin.key.empty() ? w.o : c.delay_origin, w.key + ".delay");
    const ParsedValue delay = parse_value(c.delay, dorig, synapse_symbols());
    expect_dimension(delay, dim::time(), c.delay, dorig, w.key + ".delay");
    if (delay.constant) {
        const double ms = *delay.constant;
        if (ms < 0) config_error(dorig, fmt::format("a delay cannot be negative, got {} ms", ms));
        const double exact = ms / plan_.dt_ms;
        if (std::fabs(exact - std::round(exact)) > 1e-6)
            config_error(dorig, fmt::format(
                "delay {} ms is not a multiple of dt = {} ms; use {} ms or {} ms", ms,
                plan_.dt_ms, std::floor(exact) * plan_.dt_ms, std::ceil(exact) * plan_.dt_ms));
        w.dp.delay_steps = to_steps(ms, plan_.dt_ms, dorig, k_max_delay_steps, "delay");
        return;
    }
    const std::vector<double> ms = per_synapse(w, delay, c.name + ".delay");
    std::vector<double> delay_steps(ms.size());
    for (std::size_t k = 0; k < ms.size(); ++k) {
        // Random delays are rounded to the step, as Brian does.
        if (ms[k] < 0) config_error(dorig, "a delay cannot be negative");
        const std::int64_t n = to_steps(ms[k], plan_.dt_ms, dorig, k_max_delay_steps, "delay");
        delay_steps[k] = static_cast<double>(n);
        w.dp.max_delay_steps = std::max<std::int64_t>(w.dp.max_delay_steps, n);
    }
    w.dp.delay = c.name + ".delay";
    add_data_var(w.dp.delay, DType::i32, layout(w, std::move(delay_steps)));
}

// The delivery op of on-spike statement number `statement`, with its weight variable and its
// ring of pending spikes or values when delayed.
void PlanBuilder::add_delivery(const Wiring& w, const Increment& inc, std::size_t statement,
                               const ParsedValue& weight, const std::vector<double>& weights) {
    const Connection& c = w.c;
    const bool dense = w.dp.storage == Storage::dense;
    const std::string suffix = statement == 0 ? "" : "_" + inc.target->name;
    DeliverPayload dp = w.dp;
    dp.target = inc.target->var;
    VariableSpec var;
    var.name = c.name + ".weight" + suffix;
    var.dtype = real_;
    var.role = Role::weight;
    var.unit = display_unit(inc.target->dim);
    const auto apply = [&](double wk) {
        const double v = *expr::try_evaluate(inc.value, [&](const std::string& name) -> std::optional<double> {
            if (name == "w") return wk;
            return std::nullopt;
        });
        if (!std::isfinite(v))
            config_error(w.o, fmt::format("{} += {} is {} for the weight w = {}; every value "
                                          "added must be a finite number",
                                          inc.target->name, expr::to_string(inc.value), v, wk));
        return v;
    };
    if (weight.constant && !dense) {
        var.shape = {1};
        var.init.args = {apply(*weight.constant)};
    } else {
        std::vector<double> values(w.table.nnz());
        for (std::size_t k = 0; k < values.size(); ++k)
            values[k] = apply(weight.constant ? *weight.constant : weights[k]);
        var.init.kind = "data";
        var.init.data = std::make_shared<const std::vector<double>>(layout(w, std::move(values)));
        var.shape = dense ? std::vector<std::size_t>{w.pre_n, w.post_n}
                          : std::vector<std::size_t>{w.table.nnz()};
    }
    dp.weight = var.name;
    add_var(var);
    if (!dp.delay.empty()) {
        dp.ring = c.name + ".pending" + suffix;
        add_state_var(dp.ring, real_,
                      {static_cast<std::size_t>(dp.max_delay_steps) + 1, plan_.batch, w.post_n});
    } else if (dp.delay_steps > 0) {
        dp.ring = c.name + ".spike_ring" + suffix;
        dp.ring_count = c.name + ".spike_ring_count" + suffix;
        const auto slots = static_cast<std::size_t>(dp.delay_steps) + 1;
        add_state_var(dp.ring, DType::i32, {slots, plan_.batch, w.pre_n});
        add_state_var(dp.ring_count, DType::i64, {slots, plan_.batch});
    }
    OpSpec op;
    op.name = c.name + ".deliver" + suffix;
    op.kind = "synapse_deliver";
    op.owner = c.name;
    op.inputs = {{w.src->spikes_var, Read::now}, {w.src->count_var, Read::now}};
    op.outputs = {{inc.target->var, WriteMode::accumulate}};
    op.params = {{"synapses", w.table.nnz()},
                 {"storage", storage_name(dp.storage)},
                 {"delay_steps", dp.delay.empty() ? dp.delay_steps : -1},
                 {"on_spike", fmt::format("{} += {}", inc.target->name, expr::to_string(inc.value))}};
    op.payload = dp;
    deliveries_.push_back(std::move(op));
}

}  // namespace spikegraph::detail
