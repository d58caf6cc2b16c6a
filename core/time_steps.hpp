#pragma once
// The one rule that turns a time into a whole number of steps (delays, refractory periods,
// spike times, current changes, record intervals, run durations): ms / dt_ms rounded to the
// nearest integer, halves away from zero. A time a rounding error away from a whole number of
// steps (0.3 ms / 0.1 ms = 2.9999999999999996) therefore counts as that number (3), and
// Brian2 rounds synaptic delays the same way.

#include <cstdint>
#include <string>

namespace spikegraph {

/// Why `ms` cannot be counted in steps of `dt_ms` (the quotient is not finite, or rounds to more
/// steps than a signed 64-bit counter holds), or "" when it can. Callers turn a non-empty answer
/// into an error located at the value.
std::string steps_problem(double ms, double dt_ms);

/// ms / dt_ms rounded to the nearest integer (halves away from zero).
/// @throws ConfigError with steps_problem() when the time cannot be counted in steps.
std::int64_t ms_to_steps(double ms, double dt_ms);

}  // namespace spikegraph
