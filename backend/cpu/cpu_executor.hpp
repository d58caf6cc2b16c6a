#pragma once
// The CPU backend's executor: buffers for every plan variable, one bound kernel per op, run in
// the plan's order inside a oneTBB arena of the requested size.

#include <memory>

#include "backend/executor.hpp"

namespace spikegraph::cpu {

/// @throws BuildError when an op kind has no CPU kernel or an op does not fit its variables.
std::unique_ptr<Executor> make_cpu_executor(const Plan& plan, const ExecutorOptions& options);

}  // namespace spikegraph::cpu
