#include "core/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

namespace detail {

constexpr std::size_t k_write_buffer_bytes = std::size_t{64} << 10;

std::string io_hint(int err) {
    switch (err) {
        case ENOSPC:
        case EDQUOT: return "; free some space or choose another output directory";
        case EACCES:
        case EPERM:
        case EROFS: return "; choose a writable output directory";
        case ENOENT: return "; create the directory first";
        default: return "";
    }
}

// The rename is durable only once the directory entry is on disk. Some file systems (and
// FUSE mounts) refuse fsync on a directory; there is nothing more we can do there, so those
// answers are not errors.
int sync_directory(const std::filesystem::path& file) {
    std::filesystem::path dir = file.parent_path();
    if (dir.empty()) dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = 0;
    if (::fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP) err = errno;
    ::close(fd);
    return err;
}

}  // namespace detail

std::string unique_temp_suffix() {
    static std::atomic<std::uint64_t> counter{0};
    return ".part-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

long temp_file_owner(std::string_view filename) {
    const std::size_t at = filename.rfind(".part-");
    if (at == std::string_view::npos) return 0;
    const std::string_view tail = filename.substr(at + 6);
    const std::size_t dash = tail.find('-');
    const auto all_digits = [](std::string_view s) {
        return !s.empty() && s.size() <= 18 &&
               s.find_first_not_of("0123456789") == std::string_view::npos;
    };
    if (dash == std::string_view::npos || !all_digits(tail.substr(0, dash)) ||
        !all_digits(tail.substr(dash + 1)))
        return 0;
    return std::stol(std::string(tail.substr(0, dash)));
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    AtomicFileWriter writer(path);
    writer.write(content.data(), content.size());
    writer.commit();
}

AtomicFileWriter::AtomicFileWriter(std::filesystem::path path) : path_(std::move(path)) {
    temp_path_ = path_;
    temp_path_ += unique_temp_suffix();
    // O_EXCL: the name is ours alone; a file already there (left by a dead process whose pid we
    // now have) is replaced rather than shared.
    ::unlink(temp_path_.c_str());
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) {
        const int err = errno;
        throw IoError("cannot write '" + path_.string() + "': " + std::strerror(err) +
                      " (creating temporary file '" + temp_path_.string() + "')" +
                      detail::io_hint(err));
    }
    buffer_.reserve(detail::k_write_buffer_bytes);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (!committed_) discard();
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      size_(other.size_),
      committed_(std::exchange(other.committed_, true)) {}

AtomicFileWriter& AtomicFileWriter::operator=(AtomicFileWriter&& other) noexcept {
    if (this != &other) {
        if (!committed_) discard();
        path_ = std::move(other.path_);
        temp_path_ = std::move(other.temp_path_);
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
        size_ = other.size_;
        // The moved-from writer owns nothing; marking it committed keeps its destructor from
        // removing a temporary file that is now ours.
        committed_ = std::exchange(other.committed_, true);
    }
    return *this;
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
    require_open("write to");
    if (size == 0) return;
    const char* bytes = static_cast<const char*>(data);
    if (buffer_.size() + size > detail::k_write_buffer_bytes) flush_buffer();
    if (size >= detail::k_write_buffer_bytes) {
        write_all(bytes, size);  // large blocks skip the copy into the buffer
    } else {
        buffer_.insert(buffer_.end(), bytes, bytes + size);
    }
    size_ += size;
}

void AtomicFileWriter::pwrite_at(std::uint64_t offset, const void* data, std::size_t size) {
    require_open("patch");
    if (offset > size_ || size > size_ - offset) {
        throw IoError("cannot patch bytes [" + std::to_string(offset) + ", " +
                      std::to_string(offset + size) + ") of '" + path_.string() + "': only " +
                      std::to_string(size_) + " bytes have been written");
    }
    flush_buffer();
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::pwrite(fd_, bytes, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("patching", errno);
        }
        bytes += n;
        offset += static_cast<std::uint64_t>(n);
        size -= static_cast<std::size_t>(n);
    }
}

void AtomicFileWriter::commit() {
    if (committed_) return;
    require_open("commit");
    flush_buffer();
    if (::fsync(fd_) != 0) fail("syncing", errno);
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) fail("closing", errno);
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("renaming", errno);
    committed_ = true;
    if (const int err = detail::sync_directory(path_); err != 0) {
        throw IoError("cannot write '" + path_.string() + "': " + std::strerror(err) +
                      " (syncing its directory after the rename)");
    }
}

void AtomicFileWriter::flush_buffer() {
    if (buffer_.empty()) return;
    write_all(buffer_.data(), buffer_.size());
    buffer_.clear();
}

void AtomicFileWriter::write_all(const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("writing", errno);
        }
        // A zero-byte write on a regular file means the device took nothing: treat it as full.
        if (n == 0) fail("writing", ENOSPC);
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void AtomicFileWriter::require_open(std::string_view action) const {
    if (committed_) {
        throw IoError("cannot " + std::string(action) + " '" + path_.string() +
                      "': the file was already committed");
    }
    if (fd_ < 0) {
        throw IoError("cannot " + std::string(action) + " '" + path_.string() +
                      "': an earlier write failed and the temporary file was removed");
    }
}

void AtomicFileWriter::discard() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!temp_path_.empty()) {
        ::unlink(temp_path_.c_str());
        // Forget the name so a later discard cannot remove a file someone else created since.
        temp_path_.clear();
    }
    buffer_.clear();
}

void AtomicFileWriter::fail(std::string_view action, int err) {
    const std::string temp = temp_path_.string();
    discard();
    throw IoError("cannot write '" + path_.string() + "': " + std::strerror(err) + " (" +
                  std::string(action) + " temporary file '" + temp + "')" + detail::io_hint(err));
}

}  // namespace spikegraph
