#pragma once
// What monitor ops hand their records to. monitors/ implements it; the simulator wires sinks to
// monitor ops by id. A backend hands each sink blocks of consecutive steps (record_chunk.hpp),
// of a size it chooses, in step order, and whatever it still holds when Executor::flush_records
// is called: never one call per neuron, and no more than one per step.

#include <cstddef>

#include "backend/record_chunk.hpp"

namespace spikegraph {

class RecordSink {
public:
    virtual ~RecordSink() = default;

    /// The spikes of a block of steps. By default, through note_spikes and every column (below).
    virtual void record_spikes(const SpikeBlock& block) {
        note_spikes(block);
        for (std::size_t c = 0; c < spike_columns(); ++c) record_spike_column(c, block);
    }

    // Spikes by columns. A sink whose record of spikes is independent columns (times,
    // indices, batch entries) may take them one column at a time, so that a backend can fill
    // the columns on several threads at once: for each block, first note_spikes on one thread,
    // then record_spike_column for every column below spike_columns(), in any order and
    // concurrently. Each column sees the blocks in order. Together they do what record_spikes
    // does.

    /// Number of independent columns; 0 (the default): spikes come through record_spikes only.
    virtual std::size_t spike_columns() const { return 0; }

    /// The checks and counts of record_spikes(block). Called on one thread, before the columns
    /// of the block.
    virtual void note_spikes(const SpikeBlock& block) { (void)block; }

    /// Column `column` of the block of the last note_spikes.
    virtual void record_spike_column(std::size_t column, const SpikeBlock& block) {
        (void)column, (void)block;
    }

    /// Values of the monitor's variables (in its order) at the start of each record step of the
    /// block, for its recorded neurons in order, every batch entry. A block holds one record or
    /// more.
    virtual void record_state(const StateBlock& block) { (void)block; }
};

}  // namespace spikegraph
