// The plan variables and ops of a synapse model (synapse_builder.cpp resolves its text): one
// variable per model name, the post-major index, one `synapse_pathway` op per pathway (with its
// delays), and `synapse_each` ops for the clock-driven update and each summed variable.

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "builder/plan_builder.hpp"
#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "core/time_steps.hpp"
#include "frontend/config_location.hpp"

namespace spikegraph::detail {

// Declares the model's variables: written ones [B, nnz] (each batch entry its own), the others
// [nnz], shared parameters [1]; the pre index of each synapse; lastupdate.
SynapseIndexing PlanBuilder::synapse_variables(SynapseBuild& sb) {
    const Connection& c = sb.c;
    const Wiring& w = sb.w;
    const std::size_t nnz = w.table.nnz();
    for (const auto& t : sb.clock_targets) sb.written.insert(t);
    for (const auto& p : sb.paths)
        for (const auto& t : p.folded.targets)
            if (sb.values.count(t)) sb.written.insert(t);

    SynapseIndexing base;
    base.connection = c.name;
    base.synapses = nnz;
    base.pre_index = c.name + ".pre_index";
    base.post_index = c.name + ".indices";
    std::vector<double> pre_index(nnz);
    for (std::size_t r = 0; r < w.table.rows; ++r)
        for (auto k = w.table.indptr[r]; k < w.table.indptr[r + 1]; ++k)
            pre_index[static_cast<std::size_t>(k)] = static_cast<double>(r);
    add_data_var(base.pre_index, DType::i32, std::move(pre_index));

    SynapseGroupInfo info;
    info.name = c.name;
    info.pre = w.src->name;
    info.post = w.dst->name;
    info.pre_begin = w.pre.begin;
    info.post_begin = w.post.begin;
    info.synapses = nnz;
    info.pre_index_var = base.pre_index;
    info.post_index_var = base.post_index;
    for (const auto& [name, owner] : sb.traces) {
        // Per neuron of the owner's slice, with the time of its last update; a trace that
        // only decays, scaled, with its reference time (one per batch entry, all equal).
        const std::size_t n = owner == "pre" ? w.pre_n : w.post_n;
        const bool scaled = sb.decay_rates.count(name) != 0;
        for (const bool time : {false, true}) {
            VariableSpec v;
            v.name = c.name + "." + name + (time ? (scaled ? "_ref" : "_lastupdate") : "");
            v.dtype = real_;
            v.unit = time ? "ms" : display_unit(sb.values.at(name).dim);
            v.batched = true;
            v.shape = {plan_.batch, time && scaled ? std::size_t{1} : n};
            v.init.args = {time ? 0.0 : *sb.values.at(name).constant};
            add_var(std::move(v));
        }
    }
    for (const auto& name : sb.scope.own) {
        if (sb.traces.count(name)) continue;
        const ParsedValue& pv = sb.values.at(name);
        const bool shared = sb.scope.shared.count(name) != 0;
        const bool batched = sb.written.count(name) != 0;
        VariableSpec v;
        v.name = c.name + "." + name;
        v.dtype = real_;
        v.unit = display_unit(pv.dim);
        v.role = batched ? Role::state : Role::parameter;
        v.batched = batched;
        v.shape = shared ? std::vector<std::size_t>{1}
                  : batched ? std::vector<std::size_t>{plan_.batch, nnz}
                            : std::vector<std::size_t>{nnz};
        if (pv.constant) {
            v.init.args = {*pv.constant};
        } else {
            std::vector<double> values = per_synapse(w, pv, v.name);
            if (batched) {
                std::vector<double> all;
                all.reserve(values.size() * plan_.batch);
                for (std::size_t b = 0; b < plan_.batch; ++b)
                    all.insert(all.end(), values.begin(), values.end());
                values = std::move(all);
            }
            v.init.kind = "data";
            v.init.data = std::make_shared<const std::vector<double>>(std::move(values));
        }
        info.variables.push_back({name, v.name, v.unit, batched, shared});
        add_var(std::move(v));
    }
    const bool event_driven = std::any_of(sb.eq.odes.begin(), sb.eq.odes.end(), [&](const OdeSpec& o) {
        return o.event_driven && !sb.traces.count(o.var);
    });
    if (event_driven) {
        VariableSpec v;
        v.name = c.name + ".lastupdate";
        v.dtype = real_;
        v.unit = "ms";
        v.batched = true;
        v.shape = {plan_.batch, nnz};
        v.init.args = {0.0};
        add_var(std::move(v));
        sb.written.insert("lastupdate");
    }
    result_.synapse_groups.push_back(std::move(info));
    return base;
}

// Where `symbol` of a synapse model's expression lives.
SynapseSymbol PlanBuilder::synapse_symbol(const SynapseBuild& sb, const std::string& symbol) const {
    const Wiring& w = sb.w;
    SynapseSymbol s;
    s.symbol = symbol;
    if (symbol == "@i") {
        s.index = SynapseSymbol::Index::pre_number;
        s.offset = w.pre.begin;
        return s;
    }
    if (symbol == "@j") {
        s.index = SynapseSymbol::Index::post_number;
        s.offset = w.post.begin;
        return s;
    }
    const bool at_last = has_suffix(symbol, "@last");
    const std::string base = at_last ? symbol.substr(0, symbol.size() - 5) : symbol;
    if (has_suffix(symbol, "@ref")) {  // a scaled trace's reference time: [B, 1], all equal
        const std::string trace = symbol.substr(0, symbol.size() - 4);
        s.var = sb.c.name + "." + trace + "_ref";
        s.index = SynapseSymbol::Index::shared;
        s.batched = true;
        s.size = 1;
        return s;
    }
    if (const auto trace = sb.traces.find(base); trace != sb.traces.end()) {
        const bool pre = trace->second == "pre";
        s.var = sb.c.name + "." + base + (at_last ? "_lastupdate" : "");
        s.batched = true;
        s.size = pre ? w.pre_n : w.post_n;
        s.index = pre ? SynapseSymbol::Index::pre : SynapseSymbol::Index::post;
        return s;
    }
    if (sb.values.count(symbol) || symbol == "lastupdate") {
        s.var = sb.c.name + "." + symbol;
        s.batched = sb.written.count(symbol) != 0;
        s.size = w.table.nnz();
        s.index = sb.scope.shared.count(symbol) ? SynapseSymbol::Index::shared
                                                : SynapseSymbol::Index::synapse;
        return s;
    }
    const bool post = has_suffix(symbol, "_post");
    const BuiltGroup* g = post ? w.dst : nullptr;
    if (!post) {
        const auto it = groups_.find(w.src->name);
        if (it != groups_.end()) g = &it->second;
    }
    const std::string name = symbol.substr(0, symbol.size() - (post ? 5 : 4));
    const GroupVariable* v = g ? g->find(name) : nullptr;
    if (!v) throw BuildError(fmt::format("connection '{}': no variable for the symbol '{}'",
                                         sb.c.name, symbol));
    s.var = v->var;
    s.size = g->size;
    s.batched = v->state || v->summed;
    s.offset = post ? w.post.begin : w.pre.begin;
    s.index = v->shared ? SynapseSymbol::Index::shared
              : post    ? SynapseSymbol::Index::post
                        : SynapseSymbol::Index::pre;
    return s;
}

void PlanBuilder::synapse_ops(SynapseBuild& sb, const SynapseIndexing& base) {
    const auto symbols_of = [&](const std::vector<std::string>& targets,
                                const std::vector<expr::Ptr>& values) {
        std::vector<std::string> used(targets);
        for (const auto& v : values) expr::collect_symbols(v, used);
        SynapseIndexing syn = base;
        std::set<std::string> seen;
        for (const auto& u : used)
            if (u != "t" && u != "dt" && seen.insert(u).second)
                syn.symbols.push_back(synapse_symbol(sb, u));
        return syn;
    };
    for (const auto& path : sb.paths) {
        std::vector<std::string> targets = path.folded.targets;
        std::vector<expr::Ptr> values = path.folded.values;
        for (const auto& [var, value] : path.owned) {
            targets.push_back(var);
            targets.push_back(var + (sb.decay_rates.count(var) ? "@ref" : "@last"));
            values.push_back(value);
        }
        add_pathway_op(sb, symbols_of(targets, values), path);
    }
    const std::string& name = sb.c.name;
    if (!sb.clock_targets.empty()) {
        SynapseEachPayload p;
        p.syn = symbols_of(sb.clock_targets, sb.clock_values);
        p.targets = sb.clock_targets;
        p.values = sb.clock_values;
        OpSpec op;
        op.name = name + ".synapse_update";
        op.kind = "synapse_each";
        op.owner = name;
        std::set<std::string> listed;
        for (const auto& s : p.syn.symbols) {
            if (s.var.empty() || !listed.insert(s.var).second) continue;
            const bool target = std::find(p.targets.begin(), p.targets.end(), s.symbol) !=
                                p.targets.end();
            if (target) op.outputs.push_back({s.var, WriteMode::assign});
            op.inputs.push_back({s.var, Read::prev});
        }
        op.params = {{"synapses", base.synapses}, {"clock_driven", p.targets}};
        op.payload = std::move(p);
        updates_.push_back(std::move(op));
    }
    for (const auto& [target, value] : sb.sums) {
        SynapseEachPayload p;
        p.syn = symbols_of({}, {value});
        p.values = {value};
        p.sum_target = target;
        p.post_size = sb.w.dst->size;
        p.post_begin = sb.w.post.begin;
        p.post_end = sb.w.post.end;
        OpSpec op;
        op.name = name + ".summed_" + target.substr(target.find('.') + 1);
        op.kind = "synapse_each";
        op.owner = name;
        std::set<std::string> listed;
        for (const auto& s : p.syn.symbols)
            if (!s.var.empty() && listed.insert(s.var).second)
                op.inputs.push_back({s.var, Read::prev});
        op.outputs.push_back({target, WriteMode::assign});
        op.params = {{"synapses", base.synapses}, {"summed", target}};
        op.payload = std::move(p);
        updates_.push_back(std::move(op));
    }
}

}  // namespace spikegraph::detail
