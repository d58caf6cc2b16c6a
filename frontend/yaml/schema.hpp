#pragma once
// The schema side of the YAML loader: where a node came from (file or --set, line, column, key),
// the typed readers of scalars (names, integers, booleans, choices, quantities with a fixed
// dimension), the shapes (mappings with known keys, lists, required fields) and the errors they
// raise: a ConfigError located at the node, with "did you mean" for unknown names.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/units.hpp"
#include "frontend/expression_parser.hpp"
#include <spikegraph/value_spec.hpp>
#include "frontend/yaml/set_overrides.hpp"

namespace spikegraph::detail::yaml_loader {

using Names = std::vector<std::string>;

bool contains(const Names& names, const std::string& name);
std::string_view trim(std::string_view s);
/// A non-negative decimal integer, surrounding blanks allowed.
bool parse_uint(std::string_view s, std::uint64_t& out);
/// The config key of `key` inside `path` ("groups" + "exc" -> "groups.exc").
std::string child(const std::string& path, const std::string& key);
/// The config key of entry `k` of the list at `path` ("x.steps" -> "x.steps[0]").
std::string element(const std::string& path, std::size_t k);
/// True when `path` is `prefix` or lies under it.
bool is_under(const std::string& path, const std::string& prefix);
std::string ms_text(double t_ms);
/// How a message names a node's content: `"20 mV"`, "a list", "a mapping", "nothing".
std::string describe(const YAML::Node& n);
/// "did you mean 'x'?" for the closest candidate (detail::closest_name), else the full list
/// after `list_intro`.
std::string hint(const std::string& name, const Names& candidates,
                 const std::string& list_intro = "expected one of");
bool has_key(const YAML::Node& map, const std::string& key);
Names keys_of(const YAML::Node& map);

/// Reads typed values out of one config's YAML tree; every refusal is a ConfigError located at
/// the offending node.
class Reader {
public:
    /// `source` is the config text (it must outlive the reader); `sets` the applied overrides.
    Reader(std::string file, const std::string& source, std::vector<SetValue> sets);

    const std::string& file() const { return file_; }

    /// Where node `n` (at config key `path`) starts. With `text`, where its text starts: after
    /// an opening quote, or on the line after the `|` / `>` of a block scalar.
    TextOrigin origin(const YAML::Node& n, const std::string& path, bool text = false) const;

    [[noreturn]] static void fail_at(const TextOrigin& o, const std::string& message);
    [[noreturn]] void fail(const YAML::Node& n, const std::string& path,
                           const std::string& message) const;

    /// The entries of a mapping; a missing or empty section (`inputs:`) has none unless
    /// `null_is_empty` is false. Duplicate keys are refused.
    std::vector<std::pair<YAML::Node, YAML::Node>> entries(const YAML::Node& map,
                                                           const std::string& path,
                                                           bool null_is_empty = true) const;
    /// An entry of a named section (`groups.neurons`) must be a mapping; an empty one is
    /// reported at its name, where the user looks for it.
    void expect_mapping(const YAML::Node& key, const YAML::Node& node, const std::string& path,
                        const char* example) const;
    void check_keys(const YAML::Node& map, const std::string& path, const Names& allowed) const;
    /// `map[key]`, refused with "missing field 'key' (what)" when absent.
    YAML::Node required(const YAML::Node& map, const std::string& path, const std::string& key,
                        const std::string& what) const;

    std::string scalar(const YAML::Node& n, const std::string& path) const;
    /// The text of a scalar with its origin, for the builder to parse.
    ValueSpec value(const YAML::Node& n, const std::string& path) const;
    std::string identifier(const YAML::Node& n, const std::string& path) const;
    /// A list; a single value counts as a list of one where `single_ok`.
    std::vector<YAML::Node> items(const YAML::Node& n, const std::string& path,
                                  bool single_ok = false) const;
    std::uint64_t integer(const YAML::Node& n, const std::string& path, std::uint64_t min,
                          const std::string& example,
                          std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const;
    bool boolean(const YAML::Node& n, const std::string& path) const;
    /// One of `options`; `what` names the field in the message ("unknown rule 'x'").
    std::string choice(const YAML::Node& n, const std::string& path, const char* what,
                       const Names& options) const;
    Quantity quantity(const YAML::Node& n, const std::string& path, Dimension want,
                      const std::string& example) const;
    /// A time in ms; `positive`: > 0, else >= 0.
    double time_ms(const YAML::Node& n, const std::string& path, bool positive,
                   const std::string& example) const;
    /// A value that is constant when it reads as a quantity; an expression otherwise (checked by
    /// the builder).
    static bool is_constant(const std::string& text);
    /// Refuses a time `t_ms` that is not a whole number of steps of `dt` (ms), naming the two
    /// nearest that are (only the larger when `zero_ok` is false and the smaller is 0).
    void check_multiple_of_dt(const YAML::Node& n, const std::string& path, const char* what,
                              double t_ms, double dt, bool zero_ok) const;

private:
    // Refuses a plain scalar of a flow collection ({...} or [...]) with unbalanced parentheses:
    // YAML cut a call such as uniform(0 mV, 20 mV) at its comma.
    void check_flow_split(const YAML::Node& n, const std::string& path) const;

    // The override whose value holds `path`, if any (the longest key wins).
    const SetValue* set_for(const std::string& path) const;

    std::string file_;
    const std::string& source_;
    std::vector<SetValue> sets_;
};

}  // namespace spikegraph::detail::yaml_loader
