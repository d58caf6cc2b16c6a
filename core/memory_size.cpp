#include "core/memory_size.hpp"

#include <cctype>
#include <cmath>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {
namespace {

// 2^64 as a double: sizes at or above it do not fit std::uint64_t.
constexpr double k_two_64 = 18446744073709551616.0;

// At most 64 characters of what the user typed, printable ASCII only: a message stays one
// short line of valid UTF-8 whatever the input.
std::string shown(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 64)) out += c >= 0x20 && c < 0x7f ? c : '?';
    return s.size() > 64 ? out + "..." : out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Bytes per unit, 0 for an unknown unit.
double unit_bytes(const std::string& unit) {
    constexpr double ki = 1024.0;
    if (unit.empty() || unit == "b") return 1.0;
    const std::string prefixes = "kmgt";
    const auto at = prefixes.find(unit[0]);
    if (at == std::string::npos) return 0.0;
    const double power = static_cast<double>(at + 1);
    const std::string rest = unit.substr(1);
    if (rest.empty() || rest == "ib") return std::pow(ki, power);
    if (rest == "b") return std::pow(1000.0, power);
    return 0.0;
}

// The number of `key` (in kB) in a /proc/meminfo-style file, if there.
std::optional<double> meminfo_kib(const char* path, std::string_view key) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() ||
            line[key.size()] != ':')
            continue;
        try {
            return std::stod(line.substr(key.size() + 1));
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// One number from a cgroup file ("max" or unreadable: none).
std::optional<double> cgroup_value(const char* path) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text) || text == "max") return std::nullopt;
    try {
        return std::stod(text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

std::uint64_t parse_memory_size(std::string_view text, std::string_view what) {
    const auto fail = [&](std::string_view why) -> std::uint64_t {
        throw ConfigError(fmt::format("{} '{}': {}", what, shown(text), why));
    };
    std::size_t k = 0;
    while (k < text.size() && (std::isdigit(static_cast<unsigned char>(text[k])) || text[k] == '.'))
        ++k;
    const std::string number(text.substr(0, k));
    std::size_t u = k;
    while (u < text.size() && text[u] == ' ') ++u;
    const std::string unit = lower(text.substr(u));
    const double scale = unit_bytes(unit);
    if (number.empty() || number == "." || number.find('.') != number.rfind('.') || scale == 0.0)
        return fail("expected a size such as 4GiB, 512MB or 2G (units B, KiB, MiB, GiB, TiB; "
                    "kB, MB, GB, TB; K, M, G, T)");
    const double bytes = std::stod(number) * scale;
    if (!(bytes >= 1.0)) return fail("must be at least 1 byte");
    if (!(bytes < k_two_64)) return fail("larger than the largest size, 2^64 - 1 bytes (16 EiB)");
    return static_cast<std::uint64_t>(bytes);
}

std::string format_bytes(double bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (!(bytes >= 0)) bytes = 0;
    std::size_t k = 0;
    while (bytes >= 1024.0 && k + 1 < std::size(units)) bytes /= 1024.0, ++k;
    if (k == 0) return fmt::format("{:.0f} B", bytes);
    return fmt::format("{:.{}f} {}", bytes, bytes < 10 ? 1 : 0, units[k]);
}

std::optional<std::uint64_t> available_memory_bytes() {
    std::optional<double> bytes;
    if (const auto kib = meminfo_kib("/proc/meminfo", "MemAvailable")) bytes = *kib * 1024.0;
    // Under a cgroup (v2) limit, only the room left below memory.max can be had.
    if (const auto max = cgroup_value("/sys/fs/cgroup/memory.max")) {
        const double used = cgroup_value("/sys/fs/cgroup/memory.current").value_or(0.0);
        const double room = *max > used ? *max - used : 0.0;
        if (!bytes || room < *bytes) bytes = room;
    }
    if (!bytes || !(*bytes >= 0) || !(*bytes < k_two_64)) return std::nullopt;
    return static_cast<std::uint64_t>(*bytes);
}

}  // namespace spikegraph
