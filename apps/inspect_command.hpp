// `spikegraph inspect DIR`: statistics of a run's monitors (a table, or JSON with --json) and,
// with --plot, figures drawn by the Python package spikegraph_io (docs/inspection.md).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apps/inspect_args.hpp"

namespace spikegraph::app {

/// Runs the command; returns the exit code. @throws spikegraph::Error (ConfigError for a bad
/// option, IoError or ConfigError naming the file for a bad directory or file).
int inspect_command(const InspectArgs& args);

/// Draws a figure through `python3 -m spikegraph_io.plot`; returns its exit code.
/// @throws IoError when no Python interpreter or no spikegraph_io package is found.
int inspect_plot(const InspectArgs& args);

namespace inspect_detail {

/// "100ms", "100 ms", "1.5s", "250us" -> ms. @throws ConfigError naming `option`.
double parse_time_ms(const std::string& text, const char* option);

/// "0:100" (a range, stop excluded), "3,5,9" or "7" -> sorted unique indices.
/// @throws ConfigError naming `option`.
std::vector<std::int64_t> parse_indices(const std::string& text, const char* option);

}  // namespace inspect_detail

}  // namespace spikegraph::app
