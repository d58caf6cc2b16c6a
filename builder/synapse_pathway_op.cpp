// One `synapse_pathway` op: on_pre (triggered by the pre slice's spikes, synapses in CSR order)
// or on_post (the post slice's spikes, through a post-major index of the same synapses built
// once), with its delay: uniform through a ring of spike lists, or per synapse, where each
// source's synapses are ordered by delay so that the ones due are one contiguous run.

#include <algorithm>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "builder/plan_builder.hpp"
#include <spikegraph/error.hpp>
#include "core/time_steps.hpp"
#include "frontend/config_location.hpp"

namespace spikegraph::detail {

void PlanBuilder::add_pathway_op(SynapseBuild& sb, const SynapseIndexing& syn,
                                 const SynapsePath& path) {
    const Connection& c = sb.c;
    const Wiring& w = sb.w;
    const bool pre = path.name == "pre";
    const std::size_t nnz = w.table.nnz();
    SynapsePathwayPayload p;
    p.syn = syn;
    p.pathway = path.name;
    p.targets = path.folded.targets;
    p.values = path.folded.values;

    // The source's synapses as positions: CSR rows for on_pre, a post-major index for on_post.
    std::vector<std::int64_t> indptr;
    std::vector<std::int32_t> order;  // position -> synapse
    if (pre) {
        p.src_size = w.src->size;
        p.src_begin = w.pre.begin;
        p.src_end = w.pre.end;
        p.src_spikes = w.src->spikes_var;
        p.src_count = w.src->count_var;
        p.indptr = c.name + ".indptr";
        indptr = w.table.indptr;
    } else {
        p.src_size = w.dst->size;
        p.src_begin = w.post.begin;
        p.src_end = w.post.end;
        p.src_spikes = w.dst->spikes_var;
        p.src_count = w.dst->count_var;
        p.indptr = c.name + ".post_indptr";
        indptr.assign(w.post_n + 1, 0);
        for (const auto j : w.table.indices) ++indptr[static_cast<std::size_t>(j) + 1];
        std::partial_sum(indptr.begin(), indptr.end(), indptr.begin());
        order.resize(nnz);
        std::vector<std::int64_t> fill(indptr.begin(), indptr.end() - 1);
        for (std::size_t k = 0; k < nnz; ++k)  // ascending synapse index within each post
            order[static_cast<std::size_t>(fill[static_cast<std::size_t>(w.table.indices[k])]++)] =
                static_cast<std::int32_t>(k);
        add_data_var(p.indptr, DType::i64, {indptr.begin(), indptr.end()});
    }

    // Delays.
    const ValueSpec& delay = pre ? c.delay : c.post_delay;
    const std::string dkey = w.key + (pre ? ".delay" : ".post_delay");
    if (!delay.empty()) {
        const TextOrigin dorig =
            origin_of(delay, pre && !c.delay_origin.key.empty() ? c.delay_origin : rekeyed(w.o, dkey));
        static const SymbolDims ij{{"i", dim::none()}, {"j", dim::none()}};
        const ParsedValue d = parse_value(delay, dorig, ij);
        expect_dimension(d, dim::time(), delay, dorig, dkey);
        const auto steps_of = [&](double ms) {
            if (ms < 0) config_error(dorig, fmt::format("a delay cannot be negative, got {} ms", ms));
            return to_steps(ms, plan_.dt_ms, dorig, k_max_delay_steps, "delay");
        };
        if (d.constant) {
            const double exact = *d.constant / plan_.dt_ms;
            if (std::fabs(exact - std::round(exact)) > 1e-6)
                config_error(dorig, fmt::format(
                    "delay {} ms is not a multiple of dt = {} ms; use {} ms or {} ms",
                    *d.constant, plan_.dt_ms, std::floor(exact) * plan_.dt_ms,
                    std::ceil(exact) * plan_.dt_ms));
            p.delay_steps = steps_of(*d.constant);
        } else {
            const std::vector<double> ms = per_synapse(w, d, c.name + (pre ? ".delay" : ".post_delay"));
            std::vector<std::int64_t> steps(nnz);
            for (std::size_t k = 0; k < nnz; ++k) steps[k] = steps_of(ms[k]);
            if (order.empty()) {
                order.resize(nnz);
                std::iota(order.begin(), order.end(), 0);
            }
            // Within each source, by delay, then by synapse.
            for (std::size_t r = 0; r + 1 < indptr.size(); ++r)
                std::stable_sort(order.begin() + indptr[r], order.begin() + indptr[r + 1],
                                 [&](std::int32_t a, std::int32_t b) {
                                     return steps[static_cast<std::size_t>(a)] <
                                            steps[static_cast<std::size_t>(b)];
                                 });
            std::vector<double> sorted(nnz);
            for (std::size_t k = 0; k < nnz; ++k) {
                sorted[k] = static_cast<double>(steps[static_cast<std::size_t>(order[k])]);
                p.max_delay_steps = std::max(p.max_delay_steps, steps[k]);
            }
            p.delay = c.name + "." + path.name + "_delay";
            add_data_var(p.delay, DType::i32, std::move(sorted));
            p.delay_steps = -1;
        }
    }
    if (!order.empty()) {
        p.order = c.name + (pre ? ".pre_order" : ".post_synapses");
        add_data_var(p.order, DType::i32, {order.begin(), order.end()});
        if (!pre) {
            // The pre index of each position, so that on_post reads it in sequence.
            std::vector<std::int32_t> row_of(nnz);
            for (std::size_t r = 0; r < w.table.rows; ++r)
                for (auto k = w.table.indptr[r]; k < w.table.indptr[r + 1]; ++k)
                    row_of[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(r);
            std::vector<double> pre_of(nnz);
            for (std::size_t k = 0; k < nnz; ++k)
                pre_of[k] = row_of[static_cast<std::size_t>(order[k])];
            p.order_pre = c.name + ".post_order_pre";
            add_data_var(p.order_pre, DType::i32, std::move(pre_of));
        }
    }
    const std::int64_t depth = p.delay.empty() ? p.delay_steps : p.max_delay_steps;
    if (depth > 0) {
        const auto slots = static_cast<std::size_t>(depth) + 1;
        p.ring = c.name + "." + path.name + "_ring";
        p.ring_count = c.name + "." + path.name + "_ring_count";
        add_state_var(p.ring, DType::i32, {slots, plan_.batch, p.src_end - p.src_begin});
        add_state_var(p.ring_count, DType::i64, {slots, plan_.batch});
    }

    // The traces this pathway keeps per source neuron.
    for (const auto& [var, updated] : path.owned) {
        expr::Ptr closed;
        for (const auto& [v, value] : sb.closed)
            if (v == var) closed = value;
        SynapsePathwayPayload::Trace t;
        t.symbol = var;
        t.var = c.name + "." + var;
        if (const auto rate = sb.decay_rates.find(var); rate != sb.decay_rates.end()) {
            t.ref_var = c.name + "." + var + "_ref";
            t.rate = rate->second;
            t.decayed = expr::mul(expr::symbol(var), scaled_trace_factor(var, t.rate, false));
            t.updated = expr::mul(expr::substitute(updated, {var}, {t.decayed}),
                                  scaled_trace_factor(var, t.rate, true));
        } else {
            t.last_var = c.name + "." + var + "_lastupdate";
            t.decayed = expr::substitute(closed, {"lastupdate"}, {expr::symbol(var + "@last")});
            t.updated = expr::substitute(updated, {var}, {t.decayed});
        }
        p.traces.push_back(std::move(t));
    }

    OpSpec op;
    op.name = c.name + ".on_" + path.name;
    op.kind = "synapse_pathway";
    op.owner = c.name;
    op.inputs = {{p.src_spikes, Read::now}, {p.src_count, Read::now}};
    // Every synapse variable that changes anywhere, and every neuron variable it reads or
    // writes, is modified by this op: pathways then run in declaration order (all on_pre before
    // all on_post, as in Brian) after the neuron updates and before the resets. A neuron
    // variable only added to (`ge += w`) is accumulated like a static delivery.
    std::set<std::string> listed;
    for (const auto& s : p.syn.symbols) {
        if (s.var.empty() || !listed.insert(s.var).second) continue;
        const bool synapse = s.index == SynapseSymbol::Index::synapse;
        const bool target = std::find(p.targets.begin(), p.targets.end(), s.symbol) != p.targets.end();
        if (synapse && !sb.written.count(s.symbol) && !(s.symbol == "lastupdate")) {
            op.inputs.push_back({s.var, Read::now});
            continue;
        }
        if (!synapse && !s.batched) {  // a neuron parameter: nobody writes it
            op.inputs.push_back({s.var, Read::now});
            continue;
        }
        bool accumulate = false;
        const auto added = path.folded.only_added.find(s.symbol);
        if (!synapse && target && added != path.folded.only_added.end() && added->second) {
            accumulate = true;
            for (std::size_t k = 0; k < p.targets.size(); ++k)
                if (p.targets[k] != s.symbol && expr::depends_on(p.values[k], s.symbol))
                    accumulate = false;
        }
        op.outputs.push_back({s.var, accumulate ? WriteMode::accumulate : WriteMode::modify});
    }
    op.params = {{"synapses", nnz},
                 {"pathway", path.name},
                 {"delay_steps", p.delay.empty() ? p.delay_steps : -1},
                 {"writes", p.targets}};
    op.payload = std::move(p);
    (pre ? deliveries_ : post_pathways_).push_back(std::move(op));
}

}  // namespace spikegraph::detail
