#include "frontend/synapse_library.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "core/assert.hpp"
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "core/units.hpp"
#include "frontend/config_location.hpp"
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph {

namespace {

// Written in the rules' model text where a quantity has the weight's unit.
constexpr const char* k_weight_unit = "weight_unit";

// The pair-based traces shared by the STDP rules: each spike adds dApre (dApost) to a trace that
// decays with taupre (taupost); the bounds and amplitudes have the weight's unit.
constexpr const char* k_pair_traces =
    "dApre/dt = -Apre / taupre : weight_unit (event-driven)\n"
    "dApost/dt = -Apost / taupost : weight_unit (event-driven)\n"
    "taupre : second (shared)\n"
    "taupost : second (shared)\n"
    "dApre : weight_unit (shared)\n"
    "dApost : weight_unit (shared)\n"
    "wmin : weight_unit (shared)\n"
    "wmax : weight_unit (shared)\n";

// Song, Miller & Abbott (2000): gmax 0.01 (in units of the leak conductance), A+ = 0.005 gmax
// with A-/A+ = 1.05; Brian2's examples/synapses/STDP.py uses dApre = 0.01 gmax and
// dApost = -1.05 dApre taupre/taupost, which these defaults follow. tau+ = tau- = 20 ms.
std::map<std::string, std::string> pair_defaults() {
    return {{"taupre", "20 ms"},         {"taupost", "20 ms"},
            {"wmax", "0.01"},            {"wmin", "0 * wmax"},
            {"dApre", "0.01 * wmax"},    {"dApost", "-1.05 * dApre * taupre / taupost"}};
}

const std::vector<std::string> k_pairings = {"all_to_all", "nearest"};

// A pair rule: the traces above, and the weight updates at pre and post spikes.
SynapseRule pair_rule(std::string name, std::string description, std::string source,
                      const std::string& pre_update, const std::string& post_update) {
    SynapseRule r;
    r.name = std::move(name);
    r.description = std::move(description);
    r.source = std::move(source);
    r.model = std::string("w : weight_unit\n") + k_pair_traces;
    r.on_pre = "Apre += dApre\nw = clip(" + pre_update + ", wmin, wmax)";
    r.on_post = "Apost += dApost\nw = clip(" + post_update + ", wmin, wmax)";
    r.defaults = pair_defaults();
    r.options = {{"pairing", k_pairings}};
    r.traces = {"Apre", "Apost"};
    return r;
}

SynapseRule make_stdp_additive() {
    return pair_rule("stdp_additive", "pair-based STDP, additive, weights clipped to [wmin, wmax]",
                     "Song, Miller & Abbott (2000), Nat. Neurosci. 3:919-926; as in Brian2's "
                     "examples/synapses/STDP.py",
                     "w + Apost", "w + Apre");
}

// Soft bounds: depression scales with w, potentiation with (wmax - w); the form of Guetig,
// Aharonov, Rotter & Sompolinsky (2003) with mu = 1 (van Rossum, Bi & Turrigiano 2000 scale the
// depression only).
SynapseRule make_stdp_multiplicative() {
    return pair_rule("stdp_multiplicative",
                     "pair-based STDP with soft bounds: depression proportional to w, "
                     "potentiation to wmax - w",
                     "Guetig, Aharonov, Rotter & Sompolinsky (2003), J. Neurosci. 23:3697-3714, "
                     "mu = 1; van Rossum, Bi & Turrigiano (2000), J. Neurosci. 20:8812-8821",
                     "w + Apost * w / wmax", "w + Apre * (wmax - w) / wmax");
}

// Pfister & Gerstner (2006), Table 4, visual cortex data (Sjoestroem et al. 2001), full
// (minimal = false) models. The amplitudes are relative to wmax.
std::map<std::string, std::string> triplet_all_to_all() {
    return {{"tau_plus", "16.8 ms"}, {"tau_minus", "33.7 ms"}, {"tau_x", "101 ms"},
            {"tau_y", "125 ms"},     {"A2p", "5e-10"},          {"A3p", "6.2e-3"},
            {"A2m", "7e-3"},         {"A3m", "2.3e-4"}};
}

std::map<std::string, std::string> triplet_nearest() {
    return {{"tau_plus", "16.8 ms"}, {"tau_minus", "33.7 ms"}, {"tau_x", "714 ms"},
            {"tau_y", "40 ms"},      {"A2p", "8.8e-11"},        {"A3p", "5.3e-2"},
            {"A2m", "6.6e-3"},       {"A3m", "3.1e-3"}};
}

SynapseRule make_stdp_triplet() {
    SynapseRule r;
    r.name = "stdp_triplet";
    r.description = "triplet STDP: pair terms plus triplet terms with slow traces";
    r.source = "Pfister & Gerstner (2006), J. Neurosci. 26:9673-9682, Table 4 (visual cortex, "
               "full model)";
    r.model =
        "w : weight_unit\n"
        "dr1/dt = -r1 / tau_plus : 1 (event-driven)\n"
        "dr2/dt = -r2 / tau_x : 1 (event-driven)\n"
        "do1/dt = -o1 / tau_minus : 1 (event-driven)\n"
        "do2/dt = -o2 / tau_y : 1 (event-driven)\n"
        "tau_plus : second (shared)\n"
        "tau_minus : second (shared)\n"
        "tau_x : second (shared)\n"
        "tau_y : second (shared)\n"
        "A2p : 1 (shared)\n"
        "A3p : 1 (shared)\n"
        "A2m : 1 (shared)\n"
        "A3m : 1 (shared)\n"
        "wmin : weight_unit (shared)\n"
        "wmax : weight_unit (shared)\n";
    // Each trace is read before its own increment: its value just before the spike.
    r.on_pre = "w = clip(w - wmax * o1 * (A2m + A3m * r2), wmin, wmax)\nr1 += 1\nr2 += 1";
    r.on_post = "w = clip(w + wmax * r1 * (A2p + A3p * o2), wmin, wmax)\no1 += 1\no2 += 1";
    r.defaults = triplet_all_to_all();
    r.defaults["wmax"] = "1";
    r.defaults["wmin"] = "0 * wmax";
    r.options = {{"pairing", k_pairings},
                 {"parameters", {"visual_cortex_all_to_all", "visual_cortex_nearest"}}};
    r.traces = {"r1", "r2", "o1", "o2"};
    r.parameter_sets = {{"visual_cortex_all_to_all", triplet_all_to_all()},
                        {"visual_cortex_nearest", triplet_nearest()}};
    return r;
}

// Pair STDP writes an eligibility trace elig instead of w; w follows reward * elig. tau_e = 1 s is
// Izhikevich's (2007) tau_c. tau_r = tau_e makes a pairing followed by a reward of 1 held for
// good change w by the eligibility the pairing left (the integral of elig / tau_r).
SynapseRule make_rstdp() {
    SynapseRule r;
    r.name = "rstdp";
    r.description = "reward-modulated pair STDP with an eligibility trace and a global reward";
    r.source = "Izhikevich (2007), Cereb. Cortex 17:2443-2452; Florian (2007), Neural Comput. "
               "19:1468-1502";
    r.model = std::string("dw/dt = reward * elig / tau_r : weight_unit (clock-driven)\n"
                          "delig/dt = -elig / tau_e : weight_unit (clock-driven)\n") +
              k_pair_traces +
              "tau_e : second (shared)\n"
              "tau_r : second (shared)\n"
              "reward : 1 (shared)\n";
    r.on_pre = "w = clip(w, wmin, wmax)\nApre += dApre\nelig += Apost";
    r.on_post = "w = clip(w, wmin, wmax)\nApost += dApost\nelig += Apre";
    r.defaults = pair_defaults();
    r.defaults["tau_e"] = "1000 ms";
    r.defaults["tau_r"] = "1000 ms";
    r.defaults["reward"] = "0";
    // The exact solver would build reward into the update as a constant; Euler reads it every
    // step, so that a custom op or with_parameters can set it (exact for elig's linear decay
    // only to first order in dt: tau_e = 1 s is 10^4 steps).
    r.method = "euler";
    r.options = {{"pairing", k_pairings}};
    r.traces = {"Apre", "Apost"};
    return r;
}

const std::vector<SynapseRule>& rules() {
    static const std::vector<SynapseRule> table = {make_rstdp(), make_stdp_additive(),
                                                   make_stdp_multiplicative(),
                                                   make_stdp_triplet()};
    return table;
}

const SynapseRule* find_rule(const std::string& name) {
    for (const SynapseRule& r : rules())
        if (r.name == name) return &r;
    return nullptr;
}

[[noreturn]] void fail(const TextOrigin& at, const std::string& message) {
    throw detail::config_error_at(at, message);
}

// Where the rule is named; a connection made in C++ has no origin, so the key is made up.
TextOrigin rule_place(const Connection& c) {
    TextOrigin o = c.plasticity_origin;
    if (o.key.empty()) o.key = "connections." + c.name + ".plasticity";
    return o;
}

TextOrigin parameter_place(const Connection& c, const std::string& name, const ValueSpec& v) {
    if (!v.origin.key.empty() || !v.origin.file.empty()) return v.origin;
    TextOrigin o = rule_place(c);
    o.key += "." + name;
    return o;
}

bool parses_as(const std::string& text, Dimension d) {
    try {
        return parse_quantity(text).dim == d;
    } catch (const ConfigError&) {
        return false;
    }
}

// A unit text of dimension `d` for a declaration (`w : siemens`).
std::string unit_text(Dimension d) {
    if (d.dimensionless()) return "1";
    if (const std::string named = d.to_string(); parses_as(named, d)) return named;
    return display_unit(d);
}

// `v` (internal units) as a value text that reads back exactly: "20 ms", "0.0001", "0.1 nS".
std::string quantity_text(double v, Dimension d) {
    if (d.dimensionless()) return fmt::format("{}", v);
    const std::string unit = display_unit(d);
    if (parses_as(unit, d) && parse_quantity(unit).value == 1.0)
        return fmt::format("{} {}", v, unit);
    const std::string example = d.example();  // "1 metre * mV" for a composite dimension
    return fmt::format("{} * ({})", v / parse_quantity(example).value, example);
}

std::string replace_word(const std::string& text, const std::string& word, const std::string& by) {
    std::string out;
    std::size_t from = 0;
    const auto is_name_char = [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
    };
    for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const bool starts = at == 0 || !is_name_char(text[at - 1]);
        const std::size_t end = at + word.size();
        if (!starts || (end < text.size() && is_name_char(text[end]))) continue;
        out += text.substr(from, at - from) + by;
        from = end;
    }
    return out + text.substr(from);
}

// Nearest-neighbour pairing: `Apre += dApre` becomes `Apre = dApre`, the trace then holds only
// the latest spike's contribution.
std::string nearest_pairing(const std::string& statements, const std::vector<std::string>& traces) {
    std::string out;
    std::size_t start = 0;
    while (start <= statements.size()) {
        std::size_t end = statements.find('\n', start);
        if (end == std::string::npos) end = statements.size();
        std::string line = statements.substr(start, end - start);
        for (const std::string& trace : traces)
            if (line.rfind(trace + " += ", 0) == 0) line = trace + " = " + line.substr(trace.size() + 4);
        out += (start == 0 ? "" : "\n") + line;
        start = end + 1;
    }
    return out;
}

// The option values in use: as given (checked), else the default. The pairing and the
// parameter set of the triplet rule follow each other when only one is given.
std::map<std::string, std::string> chosen_options(const Connection& c, const SynapseRule& rule) {
    std::map<std::string, std::string> chosen;
    for (const auto& [option, allowed] : rule.options) {
        const auto it = c.plasticity_parameters.find(option);
        if (it == c.plasticity_parameters.end()) continue;
        const std::string text = it->second.text;
        if (std::find(allowed.begin(), allowed.end(), text) == allowed.end())
            fail(parameter_place(c, option, it->second),
                 fmt::format("unknown {} '{}' of plasticity rule '{}'{}; expected one of {}",
                             option, detail::quote_input(text), rule.name,
                             detail::did_you_mean(text, allowed), fmt::join(allowed, ", ")));
        chosen[option] = text;
    }
    const auto ends_with = [](const std::string& s, const std::string& tail) {
        return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0 &&
               s[s.size() - tail.size() - 1] == '_';
    };
    if (rule.options.count("pairing") && rule.options.count("parameters")) {
        if (chosen.count("pairing") && !chosen.count("parameters"))
            for (const std::string& set : rule.options.at("parameters"))
                if (ends_with(set, chosen["pairing"])) chosen["parameters"] = set;
        if (chosen.count("parameters") && !chosen.count("pairing"))
            for (const std::string& pairing : rule.options.at("pairing"))
                if (ends_with(chosen["parameters"], pairing)) chosen["pairing"] = pairing;
    }
    for (const auto& [option, allowed] : rule.options) chosen.try_emplace(option, allowed.front());
    return chosen;
}

// A constant the user gave for a parameter: it must read as a quantity of dimension `want`.
// A quantity ("20 ms"), or a constant expression of the network's named parameters ("gmax",
// "0.01 * gmax"; frontend/parameters.hpp). Throws parse_quantity's ConfigError when it is
// neither.
Quantity constant_quantity(const std::string& text) {
    try {
        return parse_quantity(text);
    } catch (const ConfigError&) {
        std::optional<Quantity> q;
        try {
            const Checked e = check_expression(parse_expression(text, {}), {}, {});
            if (const auto v = expr::try_evaluate(e.expr, {})) q = Quantity{*v, e.dim};
        } catch (const Error&) {
        }
        if (q) return *q;
        throw;
    }
}

Quantity given_value(const Connection& c, const std::string& name, const ValueSpec& v,
                     Dimension want, Dimension weight) {
    const TextOrigin at = parameter_place(c, name, v);
    Quantity q;
    try {
        q = constant_quantity(v.text);
    } catch (const ConfigError& e) {
        fail(at, fmt::format("parameter {} of plasticity rule '{}' must be a constant such as "
                             "\"{}\" or an expression of the config's parameters: {}", name,
                             c.plasticity, want.example(), e.what()));
    }
    if (q.dim != want) {
        const bool weighty = want == weight && name != "wmax";
        fail(at, fmt::format("parameter {} of plasticity rule '{}' is \"{}\" ({}), but it needs "
                             "{}{}, e.g. \"{}\"", name, c.plasticity, detail::quote_input(v.text),
                             q.dim.to_string(), want.to_string(),
                             weighty ? " (the unit of wmax, the weight's unit)" : "",
                             want.example()));
    }
    return q;
}

}  // namespace

std::vector<std::string> synapse_rule_names() {
    std::vector<std::string> names;
    for (const SynapseRule& r : rules()) names.push_back(r.name);
    std::sort(names.begin(), names.end());
    return names;
}

const SynapseRule& synapse_rule(const std::string& name) {
    if (const SynapseRule* r = find_rule(name)) return *r;
    throw ConfigError(fmt::format("unknown plasticity rule '{}'{}; the rules are: {}",
                                  detail::quote_input(name),
                                  detail::did_you_mean(name, synapse_rule_names()),
                                  fmt::join(synapse_rule_names(), ", ")));
}

std::vector<std::string> synapse_rule_parameters(const SynapseRule& rule) {
    std::set<std::string> names;
    for (const auto& [name, value] : rule.defaults) names.insert(name);
    for (const auto& [name, allowed] : rule.options) names.insert(name);
    return {names.begin(), names.end()};
}

Connection expand_plasticity(const Connection& c) {
    if (c.plasticity.empty()) return c;
    const TextOrigin at = rule_place(c);
    const SynapseRule* rule = find_rule(c.plasticity);
    if (rule == nullptr)
        fail(at, fmt::format("unknown plasticity rule '{}'{}; the rules are: {}",
                             detail::quote_input(c.plasticity),
                             detail::did_you_mean(c.plasticity, synapse_rule_names()),
                             fmt::join(synapse_rule_names(), ", ")));
    if (!c.on_pre.empty() && c.target.empty())
        fail(at, fmt::format("plasticity rule '{}' writes on_pre itself (TARGET += w, then its "
                             "statements); replace on_pre by target, the post variable each spike "
                             "adds w to (e.g. target: ge)", rule->name));
    const std::pair<const char*, const ValueSpec*> own[] = {
        {"on_pre", &c.on_pre}, {"model", &c.model}, {"on_post", &c.on_post}};
    for (const auto& [field, text] : own)
        if (!text->empty())
            fail(at, fmt::format("plasticity rule '{}' supplies {} itself; remove the "
                                 "connection's {}, or drop plasticity and write the whole synapse "
                                 "model (docs/plasticity-library.md gives each rule's text)",
                                 rule->name, field, field));
    if (c.target.empty())
        fail(at, fmt::format("plasticity rule '{}' needs a target, the post variable each spike "
                             "adds w to (e.g. target: ge); it writes on_pre itself",
                             rule->name));
    const std::vector<std::string> known = synapse_rule_parameters(*rule);
    for (const auto& [name, v] : c.plasticity_parameters)
        if (std::find(known.begin(), known.end(), name) == known.end())
            fail(parameter_place(c, name, v),
                 fmt::format("unknown parameter '{}' of plasticity rule '{}'{}; its parameters "
                             "are: {}", detail::quote_input(name), rule->name,
                             detail::did_you_mean(name, known), fmt::join(known, ", ")));
    const std::map<std::string, std::string> options = chosen_options(c, *rule);
    std::map<std::string, std::string> defaults = rule->defaults;
    if (const auto it = options.find("parameters"); it != options.end())
        for (const auto& [name, value] : rule->parameter_sets.at(it->second)) defaults[name] = value;

    // The weight's unit is that of wmax.
    const auto given = [&](const std::string& name) -> const ValueSpec* {
        const auto it = c.plasticity_parameters.find(name);
        return it == c.plasticity_parameters.end() ? nullptr : &it->second;
    };
    Dimension weight = parse_quantity(defaults.at("wmax")).dim;
    if (const ValueSpec* v = given("wmax")) {
        try {
            weight = constant_quantity(v->text).dim;
        } catch (const ConfigError& e) {
            fail(parameter_place(c, "wmax", *v),
                 fmt::format("wmax of plasticity rule '{}' must be a constant weight such as "
                             "0.01 or \"10 nS\", or an expression of the config's parameters (it "
                             "sets the weight's unit): {}", rule->name,
                             e.what()));
        }
    }
    const std::string model = replace_word(rule->model, k_weight_unit, unit_text(weight));
    const SymbolDims dims = symbol_dims(parse_equations(model, {}));

    // Parameter values: given ones, then defaults, which may depend on other parameters.
    std::map<std::string, double> values;  // internal units
    std::map<std::string, ValueSpec> texts;
    for (const auto& [name, text] : defaults)
        if (const ValueSpec* v = given(name)) {
            values[name] = given_value(c, name, *v, dims.at(name), weight).value;
            texts[name] = *v;
        }
    const auto lookup = [&](const std::string& name) -> std::optional<double> {
        const auto it = values.find(name);
        return it == values.end() ? std::nullopt : std::optional<double>(it->second);
    };
    for (std::size_t round = 0; round <= defaults.size(); ++round)
        for (const auto& [name, text] : defaults) {
            if (values.count(name)) continue;
            const Checked e = check_expression(parse_expression(text, {}), dims, {});
            if (const std::optional<double> v = expr::try_evaluate(e.expr, lookup)) {
                SPIKEGRAPH_ASSERT(e.dim == dims.at(name));
                values[name] = *v;
                texts[name] = ValueSpec(quantity_text(*v, e.dim), at);
            }
        }
    SPIKEGRAPH_ASSERT(values.size() == defaults.size());

    Connection out = c;
    for (const auto& [name, v] : texts) {
        if (c.values.count(name))
            fail(c.values.at(name).origin.key.empty() ? at : c.values.at(name).origin,
                 fmt::format("'{}' is a parameter of plasticity rule '{}'; set it among the "
                             "plasticity parameters, not under values", name, rule->name));
        out.values[name] = v;
    }
    const bool nearest = options.count("pairing") && options.at("pairing") == "nearest";
    const auto text_of = [&](const std::string& statements) {
        return nearest ? nearest_pairing(statements, rule->traces) : statements;
    };
    const auto origin = [&](const char* part) {
        TextOrigin o;
        o.key = fmt::format("{} (rule '{}': {})", at.key, rule->name, part);
        return o;
    };
    out.model = ValueSpec(model, origin("model"));
    out.on_pre = ValueSpec(c.target + " += w\n" + text_of(rule->on_pre), origin("on_pre"));
    out.on_post = ValueSpec(text_of(rule->on_post), origin("on_post"));
    if (out.method.empty() || out.method == "auto") out.method = rule->method;
    out.plasticity.clear();
    out.plasticity_parameters.clear();
    return out;
}

}  // namespace spikegraph
