// The `connections` section: connectivity rules, synapse models and plasticity rules.

#include "frontend/yaml/loader.hpp"

#include <charconv>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/text.hpp"
#include "frontend/synapse_library.hpp"

namespace spikegraph::detail::yaml_loader {

Connectivity Loader::read_connectivity(const YAML::Node& n, const std::string& path,
                                       const Resolved& pre, const Resolved& post) const {
    static const Names rules = {"all_to_all", "one_to_one", "fixed_probability",
                                "fixed_indegree", "fixed_outdegree", "explicit"};
    // `connectivity: one_to_one` is short for `connectivity: {rule: one_to_one}`.
    const bool shorthand = n.IsScalar();
    const YAML::Node rule_node = shorthand ? n : required(n, path, "rule", fmt::format(
        "one of {}, e.g. rule: all_to_all", fmt::join(rules, ", ")));
    const std::string rule_path = shorthand ? path : child(path, "rule");
    const std::string rule = choice(rule_node, rule_path, "rule", rules);
    const std::map<std::string, Names> keys = {
        {"all_to_all", {"rule", "condition"}},      {"one_to_one", {"rule"}},
        {"fixed_probability", {"rule", "p", "condition"}}, {"fixed_indegree", {"rule", "k"}},
        {"fixed_outdegree", {"rule", "k"}},   {"explicit", {"rule", "pairs"}}};
    if (!shorthand) check_keys(n, path, keys.at(rule));
    else if (rule != "all_to_all" && keys.at(rule).size() > 1)  // its condition is optional
        fail(n, path, fmt::format("rule '{}' needs a parameter; write connectivity: {{rule: "
                                  "{}, {}: ...}}", rule, rule, keys.at(rule)[1]));

    // A condition (Brian's `connect(condition=...)`) is checked by the builder, where the
    // groups' variables are known.
    ValueSpec condition;
    if (!shorthand && has_key(n, "condition"))
        condition = value(n["condition"], child(path, "condition"));
    if (rule == "all_to_all") return Connectivity::all_to_all().where(condition);
    if (rule == "one_to_one") {
        if (pre.size != post.size)
            fail(rule_node, rule_path,
                 fmt::format("one_to_one needs pre and post of the same size; pre has {} {}, "
                             "post has {} neurons", pre.size, pre.noun, post.size));
        return Connectivity::one_to_one();
    }
    if (rule == "fixed_probability") {
        const auto p_node = required(n, path, "p", "the connection probability, e.g. p: 0.02");
        const std::string text = scalar(p_node, child(path, "p"));
        double p = -1;
        const auto t = trim(text);
        const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), p);
        // A number is checked here; an expression (of parameters, i, j, x_pre, x_post) by the
        // builder.
        if (ec != std::errc() || end != t.data() + t.size())
            return Connectivity::fixed_probability(value(p_node, child(path, "p")))
                .where(condition);
        if (!(p >= 0 && p <= 1))
            fail(p_node, child(path, "p"),
                 fmt::format("expected a probability between 0 and 1 (e.g. p: 0.02), got "
                             "\"{}\"", text));
        return Connectivity::fixed_probability(p).where(condition);
    }
    if (rule == "fixed_indegree" || rule == "fixed_outdegree") {
        const bool in = rule == "fixed_indegree";
        const auto k_node = required(n, path, "k", in ? "synapses per post neuron, e.g. k: 100"
                                                      : "synapses per pre neuron, e.g. k: 100");
        const std::uint64_t k = count(k_node, child(path, "k"), 0, "k: 100");
        const Resolved& from = in ? pre : post;
        if (k > from.size)
            fail(k_node, child(path, "k"),
                 fmt::format("k = {} is larger than the {} slice ({} {}); each {} neuron "
                             "needs k distinct partners", k, in ? "pre" : "post", from.size,
                             from.noun, in ? "post" : "pre"));
        return in ? Connectivity::fixed_indegree(k) : Connectivity::fixed_outdegree(k);
    }
    const auto pairs_node =
        required(n, path, "pairs", "(pre, post) index pairs, e.g. pairs: [[0, 1], [2, 3]]");
    const std::string pairs_path = child(path, "pairs");
    const auto list = items(pairs_node, pairs_path);
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    for (std::size_t k = 0; k < list.size(); ++k) {
        const std::string at = element(pairs_path, k);
        if (!list[k].IsSequence() || list[k].size() != 2)
            fail(list[k], at, fmt::format("expected a pair [pre, post] such as [0, 1], got {}",
                                          describe(list[k])));
        const std::uint64_t i = integer(list[k][0], element(at, 0), 0, "0");
        const std::uint64_t j = integer(list[k][1], element(at, 1), 0, "1");
        if (i >= pre.size)
            fail(list[k][0], element(at, 0), fmt::format(
                "pre index {} is out of range for the pre slice ({} {})", i, pre.size, pre.noun));
        if (j >= post.size)
            fail(list[k][1], element(at, 1), fmt::format(
                "post index {} is out of range for the post slice ({} neurons)", j, post.size));
        pairs.emplace_back(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j));
    }
    return Connectivity::from_list(std::move(pairs));
}

namespace {

// `plasticity: stdp_additive`, or a mapping `{rule: stdp_additive, wmax: 0.01, pairing: nearest}`
// whose other keys are the rule's parameters (frontend/synapse_library.hpp).
void read_plasticity(const Reader& r, const YAML::Node& n, const std::string& path,
                     Connection& c) {
    const Names rules = synapse_rule_names();
    const bool shorthand = n.IsScalar();
    if (!shorthand && !n.IsMap())
        r.fail(n, path, fmt::format("expected a rule name (plasticity: stdp_additive) or a "
                                    "mapping such as {{rule: stdp_additive, wmax: 0.01}}, got {}",
                                    describe(n)));
    const YAML::Node rule_node = shorthand ? n : r.required(n, path, "rule", fmt::format(
        "one of {}, e.g. rule: stdp_additive", fmt::join(rules, ", ")));
    const std::string rule_path = shorthand ? path : child(path, "rule");
    c.plasticity = r.choice(rule_node, rule_path, "plasticity rule", rules);
    c.plasticity_origin = r.origin(rule_node, path, true);
    if (shorthand) return;
    Names keys = synapse_rule_parameters(synapse_rule(c.plasticity));
    keys.insert(keys.begin(), "rule");
    r.check_keys(n, path, keys);
    for (const auto& [key, value] : r.entries(n, path))
        if (key.Scalar() != "rule")
            c.plasticity_parameters[key.Scalar()] = r.value(value, child(path, key.Scalar()));
}

// `values: {w: rand() * 0.01, tau: 5 ms}`: parameter values and initial values of the synapse
// model's variables.
std::map<std::string, ValueSpec> read_values(const Reader& r, const YAML::Node& n,
                                             const std::string& path) {
    std::map<std::string, ValueSpec> values;
    for (const auto& [key, value] : r.entries(n, path, false)) {
        const std::string name = key.Scalar();
        if (!detail::is_identifier(name))
            r.fail(key, child(path, name),
                   fmt::format("'{}' is not a variable name; use letters, digits and '_' "
                               "(e.g. w)", detail::quote_input(name)));
        values[name] = r.value(value, child(path, name));
    }
    return values;
}

}  // namespace

void Loader::read_connections(const YAML::Node& connections) {
    for (const auto& [key, node] : entries(connections, "connections")) {
        const std::string name = key.Scalar();
        const std::string path = child("connections", name);
        expect_mapping(key, node, path,
                       "{pre: neurons, post: neurons, target: ge, weight: 1 mV}");
        check_keys(node, path, {"pre", "post", "target", "on_pre", "weight", "delay",
                                "connectivity", "allow_self", "storage", "model", "on_post",
                                "post_delay", "values", "method", "plasticity"});
        const auto pre = reference(
            required(node, path, "pre", "the source group or spike input, e.g. pre: "
                                        "neurons[0:3200]"),
            child(path, "pre"), RefKind::group_or_spike_input);
        const auto post = reference(
            required(node, path, "post", "the target group, e.g. post: neurons"),
            child(path, "post"), RefKind::group);
        // Either a target variable (`target += w`) or on-spike statements; a synapse model may
        // have neither (its summed variables or on_post act on the post group).
        const bool own_model = has_key(node, "model");
        std::string target;
        ValueSpec on_pre;
        if (const auto n = node["on_pre"]) {
            if (node["target"])
                fail(node["target"], child(path, "target"),
                     "give either target (spikes add w to it) or on_pre statements, not both");
            on_pre = value(n, child(path, "on_pre"));
        } else if (!own_model || node["target"]) {
            target = identifier(
                required(node, path, "target",
                         "the post variable spikes act on, e.g. target: ge (or on_pre: ge += w)"),
                child(path, "target"));
        }
        std::map<std::string, ValueSpec> values;
        if (const auto n = node["values"]) values = read_values(*this, n, child(path, "values"));
        // The initial weight: `weight`, or `values: {w: ...}` in a synapse model.
        ValueSpec weight = "1";
        if (const auto n = node["weight"]) {
            if (values.count("w") != 0)
                fail(n, child(path, "weight"),
                     "give the initial weight either as weight or as values.w, not both");
            weight = value(n, child(path, "weight"));
        } else if (!own_model && values.count("w") == 0) {
            required(node, path, "weight", "the synaptic weight, e.g. weight: 1.62 mV");
        }
        Connectivity connectivity;
        if (const auto n = node["connectivity"])
            connectivity = read_connectivity(n, child(path, "connectivity"), pre.second,
                                             post.second);
        if (const auto n = node["allow_self"])
            connectivity.allow_self = boolean(n, child(path, "allow_self"));

        Connection& c = net_.connect(name, pre.first, post.first, target, weight,
                                     std::move(connectivity));
        c.origin = origin(node, path);
        c.on_pre = on_pre;
        c.values = std::move(values);
        c.delay_origin = c.origin;
        if (const auto n = node["delay"]) {
            const std::string delay_path = child(path, "delay");
            c.delay = value(n, delay_path);
            c.delay_origin = c.delay.origin;
            if (is_constant(c.delay.text))
                check_multiple_of_dt(n, delay_path, "delay",
                                     time_ms(n, delay_path, false, "1.5 ms"),
                                     net_.settings.dt_ms, true);
        }
        if (const auto n = node["post_delay"]) {
            const std::string delay_path = child(path, "post_delay");
            c.post_delay = value(n, delay_path);
            if (is_constant(c.post_delay.text))
                check_multiple_of_dt(n, delay_path, "post_delay",
                                     time_ms(n, delay_path, false, "1.5 ms"),
                                     net_.settings.dt_ms, true);
        }
        if (const auto n = node["model"]) c.model = value(n, child(path, "model"));
        if (const auto n = node["on_post"]) c.on_post = value(n, child(path, "on_post"));
        if (const auto n = node["method"]) {
            c.method = identifier(n, child(path, "method"));
            c.method_origin = origin(n, child(path, "method"), true);
        }
        if (const auto n = node["plasticity"]) {
            read_plasticity(*this, n, child(path, "plasticity"), c);
            // The builder expands the rule; expanding here too reports a bad parameter or a
            // clash with the connection's own model while the config is read (and by validate).
            static_cast<void>(expand_plasticity(c));
        }
        if (const auto n = node["storage"]) {
            const std::string s =
                choice(n, child(path, "storage"), "storage", {"auto", "sparse", "dense", "one_to_one"});
            c.storage = s == "sparse"       ? SynapseStorage::sparse
                        : s == "dense"      ? SynapseStorage::dense
                        : s == "one_to_one" ? SynapseStorage::one_to_one
                                            : SynapseStorage::automatic;
            if (c.storage == SynapseStorage::one_to_one &&
                c.connectivity.rule != Connectivity::Rule::one_to_one)
                fail(n, child(path, "storage"),
                     "storage one_to_one needs connectivity rule one_to_one");
        }
    }
}

}  // namespace spikegraph::detail::yaml_loader
