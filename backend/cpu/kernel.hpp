#pragma once
// The CPU side of an op: a kernel bound to its buffers once, run once per step.

#include <cstdint>

namespace spikegraph::cpu {

struct StepContext {
    std::int64_t step = 0;  // k: this step advances t_k = k * dt to t_k + dt
    double t_ms = 0.0;      // t_k [ms]
    double dt_ms = 0.1;     // [ms]
    std::uint64_t seed = 1;
};

class Kernel {
public:
    virtual ~Kernel() = default;
    /// Runs the op for step `ctx.step`. Must not allocate.
    virtual void run(const StepContext& ctx) = 0;
    /// Synaptic events this kernel delivered so far (delivery kernels only).
    virtual std::uint64_t synaptic_events() const { return 0; }
    /// Called after variables were overwritten from outside the loop (initial values, write,
    /// restore). A kernel that keeps something derived from its buffers recomputes it.
    virtual void variables_written() {}
};

}  // namespace spikegraph::cpu
