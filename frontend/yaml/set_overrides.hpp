#pragma once
// The `--set KEY=VALUE` engine of the YAML loader: it edits the YAML tree before the sections are
// read, and remembers which keys it set so that their values get the origin "--set".

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace spikegraph::detail::yaml_loader {

/// One `--set KEY=VALUE`; `key` becomes the canonical path ("inputs.x.steps[0].at") once applied.
struct SetValue {
    std::string argument;
    std::string key;
    std::string value;
    int value_column = 1;  // 1-based column of VALUE within the argument
};

/// What a YAML parse error says, fit for a message: deep nesting named as such, quoted bytes
/// escaped and the text bounded.
std::string yaml_message(const YAML::Exception& e);

/// Splits "KEY=VALUE". @throws ConfigError (`--set 'x': expected KEY=VALUE ...`).
SetValue parse_set(const std::string& argument);

/// Applies the overrides to `root` in order and returns those whose values are still in the tree,
/// with canonical keys: a later override of a whole map replaces what earlier ones set inside it.
/// @throws ConfigError naming the argument, with the key (file "--set") as its location data.
std::vector<SetValue> apply_sets(YAML::Node& root, std::vector<SetValue> sets);

}  // namespace spikegraph::detail::yaml_loader
