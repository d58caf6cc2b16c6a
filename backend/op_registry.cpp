#include "backend/op_registry.hpp"

#include <fmt/format.h>

#include "backend/backend_entry.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {

void OpRegistry::add_erased(const std::string& kind, const std::string& backend,
                            const std::type_info& type, std::any factory) {
    std::lock_guard lock(mutex_);
    // The first registration fixes a backend's factory type: a user op written against another
    // backend's kernel interface is refused here, not when a simulation binds it.
    const auto [known, fresh] = factory_types_.emplace(backend, std::type_index(type));
    if (!fresh && known->second != std::type_index(type))
        throw BuildError(fmt::format(
            "op kind '{}' cannot be registered on the `{}` backend with a factory of type {}: "
            "that backend's ops are built by factories of type {}",
            kind, backend, type.name(), known->second.name()));
    ops_.insert_or_assign({backend, kind}, Entry{std::type_index(type), std::move(factory)});
}

std::any OpRegistry::find_erased(const std::string& kind, const std::string& backend,
                                 const std::type_info& type) const {
    std::lock_guard lock(mutex_);
    const auto it = ops_.find({backend, kind});
    if (it == ops_.end()) return {};
    if (it->second.type != std::type_index(type))
        throw BuildError(fmt::format(
            "op kind '{}' of the `{}` backend was registered with a factory of type {}, not {}",
            kind, backend, it->second.type.name(), type.name()));
    return it->second.factory;
}

std::vector<std::string> OpRegistry::kinds(const std::string& backend) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto it = ops_.lower_bound({backend, std::string()});
         it != ops_.end() && it->first.first == backend; ++it)
        out.push_back(it->first.second);
    return out;
}

OpRegistry& op_registry() {
    // Leaked on purpose, like every process-wide table here: no destruction-order questions.
    static OpRegistry* registry = [] {
        auto* r = new OpRegistry;
        for (const auto& entry : backend_table().entries())
            if (entry.register_ops) entry.register_ops(*r);
        return r;
    }();
    return *registry;
}

}  // namespace spikegraph
