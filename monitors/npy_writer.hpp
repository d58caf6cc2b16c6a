#pragma once
// NumPy .npy files (format 1.0), the output format of monitors: `numpy.load` reads them without
// any spikegraph code. Monitors do not know how many rows a run will produce, so the streaming
// writer reserves a header large enough for any row count and patches it at the end.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/atomic_file.hpp"

namespace spikegraph {

/// The complete .npy 1.0 header (magic, version, length, dict, padding) for a C-order array of
/// dtype `descr` (e.g. "<f8", "<i8") and `shape`; its length is a multiple of 64.
/// @throws IoError when `descr` is not a supported little-endian dtype.
std::string npy_header(std::string_view descr, const std::vector<std::size_t>& shape);

/// Bytes per element of a dtype descr such as "<f8" or "|u1".
/// @throws IoError when `descr` cannot be parsed.
std::size_t npy_item_size(std::string_view descr);

/// Streams rows into `path` (through a temporary file beside it, see AtomicFileWriter) and makes
/// the file appear, complete, on finish(). Destroying it without finish() leaves no file at
/// `path`.
class NpyStreamWriter {
public:
    /// The final shape is (rows, trailing_shape...); an empty trailing shape gives (rows,).
    /// @throws IoError when the temporary file cannot be created or `descr` is unsupported.
    NpyStreamWriter(std::filesystem::path path, std::string descr,
                    std::vector<std::size_t> trailing_shape);

    /// Appends `rows` rows of product(trailing_shape) elements each, C order.
    /// @throws IoError on a write failure or after finish().
    void append(const void* data, std::size_t rows);

    /// Writes the final shape into the header and commits the file. A second call does nothing.
    /// @throws IoError
    void finish();

    std::size_t rows() const { return rows_; }
    std::size_t row_bytes() const { return row_bytes_; }
    bool finished() const { return finished_; }
    const std::filesystem::path& path() const { return file_.path(); }

private:
    std::vector<std::size_t> shape_for(std::size_t rows) const;

    AtomicFileWriter file_;
    std::string descr_;
    std::vector<std::size_t> trailing_shape_;
    std::size_t header_bytes_ = 0;
    std::size_t row_bytes_ = 0;
    std::size_t rows_ = 0;
    bool finished_ = false;
};

/// Writes a whole C-order array (product(shape) elements at `data`) to `path` atomically.
/// @throws IoError
void write_npy(const std::filesystem::path& path, std::string_view descr,
               const std::vector<std::size_t>& shape, const void* data);

/// An array read back from a .npy file: the raw little-endian bytes plus what the header says.
struct NpyArray {
    std::string descr;
    std::vector<std::size_t> shape;
    std::vector<char> bytes;
    bool fortran_order = false;

    std::size_t size() const;

    /// The elements in storage order, converted by copy.
    /// @throws Error when T's kind or size does not match `descr` (no numeric conversion).
    template <class T>
    std::vector<T> as() const {
        static_assert(std::is_arithmetic_v<T>, "NpyArray::as<T> needs an arithmetic T");
        constexpr char kind = std::is_same_v<T, bool>       ? 'b'
                              : std::is_floating_point_v<T> ? 'f'
                              : std::is_signed_v<T>         ? 'i'
                                                            : 'u';
        check_element(kind, sizeof(T));
        std::vector<T> out(bytes.size() / sizeof(T));
        if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
        return out;
    }

private:
    void check_element(char kind, std::size_t size) const;
};

/// Reads a .npy file (format 1.0, 2.0 or 3.0).
/// @throws IoError when the file cannot be read or is malformed, with the reason.
NpyArray read_npy(const std::filesystem::path& path);

}  // namespace spikegraph
