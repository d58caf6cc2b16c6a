#pragma once
// The section readers of the YAML loader: each `read_*` turns one section of the config into
// frontend objects, in dependency order (simulation, models, groups, inputs, connections,
// monitors), checking references between sections as it goes.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <spikegraph/network.hpp>
#include "frontend/yaml/schema.hpp"

namespace spikegraph::detail::yaml_loader {

/// What a reference (`pre`, `group`, `target`) may name.
enum class RefKind { group, group_or_spike_input };

/// What a resolved reference covers: the number of elements in its slice and what they are.
struct Resolved {
    std::size_t size = 0;
    std::string noun;  // "neurons" or "sources"
};

/// Reads a whole config tree into a Network. The sections read through the schema's typed
/// readers, hence the (private) base.
class Loader : private Reader {
public:
    using Reader::Reader;

    /// @throws ConfigError located at the first offending node.
    Network load(const YAML::Node& root);

private:
    // references.cpp
    std::pair<GroupRef, Resolved> reference(const YAML::Node& n, const std::string& path,
                                            RefKind kind) const;
    const std::size_t* spike_input(const std::string& name) const;
    // Indices (relative to a slice of `size` elements) from a list node; `of` names the slice.
    std::vector<std::int64_t> indices(const YAML::Node& n, const std::string& path,
                                      std::size_t size, const std::string& of) const;
    // A new group or input name: a valid name, not used by another group or input.
    void check_new_name(const YAML::Node& key, const std::string& path) const;

    // sections_parameters.cpp
    void read_parameters(const YAML::Node& parameters);
    // A count (size, degree): an integer, or an expression of the parameters giving one.
    std::uint64_t count(const YAML::Node& n, const std::string& path, std::uint64_t min,
                        const std::string& example,
                        std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const;
    // "group" or "group[a:b]" where a and b may be expressions of the parameters.
    GroupRef group_ref(const std::string& text, const TextOrigin& at) const;

    // sections_groups.cpp
    void read_simulation(const YAML::Node& sim);
    void read_models(const YAML::Node& models);
    void read_groups(const YAML::Node& groups);
    const NeuronModel& find_model(const YAML::Node& n, const std::string& path) const;

    // sections_inputs.cpp
    void read_inputs(const YAML::Node& inputs);
    void read_poisson(const std::string& name, const YAML::Node& node, const std::string& path);
    void read_spike_times(const std::string& name, const YAML::Node& node,
                          const std::string& path);
    void read_current(const std::string& name, const YAML::Node& node, const std::string& path);
    void read_poisson_drive(const std::string& name, const YAML::Node& node,
                            const std::string& path);

    // sections_timed_arrays.cpp
    void read_timed_arrays(const YAML::Node& arrays);
    // A data file named at `n`: relative paths are taken from the config file's folder.
    std::string data_path(const YAML::Node& n, const std::string& path) const;

    // sections_connections.cpp
    Connectivity read_connectivity(const YAML::Node& n, const std::string& path,
                                   const Resolved& pre, const Resolved& post) const;
    void read_connections(const YAML::Node& connections);

    // sections_monitors.cpp
    void read_monitors(const YAML::Node& monitors);

    Network net_;
};

}  // namespace spikegraph::detail::yaml_loader
