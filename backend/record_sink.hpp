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
    /// the monitored slice, ascending. By default, through note_spikes and every column (below).
    virtual void record_spikes(std::int64_t step, std::size_t batch, const std::int32_t* index,
                               std::size_t count) {
        note_spikes(step, batch, count);
        for (std::size_t c = 0; c < spike_columns(); ++c)
            record_spike_column(c, step, batch, index, count, 0);
    }

    // Spikes by columns. A sink whose record of spikes is independent columns (times,
    // indices, batch entries) may take them one column at a time, so that a backend can fill
    // the columns on several threads at once: for each step and batch entry with spikes, first
    // note_spikes on one thread, then record_spike_column for every column below
    // spike_columns(), in any order and concurrently. Each column sees the steps in order.
    // Together they do what record_spikes does.

    /// Number of independent columns; 0 (the default): spikes come through record_spikes only.
    virtual std::size_t spike_columns() const { return 0; }

    /// The checks and counts of record_spikes(step, batch, ..., count). Called on one thread,
    /// before the columns of these spikes.
    virtual void note_spikes(std::int64_t step, std::size_t batch, std::size_t count) {
        (void)step, (void)batch, (void)count;
    }

    /// Column `column` of the spikes of note_spikes(step, batch, count), whose indices within
    /// the monitored slice are index[k] - shift.
    virtual void record_spike_column(std::size_t column, std::int64_t step, std::size_t batch,
                                     const std::int32_t* index, std::size_t count,
                                     std::int32_t shift) {
        (void)column, (void)step, (void)batch, (void)index, (void)count, (void)shift;
    }

    /// Values of the monitor's `var_slot`-th variable at the start of step `step` (t = step * dt),
    /// for the monitor's recorded neurons in order, batch entry `batch`.
    virtual void record_state(std::int64_t step, std::size_t batch, std::size_t var_slot,
                              const double* values, std::size_t count) {
        (void)step, (void)batch, (void)var_slot, (void)values, (void)count;
    }
};

}  // namespace spikegraph
