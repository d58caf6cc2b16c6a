// The `inputs` section: Poisson sources, spike-time generators and current inputs.

#include "frontend/yaml/loader.hpp"

#include <cmath>

#include <fmt/format.h>
#include "core/text.hpp"

namespace spikegraph::detail::yaml_loader {

void Loader::read_inputs(const YAML::Node& inputs) {
    for (const auto& [key, node] : entries(inputs, "inputs")) {
        const std::string name = key.Scalar();
        const std::string path = child("inputs", name);
        check_new_name(key, path);
        expect_mapping(key, node, path, "{type: poisson, size: 100, rate: 10 Hz}");
        const std::string type = choice(
            required(node, path, "type", "poisson, spike_times or current, e.g. type: poisson"),
            child(path, "type"), "input type", {"poisson", "spike_times", "current"});
        if (type == "poisson") read_poisson(name, node, path);
        else if (type == "spike_times") read_spike_times(name, node, path);
        else read_current(name, node, path);
    }
}

void Loader::read_poisson(const std::string& name, const YAML::Node& node,
                          const std::string& path) {
    check_keys(node, path, {"type", "size", "rate"});
    const std::size_t size =
        integer(required(node, path, "size", "the number of Poisson sources, e.g. size: 100"),
                child(path, "size"), 1, "size: 100");
    const auto rate_node =
        required(node, path, "rate", "the rate of each source, e.g. rate: 10 Hz");
    const std::string rate_path = child(path, "rate");
    const ValueSpec rate = value(rate_node, rate_path);
    if (is_constant(rate.text)) {
        const double r = quantity(rate_node, rate_path, dim::frequency(), "10 Hz").value;
        if (!(r >= 0) || !std::isfinite(r))
            fail(rate_node, rate_path,
                 fmt::format("expected a non-negative frequency (e.g. \"10 Hz\"), got \"{}\"",
                             detail::quote_input(rate.text)));
    }
    PoissonInput& p = net_.add_poisson(name, size, rate);
    p.origin = origin(node, path);
}

void Loader::read_spike_times(const std::string& name, const YAML::Node& node,
                              const std::string& path) {
    check_keys(node, path, {"type", "size", "indices", "times"});
    const std::size_t size =
        integer(required(node, path, "size", "the number of sources, e.g. size: 3"),
                child(path, "size"), 1, "size: 3");
    const auto idx_node = required(node, path, "indices",
                                   "which source fires at each time, e.g. indices: [0, 2]");
    const auto times_node = required(node, path, "times",
                                     "when each source fires, e.g. times: [1 ms, 2.5 ms]");
    const auto idx = indices(idx_node, child(path, "indices"), size,
                             fmt::format("input '{}' ({} sources)", name, size));
    const std::string times_path = child(path, "times");
    const auto time_nodes = items(times_node, times_path);
    std::vector<double> times;
    for (std::size_t k = 0; k < time_nodes.size(); ++k)
        times.push_back(time_ms(time_nodes[k], element(times_path, k), false, "2.5 ms"));
    if (times.size() != idx.size())
        fail(times_node, times_path,
             fmt::format("mismatched sizes: 'times' has {} entries but 'indices' has {}; give "
                         "one time per index", times.size(), idx.size()));
    SpikeTimesInput& s = net_.add_spike_times(name, size, idx, std::move(times));
    s.origin = origin(node, path);
}

void Loader::read_current(const std::string& name, const YAML::Node& node,
                          const std::string& path) {
    check_keys(node, path, {"type", "target", "variable", "value", "steps"});
    const auto target =
        reference(required(node, path, "target", "the neurons it drives, e.g. target: "
                                                 "neurons[0:10]"),
                  child(path, "target"), RefKind::group);
    std::string variable = "I";
    if (const auto n = node["variable"]) variable = identifier(n, child(path, "variable"));
    ValueSpec initial("0", origin(node, path));
    if (const auto n = node["value"]) initial = value(n, child(path, "value"));
    CurrentInput& c = net_.add_current(name, target.first, variable, initial);
    c.origin = origin(node, path);
    if (const auto steps = node["steps"]) {
        const std::string steps_path = child(path, "steps");
        const auto list = items(steps, steps_path);
        double previous = -1;
        for (std::size_t k = 0; k < list.size(); ++k) {
            const std::string at = element(steps_path, k);
            check_keys(list[k], at, {"at", "value"});
            const auto at_node = required(list[k], at, "at", "when it applies, e.g. at: 100 ms");
            const auto v_node = required(list[k], at, "value", "the new value, e.g. value: 1 nA");
            const double t = time_ms(at_node, child(at, "at"), false, "100 ms");
            if (t <= previous)
                fail(at_node, child(at, "at"),
                     fmt::format("steps must be in increasing time: {} is not after the "
                                 "previous step", at_node.Scalar()));
            previous = t;
            c.changes.emplace_back(value(at_node, child(at, "at")),
                                   value(v_node, child(at, "value")));
        }
    }
}

}  // namespace spikegraph::detail::yaml_loader
