#pragma once
// The C-source emitter: a lowered program (backend/program/program.hpp) as C++ statements for
// one element. Native CPU compilation (backend/cpu/native_compiler.hpp) compiles what it
// emits; a device backend can compile the same text with NVRTC, spelled for its target through
// EmitOptions. Every statement performs the operation the CPU interpreter performs, in the same
// order and precision, so emitted and interpreted results are bitwise equal.

#include <string>
#include <vector>

#include "backend/program/program.hpp"

namespace spikegraph::codegen {

/// How the emitted text is spelled for a target.
struct EmitOptions {
    std::string real_type = "double";  // type of the per-element values (a C++ type or alias)
    std::string index = "i";           // the element's offset from `first_index`
    std::string first_index = "first_index";  // the index of element 0 of this call
    std::string slots = "s";           // the array of scalar slots (program.slots, as real)
    // The C expression of the array of data pointers of program.arrays (`const double* const*`);
    // empty: a timed array read per element is addressed by its host address, which is right
    // only in this process (fine for host compilation, but the source then differs per run).
    std::string arrays;
    std::vector<std::string> includes = {"algorithm", "cmath", "cstdint", "cstring"};
    // element_function only: its qualifier (`extern "C"` to find it with dlsym; a CUDA kernel
    // would be `extern "C" __global__`) and the loop that visits its elements, binding `index`
    // (a grid-stride loop on a GPU).
    std::string qualifier = "extern \"C\"";
    std::string loop = "for (long long i = 0; i < count; ++i)";
};

/// The per-element statements of `program`. Varying symbol k is read as the C++ expression
/// `varying[k]`, slot k as `<slots>[k]`; rand()/randn() draw through the functions of
/// draw_prelude() with the variables `seed` (uint64), `step` (int64) and `random_base` (uint64)
/// in scope. Output k is left in a local `o<k>`. With `truth`, it also receives per output a
/// `bool` expression equal to `o<k> != 0`, written without the round trip through a real where
/// the output is a comparison (or an and/or of comparisons): `(t3 > s[15])` instead of
/// `(o3 != 0)`, which the compiler does not see through.
std::string element_statements(const program::Program& program,
                               const std::vector<std::string>& varying, const EmitOptions& options,
                               std::vector<std::string>* truth = nullptr);

/// What emitted statements need before them: `options.includes` and the Philox draws of
/// core/philox.hpp (its very text, so that emitted code draws the host's numbers), with
/// `sg_rand` and `sg_randn` for the model stream (rng_stream::model), and the timed-array
/// lookup `sg_timed_array` (core/timed_array.hpp).
std::string draw_prelude(const EmitOptions& options);

/// A complete translation unit (prelude included) defining
///   <qualifier> void <name>(const R* const* in, R* const* out, const R* s, long long first_index,
///                           long long count, unsigned long long seed, long long step,
///                           unsigned long long random_base)
/// that evaluates elements first_index + j for j in [0, count) (`options.loop` binds j to
/// `options.index`): varying symbol k read from in[k][j], output k written to out[k][j],
/// R = options.real_type. The simplest use of the emitter, and the reference it is tested by.
std::string element_function(const program::Program& program, const std::string& name,
                             const EmitOptions& options);

}  // namespace spikegraph::codegen
