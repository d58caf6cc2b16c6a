#pragma once
// Cancellation by a signal. The command-line program's handler for SIGINT, SIGTERM and SIGHUP
// calls request_cancel(); the long loops of the build and the wait for the native compiler poll
// cancel_requested() (one relaxed load) and stop by throwing Interrupted. The run loop reads
// the same flag through RunControl::stop and stops at the end of a step instead, with complete
// outputs. Nothing sets the flag unless a program asks for it, so library users are unaffected.

#include <atomic>
#include <string>
#include <string_view>

namespace spikegraph {

/// Marks the process as cancelled by signal `sig`; the first signal is kept. Async-signal-safe.
void request_cancel(int sig) noexcept;

/// Whether request_cancel() was called (and not cleared since).
bool cancel_requested() noexcept;

/// The signal given to the first request_cancel(), 0 when none.
int cancel_signal() noexcept;

/// The flag itself, for RunControl::stop.
const std::atomic<bool>& cancel_flag() noexcept;

/// Forgets a request (tests; a program that handled the stop and goes on).
void clear_cancel() noexcept;

/// "SIGINT", "SIGTERM", "SIGHUP", or "signal N".
std::string signal_name(int sig);

/// @throws Interrupted naming the signal and `during` (e.g. "while building connection 'ee'")
/// when a cancel was requested.
void throw_if_cancelled(std::string_view during);

}  // namespace spikegraph
