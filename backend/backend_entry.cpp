#include "backend/backend_entry.hpp"

#include <utility>

namespace spikegraph {

void BackendTable::add(BackendEntry entry) {
    std::lock_guard lock(mutex_);
    for (auto& e : entries_)
        if (e.name == entry.name) {
            e = std::move(entry);
            return;
        }
    entries_.push_back(std::move(entry));
}

std::vector<BackendEntry> BackendTable::entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
}

std::optional<BackendEntry> BackendTable::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_)
        if (e.name == name) return e;
    return std::nullopt;
}

std::vector<std::string> BackendTable::names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
}

BackendTable& backend_table() {
    // Leaked on purpose, like the op registry: no destruction-order questions.
    static BackendTable* table = [] {
        auto* t = new BackendTable;
        register_builtin_backends(*t);
        return t;
    }();
    return *table;
}

}  // namespace spikegraph
