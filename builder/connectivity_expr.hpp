#pragma once
// The expressions of a connectivity rule (Connectivity::condition and ::probability, Brian's
// `connect(condition=..., p=...)`), checked and compiled into the per-pair functions that
// make_synapses calls. Pre and post variables (`x_pre`, `x_post`) are the groups' initial
// values: their parameters or init, as the initializers fill them (batch entry 0).

#include <cstddef>
#include <string>

#include "builder/connectivity.hpp"
#include "builder/group_builder.hpp"
#include "builder/plan.hpp"
#include <spikegraph/connection.hpp>
#include <spikegraph/text_origin.hpp>

namespace spikegraph::detail {

struct PairGroups {
    const BuiltGroup* pre = nullptr;  // nullptr: a spike input, which has no variables
    const BuiltGroup* post = nullptr;
    std::size_t pre_begin = 0, post_begin = 0;  // first neuron of each slice
};

/// Checks the condition and probability of `rule` and returns the functions make_synapses
/// calls. A probability that is one number (of parameters) is stored in `rule.p` instead, so
/// that without a condition the rule keeps its O(synapses) sampling. `plan` holds the groups'
/// variables (their initializers); `origin` and `key` ("connections.x") locate the messages of
/// values given without an origin of their own.
/// @throws ConfigError located at the expression: a condition that is not a comparison or a
///         logical combination of them, a probability that is not dimensionless or lies
///         outside [0, 1] (for a pair, named), an unknown name, rand(), a condition on a rule
///         other than all_to_all and fixed_probability.
PairFunctions pair_functions(Connectivity& rule, const PairGroups& groups, const Plan& plan,
                             const TextOrigin& origin, const std::string& key);

}  // namespace spikegraph::detail
