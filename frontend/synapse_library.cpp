// Placeholder until the library lands from branch h14-front (same file): no rule yet.
#include "frontend/synapse_library.hpp"

#include <spikegraph/error.hpp>

namespace spikegraph {

std::vector<std::string> synapse_rule_names() { return {}; }

const SynapseRule& synapse_rule(const std::string& name) {
    throw ConfigError("unknown plasticity rule '" + name + "'");
}

Connection expand_plasticity(const Connection& c) {
    if (c.plasticity.empty()) return c;
    synapse_rule(c.plasticity);
    return c;
}

}  // namespace spikegraph
