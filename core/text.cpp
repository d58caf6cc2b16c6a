#include "core/text.hpp"

#include <algorithm>
#include <array>

namespace spikegraph::detail {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates,
                         std::size_t max_distance) {
    // Score 2d, plus 1 when the first letters differ: the distance decides, the first letter
    // breaks its ties, and the earlier candidate breaks what is left.
    const std::string* best = nullptr;
    std::size_t best_score = 2 * (max_distance + 1);
    for (const std::string& c : candidates) {
        if (c == name) continue;
        const std::size_t d = edit_distance(name, c);
        if (d > max_distance) continue;
        const bool same_start = !name.empty() && !c.empty() && name[0] == c[0];
        const std::size_t score = 2 * d + (same_start ? 0 : 1);
        if (score < best_score) best = &c, best_score = score;
    }
    return best ? *best : std::string();
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
    const std::string best = closest_name(name, candidates);
    return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

bool is_identifier(std::string_view s) {
    const auto letter = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (s.empty() || !letter(s.front())) return false;
    return std::all_of(s.begin(), s.end(),
                       [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

namespace {

// Length of the well-formed UTF-8 sequence that starts at text[i], or 0 when the byte there
// does not start one (Unicode's table 3-7: no overlong forms, surrogates or values past
// U+10FFFF).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b = byte(i);
    if (b < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b >= 0xE0 && b <= 0xEF) n = 3, lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
    else if (b >= 0xF0 && b <= 0xF4) n = 4, lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    if (i + n > text.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return n;
}

void append_escaped(std::string& out, unsigned char b) {
    static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                 '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    out += "\\x";
    out += hex[b >> 4];
    out += hex[b & 0xF];
}

// The one walk behind quote_input and one_line_message: copies valid characters, escapes the
// rest, stops before `max_bytes` would be passed. Returns the number of input bytes consumed.
std::size_t sanitize_into(std::string& out, std::string_view text, std::size_t max_bytes,
                          bool blanks_as_space) {
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t n = utf8_sequence(text, i);
        const auto b = static_cast<unsigned char>(text[i]);
        const bool control = n == 1 && (b < 0x20 || b == 0x7F);
        const bool blank = b == '\n' || b == '\r' || b == '\t';
        const std::size_t width = n == 0 || (control && !(blanks_as_space && blank)) ? 4 : n;
        if (out.size() + width > max_bytes) break;
        if (n == 0 || (control && !(blanks_as_space && blank))) {
            append_escaped(out, b);
            i += 1;
        } else if (control) {
            out += ' ';
            i += 1;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return i;
}

}  // namespace

std::string quote_input(std::string_view text, std::size_t max_bytes) {
    std::string out;
    if (sanitize_into(out, text, max_bytes, false) < text.size())
        out += "\u2026(" + std::to_string(text.size()) + " bytes)";
    return out;
}

std::string one_line_message(std::string_view message, std::size_t max_bytes) {
    std::string out;
    if (sanitize_into(out, message, max_bytes, true) < message.size())
        out += "\u2026(message cut, " + std::to_string(message.size()) + " bytes)";
    return out;
}

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_sequence(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace spikegraph::detail
