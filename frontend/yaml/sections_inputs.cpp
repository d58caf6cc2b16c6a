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
            required(node, path, "type",
                     "poisson, poisson_input, spike_times or current, e.g. type: poisson"),
            child(path, "type"), "input type", {"poisson", "poisson_input", "spike_times", "current"});
        if (type == "poisson") read_poisson(name, node, path);
        else if (type == "poisson_input") read_poisson_drive(name, node, path);
        else if (type == "spike_times") read_spike_times(name, node, path);
        else read_current(name, node, path);
    }
}

void Loader::read_poisson(const std::string& name, const YAML::Node& node,
                          const std::string& path) {
    check_keys(node, path, {"type", "size", "rate"});
    const std::size_t size =
        count(required(node, path, "size", "the number of Poisson sources, e.g. size: 100"),
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

// Brian2's PoissonInput: `N` sources per target neuron, each at `rate`, adding `weight`.
void Loader::read_poisson_drive(const std::string& name, const YAML::Node& node,
                                const std::string& path) {
    check_keys(node, path, {"type", "target", "N", "rate", "weight"});
    const auto target_node = required(node, path, "target",
                                      "the variable it drives, e.g. target: exc.ge");
    const std::string target_path = child(path, "target");
    const std::string text = scalar(target_node, target_path);
    const auto dot = text.rfind('.');
    if (dot == std::string::npos || dot == 0 || !detail::is_identifier(text.substr(dot + 1)))
        fail(target_node, target_path,
             fmt::format("expected group.variable (e.g. exc.ge), got \"{}\"",
                         detail::quote_input(text)));
    const GroupRef target = group_ref(text.substr(0, dot), origin(target_node, target_path, true));
    if (!net_.find_group(target.group)) {
        Names groups;
        for (const auto& g : net_.groups) groups.push_back(g.name());
        fail(target_node, target_path,
             fmt::format("no group named '{}'; {}", detail::quote_input(target.group),
                         hint(target.group, groups, "the groups are")));
    }
    const std::size_t sources =
        count(required(node, path, "N", "the number of Poisson sources per neuron, e.g. N: 1000"),
              child(path, "N"), 1, "N: 1000", std::uint64_t{1} << 40);
    const auto rate_node = required(node, path, "rate", "the rate of each source, e.g. rate: 10 Hz");
    const auto weight_node =
        required(node, path, "weight", "what each spike adds to the variable, e.g. weight: 0.1 mV");
    PoissonDrive& d = net_.add_poisson_drive(name, target, text.substr(dot + 1), sources,
                                             value(rate_node, child(path, "rate")),
                                             value(weight_node, child(path, "weight")));
    d.origin = origin(node, path);
}

void Loader::read_spike_times(const std::string& name, const YAML::Node& node,
                              const std::string& path) {
    check_keys(node, path, {"type", "size", "indices", "times", "file", "unit"});
    const std::size_t size =
        count(required(node, path, "size", "the number of sources, e.g. size: 3"),
              child(path, "size"), 1, "size: 3");
    // From files: an .npz with arrays `times` and `indices`, or one .npy for each.
    const auto is_file = [](const YAML::Node& n) {
        return n && n.IsScalar() && n.Scalar().size() > 4 &&
               n.Scalar().compare(n.Scalar().size() - 4, 4, ".npy") == 0;
    };
    if (node["file"] || is_file(node["times"]) || is_file(node["indices"])) {
        SpikeTimesInput& s = net_.add_spike_times(name, size, {}, {});
        s.origin = origin(node, path);
        if (const auto f = node["file"]) {
            if (node["times"] || node["indices"])
                fail(f, child(path, "file"), "give either 'file' (an .npz with arrays times and "
                                             "indices) or 'times' and 'indices', not both");
            s.file = data_path(f, child(path, "file"));
        } else {
            for (const char* k : {"times", "indices"})
                if (!is_file(node[k]))
                    fail(node[k] ? node[k] : node, child(path, k),
                         fmt::format("with times from a file, '{}' must be a .npy file too", k));
            s.times_file = data_path(node["times"], child(path, "times"));
            s.indices_file = data_path(node["indices"], child(path, "indices"));
        }
        if (const auto u = node["unit"]) {
            const auto q = quantity(u, child(path, "unit"), dim::time(), "ms");
            (void)q;
            s.time_unit = scalar(u, child(path, "unit"));
        }
        return;
    }
    if (const auto u = node["unit"])
        fail(u, child(path, "unit"), "'unit' applies to times read from files; inline times "
                                     "carry their own units (times: [1 ms, 2.5 ms])");
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
