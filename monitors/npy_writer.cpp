#include "monitors/npy_writer.hpp"

#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <utility>

#include <spikegraph/error.hpp>

namespace spikegraph {

// The writer stores the host's bytes and labels them '<' (little endian); on a big-endian host
// that label would be a lie, so such a build must fail rather than write wrong files.
static_assert(std::endian::native == std::endian::little,
              "npy output assumes a little-endian host");

namespace detail {

constexpr char k_npy_magic[] = "\x93NUMPY";
constexpr std::size_t k_npy_magic_bytes = 6;
// magic + 2 version bytes + 2-byte header length (format 1.0)
constexpr std::size_t k_npy_prefix_bytes = k_npy_magic_bytes + 4;
constexpr std::size_t k_npy_alignment = 64;

std::string npy_dict(std::string_view descr, const std::vector<std::size_t>& shape) {
    std::string s = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (";
    for (std::size_t k = 0; k < shape.size(); ++k) {
        if (k > 0) s += ", ";
        s += std::to_string(shape[k]);
    }
    // Python needs the comma to read a one-element tuple as a tuple.
    if (shape.size() == 1) s += ",";
    s += "), }";
    return s;
}

// The header padded with spaces to `total_bytes` (0: the smallest multiple of 64 that fits).
std::string npy_header_padded(std::string_view descr, const std::vector<std::size_t>& shape,
                              std::size_t total_bytes) {
    npy_item_size(descr);  // validates
    if (descr[0] == '>') {
        throw IoError("unsupported npy dtype '" + std::string(descr) +
                      "': spikegraph writes little-endian data only (use '<' or '|')");
    }
    const std::string dict = npy_dict(descr, shape);
    const std::size_t needed = k_npy_prefix_bytes + dict.size() + 1;  // + '\n'
    if (total_bytes == 0) {
        total_bytes = (needed + k_npy_alignment - 1) / k_npy_alignment * k_npy_alignment;
    }
    const std::size_t header_len = total_bytes - k_npy_prefix_bytes;
    // Both are our own invariants: the streaming writer reserves room for the largest shape.
    if (needed > total_bytes || header_len > std::numeric_limits<std::uint16_t>::max()) {
        throw IoError("npy header for shape of " + std::to_string(shape.size()) +
                      " dimensions does not fit in " + std::to_string(total_bytes) + " bytes");
    }
    std::string out(k_npy_magic, k_npy_magic_bytes);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header_len & 0xff);
    out += static_cast<char>((header_len >> 8) & 0xff);
    out += dict;
    out.append(total_bytes - needed, ' ');
    out += '\n';
    return out;
}

std::size_t element_count(const std::vector<std::size_t>& shape) {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    return n;
}

}  // namespace detail

std::size_t npy_item_size(std::string_view descr) {
    const auto bad = [&](std::string_view why) {
        return IoError("unsupported npy dtype '" + std::string(descr) + "': " + std::string(why) +
                       " (expected e.g. '<f8', '<i8', '|u1')");
    };
    if (descr.size() < 3) throw bad("too short");
    if (descr[0] != '<' && descr[0] != '|' && descr[0] != '>' && descr[0] != '=') {
        throw bad("unknown byte order");
    }
    if (std::string_view("fiubc").find(descr[1]) == std::string_view::npos) {
        throw bad("unknown kind");
    }
    std::size_t size = 0;
    for (char c : descr.substr(2)) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || size > 1000) throw bad("bad size");
        size = size * 10 + static_cast<std::size_t>(c - '0');
    }
    if (size == 0) throw bad("zero size");
    return size;
}

std::string npy_header(std::string_view descr, const std::vector<std::size_t>& shape) {
    return detail::npy_header_padded(descr, shape, 0);
}

NpyStreamWriter::NpyStreamWriter(std::filesystem::path path, std::string descr,
                                 std::vector<std::size_t> trailing_shape)
    : file_(std::move(path)), descr_(std::move(descr)), trailing_shape_(std::move(trailing_shape)) {
    // Reserve room for the largest row count there can be, so finish() never has to move data.
    header_bytes_ = npy_header(descr_, shape_for(std::numeric_limits<std::size_t>::max())).size();
    row_bytes_ = npy_item_size(descr_) * detail::element_count(trailing_shape_);
    // Until finish() the temporary file carries a well-formed header (0 rows), so tools that inspect
    // it see an npy file rather than garbage.
    const std::string header = detail::npy_header_padded(descr_, shape_for(0), header_bytes_);
    file_.write(header.data(), header.size());
}

void NpyStreamWriter::append(const void* data, std::size_t rows) {
    if (finished_) {
        throw IoError("cannot append to '" + file_.path().string() + "': it was already finished");
    }
    file_.write(data, rows * row_bytes_);
    rows_ += rows;
}

void NpyStreamWriter::finish() {
    if (finished_) return;
    const std::string header = detail::npy_header_padded(descr_, shape_for(rows_), header_bytes_);
    file_.pwrite_at(0, header.data(), header.size());
    file_.commit();
    finished_ = true;
}

std::vector<std::size_t> NpyStreamWriter::shape_for(std::size_t rows) const {
    std::vector<std::size_t> shape{rows};
    shape.insert(shape.end(), trailing_shape_.begin(), trailing_shape_.end());
    return shape;
}

void write_npy(const std::filesystem::path& path, std::string_view descr,
               const std::vector<std::size_t>& shape, const void* data) {
    const std::string header = npy_header(descr, shape);
    AtomicFileWriter file(path);
    file.write(header.data(), header.size());
    file.write(data, detail::element_count(shape) * npy_item_size(descr));
    file.commit();
}

namespace detail {

// Reads the Python dict literal of an .npy header: {'descr': ..., 'fortran_order': ...,
// 'shape': (...), }. Only what NumPy writes is accepted, in any key order.
class NpyHeaderParser {
public:
    NpyHeaderParser(std::string_view text, const std::filesystem::path& path)
        : text_(text), path_(path) {}

    void parse(NpyArray& out) {
        bool seen_descr = false, seen_order = false, seen_shape = false;
        expect('{');
        while (!consume('}')) {
            const std::string key = parse_string();
            expect(':');
            if (key == "descr") {
                out.descr = parse_string();
                seen_descr = true;
            } else if (key == "fortran_order") {
                out.fortran_order = parse_bool();
                seen_order = true;
            } else if (key == "shape") {
                out.shape = parse_shape();
                seen_shape = true;
            } else {
                fail("unexpected key '" + key + "' in the header");
            }
            if (!consume(',')) {
                expect('}');
                break;
            }
        }
        skip_space();
        if (pos_ != text_.size()) fail("unexpected text after the header dict");
        if (!seen_descr || !seen_order || !seen_shape) {
            fail("the header lacks one of 'descr', 'fortran_order', 'shape'");
        }
    }

    [[noreturn]] void fail(const std::string& why) const {
        throw IoError("'" + path_.string() + "' is not a valid .npy file: " + why);
    }

private:
    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    bool consume(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!consume(c)) {
            fail(std::string("expected '") + c + "' at header offset " + std::to_string(pos_));
        }
    }
    std::string parse_string() {
        skip_space();
        if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
            fail("expected a quoted string at header offset " + std::to_string(pos_));
        }
        const char quote = text_[pos_++];
        const std::size_t end = text_.find(quote, pos_);
        if (end == std::string_view::npos) fail("unterminated string in the header");
        std::string s(text_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return s;
    }
    bool parse_bool() {
        skip_space();
        for (auto [word, value] : {std::pair{std::string_view("True"), true},
                                   std::pair{std::string_view("False"), false}}) {
            if (text_.substr(pos_, word.size()) == word) {
                pos_ += word.size();
                return value;
            }
        }
        fail("'fortran_order' must be True or False");
    }
    std::vector<std::size_t> parse_shape() {
        std::vector<std::size_t> shape;
        expect('(');
        while (!consume(')')) {
            skip_space();
            std::size_t value = 0, digits = 0;
            while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
                const auto d = static_cast<std::size_t>(text_[pos_++] - '0');
                if (value > (std::numeric_limits<std::size_t>::max() - d) / 10) {
                    fail("a dimension of 'shape' overflows");
                }
                value = value * 10 + d;
                ++digits;
            }
            if (digits == 0) fail("'shape' must be a tuple of non-negative integers");
            consume('L');  // Python 2 long literal
            shape.push_back(value);
            if (!consume(',')) {
                expect(')');
                break;
            }
        }
        return shape;
    }

    std::string_view text_;
    const std::filesystem::path& path_;
    std::size_t pos_ = 0;
};

}  // namespace detail

std::size_t NpyArray::size() const {
    return detail::element_count(shape);
}

void NpyArray::check_element(char kind, std::size_t size) const {
    const std::size_t item = npy_item_size(descr);
    if (descr[0] == '>' && item > 1) {
        throw Error("npy array of dtype '" + descr + "' is big-endian; convert it first");
    }
    if (descr[1] != kind || item != size) {
        throw Error("npy array of dtype '" + descr + "' cannot be read as a " +
                    std::to_string(size) + "-byte element of kind '" + kind +
                    "' (no conversion is done; ask for the matching type)");
    }
}

NpyArray read_npy(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw IoError("cannot read '" + path.string() + "': " + std::strerror(errno));
    }
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw IoError("cannot read '" + path.string() + "': read error");

    const std::string_view data(raw);
    detail::NpyHeaderParser check({}, path);
    if (data.size() < detail::k_npy_prefix_bytes ||
        data.substr(0, detail::k_npy_magic_bytes) != std::string_view(detail::k_npy_magic, 6)) {
        check.fail("missing the \\x93NUMPY magic");
    }
    const auto byte = [&](std::size_t k) {
        return static_cast<std::size_t>(static_cast<unsigned char>(data[k]));
    };
    const std::size_t major = byte(6);
    std::size_t header_len = 0, prefix = 0;
    if (major == 1) {
        header_len = byte(8) | byte(9) << 8;
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (data.size() < 12) check.fail("truncated header length");
        header_len = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
        prefix = 12;
    } else {
        check.fail("unsupported format version " + std::to_string(major));
    }
    if (header_len > data.size() - prefix) check.fail("the header runs past the end of the file");

    NpyArray out;
    detail::NpyHeaderParser(data.substr(prefix, header_len), path).parse(out);
    std::size_t item = 0;
    try {
        item = npy_item_size(out.descr);
    } catch (const IoError& e) {
        check.fail(e.what());
    }
    std::size_t count = 1;
    for (std::size_t d : out.shape) {
        if (d != 0 && count > std::numeric_limits<std::size_t>::max() / d) {
            check.fail("'shape' is too large");
        }
        count *= d;
    }
    const std::size_t body = data.size() - prefix - header_len;
    if (count > std::numeric_limits<std::size_t>::max() / item || count * item != body) {
        check.fail("the header promises " + std::to_string(count) + " elements of " +
                   std::to_string(item) + " bytes but the file holds " + std::to_string(body) +
                   " data bytes");
    }
    out.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(prefix + header_len), data.end());
    return out;
}

}  // namespace spikegraph
