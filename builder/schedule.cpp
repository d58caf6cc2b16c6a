#include "builder/schedule.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <functional>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

namespace {

struct EdgeInfo {
    std::string var;   // the variable that orders the two ops
    bool hard = true;  // from a `now` read or write phase (false: a `prev` read's preference)
};

using Graph = boost::adjacency_list<boost::setS, boost::vecS, boost::bidirectionalS,
                                    boost::no_property, EdgeInfo>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

int rank(WriteMode m) { return static_cast<int>(m); }

bool reaches(const Graph& g, Vertex from, Vertex to) {
    std::vector<bool> seen(boost::num_vertices(g), false);
    std::vector<Vertex> stack{from};
    seen[from] = true;
    while (!stack.empty()) {
        const Vertex v = stack.back();
        stack.pop_back();
        if (v == to) return true;
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
            const Vertex w = boost::target(*e, g);
            if (!seen[w]) seen[w] = true, stack.push_back(w);
        }
    }
    return false;
}

void add_edge(Graph& g, Vertex a, Vertex b, const std::string& var, bool hard = true) {
    if (a == b) return;
    auto [e, fresh] = boost::add_edge(a, b, EdgeInfo{var, hard}, g);
    if (!fresh && hard) g[e].hard = true;
}

// Finds one cycle among `left` (the vertices Kahn's algorithm could not place) by DFS.
std::vector<Vertex> find_cycle(const Graph& g, const std::set<Vertex>& left) {
    std::map<Vertex, int> color;  // 0 white, 1 grey, 2 black
    std::vector<Vertex> path;
    std::vector<Vertex> cycle;
    std::function<bool(Vertex)> dfs = [&](Vertex v) {
        color[v] = 1;
        path.push_back(v);
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
            const Vertex w = boost::target(*e, g);
            if (!left.count(w)) continue;
            if (color[w] == 1) {
                auto it = std::find(path.begin(), path.end(), w);
                cycle.assign(it, path.end());
                return true;
            }
            if (color[w] == 0 && dfs(w)) return true;
        }
        path.pop_back();
        color[v] = 2;
        return false;
    };
    for (Vertex v : left)
        if (color[v] == 0 && dfs(v)) break;
    return cycle;
}

}  // namespace

Schedule schedule_ops(std::vector<OpSpec> ops) {
    const std::size_t n = ops.size();
    Graph g(n);
    struct Writer {
        Vertex op;
        WriteMode mode;
    };
    std::map<std::string, std::vector<Writer>> writers;
    for (std::size_t k = 0; k < n; ++k)
        for (const auto& o : ops[k].outputs) writers[o.var].push_back({k, o.mode});

    for (const auto& [var, ws] : writers) {
        const Writer* assigner = nullptr;
        for (const auto& w : ws) {
            if (w.mode != WriteMode::assign) continue;
            if (assigner)
                throw BuildError(fmt::format(
                    "variable '{}' is assigned by both '{}' and '{}'; only one op may set it "
                    "each step (the others can accumulate into it)",
                    var, ops[assigner->op].name, ops[w.op].name));
            assigner = &w;
        }
        // Phases: assign -> accumulate -> modify; modifiers among themselves by declaration.
        for (const auto& a : ws)
            for (const auto& b : ws) {
                if (a.op == b.op) continue;
                if (rank(a.mode) < rank(b.mode) ||
                    (a.mode == WriteMode::modify && b.mode == WriteMode::modify && a.op < b.op))
                    add_edge(g, a.op, b.op, var);
            }
    }
    for (std::size_t k = 0; k < n; ++k)
        for (const auto& in : ops[k].inputs) {
            if (in.when != Read::now) continue;
            auto it = writers.find(in.var);
            if (it == writers.end()) continue;
            const bool also_writes = std::any_of(ops[k].outputs.begin(), ops[k].outputs.end(),
                                                 [&](const Output& o) { return o.var == in.var; });
            for (const auto& w : it->second)
                if (!also_writes) add_edge(g, w.op, k, in.var);
        }

    // `prev` reads: prefer running before the writers; snapshot where that would close a cycle.
    Schedule out;
    std::set<std::string> snapshotted;
    for (std::size_t k = 0; k < n; ++k)
        for (const auto& in : ops[k].inputs) {
            if (in.when != Read::prev) continue;
            auto it = writers.find(in.var);
            if (it == writers.end()) continue;
            bool conflict = false;
            for (const auto& w : it->second)
                if (w.op != k && reaches(g, w.op, k)) conflict = true;
            if (!conflict) {
                for (const auto& w : it->second) add_edge(g, k, w.op, in.var, false);
                continue;
            }
            const std::string snap = in.var + "@prev";
            ops[k].read_redirects[in.var] = snap;
            if (snapshotted.insert(in.var).second) out.snapshots.push_back({in.var, snap});
        }

    // Kahn's algorithm, always taking the earliest-declared op that is ready.
    std::vector<std::size_t> indegree(n, 0);
    for (std::size_t k = 0; k < n; ++k) indegree[k] = boost::in_degree(k, g);
    using Item = std::pair<std::size_t, Vertex>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> ready;
    for (std::size_t k = 0; k < n; ++k)
        if (indegree[k] == 0) ready.push({ops[k].declared, k});
    std::vector<Vertex> order;
    while (!ready.empty()) {
        const Vertex v = ready.top().second;
        ready.pop();
        order.push_back(v);
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
            const Vertex w = boost::target(*e, g);
            if (--indegree[w] == 0) ready.push({ops[w].declared, w});
        }
    }
    if (order.size() != n) {
        std::set<Vertex> left;
        for (std::size_t k = 0; k < n; ++k)
            if (indegree[k] > 0) left.insert(k);
        const auto cycle = find_cycle(g, left);
        std::vector<std::string> steps;
        for (std::size_t c = 0; c < cycle.size(); ++c) {
            const Vertex a = cycle[c], b = cycle[(c + 1) % cycle.size()];
            const auto [e, found] = boost::edge(a, b, g);
            steps.push_back(fmt::format("'{}' reads '{}' now from '{}'", ops[b].name,
                                        found ? g[e].var : "?", ops[a].name));
        }
        throw BuildError(fmt::format(
            "the ops {} form a cycle of `now` reads: {}. Make one of these reads `prev` (the "
            "value at the end of the previous step), as a recurrent connection reads spikes",
            fmt::join([&] {
                std::vector<std::string> names;
                for (Vertex v : cycle) names.push_back("'" + ops[v].name + "'");
                return names;
            }(), " -> "),
            fmt::join(steps, "; ")));
    }
    // Reasons first: they name other ops, which must not have been moved out yet.
    for (Vertex v : order) {
        std::vector<std::string> why;
        for (auto [e, end] = boost::in_edges(v, g); e != end; ++e) {
            const Vertex a = boost::source(*e, g);
            why.push_back(fmt::format("after {} ({}{})", ops[a].name, g[*e].var,
                                      g[*e].hard ? "" : ", read prev"));
        }
        out.reasons.push_back(std::move(why));
    }
    for (Vertex v : order) out.ops.push_back(std::move(ops[v]));
    return out;
}

std::string schedule_text(const Plan& plan) {
    std::string text = fmt::format("schedule: {} ops per step, dt = {} ms, batch {}, {}\n",
                                   plan.ops.size(), plan.dt_ms, plan.batch,
                                   plan.precision == Precision::f32 ? "float" : "double");
    for (const auto& s : plan.snapshots)
        text += fmt::format("  snapshot {} -> {} (a prev read after its writer)\n", s.var, s.snapshot);
    auto describe = [](const OpSpec& op) {
        std::vector<std::string> reads, writes;
        for (const auto& in : op.inputs)
            reads.push_back(in.var + (in.when == Read::prev ? " (prev)" : ""));
        for (const auto& o : op.outputs)
            writes.push_back(o.var + (o.mode == WriteMode::accumulate ? " (+=)"
                                      : o.mode == WriteMode::modify ? " (modify)" : ""));
        return fmt::format("{} [{}]\n      reads:  {}\n      writes: {}", op.name, op.kind,
                           reads.empty() ? "-" : fmt::format("{}", fmt::join(reads, ", ")),
                           writes.empty() ? "-" : fmt::format("{}", fmt::join(writes, ", ")));
    };
    if (!plan.initial_ops.empty()) {
        text += "initial step:\n";
        for (const auto& op : plan.initial_ops) text += "  " + describe(op) + "\n";
    }
    int k = 1;
    for (const auto& op : plan.ops) text += fmt::format("  {:2}. {}\n", k++, describe(op));
    return text;
}

}  // namespace spikegraph
