#pragma once
// The CPU backend's entry in the backend table: always available, oneTBB executor, the built-in
// ops of register_cpu_ops().

#include "backend/backend_entry.hpp"

namespace spikegraph::cpu {

BackendEntry backend_entry();

}  // namespace spikegraph::cpu
