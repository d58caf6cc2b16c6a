#pragma once
// The one rule that turns a time into a whole number of steps (delays, refractory periods,
// spike times, current changes, record intervals, run durations): ms / dt_ms rounded to the
// nearest integer, halves away from zero. A time a rounding error away from a whole number of
// steps (0.3 ms / 0.1 ms = 2.9999999999999996) therefore counts as that number (3), and
// Brian2 rounds synaptic delays the same way.
//
// Every such count is range-checked against a limit (docs/limits-numbers.md), so that no
// conversion to an integer overflows and no sum of a step counter and a count does.

#include <cstdint>
#include <limits>
#include <string>

namespace spikegraph {

/// The most steps a time may count (2^62): a run's step counter plus any such count (a run
/// continued, a delay or a refractory period added to the current step) still fits in int64.
inline constexpr std::int64_t k_max_steps = std::int64_t{1} << 62;

/// The longest delay, in steps: per-synapse delays are stored as 32-bit integers.
inline constexpr std::int64_t k_max_delay_steps = std::numeric_limits<std::int32_t>::max();

/// The longest refractory period, in steps (2^40): a neuron that never spiked counts as having
/// spiked 10^15 steps before step 0, which must lie further back than any refractory period.
inline constexpr std::int64_t k_max_refractory_steps = std::int64_t{1} << 40;

/// Why `ms` cannot be counted in steps of `dt_ms` (not finite, or more than `max_steps` steps
/// either way), or "" when it can. The message names the limit in steps and in ms; `what`
/// names the kind of time in it ("time", "delay", "duration"). Callers turn a non-empty answer
/// into an error located at the value.
std::string steps_problem(double ms, double dt_ms, std::int64_t max_steps = k_max_steps,
                          const char* what = "time");

/// ms / dt_ms rounded to the nearest integer (halves away from zero).
/// @throws ConfigError with steps_problem() when the time cannot be counted in steps.
std::int64_t ms_to_steps(double ms, double dt_ms, std::int64_t max_steps = k_max_steps,
                         const char* what = "time");

}  // namespace spikegraph
