// The .npz reader: a zip archive of .npy members (PKWARE's APPNOTE: end of central directory,
// central directory, local headers; zip64 records as Python's zipfile writes them), each stored
// or deflated (np.savez_compressed), inflated with zlib.

#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <zlib.h>

#include "core/array_file.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& message) {
    throw ConfigError(fmt::format("{}: {}", what, message));
}

std::uint64_t le(const unsigned char* p, int bytes) {
    std::uint64_t v = 0;
    for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | p[k];
    return v;
}

struct Member {
    std::string name;
    unsigned method = 0;
    std::uint64_t compressed = 0, size = 0, offset = 0;
};

// The zip64 extended information of a central directory entry replaces the fields that are
// 0xFFFFFFFF, in the order size, compressed size, offset.
void read_zip64_extra(Member& m, const unsigned char* extra, std::size_t n, bool big_size,
                      bool big_compressed, bool big_offset) {
    std::size_t k = 0;
    while (k + 4 <= n) {
        const auto id = le(extra + k, 2), len = le(extra + k + 2, 2);
        if (k + 4 + len > n) return;
        if (id == 1) {
            const unsigned char* p = extra + k + 4;
            std::size_t at = 0;
            auto take = [&](std::uint64_t& field) {
                if (at + 8 <= len) field = le(p + at, 8), at += 8;
            };
            if (big_size) take(m.size);
            if (big_compressed) take(m.compressed);
            if (big_offset) take(m.offset);
            return;
        }
        k += 4 + len;
    }
}

std::vector<Member> central_directory(const std::string& path, const unsigned char* b,
                                      std::size_t n) {
    const std::string not_zip = "not an .npz archive (no zip directory found); write it with "
                                "numpy.savez or numpy.savez_compressed";
    if (n < 22) fail(path, not_zip);
    // The end record is the last 22 bytes, unless a comment of up to 65535 bytes follows it.
    std::size_t end = n - 22;
    const std::size_t lowest = n - 22 > 65535 ? n - 22 - 65535 : 0;
    while (le(b + end, 4) != 0x06054b50) {
        if (end == lowest) fail(path, not_zip);
        --end;
    }
    std::uint64_t count = le(b + end + 10, 2), dir_size = le(b + end + 12, 4),
                  dir_offset = le(b + end + 16, 4);
    if ((count == 0xFFFF || dir_offset == 0xFFFFFFFF || dir_size == 0xFFFFFFFF) && end >= 20 &&
        le(b + end - 20, 4) == 0x07064b50) {
        const std::uint64_t z = le(b + end - 20 + 8, 8);
        if (z > n - 56 || le(b + z, 4) != 0x06064b50) fail(path, "its zip64 directory is damaged");
        count = le(b + z + 32, 8);
        dir_size = le(b + z + 40, 8);
        dir_offset = le(b + z + 48, 8);
    }
    if (dir_offset > n || dir_size > n - dir_offset) fail(path, "its zip directory is damaged");
    std::vector<Member> members;
    std::size_t at = static_cast<std::size_t>(dir_offset);
    for (std::uint64_t k = 0; k < count; ++k) {
        if (at + 46 > n || le(b + at, 4) != 0x02014b50) fail(path, "its zip directory is damaged");
        Member m;
        m.method = static_cast<unsigned>(le(b + at + 10, 2));
        m.compressed = le(b + at + 20, 4);
        m.size = le(b + at + 24, 4);
        const std::size_t name_len = le(b + at + 28, 2), extra_len = le(b + at + 30, 2),
                          comment_len = le(b + at + 32, 2);
        m.offset = le(b + at + 42, 4);
        if (at + 46 + name_len + extra_len > n) fail(path, "its zip directory is damaged");
        m.name.assign(reinterpret_cast<const char*>(b + at + 46), name_len);
        read_zip64_extra(m, b + at + 46 + name_len, extra_len, m.size == 0xFFFFFFFF,
                         m.compressed == 0xFFFFFFFF, m.offset == 0xFFFFFFFF);
        members.push_back(std::move(m));
        at += 46 + name_len + extra_len + comment_len;
    }
    return members;
}

std::vector<unsigned char> inflate_member(const std::string& what, const unsigned char* p,
                                          std::uint64_t compressed, std::uint64_t size) {
    if (size > std::numeric_limits<uInt>::max() || compressed > std::numeric_limits<uInt>::max())
        fail(what, "the member is too large to inflate (over 4 GiB); save it with numpy.savez "
                   "(uncompressed) or as a .npy");
    std::vector<unsigned char> out(static_cast<std::size_t>(size));
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail(what, "zlib could not start inflating");
    z.next_in = const_cast<Bytef*>(p);
    z.avail_in = static_cast<uInt>(compressed);
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(size);
    const int rc = inflate(&z, Z_FINISH);
    const auto produced = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != size)
        fail(what, "its compressed data are damaged (zlib could not inflate them)");
    return out;
}

}  // namespace

std::map<std::string, NumericArray> load_npz(const std::string& path) {
    auto file = detail::map_file(path);
    const unsigned char* b = file->data;
    const std::size_t n = file->size;
    std::map<std::string, NumericArray> out;
    for (const Member& m : central_directory(path, b, n)) {
        const std::string what = fmt::format("{} (member '{}')", path, m.name);
        if (m.name.size() < 4 || m.name.compare(m.name.size() - 4, 4, ".npy") != 0)
            fail(what, "the member is not an .npy array");
        if (m.offset > n - 30 || le(b + m.offset, 4) != 0x04034b50)
            fail(what, "its local zip header is damaged");
        const std::size_t start = static_cast<std::size_t>(m.offset) + 30 +
                                  le(b + m.offset + 26, 2) + le(b + m.offset + 28, 2);
        if (start > n || m.compressed > n - start) fail(what, "the archive is cut short");
        const std::string name = m.name.substr(0, m.name.size() - 4);
        if (m.method == 0) {
            // Stored: parsed in place. Large float64 members stay in the mapping.
            const bool keep = m.size > k_map_threshold_bytes;
            out[name] = detail::parse_npy(what, b + start, static_cast<std::size_t>(m.size),
                                          keep ? std::shared_ptr<const void>(file) : nullptr);
        } else if (m.method == 8) {
            const auto bytes = inflate_member(what, b + start, m.compressed, m.size);
            out[name] = detail::parse_npy(what, bytes.data(), bytes.size(), nullptr);
        } else {
            fail(what, fmt::format("unsupported zip compression method {}; write the archive "
                                   "with numpy.savez or numpy.savez_compressed", m.method));
        }
    }
    return out;
}

}  // namespace spikegraph
