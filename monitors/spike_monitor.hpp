#pragma once
// Records the spikes of a neuron slice to NAME.t.npy (time, ms), NAME.i.npy (index in the group)
// and, for batched runs, NAME.b.npy (batch entry). Spikes are gathered in fixed-size
// chunks and streamed to disk, so memory stays constant however long the run.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backend/record_sink.hpp"
#include "monitors/manifest.hpp"
#include "monitors/npy_writer.hpp"

namespace spikegraph {

class SpikeMonitor final : public RecordSink {
public:
    /// `index_offset` is the first neuron of the monitored slice within its group: it is added
    /// to the slice-relative indices of the spike blocks, so the files hold indices in the group.
    /// The files appear in `out_dir` (created if needed) on finish(); destroying the monitor
    /// without finish() leaves none.
    /// @throws ConfigError on an unusable name, batch or chunk size; IoError when the output
    /// files cannot be created.
    SpikeMonitor(std::string name, std::filesystem::path out_dir, double dt_ms, std::size_t batch,
                 std::size_t index_offset, std::size_t chunk_records = std::size_t{1} << 16);

    // record_spikes (RecordSink's): @throws SimulationError for a block of another batch size
    // or after finish(); IoError when writing fails.

    /// Columns t, i and, when batch > 1, b: each buffers and writes its own file, so the
    /// columns may be filled on different threads (RecordSink).
    std::size_t spike_columns() const override { return b_file_ ? 3 : 2; }
    /// @throws SimulationError for a block of another batch size or after finish().
    void note_spikes(const SpikeBlock& block) override;
    /// @throws IoError when writing fails.
    void record_spike_column(std::size_t column, const SpikeBlock& block) override;

    /// Writes what is buffered and makes the files appear. A second call does nothing.
    /// @throws IoError
    void finish();

    /// Where the monitored neurons lie, for the manifest.
    void set_place(MonitorPlace place) { place_ = std::move(place); }

    const std::string& name() const { return name_; }
    std::uint64_t total_spikes() const { return total_; }
    /// Spikes recorded for batch entry `batch` (0 when out of range).
    std::uint64_t count(std::size_t batch) const;
    bool finished() const { return finished_; }

    /// One description per file (t, i and, when batch > 1, b), for manifest.json.
    nlohmann::json manifest_entries() const;

private:
    // Appends `count` values made by `value(k)`, k = 0 .. count - 1, to the buffer of `column`,
    // writing it out whenever it holds chunk_records_.
    template <class Buffer, class Value>
    void append(std::size_t column, Buffer& buffer, std::size_t count, Value&& value);
    void flush_column(std::size_t column);

    std::string name_;
    MonitorPlace place_;
    std::filesystem::path out_dir_;
    double dt_ms_;
    std::size_t batch_;
    std::size_t index_offset_;
    std::size_t chunk_records_;

    // Spikes not yet handed to the writers, per column; never longer than chunk_records_.
    std::vector<double> t_ms_;
    std::vector<std::int64_t> index_;
    std::vector<std::int64_t> batch_entry_;

    std::optional<NpyStreamWriter> t_file_;
    std::optional<NpyStreamWriter> i_file_;
    std::optional<NpyStreamWriter> b_file_;  // only when batch_ > 1

    std::vector<std::uint64_t> count_per_batch_;
    std::uint64_t total_ = 0;
    bool finished_ = false;
};

}  // namespace spikegraph
