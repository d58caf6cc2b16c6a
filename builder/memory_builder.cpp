// The builder's part for memory: what the network will need, counted twice. Before any synapse
// is made, from the expected synapse counts of each connectivity rule (so that a network that
// cannot fit is refused at once, without building it); after the build, from the variables as
// built. memory_estimate.hpp holds the bytes per item.

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "builder/memory_estimate.hpp"
#include "builder/plan_builder.hpp"
#include <spikegraph/error.hpp>
#include "frontend/expression_parser.hpp"
#include "frontend/synapse_library.hpp"

namespace spikegraph::detail {
namespace {

using Storage = DeliverPayload::Storage;

double elements(const std::vector<std::size_t>& shape) {
    double n = 1;
    for (auto d : shape) n *= static_cast<double>(d);
    return n;
}

// The backend's buffer of `v` and, for a variable given element by element, the plan's copy.
double variable_bytes(const VariableSpec& v) {
    double bytes = elements(v.shape) * static_cast<double>(dtype_size(v.dtype));
    if (v.init.kind == "data" && v.init.data)
        bytes += static_cast<double>(v.init.data->size()) * memory_cost::plan_value;
    return bytes;
}

// "ee" of "ee.weight": every object names its variables "<object>.<variable>".
std::string owner_of(const std::string& var) { return var.substr(0, var.find('.')); }

// [begin, end) of `ref` in a population of `size`, or none where the slice is wrong (the build
// reports that itself, with its location).
std::optional<std::pair<double, double>> slice_of(GroupRef ref, std::size_t size) {
    if (ref.end == GroupRef::k_all) ref.end = size;
    if (ref.end > size || ref.begin >= ref.end) return std::nullopt;
    return std::pair{static_cast<double>(ref.begin), static_cast<double>(ref.end)};
}

// The value of `v` when it is one number; none when it varies or is wrong (the build reports a
// wrong value where it reads it, with its location).
std::optional<double> constant_of(const ValueSpec& v, const SymbolDims& symbols) {
    if (v.text.empty()) return std::nullopt;
    try {
        return parse_value(v, {}, symbols).constant;
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::size_t statement_count(const ValueSpec& on_pre) {
    if (on_pre.text.empty()) return 1;
    try {
        return std::max<std::size_t>(1, parse_statements(on_pre.text, {}).size());
    } catch (const Error&) {
        return 1;
    }
}

// What a state monitor of `vars` variables of `width` neurons, recording every `every` steps,
// holds in memory: the backend's block of rows and the writer's chunk (each at least one row of
// every variable and batch entry), its record times and its indices.
double state_monitor_bytes(double vars, double width, double batch, double every) {
    const double row = std::max(1.0, vars * batch * width * 8);
    const double block_rows =
        std::clamp(std::floor(memory_cost::state_block_bytes / row), 1.0, std::ceil(64 / every));
    const double streams = std::max(1.0, vars * batch);
    const double stream_row = std::max(1.0, width) * 8;
    const double chunk_rows =
        std::max(1.0, std::floor(memory_cost::state_chunk_bytes / (stream_row * streams)));
    return block_rows * row + chunk_rows * streams * stream_row + memory_cost::state_time_bytes +
           width * memory_cost::recorded_index;
}

}  // namespace

MemoryEstimate PlanBuilder::estimate_memory(bool expected) const {
    MemoryEstimate e;
    const double batch = static_cast<double>(plan_.batch);
    std::set<std::string> connections;
    for (const auto& c : net_.connections) connections.insert(c.name);
    // Variables by owner; a connection's state variables are its delay rings.
    std::map<std::string, double> state, synapses, rings;
    std::map<std::string, const VariableSpec*> ring_shape;
    for (const auto& v : plan_.variables) {
        const std::string owner = owner_of(v.name);
        if (!connections.count(owner)) {
            state[owner] += variable_bytes(v);
        } else if (v.role == Role::state && (v.name.find("ring") != std::string::npos ||
                                             v.name.find(".pending") != std::string::npos)) {
            rings[owner] += variable_bytes(v);
            if (!ring_shape.count(owner) && v.shape.size() == 3) ring_shape[owner] = &v;
        } else {
            synapses[owner] += variable_bytes(v);
        }
    }
    for (const auto& p : populations_) {
        const double bytes = state[p.name];
        state.erase(p.name);
        const double n = static_cast<double>(p.size);
        e.parts.push_back(
            {fmt::format("state of '{}'", p.name), bytes,
             fmt::format("{} {}{} x {:.0f} bytes", count_text(n),
                         p.kind == "neurons" ? "neurons" : "sources",
                         plan_.batch > 1 ? fmt::format(" x batch {}", plan_.batch) : "",
                         bytes / (n * batch))});
    }
    double other = 0;
    for (const auto& [owner, bytes] : state) other += bytes;
    if (other > 0) e.parts.push_back({"other variables", other, ""});

    for (const auto& c : net_.connections) {
        if (expected) {
            add_expected_synapses(c, e);
            continue;
        }
        const auto count = synapse_counts_.find(c.name);
        const double nnz = count == synapse_counts_.end() ? 0 : static_cast<double>(count->second);
        e.parts.push_back({fmt::format("synapses of '{}'", c.name), synapses[c.name],
                           nnz > 0 ? fmt::format("{} synapses x {:.0f} bytes", count_text(nnz),
                                                 synapses[c.name] / nnz)
                                   : ""});
        if (const auto r = ring_shape.find(c.name); r != ring_shape.end()) {
            const auto& s = r->second->shape;
            e.parts.push_back({fmt::format("delay ring of '{}'", c.name), rings[c.name],
                               fmt::format("{} steps x batch {} x {} neurons x {} bytes", s[0],
                                           s[1], s[2], dtype_size(r->second->dtype))});
        }
    }
    add_monitor_memory(e);
    for (const auto& s : net_.spike_inputs)
        if (!s.times_ms.empty())
            e.parts.push_back({fmt::format("spike times of '{}'", s.name),
                               static_cast<double>(s.times_ms.size()) * memory_cost::spike_time_event,
                               fmt::format("{} spikes", count_text(static_cast<double>(s.times_ms.size())))});
    e.parts.push_back({"native compilation", memory_cost::native_compile, "the C++ compiler, once"});
    e.parts.push_back({"program", memory_cost::program, ""});
    return e;
}

// The synapses of `c` from its rule's expected count: all-to-all pre x post, fixed probability
// p pre x post, a fixed in-degree (out-degree) k post (pre), one-to-one the slice, a list its
// pairs. Nothing is added where the connection is wrong: the build then refuses it.
void PlanBuilder::add_expected_synapses(const Connection& c, MemoryEstimate& e) const {
    const Population* src = nullptr;
    for (const auto& p : populations_)
        if (p.name == c.pre.group) src = &p;
    const auto dst = groups_.find(c.post.group);
    if (!src || dst == groups_.end()) return;
    const auto pre = slice_of(c.pre, src->size), post = slice_of(c.post, dst->second.size);
    if (!pre || !post) return;
    const double pre_n = pre->second - pre->first, post_n = post->second - post->first;
    const auto& rule = c.connectivity;
    using Rule = Connectivity::Rule;
    if (c.storage == SynapseStorage::one_to_one && rule.rule != Rule::one_to_one) return;
    // Pairs of a neuron with itself, skipped unless allowed.
    const double self = src->name == dst->first && !rule.allow_self
                            ? std::max(0.0, std::min(pre->second, post->second) -
                                                std::max(pre->first, post->first))
                            : 0.0;
    double nnz = 0;
    switch (rule.rule) {
        case Rule::all_to_all: nnz = pre_n * post_n - self; break;
        case Rule::one_to_one: nnz = std::min(pre_n, post_n); break;
        case Rule::fixed_probability: {
            // An expression of the pair is counted once the synapses are made; one of the
            // parameters is a number now.
            double p = rule.p;
            if (!rule.probability.empty()) {
                try {
                    p = parse_value(rule.probability, {}, {}).constant.value_or(0.0);
                } catch (const Error&) {
                    p = 0.0;  // reported, located, when the synapses are made
                }
            }
            nnz = std::clamp(p, 0.0, 1.0) * (pre_n * post_n - self);
            break;
        }
        case Rule::fixed_indegree: nnz = static_cast<double>(rule.degree) * post_n; break;
        case Rule::fixed_outdegree: nnz = static_cast<double>(rule.degree) * pre_n; break;
        case Rule::explicit_list: nnz = static_cast<double>(rule.pairs.size()); break;
    }
    const Storage storage = storage_for(c, static_cast<std::size_t>(pre_n),
                                        static_cast<std::size_t>(post_n), c.origin);
    const bool dense = storage == Storage::dense;
    const double cells = dense ? pre_n * post_n : nnz;  // elements of a per-synapse variable
    const double real = static_cast<double>(dtype_size(real_));
    const auto batch_bytes = [&](double r) { return r * static_cast<double>(plan_.batch); };
    const double statements = static_cast<double>(statement_count(c.on_pre));
    const SymbolDims ij{{"i", dim::none()}, {"j", dim::none()}};
    double bytes = 0;
    if (is_synapse_model(c)) {
        // A synapse model: a list (sparse), its pre index and post-major index, and each
        // variable per batch entry (counted as written: [B, nnz]) with its initial values.
        double variables = 1;  // lastupdate, or w alone
        try {
            const Equations eq = parse_equations(expand_plasticity(c).model.text, {});
            variables = 1 + static_cast<double>(eq.odes.size());
            for (const auto& p : eq.params) variables += p.shared ? 0 : 1;
        } catch (const Error&) {
        }
        bytes = nnz * (3 * (memory_cost::plan_value + memory_cost::synapse_index) +
                       variables * (batch_bytes(real) + memory_cost::plan_value)) +
                (pre_n + post_n + 2) * (memory_cost::plan_value + memory_cost::row_start);
        e.parts.push_back({fmt::format("synapses of '{}'", c.name), bytes,
                           nnz > 0 ? fmt::format("{} expected synapses x {:.0f} bytes",
                                                 count_text(nnz), bytes / nnz)
                                   : ""});
        return;
    }
    if (storage == Storage::sparse)
        bytes += nnz * (memory_cost::plan_value + memory_cost::synapse_index) +
                 (pre_n + 1) * (memory_cost::plan_value + memory_cost::row_start);
    const bool one_weight = constant_of(c.weight, ij).has_value() && !dense;
    bytes += statements * (one_weight ? real + memory_cost::plan_value
                                      : cells * (memory_cost::plan_value + real));
    std::optional<double> delay_ms;
    if (!c.delay.empty()) {
        delay_ms = constant_of(c.delay, ij);
        if (!delay_ms) bytes += cells * (memory_cost::plan_value + memory_cost::delay_steps);
    }
    e.parts.push_back({fmt::format("synapses of '{}'", c.name), bytes,
                       nnz > 0 ? fmt::format("{} expected synapses x {:.0f} bytes",
                                             count_text(nnz), bytes / nnz)
                               : ""});
    // One delay for all synapses: a ring of the spikes of the last `steps` steps per statement.
    // A per-synapse delay's ring is known once the delays are drawn (the estimate after the build).
    if (!delay_ms || !(*delay_ms > 0)) return;
    const double steps = std::round(*delay_ms / plan_.dt_ms);
    if (!(steps >= 1 && steps < 9.2e18)) return;
    e.parts.push_back({fmt::format("delay ring of '{}'", c.name),
                       statements * (steps + 1) * static_cast<double>(plan_.batch) * (pre_n * 4 + 8),
                       fmt::format("{} steps x batch {} x {} neurons x 4 bytes",
                                   count_text(steps + 1), plan_.batch, count_text(pre_n))});
}

void PlanBuilder::add_monitor_memory(MemoryEstimate& e) const {
    const double batch = static_cast<double>(plan_.batch);
    for (const auto& m : net_.spike_monitors) {
        double width = 0;
        for (const auto& p : populations_)
            if (p.name == m.source.group)
                if (const auto s = slice_of(m.source, p.size)) width = s->second - s->first;
        const double block = (memory_cost::spike_block_spikes + width * batch) * 4 + (64 * batch + 1) * 8;
        const double chunk = memory_cost::spike_chunk_records * (plan_.batch > 1 ? 24 : 16);
        e.parts.push_back({fmt::format("monitor '{}'", m.name), block + chunk, "spike buffers"});
    }
    const double steps = std::max(0.0, std::round(net_.settings.duration_ms / plan_.dt_ms));
    // A connection's synapses as built (none before: the estimate after the build counts them).
    const auto built_synapses = [&](const std::string& connection) {
        const auto it = synapse_counts_.find(connection);
        return it == synapse_counts_.end() ? 0.0 : static_cast<double>(it->second);
    };
    for (const auto& m : net_.state_monitors) {
        const auto g = groups_.find(m.group.group);
        double width = 0;
        if (g == groups_.end()) {  // a connection's synapses
            width = !m.synapses.empty() ? static_cast<double>(m.synapses.size())
                    : !m.pairs.empty()  ? static_cast<double>(m.pairs.size())
                                        : built_synapses(m.group.group);
            if (width == 0) continue;
        } else {
            const auto s = slice_of(m.group, g->second.size);
            if (!s) continue;
            width = m.indices.empty() ? s->second - s->first : static_cast<double>(m.indices.size());
        }
        const double vars = static_cast<double>(m.variables.size());
        double every = 1;
        if (const auto ms = constant_of(m.every, {}); ms && *ms > 0)
            every = std::max(1.0, std::round(*ms / plan_.dt_ms));
        e.parts.push_back({fmt::format("monitor '{}'", m.name),
                           state_monitor_bytes(vars, width, batch, every),
                           fmt::format("{} variables x {} neurons{}, in blocks", vars,
                                       count_text(width),
                                       plan_.batch > 1 ? fmt::format(" x batch {}", plan_.batch) : "")});
        // Streamed to disk, not kept: the files' size, for the user to see.
        e.disk_bytes += std::ceil(steps / every) * vars * width * batch * 8;
    }
    // Final synapse state: each variable, and the pre and post indices, once.
    for (const auto& st : net_.synapse_states) {
        const double nnz = built_synapses(st.connection);
        const double vars = st.variables.empty() ? 4.0 : static_cast<double>(st.variables.size());
        e.disk_bytes += nnz * (vars * batch + 2) * 8;
    }
}

}  // namespace spikegraph::detail
