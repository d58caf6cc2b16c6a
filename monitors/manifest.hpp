#pragma once
// manifest.json describes every file a run wrote (variable, unit, dtype, shape, axes, meaning),
// so that outputs can be read without knowing spikegraph's naming conventions.

#include <filesystem>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace spikegraph {

/// Writes `value` as pretty JSON (2-space indent, trailing newline) to `path` atomically.
/// @throws IoError
void write_json_atomically(const std::filesystem::path& path, const nlohmann::json& value);

/// Writes `out_dir/manifest.json`:
/// `{"format": "spikegraph-output", "version": 1, "run": run_info, "files": files}`.
/// @throws IoError
void write_manifest(const std::filesystem::path& out_dir, const nlohmann::json& run_info,
                    const nlohmann::json& files);

namespace detail {

// Monitor and variable names become parts of file names (`NAME.VAR.npy`), so they must not be
// empty or escape out_dir. Throws ConfigError naming `what`.
void check_output_name(std::string_view what, std::string_view name);

// Creates `out_dir` (and parents) for a monitor; throws IoError naming `owner`.
void create_output_directory(const std::filesystem::path& out_dir, std::string_view owner);

}  // namespace detail

}  // namespace spikegraph
