#pragma once
// The C source of a synapse pathway (on_pre / on_post) for native compilation: one loop over a
// run of positions of the source's synapses, each synapse's statements evaluated in full, then
// stored, before the next synapse (Brian's serial semantics). The arithmetic is the program's
// (backend/program/program.hpp), emitted by c_emitter, so the interpreter gives the same bits.

#include <cstdint>
#include <string>
#include <vector>

#include "backend/program/program.hpp"

namespace spikegraph::codegen {

/// How each varying symbol of the program is indexed.
enum class SynapseAccess : std::uint8_t {
    synapse,      // base[k][syn]
    pre,          // base[k][pre_index[syn]]
    post,         // base[k][post_index[syn]]
    pre_number,   // (R)(pre_index[syn] + offset[k])
    post_number,  // (R)(post_index[syn] + offset[k])
};

struct PathwayKernelSpec {
    std::string connection, pathway;
    std::string real_type = "double";
    std::vector<SynapseAccess> access;   // per varying symbol of the program, in order
    std::vector<std::int64_t> offsets;   // per varying symbol: the slice start of the numbers
    std::vector<int> stores;             // per output: the varying symbol it is stored into
};

/// A translation unit defining
///   extern "C" void sg_pathway(const std::int32_t* order, const std::int32_t* order_pre,
///       std::int64_t k0, std::int64_t k1, R* const* base, const R* s,
///       const std::int32_t* pre_index, const std::int32_t* post_index, std::uint64_t seed,
///       std::int64_t step, std::uint64_t random_base)
/// visiting positions k in [k0, k1): synapse syn = order ? order[k] : k, its pre index
/// order_pre ? order_pre[k] : pre_index[syn]; random draws use counter random_base + syn.
std::string pathway_kernel_source(const program::Program& program, const PathwayKernelSpec& spec);

template <class R>
using PathwayKernelFn = void (*)(const std::int32_t* order, const std::int32_t* order_pre,
                                 std::int64_t k0, std::int64_t k1,
                                 R* const* base, const R* s, const std::int32_t* pre_index,
                                 const std::int32_t* post_index, std::uint64_t seed,
                                 std::int64_t step, std::uint64_t random_base);

}  // namespace spikegraph::codegen
