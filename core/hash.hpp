#pragma once
// The one hash helper: FNV-1a, 32 and 64 bits. Stable across runs, platforms and compilers, so
// it may key random streams (object_hash), caches of generated code and checkpoint checksums.
// Not cryptographic. Usable in device code: no library calls.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace spikegraph {

inline constexpr std::uint32_t k_fnv32_offset = 2166136261u;
inline constexpr std::uint64_t k_fnv64_offset = 14695981039346656037ull;

/// FNV-1a (32 bits) of `size` bytes, continuing from `hash`.
constexpr std::uint32_t fnv1a32(const unsigned char* data, std::size_t size,
                                std::uint32_t hash = k_fnv32_offset) {
    for (std::size_t k = 0; k < size; ++k) hash = (hash ^ data[k]) * 16777619u;
    return hash;
}

/// FNV-1a (64 bits) of `size` bytes, continuing from `hash`.
constexpr std::uint64_t fnv1a64(const unsigned char* data, std::size_t size,
                                std::uint64_t hash = k_fnv64_offset) {
    for (std::size_t k = 0; k < size; ++k) hash = (hash ^ data[k]) * 1099511628211ull;
    return hash;
}

inline std::uint32_t fnv1a32(std::string_view s, std::uint32_t hash = k_fnv32_offset) {
    return fnv1a32(reinterpret_cast<const unsigned char*>(s.data()), s.size(), hash);
}

inline std::uint64_t fnv1a64(std::string_view s, std::uint64_t hash = k_fnv64_offset) {
    return fnv1a64(reinterpret_cast<const unsigned char*>(s.data()), s.size(), hash);
}

inline std::uint64_t fnv1a64(const void* data, std::size_t size,
                             std::uint64_t hash = k_fnv64_offset) {
    return fnv1a64(static_cast<const unsigned char*>(data), size, hash);
}

}  // namespace spikegraph
