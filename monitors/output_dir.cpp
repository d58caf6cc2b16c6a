#include "monitors/output_dir.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "monitors/manifest.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {

namespace fs = std::filesystem;

namespace {

// A manifest or journal larger than this is not one spikegraph wrote (a manifest holds about
// 400 bytes per file).
constexpr std::uintmax_t k_max_manifest_bytes = std::uintmax_t{64} << 20;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// A name that a manifest may list for removal: a plain file name inside the directory, never a
// path that leads out of it, and never the lock or the journal.
bool removable_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find_first_of("/\\") == std::string::npos && name.find('\0') == std::string::npos &&
           name != k_output_lock_file && name != k_output_journal_file;
}

// The JSON in `file`, or null when it is missing; `why` says what is wrong with a file that is
// there but is not JSON of a sane size.
nlohmann::json read_json(const fs::path& file, std::string& why) {
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (ec || !fs::exists(status)) return nullptr;
    if (!fs::is_regular_file(status)) {
        why = "it is not a regular file";
        return nullptr;
    }
    if (fs::file_size(file, ec) > k_max_manifest_bytes) {
        why = "it is larger than 64 MiB";
        return nullptr;
    }
    std::ifstream in(file, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) {
        why = "it is not JSON";
        return nullptr;
    }
    return value;
}

// Adds the file names a manifest ("files": [{"file": NAME}, ...]) or a journal ("files":
// [NAME, ...]) lists to `names`, leaving out any that are not plain names in the directory.
void collect_names(const nlohmann::json& doc, std::set<std::string>& names) {
    if (!doc.contains("files") || !doc["files"].is_array()) return;
    for (const auto& f : doc["files"]) {
        const nlohmann::json* name = &f;
        if (f.is_object() && f.contains("file")) name = &f["file"];
        if (name->is_string() && removable_name(name->get<std::string>()))
            names.insert(name->get<std::string>());
    }
}

// The manifest.json in `dir` (null when there is none), or a sentence in `problem` when there
// is one that spikegraph did not write: such a directory is not ours to write into.
nlohmann::json read_manifest(const fs::path& dir, std::string& problem) {
    std::string why;
    nlohmann::json manifest = read_json(dir / "manifest.json", why);
    const bool ours = manifest.is_null() ||
                      (manifest.is_object() &&
                       manifest.value("format", std::string()) == "spikegraph-output");
    if (why.empty() && ours) return manifest;
    problem = "holds a manifest.json that spikegraph did not write" +
              (why.empty() ? std::string() : " (" + why + ")") +
              "; move that file away or choose another output directory";
    return nullptr;
}

// Whether the process `pid` has surely ended: kill(pid, 0) says there is no such process.
bool process_gone(long pid) {
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

std::string read_holder_pid(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string text = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        return "pid unknown";
    return "pid " + text;
}

}  // namespace

namespace detail {

DirectoryLock::DirectoryLock(const fs::path& dir, bool created)
    : dir_(dir), file_(dir / k_output_lock_file), created_(created) {
    // The file may be unlinked by its holder between our open and our flock; then the lock we
    // got is on a name nobody else sees, so check that the name still leads to our file.
    for (int attempt = 0; attempt < 8; ++attempt) {
        // No O_TRUNC: a run that is refused must not change the holder's file.
        fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            const int err = errno;
            throw IoError("output directory " + quoted(dir_) + ": cannot create its lock file " +
                          quoted(file_) + ": " + std::strerror(err) +
                          (err == EACCES || err == EPERM || err == EROFS
                               ? "; choose a writable output directory"
                               : ""));
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            const std::string holder = read_holder_pid(fd_);
            ::close(fd_);
            fd_ = -1;
            if (err == EWOULDBLOCK) {
                throw IoError("output directory " + quoted(dir_) +
                              " is in use by another spikegraph run (" + holder +
                              "); wait for that run to end or choose another output directory");
            }
            throw IoError("output directory " + quoted(dir_) + ": cannot lock " + quoted(file_) +
                          ": " + std::strerror(err) +
                          "; choose an output directory on a file system with file locks");
        }
        struct stat held {}, named {};
        if (::fstat(fd_, &held) == 0 && ::stat(file_.c_str(), &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino)
            break;
        ::close(fd_);
        fd_ = -1;
    }
    if (fd_ < 0) {
        throw IoError("output directory " + quoted(dir_) + ": its lock file " + quoted(file_) +
                      " keeps being replaced; is another program removing it?");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    // The pid is for messages only; failing to write it does not weaken the lock.
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] const ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

DirectoryLock::~DirectoryLock() {
    if (fd_ < 0) return;
    // Unlink before unlocking: whoever opened the old file meanwhile sees the name gone and
    // retries on a new one.
    ::unlink(file_.c_str());
    ::close(fd_);
    // rmdir removes only an empty directory: one this run created and wrote nothing into.
    if (created_) ::rmdir(dir_.c_str());
}

std::string output_directory_problem(const fs::path& dir) {
    const std::string fix = "; choose another output directory";
    std::error_code ec;
    if (fs::exists(dir, ec)) {
        if (!fs::is_directory(dir, ec)) return "is a file, not a directory" + fix;
        if (::access(dir.c_str(), W_OK | X_OK) != 0)
            return std::string("is not writable (") + std::strerror(errno) + ")" + fix;
        std::string problem;
        read_manifest(dir, problem);
        return problem;
    }
    // It will be created: the nearest existing ancestor must be a writable directory.
    fs::path parent = dir.parent_path();
    while (!parent.empty() && !fs::exists(parent, ec)) parent = parent.parent_path();
    if (parent.empty()) parent = ".";
    if (!fs::is_directory(parent, ec))
        return "cannot be created: " + quoted(parent) + " is a file, not a directory" + fix;
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
        return "cannot be created: " + quoted(parent) + " is not writable (" +
               std::strerror(errno) + ")" + fix;
    return "";
}

}  // namespace detail

OutputDirectory::OutputDirectory(fs::path dir) : dir_(std::move(dir)) {
    if (const std::string why = detail::output_directory_problem(dir_); !why.empty())
        throw IoError("output directory " + quoted(dir_) + " " + why);
    std::error_code ec;
    const bool existed = fs::exists(dir_, ec);
    if (!existed) detail::create_output_directory(dir_, "the simulation");
    lock_ = std::make_unique<detail::DirectoryLock>(dir_, !existed);
    read_previous();
    remove_stale_temporaries();
}

OutputDirectory::~OutputDirectory() = default;

void OutputDirectory::read_previous() {
    std::string problem;
    const nlohmann::json manifest = read_manifest(dir_, problem);
    if (!problem.empty()) throw IoError("output directory " + quoted(dir_) + " " + problem);
    if (!manifest.is_null()) {
        collect_names(manifest, previous_);
        previous_.insert("manifest.json");
        previous_.insert("stats.json");
    }
    // A journal is left only by a run that died while committing: its files are leftovers too.
    std::string journal_why;
    const nlohmann::json journal = read_json(dir_ / k_output_journal_file, journal_why);
    if (journal.is_object() && journal.value("format", std::string()) == "spikegraph-journal")
        collect_names(journal, previous_);
}

void OutputDirectory::remove_stale_temporaries() const {
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const long owner = temp_file_owner(it->path().filename().string());
        std::error_code ignored;
        if (owner != 0 && owner != ::getpid() && process_gone(owner) &&
            it->is_regular_file(ignored))
            fs::remove(it->path(), ignored);
    }
}

void OutputDirectory::begin_commit(const std::vector<std::string>& files) {
    current_ = std::set<std::string>(files.begin(), files.end());
    if (previous_.empty()) return;  // nothing of an earlier run to replace or remove
    std::set<std::string> all = previous_;
    all.insert(current_.begin(), current_.end());
    nlohmann::json journal = {{"format", "spikegraph-journal"},
                              {"meaning", "a spikegraph run was replacing the files of an "
                                          "earlier run here; the next run removes them"},
                              {"files", all}};
    write_json_atomically(dir_ / k_output_journal_file, journal);
    const fs::path manifest = dir_ / "manifest.json";
    if (::unlink(manifest.c_str()) != 0 && errno != ENOENT) {
        const int err = errno;
        throw IoError("cannot remove the previous run's " + quoted(manifest) + ": " +
                      std::strerror(err));
    }
    // The manifest must be gone on disk before any of its files is replaced.
    detail::sync_directory(manifest);
}

void OutputDirectory::end_commit() {
    if (previous_.empty()) return;
    for (const std::string& name : previous_) {
        if (current_.count(name) != 0) continue;
        std::error_code ec;
        const fs::path file = dir_ / name;
        const auto status = fs::symlink_status(file, ec);
        // Only files: a directory of the user's never goes, whatever a manifest says.
        if (!ec && (fs::is_regular_file(status) || fs::is_symlink(status))) fs::remove(file, ec);
    }
    const fs::path journal = dir_ / k_output_journal_file;
    ::unlink(journal.c_str());
    detail::sync_directory(journal);
    previous_ = current_;
}

}  // namespace spikegraph
