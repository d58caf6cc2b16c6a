#pragma once
// What the CLI tests share (tests/unit/test_cli*.cpp): running the built `spikegraph` program in
// an empty working directory with stdout and stderr captured, and checks of its output.

#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "monitors/npy_writer.hpp"
#include <spikegraph/config.hpp>

#ifndef SPIKEGRAPH_CLI
#error "SPIKEGRAPH_CLI must name the built spikegraph binary (see CMakeLists.txt)"
#endif
#ifndef SPIKEGRAPH_SOURCE_DIR
#error "SPIKEGRAPH_SOURCE_DIR must name the repository root (see CMakeLists.txt)"
#endif


namespace spikegraph::cli_test {

namespace fs = std::filesystem;
using nlohmann::json;

inline const std::string k_cuba = SPIKEGRAPH_SOURCE_DIR "/configs/cuba.yaml";
inline const std::string k_error_prefix = "spikegraph: error: ";

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir() {
        std::string name = (fs::temp_directory_path() / "spikegraph_cli_XXXXXX").string();
        if (::mkdtemp(name.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed for " + name);
        path_ = name;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

inline std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct CliResult {
    int exit_code = -1;  // -1 when the program did not exit normally (see signal)
    int signal = 0;      // the signal that killed it, 0 when it exited
    std::string out, err;
};

inline std::ostream& operator<<(std::ostream& os, const CliResult& r) {
    return os << "exit code " << r.exit_code << (r.signal ? ", killed by signal " : "")
              << (r.signal ? std::to_string(r.signal) : "") << "\n--- stdout ---\n"
              << r.out << "--- stderr ---\n" << r.err;
}

// Runs `spikegraph args...` in `cwd` with stdin from /dev/null and stdout, stderr captured.
inline CliResult run_cli(const std::vector<std::string>& args, const fs::path& cwd) {
    TempDir capture;
    std::string cmd = "cd " + shell_quote(cwd.string()) + " && exec " + shell_quote(SPIKEGRAPH_CLI);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " </dev/null >" + shell_quote((capture / "stdout").string()) + " 2>" +
           shell_quote((capture / "stderr").string());
    const int status = std::system(cmd.c_str());
    CliResult r;
    if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (status != -1 && WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = read_text(capture / "stdout");
    r.err = read_text(capture / "stderr");
    return r;
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\"\n  does not contain\n\"" << part
                                         << "\"";
}

// A user mistake: a non-zero exit (not a crash), and stderr one line with no stack trace.
inline ::testing::AssertionResult is_one_line_error(const CliResult& r) {
    if (r.signal != 0 || r.exit_code <= 0)
        return ::testing::AssertionFailure() << "expected a non-zero exit code; " << r;
    if (r.err.empty() || r.err.back() != '\n' ||
        std::count(r.err.begin(), r.err.end(), '\n') != 1)
        return ::testing::AssertionFailure() << "expected exactly one line on stderr; " << r;
    for (const char* trace : {"terminate called", "what():", "Aborted", "core dumped"})
        if (r.err.find(trace) != std::string::npos)
            return ::testing::AssertionFailure() << "stderr shows '" << trace << "'; " << r;
    return ::testing::AssertionSuccess();
}

// `dir` was never created, or holds nothing: a failed run leaves no partial output behind.
inline ::testing::AssertionResult absent_or_empty(const fs::path& dir) {
    if (!fs::exists(dir)) return ::testing::AssertionSuccess();
    if (!fs::is_directory(dir)) return ::testing::AssertionFailure() << dir << " is a file";
    std::string names;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        names += " " + e.path().lexically_relative(dir).string();
    if (names.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << dir << " holds:" << names;
}

// CUBA shrunk to `n` neurons (80% excitatory), for the tests that only need some spikes.
inline std::vector<std::string> small_cuba(std::size_t n) {
    const std::size_t split = n * 4 / 5;
    return {"--set", "groups.neurons.size=" + std::to_string(n),
            "--set", "connections.excitatory.pre=neurons[0:" + std::to_string(split) + "]",
            "--set", "connections.inhibitory.pre=neurons[" + std::to_string(split) + ":" +
                         std::to_string(n) + "]"};
}

inline std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Every test runs the program in its own empty working directory, so that anything it writes
// without being asked to (a default `out/`) is seen.
class Cli : public ::testing::Test {
protected:
    void SetUp() override { fs::create_directory(cwd()); }

    fs::path cwd() const { return tmp_ / "cwd"; }
    CliResult run(const std::vector<std::string>& args) const { return run_cli(args, cwd()); }
    json stats_of(const fs::path& out) const { return json::parse(read_text(out / "stats.json")); }

    TempDir tmp_;
};

}  // namespace spikegraph::cli_test
