#pragma once
// The main() of the micro-benchmarks: Google Benchmark's, with spikegraph's logging quietened.

#include <benchmark/benchmark.h>

#include <spikegraph/log.hpp>

namespace spikegraph::bench {

/// Runs the registered benchmarks; returns main()'s exit code.
inline int run_micro_benchmarks(int argc, char** argv) {
    // The build summary is logged at info; only warnings may interleave with the report.
    set_log_level(LogLevel::warn);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace spikegraph::bench
