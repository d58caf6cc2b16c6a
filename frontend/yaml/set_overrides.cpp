#include "frontend/yaml/set_overrides.hpp"

#include <cstdint>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "frontend/yaml/schema.hpp"

namespace spikegraph::detail::yaml_loader {

namespace {

// The key is the one given (canonical once applied), so a program can tell which override failed.
[[noreturn]] void set_error(const SetValue& s, const std::string& why) {
    throw ConfigError(fmt::format("--set '{}': {}", quote_input(s.argument), why),
                      ConfigLocation{"--set", 0, 0, s.key});
}

}  // namespace

SetValue parse_set(const std::string& argument) {
    SetValue s;
    s.argument = argument;
    const auto eq = argument.find('=');
    if (eq == std::string::npos || trim(std::string_view(argument).substr(0, eq)).empty())
        set_error(s, "expected KEY=VALUE (e.g. --set groups.neurons.size=100)");
    s.key = std::string(trim(std::string_view(argument).substr(0, eq)));
    s.value = argument.substr(eq + 1);
    s.value_column = static_cast<int>(eq) + 2;
    return s;
}

namespace {

// Maps that --set may create on the way to its key: schema sections, never user-named entries
// (a typo in a group name must not silently create a group).
const Names k_creatable_sections = {"simulation", "models",     "groups",   "inputs",
                                    "connections", "monitors",  "parameters", "init",
                                    "connectivity"};

// Applies one --set to the tree and records its canonical key in `s.key`.
void apply_set(YAML::Node& root, SetValue& s) {
    YAML::Node value;
    try {
        value = YAML::Load(s.value);
    } catch (const YAML::Exception& e) {
        set_error(s, "cannot read the value as YAML: " + yaml_message(e));
    }
    Names parts;
    std::stringstream in(s.key);
    for (std::string part; std::getline(in, part, '.');) {
        if (trim(part).empty())
            set_error(s, fmt::format("the key '{}' has an empty part", quote_input(s.key)));
        parts.emplace_back(trim(part));
    }
    if (s.key.back() == '.')
        set_error(s, fmt::format("the key '{}' has an empty part", quote_input(s.key)));

    YAML::Node cur = root;
    std::string path;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        const bool last = i + 1 == parts.size();
        const std::string where = path.empty() ? "the config" : "'" + path + "'";
        if (cur.IsSequence()) {
            std::uint64_t k = 0;
            if (!parse_uint(part, k) || k >= cur.size())
                set_error(s, fmt::format("{} is a list of {} entries; '{}' is not an index from 0 "
                                         "to {}", where, cur.size(), quote_input(part),
                                         cur.size() == 0 ? 0 : cur.size() - 1));
            path = element(path, k);
            if (last) {
                cur[k] = value;
            } else {
                YAML::Node next = cur[k];
                cur.reset(next);
            }
            continue;
        }
        if (!cur.IsMap() && !cur.IsNull())
            set_error(s, fmt::format("{} is a value, not a mapping", where));
        // A top-level parameter is overridden, never created: a typo (`parameters.gg`) would
        // otherwise add a parameter that nothing uses, and the run would silently keep `g`.
        if (last && path == "parameters" && !has_key(cur, part))
            set_error(s, fmt::format("the config has no parameter '{}'; {}", quote_input(part),
                                     hint(part, keys_of(cur), "its parameters are")));
        path = child(path, part);
        if (last) {
            cur[part] = value;
            break;
        }
        if (!has_key(cur, part)) {
            if (!contains(k_creatable_sections, part)) {
                Names known = keys_of(cur);
                if (path == part)  // at the top: the sections that could be created too
                    for (const auto& section : k_creatable_sections)
                        if (!contains(known, section)) known.push_back(section);
                set_error(s, fmt::format("{} has no key '{}'; {}", where, quote_input(part),
                                         hint(part, known, "its keys are")));
            }
            cur[part] = YAML::Node(YAML::NodeType::Map);
        }
        YAML::Node next = cur[part];
        cur.reset(next);
    }
    s.key = path;
}

}  // namespace

std::vector<SetValue> apply_sets(YAML::Node& root, std::vector<SetValue> sets) {
    std::vector<SetValue> applied;
    for (auto& s : sets) {
        apply_set(root, s);
        // A later --set of a whole map replaces what earlier ones set inside it.
        std::erase_if(applied, [&](const SetValue& a) { return is_under(a.key, s.key); });
        applied.push_back(std::move(s));
    }
    return applied;
}

}  // namespace spikegraph::detail::yaml_loader
