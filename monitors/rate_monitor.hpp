#pragma once
// The population rate of a neuron group or slice (Brian2's PopulationRateMonitor): per step, or
// per bin of a whole number of steps, the spikes of the monitored neurons divided by their number
// and the bin's duration, in Hz. Writes NAME.t.npy (bin start times, ms) and NAME.rate.npy
// ((bins,), or (batch, bins) when batch > 1). It takes the spike blocks a spike monitor takes,
// so every backend has it; bins lie on the absolute time grid (bin k covers
// [k * bin, (k + 1) * bin)), so a resumed run continues the same bins. Memory stays bounded:
// rates are streamed to disk (one part file per batch entry when batched).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backend/record_sink.hpp"
#include "monitors/manifest.hpp"
#include "monitors/npy_writer.hpp"

namespace spikegraph {

class PartFile;

class RateMonitor final : public RecordSink {
public:
    /// `neurons`: the monitored count (the rate's denominator); `bin_steps` >= 1.
    /// @throws ConfigError on an unusable name, batch, neuron count or bin; IoError when the
    /// output files cannot be created.
    RateMonitor(std::string name, std::filesystem::path out_dir, double dt_ms, std::size_t batch,
                std::size_t neurons, std::int64_t bin_steps);
    ~RateMonitor() override;

    /// @throws SimulationError for a block of another batch size, steps out of order or after
    /// finish(); IoError when writing fails.
    void record_spikes(const SpikeBlock& block) override;

    /// Writes the last (possibly partial) bin and makes the files appear. A second call does
    /// nothing. @throws IoError
    void finish();

    void set_place(MonitorPlace place) { place_ = std::move(place); }
    const std::string& name() const { return name_; }
    /// Bins written so far.
    std::uint64_t bins() const { return bins_; }

    /// Entries for NAME.t.npy and NAME.rate.npy, for manifest.json.
    nlohmann::json manifest_entries() const;

private:
    // Closes the open bin: its rates (one per batch entry) go to the files.
    void close_bin();
    void write_batched_rates();

    std::string name_;
    std::filesystem::path out_dir_;
    double dt_ms_;
    std::size_t batch_;
    std::size_t neurons_;
    std::int64_t bin_steps_;
    MonitorPlace place_;

    std::int64_t bin_ = -1;          // the open bin's index on the absolute grid; -1: none yet
    std::int64_t covered_ = 0;       // steps of the open bin seen
    std::int64_t next_step_ = -1;    // the step the next block must start at
    std::vector<std::uint64_t> counts_;  // spikes of the open bin, per batch entry
    std::uint64_t bins_ = 0;
    bool finished_ = false;

    std::vector<double> t_buffer_, rate_buffer_;  // batch 1: rows not yet written
    std::optional<NpyStreamWriter> t_file_, rate_file_;
    std::vector<std::unique_ptr<PartFile>> parts_;  // batch > 1: one per batch entry
};

}  // namespace spikegraph
