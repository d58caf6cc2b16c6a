#pragma once
// BlockProgram: the CPU interpreter of a lowered program (backend/program/program.hpp). Every
// per-element instruction is a short, vectorisable loop over a block of elements that stays in
// L1, so a group's whole update is one fused pass with no per-neuron dispatch.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/program/program.hpp"
#include "core/expr.hpp"

namespace spikegraph::cpu {

template <class T>
class BlockProgram {
public:
    static constexpr std::size_t k_block = 256;

    /// Lowers `outputs` over `symbols` (program::lower). `i` (element index, as T) is always
    /// available; rand()/randn() draw from Philox keyed by (seed, rng_stream::model,
    /// program::draw_object(object, call site), element index, step).
    /// @throws BuildError for a symbol that is not in `symbols`.
    BlockProgram(const std::vector<expr::Ptr>& outputs, const std::vector<program::Symbol>& symbols,
                 std::uint32_t object);
    explicit BlockProgram(program::Program program);

    /// Evaluates the uniform part once per step. `uniforms[k]` points at the value of the k-th
    /// uniform symbol (in the order of `symbols`, counting uniform ones only).
    void prepare_step(const double* const* uniforms, std::uint64_t seed, std::int64_t step);

    /// Evaluates a block of `count` (<= k_block) elements. `varying[k]` points at the first
    /// element of the block for the k-th varying symbol (dense), `first_index` is the element
    /// index of the block's first element (for `i` and the random counters), `random_base` is
    /// added to it for the random counters (e.g. batch * n). Scratch must be from make_scratch().
    void run_block(const T* const* varying, std::size_t count, std::int64_t first_index,
                   std::uint64_t random_base, T* scratch) const;

    /// Pointer to output k of the last run_block (valid until the next call with that scratch).
    const T* output(std::size_t k, const T* const* varying, const T* scratch) const;

    /// A scratch area large enough for one block (one per thread).
    std::vector<T> make_scratch() const;

    /// The lowered program (for the code generator: backend/codegen/).
    const program::Program& program() const { return program_; }
    /// The scalar slots as of the last prepare_step, as T (the `s` of the emitted code).
    const T* slots() const { return slots_t_.data(); }
    std::size_t slot_count() const { return slots_t_.size(); }

    std::size_t instruction_count() const { return program_.vector_code.size(); }
    std::string listing() const { return program::listing(program_); }

private:
    program::Program program_;
    std::vector<double> slots_;  // constants, uniforms and prologue results, this step
    std::vector<T> slots_t_;     // the same, as T, for the per-element code
    std::uint64_t seed_ = 0;
    std::int64_t step_ = 0;
};

extern template class BlockProgram<float>;
extern template class BlockProgram<double>;

}  // namespace spikegraph::cpu
