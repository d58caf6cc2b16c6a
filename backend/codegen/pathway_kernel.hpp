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
    bool source_is_post = false;         // on_post: the source row is the post neuron
};

/// A translation unit defining
///   extern "C" void sg_pathway(const std::int64_t* runs, std::int64_t n_runs,
///       const std::int32_t* order, const std::int32_t* order_pre, R* const* base, const R* s,
///       const std::int32_t* pre_index, const std::int32_t* post_index, std::uint64_t seed,
///       std::int64_t step, std::uint64_t random_base)
/// visiting, run after run, the positions k in [runs[3r], runs[3r + 1]) of source row
/// runs[3r + 2]: synapse syn = order ? order[k] : k; its source-side neuron is the row, its
/// other-side neuron order_pre[k] (on_post, when given) or pre_index[syn] / post_index[syn].
/// Random draws use counter random_base + syn. The loop prefetches the cache lines of the
/// synapse a fixed distance ahead, across runs, so that the first synapses of a run do not wait.
std::string pathway_kernel_source(const program::Program& program, const PathwayKernelSpec& spec);

template <class R>
using PathwayKernelFn = void (*)(const std::int64_t* runs, std::int64_t n_runs,
                                 const std::int32_t* order, const std::int32_t* order_pre,
                                 R* const* base, const R* s, const std::int32_t* pre_index,
                                 const std::int32_t* post_index, std::uint64_t seed,
                                 std::int64_t step, std::uint64_t random_base);

}  // namespace spikegraph::codegen
