#include "frontend/yaml/schema.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "frontend/config_location.hpp"

namespace spikegraph::detail::yaml_loader {

bool contains(const Names& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool parse_uint(std::string_view s, std::uint64_t& out) {
    s = trim(s);
    if (s.empty() || s.front() == '-' || s.front() == '+') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string element(const std::string& path, std::size_t k) {
    return fmt::format("{}[{}]", path, k);
}

bool is_under(const std::string& path, const std::string& prefix) {
    if (path.compare(0, prefix.size(), prefix) != 0) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

std::string ms_text(double t_ms) { return fmt::format("{:g} ms", t_ms); }

namespace {

std::string dimension_noun(Dimension d) {
    const std::pair<Dimension, const char*> nouns[] = {
        {dim::time(), "a time"},          {dim::voltage(), "a voltage"},
        {dim::current(), "a current"},    {dim::frequency(), "a frequency"},
        {dim::conductance(), "a conductance"}, {dim::capacitance(), "a capacitance"},
        {dim::resistance(), "a resistance"},   {dim::charge(), "a charge"},
        {dim::none(), "a plain number"}};
    for (const auto& [dimension, noun] : nouns)
        if (dimension == d) return noun;
    return "a quantity in " + d.to_string();
}

}  // namespace

std::string describe(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "nothing";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return fmt::format("\"{}\"", detail::quote_input(n.Scalar()));
}

std::string hint(const std::string& name, const Names& candidates, const std::string& list_intro) {
    if (const std::string best = detail::closest_name(name, candidates); !best.empty())
        return fmt::format("did you mean '{}'?", best);
    if (candidates.empty()) return list_intro + ": none";
    return fmt::format("{}: {}", list_intro, fmt::join(candidates, ", "));
}

bool has_key(const YAML::Node& map, const std::string& key) {
    if (!map.IsMap()) return false;
    for (const auto& kv : map)
        if (kv.first.IsScalar() && kv.first.Scalar() == key) return true;
    return false;
}

Names keys_of(const YAML::Node& map) {
    Names names;
    if (map.IsMap())
        for (const auto& kv : map)
            if (kv.first.IsScalar()) names.push_back(kv.first.Scalar());
    return names;
}

Reader::Reader(std::string file, const std::string& source, std::vector<SetValue> sets)
    : file_(std::move(file)), source_(source), sets_(std::move(sets)) {}

const SetValue* Reader::set_for(const std::string& path) const {
    const SetValue* best = nullptr;
    for (const auto& s : sets_)
        if (is_under(path, s.key) && (!best || s.key.size() > best->key.size())) best = &s;
    return best;
}

TextOrigin Reader::origin(const YAML::Node& n, const std::string& path, bool text) const {
    TextOrigin o;
    o.key = path;
    o.file = file_;
    const std::string* src = &source_;
    int first_line_shift = 0;
    if (const SetValue* s = set_for(path)) {
        o.file = "--set";
        src = &s->value;
        first_line_shift = s->value_column - 1;
        o.column = s->value_column;
    }
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0 || m.column < 0) return o;
    o.line = m.line + 1;
    o.column = m.column + 1 + (m.line == 0 ? first_line_shift : 0);
    if (!text || m.pos < 0 || static_cast<std::size_t>(m.pos) >= src->size()) return o;
    const char c = (*src)[static_cast<std::size_t>(m.pos)];
    if (c == '"' || c == '\'') {
        ++o.column;
    } else if (c == '|' || c == '>') {
        // The text starts on the next line; its indentation is that of the first non-blank line.
        std::size_t p = src->find('\n', static_cast<std::size_t>(m.pos));
        o.line += 1;
        o.column = 1;
        while (p != std::string::npos) {
            const std::size_t begin = p + 1;
            const std::size_t indent = src->find_first_not_of(' ', begin);
            if (indent == std::string::npos) break;
            if ((*src)[indent] != '\n' && (*src)[indent] != '\r') {
                o.column = static_cast<int>(indent - begin) + 1;
                break;
            }
            p = indent;
        }
    }
    return o;
}

void Reader::fail_at(const TextOrigin& o, const std::string& message) {
    throw config_error_at(o, message);
}

void Reader::fail(const YAML::Node& n, const std::string& path,
                  const std::string& message) const {
    fail_at(origin(n, path), message);
}

std::vector<std::pair<YAML::Node, YAML::Node>> Reader::entries(const YAML::Node& map,
                                                               const std::string& path,
                                                               bool null_is_empty) const {
    std::vector<std::pair<YAML::Node, YAML::Node>> out;
    if (null_is_empty && (!map.IsDefined() || map.IsNull())) return out;
    if (!map.IsMap())
        fail(map, path, fmt::format("expected a mapping (name: value lines), got {}",
                                    describe(map)));
    std::map<std::string, int> seen;  // name -> line
    for (const auto& kv : map) {
        if (!kv.first.IsScalar())
            fail(kv.first, path, fmt::format("expected a name as key, got {}",
                                             describe(kv.first)));
        const std::string& name = kv.first.Scalar();
        const auto [it, fresh] = seen.emplace(name, origin(kv.first, path).line);
        if (!fresh)
            fail(kv.first, child(path, name),
                 fmt::format("duplicate key '{}' (first given on line {})", detail::quote_input(name), it->second));
        if (map.Style() == YAML::EmitterStyle::Flow) {
            check_flow_split(kv.first, child(path, name));
            check_flow_split(kv.second, child(path, name));
        }
        out.emplace_back(kv.first, kv.second);
    }
    return out;
}

void Reader::check_flow_split(const YAML::Node& n, const std::string& path) const {
    // Plain scalars only (yaml-cpp tags them "?"): a quoted one was not cut.
    if (!n.IsScalar() || n.Tag() != "?") return;
    int depth = 0;
    for (const char c : n.Scalar()) depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (depth == 0) return;
    fail(n, path, fmt::format(
        "\"{}\" has {} parenthesis: inside {{...}} and [...] YAML cuts a value at each comma, "
        "also inside a call such as uniform(0 mV, 20 mV); quote the whole value, as in "
        "{{v: \"uniform(0 mV, 20 mV)\"}}, or write the entry on a line of its own",
        detail::quote_input(n.Scalar()), depth > 0 ? "an unclosed" : "an unopened"));
}

void Reader::expect_mapping(const YAML::Node& key, const YAML::Node& node, const std::string& path,
                            const char* example) const {
    if (!node.IsMap())
        fail(node.IsNull() ? key : node, path,
             fmt::format("expected a mapping such as {}, got {}", example, describe(node)));
}

void Reader::check_keys(const YAML::Node& map, const std::string& path,
                        const Names& allowed) const {
    for (const auto& [key, value] : entries(map, path, false))
        if (!contains(allowed, key.Scalar()))
            fail(key, child(path, key.Scalar()),
                 fmt::format("unknown key '{}'; {}", detail::quote_input(key.Scalar()),
                                 hint(key.Scalar(), allowed)));
}

YAML::Node Reader::required(const YAML::Node& map, const std::string& path, const std::string& key,
                            const std::string& what) const {
    if (!has_key(map, key))
        fail(map, path, fmt::format("missing field '{}' ({})", key, what));
    return map[key];
}

std::string Reader::scalar(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) fail(n, path, fmt::format("expected a value, got {}", describe(n)));
    return n.Scalar();
}

ValueSpec Reader::value(const YAML::Node& n, const std::string& path) const {
    return ValueSpec(scalar(n, path), origin(n, path, true));
}

std::string Reader::identifier(const YAML::Node& n, const std::string& path) const {
    std::string s = scalar(n, path);
    if (!detail::is_identifier(s))
        fail(n, path, fmt::format("expected a name (letters, digits and '_', e.g. v), got "
                                  "\"{}\"", s));
    return s;
}

std::vector<YAML::Node> Reader::items(const YAML::Node& n, const std::string& path,
                                      bool single_ok) const {
    std::vector<YAML::Node> out;
    if (single_ok && n.IsScalar()) return {n};
    if (!n.IsSequence()) fail(n, path, fmt::format("expected a list such as [0, 1], got {}",
                                                   describe(n)));
    for (const auto& item : n) {
        if (n.Style() == YAML::EmitterStyle::Flow) check_flow_split(item, element(path, out.size()));
        out.push_back(item);
    }
    return out;
}

std::uint64_t Reader::integer(const YAML::Node& n, const std::string& path, std::uint64_t min,
                              const std::string& example,
                              std::uint64_t max) const {
    const std::string text = scalar(n, path);
    std::uint64_t v = 0;
    if (!parse_uint(text, v) || v < min || v > max) {
        // The bound is worth naming when it is one of ours, not the type's.
        const bool bounded = max < std::numeric_limits<std::uint32_t>::max();
        fail(n, path, fmt::format("expected {} integer{} (e.g. {}), got \"{}\"",
                                  min > 0 ? "a positive" : "a non-negative",
                                  bounded ? fmt::format(" of at most {}", max) : "", example,
                                  detail::quote_input(text)));
    }
    return v;
}

bool Reader::boolean(const YAML::Node& n, const std::string& path) const {
    const std::string text = scalar(n, path);
    bool b = false;
    if (!YAML::convert<bool>::decode(n, b))
        fail(n, path, fmt::format("expected true or false, got \"{}\"", detail::quote_input(text)));
    return b;
}

std::string Reader::choice(const YAML::Node& n, const std::string& path, const char* what,
                           const Names& options) const {
    const std::string text = scalar(n, path);
    if (!contains(options, text))
        fail(n, path, fmt::format("unknown {} '{}'; {}", what, detail::quote_input(text), hint(text, options)));
    return text;
}

Quantity Reader::quantity(const YAML::Node& n, const std::string& path, Dimension want,
                          const std::string& example) const {
    const std::string text = scalar(n, path);
    Quantity q;
    try {
        q = parse_quantity(text);
    } catch (const ConfigError& e) {
        fail(n, path, fmt::format("expected {} (e.g. \"{}\"): {}", dimension_noun(want),
                                  example, e.what()));
    }
    if (q.dim != want)
        fail(n, path, fmt::format("expected {} (e.g. \"{}\"), got \"{}\" ({})",
                                  dimension_noun(want), example, detail::quote_input(text),
                                  dimension_noun(q.dim)));
    return q;
}

double Reader::time_ms(const YAML::Node& n, const std::string& path, bool positive,
                       const std::string& example) const {
    const double t = quantity(n, path, dim::time(), example).value;
    if (!std::isfinite(t) || (positive ? t <= 0 : t < 0))
        fail(n, path, fmt::format("expected a {} time (e.g. \"{}\"), got \"{}\"",
                                  positive ? "positive" : "non-negative", example,
                                  detail::quote_input(n.Scalar())));
    return t;
}

bool Reader::is_constant(const std::string& text) {
    try {
        parse_quantity(text);
        return true;
    } catch (const ConfigError&) {
        return false;
    }
}

void Reader::check_multiple_of_dt(const YAML::Node& n, const std::string& path, const char* what,
                                  double t_ms, double dt, bool zero_ok) const {
    const double steps = t_ms / dt;
    if (std::abs(t_ms - std::round(steps) * dt) <= 1e-9 * std::max(t_ms, dt)) return;
    const double lo = std::floor(steps) * dt, hi = std::ceil(steps) * dt;
    const std::string use = (lo > 0 || zero_ok)
                                ? fmt::format("{} or {}", ms_text(lo), ms_text(hi))
                                : ms_text(hi);
    fail(n, path, fmt::format("{} {} is not a multiple of dt = {}; use {}", what,
                              detail::quote_input(n.Scalar()),
                              ms_text(dt), use));
}

}  // namespace spikegraph::detail::yaml_loader
