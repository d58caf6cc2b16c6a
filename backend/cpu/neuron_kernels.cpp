// CPU kernels of the neuron ops: the fused update (neuron_update_kernel.hpp) and the reset of
// the neurons that spiked (neuron_reset_kernel.hpp).

#include "backend/cpu/neuron_kernels.hpp"

#include "backend/cpu/dispatch.hpp"
#include "backend/cpu/neuron_reset_kernel.hpp"
#include "backend/cpu/neuron_update_kernel.hpp"

namespace spikegraph::cpu {

void register_neuron_ops(OpRegistry& registry) {
    registry.add<OpFactory>("neuron_update", k_backend_name, make_real<NeuronUpdateKernel>);
    registry.add<OpFactory>("neuron_reset", k_backend_name, make_real<NeuronResetKernel>);
}

}  // namespace spikegraph::cpu
