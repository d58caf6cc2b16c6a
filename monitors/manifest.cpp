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
    manifest["version"] = 1;
    manifest["run"] = run_info;
    manifest["files"] = files;
    write_json_atomically(out_dir / "manifest.json", manifest);
}

namespace detail {

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
