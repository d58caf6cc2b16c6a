// References between sections (`pre: neurons[0:3200]`, `group: exc`), index lists, and the one
// namespace that groups and inputs share.

#include "frontend/yaml/loader.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "core/text.hpp"

namespace spikegraph::detail::yaml_loader {

std::pair<GroupRef, Resolved> Loader::reference(const YAML::Node& n, const std::string& path,
                                                RefKind kind) const {
    const std::string text = scalar(n, path);
    const TextOrigin o = origin(n, path, true);
    GroupRef ref = group_ref(text, o);
    std::size_t size = 0;
    std::string noun = "neurons", what = "group";
    if (const NeuronGroup* g = net_.find_group(ref.group)) {
        size = g->size();
    } else if (const auto* in = spike_input(ref.group)) {
        if (kind == RefKind::group)
            fail_at(o, fmt::format("'{}' is a spike input, not a neuron group", ref.group));
        size = *in;
        noun = "sources";
        what = "input";
    } else if (std::any_of(net_.current_inputs.begin(), net_.current_inputs.end(),
                           [&](const CurrentInput& c) { return c.name == ref.group; })) {
        fail_at(o, fmt::format("'{}' is a current input; it drives a group and sends no "
                               "spikes", ref.group));
    } else {
        Names candidates;
        for (const auto& g : net_.groups) candidates.push_back(g.name());
        if (kind == RefKind::group_or_spike_input) {
            for (const auto& p : net_.poisson_inputs) candidates.push_back(p.name);
            for (const auto& s : net_.spike_inputs) candidates.push_back(s.name);
        }
        const bool groups_only = kind == RefKind::group;
        fail_at(o, fmt::format("no {} named '{}'; {}",
                               groups_only ? "group" : "group or spike input",
                               detail::quote_input(ref.group),
                               hint(ref.group, candidates,
                                    groups_only ? "the groups are"
                                                : "the groups and spike inputs are")));
    }
    const std::size_t end = ref.end == GroupRef::k_all ? size : ref.end;
    if (end > size || ref.begin > size)
        fail_at(o, fmt::format("{}: index {} is out of range for {} '{}' ({} {})", text,
                               end > size ? end : ref.begin, what, ref.group, size, noun));
    if (ref.begin >= end)
        fail_at(o, fmt::format("{}: the slice is empty ({} '{}' has {} {})", text, what,
                               ref.group, size, noun));
    return {ref, Resolved{end - ref.begin, noun}};
}

const std::size_t* Loader::spike_input(const std::string& name) const {
    for (const auto& p : net_.poisson_inputs)
        if (p.name == name) return &p.size;
    for (const auto& s : net_.spike_inputs)
        if (s.name == name) return &s.size;
    return nullptr;
}

std::vector<std::int64_t> Loader::indices(const YAML::Node& n, const std::string& path,
                                          std::size_t size, const std::string& of) const {
    std::vector<std::int64_t> out;
    const auto list = items(n, path);
    for (std::size_t k = 0; k < list.size(); ++k) {
        const std::string at = element(path, k);
        const std::uint64_t i = integer(list[k], at, 0, "0");
        if (i >= size)
            fail(list[k], at, fmt::format("index {} is out of range for {}", i, of));
        out.push_back(static_cast<std::int64_t>(i));
    }
    return out;
}

void Loader::check_new_name(const YAML::Node& key, const std::string& path) const {
    const std::string& name = key.Scalar();
    if (!detail::is_identifier(name))
        fail(key, path, fmt::format("'{}' is not a valid name; use letters, digits and '_' "
                                    "(e.g. exc_neurons)", detail::quote_input(name)));
    const auto line_of = [&]() -> std::optional<int> {
        if (const NeuronGroup* g = net_.find_group(name)) return g->origin.line;
        for (const auto& p : net_.poisson_inputs)
            if (p.name == name) return p.origin.line;
        for (const auto& s : net_.spike_inputs)
            if (s.name == name) return s.origin.line;
        for (const auto& c : net_.current_inputs)
            if (c.name == name) return c.origin.line;
        for (const auto& d : net_.poisson_drives)
            if (d.name == name) return d.origin.line;
        return std::nullopt;
    }();
    if (line_of)
        fail(key, path, fmt::format("the name '{}' is already used (line {}); groups and "
                                    "inputs share one set of names", name, *line_of));
}

}  // namespace spikegraph::detail::yaml_loader
