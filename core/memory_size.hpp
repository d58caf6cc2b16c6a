#pragma once
// Sizes of memory as people write them ("4GiB", "512 MB", "2G"), as the program prints them
// ("1.2 GiB"), and how much memory this machine can give a new allocation (MemAvailable).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spikegraph {

/// "4GiB", "4 GiB", "1.5G", "512MB", "512M", "100000": a number and an optional unit, case
/// ignored: B; KiB, MiB, GiB, TiB (powers of 1024); kB, MB, GB, TB (powers of 1000); K, M, G, T
/// alone (powers of 1024, as `java -Xmx` and `docker --memory` read them).
/// @throws ConfigError naming `what` (e.g. "--max-memory") for a malformed, zero, negative or
///         too large value (more than 2^64 - 1 bytes).
std::uint64_t parse_memory_size(std::string_view text, std::string_view what);

/// `bytes` for people: "512 B", "12.0 KiB", "1.2 GiB", "7.5 TiB" (powers of 1024).
std::string format_bytes(double bytes);

/// What a new allocation can get on this machine, in bytes: MemAvailable from /proc/meminfo,
/// lowered to the room left under the cgroup's memory.max when the process runs under one.
/// Empty when neither can be read (then there is no limit to check against).
std::optional<std::uint64_t> available_memory_bytes();

}  // namespace spikegraph
