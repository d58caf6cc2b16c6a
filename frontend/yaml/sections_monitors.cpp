// The `monitors` section: spike, population-rate and state monitors (of neurons or of a connection's synapses),
// and the final state of a connection's synapses.

#include "frontend/yaml/loader.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "core/text.hpp"

namespace spikegraph::detail::yaml_loader {

namespace {

const char* const k_select_synapses =
    "synapses: [0, 5] (synapse indices) or pairs: [[pre, post], ...] (indices in the pre and "
    "post groups)";

// A name or a list of names (`variables: [v, ge]`).
std::vector<std::string> names(const Reader& r, const YAML::Node& n, const std::string& path) {
    const auto nodes = r.items(n, path, true);
    std::vector<std::string> out;
    for (std::size_t k = 0; k < nodes.size(); ++k)
        out.push_back(r.identifier(nodes[k], element(path, k)));
    return out;
}

const Connection& find_connection(const Reader& r, const Network& net, const YAML::Node& n,
                                  const std::string& path) {
    const std::string name = r.scalar(n, path);
    Names candidates;
    for (const Connection& c : net.connections) {
        if (c.name == name) return c;
        candidates.push_back(c.name);
    }
    if (net.find_group(name) != nullptr)
        r.fail(n, path, fmt::format("'{}' is a neuron group, not a connection; record neurons "
                                    "with group: {}", name, name));
    r.fail(n, path, fmt::format("no connection named '{}'; {}", detail::quote_input(name),
                                hint(name, candidates, "the connections are")));
}

// The number of neurons (or sources) of the group or input `name`.
std::size_t size_of(const Network& net, const std::string& name) {
    if (const NeuronGroup* g = net.find_group(name)) return g->size();
    for (const auto& p : net.poisson_inputs)
        if (p.name == name) return p.size;
    for (const auto& s : net.spike_inputs)
        if (s.name == name) return s.size;
    return 0;
}

// `pairs: [[pre, post], ...]`, indices in the pre and post groups of `c`.
std::vector<std::pair<std::int64_t, std::int64_t>> synapse_pairs(const Reader& r,
                                                                  const Network& net,
                                                                  const YAML::Node& n,
                                                                  const std::string& path,
                                                                  const Connection& c) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    const auto list = r.items(n, path);
    const std::size_t pre_n = size_of(net, c.pre.group), post_n = size_of(net, c.post.group);
    for (std::size_t k = 0; k < list.size(); ++k) {
        const std::string at = element(path, k);
        if (!list[k].IsSequence() || list[k].size() != 2)
            r.fail(list[k], at, fmt::format("expected a pair [pre, post] such as [0, 1], got {}",
                                            describe(list[k])));
        const std::uint64_t i = r.integer(list[k][0], element(at, 0), 0, "0");
        const std::uint64_t j = r.integer(list[k][1], element(at, 1), 0, "1");
        if (i >= pre_n)
            r.fail(list[k][0], element(at, 0), fmt::format(
                "pre index {} is out of range for '{}' ({} {})", i, c.pre.group, pre_n,
                net.find_group(c.pre.group) ? "neurons" : "sources"));
        if (j >= post_n)
            r.fail(list[k][1], element(at, 1), fmt::format(
                "post index {} is out of range for '{}' ({} neurons)", j, c.post.group, post_n));
        out.emplace_back(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j));
    }
    return out;
}

}  // namespace

void Loader::read_monitors(const YAML::Node& monitors) {
    for (const auto& [key, node] : entries(monitors, "monitors")) {
        const std::string name = key.Scalar();
        const std::string path = child("monitors", name);
        expect_mapping(key, node, path, "{type: spike, group: neurons}");
        const std::string type =
            choice(required(node, path, "type",
                            "spike, rate, state or synapses, e.g. type: spike"),
                   child(path, "type"), "monitor type", {"spike", "rate", "state", "synapses"});
        if (type == "spike") {
            check_keys(node, path, {"type", "group"});
            const auto source = reference(
                required(node, path, "group", "the group or spike input to record, e.g. "
                                              "group: neurons"),
                child(path, "group"), RefKind::group_or_spike_input);
            net_.monitor_spikes(name, source.first).origin = origin(node, path);
            continue;
        }
        if (type == "rate") {
            check_keys(node, path, {"type", "group", "bin"});
            const auto source = reference(
                required(node, path, "group", "the group or spike input whose population rate "
                                              "to record, e.g. group: exc"),
                child(path, "group"), RefKind::group_or_spike_input);
            ValueSpec bin;
            if (const auto n = node["bin"]) {
                const std::string bin_path = child(path, "bin");
                bin = value(n, bin_path);
                if (is_constant(bin.text))
                    check_multiple_of_dt(n, bin_path, "bin", time_ms(n, bin_path, true, "1 ms"),
                                         net_.settings.dt_ms, false);
            }
            net_.monitor_rate(name, source.first, std::move(bin)).origin = origin(node, path);
            continue;
        }
        if (type == "synapses") {
            check_keys(node, path, {"type", "connection", "variables"});
            const Connection& c = find_connection(
                *this, net_,
                required(node, path, "connection", "the connection whose synapses to write, "
                                                   "e.g. connection: stdp"),
                child(path, "connection"));
            std::vector<std::string> variables;
            if (const auto n = node["variables"]) variables = names(*this, n, child(path, "variables"));
            net_.save_synapses(name, c.name, std::move(variables)).origin = origin(node, path);
            continue;
        }
        check_keys(node, path, {"type", "group", "connection", "variables", "indices",
                                "synapses", "pairs", "every"});
        const auto variables = names(
            *this, required(node, path, "variables", "what to record, e.g. variables: [v]"),
            child(path, "variables"));
        StateMonitorSpec* m = nullptr;
        if (const auto n = node["connection"]) {
            if (node["group"])
                fail(node["group"], child(path, "group"),
                     "give either group (to record neurons) or connection (to record synapses), "
                     "not both");
            if (node["indices"])
                fail(node["indices"], child(path, "indices"),
                     std::string("indices select neurons; choose synapses with ") +
                         k_select_synapses);
            const Connection& c = find_connection(*this, net_, n, child(path, "connection"));
            GroupRef ref;
            ref.group = c.name;
            ref.origin = origin(n, child(path, "connection"), true);
            m = &net_.monitor_state(name, ref, variables);
            if (node["synapses"] && node["pairs"])
                fail(node["pairs"], child(path, "pairs"),
                     "give either synapses (synapse indices) or pairs, not both");
            if (const auto s = node["synapses"]) {
                const std::string s_path = child(path, "synapses");
                const auto list = items(s, s_path);
                for (std::size_t k = 0; k < list.size(); ++k)
                    m->synapses.push_back(static_cast<std::int64_t>(
                        integer(list[k], element(s_path, k), 0, "0")));
            }
            if (const auto p = node["pairs"])
                m->pairs = synapse_pairs(*this, net_, p, child(path, "pairs"), c);
        } else {
            const auto g = required(node, path, "group", "the group to record, e.g. group: "
                                                         "neurons (or connection: NAME for "
                                                         "synapses)");
            const std::string group_text = scalar(g, child(path, "group"));
            const bool is_connection =
                net_.find_group(group_text) == nullptr &&
                std::any_of(net_.connections.begin(), net_.connections.end(),
                            [&](const Connection& c) { return c.name == group_text; });
            if (is_connection)
                fail(g, child(path, "group"),
                     fmt::format("'{}' is a connection; record its synapses with connection: {}",
                                 group_text, group_text));
            for (const char* key : {"synapses", "pairs"})
                if (node[key])
                    fail(node[key], child(path, key),
                         fmt::format("{} selects synapses of a connection; write connection: "
                                     "NAME instead of group", key));
            const auto group = reference(g, child(path, "group"), RefKind::group);
            m = &net_.monitor_state(name, group.first, variables);
            if (const auto n = node["indices"])
                m->indices = indices(n, child(path, "indices"), group.second.size,
                                     fmt::format("'{}' ({} neurons)", group_text,
                                                 group.second.size));
        }
        m->origin = origin(node, path);
        if (const auto n = node["every"]) {
            const std::string every_path = child(path, "every");
            check_multiple_of_dt(n, every_path, "every",
                                 time_ms(n, every_path, true, "1 ms"),
                                 net_.settings.dt_ms, false);
            m->every = value(n, every_path);
        }
    }
}

}  // namespace spikegraph::detail::yaml_loader
