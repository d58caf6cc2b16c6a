#pragma once
// The backend extension seam (internal, not installed): extensions declare their backends with
// check_backend(), and simulations instantiate a plan with make_executor(). What a user needs
// to choose a backend (names, availability, the thread's default) is the public
// backend/backends.hpp.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/backends.hpp"
#include "backend/executor.hpp"

namespace spikegraph {

/// Builds an executor of `plan` on one backend.
using ExecutorFactory =
    std::function<std::unique_ptr<Executor>(const Plan& plan, const ExecutorOptions& options)>;

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
};

/// Declares (or re-declares) an extension's backend `name` with what it needs, and returns
/// whether it is available now. The entry then shows in backend_names(), backend_statuses()
/// and `spikegraph backends`, and make_executor() uses its factory.
/// @throws ConfigError when `name` is empty, contains spaces or names a built-in backend.
bool check_backend(const std::string& name, BackendRequirements requirements);

/// Instantiates `plan` on backend `name`. @throws BackendUnavailable, BuildError
std::unique_ptr<Executor> make_executor(const std::string& name, const Plan& plan,
                                        const ExecutorOptions& options);

}  // namespace spikegraph
