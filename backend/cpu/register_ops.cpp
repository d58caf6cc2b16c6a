// The one place where the CPU backend's built-in ops are registered.

#include "backend/cpu/io_kernels.hpp"
#include "backend/cpu/neuron_kernels.hpp"
#include "backend/cpu/op_factory.hpp"
#include "backend/cpu/synapse_kernels.hpp"
#include "backend/cpu/tensor_ops.hpp"

namespace spikegraph::cpu {

void register_cpu_ops(OpRegistry& registry) {
    register_neuron_ops(registry);
    register_synapse_ops(registry);
    register_synapse_model_ops(registry);
    register_io_ops(registry);
    register_tensor_ops(registry);
}

}  // namespace spikegraph::cpu
