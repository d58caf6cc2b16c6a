// What `spikegraph run` shows on the terminal: the build's progress, the run's progress bar
// and the summary, all within 100 columns.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace spikegraph::app {

/// The width every line of the summary fits in (a longer name or path is cut with "...").
inline constexpr std::size_t k_summary_columns = 100;

/// `line` cut to k_summary_columns columns, ending in "..." where it was cut.
std::string fit_line(const std::string& line);

/// While alive (and `enabled`), a line on stderr that shows what the build is doing
/// (core/build_status.hpp) and for how long, refreshed 5 times a second once the build has
/// taken half a second; the line is cleared at the end.
class BuildProgress {
public:
    explicit BuildProgress(bool enabled);
    ~BuildProgress();
    BuildProgress(const BuildProgress&) = delete;
    BuildProgress& operator=(const BuildProgress&) = delete;

private:
    std::atomic<bool> done_{false};
    bool shown_ = false;
    std::thread thread_;
};

/// The run's progress bar on stderr: fraction, simulated time, elapsed time and ETA.
class ProgressBar {
public:
    /// `start_ms`: the simulated time at the start of this run (a resumed run starts late).
    ProgressBar(bool enabled, double start_ms, double dt_ms);
    void operator()(std::int64_t done, std::int64_t total);

private:
    bool enabled_;
    double start_ms_, dt_ms_;
    std::chrono::steady_clock::time_point start_;
};

/// What the summary says besides stats.json.
struct SummaryContext {
    std::string config, out, resumed_from, checkpoint;
    double resumed_at_ms = 0;
};

/// The summary of a finished run (stats: Simulation::stats()) on stdout.
void print_summary(const nlohmann::json& stats, const SummaryContext& context);

}  // namespace spikegraph::app
