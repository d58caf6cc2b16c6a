#include "backend/backend_registry.hpp"

#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend/op_registry.hpp"
#include <spikegraph/error.hpp>
#include "core/text.hpp"

namespace spikegraph {

namespace {

constexpr const char* k_default_backend = "cpu";

// How deep availability checks of extensions that need other backends may nest: beyond it the
// requirements form a cycle.
constexpr int k_max_requirement_depth = 8;

thread_local int requirement_depth = 0;

BackendStatus status_of(const std::string& name);

// An extension's requirements as the availability check of its table entry.
std::function<std::string()> extension_availability(const BackendRequirements& r) {
    return [backends = r.backends, probe = r.probe, hint = r.hint,
            has_factory = static_cast<bool>(r.factory)]() -> std::string {
        const auto with_hint = [&](std::string why) {
            return hint.empty() ? why : why + "; " + hint;
        };
        for (const auto& needed : backends) {
            const BackendStatus n = status_of(needed);
            if (!n.available)
                return with_hint(fmt::format("it needs the `{}` backend, which is missing ({})",
                                             needed, n.reason));
        }
        if (probe) {
            std::string why;
            try {
                why = probe();
            } catch (const std::exception& e) {
                why = fmt::format("its availability check failed: {}", e.what());
            } catch (...) {
                why = "its availability check failed";
            }
            if (!why.empty()) return with_hint(std::move(why));
        }
        if (!has_factory) return with_hint("it was declared without an executor factory");
        return "";
    };
}

BackendStatus status_of(const BackendEntry& entry) {
    BackendStatus s{entry.name, true, "", entry.built_in, {}};
    if (!entry.availability) return s;
    if (requirement_depth >= k_max_requirement_depth) {
        s.available = false;
        s.reason = "its required backends depend on each other in a cycle";
        return s;
    }
    ++requirement_depth;
    try {
        s.reason = entry.availability();
    } catch (const std::exception& e) {
        s.reason = fmt::format("its availability check failed: {}", e.what());
    } catch (...) {
        s.reason = "its availability check failed";
    }
    --requirement_depth;
    s.available = s.reason.empty();
    return s;
}

BackendStatus status_of(const std::string& name) {
    const auto entry = backend_table().find(name);
    if (!entry) return {name, false, "unknown backend", false, {}};
    return status_of(*entry);
}

std::string unknown_backend_message(const std::string& name) {
    const auto names = backend_names();
    const std::string guess = detail::closest_name(name, names);
    return fmt::format("unknown backend '{}'{}; known backends: {}", name,
                       guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                       fmt::join(names, ", "));
}

bool is_known(const std::string& name) { return backend_table().find(name).has_value(); }

std::string& thread_default() {
    thread_local std::string name = k_default_backend;
    return name;
}

}  // namespace

std::vector<std::string> backend_names() { return backend_table().names(); }

std::vector<BackendStatus> backend_statuses() {
    std::vector<BackendStatus> out;
    for (const auto& entry : backend_table().entries()) {
        BackendStatus s = status_of(entry);
        s.op_kinds = op_registry().kinds(entry.name);
        out.push_back(std::move(s));
    }
    return out;
}

bool backend_available(const std::string& name) noexcept {
    try {
        return status_of(name).available;
    } catch (...) {
        return false;
    }
}

bool check_backend(const std::string& name, BackendRequirements requirements) {
    if (name.empty() || name.find_first_of(" \t\n") != std::string::npos)
        throw ConfigError(fmt::format("check_backend: backend name '{}' must be one word", name));
    const auto existing = backend_table().find(name);
    if (existing && existing->built_in)
        throw ConfigError(fmt::format(
            "check_backend: `{}` is a built-in backend and cannot be re-declared; give the "
            "extension's backend a name of its own",
            name));
    BackendEntry entry{
        .name = name,
        .availability = extension_availability(requirements),
        .make_executor = requirements.factory,
        .register_ops = requirements.register_ops,
        .built_in = false,
    };
    backend_table().add(entry);
    if (entry.register_ops) entry.register_ops(op_registry());
    return backend_available(name);
}

void require_backend(const std::string& name) {
    if (!is_known(name)) throw BackendUnavailable(unknown_backend_message(name));
    const BackendStatus s = status_of(name);
    if (!s.available)
        throw BackendUnavailable(fmt::format("Missing the `{}` backend: {}", name, s.reason));
}

std::unique_ptr<Executor> make_executor(const std::string& name, const Plan& plan,
                                        const ExecutorOptions& options) {
    require_backend(name);
    const auto entry = backend_table().find(name);
    if (!entry || !entry->make_executor)
        throw BackendUnavailable(fmt::format("Missing the `{}` backend: no executor for it", name));
    return entry->make_executor(plan, options);
}

const std::string& default_backend() noexcept { return thread_default(); }

void set_default_backend(const std::string& name) {
    if (!is_known(name)) throw BackendUnavailable(unknown_backend_message(name));
    thread_default() = name;
}

void reset_default_backend() noexcept { thread_default() = k_default_backend; }

std::string resolve_backend(const std::string& explicit_name) {
    return explicit_name.empty() ? default_backend() : explicit_name;
}

BackendScope::BackendScope(const std::string& name) : previous_(default_backend()) {
    set_default_backend(name);
}

BackendScope::~BackendScope() { thread_default() = std::move(previous_); }

}  // namespace spikegraph
