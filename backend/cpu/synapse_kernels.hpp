#pragma once

#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

/// Registers `synapse_deliver` (sparse CSR, dense, one-to-one; with or without delays).
void register_synapse_ops(OpRegistry& registry);
/// `synapse_pathway` and `synapse_each`: the ops of synapse models (synapse_model_kernels.cpp).
void register_synapse_model_ops(OpRegistry& registry);

}  // namespace spikegraph::cpu
