#pragma once
// Numeric arrays read from files: NumPy's .npy (format versions 1 to 3), .npz archives (written
// by np.savez or np.savez_compressed) and plain .csv text. Values come back as double, in C
// (row-major) order, whatever the file's element type.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace spikegraph {

/// A numeric array from a file. `values` points into `storage`: a read-only memory mapping of
/// the file where its data are little-endian float64 and the file is larger than
/// k_map_threshold_bytes, a converted copy otherwise. Copies share the storage.
struct NumericArray {
    std::vector<std::size_t> shape;  // empty for a 0-d array (one value)
    const double* values = nullptr;
    std::size_t size = 0;            // number of values (the product of `shape`)
    bool mapped = false;             // `values` point into a mapping of the file
    std::shared_ptr<const void> storage;
};

/// Files larger than this are memory-mapped where their data can be used as they are.
inline constexpr std::size_t k_map_threshold_bytes = std::size_t{16} << 20;

/// Reads a .npy file. Element types: float64, float32, signed and unsigned integers of 1 to 8
/// bytes, bool; little-endian or one byte; C order.
/// @throws ConfigError "<path>: <what is wrong and what to do>" for a missing or unreadable
///         file, a header that is not NumPy's, an unsupported element type, Fortran order or
///         data shorter than the header says.
NumericArray load_npy(const std::string& path);

/// The arrays of an .npz archive by name (member `times.npy` is `times`), stored or deflated.
/// @throws ConfigError as load_npy, and for an archive that is not a zip file or a member that
///         is not an .npy.
std::map<std::string, NumericArray> load_npz(const std::string& path);

/// A .csv of numbers: one row per line, values separated by commas (or blanks); blank lines and
/// lines starting with `#` are skipped, as is a first line that is not numbers (a header).
/// One column gives a 1-D array, several a 2-D array (rows x columns).
/// @throws ConfigError naming the file and line of a value that is not a number or of a row
///         whose length differs from the first row's.
NumericArray load_csv(const std::string& path);

/// load_npy or load_csv by the file's extension (.npy, .csv).
/// @throws ConfigError for another extension, and as those do.
NumericArray load_array_file(const std::string& path);

namespace detail {

/// What a .npy header says: element kind ('f', 'i', 'u', 'b') and size, shape, number of
/// values and where the data start.
struct NpyLayout {
    char kind = 'f';
    std::size_t bytes = 8;
    std::vector<std::size_t> shape;
    std::size_t size = 0;
    std::size_t data_offset = 0;
};

/// Parses the header at the start of `bytes` (`n` bytes available, at least the header).
/// @throws ConfigError "<what>: ..." as load_npy.
NpyLayout parse_npy_header(const std::string& what, const unsigned char* bytes, std::size_t n);

/// Converts `count` values laid out as `layout` says to double.
void npy_to_double(const NpyLayout& layout, const unsigned char* p, std::size_t count,
                   double* out);

/// Parses the bytes of one .npy (`what` names it in messages). With `owner`, float64 data may
/// be used in place (the result then shares `owner`); otherwise the values are copied.
NumericArray parse_npy(const std::string& what, const unsigned char* bytes, std::size_t n,
                       const std::shared_ptr<const void>& owner);

/// A read-only mapping of a whole file (nullptr data for an empty file).
struct MappedFile {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
};
std::shared_ptr<const MappedFile> map_file(const std::string& path);

}  // namespace detail

}  // namespace spikegraph
