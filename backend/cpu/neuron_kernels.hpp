#pragma once

#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

/// Registers `neuron_update` and `neuron_reset`.
void register_neuron_ops(OpRegistry& registry);

}  // namespace spikegraph::cpu
