// The `monitors` section: spike and state monitors.

#include "frontend/yaml/loader.hpp"

#include <utility>

#include <fmt/format.h>

namespace spikegraph::detail::yaml_loader {

void Loader::read_monitors(const YAML::Node& monitors) {
    for (const auto& [key, node] : entries(monitors, "monitors")) {
        const std::string name = key.Scalar();
        const std::string path = child("monitors", name);
        expect_mapping(key, node, path, "{type: spike, group: neurons}");
        const std::string type =
            choice(required(node, path, "type", "spike or state, e.g. type: spike"),
                   child(path, "type"), "monitor type", {"spike", "state"});
        if (type == "spike") {
            check_keys(node, path, {"type", "group"});
            const auto source = reference(
                required(node, path, "group", "the group or spike input to record, e.g. "
                                              "group: neurons"),
                child(path, "group"), RefKind::group_or_spike_input);
            net_.monitor_spikes(name, source.first).origin = origin(node, path);
            continue;
        }
        check_keys(node, path, {"type", "group", "variables", "indices", "every"});
        const std::string group_text = scalar(
            required(node, path, "group", "the group to record, e.g. group: neurons"),
            child(path, "group"));
        const auto group = reference(node["group"], child(path, "group"), RefKind::group);
        const std::string vars_path = child(path, "variables");
        const auto var_nodes = items(
            required(node, path, "variables", "what to record, e.g. variables: [v]"),
            vars_path, true);
        std::vector<std::string> variables;
        for (std::size_t k = 0; k < var_nodes.size(); ++k)
            variables.push_back(identifier(var_nodes[k], element(vars_path, k)));
        StateMonitorSpec& m = net_.monitor_state(name, group.first, std::move(variables));
        m.origin = origin(node, path);
        if (const auto n = node["indices"])
            m.indices = indices(n, child(path, "indices"), group.second.size,
                                fmt::format("'{}' ({} neurons)", group_text,
                                            group.second.size));
        if (const auto n = node["every"]) {
            const std::string every_path = child(path, "every");
            check_multiple_of_dt(n, every_path, "every",
                                 time_ms(n, every_path, true, "1 ms"),
                                 net_.settings.dt_ms, false);
            m.every = value(n, every_path);
        }
    }
}

}  // namespace spikegraph::detail::yaml_loader
