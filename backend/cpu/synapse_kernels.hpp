#pragma once

#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

/// Registers `synapse_deliver` (sparse CSR, dense, one-to-one; with or without delays).
void register_synapse_ops(OpRegistry& registry);

}  // namespace spikegraph::cpu
