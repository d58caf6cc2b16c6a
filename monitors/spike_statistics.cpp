#include "monitors/spike_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Spike times are k * dt in floating point (0.7 is 6.999...99 steps of 0.1): an edge is
// reached within a relative 1e-9, far below any dt, so a spike on a bin edge falls in the bin
// the edge starts.
double slack(double edge) { return 1e-9 * std::max(1.0, std::fabs(edge)); }

}  // namespace

SpikeStatistics::SpikeStatistics(SpikeStatisticsOptions options) : o_(std::move(options)) {
    if (!(o_.to_ms > o_.from_ms))
        throw ConfigError(fmt::format("the time window [{} ms, {} ms) is empty; --to must be "
                                      "after --from", o_.from_ms, o_.to_ms));
    if (!(o_.bin_ms > 0) || !std::isfinite(o_.bin_ms))
        throw ConfigError(fmt::format("the bin must be a positive time, got {} ms", o_.bin_ms));
    if (o_.neurons.empty()) throw ConfigError("no neuron is selected");
    if (o_.batch == 0) throw ConfigError("the batch size is 0");
    if (!std::is_sorted(o_.neurons.begin(), o_.neurons.end()) ||
        std::adjacent_find(o_.neurons.begin(), o_.neurons.end()) != o_.neurons.end())
        throw ConfigError("the neurons must be sorted and unique");
    lo_ = o_.neurons.front();
    const auto span = static_cast<std::size_t>(o_.neurons.back() - lo_ + 1);
    slot_.assign(span, -1);
    n_ = o_.neurons.size();
    for (std::size_t k = 0; k < n_; ++k)
        slot_[static_cast<std::size_t>(o_.neurons[k] - lo_)] = static_cast<std::int32_t>(k);
    const double window = o_.to_ms - o_.from_ms;
    whole_bins_ = static_cast<std::size_t>(std::floor(window / o_.bin_ms + 1e-9));
    state_.assign(o_.batch * n_, Neuron{});
    population_.assign(o_.batch * whole_bins_, 0);
}

void SpikeStatistics::close_bin(Neuron& n) {
    const auto c = static_cast<double>(n.count);
    n.count_sum += c;
    n.count_sq += c * c;
    n.count = 0;
}

void SpikeStatistics::add(const double* t, const double* i, const double* b, std::size_t n) {
    const double from = o_.from_ms - slack(o_.from_ms), to = o_.to_ms - slack(o_.to_ms);
    for (std::size_t k = 0; k < n; ++k) {
        if (t[k] < last_t_)
            throw ConfigError(fmt::format("spike {} at {} ms comes after one at {} ms: the "
                                          "spike times are not in time order", k, t[k], last_t_));
        last_t_ = t[k];
        if (t[k] < from || t[k] >= to) continue;
        const double index = i[k] - static_cast<double>(lo_);
        if (!(index >= 0) || index >= static_cast<double>(slot_.size())) continue;
        const std::int32_t slot = slot_[static_cast<std::size_t>(index)];
        if (slot < 0) continue;
        const double entry = b ? b[k] : 0.0;
        if (!(entry >= 0) || entry >= static_cast<double>(o_.batch))
            throw ConfigError(fmt::format("spike {} belongs to batch entry {}, but the run has "
                                          "{} batch entries", k, entry, o_.batch));
        const auto be = static_cast<std::size_t>(entry);
        Neuron& s = state_[be * n_ + static_cast<std::size_t>(slot)];
        if (s.spikes > 0) {
            // Welford's update of the intervals' mean and sum of squared deviations.
            const double isi = t[k] - s.last_t;
            ++s.intervals;
            const double d = isi - s.isi_mean;
            s.isi_mean += d / static_cast<double>(s.intervals);
            s.isi_m2 += d * (isi - s.isi_mean);
        }
        ++s.spikes;
        s.last_t = t[k];
        const auto bin = static_cast<std::int64_t>(
            std::floor((t[k] - o_.from_ms) / o_.bin_ms + 1e-9));
        if (bin >= static_cast<std::int64_t>(whole_bins_)) continue;  // the cut last bin
        if (bin != s.bin) {
            if (s.bin >= 0) close_bin(s);
            s.bin = bin;
        }
        ++s.count;
        ++population_[be * whole_bins_ + static_cast<std::size_t>(bin)];
    }
}

std::vector<SpikeStatisticsRow> SpikeStatistics::finish() const {
    const double seconds = (o_.to_ms - o_.from_ms) * 1e-3;
    const auto nb = static_cast<double>(whole_bins_);
    std::vector<SpikeStatisticsRow> rows;
    std::vector<double> rates(n_);
    for (std::size_t be = 0; be < o_.batch; ++be) {
        SpikeStatisticsRow r;
        r.batch_entry = be;
        r.neurons = n_;
        r.whole_bins = whole_bins_;
        std::size_t active = 0;
        double cv_sum = 0, fano_sum = 0, var_sum = 0;
        for (std::size_t k = 0; k < n_; ++k) {
            Neuron s = state_[be * n_ + k];
            if (s.bin >= 0) close_bin(s);
            r.spikes += s.spikes;
            rates[k] = static_cast<double>(s.spikes) / seconds;
            if (s.spikes > 0) ++active;
            if (s.intervals >= 2 && s.isi_mean > 0) {
                cv_sum += std::sqrt(s.isi_m2 / static_cast<double>(s.intervals)) / s.isi_mean;
                ++r.cv_neurons;
            }
            if (whole_bins_ >= 2) {
                const double mean = s.count_sum / nb;
                const double var = std::max(0.0, s.count_sq / nb - mean * mean);
                var_sum += var;
                if (mean > 0) {
                    fano_sum += var / mean;
                    ++r.fano_neurons;
                }
            }
        }
        r.mean_rate_hz = static_cast<double>(r.spikes) / (static_cast<double>(n_) * seconds);
        std::nth_element(rates.begin(), rates.begin() + static_cast<std::ptrdiff_t>(n_ / 2),
                         rates.end());
        const double upper = rates[n_ / 2];
        if (n_ % 2 == 1) {
            r.median_rate_hz = upper;
        } else {
            const double lower = *std::max_element(
                rates.begin(), rates.begin() + static_cast<std::ptrdiff_t>(n_ / 2));
            r.median_rate_hz = 0.5 * (lower + upper);
        }
        r.fraction_active = static_cast<double>(active) / static_cast<double>(n_);
        r.cv_isi = r.cv_neurons > 0 ? cv_sum / static_cast<double>(r.cv_neurons) : k_nan;
        r.fano = r.fano_neurons > 0 ? fano_sum / static_cast<double>(r.fano_neurons) : k_nan;
        r.chi = k_nan;
        if (whole_bins_ >= 2 && var_sum > 0) {
            // Var_k of the population mean count, over mean_i Var_k(c_i).
            double sum = 0, sq = 0;
            for (std::size_t k = 0; k < whole_bins_; ++k) {
                const double p = static_cast<double>(population_[be * whole_bins_ + k]) /
                                 static_cast<double>(n_);
                sum += p;
                sq += p * p;
            }
            const double pm = sum / nb;
            const double pop_var = std::max(0.0, sq / nb - pm * pm);
            r.chi = std::sqrt(pop_var / (var_sum / static_cast<double>(n_)));
        }
        rows.push_back(r);
    }
    return rows;
}

}  // namespace spikegraph
