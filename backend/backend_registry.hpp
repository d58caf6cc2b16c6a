#pragma once
// Every backend known by name, whether or not this build or machine can run it.

#include <memory>
#include <string>
#include <vector>

#include "backend/executor.hpp"

namespace spikegraph {

struct BackendStatus {
    std::string name;
    bool available = false;
    std::string reason;  // why not, when not available
};

/// Names of every backend spikegraph knows ("cpu", "cuda").
std::vector<std::string> backend_names();

/// Whether `name` can run here. Never throws (an unknown name is simply not available).
bool backend_available(const std::string& name);

/// Availability of every known backend, with the reason where one is missing.
std::vector<BackendStatus> backend_statuses();

/// @throws BackendUnavailable with one message saying which backend is missing and how to get it.
void require_backend(const std::string& name);

/// Instantiates `plan` on backend `name`. @throws BackendUnavailable, BuildError
std::unique_ptr<Executor> make_executor(const std::string& name, const Plan& plan,
                                        const ExecutorOptions& options);

}  // namespace spikegraph
