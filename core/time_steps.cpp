#include "core/time_steps.hpp"

#include <cmath>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

std::string steps_problem(double ms, double dt_ms, std::int64_t max_steps, const char* what) {
    const double steps = std::round(ms / dt_ms);
    if (!std::isfinite(ms) || !std::isfinite(steps))
        return fmt::format("{} ms is not a finite number of steps of dt = {} ms", ms, dt_ms);
    // max_steps is at most 2^62, exactly representable, so the comparison is exact.
    const auto max = static_cast<double>(max_steps);
    if (!(std::fabs(steps) <= max))
        return fmt::format("{} ms is {:.6g} steps of dt = {} ms; the longest {} is {} steps "
                           "({:.6g} ms at this dt)",
                           ms, steps, dt_ms, what, max_steps, max * dt_ms);
    return {};
}

std::int64_t ms_to_steps(double ms, double dt_ms, std::int64_t max_steps, const char* what) {
    if (std::string problem = steps_problem(ms, dt_ms, max_steps, what); !problem.empty())
        throw ConfigError(problem);
    return static_cast<std::int64_t>(std::round(ms / dt_ms));
}

}  // namespace spikegraph
