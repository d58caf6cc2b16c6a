#pragma once
// Recorders that keep what they receive in memory instead of streaming it to disk: the record of
// the functional form (evolve), and anything else that wants spikes or state rows as arrays.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backend/record_sink.hpp"

namespace spikegraph {

/// The spikes of one population, in the order they happened: step k (spike stamped
/// t_k = k * dt), neuron index within the population, batch entry.
struct SpikeRecord {
    std::vector<std::int64_t> step;
    std::vector<std::int32_t> index;
    std::vector<std::int32_t> batch;

    std::size_t size() const { return step.size(); }
    /// Spike times [ms] for a step of `dt_ms`.
    std::vector<double> t_ms(double dt_ms) const;
};

/// What a state monitor saw: record steps, and per variable the values row-major with shape
/// [records, batch, recorded neurons].
struct StateRecord {
    std::vector<std::int64_t> step;
    std::vector<std::int64_t> indices;  // recorded neurons within the group
    std::map<std::string, std::vector<double>> values;
};

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
