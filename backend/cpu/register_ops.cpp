// The one place where the CPU backend's built-in ops are registered.

#include "backend/cpu/io_kernels.hpp"
#include "backend/cpu/neuron_kernels.hpp"
#include "backend/cpu/synapse_kernels.hpp"
#include "backend/cpu/tensor_ops.hpp"
#include "backend/op_registry.hpp"

namespace spikegraph {

void register_cpu_ops(OpRegistry& registry) {
    cpu::register_neuron_ops(registry);
    cpu::register_synapse_ops(registry);
    cpu::register_io_ops(registry);
    register_tensor_ops(registry);
}

}  // namespace spikegraph
