#pragma once
// Synapses from a (slice of a) source to a (slice of a) target group, and how they are made.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <spikegraph/group_ref.hpp>
#include <spikegraph/value_spec.hpp>

namespace spikegraph {

struct Connectivity {
    enum class Rule { all_to_all, one_to_one, fixed_probability, fixed_indegree, fixed_outdegree,
                      explicit_list };
    Rule rule = Rule::all_to_all;
    double p = 0.0;          // fixed_probability
    std::size_t degree = 0;  // fixed_indegree / fixed_outdegree
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;  // explicit_list: (pre, post)
    bool allow_self = true;  // pre index == post index when pre and post are the same group
    // all_to_all and fixed_probability (Brian's `Synapses.connect(condition=..., p=...)`): a
    // boolean expression of i, j, pre/post variables (`x_pre`, `x_post`: their initial values)
    // and the network's parameters; only pairs where it holds are candidates.
    ValueSpec condition;
    // fixed_probability: the probability as an expression of the same names ("exp(-(x_pre -
    // x_post)**2 / (2 * sigma**2))"), instead of the number `p`. An expression that is one
    // number (of parameters) keeps the O(synapses) sampling of a constant p; otherwise every
    // pair is visited.
    ValueSpec probability;

    static Connectivity all_to_all() { return {}; }
    static Connectivity one_to_one() { Connectivity c; c.rule = Rule::one_to_one; return c; }
    static Connectivity fixed_probability(double p) {
        Connectivity c; c.rule = Rule::fixed_probability; c.p = p; return c;
    }
    /// fixed_probability with p given as an expression (see `probability`).
    static Connectivity fixed_probability(ValueSpec p) {
        Connectivity c; c.rule = Rule::fixed_probability; c.probability = std::move(p); return c;
    }
    /// This rule with `condition` (see `condition`).
    Connectivity where(ValueSpec cond) const {
        Connectivity c = *this; c.condition = std::move(cond); return c;
    }
    static Connectivity fixed_indegree(std::size_t k) {
        Connectivity c; c.rule = Rule::fixed_indegree; c.degree = k; return c;
    }
    static Connectivity fixed_outdegree(std::size_t k) {
        Connectivity c; c.rule = Rule::fixed_outdegree; c.degree = k; return c;
    }
    static Connectivity from_list(std::vector<std::pair<std::int64_t, std::int64_t>> pairs) {
        Connectivity c; c.rule = Rule::explicit_list; c.pairs = std::move(pairs); return c;
    }
};

/// How the synapses are stored and propagated.
enum class SynapseStorage {
    automatic,  // one_to_one for that rule, dense for small all-to-all, else sparse
    sparse,     // CSR, event-driven: only rows of spiking neurons are touched
    dense,      // [pre, post] weight matrix
    one_to_one  // a weight per pair (i, i)
};

struct Connection {
    std::string name;
    GroupRef pre;
    GroupRef post;
    std::string target;   // variable of the post group that spikes act on ("ge", "I")
    // Instead of `target`: on-spike statements ("ge += w", "g_ampa += w * scale; x += w"), each
    // adding a function of the weight `w` (and shared parameters of the post group) to a post
    // state variable.
    ValueSpec on_pre;
    ValueSpec weight = "1";  // constant, or an expression per synapse (rand(), i, j)
    ValueSpec delay;      // empty: none; a time (multiple of dt), or an expression per synapse
    Connectivity connectivity;
    SynapseStorage storage = SynapseStorage::automatic;
    TextOrigin origin;
    TextOrigin delay_origin;

    // Synapses with equations of their own (Brian's `Synapses(model=..., on_pre=...,
    // on_post=...)`); docs/plasticity.md. Any of `model`, `on_post` or `plasticity`, or on_pre
    // statements beyond `X += f(w)`, make the connection a synapse model: then `on_pre` and
    // `on_post` are any statements over synapse variables, `x_pre`/`x_post` (unsuffixed names
    // resolve to the synapse, then to the post group), t, dt, i, j, rand(), run in order at each
    // event after the event-driven variables are brought up to date.
    ValueSpec model;       // "w : 1\n dApre/dt = -Apre/taupre : 1 (event-driven)\n ..."
    ValueSpec on_post;     // statements run when the post neuron spikes
    ValueSpec post_delay;  // delay of the on_post pathway (like `delay` for on_pre)
    // Values of the model's parameters and initial values of its variables: a constant, or an
    // expression per synapse of i, j and rand(). `weight` sets `w` when the model has one.
    std::map<std::string, ValueSpec> values;
    std::string method = "auto";  // solver of the clock-driven synapse ODEs
    TextOrigin method_origin;
    // A rule of the plasticity library (frontend/synapse_library.hpp: stdp_additive, ...) with
    // its parameters; it supplies model, on_pre and on_post (and `target += w`).
    std::string plasticity;
    std::map<std::string, ValueSpec> plasticity_parameters;
    TextOrigin plasticity_origin;
};

}  // namespace spikegraph
