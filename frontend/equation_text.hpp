#pragma once
// Internal to the equation parser: equation text is cut into definitions here
// (frontend/equation_text.cpp), each parsed by frontend/equations.cpp.

#include <string_view>

#include "frontend/equations.hpp"

namespace spikegraph::detail {

/// Parses one definition (`dv/dt = ... : volt (flags)`, `x = ... : 1`, `tau : second`), which
/// may span several lines of the model text, the first of them line `line_no`, into `eq`.
/// @throws ModelError located in the text.
void parse_definition(std::string_view text, int line_no, const TextOrigin& origin,
                      Equations& eq);

}  // namespace spikegraph::detail
