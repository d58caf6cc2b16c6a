#pragma once
// The statistics of `spikegraph inspect` (docs/inspection.md), accumulated in one pass over a
// spike monitor's files in time order, with memory proportional to the neurons and the bins,
// not to the spikes:
//   rates        spikes / (neurons x window); the median of the per-neuron rates; the fraction
//                of neurons with at least one spike;
//   CV of ISIs   per neuron with at least two inter-spike intervals in the window, std / mean
//                of its intervals (population std, ddof = 0, as scipy.stats.variation and
//                Elephant's cv); the mean over those neurons;
//   Fano factor  per neuron with spikes, var / mean of its counts in the window's whole bins
//                (ddof = 0, as Elephant's fano_factor); the mean over those neurons;
//   synchrony    Golomb's chi (Golomb 2007, Scholarpedia 2(1):1347) on binned counts:
//                chi^2 = Var_k(mean_i c_i(k)) / mean_i Var_k(c_i(k)), over the whole bins.
// A value that is undefined (no neuron qualifies, fewer than two whole bins) is NaN.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spikegraph {

struct SpikeStatisticsOptions {
    double from_ms = 0, to_ms = 0;      // the window [from, to); to > from
    double bin_ms = 10;                 // count bin for the Fano factor and chi; > 0
    std::vector<std::int64_t> neurons;  // the neurons counted (indices in the group), sorted,
                                        // unique; spikes of others are ignored
    std::size_t batch = 1;              // batch entries in the files
};

/// The statistics of one batch entry.
struct SpikeStatisticsRow {
    std::size_t batch_entry = 0;
    std::size_t neurons = 0;
    std::uint64_t spikes = 0;
    double mean_rate_hz = 0, median_rate_hz = 0, fraction_active = 0;
    double cv_isi = 0;              // NaN when no neuron has two intervals
    std::size_t cv_neurons = 0;     // neurons the CV is averaged over
    double fano = 0;                // NaN when fewer than two whole bins or no spike
    std::size_t fano_neurons = 0;
    double chi = 0;                 // NaN when fewer than two whole bins or no variance
    std::size_t whole_bins = 0;
};

class SpikeStatistics {
public:
    /// @throws ConfigError for an empty or inverted window, a bin that is not positive, no
    /// neuron, or batch 0.
    explicit SpikeStatistics(SpikeStatisticsOptions options);

    /// The next `n` spikes of the files: times (ms), indices in the group and batch entries
    /// (`b` null when the run was not batched). Spikes must come in time order.
    /// @throws ConfigError for spikes out of time order or a batch entry out of range.
    void add(const double* t, const double* i, const double* b, std::size_t n);

    /// The statistics of every batch entry.
    std::vector<SpikeStatisticsRow> finish() const;

private:
    struct Neuron {
        std::uint64_t spikes = 0;
        double last_t = 0;
        std::uint64_t intervals = 0;
        double isi_mean = 0, isi_m2 = 0;  // Welford's running mean and sum of squares
        std::int64_t bin = -1;            // the bin `count` belongs to
        std::uint64_t count = 0;
        double count_sum = 0, count_sq = 0;  // over whole bins closed so far
    };

    static void close_bin(Neuron& n);

    SpikeStatisticsOptions o_;
    std::int64_t lo_ = 0;             // smallest neuron index
    std::vector<std::int32_t> slot_;  // neuron index - lo_ -> slot, or -1
    std::size_t n_ = 0;               // neurons counted
    std::size_t whole_bins_ = 0;
    double last_t_ = -1e300;
    std::vector<Neuron> state_;               // [batch][slot]
    std::vector<std::uint32_t> population_;   // [batch][bin]: spikes of the counted neurons
};

}  // namespace spikegraph
