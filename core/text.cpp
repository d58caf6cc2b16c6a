#include "core/text.hpp"

#include <algorithm>

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

}  // namespace spikegraph::detail
