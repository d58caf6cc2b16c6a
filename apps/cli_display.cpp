#include "apps/cli_display.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include <fmt/format.h>

#include "core/build_status.hpp"
#include <spikegraph/config.hpp>

namespace spikegraph::app {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

void print_line(const std::string& line) { std::cout << fit_line(line) << "\n"; }

}  // namespace

std::string fit_line(const std::string& line) {
    if (line.size() <= k_summary_columns) return line;
    return line.substr(0, k_summary_columns - 3) + "...";
}

BuildProgress::BuildProgress(bool enabled) {
    if (!enabled) return;
    thread_ = std::thread([this] {
        const auto start = Clock::now();
        while (!done_.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            const double s = seconds_since(start);
            if (done_.load() || s < 0.5) continue;
            const std::string phase = build_phase();
            const std::string line = fmt::format("building: {} ({:.1f} s)",
                                                 phase.empty() ? "network" : phase, s);
            std::fprintf(stderr, "\r%-79.79s", line.c_str());
            std::fflush(stderr);
            shown_ = true;
        }
    });
}

BuildProgress::~BuildProgress() {
    if (!thread_.joinable()) return;
    done_.store(true);
    thread_.join();
    if (shown_) {
        std::fprintf(stderr, "\r%79s\r", "");
        std::fflush(stderr);
    }
}

ProgressBar::ProgressBar(bool enabled, double start_ms, double dt_ms)
    : enabled_(enabled), start_ms_(start_ms), dt_ms_(dt_ms), start_(Clock::now()) {}

void ProgressBar::operator()(std::int64_t done, std::int64_t total) {
    if (!enabled_ || total <= 0) return;
    const double frac = static_cast<double>(done) / static_cast<double>(total);
    const double elapsed = seconds_since(start_);
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    const int width = 24, filled = static_cast<int>(frac * width);
    const double t = start_ms_ + static_cast<double>(done) * dt_ms_;
    const double end = start_ms_ + static_cast<double>(total) * dt_ms_;
    std::fprintf(stderr, "\r[%s%s] %5.1f%%  t = %.1f / %.1f ms  %.1f s elapsed, ETA %.1f s ",
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 100 * frac, t, end, elapsed, eta);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
}

void print_summary(const nlohmann::json& stats, const SummaryContext& context) {
    const double run_s = stats["run_seconds"].get<double>();
    const int threads = stats["threads"].get<int>();
    const int requested = stats.value("threads_requested", threads);
    print_line(fmt::format("spikegraph {}: {}", SPIKEGRAPH_VERSION, context.config));
    print_line(fmt::format("  {} ms in {} steps of {} ms, seed {}, {} backend, {}",
                           stats["duration_ms"].get<double>(), stats["steps"].get<std::int64_t>(),
                           stats["dt_ms"].get<double>(), stats["seed"].get<std::uint64_t>(),
                           stats["backend"].get<std::string>(),
                           stats["precision"].get<std::string>()));
    std::size_t width = 8;
    for (const auto& [name, g] : stats["groups"].items()) width = std::max(width, name.size());
    width = std::min<std::size_t>(width, 24);
    for (const auto& [name, g] : stats["groups"].items()) {
        const std::string shown = name.size() > width ? name.substr(0, width - 3) + "..." : name;
        print_line(fmt::format("  {:<{}} {:>9} {:<7} {:>11} spikes {:>10.3f} Hz mean rate", shown,
                               width, g["neurons"].get<std::uint64_t>(),
                               g["kind"].get<std::string>() == "neurons" ? "neurons" : "sources",
                               g["spikes"].get<std::uint64_t>(), g["mean_rate_hz"].get<double>()));
    }
    for (const auto& [name, g] : stats["groups"].items())
        if (g.contains("undelivered") && g["undelivered"].get<std::uint64_t>() > 0)
            print_line(fmt::format("  {}: {} spikes at or after the end of the run were not "
                                   "delivered", name, g["undelivered"].get<std::uint64_t>()));
    print_line(fmt::format("  synapses {}, synaptic events {}", stats["synapses"].get<std::uint64_t>(),
                           stats["synaptic_events"].get<std::uint64_t>()));
    print_line(fmt::format("  build {:.3f} s, loop {:.3f} s ({:.0f} steps/s), {} thread{}{}",
                           stats["build_seconds"].get<double>(), run_s,
                           stats["steps_per_second"].get<double>(), threads,
                           threads == 1 ? "" : "s",
                           requested != threads
                               ? fmt::format(" ({} asked; {} core{} available)", requested,
                                             threads, threads == 1 ? "" : "s")
                               : ""));
    if (stats.contains("op_seconds")) {
        // Slowest first: where the loop's time went.
        std::vector<nlohmann::json> ops(stats["op_seconds"].begin(), stats["op_seconds"].end());
        std::sort(ops.begin(), ops.end(), [](const auto& x, const auto& y) {
            return x["seconds"].template get<double>() > y["seconds"].template get<double>();
        });
        for (const auto& o : ops)
            print_line(fmt::format("    {:>8.3f} s {:5.1f}%  {} ({}){}", o["seconds"].get<double>(),
                                   run_s > 0 ? 100.0 * o["seconds"].get<double>() / run_s : 0.0,
                                   o["op"].get<std::string>(), o["kind"].get<std::string>(),
                                   o.contains("stage")
                                       ? fmt::format(", stage {}", o["stage"].get<int>())
                                       : ""));
    }
    // Paths are shown whole: a cut path could not be copied.
    std::cout << fmt::format("  output: {}\n", context.out);
    if (!context.resumed_from.empty())
        std::cout << fmt::format("  resumed from {} at t = {} ms\n", context.resumed_from,
                                 context.resumed_at_ms);
    if (!context.checkpoint.empty()) std::cout << fmt::format("  checkpoint: {}\n", context.checkpoint);
}

}  // namespace spikegraph::app
