#pragma once
// BlockProgram: the CPU lowering of expression trees. A group's update (all ODE terms, the
// threshold, the refractory flag) becomes one register program run over blocks of neurons, so
// the whole update is one fused pass: every instruction is a short, vectorisable loop over a
// block that stays in L1, and no per-neuron dispatch happens.
//
// Sub-trees that are the same for every neuron (constants, shared parameters, t, dt) are hoisted
// into a scalar prologue run once per step; identical sub-trees are computed once (CSE).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/expr.hpp"

namespace spikegraph::cpu {

/// How a symbol reaches the program.
struct ProgramSymbol {
    enum class Kind : std::uint8_t {
        varying,  // one value per element: the caller passes a pointer per block
        uniform,  // one value for all elements: the caller passes a pointer read once per step
    };
    std::string name;
    Kind kind = Kind::varying;
};

template <class T>
class BlockProgram {
public:
    static constexpr std::size_t k_block = 256;

    /// Compiles `outputs` over `symbols`. `i` (element index, as T) is always available;
    /// rand()/randn() draw from Philox keyed by (seed, rng_stream::model, object ^ call site,
    /// element index, step). @throws BuildError for a symbol that is not in `symbols`.
    BlockProgram(const std::vector<expr::Ptr>& outputs, const std::vector<ProgramSymbol>& symbols,
                 std::uint32_t object);
    ~BlockProgram();
    BlockProgram(BlockProgram&&) noexcept;
    BlockProgram& operator=(BlockProgram&&) noexcept;

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

    /// The per-element form of the program, as C++ statements for native compilation
    /// (backend/cpu/native_update.cpp). The statements read element `i`: varying symbol k as the
    /// C++ expression `varying[k]`, scalar slot k as `s[k]`, rand()/randn() through
    /// `sg_draw(seed, object, random_base + i, step, normal)`; they leave output k in a local
    /// `o<k>`. Every operation is the one run_block performs, in the same order and precision,
    /// so native and interpreted results are bitwise equal.
    /// With `truth`, it also receives per output a C++ `bool` expression equal to `o<k> != 0`,
    /// written without the round trip through a real where the output is a comparison (or an
    /// and/or of comparisons): `(t3 > s[15])` instead of `(o3 != 0)`, which the compiler does
    /// not see through and which costs a fifth of a LIF update.
    std::string element_source(const std::vector<std::string>& varying,
                               const std::string& real_type,
                               std::vector<std::string>* truth = nullptr) const;
    /// The scalar slots as of the last prepare_step (the `s` of element_source).
    const T* slots() const;
    std::size_t slot_count() const;

    std::size_t instruction_count() const;
    std::string listing() const;  // for --print-schedule and debugging

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

extern template class BlockProgram<float>;
extern template class BlockProgram<double>;

}  // namespace spikegraph::cpu
