#pragma once
// What monitor ops hand their records to. monitors/ implements it; the simulator wires sinks to
// monitor ops by id; a backend calls it once per step per monitor (never per neuron).

#include <cstddef>
#include <cstdint>

namespace spikegraph {

class RecordSink {
public:
    virtual ~RecordSink() = default;

    /// Spikes of batch entry `batch` in step `step` (stamped t = step * dt): indices relative to
    /// the monitored slice, ascending.
    virtual void record_spikes(std::int64_t step, std::size_t batch, const std::int32_t* index,
                               std::size_t count) {
        (void)step, (void)batch, (void)index, (void)count;
    }

    /// Values of the monitor's `var_slot`-th variable at the start of step `step` (t = step * dt),
    /// for the monitor's recorded neurons in order, batch entry `batch`.
    virtual void record_state(std::int64_t step, std::size_t batch, std::size_t var_slot,
                              const double* values, std::size_t count) {
        (void)step, (void)batch, (void)var_slot, (void)values, (void)count;
    }
};

}  // namespace spikegraph
