#include "core/log.hpp"

#include <atomic>
#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>  // stderr_sink_mt

namespace spikegraph {

namespace {

constexpr const char* k_root = "spikegraph";

std::atomic<LogLevel> g_level{LogLevel::warn};

spdlog::level::level_enum to_spdlog(LogLevel level) {
    switch (level) {
        case LogLevel::trace: return spdlog::level::trace;
        case LogLevel::debug: return spdlog::level::debug;
        case LogLevel::info: return spdlog::level::info;
        case LogLevel::warn: return spdlog::level::warn;
        case LogLevel::error: return spdlog::level::err;
        case LogLevel::critical: return spdlog::level::critical;
        case LogLevel::off: return spdlog::level::off;
    }
    return spdlog::level::warn;
}

bool is_ours(const std::string& name) {
    return name == k_root || name.rfind(std::string(k_root) + ".", 0) == 0;
}

std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
}

// Called with registry_mutex held.
std::shared_ptr<spdlog::logger> root_logger() {
    if (auto existing = spdlog::get(k_root)) return existing;
    auto created = std::make_shared<spdlog::logger>(
        k_root, std::make_shared<spdlog::sinks::stderr_sink_mt>());
    created->set_level(to_spdlog(g_level.load()));
    spdlog::register_logger(created);
    return created;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    std::lock_guard lock(registry_mutex());
    if (auto existing = spdlog::get(name)) return existing;
    auto root = root_logger();
    if (name == k_root) return root;
    auto created = std::make_shared<spdlog::logger>(name, root->sinks().begin(), root->sinks().end());
    created->set_level(to_spdlog(g_level.load()));
    spdlog::register_logger(created);
    return created;
}

void set_log_level(LogLevel level) {
    std::lock_guard lock(registry_mutex());
    g_level = level;
    root_logger();
    spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) {
        if (is_ours(l->name())) l->set_level(to_spdlog(level));
    });
}

LogLevel log_level() { return g_level.load(); }

}  // namespace spikegraph
