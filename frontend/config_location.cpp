#include "frontend/config_location.hpp"

#include <tuple>

namespace spikegraph::detail {

ConfigLocation config_location(const TextOrigin& origin) {
    // TextOrigin defaults to line 1, column 1; without a file those numbers describe nothing.
    const bool in_file = !origin.file.empty();
    return ConfigLocation{origin.file, in_file ? origin.line : 0, in_file ? origin.column : 0,
                          origin.key};
}

ConfigError config_error_at(const TextOrigin& origin, const std::string& message) {
    return ConfigError(located(origin, {}, message), config_location(origin));
}

ConfigError config_error_at(const TextOrigin& origin, expr::SourceLoc loc,
                            const std::string& message) {
    TextOrigin at = origin;
    std::tie(at.line, at.column) = absolute_position(origin, loc);
    return ConfigError(located(origin, loc, message), config_location(at));
}

}  // namespace spikegraph::detail
