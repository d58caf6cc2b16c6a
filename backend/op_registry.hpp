#pragma once
// OpRegistry: (op kind, backend) -> the function that binds an OpSpec to that backend's kernel.
// Each backend registers its built-ins explicitly in one function (register_cpu_ops); users add
// their own with register_op. No static self-registration (the linker drops it from archives).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "backend/cpu/kernel.hpp"
#include "backend/cpu/workspace.hpp"
#include "builder/plan.hpp"

namespace spikegraph {

using CpuOpFactory =
    std::function<std::unique_ptr<cpu::Kernel>(const OpSpec& op, cpu::Workspace& ws)>;

class OpRegistry {
public:
    /// Registers (or replaces) the CPU implementation of `kind`.
    void add_cpu(const std::string& kind, CpuOpFactory factory);
    /// The CPU factory of `kind`, or nullptr.
    const CpuOpFactory* find_cpu(const std::string& kind) const;
    /// Every op kind the CPU backend knows, sorted.
    std::vector<std::string> cpu_kinds() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, CpuOpFactory> cpu_;
};

/// The process-wide registry, with every built-in op registered on first use.
OpRegistry& op_registry();

/// Adds a user op for the CPU backend: `register_op("my_decay", cpu_factory)`.
void register_op(const std::string& kind, CpuOpFactory factory);

/// Registers the built-in CPU ops (neuron update, delivery, inputs, monitors, tensor ops).
void register_cpu_ops(OpRegistry& registry);

}  // namespace spikegraph
