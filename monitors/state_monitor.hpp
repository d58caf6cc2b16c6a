#pragma once
// Records state variables of chosen neurons to NAME.t.npy (record times, ms), NAME.index.npy
// (the recorded neurons) and one NAME.VAR.npy per variable: shape (records, n), or
// (batch, records, n) for batched runs. A monitor of synapses (set_synapses) has one column per
// synapse and writes NAME.pre.npy and NAME.post.npy too. Rows are gathered in bounded chunks and streamed to disk;
// with batch > 1 each batch entry goes to its own part file, and finish() concatenates them,
// because the batch axis comes first in the file but last in time.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backend/record_sink.hpp"
#include "monitors/manifest.hpp"
#include "monitors/npy_writer.hpp"

namespace spikegraph {

class PartFile;

class StateMonitor final : public RecordSink {
public:
    /// `variables[k]` has unit `units[k]` and arrives as a block's variable k; `indices` are the
    /// recorded neurons within the group, in the order record_state() delivers them. Rows are buffered up
    /// to about `chunk_bytes` in all (at least one row per variable and batch entry). The files
    /// appear in `out_dir` (created if needed) on finish(); destroying the monitor without
    /// finish() leaves none.
    /// @throws ConfigError on unusable names, sizes or mismatched lists; IoError when the output
    /// files cannot be created.
    StateMonitor(std::string name, std::filesystem::path out_dir, double dt_ms, std::size_t batch,
                 std::vector<std::string> variables, std::vector<std::string> units,
                 std::vector<std::int64_t> indices, std::size_t chunk_bytes = std::size_t{1} << 20);
    ~StateMonitor() override;

    StateMonitor(const StateMonitor&) = delete;
    StateMonitor& operator=(const StateMonitor&) = delete;

    /// @throws SimulationError for a block whose variables, batch size or width do not match
    /// the monitor, or after finish(); IoError when writing fails.
    void record_state(const StateBlock& block) override;

    /// Writes what is buffered and makes all files appear. A second call does nothing.
    /// @throws IoError when writing fails.
    void finish();

    /// Where the monitored neurons (or synapses) lie, for the manifest.
    void set_place(MonitorPlace place) { place_ = std::move(place); }

    /// Makes this the monitor of a connection's synapses (set_place names the connection): its
    /// columns are synapses, NAME.index.npy holds their synapse indices (CSR order), and
    /// NAME.pre.npy and NAME.post.npy hold each column's pre and post neuron as indices in the
    /// groups `pre_group` and `post_group`.
    /// @throws ConfigError when `pre` or `post` does not have one entry per column, or a
    /// variable is named `pre` or `post`.
    void set_synapses(std::string pre_group, std::string post_group,
                      std::vector<std::int64_t> pre, std::vector<std::int64_t> post);

    const std::string& name() const { return name_; }
    /// Record steps seen so far.
    std::uint64_t records() const { return records_; }
    bool finished() const { return finished_; }

    /// One description per file (t, index, each variable), for manifest.json.
    nlohmann::json manifest_entries() const;

private:
    // One stream per (variable, batch entry): rows buffered but not yet written.
    struct Stream {
        std::vector<double> buffer;
        std::size_t pending = 0;
    };

    Stream& stream(std::size_t var_slot, std::size_t batch) {
        return streams_[var_slot * batch_ + batch];
    }
    void flush_stream(std::size_t var_slot, std::size_t batch);
    void flush_times();
    void finish_batched_variable(std::size_t var_slot);
    std::filesystem::path file_path(const std::string& variable) const;

    std::string name_;
    MonitorPlace place_;
    std::filesystem::path out_dir_;
    double dt_ms_;
    std::size_t batch_;
    std::vector<std::string> variables_;
    std::vector<std::string> units_;
    std::vector<std::int64_t> indices_;
    std::size_t rows_per_chunk_ = 1;
    // A monitor of synapses (set_synapses): each column's pre and post neuron.
    bool synapses_ = false;
    std::string pre_group_, post_group_;
    std::vector<std::int64_t> pre_, post_;

    std::vector<double> times_ms_;  // record times not yet written
    std::optional<NpyStreamWriter> t_file_;
    std::vector<Stream> streams_;
    std::vector<NpyStreamWriter> var_files_;                     // batch_ == 1
    std::vector<std::unique_ptr<PartFile>> parts_;  // batch_ > 1, per stream

    std::uint64_t records_ = 0;
    bool finished_ = false;
};

}  // namespace spikegraph
