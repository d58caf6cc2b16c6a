#pragma once
// Recorders that keep what they receive in memory instead of streaming it to disk: the record of
// the functional form (evolve), and anything else that wants spikes or state rows as arrays.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backend/record_sink.hpp"
#include <spikegraph/records.hpp>

namespace spikegraph {

/// Keeps the spikes it receives in a SpikeRecord, and the count per batch entry.
class SpikeRecorder final : public RecordSink {
public:
    explicit SpikeRecorder(std::size_t batch) : counts_(batch, 0) {}

    /// Columns step, index and batch entry, filled independently (RecordSink).
    std::size_t spike_columns() const override { return 3; }
    /// @throws SimulationError for a block of another batch size.
    void note_spikes(const SpikeBlock& block) override;
    void record_spike_column(std::size_t column, const SpikeBlock& block) override;

    /// Forgets everything recorded.
    void clear();
    SpikeRecord& record() { return record_; }
    const std::vector<std::int64_t>& counts() const { return counts_; }

private:
    SpikeRecord record_;
    std::vector<std::int64_t> counts_;
};

/// Keeps the rows it receives in a StateRecord.
class StateRecorder final : public RecordSink {
public:
    /// `variables` in the order of the blocks' variables; `indices` are the recorded neurons
    /// within the group.
    StateRecorder(std::vector<std::string> variables, std::vector<std::int64_t> indices,
                  std::size_t batch);

    /// @throws SimulationError for a block that does not match the recorder.
    void record_state(const StateBlock& block) override;

    /// Forgets everything recorded.
    void clear();
    StateRecord& record() { return record_; }

private:
    std::vector<std::string> variables_;
    std::vector<std::int64_t> indices_;
    std::size_t batch_;
    StateRecord record_;
};

}  // namespace spikegraph
