#!/usr/bin/env bash
# Issue 3's target: the equation-defined LIF update within 1.5x of a hand-written C++ loop.
# Runs both micro-benchmarks in one invocation (5 repetitions, medians of CPU time) and prints
# the ratio per network size. Usage: bench/lif_ratio.sh [build-dir]  (configured with
# -DSPIKEGRAPH_BENCH=ON; default build-bench)
set -euo pipefail
build=${1:-build-bench}
cmake --build "$build" --target bench_lif_update -j2 >/dev/null
"$build"/bench/bench_lif_update --benchmark_min_time=1 --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null |
/usr/bin/python3 -c '
import json, sys
runs = {b["run_name"]: b["cpu_time"] for b in json.load(sys.stdin)["benchmarks"]
        if b.get("aggregate_name") == "median"}
print("%10s %22s %18s %7s" % ("neurons", "hand-written ns/step", "equation ns/step", "ratio"))
for n in ("4000", "100000", "1000000"):
    hand, eq = runs[f"handwritten_lif/{n}"], runs[f"equation_lif/{n}"]
    print(f"{n:>10} {hand:>22.0f} {eq:>18.0f} {eq / hand:>7.2f}  (target <= 1.5)")
'
