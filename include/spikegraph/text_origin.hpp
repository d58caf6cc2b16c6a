#pragma once
// Where a piece of user text came from, so that errors can point at it.

#include <string>

namespace spikegraph {

/// Where a piece of text came from: a file, the line and column where the text starts, and the
/// config key (`models.cuba.equations`). Used to point error messages at the user's input.
struct TextOrigin {
    std::string file;
    int line = 1;
    int column = 1;
    std::string key;
};

}  // namespace spikegraph
