#include "builder/memory_estimate.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <spikegraph/error.hpp>
#include "core/memory_size.hpp"

namespace spikegraph {

double MemoryEstimate::total() const {
    double sum = 0;
    for (const auto& p : parts) sum += p.bytes;
    return sum;
}

std::string MemoryEstimate::breakdown(std::size_t shown) const {
    std::vector<const MemoryPart*> order;
    for (const auto& p : parts) order.push_back(&p);
    std::stable_sort(order.begin(), order.end(),
                     [](const MemoryPart* a, const MemoryPart* b) { return a->bytes > b->bytes; });
    // Parts under 1% of the total add nothing to the picture; the largest is always shown.
    const double least = total() / 100;
    std::size_t listed = 0;
    std::string text;
    for (std::size_t k = 0; k < order.size() && k < shown; ++k, ++listed) {
        const MemoryPart& p = *order[k];
        if (k > 0 && p.bytes < least) break;
        text += fmt::format("{}{} {}{}", k == 0 ? "" : ", ", p.what, format_bytes(p.bytes),
                            p.how.empty() ? "" : " (" + p.how + ")");
    }
    if (order.size() > listed) text += fmt::format(", and {} more", order.size() - listed);
    return text;
}

MemoryLimit memory_limit(std::uint64_t max_memory_bytes) {
    MemoryLimit limit;
    if (max_memory_bytes > 0) {
        limit.bytes = static_cast<double>(max_memory_bytes);
        limit.explicit_limit = true;
    } else if (const auto available = available_memory_bytes()) {
        limit.bytes = static_cast<double>(*available);
    }
    return limit;
}

void check_memory(const MemoryEstimate& estimate, const MemoryLimit& limit) {
    const double total = estimate.total();
    if (!limit.bytes || total <= *limit.bytes) return;
    const std::string where =
        limit.explicit_limit
            ? fmt::format("the limit is {} (--max-memory, SimulationSettings::max_memory_bytes)",
                          format_bytes(*limit.bytes))
            : fmt::format("available {} (MemAvailable; set --max-memory or "
                          "SimulationSettings::max_memory_bytes to change)",
                          format_bytes(*limit.bytes));
    throw BuildError(fmt::format("the network needs about {} of memory: {}; {}; make the "
                                 "network smaller or sparser",
                                 format_bytes(total), estimate.breakdown(), where));
}

std::string count_text(double n) {
    if (!(n >= 0)) return "0";
    if (n < 1e10) return fmt::format("{:.0f}", n);
    std::string text = fmt::format("{:.3g}", n);  // "1e+13", "2.05e+10"
    if (const auto plus = text.find("e+"); plus != std::string::npos) text.erase(plus + 1, 1);
    return text;
}

}  // namespace spikegraph
