#pragma once
// A temporary file beside a monitor's output that holds the rows of one stream of a batched run
// (a variable and batch entry) until the monitor's finish() copies it into the final array,
// batch axis first. Removed on destruction.

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "core/atomic_file.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {

class PartFile {
public:
    explicit PartFile(std::filesystem::path path) : path_(std::move(path)) {
        // "e": close-on-exec, so a compiler started meanwhile does not inherit the file.
        file_ = std::fopen(path_.c_str(), "w+be");
        if (file_ == nullptr) fail("creating");
    }
    ~PartFile() {
        if (file_ != nullptr) std::fclose(file_);
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    void write(const void* data, std::size_t bytes) {
        if (bytes > 0 && std::fwrite(data, 1, bytes, file_) != bytes) fail("writing");
    }

    // Appends everything written so far to `out`, `scratch.size()` bytes at a time; returns the
    // number of bytes copied.
    std::uint64_t copy_to(AtomicFileWriter& out, std::vector<char>& scratch) {
        if (std::fflush(file_) != 0) fail("flushing");
        std::rewind(file_);
        std::uint64_t copied = 0;
        for (;;) {
            const std::size_t n = std::fread(scratch.data(), 1, scratch.size(), file_);
            out.write(scratch.data(), n);
            copied += n;
            if (n < scratch.size()) {
                if (std::ferror(file_) != 0) fail("reading back");
                return copied;
            }
        }
    }

private:
    [[noreturn]] void fail(const char* action) const {
        const int err = errno;
        throw IoError("cannot write '" + path_.string() + "': " + std::strerror(err) + " (" +
                      action + " the part file of a batched monitor)");
    }

    std::filesystem::path path_;
    std::FILE* file_ = nullptr;
};

}  // namespace spikegraph
