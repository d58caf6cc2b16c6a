#pragma once

#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

/// Registers the input ops (`poisson_input`, `spike_times_input`, `current_input`) and the
/// monitor ops (`spike_monitor`, `state_monitor`).
void register_io_ops(OpRegistry& registry);

}  // namespace spikegraph::cpu
