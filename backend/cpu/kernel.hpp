#pragma once
// The CPU side of an op: a kernel bound to its buffers once, run once per step.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spikegraph::cpu {

struct StepContext {
    std::int64_t step = 0;  // k: this step advances t_k = k * dt to t_k + dt
    double t_ms = 0.0;      // t_k [ms]
    double dt_ms = 0.1;     // [ms]
    std::uint64_t seed = 1;
};

/// How the rest of a partitioned kernel's step runs, once its serial start is done.
enum class Split : std::uint8_t {
    none,   // nothing more to do this step
    parts,  // run_part for every part, on their threads
    whole,  // run_whole, on one thread
};

/// A neuron partition (partition.hpp): `parts` parts of a group of `size` neurons, part p
/// owning the neurons from part_first_neuron(size, p, parts).
/// With batch_major, the parts split the (batch entry, neuron) pairs of a batch batch entry
/// first instead (the update of a batched group: partition.hpp), which is another partition.
struct PartitionKey {
    std::size_t size = 0;
    std::size_t parts = 0;  // 0: the kernel does not split its work this way
    bool batch_major = false;
    bool operator==(const PartitionKey&) const = default;
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
    /// Monitor kernels: hands what the kernel gathered for its sink over now (RecordSink).
    /// Called between steps only.
    virtual void flush_records() {}

    // Partitioned kernels. A kernel whose step splits over a neuron partition, part p touching
    // the variables of part_local() at part p's neurons only, says so here; the executor then
    // runs consecutive such kernels in one parallel stage (cpu_executor.cpp): begin_step of
    // each in turn, then every thread runs its part of each kernel in plan order, with one fork
    // and join for the whole stage instead of one per kernel.

    /// The partition; parts == 0 (the default) for a kernel that does not split this way.
    virtual PartitionKey partition() const { return {}; }
    /// Buffers (Buffer::raw()) this kernel reads or writes only at the neurons of the part it
    /// is running.
    virtual std::vector<const void*> part_local() const { return {}; }
    /// The serial start of a step in a stage. It may read only what no kernel before it in
    /// the stage writes, as those kernels' parts have not run yet. `staged`: the parts run in
    /// a stage that is split anyway, so splitting costs this kernel no fork of its own.
    virtual Split begin_step(const StepContext& /*ctx*/, bool /*staged*/) { return Split::none; }
    /// Part p of the step, after begin_step returned Split::parts.
    virtual void run_part(const StepContext& /*ctx*/, std::size_t /*p*/) {}
    /// The whole step on one thread, after begin_step returned Split::whole.
    virtual void run_whole(const StepContext& /*ctx*/) {}
    /// The serial end of a step that did not return Split::none: in a stage, after the parts of
    /// every member ran.
    virtual void end_step(const StepContext& /*ctx*/) {}
    /// Buffers (Buffer::raw()) this kernel writes only in end_step: a stage's other kernels do
    /// not see them change while their parts run.
    virtual std::vector<const void*> late_writes() const { return {}; }
};

}  // namespace spikegraph::cpu
