#include "backend/cpu/cpu_backend.hpp"

#include "backend/cpu/cpu_executor.hpp"
#include "backend/cpu/op_factory.hpp"

namespace spikegraph::cpu {

BackendEntry backend_entry() {
    return BackendEntry{
        .name = k_backend_name,
        .availability = {},
        .make_executor = make_cpu_executor,
        .register_ops = register_cpu_ops,
    };
}

}  // namespace spikegraph::cpu
