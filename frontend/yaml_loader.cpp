#include <spikegraph/yaml_loader.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <spikegraph/error.hpp>
#include "frontend/yaml/loader.hpp"
#include "frontend/yaml/set_overrides.hpp"

// The loader's parts live in frontend/yaml/: set_overrides (the `--set` engine), schema (node
// locations, typed readers, did-you-mean), references and one file per group of sections.

namespace spikegraph {

namespace detail::yaml_loader {

Network Loader::load(const YAML::Node& root) {
    net_.source = file();
    if (!root.IsMap())
        fail(root, "", fmt::format("expected a mapping with at least a 'groups:' section, "
                                   "got {}", describe(root)));
    check_keys(root, "", {"simulation", "models", "groups", "inputs", "connections",
                          "monitors"});
    // Sections are read in dependency order, so references work whatever the file's order.
    if (const auto n = root["simulation"]; n && !n.IsNull()) read_simulation(n);
    if (const auto n = root["models"]) read_models(n);
    read_groups(required(root, "", "groups", "the neuron groups, e.g. groups: {neurons: "
                                             "{size: 100, model: lif}}"));
    if (const auto n = root["inputs"]) read_inputs(n);
    if (const auto n = root["connections"]) read_connections(n);
    if (const auto n = root["monitors"]) read_monitors(n);
    return std::move(net_);
}

}  // namespace detail::yaml_loader

namespace {

[[noreturn]] void yaml_error(const std::string& file_name, const YAML::Exception& e) {
    if (e.mark.is_null())
        throw ConfigError(fmt::format("{}: {}", file_name, e.msg),
                          ConfigLocation{file_name, 0, 0, ""});
    throw ConfigError(
        fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1, e.mark.column + 1, e.msg),
        ConfigLocation{file_name, e.mark.line + 1, e.mark.column + 1, ""});
}

[[noreturn]] void file_error(const std::filesystem::path& file, const char* verb, int err) {
    throw ConfigError(fmt::format("cannot {} config '{}': {}", verb, file.string(),
                                  std::strerror(err)),
                      ConfigLocation{file.string(), 0, 0, ""});
}

}  // namespace

Network load_network_from_string(const std::string& yaml, const std::string& file_name,
                                 const std::vector<std::string>& overrides) {
    using namespace detail::yaml_loader;
    std::vector<SetValue> sets;
    for (const auto& o : overrides) sets.push_back(parse_set(o));
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        yaml_error(file_name, e);
    }
    std::vector<SetValue> applied = apply_sets(root, std::move(sets));
    try {
        return Loader(file_name, yaml, std::move(applied)).load(root);
    } catch (const YAML::Exception& e) {
        // A conversion this loader did not foresee; still point at the place.
        yaml_error(file_name, e);
    }
}

Network load_network(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) file_error(file, "open", EISDIR);
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) file_error(file, "open", errno != 0 ? errno : ENOENT);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) file_error(file, "read", errno);
    return load_network_from_string(text.str(), file.string(), overrides);
}

}  // namespace spikegraph
