#include "monitors/state_monitor.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include <spikegraph/error.hpp>
#include "monitors/manifest.hpp"
#include "monitors/part_file.hpp"

namespace spikegraph {

namespace detail {

// Record times are 8 bytes each; this many are gathered before they go to the writer.
constexpr std::size_t k_time_chunk_records = 4096;

}  // namespace detail

StateMonitor::StateMonitor(std::string name, std::filesystem::path out_dir, double dt_ms,
                           std::size_t batch, std::vector<std::string> variables,
                           std::vector<std::string> units, std::vector<std::int64_t> indices,
                           std::size_t chunk_bytes)
    : name_(std::move(name)),
      out_dir_(std::move(out_dir)),
      dt_ms_(dt_ms),
      batch_(batch),
      variables_(std::move(variables)),
      units_(std::move(units)),
      indices_(std::move(indices)) {
    detail::check_output_name("state monitor name", name_);
    const std::string who = "state monitor '" + name_ + "'";
    if (batch_ == 0) throw ConfigError(who + ": batch size is 0; it must be at least 1");
    if (chunk_bytes == 0) throw ConfigError(who + ": chunk_bytes is 0; it must be at least 1");
    if (!(dt_ms_ > 0.0)) {
        throw ConfigError(who + ": dt " + std::to_string(dt_ms_) + " ms must be positive");
    }
    if (units_.size() != variables_.size()) {
        throw ConfigError(who + ": " + std::to_string(variables_.size()) + " variables but " +
                          std::to_string(units_.size()) + " units; give one unit per variable");
    }
    std::set<std::string> seen;
    for (const std::string& v : variables_) {
        detail::check_output_name(who + ": variable", v);
        // NAME.t.npy and NAME.index.npy are taken by the record times and the neuron indices.
        if (v == "t" || v == "index") {
            throw ConfigError(who + ": variable '" + v + "' clashes with the monitor's own '" + v +
                              "' file; record it through an alias");
        }
        if (!seen.insert(v).second) {
            throw ConfigError(who + ": variable '" + v + "' is listed twice");
        }
    }
    detail::create_output_directory(out_dir_, who);

    const std::size_t n = indices_.size();
    const std::size_t stream_count = variables_.size() * batch_;
    const std::size_t row_bytes = std::max<std::size_t>(n, 1) * sizeof(double);
    rows_per_chunk_ = std::max<std::size_t>(
        1, chunk_bytes / (row_bytes * std::max<std::size_t>(stream_count, 1)));

    times_ms_.reserve(detail::k_time_chunk_records);
    t_file_.emplace(out_dir_ / (name_ + ".t.npy"), "<f8", std::vector<std::size_t>{});
    streams_.resize(stream_count);
    for (Stream& s : streams_) s.buffer.reserve(rows_per_chunk_ * n);
    if (batch_ == 1) {
        var_files_.reserve(variables_.size());
        for (const std::string& v : variables_) {
            var_files_.emplace_back(file_path(v), "<f8", std::vector<std::size_t>{n});
        }
    } else {
        for (const std::string& v : variables_) {
            for (std::size_t b = 0; b < batch_; ++b) {
                parts_.push_back(std::make_unique<PartFile>(
                    out_dir_ / (name_ + "." + v + ".b" + std::to_string(b) + unique_temp_suffix())));
            }
        }
    }
}

StateMonitor::~StateMonitor() = default;

void StateMonitor::set_synapses(std::string pre_group, std::string post_group,
                                std::vector<std::int64_t> pre, std::vector<std::int64_t> post) {
    const std::string who = "state monitor '" + name_ + "'";
    if (pre.size() != indices_.size() || post.size() != indices_.size())
        throw ConfigError(who + ": " + std::to_string(pre.size()) + " pre and " +
                          std::to_string(post.size()) + " post indices for " +
                          std::to_string(indices_.size()) + " recorded synapses; give one each");
    for (const std::string& v : variables_)
        if (v == "pre" || v == "post")
            throw ConfigError(who + ": variable '" + v + "' clashes with the monitor's own '" + v +
                              "' file; record it through an alias");
    synapses_ = true;
    pre_group_ = std::move(pre_group);
    post_group_ = std::move(post_group);
    pre_ = std::move(pre);
    post_ = std::move(post);
}

void StateMonitor::record_state(const StateBlock& block) {
    const auto fail = [&](const std::string& why) {
        throw SimulationError("state monitor '" + name_ + "': " + why);
    };
    if (finished_) fail("values recorded after finish()");
    if (block.variables != variables_.size() || block.batch != batch_ ||
        block.width != indices_.size()) {
        fail("a block of " + std::to_string(block.variables) + " variables x " +
             std::to_string(block.batch) + " batch entries x " + std::to_string(block.width) +
             " neurons for a monitor of " + std::to_string(variables_.size()) + " x " +
             std::to_string(batch_) + " x " + std::to_string(indices_.size()));
    }
    for (const std::int64_t step : block.steps) {
        times_ms_.push_back(static_cast<double>(step) * dt_ms_);
        if (times_ms_.size() >= detail::k_time_chunk_records) flush_times();
    }
    records_ += block.steps.size();
    const std::size_t n = indices_.size();
    for (std::size_t v = 0; v < variables_.size(); ++v)
        for (std::size_t b = 0; b < batch_; ++b) {
            Stream& s = stream(v, b);
            const double* rows = block.rows(v, b);
            for (std::size_t r = 0; r < block.steps.size(); ++r) {
                s.buffer.insert(s.buffer.end(), rows + r * n, rows + (r + 1) * n);
                if (++s.pending >= rows_per_chunk_) flush_stream(v, b);
            }
        }
}

void StateMonitor::finish() {
    if (finished_) return;
    for (std::size_t v = 0; v < variables_.size(); ++v)
        for (std::size_t b = 0; b < batch_; ++b) flush_stream(v, b);
    flush_times();
    t_file_->finish();
    if (batch_ == 1) {
        for (NpyStreamWriter& f : var_files_) f.finish();
    } else {
        for (std::size_t v = 0; v < variables_.size(); ++v) finish_batched_variable(v);
    }
    write_npy(file_path("index"), "<i8", {indices_.size()}, indices_.data());
    if (synapses_) {
        write_npy(file_path("pre"), "<i8", {pre_.size()}, pre_.data());
        write_npy(file_path("post"), "<i8", {post_.size()}, post_.data());
    }
    parts_.clear();  // removes the part files
    finished_ = true;
}

nlohmann::json StateMonitor::manifest_entries() const {
    const std::size_t n = indices_.size();
    const auto entry = [&](const std::string& variable, const std::string& unit, const char* dtype,
                           nlohmann::json shape, nlohmann::json axes, const std::string& meaning) {
        nlohmann::json e;
        e["file"] = file_path(variable).filename().string();
        e["monitor"] = name_;
        e["kind"] = "state";
        add_place(e, place_, batch_);
        e["variable"] = variable;
        e["unit"] = unit;
        e["dtype"] = dtype;
        e["shape"] = std::move(shape);
        e["axes"] = std::move(axes);
        e["meaning"] = meaning;
        if (synapses_) {
            e["synapses"] = true;
            e["connection"] = place_.group;
        }
        return e;
    };
    nlohmann::json files = nlohmann::json::array();
    nlohmann::json t = entry("t", "ms", "float64", {records_}, {"record"},
                             "record time t_k = k*dt; values are those at the start of step k");
    t["dt_ms"] = dt_ms_;
    files.push_back(std::move(t));
    const char* column = synapses_ ? "synapse" : "neuron";
    if (synapses_) {
        files.push_back(entry("index", "1", "int64", {n}, {"synapse"},
                              "synapse index (CSR order) of each recorded column"));
        nlohmann::json pre = entry("pre", "1", "int64", {n}, {"synapse"},
                                   "presynaptic neuron of each recorded synapse, index in '" +
                                       pre_group_ + "'");
        pre["neuron_group"] = pre_group_;
        files.push_back(std::move(pre));
        nlohmann::json post = entry("post", "1", "int64", {n}, {"synapse"},
                                    "postsynaptic neuron of each recorded synapse, index in '" +
                                        post_group_ + "'");
        post["neuron_group"] = post_group_;
        files.push_back(std::move(post));
    } else {
        files.push_back(entry("index", "1", "int64", {n}, {"neuron"},
                              "neuron index within the group of each recorded column"));
    }
    for (std::size_t v = 0; v < variables_.size(); ++v) {
        const bool batched = batch_ > 1;
        nlohmann::json shape =
            batched ? nlohmann::json{batch_, records_, n} : nlohmann::json{records_, n};
        nlohmann::json axes = batched ? nlohmann::json{"batch", "record", column}
                                      : nlohmann::json{"record", column};
        files.push_back(entry(variables_[v], units_[v], "float64", std::move(shape),
                              std::move(axes),
                              "value of " + variables_[v] + " at each record time"));
    }
    return files;
}

void StateMonitor::flush_stream(std::size_t var_slot, std::size_t batch) {
    Stream& s = stream(var_slot, batch);
    if (s.pending == 0) return;
    if (batch_ == 1) {
        var_files_[var_slot].append(s.buffer.data(), s.pending);
    } else {
        parts_[var_slot * batch_ + batch]->write(s.buffer.data(), s.buffer.size() * sizeof(double));
    }
    s.buffer.clear();
    s.pending = 0;
}

void StateMonitor::flush_times() {
    t_file_->append(times_ms_.data(), times_ms_.size());
    times_ms_.clear();
}

void StateMonitor::finish_batched_variable(std::size_t var_slot) {
    const std::size_t n = indices_.size();
    AtomicFileWriter out(file_path(variables_[var_slot]));
    const std::string header = npy_header("<f8", {batch_, static_cast<std::size_t>(records_), n});
    out.write(header.data(), header.size());
    std::vector<char> scratch(std::size_t{1} << 16);
    const std::uint64_t expected = records_ * n * sizeof(double);
    for (std::size_t b = 0; b < batch_; ++b) {
        const std::uint64_t copied = parts_[var_slot * batch_ + b]->copy_to(out, scratch);
        if (copied != expected) {
            throw IoError("cannot write '" + out.path().string() +
                          "': the part file of batch entry " + std::to_string(b) + " holds " +
                          std::to_string(copied) + " bytes instead of " + std::to_string(expected) +
                          " (was it changed by another process?)");
        }
    }
    out.commit();
}

std::filesystem::path StateMonitor::file_path(const std::string& variable) const {
    return out_dir_ / (name_ + "." + variable + ".npy");
}

}  // namespace spikegraph
