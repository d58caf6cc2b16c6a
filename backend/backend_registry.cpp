#include "backend/backend_registry.hpp"

#include <cstdlib>
#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend/cpu/cpu_executor.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "spikegraph/config.hpp"

#if SPIKEGRAPH_HAVE_CUDA
namespace spikegraph::cuda {
// Provided by backend/cuda/ (cudaGetDeviceCount; 0 when the driver or device is missing).
int device_count() noexcept;
}  // namespace spikegraph::cuda
#endif

namespace spikegraph {

namespace {

constexpr const char* k_default_backend = "cpu";

struct Extension {
    std::string name;
    BackendRequirements requirements;
};

// Extensions are few and declared rarely; one mutex guards them. The probes run outside it, so a
// probe may itself ask about other backends.
struct Extensions {
    std::mutex mutex;
    std::vector<Extension> list;
};

Extensions& extensions() {
    static Extensions e;
    return e;
}

std::vector<Extension> extension_copy() {
    auto& e = extensions();
    std::lock_guard lock(e.mutex);
    return e.list;
}

BackendStatus cpu_status() { return {"cpu", true, "", true}; }

BackendStatus cuda_status() {
#if SPIKEGRAPH_HAVE_CUDA
    if (cuda::device_count() <= 0) {
        const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
        return {"cuda", false,
                visible ? fmt::format("no CUDA device is visible (CUDA_VISIBLE_DEVICES={}); check "
                                      "nvidia-smi and the driver",
                                      visible)
                        : std::string("no CUDA device is visible; check nvidia-smi and the driver"),
                true};
    }
    return {"cuda", false, "the CUDA backend is not implemented in this version", true};
#else
    return {"cuda", false,
            "this build has no CUDA support; configure with -DSPIKEGRAPH_CUDA=ON where the CUDA "
            "toolkit is installed",
            true};
#endif
}

bool is_built_in(const std::string& name) { return name == "cpu" || name == "cuda"; }

BackendStatus status_of(const std::string& name, int depth);

BackendStatus extension_status(const Extension& x, int depth) {
    BackendStatus s{x.name, false, "", false};
    const auto with_hint = [&](std::string why) {
        return x.requirements.hint.empty() ? why : why + "; " + x.requirements.hint;
    };
    if (depth > 8) {
        s.reason = "its required backends depend on each other in a cycle";
        return s;
    }
    for (const auto& needed : x.requirements.backends) {
        const BackendStatus n = status_of(needed, depth + 1);
        if (!n.available) {
            s.reason = with_hint(fmt::format("it needs the `{}` backend, which is missing ({})",
                                             needed, n.reason));
            return s;
        }
    }
    if (x.requirements.probe) {
        std::string why;
        try {
            why = x.requirements.probe();
        } catch (const std::exception& e) {
            why = fmt::format("its availability check failed: {}", e.what());
        } catch (...) {
            why = "its availability check failed";
        }
        if (!why.empty()) {
            s.reason = with_hint(std::move(why));
            return s;
        }
    }
    if (!x.requirements.factory) {
        s.reason = with_hint("it was declared without an executor factory");
        return s;
    }
    s.available = true;
    return s;
}

BackendStatus status_of(const std::string& name, int depth) {
    if (name == "cpu") return cpu_status();
    if (name == "cuda") return cuda_status();
    for (const auto& x : extension_copy())
        if (x.name == name) return extension_status(x, depth);
    return {name, false, "unknown backend", false};
}

std::string unknown_backend_message(const std::string& name) {
    const auto names = backend_names();
    const std::string guess = detail::closest_name(name, names);
    return fmt::format("unknown backend '{}'{}; known backends: {}", name,
                       guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                       fmt::join(names, ", "));
}

bool is_known(const std::string& name) {
    if (is_built_in(name)) return true;
    for (const auto& x : extension_copy())
        if (x.name == name) return true;
    return false;
}

std::string& thread_default() {
    thread_local std::string name = k_default_backend;
    return name;
}

}  // namespace

std::vector<std::string> backend_names() {
    std::vector<std::string> names = {"cpu", "cuda"};
    for (const auto& x : extension_copy()) names.push_back(x.name);
    return names;
}

std::vector<BackendStatus> backend_statuses() {
    std::vector<BackendStatus> out;
    for (const auto& name : backend_names()) out.push_back(status_of(name, 0));
    return out;
}

bool backend_available(const std::string& name) noexcept {
    try {
        return status_of(name, 0).available;
    } catch (...) {
        return false;
    }
}

bool check_backend(const std::string& name, BackendRequirements requirements) {
    if (name.empty() || name.find_first_of(" \t\n") != std::string::npos)
        throw ConfigError(fmt::format("check_backend: backend name '{}' must be one word", name));
    if (is_built_in(name))
        throw ConfigError(fmt::format(
            "check_backend: `{}` is a built-in backend and cannot be re-declared; give the "
            "extension's backend a name of its own",
            name));
    {
        auto& e = extensions();
        std::lock_guard lock(e.mutex);
        bool replaced = false;
        for (auto& x : e.list)
            if (x.name == name) {
                x.requirements = requirements;
                replaced = true;
            }
        if (!replaced) e.list.push_back({name, std::move(requirements)});
    }
    return backend_available(name);
}

void require_backend(const std::string& name) {
    if (!is_known(name)) throw BackendUnavailable(unknown_backend_message(name));
    const BackendStatus s = status_of(name, 0);
    if (!s.available)
        throw BackendUnavailable(fmt::format("Missing the `{}` backend: {}", name, s.reason));
}

std::unique_ptr<Executor> make_executor(const std::string& name, const Plan& plan,
                                        const ExecutorOptions& options) {
    require_backend(name);
    if (name == "cpu") return cpu::make_cpu_executor(plan, options);
    for (const auto& x : extension_copy())
        if (x.name == name) return x.requirements.factory(plan, options);
    // cuda reports itself unavailable until backend/cuda/ exists, so require_backend threw.
    throw BackendUnavailable(fmt::format("Missing the `{}` backend: no executor for it", name));
}

const std::string& default_backend() noexcept { return thread_default(); }

void set_default_backend(const std::string& name) {
    if (!is_known(name)) throw BackendUnavailable(unknown_backend_message(name));
    thread_default() = name;
}

void reset_default_backend() noexcept { thread_default() = k_default_backend; }

std::string resolve_backend(const std::string& explicit_name) {
    return explicit_name.empty() ? default_backend() : explicit_name;
}

BackendScope::BackendScope(const std::string& name) : previous_(default_backend()) {
    set_default_backend(name);
}

BackendScope::~BackendScope() { thread_default() = std::move(previous_); }

}  // namespace spikegraph
