#pragma once
// Turns one NeuronGroup into plan variables and its update and reset ops.

#include <set>
#include <string>
#include <vector>

#include "builder/plan.hpp"
#include "core/units.hpp"
#include <spikegraph/neuron_group.hpp>

namespace spikegraph::detail {

struct GroupVariable {
    std::string name;  // symbol in the model ("v", "El")
    std::string var;   // plan variable ("neurons.v")
    Dimension dim;
    bool state = false;   // has a dX/dt equation: [B, n]
    bool shared = false;  // parameter with one value: [1]
    bool summed = false;  // parameter set every step by a summed variable: [B, n]
};

struct BuiltGroup {
    std::string name;
    std::size_t size = 0;
    std::vector<GroupVariable> variables;
    std::vector<VariableSpec> specs;
    OpSpec update, reset;  // reset.kind empty when the model has no reset
    std::string spikes_var, count_var, total_var;
    // Shared parameters ("neurons.tau") that the build turned into constants of the update
    // (the 'exact' solver's coefficients, the refractory period): changing one later would
    // leave the update computed with the old value.
    std::set<std::string> folded;
    // Init values that read other variables of the group (`u = b * v`): the state variable's
    // model name, what it reads and where it was given; evaluated once the seed is known
    // (builder/init_expressions.hpp), in this order.
    struct DependentInit {
        std::string name;
        std::vector<std::string> reads;
        TextOrigin origin;
    };
    std::vector<DependentInit> dependent_inits;

    const GroupVariable* find(const std::string& symbol) const {
        for (const auto& v : variables)
            if (v.name == symbol) return &v;
        return nullptr;
    }
};

/// `per_neuron` lists parameters that must be stored per neuron even when given as one value
/// (targets of current inputs); `summed` the parameters that a connection's summed variable
/// sets every step: they are stored per neuron and batch entry and need no value.
BuiltGroup build_group(const NeuronGroup& group, double dt_ms, std::size_t batch,
                       Precision precision, const std::set<std::string>& per_neuron,
                       const std::set<std::string>& summed = {});

}  // namespace spikegraph::detail
