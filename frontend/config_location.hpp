#pragma once
// The bridge from a TextOrigin (where a value of the user's input came from) to the location data
// of a ConfigError, so that every located config error carries its file, line, column and key.

#include <string>

#include <spikegraph/error.hpp>
#include "frontend/expression_parser.hpp"

namespace spikegraph::detail {

/// The location of a value with origin `origin`, as ConfigError data: its file, line and column
/// (0 when there is no file: values given in C++ have no line) and its key.
ConfigLocation config_location(const TextOrigin& origin);

/// A ConfigError at `origin`: the message is `located(origin, {}, message)`
/// (`net.yaml:12:5: groups.exc.tau_m: message`) and the data config_location(origin).
ConfigError config_error_at(const TextOrigin& origin, const std::string& message);

/// The same at position `loc` inside the text that starts at `origin` (a statement of on_pre):
/// the message is `located(origin, loc, message)` and the data that position.
ConfigError config_error_at(const TextOrigin& origin, expr::SourceLoc loc,
                            const std::string& message);

}  // namespace spikegraph::detail
