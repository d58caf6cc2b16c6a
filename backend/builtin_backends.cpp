// The one function that names the built-in backends. Adding a backend: its folder under backend/
// provides a BackendEntry, and one line here adds it.

#include <string>
#include <utility>

#include "backend/backend_entry.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "backend/cuda/cuda_backend.hpp"
#include <spikegraph/config.hpp>

namespace spikegraph {

void register_builtin_backends(BackendTable& table) {
    table.add(cpu::backend_entry());
#if SPIKEGRAPH_HAVE_CUDA
    table.add(cuda::backend_entry());
#else
    // Known in every build, so that asking for it says what is missing rather than "unknown".
    BackendEntry cuda_entry;
    cuda_entry.name = "cuda";
    cuda_entry.availability = [] {
        return std::string(
            "this build has no CUDA support; configure with -DSPIKEGRAPH_CUDA=ON where the CUDA "
            "toolkit is installed");
    };
    table.add(std::move(cuda_entry));
#endif
}

}  // namespace spikegraph
