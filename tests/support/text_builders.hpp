#pragma once
// Long generated inputs for the tests of the input limits.

#include <cstddef>
#include <string>

namespace spikegraph::test_text {

/// `s` written `n` times.
inline std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t k = 0; k < n; ++k) out += s;
    return out;
}

/// "term + term + ... + term" with `n` terms.
inline std::string sum_of(const std::string& term, std::size_t n) {
    std::string out = term;
    for (std::size_t k = 1; k < n; ++k) out += " + " + term;
    return out;
}

}  // namespace spikegraph::test_text
