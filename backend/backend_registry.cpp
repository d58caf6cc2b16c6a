#include "backend/backend_registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend/cpu/cpu_executor.hpp"
#include "core/error.hpp"
#include "spikegraph/config.hpp"

namespace spikegraph {

std::vector<std::string> backend_names() { return {"cpu", "cuda"}; }

std::vector<BackendStatus> backend_statuses() {
    std::vector<BackendStatus> out;
    out.push_back({"cpu", true, ""});
#if SPIKEGRAPH_HAVE_CUDA
    out.push_back({"cuda", false, "the CUDA backend is not implemented in this version"});
#else
    out.push_back({"cuda", false,
                   "this build has no CUDA support; configure with -DSPIKEGRAPH_CUDA=ON where "
                   "the CUDA toolkit is installed"});
#endif
    return out;
}

bool backend_available(const std::string& name) {
    for (const auto& s : backend_statuses())
        if (s.name == name) return s.available;
    return false;
}

void require_backend(const std::string& name) {
    for (const auto& s : backend_statuses())
        if (s.name == name) {
            if (!s.available)
                throw BackendUnavailable(fmt::format("Missing the `{}` backend: {}", name, s.reason));
            return;
        }
    throw BackendUnavailable(fmt::format("unknown backend '{}'; known backends: {}", name,
                                         fmt::join(backend_names(), ", ")));
}

std::unique_ptr<Executor> make_executor(const std::string& name, const Plan& plan,
                                        const ExecutorOptions& options) {
    require_backend(name);
    return cpu::make_cpu_executor(plan, options);
}

}  // namespace spikegraph
