#pragma once
// The plasticity library: synapse models written in the same equation text as user models
// (Connection::model, on_pre, on_post), selected by name (`plasticity: stdp_additive`).
// docs/plasticity.md lists each rule with its equations and its source.

#include <map>
#include <string>
#include <vector>

#include <spikegraph/connection.hpp>

namespace spikegraph {

/// One rule of the library, as text.
struct SynapseRule {
    std::string name;
    std::string description;  // one line
    std::string source;       // the publication its equations and default parameters follow
    std::string model;        // equations; `w` is the weight
    std::string on_pre;       // without the `target += w` the connection adds in front
    std::string on_post;
    std::map<std::string, std::string> defaults;  // parameter -> value with unit ("20 ms")
};

/// Every rule's name, sorted.
std::vector<std::string> synapse_rule_names();

/// The rule `name`. @throws ConfigError listing the known names.
const SynapseRule& synapse_rule(const std::string& name);

/// `c` with its `plasticity` rule expanded: model, on_pre (`target += w` first, then the
/// rule's statements), on_post and the values of its parameters (the rule's defaults,
/// overridden by `plasticity_parameters`, each checked against the rule's unit). `c` is returned
/// unchanged when it names no rule.
/// @throws ConfigError (located at plasticity_origin) for an unknown rule or parameter, a value
///         of the wrong dimension, or a connection that also gives its own model or on_post.
Connection expand_plasticity(const Connection& c);

}  // namespace spikegraph
