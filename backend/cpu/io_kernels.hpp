#pragma once

#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

/// Registers the input ops (the Poisson ops, `spike_times_input`, `current_input`) and the
/// monitor ops (`spike_monitor`, `state_monitor`).
void register_io_ops(OpRegistry& registry);

/// Registers `poisson_input` (a group of Poisson sources) and `poisson_drive` (Brian2's
/// PoissonInput); poisson_kernels.cpp. Called by register_io_ops.
void register_poisson_ops(OpRegistry& registry);

}  // namespace spikegraph::cpu
