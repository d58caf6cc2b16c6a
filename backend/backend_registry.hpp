#pragma once
// Every backend known by name, whether or not this build or machine can run it, and the
// thread's default backend.
//
// Backends are the entries of the backend table (backend/backend_entry.hpp): the built-ins `cpu`
// (always available) and `cuda` (known in every build; available only where it was compiled in
// and a device is visible), registered by register_builtin_backends(), and the extensions
// declared with check_backend(). A backend is chosen by, in order: an explicit argument, the
// network's `simulation.backend` when the config sets it, and the calling thread's default.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend_entry.hpp"
#include "backend/executor.hpp"

namespace spikegraph {

struct BackendStatus {
    std::string name;
    bool available = false;
    std::string reason;  // why not, when not available
    bool built_in = true;
    std::vector<std::string> op_kinds;  // the op kinds it implements, sorted
};

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

/// Names of every backend spikegraph knows: the built-ins ("cpu", "cuda"), then the extensions
/// in the order they were first declared.
std::vector<std::string> backend_names();

/// The same list, for tests parametrised over backends
/// (`INSTANTIATE_TEST_SUITE_P(Backends, ..., ValuesIn(all_backend_names()))`).
inline std::vector<std::string> all_backend_names() { return backend_names(); }

/// Whether `name` can run here. Never throws (an unknown name is simply not available).
bool backend_available(const std::string& name) noexcept;

/// Availability of every known backend, with the reason where one is missing and the op kinds
/// each implements.
std::vector<BackendStatus> backend_statuses();

/// Declares (or re-declares) an extension's backend `name` with what it needs, and returns
/// whether it is available now. It becomes an entry of the backend table like the built-ins:
/// it shows in backend_names(), backend_statuses() and `spikegraph backends`, make_executor()
/// uses its factory, and its ops are registered at once.
/// @throws ConfigError when `name` is empty, contains spaces or names a built-in backend.
bool check_backend(const std::string& name, BackendRequirements requirements);

/// @throws BackendUnavailable with one message saying which backend is missing and how to get it
/// (e.g. "Missing the `cuda` backend: this build has no CUDA support; configure with
/// -DSPIKEGRAPH_CUDA=ON where the CUDA toolkit is installed"), or naming the known backends
/// when `name` is unknown.
void require_backend(const std::string& name);

/// Instantiates `plan` on backend `name`. @throws BackendUnavailable, BuildError
std::unique_ptr<Executor> make_executor(const std::string& name, const Plan& plan,
                                        const ExecutorOptions& options);

/// The calling thread's default backend: "cpu" until a BackendScope or set_default_backend()
/// changes it. Each thread has its own; a new thread starts with "cpu".
const std::string& default_backend() noexcept;

/// Sets the calling thread's default backend. The backend must be known; it need not be
/// available (that is checked when a simulation asks for it).
/// @throws BackendUnavailable for an unknown name, with "did you mean".
void set_default_backend(const std::string& name);

/// Puts the calling thread's default backend back to "cpu".
void reset_default_backend() noexcept;

/// `explicit_name` when it is not empty (an explicit choice always wins), else the calling
/// thread's default backend.
std::string resolve_backend(const std::string& explicit_name);

/// Overrides the calling thread's default backend for the lifetime of the scope:
/// `BackendScope use{"cuda"};`. Scopes nest; the previous default comes back when the scope
/// ends, also when it ends by an exception.
class [[nodiscard]] BackendScope {
public:
    /// @throws BackendUnavailable for an unknown name (see set_default_backend).
    explicit BackendScope(const std::string& name);
    ~BackendScope();
    BackendScope(const BackendScope&) = delete;
    BackendScope& operator=(const BackendScope&) = delete;

private:
    std::string previous_;
};

}  // namespace spikegraph
