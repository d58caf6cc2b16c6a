#pragma once
// What every fuzz target shares: the verdict on an exception. A spikegraph::Error is a clean
// refusal of a bad input and ends the input quietly; anything else (std::bad_alloc from a huge
// size, std::out_of_range from an unchecked index, a library's own exception) escapes, and
// libFuzzer reports the uncaught exception as a crash. See docs/testing.md.

#include <cstddef>
#include <cstdint>
#include <string>

#include <spikegraph/error.hpp>
#include <spikegraph/log.hpp>

namespace spikegraph::fuzz {

/// Runs `body`, swallowing spikegraph::Error only.
template <class Body>
void refusals_are_fine(Body&& body) {
    try {
        body();
    } catch (const spikegraph::Error&) {
    }
}

/// The input as text (it may hold any byte, NUL included).
inline std::string as_text(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

/// Silences the library's warnings, which would otherwise flood the fuzzer's output.
inline void quiet() { set_log_level(LogLevel::off); }

}  // namespace spikegraph::fuzz
