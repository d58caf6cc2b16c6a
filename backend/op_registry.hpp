#pragma once
// OpRegistry: (op kind, backend) -> the factory that binds an OpSpec to that backend's kernel.
//
// Each backend has its own factory type (the CPU's is cpu::OpFactory, backend/cpu/op_factory.hpp:
// it binds an op to buffers of a cpu::Workspace); the registry stores them type-erased and checks
// the type on every add and lookup, so one registry serves every backend without knowing any of
// them. The built-ins are registered explicitly, each backend in one function named by its
// BackendEntry (backend/backend_entry.hpp); users add their own ops with register_op. No static
// self-registration (the linker drops it from archives).

#include <any>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

namespace spikegraph {

class OpRegistry {
public:
    /// Registers (or replaces) the implementation of op `kind` on `backend`:
    /// `registry.add<cpu::OpFactory>("neuron_update", "cpu", factory)`. The factory type is
    /// named explicitly (a lambda converts to it).
    /// @throws BuildError when `backend` already has ops registered with another factory type.
    template <class Factory>
    void add(const std::string& kind, const std::string& backend,
             std::type_identity_t<Factory> factory) {
        add_erased(kind, backend, typeid(Factory),
                   std::make_any<std::shared_ptr<const Factory>>(
                       std::make_shared<const Factory>(std::move(factory))));
    }

    /// The factory of `kind` on `backend`, or nullptr when none is registered. The pointer stays
    /// valid when the entry is replaced meanwhile.
    /// @throws BuildError when it was registered with a factory type other than `Factory`.
    template <class Factory>
    std::shared_ptr<const Factory> find(const std::string& kind, const std::string& backend) const {
        const std::any stored = find_erased(kind, backend, typeid(Factory));
        if (!stored.has_value()) return nullptr;
        return std::any_cast<std::shared_ptr<const Factory>>(stored);
    }

    /// Every op kind `backend` implements, sorted.
    std::vector<std::string> kinds(const std::string& backend) const;

private:
    struct Entry {
        std::type_index type;
        std::any factory;  // std::shared_ptr<const Factory>
    };

    void add_erased(const std::string& kind, const std::string& backend,
                    const std::type_info& type, std::any factory);
    std::any find_erased(const std::string& kind, const std::string& backend,
                         const std::type_info& type) const;

    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, Entry> ops_;  // (backend, kind) -> factory
    std::map<std::string, std::type_index> factory_types_;      // backend -> its factory type
};

/// The process-wide registry. On first use every backend of the backend table registers its
/// built-in ops into it.
OpRegistry& op_registry();

/// Adds (or replaces) a user op on one backend:
/// `register_op<cpu::OpFactory>("my_decay", "cpu", factory)`.
/// @throws BuildError when the factory type is not the one `backend` uses.
template <class Factory>
void register_op(const std::string& kind, const std::string& backend,
                 std::type_identity_t<Factory> factory) {
    op_registry().add<Factory>(kind, backend, std::move(factory));
}

}  // namespace spikegraph
