#pragma once
// An output directory held by one run, so that outputs are never mixed or corrupted:
//  - it is locked for the run's whole life (`.spikegraph.lock`, flock, holding the pid): a
//    second run into it is refused at once, naming the holder;
//  - a run replaces the previous run's files as a whole: while it runs, the previous run's
//    manifest and files stay as they were (this run writes only temporary files); when it
//    commits, it first records in `.spikegraph.journal.json` the files of both runs and removes
//    the previous manifest.json, then renames its files into place, writes its manifest.json
//    last, and finally removes the previous run's files it did not write, and the journal;
//  - files spikegraph did not write are never removed.
// Readers trust only the files that manifest.json lists: at every moment it describes one
// complete run, or is absent (a crash while committing), in which case the next run cleans up.
// See docs/outputs.md.

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace spikegraph {

inline constexpr const char* k_output_lock_file = ".spikegraph.lock";
inline constexpr const char* k_output_journal_file = ".spikegraph.journal.json";

namespace detail {

// The lock on a directory: the file `.spikegraph.lock` in it, flock'ed while this object lives.
// Destroying it removes the lock file and, when this run created the directory and left it
// empty, the directory.
class DirectoryLock {
public:
    DirectoryLock(const std::filesystem::path& dir, bool created);
    ~DirectoryLock();
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

private:
    std::filesystem::path dir_;
    std::filesystem::path file_;
    int fd_ = -1;
    bool created_ = false;
};

// Why `dir` cannot be an output directory, with the fix ("is a file, not a directory; choose
// another output directory", ...), or "" when it can. Creates and changes nothing.
std::string output_directory_problem(const std::filesystem::path& dir);

}  // namespace detail

class OutputDirectory {
public:
    /// Creates `dir` (and its parents) when needed, locks it, reads what the previous run there
    /// owned (its manifest.json and an unfinished journal) and removes temporary files left by
    /// processes that died.
    /// @throws IoError when `dir` is not a directory or cannot be created or written, when
    /// another run holds it (naming its pid), or when its manifest.json is not spikegraph's.
    explicit OutputDirectory(std::filesystem::path dir);
    ~OutputDirectory();
    OutputDirectory(const OutputDirectory&) = delete;
    OutputDirectory& operator=(const OutputDirectory&) = delete;

    const std::filesystem::path& path() const { return dir_; }

    /// Files (names within the directory) the previous run owned.
    const std::set<std::string>& previous_files() const { return previous_; }

    /// Call before the first of this run's files replaces anything: records the previous run's
    /// files and `files` (this run's, manifest.json and stats.json included) in the journal,
    /// then removes the previous manifest.json. @throws IoError
    void begin_commit(const std::vector<std::string>& files);

    /// Call after this run's manifest.json is in place: removes the previous run's files that
    /// this run did not write, then the journal. @throws IoError
    void end_commit();

private:
    void read_previous();
    void remove_stale_temporaries() const;

    std::filesystem::path dir_;
    std::unique_ptr<detail::DirectoryLock> lock_;
    std::set<std::string> previous_;
    std::set<std::string> current_;
};

}  // namespace spikegraph
