#include "core/log.hpp"

#include <mutex>

namespace spikegraph {

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    if (auto existing = spdlog::get(name)) return existing;
    auto base = spdlog::default_logger();
    auto created = std::make_shared<spdlog::logger>(name, base->sinks().begin(), base->sinks().end());
    created->set_level(base->level());
    spdlog::register_logger(created);
    return created;
}

}  // namespace spikegraph
