#include "monitors/rate_monitor.hpp"

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include <spikegraph/error.hpp>
#include "monitors/part_file.hpp"

namespace spikegraph {

namespace {

constexpr std::size_t k_buffer_bins = 4096;  // bins gathered before they go to the writers

}  // namespace

RateMonitor::RateMonitor(std::string name, std::filesystem::path out_dir, double dt_ms,
                         std::size_t batch, std::size_t neurons, std::int64_t bin_steps)
    : name_(std::move(name)),
      out_dir_(std::move(out_dir)),
      dt_ms_(dt_ms),
      batch_(batch),
      neurons_(neurons),
      bin_steps_(bin_steps),
      counts_(batch, 0) {
    detail::check_output_name("rate monitor name", name_);
    const std::string who = "rate monitor '" + name_ + "'";
    detail::check_batch_and_dt(who, batch_, dt_ms_);
    if (neurons_ == 0) throw ConfigError(who + ": it monitors no neuron (an empty slice)");
    if (bin_steps_ < 1) throw ConfigError(who + ": the bin must be at least one step");
    detail::create_output_directory(out_dir_, who);
    t_file_.emplace(out_dir_ / (name_ + ".t.npy"), "<f8", std::vector<std::size_t>{});
    if (batch_ == 1) {
        rate_file_.emplace(out_dir_ / (name_ + ".rate.npy"), "<f8", std::vector<std::size_t>{});
    } else {
        for (std::size_t b = 0; b < batch_; ++b)
            parts_.push_back(std::make_unique<PartFile>(
                out_dir_ / (name_ + ".rate.b" + std::to_string(b) + unique_temp_suffix())));
    }
}

RateMonitor::~RateMonitor() = default;

void RateMonitor::record_spikes(const SpikeBlock& block) {
    const std::string who = "rate monitor '" + name_ + "'";
    if (finished_) throw SimulationError(who + ": spikes recorded after finish()");
    if (block.batch != batch_)
        throw SimulationError(who + ": a block of " + std::to_string(block.batch) +
                              " batch entries for a batch size of " + std::to_string(batch_));
    if (next_step_ >= 0 && block.first_step != next_step_)
        throw SimulationError(who + ": a block starting at step " +
                              std::to_string(block.first_step) + " where step " +
                              std::to_string(next_step_) + " was due");
    for (std::size_t s = 0; s < block.steps; ++s) {
        const std::int64_t step = block.first_step + static_cast<std::int64_t>(s);
        const std::int64_t bin = step / bin_steps_;
        if (bin != bin_) {
            if (bin_ >= 0) close_bin();
            bin_ = bin;
        }
        ++covered_;
        for (std::size_t b = 0; b < batch_; ++b) counts_[b] += block.count(s * batch_ + b);
    }
    next_step_ = block.first_step + static_cast<std::int64_t>(block.steps);
}

void RateMonitor::close_bin() {
    // Hz: spikes / (neurons * seconds); the bin's seconds are those of the steps it covered (a
    // bin cut by the start or the end of the run is shorter).
    const double seconds = static_cast<double>(covered_) * dt_ms_ * 1e-3;
    t_buffer_.push_back(static_cast<double>(bin_ * bin_steps_) * dt_ms_);
    for (std::size_t b = 0; b < batch_; ++b) {
        const double rate =
            static_cast<double>(counts_[b]) / (static_cast<double>(neurons_) * seconds);
        if (batch_ == 1)
            rate_buffer_.push_back(rate);
        else
            parts_[b]->write(&rate, sizeof rate);
        counts_[b] = 0;
    }
    covered_ = 0;
    ++bins_;
    if (t_buffer_.size() >= k_buffer_bins) {
        t_file_->append(t_buffer_.data(), t_buffer_.size());
        t_buffer_.clear();
        if (rate_file_) rate_file_->append(rate_buffer_.data(), rate_buffer_.size());
        rate_buffer_.clear();
    }
}

void RateMonitor::finish() {
    if (finished_) return;
    if (bin_ >= 0 && covered_ > 0) close_bin();
    t_file_->append(t_buffer_.data(), t_buffer_.size());
    t_buffer_.clear();
    t_file_->finish();
    if (rate_file_) {
        rate_file_->append(rate_buffer_.data(), rate_buffer_.size());
        rate_buffer_.clear();
        rate_file_->finish();
    } else {
        write_batched_rates();
    }
    finished_ = true;
}

void RateMonitor::write_batched_rates() {
    AtomicFileWriter out(out_dir_ / (name_ + ".rate.npy"));
    const std::string header = npy_header("<f8", {batch_, static_cast<std::size_t>(bins_)});
    out.write(header.data(), header.size());
    std::vector<char> scratch(std::size_t{1} << 16);
    for (std::size_t b = 0; b < batch_; ++b) {
        const std::uint64_t copied = parts_[b]->copy_to(out, scratch);
        if (copied != bins_ * sizeof(double))
            throw IoError("cannot write '" + out.path().string() + "': the part file of batch entry " +
                          std::to_string(b) + " holds " + std::to_string(copied) +
                          " bytes instead of " + std::to_string(bins_ * sizeof(double)) +
                          " (was it changed by another process?)");
    }
    out.commit();
    parts_.clear();
}

nlohmann::json RateMonitor::manifest_entries() const {
    // Before finish(), the open bin is still to be written: it counts.
    const std::uint64_t bins = bins_ + (!finished_ && bin_ >= 0 && covered_ > 0 ? 1 : 0);
    const auto entry = [&](const char* variable, const char* unit, nlohmann::json shape,
                           nlohmann::json axes, const char* meaning) {
        nlohmann::json e;
        e["file"] = name_ + "." + variable + ".npy";
        e["monitor"] = name_;
        e["kind"] = "rate";
        add_place(e, place_, batch_);
        e["variable"] = variable;
        e["unit"] = unit;
        e["dtype"] = "float64";
        e["shape"] = std::move(shape);
        e["axes"] = std::move(axes);
        e["meaning"] = meaning;
        e["bin_ms"] = static_cast<double>(bin_steps_) * dt_ms_;
        e["neurons"] = neurons_;
        return e;
    };
    nlohmann::json files = nlohmann::json::array();
    nlohmann::json t = entry("t", "ms", {bins}, {"bin"},
                             "start time of each bin, k * bin_ms (a bin cut by the start or end "
                             "of the run covers only the steps that ran)");
    t["dt_ms"] = dt_ms_;
    files.push_back(std::move(t));
    files.push_back(batch_ > 1 ? entry("rate", "Hz", {batch_, bins}, {"batch", "bin"},
                                       "spikes of the monitored neurons in the bin / (neurons * "
                                       "bin duration), per batch entry")
                               : entry("rate", "Hz", {bins}, {"bin"},
                                       "spikes of the monitored neurons in the bin / (neurons * "
                                       "bin duration)"));
    return files;
}

}  // namespace spikegraph
