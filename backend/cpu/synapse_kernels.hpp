#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

/// The spikes of this step within the slice [begin, end) of a population of `size`: a
/// contiguous part [first, last) of its sorted spike list `list` of `count` entries.
struct SpikeRange {
    const std::int32_t* first;
    const std::int32_t* last;
};
inline SpikeRange spikes_in_slice(const std::int32_t* list, std::int64_t count, std::size_t begin,
                                  std::size_t end, std::size_t size) {
    SpikeRange r{list, list + count};
    if (begin > 0 || end < size) {
        r.first = std::lower_bound(r.first, r.last, static_cast<std::int32_t>(begin));
        r.last = std::lower_bound(r.first, r.last, static_cast<std::int32_t>(end));
    }
    return r;
}

/// Registers `synapse_deliver` (sparse CSR, dense, one-to-one; with or without delays).
void register_synapse_ops(OpRegistry& registry);
/// `synapse_pathway` and `synapse_each`: the ops of synapse models (synapse_model_kernels.cpp).
void register_synapse_model_ops(OpRegistry& registry);

}  // namespace spikegraph::cpu
