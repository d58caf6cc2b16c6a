#pragma once
// Output files appear whole or not at all: everything is written to a temporary file beside the
// target, synced, and renamed over it. A crash or a full disk leaves the previous file (or none),
// never a truncated one that a reader would take for a complete result.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace spikegraph {

/// A temporary-name suffix that no other process and no other writer of this process uses:
/// ".part-<pid>-<n>", n counting up from 0 in each process. Two runs writing the same file name
/// at once therefore never write into one temporary file.
std::string unique_temp_suffix();

/// The process id in a file name that ends in a unique_temp_suffix(), 0 for any other name.
/// (Lets a later run recognise, and remove, the temporary files of a process that died.)
long temp_file_owner(std::string_view filename);

/// Writes `content` to `path` atomically: the bytes go to `path` + unique_temp_suffix() in the
/// same directory, which is synced and renamed over `path`; then the directory is synced.
/// @throws IoError naming the path and the reason; the temporary file is removed.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

namespace detail {
// Syncs the directory that holds `file`, so that a rename or unlink there is on disk. Returns 0
// or the errno (file systems that refuse fsync on a directory count as success).
int sync_directory(const std::filesystem::path& file);
}  // namespace detail

/// Streams a file of unknown length into `path` + unique_temp_suffix() and renames it over
/// `path` on commit().
/// Destroying the writer without commit() removes the temporary file and leaves `path` as it was.
class AtomicFileWriter {
public:
    /// Creates the temporary file beside `path`. The directory must exist.
    /// @throws IoError when the temporary file cannot be created.
    explicit AtomicFileWriter(std::filesystem::path path);
    ~AtomicFileWriter();

    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
    AtomicFileWriter(AtomicFileWriter&& other) noexcept;
    AtomicFileWriter& operator=(AtomicFileWriter&& other) noexcept;

    /// Appends `size` bytes.
    /// @throws IoError (e.g. disk full); the temporary file is then removed and the writer closed.
    void write(const void* data, std::size_t size);

    /// Overwrites bytes [offset, offset + size) of what was written so far (e.g. a header whose
    /// content is known only at the end).
    /// @throws IoError when the range lies past the bytes written or the write fails.
    void pwrite_at(std::uint64_t offset, const void* data, std::size_t size);

    /// Flushes, syncs, renames the temporary file over `path` and syncs the directory.
    /// A second call does nothing.
    /// @throws IoError; when it throws before the rename the temporary file is removed.
    void commit();

    /// Bytes written so far.
    std::uint64_t size() const { return size_; }
    const std::filesystem::path& path() const { return path_; }
    const std::filesystem::path& temp_path() const { return temp_path_; }
    bool committed() const { return committed_; }

private:
    void flush_buffer();
    void write_all(const char* data, std::size_t size);
    void require_open(std::string_view action) const;
    // Closes and removes the temporary file; safe to call more than once.
    void discard() noexcept;
    [[noreturn]] void fail(std::string_view action, int err);

    std::filesystem::path path_;
    std::filesystem::path temp_path_;
    int fd_ = -1;
    // Small writes (one row per step) are gathered here so they cost one syscall per ~64 KiB.
    std::vector<char> buffer_;
    std::uint64_t size_ = 0;
    bool committed_ = false;
};

}  // namespace spikegraph
