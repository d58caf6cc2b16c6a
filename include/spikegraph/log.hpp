#pragma once
// How much the library logs. spikegraph logs through spdlog loggers named "spikegraph" and
// "spikegraph.<part>" ("spikegraph.cpu", ...); they write to stderr, never to stdout, and show
// warnings and errors only unless told otherwise.

namespace spikegraph {

/// Severity levels, lowest first; `off` silences the library.
enum class LogLevel { trace, debug, info, warn, error, critical, off };

/// Sets the level of every spikegraph logger, those created later included. The default is
/// `LogLevel::warn`. An application that wants the messages elsewhere replaces the sinks of
/// `spdlog::get("spikegraph")` (every spikegraph logger shares them).
void set_log_level(LogLevel level);

/// The level set_log_level last set (`LogLevel::warn` until then).
LogLevel log_level();

}  // namespace spikegraph
