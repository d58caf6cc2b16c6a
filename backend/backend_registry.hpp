#pragma once
// The backend extension seam (internal, not installed): the backend table's entries
// (backend/backend_entry.hpp), extensions declared with check_backend(), and make_executor().
// The built-ins `cpu` (always available) and `cuda` (known in every build; available only where
// it was compiled in and a device is visible) are registered by register_builtin_backends().
// What a user needs to choose a backend (names, availability, the thread's default) is the
// public include/spikegraph/backends.hpp. A backend is chosen by, in order: an explicit argument, the
// network's `simulation.backend` when the config sets it, and the calling thread's default.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend_entry.hpp"
#include <spikegraph/backends.hpp>
#include "backend/executor.hpp"

namespace spikegraph {

/// What an extension's backend needs in order to run, for check_backend().
struct BackendRequirements {
    /// Backends that must be available first (e.g. {"cuda"} for a backend built on it).
    std::vector<std::string> backends;
    /// Extra check, run on every availability query: returns "" when the backend can run, else
    /// why not ("libfoo.so.2 was not found"). It must be cheap; an exception it throws is
    /// reported as the reason.
    std::function<std::string()> probe;
    /// How to get the backend, appended to the reason ("install libfoo 2 and rebuild").
    std::string hint;
    /// Builds the backend's executor; without one the backend is known but never available.
    ExecutorFactory factory;
    /// Registers the backend's own op kinds in the op registry (called when it is declared);
    /// empty when its executor binds the ops some other way (e.g. through another backend).
    std::function<void(OpRegistry&)> register_ops;
};

/// Declares (or re-declares) an extension's backend `name` with what it needs, and returns
/// whether it is available now. It becomes an entry of the backend table like the built-ins:
/// it shows in backend_names(), backend_statuses() and `spikegraph backends`, make_executor()
/// uses its factory, and its ops are registered at once.
/// @throws ConfigError when `name` is empty, contains spaces or names a built-in backend.
bool check_backend(const std::string& name, BackendRequirements requirements);

/// Instantiates `plan` on backend `name`. @throws BackendUnavailable, BuildError
std::unique_ptr<Executor> make_executor(const std::string& name, const Plan& plan,
                                        const ExecutorOptions& options);

}  // namespace spikegraph
