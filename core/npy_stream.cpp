#include "core/npy_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

namespace {

constexpr std::size_t k_chunk_bytes = std::size_t{1} << 20;

}  // namespace

NpyStream::NpyStream(const std::filesystem::path& path)
    : path_(path), file_(std::fopen(path.c_str(), "rb"), &std::fclose) {
    const std::string what = path.string();
    if (!file_)
        throw ConfigError(fmt::format("{}: {}", what,
                                      errno == ENOENT ? std::string("no such file")
                                                      : fmt::format("cannot open it: {}",
                                                                    std::strerror(errno))));
    std::error_code ec;
    const auto file_size = std::filesystem::file_size(path, ec);
    if (ec) throw ConfigError(fmt::format("{}: cannot read its size: {}", what, ec.message()));
    // The header of a version-1 file is at most 65535 + 10 bytes; versions 2 and 3 say their
    // length in the first 12 bytes.
    std::vector<unsigned char> head(12, 0);
    const std::size_t got = std::fread(head.data(), 1, head.size(), file_.get());
    std::size_t header_bytes = got;
    if (got >= 10) {
        const std::size_t len =
            head[6] == 1 ? (std::size_t{head[8]} | (std::size_t{head[9]} << 8)) + 10
            : got >= 12  ? (std::size_t{head[8]} | (std::size_t{head[9]} << 8) |
                            (std::size_t{head[10]} << 16) | (std::size_t{head[11]} << 24)) + 12
                         : got;
        header_bytes = std::min<std::size_t>(len, static_cast<std::size_t>(file_size));
        head.resize(std::max(header_bytes, got));
        if (header_bytes > got)
            header_bytes = got + std::fread(head.data() + got, 1, header_bytes - got, file_.get());
    }
    layout_ = detail::parse_npy_header(what, head.data(), header_bytes);
    const std::size_t need = layout_.size * layout_.bytes;
    if (file_size < layout_.data_offset || file_size - layout_.data_offset < need)
        throw ConfigError(fmt::format(
            "{}: the file is cut short: the header promises {} values ({} bytes) but {} bytes "
            "follow it (was the run killed while writing? rerun it)",
            what, layout_.size, need,
            file_size < layout_.data_offset ? 0 : file_size - layout_.data_offset));
    seek(0);
}

void NpyStream::seek(std::size_t index) {
    if (index > layout_.size)
        throw IoError(fmt::format("{}: seek to value {} of {}", path_.string(), index,
                                  layout_.size));
    const auto offset = static_cast<long>(layout_.data_offset + index * layout_.bytes);
    if (std::fseek(file_.get(), offset, SEEK_SET) != 0)
        throw IoError(fmt::format("{}: cannot seek: {}", path_.string(), std::strerror(errno)));
    read_ = index;
}

std::size_t NpyStream::read(double* out, std::size_t max) {
    std::size_t done = 0;
    const std::size_t per_chunk = std::max<std::size_t>(1, k_chunk_bytes / layout_.bytes);
    while (done < max && read_ < layout_.size) {
        const std::size_t n = std::min({max - done, layout_.size - read_, per_chunk});
        if (layout_.kind == 'f' && layout_.bytes == 8) {
            if (std::fread(out + done, sizeof(double), n, file_.get()) != n)
                throw IoError(fmt::format("{}: the file ended early (did it change while being "
                                          "read?)", path_.string()));
        } else {
            bytes_.resize(n * layout_.bytes);
            if (std::fread(bytes_.data(), layout_.bytes, n, file_.get()) != n)
                throw IoError(fmt::format("{}: the file ended early (did it change while being "
                                          "read?)", path_.string()));
            detail::npy_to_double(layout_, bytes_.data(), n, out + done);
        }
        done += n;
        read_ += n;
    }
    return done;
}

}  // namespace spikegraph
