#include "monitors/spike_monitor.hpp"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include <spikegraph/error.hpp>
#include "monitors/manifest.hpp"

namespace spikegraph {

SpikeMonitor::SpikeMonitor(std::string name, std::filesystem::path out_dir, double dt_ms,
                           std::size_t batch, std::size_t index_offset, std::size_t chunk_records)
    : name_(std::move(name)),
      out_dir_(std::move(out_dir)),
      dt_ms_(dt_ms),
      batch_(batch),
      index_offset_(index_offset),
      chunk_records_(chunk_records),
      count_per_batch_(batch, 0) {
    detail::check_output_name("spike monitor name", name_);
    const std::string who = "spike monitor '" + name_ + "'";
    detail::check_batch_and_dt(who, batch_, dt_ms_);
    if (chunk_records_ == 0) {
        throw ConfigError(who + ": chunk_records is 0; it must be at least 1 (default 65536)");
    }
    detail::create_output_directory(out_dir_, who);

    t_ms_.reserve(chunk_records_);
    index_.reserve(chunk_records_);
    t_file_.emplace(out_dir_ / (name_ + ".t.npy"), "<f8", std::vector<std::size_t>{});
    i_file_.emplace(out_dir_ / (name_ + ".i.npy"), "<i8", std::vector<std::size_t>{});
    if (batch_ > 1) {
        batch_entry_.reserve(chunk_records_);
        b_file_.emplace(out_dir_ / (name_ + ".b.npy"), "<i8", std::vector<std::size_t>{});
    }
}

void SpikeMonitor::note_spikes(const SpikeBlock& block) {
    if (finished_) {
        throw SimulationError("spike monitor '" + name_ + "': spikes recorded after finish()");
    }
    if (block.batch != batch_) {
        throw SimulationError("spike monitor '" + name_ + "': a block of " +
                              std::to_string(block.batch) + " batch entries for a batch size of " +
                              std::to_string(batch_));
    }
    for (std::size_t r = 0; r < block.rows(); ++r) count_per_batch_[r % batch_] += block.count(r);
    total_ += block.spikes();
}

template <class Buffer, class Value>
void SpikeMonitor::append(std::size_t column, Buffer& buffer, std::size_t count, Value&& value) {
    std::size_t done = 0;
    while (done < count) {
        const std::size_t take = std::min(count - done, chunk_records_ - buffer.size());
        for (std::size_t k = 0; k < take; ++k) buffer.push_back(value(done + k));
        done += take;
        if (buffer.size() == chunk_records_) flush_column(column);
    }
}

void SpikeMonitor::record_spike_column(std::size_t column, const SpikeBlock& block) {
    switch (column) {
        case 0:
            for (std::size_t r = 0; r < block.rows(); ++r) {
                // Brian's convention: a spike emitted during step k is stamped with the step's
                // start time.
                const double t_ms = static_cast<double>(block.step_of(r)) * dt_ms_;
                append(0, t_ms_, block.count(r), [&](std::size_t) { return t_ms; });
            }
            break;
        case 1:
            append(1, index_, block.spikes(),
                   [&](std::size_t k) {
                       return static_cast<std::int64_t>(block.index[k]) +
                              static_cast<std::int64_t>(index_offset_);
                   });
            break;
        default:
            for (std::size_t r = 0; r < block.rows(); ++r) {
                const auto b = static_cast<std::int64_t>(r % block.batch);
                append(2, batch_entry_, block.count(r), [&](std::size_t) { return b; });
            }
    }
}

void SpikeMonitor::finish() {
    if (finished_) return;
    for (std::size_t c = 0; c < spike_columns(); ++c) flush_column(c);
    t_file_->finish();
    i_file_->finish();
    if (b_file_) b_file_->finish();
    finished_ = true;
}

std::uint64_t SpikeMonitor::count(std::size_t batch) const {
    return batch < count_per_batch_.size() ? count_per_batch_[batch] : 0;
}

nlohmann::json SpikeMonitor::manifest_entries() const {
    const auto entry = [&](const char* variable, const char* unit, const char* dtype,
                           const char* meaning) {
        nlohmann::json e;
        e["file"] = name_ + "." + variable + ".npy";
        e["monitor"] = name_;
        e["kind"] = "spike";
        add_place(e, place_, batch_);
        e["variable"] = variable;
        e["unit"] = unit;
        e["dtype"] = dtype;
        e["shape"] = nlohmann::json::array({total_});
        e["axes"] = nlohmann::json::array({"spike"});
        e["meaning"] = meaning;
        return e;
    };
    nlohmann::json files = nlohmann::json::array();
    nlohmann::json t = entry("t", "ms", "float64",
                             "spike time t_k = k*dt (Brian's convention: stamped at the start of "
                             "the step)");
    t["dt_ms"] = dt_ms_;
    files.push_back(std::move(t));
    files.push_back(entry("i", "1", "int64",
                          "index in the group of the neuron (or source) that spiked"));
    if (batch_ > 1) files.push_back(entry("b", "1", "int64", "batch entry the spike belongs to"));
    return files;
}

void SpikeMonitor::flush_column(std::size_t column) {
    switch (column) {
        case 0:
            if (!t_ms_.empty()) t_file_->append(t_ms_.data(), t_ms_.size());
            t_ms_.clear();
            break;
        case 1:
            if (!index_.empty()) i_file_->append(index_.data(), index_.size());
            index_.clear();
            break;
        default:
            if (!batch_entry_.empty()) b_file_->append(batch_entry_.data(), batch_entry_.size());
            batch_entry_.clear();
    }
}

}  // namespace spikegraph
