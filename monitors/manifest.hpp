#pragma once
// manifest.json describes every file a run wrote (variable, unit, dtype, shape, axes, meaning),
// so that outputs can be read without knowing spikegraph's naming conventions.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace spikegraph {

/// Writes `value` as pretty JSON (2-space indent, trailing newline) to `path` atomically.
/// @throws IoError
void write_json_atomically(const std::filesystem::path& path, const nlohmann::json& value);

/// The version of manifest.json written (docs/outputs.md). 2: spike indices are absolute in
/// the group, and every monitor file's entry says where its neurons lie (MonitorPlace).
inline constexpr int k_manifest_version = 2;

/// Writes `out_dir/manifest.json`:
/// `{"format": "spikegraph-output", "version": 2, "run": run_info, "files": files}`.
/// @throws IoError
void write_manifest(const std::filesystem::path& out_dir, const nlohmann::json& run_info,
                    const nlohmann::json& files);

/// Where a monitor's neurons (or synapses) lie: its group (or connection), the group's size and
/// the monitored slice [slice_start, slice_stop).
struct MonitorPlace {
    std::string group;
    std::size_t group_size = 0;
    std::size_t slice_start = 0, slice_stop = 0;
};

/// Adds `group`, `group_size`, `slice_start`, `slice_stop` and `batch` to a manifest entry.
void add_place(nlohmann::json& entry, const MonitorPlace& place, std::size_t batch);

namespace detail {

// Monitor and variable names become parts of file names (`NAME.VAR.npy`), so they must not be
// empty or escape out_dir. Throws ConfigError naming `what`.
void check_output_name(std::string_view what, std::string_view name);

// A monitor's batch size (>= 1) and dt (> 0); throws ConfigError naming `owner`.
void check_batch_and_dt(const std::string& owner, std::size_t batch, double dt_ms);

// Creates `out_dir` (and parents) for a monitor; throws IoError naming `owner`.
void create_output_directory(const std::filesystem::path& out_dir, std::string_view owner);

}  // namespace detail

}  // namespace spikegraph
