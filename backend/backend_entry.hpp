#pragma once
// One entry per backend, the same for the built-ins and for extensions: its name, whether it can
// run here (and why not), how to make its executor and how it registers its ops. The table of
// entries is filled by register_builtin_backends() (backend/builtin_backends.cpp, the one place
// that names the built-in backends) and by check_backend() for extensions.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "backend/executor.hpp"

namespace spikegraph {

class OpRegistry;

/// Builds an executor of `plan` on one backend.
using ExecutorFactory =
    std::function<std::unique_ptr<Executor>(const Plan& plan, const ExecutorOptions& options)>;

struct BackendEntry {
    std::string name;
    /// Returns "" when the backend can run here, else why not ("no CUDA device is visible").
    /// Run on every availability query, so it must be cheap; an exception it throws is reported
    /// as the reason. Empty: always available.
    std::function<std::string()> availability;
    /// Builds the backend's executor; called only when the backend is available.
    ExecutorFactory make_executor;
    /// Registers the backend's built-in op kinds, once, when the op registry is first used (or
    /// at once for an extension declared later). Empty: the backend has no ops of its own.
    std::function<void(OpRegistry&)> register_ops;
    bool built_in = true;
};

/// Every backend entry, in registration order. Thread-safe; lookups return copies, so an
/// availability check runs outside the table's lock and may itself ask about other backends.
class BackendTable {
public:
    /// Adds `entry`, or replaces the entry of the same name in place.
    void add(BackendEntry entry);
    std::vector<BackendEntry> entries() const;
    std::optional<BackendEntry> find(const std::string& name) const;
    std::vector<std::string> names() const;

private:
    mutable std::mutex mutex_;
    std::vector<BackendEntry> entries_;
};

/// The process-wide table, holding the built-ins from the first use on.
BackendTable& backend_table();

/// Adds the built-in backends (`cpu`, `cuda`) to `table`: the one function that names them, and
/// the only place that asks whether this build has CUDA. A new backend adds its line here.
void register_builtin_backends(BackendTable& table);

}  // namespace spikegraph
