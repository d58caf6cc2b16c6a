#pragma once
// Choosing a backend: which backends this build knows and can run, and the calling thread's
// default backend. A backend is chosen by, in order: an explicit argument
// (SimulationOptions::backend), the network's `simulation.backend` when the config sets it, and
// the calling thread's default backend. The built-ins are `cpu` (always available) and `cuda`
// (known in every build; available only where it was compiled in and a device is visible).

#include <string>
#include <vector>

namespace spikegraph {

/// Whether one backend can run here, and why not.
struct BackendStatus {
    std::string name;
    bool available = false;
    std::string reason;  // why not, when not available
    bool built_in = true;
    std::vector<std::string> op_kinds;  // the op kinds it implements, sorted
};

/// Names of every backend spikegraph knows: the built-ins ("cpu", "cuda"), then the extensions
/// in the order they were first declared.
std::vector<std::string> backend_names();

/// The same list, for tests parametrised over backends
/// (`INSTANTIATE_TEST_SUITE_P(Backends, ..., ValuesIn(all_backend_names()))`).
inline std::vector<std::string> all_backend_names() { return backend_names(); }

/// Whether `name` can run here. Never throws (an unknown name is simply not available).
bool backend_available(const std::string& name) noexcept;

/// Availability of every known backend, with the reason where one is missing.
std::vector<BackendStatus> backend_statuses();

/// @throws BackendUnavailable with one message saying which backend is missing and how to get it
/// (e.g. "Missing the `cuda` backend: this build has no CUDA support; configure with
/// -DSPIKEGRAPH_CUDA=ON where the CUDA toolkit is installed"), or naming the known backends
/// when `name` is unknown.
void require_backend(const std::string& name);

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
