#include "backend/op_registry.hpp"

namespace spikegraph {

void OpRegistry::add_cpu(const std::string& kind, CpuOpFactory factory) {
    std::lock_guard lock(mutex_);
    cpu_[kind] = std::move(factory);
}

const CpuOpFactory* OpRegistry::find_cpu(const std::string& kind) const {
    std::lock_guard lock(mutex_);
    auto it = cpu_.find(kind);
    return it == cpu_.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::cpu_kinds() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [k, f] : cpu_) out.push_back(k);
    return out;
}

OpRegistry& op_registry() {
    static OpRegistry* registry = [] {
        auto* r = new OpRegistry;
        register_cpu_ops(*r);
        return r;
    }();
    return *registry;
}

void register_op(const std::string& kind, CpuOpFactory factory) {
    op_registry().add_cpu(kind, std::move(factory));
}

}  // namespace spikegraph
