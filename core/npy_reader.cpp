// The .npy reader: NumPy's format (numpy.lib.format: magic, version, a little header that is a
// Python dict literal, then the data), and the file mapping the other readers share.

#include <cerrno>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/array_file.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {
namespace detail {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& message) {
    throw ConfigError(fmt::format("{}: {}", what, message));
}

// The value of `key` in the header dict: the text after "'key':", trimmed.
std::string header_field(const std::string& what, const std::string& header, const char* key) {
    const std::string quoted = fmt::format("'{}'", key);
    auto at = header.find(quoted);
    if (at == std::string::npos) fail(what, fmt::format("the .npy header has no {} field", quoted));
    at = header.find(':', at + quoted.size());
    if (at == std::string::npos) fail(what, "the .npy header is malformed");
    ++at;
    while (at < header.size() && header[at] == ' ') ++at;
    return header.substr(at);
}

struct ElementType {
    char kind = 'f';  // f, i, u, b
    std::size_t bytes = 8;
};

ElementType element_type(const std::string& what, const std::string& rest) {
    if (rest.empty() || (rest[0] != '\'' && rest[0] != '"')) fail(what, "the .npy 'descr' is not a type string");
    const auto end = rest.find(rest[0], 1);
    if (end == std::string::npos) fail(what, "the .npy 'descr' is not closed");
    const std::string d = rest.substr(1, end - 1);
    const std::string hint = "save it with numpy as float64, float32 or an integer type "
                             "(e.g. np.save(path, values.astype('float64')))";
    if (d.size() < 3) fail(what, fmt::format("unsupported element type '{}'; {}", d, hint));
    ElementType t;
    t.kind = d[1];
    const std::string width = d.substr(2);
    if (width.size() != 1 || width[0] < '1' || width[0] > '8')
        fail(what, fmt::format("unsupported element type '{}'; {}", d, hint));
    t.bytes = static_cast<std::size_t>(width[0] - '0');
    const bool ok = (t.kind == 'f' && (t.bytes == 4 || t.bytes == 8)) ||
                    ((t.kind == 'i' || t.kind == 'u') &&
                     (t.bytes == 1 || t.bytes == 2 || t.bytes == 4 || t.bytes == 8)) ||
                    (t.kind == 'b' && t.bytes == 1);
    if (!ok) fail(what, fmt::format("unsupported element type '{}'; {}", d, hint));
    if (d[0] == '>' && t.bytes > 1)
        fail(what, fmt::format("the data are big-endian ('{}'); {}", d, hint));
    if (d[0] != '<' && d[0] != '|' && d[0] != '=' && !(d[0] == '>' && t.bytes == 1))
        fail(what, fmt::format("unsupported element type '{}'; {}", d, hint));
    return t;
}

std::vector<std::size_t> shape_of(const std::string& what, const std::string& rest) {
    if (rest.empty() || rest[0] != '(') fail(what, "the .npy 'shape' is not a tuple");
    const auto end = rest.find(')');
    if (end == std::string::npos) fail(what, "the .npy 'shape' is not closed");
    std::vector<std::size_t> shape;
    std::size_t k = 1;
    while (k < end) {
        while (k < end && (rest[k] == ' ' || rest[k] == ',')) ++k;
        if (k >= end) break;
        std::size_t v = 0;
        bool digits = false;
        while (k < end && rest[k] >= '0' && rest[k] <= '9') {
            const auto d = static_cast<std::size_t>(rest[k] - '0');
            if (v > (std::numeric_limits<std::size_t>::max() - d) / 10) fail(what, "the .npy shape is too large");
            v = v * 10 + d;
            digits = true;
            ++k;
        }
        if (!digits) fail(what, "the .npy 'shape' holds something that is not a size");
        shape.push_back(v);
    }
    return shape;
}

template <class T>
double load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return static_cast<double>(v);
}

double element(const ElementType& t, const unsigned char* p) {
    switch (t.kind) {
        case 'f': return t.bytes == 8 ? load<double>(p) : load<float>(p);
        case 'b': return *p != 0 ? 1.0 : 0.0;
        case 'u':
            switch (t.bytes) {
                case 1: return load<std::uint8_t>(p);
                case 2: return load<std::uint16_t>(p);
                case 4: return load<std::uint32_t>(p);
                default: return load<std::uint64_t>(p);
            }
        default:
            switch (t.bytes) {
                case 1: return load<std::int8_t>(p);
                case 2: return load<std::int16_t>(p);
                case 4: return load<std::int32_t>(p);
                default: return load<std::int64_t>(p);
            }
    }
}

}  // namespace

NpyLayout parse_npy_header(const std::string& what, const unsigned char* bytes, std::size_t n) {
    static constexpr unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (n < 10 || std::memcmp(bytes, magic, sizeof(magic)) != 0)
        fail(what, "not a .npy file (it does not start with NumPy's magic bytes \\x93NUMPY); "
                   "write it with numpy.save");
    const unsigned major = bytes[6];
    std::size_t header_len = 0, offset = 0;
    if (major == 1) {
        header_len = std::size_t{bytes[8]} | (std::size_t{bytes[9]} << 8);
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (n < 12) fail(what, "the .npy header is cut short");
        header_len = std::size_t{bytes[8]} | (std::size_t{bytes[9]} << 8) |
                     (std::size_t{bytes[10]} << 16) | (std::size_t{bytes[11]} << 24);
        offset = 12;
    } else {
        fail(what, fmt::format("unsupported .npy format version {}", major));
    }
    if (header_len > n - offset) fail(what, "the .npy header is cut short");
    const std::string header(reinterpret_cast<const char*>(bytes + offset), header_len);
    const ElementType type = element_type(what, header_field(what, header, "descr"));
    if (header_field(what, header, "fortran_order").rfind("True", 0) == 0)
        fail(what, "the array is in Fortran order; save a C-ordered copy "
                   "(np.save(path, np.ascontiguousarray(values)))");
    NpyLayout out;
    out.kind = type.kind;
    out.bytes = type.bytes;
    out.shape = shape_of(what, header_field(what, header, "shape"));
    out.size = 1;
    for (std::size_t d : out.shape) {
        if (d != 0 && out.size > std::numeric_limits<std::size_t>::max() / 16 / d)
            fail(what, "the .npy shape is too large");
        out.size *= d;
    }
    out.data_offset = offset + header_len;
    return out;
}

void npy_to_double(const NpyLayout& layout, const unsigned char* p, std::size_t count,
                   double* out) {
    const ElementType type{layout.kind, layout.bytes};
    if (type.kind == 'f' && type.bytes == 8) {
        std::memcpy(out, p, count * sizeof(double));
        return;
    }
    for (std::size_t k = 0; k < count; ++k) out[k] = element(type, p + k * type.bytes);
}

NumericArray parse_npy(const std::string& what, const unsigned char* bytes, std::size_t n,
                       const std::shared_ptr<const void>& owner) {
    const NpyLayout layout = parse_npy_header(what, bytes, n);
    const ElementType type{layout.kind, layout.bytes};
    NumericArray out;
    out.shape = layout.shape;
    out.size = layout.size;
    const std::size_t data = layout.data_offset;
    const std::size_t need = out.size * type.bytes;
    if (n - data < need)
        fail(what, fmt::format("the file is cut short: the header promises {} values ({} bytes) "
                               "but {} bytes follow it", out.size, need, n - data));
    const unsigned char* p = bytes + data;
    const bool aligned = reinterpret_cast<std::uintptr_t>(p) % alignof(double) == 0;
    if (owner && type.kind == 'f' && type.bytes == 8 && aligned) {
        out.values = reinterpret_cast<const double*>(p);
        out.mapped = true;
        out.storage = owner;
        return out;
    }
    auto copy = std::make_shared<std::vector<double>>(out.size);
    for (std::size_t k = 0; k < out.size; ++k) (*copy)[k] = element(type, p + k * type.bytes);
    out.values = copy->data();
    out.storage = std::move(copy);
    return out;
}

std::shared_ptr<const MappedFile> map_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail(path, errno == ENOENT ? std::string("no such file; check the path (a relative path "
                                                 "is taken from the config file's folder)")
                                   : fmt::format("cannot open it: {}", std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "not a regular file");
    }
    auto mapped = std::shared_ptr<MappedFile>(new MappedFile, [](MappedFile* m) {
        if (m->data) ::munmap(const_cast<unsigned char*>(m->data), m->size);
        delete m;
    });
    mapped->size = static_cast<std::size_t>(st.st_size);
    if (mapped->size > 0) {
        void* p = ::mmap(nullptr, mapped->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            fail(path, fmt::format("cannot read it: {}", std::strerror(e)));
        }
        mapped->data = static_cast<const unsigned char*>(p);
    }
    ::close(fd);
    return mapped;
}

}  // namespace detail

NumericArray load_npy(const std::string& path) {
    auto file = detail::map_file(path);
    // Small files are converted (the mapping goes when the copy is made); large float64 data
    // stay mapped, shared by every user of the array.
    const bool keep = file->size > k_map_threshold_bytes;
    return detail::parse_npy(path, file->data, file->size,
                             keep ? std::shared_ptr<const void>(file) : nullptr);
}

NumericArray load_array_file(const std::string& path) {
    auto ends_with = [&](const char* s) {
        const std::size_t n = std::strlen(s);
        return path.size() >= n && path.compare(path.size() - n, n, s) == 0;
    };
    if (ends_with(".npy")) return load_npy(path);
    if (ends_with(".csv") || ends_with(".txt")) return load_csv(path);
    throw ConfigError(fmt::format("{}: unknown file type; use a .npy (numpy.save) or a .csv file",
                                  path));
}

}  // namespace spikegraph
