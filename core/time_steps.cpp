#include "core/time_steps.hpp"

#include <cmath>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {
namespace {

// 2^63, exactly representable: every double in [-2^63, 2^63) converts to int64 exactly.
constexpr double k_two_63 = 9223372036854775808.0;

}  // namespace

std::string steps_problem(double ms, double dt_ms) {
    const double steps = std::round(ms / dt_ms);
    if (!std::isfinite(steps))
        return fmt::format("{} ms is not a finite number of steps of dt = {} ms", ms, dt_ms);
    if (!(steps >= -k_two_63 && steps < k_two_63))
        return fmt::format("{} ms is {:.6g} steps of dt = {} ms, more than a step counter holds "
                           "(at most 2^63 - 1)",
                           ms, steps, dt_ms);
    return {};
}

std::int64_t ms_to_steps(double ms, double dt_ms) {
    if (std::string problem = steps_problem(ms, dt_ms); !problem.empty())
        throw ConfigError(problem);
    return static_cast<std::int64_t>(std::round(ms / dt_ms));
}

}  // namespace spikegraph
