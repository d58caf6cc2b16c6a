#include "builder/plan.hpp"

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

namespace detail {

void throw_payload_mismatch(const OpSpec& op, std::size_t expected_index) {
    throw BuildError(fmt::format(
        "op '{}' of kind '{}' carries a {} payload where the kernel of its kind needs a {}",
        op.name, op.kind, payload_type_name(op.payload.index()),
        payload_type_name(expected_index)));
}

}  // namespace detail

}  // namespace spikegraph
