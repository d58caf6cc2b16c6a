#pragma once
// Reads a .npy file front to back in chunks, so that arrays larger than memory (a monitor's
// 10^8 spike times) can be summarised with bounded memory. The header is checked on opening,
// and so is the file's length: a file cut short is refused before any value is read.

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/array_file.hpp"

namespace spikegraph {

class NpyStream {
public:
    /// @throws ConfigError "<path>: ..." for a missing or unreadable file, a header that is not
    /// NumPy's, an unsupported element type, or data shorter than the header says.
    explicit NpyStream(const std::filesystem::path& path);

    const std::vector<std::size_t>& shape() const { return layout_.shape; }
    /// Number of values in the file.
    std::size_t size() const { return layout_.size; }
    /// Values not read yet.
    std::size_t remaining() const { return layout_.size - read_; }
    const std::filesystem::path& path() const { return path_; }

    /// Reads up to `max` of the next values as double into `out`; returns how many (0 at the
    /// end). @throws IoError when the file cannot be read (it changed while being read).
    std::size_t read(double* out, std::size_t max);

    /// Moves to value `index` (0 <= index <= size()). @throws IoError
    void seek(std::size_t index);

private:
    std::filesystem::path path_;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
    detail::NpyLayout layout_;
    std::size_t read_ = 0;
    std::vector<unsigned char> bytes_;
};

}  // namespace spikegraph
