#pragma once
// Named loggers ("spikegraph", "spikegraph.builder", ...). The library never installs sinks: a
// logger it creates writes wherever the application pointed spdlog's default logger.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace spikegraph {

std::shared_ptr<spdlog::logger> logger(const std::string& name = "spikegraph");

}  // namespace spikegraph
