#include "core/cancel.hpp"

#include <csignal>

#include <spikegraph/error.hpp>

namespace spikegraph {

namespace {

// Both are lock-free, so a signal handler may write them.
std::atomic<bool> g_cancel{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the cancel flag is set from a signal handler");

}  // namespace

void request_cancel(int sig) noexcept {
    int none = 0;
    g_signal.compare_exchange_strong(none, sig, std::memory_order_relaxed);
    g_cancel.store(true, std::memory_order_relaxed);
}

bool cancel_requested() noexcept { return g_cancel.load(std::memory_order_relaxed); }

int cancel_signal() noexcept { return g_signal.load(std::memory_order_relaxed); }

const std::atomic<bool>& cancel_flag() noexcept { return g_cancel; }

void clear_cancel() noexcept {
    g_cancel.store(false, std::memory_order_relaxed);
    g_signal.store(0, std::memory_order_relaxed);
}

std::string signal_name(int sig) {
    switch (sig) {
        case SIGINT: return "SIGINT";
        case SIGTERM: return "SIGTERM";
        case SIGHUP: return "SIGHUP";
        default: return "signal " + std::to_string(sig);
    }
}

void throw_if_cancelled(std::string_view during) {
    if (!cancel_requested()) return;
    const int sig = cancel_signal() != 0 ? cancel_signal() : SIGINT;
    throw Interrupted(sig, "interrupted by " + signal_name(sig) + " " + std::string(during));
}

}  // namespace spikegraph
