#pragma once
// Named loggers ("spikegraph", "spikegraph.builder", ...) for library code. The logger
// "spikegraph" writes to stderr at `warn` unless the application registered its own logger of
// that name first; the others share its sinks. Library code never touches spdlog's default
// logger, whose sink is stdout.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include <spikegraph/log.hpp>

namespace spikegraph {

/// The logger `name` ("spikegraph" or "spikegraph.<part>"), created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& name = "spikegraph");

}  // namespace spikegraph
