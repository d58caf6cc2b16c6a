#pragma once
// The CPU backend's op factory: binds an op of the plan to a kernel over the workspace's buffers.
// Registered per op kind in the op registry under the backend name "cpu".

#include <functional>
#include <memory>

#include "backend/cpu/kernel.hpp"
#include "backend/cpu/workspace.hpp"
#include "backend/op_registry.hpp"
#include "builder/plan.hpp"

namespace spikegraph::cpu {

/// The backend's name in the backend table and the op registry.
inline constexpr const char* k_backend_name = "cpu";

using OpFactory = std::function<std::unique_ptr<Kernel>(const OpSpec& op, Workspace& ws)>;

/// Registers the built-in CPU ops (neuron update, delivery, inputs, monitors, tensor ops): the
/// CPU entry's op registration (backend/cpu/cpu_backend.cpp).
void register_cpu_ops(OpRegistry& registry);

}  // namespace spikegraph::cpu
