#pragma once
// The plasticity library: synapse models written in the same equation text as user models
// (Connection::model, on_pre, on_post), selected by name (`plasticity: stdp_additive`).
// docs/plasticity.md lists each rule with its equations and its source.

#include <map>
#include <string>
#include <vector>

#include <spikegraph/connection.hpp>

namespace spikegraph {

/// One rule of the library, as text. The model writes `weight_unit` where a quantity has the
/// weight's unit: expand_plasticity replaces it by the unit of `wmax` (`1` when wmax is a plain
/// number, `siemens` for `wmax: 10 nS`), so that `target: ge` works whatever ge's unit.
struct SynapseRule {
    std::string name;
    std::string description;  // one line
    std::string source;       // the publication its equations and default parameters follow
    std::string model;        // equations; `w` is the weight
    std::string on_pre;       // without the `target += w` the connection adds in front
    std::string on_post;
    std::map<std::string, std::string> defaults;  // parameter -> value with unit ("20 ms")
    // Solver of the clock-driven equations when the connection says `auto`: "euler" keeps
    // shared parameters (a reward) out of the update, so that they can change during a run.
    std::string method = "auto";
    // Defaults may be expressions of the other parameters ("0.01 * wmax"): they are computed
    // from the values in use. Settings that are text, not parameters of the model: name ->
    // allowed values, the first the default (`pairing: all_to_all | nearest`).
    std::map<std::string, std::vector<std::string>> options;
    // With `pairing: nearest` a spike sets these traces to their increment instead of adding it.
    std::vector<std::string> traces;
    // Named sets of published parameter values that override `defaults`, chosen with the option
    // `parameters` (stdp_triplet: visual_cortex_all_to_all, visual_cortex_nearest).
    std::map<std::string, std::map<std::string, std::string>> parameter_sets;
};

/// Every rule's name, sorted.
std::vector<std::string> synapse_rule_names();

/// The rule `name`. @throws ConfigError listing the known names.
const SynapseRule& synapse_rule(const std::string& name);

/// Every name a connection's plasticity parameters may use with `rule`: its parameters and its
/// options, sorted.
std::vector<std::string> synapse_rule_parameters(const SynapseRule& rule);

/// `c` with its `plasticity` rule expanded: model, on_pre (`target += w` first, then the
/// rule's statements), on_post and the values of its parameters (the rule's defaults,
/// overridden by `plasticity_parameters`, each checked against the rule's unit). `c` is returned
/// unchanged when it names no rule; the result names none (plasticity and its parameters are
/// cleared, plasticity_origin kept), so expanding it again changes nothing.
/// @throws ConfigError (located at plasticity_origin) for an unknown rule or parameter, a value
///         of the wrong dimension, or a connection that also gives its own model or on_post.
Connection expand_plasticity(const Connection& c);

}  // namespace spikegraph
