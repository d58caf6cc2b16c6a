#include "frontend/yaml_loader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "core/error.hpp"
#include "core/units.hpp"
#include "frontend/expression_parser.hpp"
#include "frontend/model_library.hpp"
#include "core/text.hpp"

namespace spikegraph {

namespace {

using Names = std::vector<std::string>;


// "did you mean 'x'?" for the closest candidate within edit distance 2, else the full list.
std::string hint(const std::string& name, const Names& candidates,
                 const std::string& list_intro = "expected one of") {
    // Ties go to a candidate with the same first letter: "lf" means "lif" rather than "if".
    const std::string* best = nullptr;
    std::size_t best_score = 2 * 3;
    for (const auto& c : candidates) {
        const std::size_t d = detail::edit_distance(name, c);
        const bool same_start = !name.empty() && !c.empty() && name[0] == c[0];
        const std::size_t score = 2 * d + (same_start ? 0 : 1);
        if (d <= 2 && score < best_score) best = &c, best_score = score;
    }
    if (best) return fmt::format("did you mean '{}'?", *best);
    if (candidates.empty()) return list_intro + ": none";
    return fmt::format("{}: {}", list_intro, fmt::join(candidates, ", "));
}

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

bool is_identifier(std::string_view s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string element(const std::string& path, std::size_t k) {
    return fmt::format("{}[{}]", path, k);
}

// True when `path` is `prefix` or lies under it.
bool is_under(const std::string& path, const std::string& prefix) {
    if (path.compare(0, prefix.size(), prefix) != 0) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

std::string ms_text(double t_ms) { return fmt::format("{:g} ms", t_ms); }

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

std::string describe(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "nothing";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return fmt::format("\"{}\"", n.Scalar());
}

// One `--set KEY=VALUE`; `key` becomes the canonical path ("inputs.x.steps[0].at") once applied.
struct SetValue {
    std::string argument;
    std::string key;
    std::string value;
    int value_column = 1;  // 1-based column of VALUE within the argument
};

[[noreturn]] void set_error(const SetValue& s, const std::string& why) {
    throw ConfigError(fmt::format("--set '{}': {}", s.argument, why));
}

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
        set_error(s, "cannot read the value as YAML: " + e.msg);
    }
    Names parts;
    std::stringstream in(s.key);
    for (std::string part; std::getline(in, part, '.');) {
        if (trim(part).empty()) set_error(s, fmt::format("the key '{}' has an empty part", s.key));
        parts.emplace_back(trim(part));
    }
    if (s.key.back() == '.') set_error(s, fmt::format("the key '{}' has an empty part", s.key));

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
                                         "to {}", where, cur.size(), part,
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
                set_error(s, fmt::format("{} has no key '{}'; {}", where, part,
                                         hint(part, known, "its keys are")));
            }
            cur[part] = YAML::Node(YAML::NodeType::Map);
        }
        YAML::Node next = cur[part];
        cur.reset(next);
    }
    s.key = path;
}

// What a reference (`pre`, `group`, `target`) may name.
enum class RefKind { group, group_or_spike_input };

// What a resolved reference covers: the number of elements in its slice and what they are.
struct Resolved {
    std::size_t size = 0;
    std::string noun;  // "neurons" or "sources"
};

class Loader {
public:
    Loader(std::string file, const std::string& source, std::vector<SetValue> sets)
        : file_(std::move(file)), source_(source), sets_(std::move(sets)) {}

    Network load(const YAML::Node& root) {
        net_.source = file_;
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

private:
    // --- locations --------------------------------------------------------------------------

    const SetValue* set_for(const std::string& path) const {
        const SetValue* best = nullptr;
        for (const auto& s : sets_)
            if (is_under(path, s.key) && (!best || s.key.size() > best->key.size())) best = &s;
        return best;
    }

    // Where node `n` (at config key `path`) starts. With `text`, where its text starts: after an
    // opening quote, or on the line after the `|` / `>` of a block scalar.
    TextOrigin origin(const YAML::Node& n, const std::string& path, bool text = false) const {
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

    [[noreturn]] static void fail_at(const TextOrigin& o, const std::string& message) {
        throw ConfigError(located(o, expr::SourceLoc{}, message));
    }

    [[noreturn]] void fail(const YAML::Node& n, const std::string& path,
                           const std::string& message) const {
        fail_at(origin(n, path), message);
    }

    // --- shapes -----------------------------------------------------------------------------

    // The entries of a mapping; a missing or empty section (`inputs:`) has none.
    std::vector<std::pair<YAML::Node, YAML::Node>> entries(const YAML::Node& map,
                                                           const std::string& path,
                                                           bool null_is_empty = true) const {
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
                     fmt::format("duplicate key '{}' (first given on line {})", name, it->second));
            out.emplace_back(kv.first, kv.second);
        }
        return out;
    }

    // An entry of a named section (`groups.neurons`) must be a mapping; an empty one is
    // reported at its name, where the user looks for it.
    void expect_mapping(const YAML::Node& key, const YAML::Node& node, const std::string& path,
                        const char* example) const {
        if (!node.IsMap())
            fail(node.IsNull() ? key : node, path,
                 fmt::format("expected a mapping such as {}, got {}", example, describe(node)));
    }

    void check_keys(const YAML::Node& map, const std::string& path, const Names& allowed) const {
        for (const auto& [key, value] : entries(map, path, false))
            if (!contains(allowed, key.Scalar()))
                fail(key, child(path, key.Scalar()),
                     fmt::format("unknown key '{}'; {}", key.Scalar(), hint(key.Scalar(), allowed)));
    }

    YAML::Node required(const YAML::Node& map, const std::string& path, const std::string& key,
                        const std::string& what) const {
        if (!has_key(map, key))
            fail(map, path, fmt::format("missing field '{}' ({})", key, what));
        return map[key];
    }

    std::string scalar(const YAML::Node& n, const std::string& path) const {
        if (!n.IsScalar()) fail(n, path, fmt::format("expected a value, got {}", describe(n)));
        return n.Scalar();
    }

    ValueSpec value(const YAML::Node& n, const std::string& path) const {
        return ValueSpec(scalar(n, path), origin(n, path, true));
    }

    std::string identifier(const YAML::Node& n, const std::string& path) const {
        std::string s = scalar(n, path);
        if (!is_identifier(s))
            fail(n, path, fmt::format("expected a name (letters, digits and '_', e.g. v), got "
                                      "\"{}\"", s));
        return s;
    }

    // A list; a single value counts as a list of one where `single_ok`.
    std::vector<YAML::Node> items(const YAML::Node& n, const std::string& path,
                                  bool single_ok = false) const {
        std::vector<YAML::Node> out;
        if (single_ok && n.IsScalar()) return {n};
        if (!n.IsSequence()) fail(n, path, fmt::format("expected a list such as [0, 1], got {}",
                                                       describe(n)));
        for (const auto& item : n) out.push_back(item);
        return out;
    }

    std::uint64_t integer(const YAML::Node& n, const std::string& path, std::uint64_t min,
                          const std::string& example,
                          std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const {
        const std::string text = scalar(n, path);
        std::uint64_t v = 0;
        if (!parse_uint(text, v) || v < min || v > max)
            fail(n, path, fmt::format("expected {} integer (e.g. {}), got \"{}\"",
                                      min > 0 ? "a positive" : "a non-negative", example, text));
        return v;
    }

    bool boolean(const YAML::Node& n, const std::string& path) const {
        const std::string text = scalar(n, path);
        bool b = false;
        if (!YAML::convert<bool>::decode(n, b))
            fail(n, path, fmt::format("expected true or false, got \"{}\"", text));
        return b;
    }

    // One of `options`; `what` names the field in the message ("unknown rule 'x'").
    std::string choice(const YAML::Node& n, const std::string& path, const char* what,
                       const Names& options) const {
        const std::string text = scalar(n, path);
        if (!contains(options, text))
            fail(n, path, fmt::format("unknown {} '{}'; {}", what, text, hint(text, options)));
        return text;
    }

    Quantity quantity(const YAML::Node& n, const std::string& path, Dimension want,
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
                                      dimension_noun(want), example, text, dimension_noun(q.dim)));
        return q;
    }

    // A time in ms; `positive`: > 0, else >= 0.
    double time_ms(const YAML::Node& n, const std::string& path, bool positive,
                const std::string& example) const {
        const double t = quantity(n, path, dim::time(), example).value;
        if (!std::isfinite(t) || (positive ? t <= 0 : t < 0))
            fail(n, path, fmt::format("expected a {} time (e.g. \"{}\"), got \"{}\"",
                                      positive ? "positive" : "non-negative", example, n.Scalar()));
        return t;
    }

    // A value that is constant when it reads as a quantity; an expression otherwise (checked by
    // the builder).
    static bool is_constant(const std::string& text) {
        try {
            parse_quantity(text);
            return true;
        } catch (const ConfigError&) {
            return false;
        }
    }

    void check_multiple_of_dt(const YAML::Node& n, const std::string& path, const char* what,
                              double t_ms, bool zero_ok) const {
        const double dt = net_.settings.dt_ms;
        const double steps = t_ms / dt;
        if (std::abs(t_ms - std::round(steps) * dt) <= 1e-9 * std::max(t_ms, dt)) return;
        const double lo = std::floor(steps) * dt, hi = std::ceil(steps) * dt;
        const std::string use = (lo > 0 || zero_ok)
                                    ? fmt::format("{} or {}", ms_text(lo), ms_text(hi))
                                    : ms_text(hi);
        fail(n, path, fmt::format("{} {} is not a multiple of dt = {}; use {}", what, n.Scalar(),
                                  ms_text(dt), use));
    }

    // --- references ---------------------------------------------------------------------------

    std::pair<GroupRef, Resolved> reference(const YAML::Node& n, const std::string& path,
                                            RefKind kind) const {
        const std::string text = scalar(n, path);
        const TextOrigin o = origin(n, path, true);
        GroupRef ref = GroupRef::parse(text, o);
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
                                   groups_only ? "group" : "group or spike input", ref.group,
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

    const std::size_t* spike_input(const std::string& name) const {
        for (const auto& p : net_.poisson_inputs)
            if (p.name == name) return &p.size;
        for (const auto& s : net_.spike_inputs)
            if (s.name == name) return &s.size;
        return nullptr;
    }

    // Indices (relative to a slice of `size` elements) from a list node.
    std::vector<std::int64_t> indices(const YAML::Node& n, const std::string& path,
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

    // --- sections -----------------------------------------------------------------------------

    void read_simulation(const YAML::Node& sim) {
        const std::string path = "simulation";
        check_keys(sim, path,
                   {"dt", "duration", "seed", "precision", "batch", "threads", "backend"});
        SimulationSettings& s = net_.settings;
        if (const auto n = sim["dt"]) s.dt_ms = time_ms(n, "simulation.dt", true, "0.1 ms");
        if (const auto n = sim["duration"])
            s.duration_ms = time_ms(n, "simulation.duration", true, "1 s");
        if (const auto n = sim["seed"]) s.seed = integer(n, "simulation.seed", 0, "seed: 1");
        if (const auto n = sim["precision"])
            s.precision = choice(n, "simulation.precision", "precision", {"double", "float"}) == "float"
                              ? Precision::f32
                              : Precision::f64;
        if (const auto n = sim["batch"]) s.batch = integer(n, "simulation.batch", 1, "batch: 1");
        if (const auto n = sim["threads"])
            s.threads = static_cast<int>(integer(n, "simulation.threads", 0,
                                                 "threads: 4, or 0 for every core",
                                                 std::numeric_limits<int>::max()));
        if (const auto n = sim["backend"]) s.backend = identifier(n, "simulation.backend");
    }

    void read_models(const YAML::Node& models) {
        for (const auto& [key, node] : entries(models, "models")) {
            const std::string name = key.Scalar();
            const std::string path = child("models", name);
            expect_mapping(key, node, path, "{equations: \"dv/dt = -v / tau : volt\"}");
            check_keys(node, path, {"equations", "threshold", "reset", "refractory", "method",
                                    "parameters", "description"});
            NeuronModel m;
            m.name = name;
            const auto eq = required(node, path, "equations",
                                     "the model's differential equations, e.g. equations: "
                                     "\"dv/dt = -v / tau : volt\"");
            m.equations = scalar(eq, child(path, "equations"));
            m.equations_origin = origin(eq, child(path, "equations"), true);
            m.threshold_origin = m.reset_origin = origin(node, path);
            if (const auto n = node["threshold"]) {
                m.threshold = scalar(n, child(path, "threshold"));
                m.threshold_origin = origin(n, child(path, "threshold"), true);
            }
            if (const auto n = node["reset"]) {
                m.reset = scalar(n, child(path, "reset"));
                m.reset_origin = origin(n, child(path, "reset"), true);
            }
            if (const auto n = node["refractory"]) m.refractory = value(n, child(path, "refractory"));
            if (const auto n = node["method"]) {
                m.method = identifier(n, child(path, "method"));
                m.method_origin = origin(n, child(path, "method"), true);
            }
            if (const auto n = node["description"]) m.description = scalar(n, child(path, "description"));
            const std::string params = child(path, "parameters");
            for (const auto& [p, v] : entries(node["parameters"], params))
                m.parameters[p.Scalar()] = value(v, child(params, p.Scalar()));
            net_.models[name] = std::move(m);
        }
    }

    void check_new_name(const YAML::Node& key, const std::string& path) const {
        const std::string& name = key.Scalar();
        if (!is_identifier(name))
            fail(key, path, fmt::format("'{}' is not a valid name; use letters, digits and '_' "
                                        "(e.g. exc_neurons)", name));
        const auto line_of = [&]() -> std::optional<int> {
            if (const NeuronGroup* g = net_.find_group(name)) return g->origin.line;
            for (const auto& p : net_.poisson_inputs)
                if (p.name == name) return p.origin.line;
            for (const auto& s : net_.spike_inputs)
                if (s.name == name) return s.origin.line;
            for (const auto& c : net_.current_inputs)
                if (c.name == name) return c.origin.line;
            return std::nullopt;
        }();
        if (line_of)
            fail(key, path, fmt::format("the name '{}' is already used (line {}); groups and "
                                        "inputs share one set of names", name, *line_of));
    }

    void read_groups(const YAML::Node& groups) {
        const auto list = entries(groups, "groups", false);
        if (list.empty())
            fail(groups, "groups", "expected at least one group, e.g. neurons: {size: 100, "
                                   "model: lif}");
        for (const auto& [key, node] : list) {
            const std::string name = key.Scalar();
            const std::string path = child("groups", name);
            check_new_name(key, path);
            expect_mapping(key, node, path, "{size: 100, model: lif}");
            check_keys(node, path, {"size", "model", "method", "parameters", "init"});
            const std::size_t size = integer(
                required(node, path, "size", "the number of neurons, e.g. size: 100"),
                child(path, "size"), 1, "size: 100");
            const auto model_node =
                required(node, path, "model", "the neuron model, e.g. model: lif");
            const NeuronModel& model = find_model(model_node, child(path, "model"));
            NeuronGroup& g = net_.add_group(name, size, model);
            g.origin = origin(node, path);
            // Without its own method the group uses the model's, and errors point there.
            g.method_origin = g.model().method_origin.key.empty() ? g.origin : g.model().method_origin;
            if (const auto n = node["method"]) {
                g.method(identifier(n, child(path, "method")));
                g.method_origin = origin(n, child(path, "method"), true);
            }
            const std::string params = child(path, "parameters");
            for (const auto& [p, v] : entries(node["parameters"], params))
                g.set(p.Scalar(), value(v, child(params, p.Scalar())));
            const std::string init = child(path, "init");
            for (const auto& [var, v] : entries(node["init"], init))
                g.init(var.Scalar(), value(v, child(init, var.Scalar())));
        }
    }

    const NeuronModel& find_model(const YAML::Node& n, const std::string& path) const {
        const std::string name = scalar(n, path);
        if (const auto it = net_.models.find(name); it != net_.models.end()) return it->second;
        if (has_library_model(name)) return library_model(name);
        Names names = library_model_names();
        for (const auto& [user, m] : net_.models) names.push_back(user);
        fail(n, path, fmt::format("unknown model '{}'; {}", name,
                                  hint(name, names, "define it under `models:` or use one of")));
    }

    void read_inputs(const YAML::Node& inputs) {
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

    void read_poisson(const std::string& name, const YAML::Node& node, const std::string& path) {
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
                                 rate.text));
        }
        PoissonInput& p = net_.add_poisson(name, size, rate);
        p.origin = origin(node, path);
    }

    void read_spike_times(const std::string& name, const YAML::Node& node,
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

    void read_current(const std::string& name, const YAML::Node& node, const std::string& path) {
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

    Connectivity read_connectivity(const YAML::Node& n, const std::string& path,
                                   const Resolved& pre, const Resolved& post) const {
        static const Names rules = {"all_to_all", "one_to_one", "fixed_probability",
                                    "fixed_indegree", "fixed_outdegree", "explicit"};
        // `connectivity: one_to_one` is short for `connectivity: {rule: one_to_one}`.
        const bool shorthand = n.IsScalar();
        const YAML::Node rule_node = shorthand ? n : required(n, path, "rule", fmt::format(
            "one of {}, e.g. rule: all_to_all", fmt::join(rules, ", ")));
        const std::string rule_path = shorthand ? path : child(path, "rule");
        const std::string rule = choice(rule_node, rule_path, "rule", rules);
        const std::map<std::string, Names> keys = {
            {"all_to_all", {"rule"}},      {"one_to_one", {"rule"}},
            {"fixed_probability", {"rule", "p"}}, {"fixed_indegree", {"rule", "k"}},
            {"fixed_outdegree", {"rule", "k"}},   {"explicit", {"rule", "pairs"}}};
        if (!shorthand) check_keys(n, path, keys.at(rule));
        else if (keys.at(rule).size() > 1)
            fail(n, path, fmt::format("rule '{}' needs a parameter; write connectivity: {{rule: "
                                      "{}, {}: ...}}", rule, rule, keys.at(rule)[1]));

        if (rule == "all_to_all") return Connectivity::all_to_all();
        if (rule == "one_to_one") {
            if (pre.size != post.size)
                fail(rule_node, rule_path,
                     fmt::format("one_to_one needs pre and post of the same size; pre has {} {}, "
                                 "post has {} neurons", pre.size, pre.noun, post.size));
            return Connectivity::one_to_one();
        }
        if (rule == "fixed_probability") {
            const auto p_node = required(n, path, "p", "the connection probability, e.g. p: 0.02");
            const std::string text = scalar(p_node, child(path, "p"));
            double p = -1;
            const auto t = trim(text);
            const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), p);
            if (ec != std::errc() || end != t.data() + t.size() || !(p >= 0 && p <= 1))
                fail(p_node, child(path, "p"),
                     fmt::format("expected a probability between 0 and 1 (e.g. p: 0.02), got "
                                 "\"{}\"", text));
            return Connectivity::fixed_probability(p);
        }
        if (rule == "fixed_indegree" || rule == "fixed_outdegree") {
            const bool in = rule == "fixed_indegree";
            const auto k_node = required(n, path, "k", in ? "synapses per post neuron, e.g. k: 100"
                                                          : "synapses per pre neuron, e.g. k: 100");
            const std::uint64_t k = integer(k_node, child(path, "k"), 0, "k: 100");
            const Resolved& from = in ? pre : post;
            if (k > from.size)
                fail(k_node, child(path, "k"),
                     fmt::format("k = {} is larger than the {} slice ({} {}); each {} neuron "
                                 "needs k distinct partners", k, in ? "pre" : "post", from.size,
                                 from.noun, in ? "post" : "pre"));
            return in ? Connectivity::fixed_indegree(k) : Connectivity::fixed_outdegree(k);
        }
        const auto pairs_node =
            required(n, path, "pairs", "(pre, post) index pairs, e.g. pairs: [[0, 1], [2, 3]]");
        const std::string pairs_path = child(path, "pairs");
        const auto list = items(pairs_node, pairs_path);
        std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
        for (std::size_t k = 0; k < list.size(); ++k) {
            const std::string at = element(pairs_path, k);
            if (!list[k].IsSequence() || list[k].size() != 2)
                fail(list[k], at, fmt::format("expected a pair [pre, post] such as [0, 1], got {}",
                                              describe(list[k])));
            const std::uint64_t i = integer(list[k][0], element(at, 0), 0, "0");
            const std::uint64_t j = integer(list[k][1], element(at, 1), 0, "1");
            if (i >= pre.size)
                fail(list[k][0], element(at, 0), fmt::format(
                    "pre index {} is out of range for the pre slice ({} {})", i, pre.size, pre.noun));
            if (j >= post.size)
                fail(list[k][1], element(at, 1), fmt::format(
                    "post index {} is out of range for the post slice ({} neurons)", j, post.size));
            pairs.emplace_back(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j));
        }
        return Connectivity::from_list(std::move(pairs));
    }

    void read_connections(const YAML::Node& connections) {
        for (const auto& [key, node] : entries(connections, "connections")) {
            const std::string name = key.Scalar();
            const std::string path = child("connections", name);
            expect_mapping(key, node, path,
                           "{pre: neurons, post: neurons, target: ge, weight: 1 mV}");
            check_keys(node, path, {"pre", "post", "target", "on_pre", "weight", "delay",
                                    "connectivity", "allow_self", "storage"});
            const auto pre = reference(
                required(node, path, "pre", "the source group or spike input, e.g. pre: "
                                            "neurons[0:3200]"),
                child(path, "pre"), RefKind::group_or_spike_input);
            const auto post = reference(
                required(node, path, "post", "the target group, e.g. post: neurons"),
                child(path, "post"), RefKind::group);
            // Either a target variable (`target += w`) or on-spike statements.
            std::string target;
            ValueSpec on_pre;
            if (const auto n = node["on_pre"]) {
                if (node["target"])
                    fail(node["target"], child(path, "target"),
                         "give either target (spikes add w to it) or on_pre statements, not both");
                on_pre = value(n, child(path, "on_pre"));
            } else {
                target = identifier(
                    required(node, path, "target",
                             "the post variable spikes act on, e.g. target: ge (or on_pre: ge += w)"),
                    child(path, "target"));
            }
            const ValueSpec weight = value(
                required(node, path, "weight", "the synaptic weight, e.g. weight: 1.62 mV"),
                child(path, "weight"));
            Connectivity connectivity;
            if (const auto n = node["connectivity"])
                connectivity = read_connectivity(n, child(path, "connectivity"), pre.second,
                                                 post.second);
            if (const auto n = node["allow_self"])
                connectivity.allow_self = boolean(n, child(path, "allow_self"));

            Connection& c = net_.connect(name, pre.first, post.first, target, weight,
                                         std::move(connectivity));
            c.origin = origin(node, path);
            c.on_pre = on_pre;
            c.delay_origin = c.origin;
            if (const auto n = node["delay"]) {
                const std::string delay_path = child(path, "delay");
                c.delay = value(n, delay_path);
                c.delay_origin = c.delay.origin;
                if (is_constant(c.delay.text))
                    check_multiple_of_dt(n, delay_path, "delay",
                                         time_ms(n, delay_path, false, "1.5 ms"), true);
            }
            if (const auto n = node["storage"]) {
                const std::string s =
                    choice(n, child(path, "storage"), "storage", {"auto", "sparse", "dense", "one_to_one"});
                c.storage = s == "sparse"       ? SynapseStorage::sparse
                            : s == "dense"      ? SynapseStorage::dense
                            : s == "one_to_one" ? SynapseStorage::one_to_one
                                                : SynapseStorage::automatic;
                if (c.storage == SynapseStorage::one_to_one &&
                    c.connectivity.rule != Connectivity::Rule::one_to_one)
                    fail(n, child(path, "storage"),
                         "storage one_to_one needs connectivity rule one_to_one");
            }
        }
    }

    void read_monitors(const YAML::Node& monitors) {
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
                                     time_ms(n, every_path, true, "1 ms"), false);
                m.every = value(n, every_path);
            }
        }
    }

    std::string file_;
    const std::string& source_;
    std::vector<SetValue> sets_;
    Network net_;
};

}  // namespace

Network load_network_from_string(const std::string& yaml, const std::string& file_name,
                                 const std::vector<std::string>& overrides) {
    std::vector<SetValue> sets;
    for (const auto& o : overrides) sets.push_back(parse_set(o));
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        if (e.mark.is_null()) throw ConfigError(fmt::format("{}: {}", file_name, e.msg));
        throw ConfigError(fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1,
                                      e.mark.column + 1, e.msg));
    }
    std::vector<SetValue> applied;
    for (auto& s : sets) {
        apply_set(root, s);
        // A later --set of a whole map replaces what earlier ones set inside it.
        std::erase_if(applied, [&](const SetValue& a) { return is_under(a.key, s.key); });
        applied.push_back(s);
    }
    try {
        return Loader(file_name, yaml, std::move(applied)).load(root);
    } catch (const YAML::Exception& e) {
        // A conversion this loader did not foresee; still point at the place.
        throw ConfigError(fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1,
                                      e.mark.column + 1, e.msg));
    }
}

Network load_network(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        throw ConfigError(fmt::format("cannot open config '{}': {}", file.string(),
                                      std::strerror(EISDIR)));
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int err = errno != 0 ? errno : ENOENT;
        throw ConfigError(fmt::format("cannot open config '{}': {}", file.string(),
                                      std::strerror(err)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw ConfigError(fmt::format("cannot read config '{}': {}", file.string(),
                                      std::strerror(errno)));
    return load_network_from_string(text.str(), file.string(), overrides);
}

}  // namespace spikegraph
