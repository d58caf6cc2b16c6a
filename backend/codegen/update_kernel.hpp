#pragma once
// The source of a group's fused neuron update for native compilation: the lowered program's
// statements for one neuron (c_emitter.hpp), the refractory mask, the write-back of the state
// and the threshold test with its spike list, in one loop per 256 neurons. The CPU backend
// (backend/cpu/neuron_kernels.cpp) compiles it; its results equal the interpreter's bit for bit.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/program/program.hpp"

namespace spikegraph::codegen {

/// What the generated update needs to know about the group besides its program.
struct UpdateKernelSpec {
    enum class Refractory : std::uint8_t {
        none,       // no refractory period
        mirror,     // refractory while since_base < until[i] (an int32 mirror of lastspike)
        lastspike,  // refractory while step - last[i] < refractory_steps
    };
    std::string group;                // for the comment at the top
    std::string real_type = "double"; // float or double
    std::size_t state_count = 0;      // program outputs 0 .. state_count - 1 are the new state
    bool threshold = false;           // output state_count is the threshold condition
    // Per varying symbol: the state variable it reads (through the state's own pointer), or -1
    // for an input read through in[k]. With a refractory period the program has one more
    // varying symbol, not_refractory, which the kernel computes itself.
    std::vector<int> varying_state;
    Refractory refractory = Refractory::none;
    std::int64_t refractory_steps = 0;
};

/// The C function sg_update that the generated source defines, for real type R: it updates
/// neurons [begin, end), writes the indices of those that fire to `spikes` and returns their
/// number; `s` holds the program's slots, `arrays` the data of program.arrays (timed arrays);
/// `until` and `since_base` serve Refractory::mirror.
template <class R>
using UpdateKernelFn = std::int64_t (*)(const R* const* in, R* const* state, const R* s,
                                        const double* const* arrays, std::int64_t* last, std::int32_t* until,
                                        std::int32_t since_base, std::int32_t* spikes,
                                        std::int64_t begin, std::int64_t end, std::int64_t step,
                                        std::uint64_t seed, std::uint64_t random_base);

/// The translation unit defining `extern "C" sg_update` (see UpdateKernelFn).
std::string update_kernel_source(const program::Program& program, const UpdateKernelSpec& spec);

}  // namespace spikegraph::codegen
