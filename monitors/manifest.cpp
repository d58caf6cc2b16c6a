#include "monitors/manifest.hpp"

#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {

void write_json_atomically(const std::filesystem::path& path, const nlohmann::json& value) {
    // Group and variable names come from user configs; an invalid UTF-8 byte must not make the
    // whole manifest unwritable at the end of a long run, so it is replaced instead of thrown.
    std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    write_file_atomically(path, text);
}

void write_manifest(const std::filesystem::path& out_dir, const nlohmann::json& run_info,
                    const nlohmann::json& files) {
    nlohmann::json manifest;
    manifest["format"] = "spikegraph-output";
    manifest["version"] = k_manifest_version;
    manifest["run"] = run_info;
    manifest["files"] = files;
    write_json_atomically(out_dir / "manifest.json", manifest);
}

void add_place(nlohmann::json& entry, const MonitorPlace& place, std::size_t batch) {
    entry["group"] = place.group.empty() ? nlohmann::json(nullptr) : nlohmann::json(place.group);
    entry["group_size"] = place.group_size;
    entry["slice_start"] = place.slice_start;
    entry["slice_stop"] = place.slice_stop;
    entry["batch"] = batch;
}

namespace detail {

void check_batch_and_dt(const std::string& owner, std::size_t batch, double dt_ms) {
    if (batch == 0) throw ConfigError(owner + ": batch size is 0; it must be at least 1");
    if (!(dt_ms > 0.0))
        throw ConfigError(owner + ": dt " + std::to_string(dt_ms) + " ms must be positive");
}

void check_output_name(std::string_view what, std::string_view name) {
    std::string why;
    if (name.empty()) {
        why = "is empty";
    } else if (name == "." || name == "..") {
        why = "is a directory name";
    } else if (name.find_first_of("/\\") != std::string_view::npos) {
        why = "contains a path separator";
    } else if (name.find('\0') != std::string_view::npos) {
        why = "contains a NUL character";
    }
    if (!why.empty()) {
        throw ConfigError(std::string(what) + " '" + std::string(name) + "' " + why +
                          "; it becomes part of output file names, so use letters, digits, "
                          "'_' and '-'");
    }
}

void create_output_directory(const std::filesystem::path& out_dir, std::string_view owner) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) {
        throw IoError(std::string(owner) + ": cannot create output directory '" + out_dir.string() +
                      "': " + ec.message());
    }
}

}  // namespace detail

}  // namespace spikegraph
