#!/usr/bin/python3
"""Before and after: two spikegraph binaries side by side, alternating, on the same machine.

    /usr/bin/python3 bench/ab_compare.py OLD NEW [NETWORK ...] [--reps 5] [--threads 2]
                                         [--ttfr-reps 3] [--no-ttfr]

For each network (default: cuba_400k and coba_400k, the two-thread figures of issue 5), --reps
times: OLD then NEW, each a `spikegraph run` of the network with --threads, seed k in rep k;
prints every run's loop (run_seconds from stats.json), the medians, NEW/OLD per pair and of the
medians, and whether both binaries produced the same spike counts. Then the time to first
result of each binary (wall time of the whole `spikegraph run configs/cuba.yaml` process, with
an empty native-code cache and with a warm one), alternating too.

The one-thread comparison against Brian2 is bench/compare_brian2 --baseline OLD --binary NEW.
"""

import argparse
import statistics
import sys
import tempfile

import run_bench


def ab_network(name, old, new, reps, threads):
    config = run_bench.resolve_network(name)
    rows = {"old": [], "new": []}
    print(f"\n== {name}, {threads} thread(s)", flush=True)
    print(f"   {'rep':>3} {'binary':<6}{'loop s':>10}{'spikes':>10}{'cpu/wall':>9}")
    for rep in range(1, reps + 1):
        for label, binary in (("old", old), ("new", new)):
            with tempfile.TemporaryDirectory(prefix="sg_ab_") as out:
                stats = run_bench.run_spikegraph(binary, config, out, threads=threads, seed=rep)
            row = run_bench.derive(stats)
            rows[label].append(row)
            print(f"   {rep:>3} {label:<6}{row['loop_s']:>10.4f}{row['spikes']:>10d}"
                  f"{row['cpu_over_wall']:>9.2f}", flush=True)
    med = {k: statistics.median(r["loop_s"] for r in v) for k, v in rows.items()}
    pairs = [n["loop_s"] / o["loop_s"] for o, n in zip(rows["old"], rows["new"])]
    same = [r["spikes"] for r in rows["old"]] == [r["spikes"] for r in rows["new"]]
    print(f"   medians: old {med['old']:.4f} s, new {med['new']:.4f} s, new/old "
          f"{med['new'] / med['old']:.3f}; per pair {min(pairs):.3f}-{max(pairs):.3f} (median "
          f"{statistics.median(pairs):.3f}); spike counts {'identical' if same else 'DIFFER'}",
          flush=True)
    return name, med["old"], med["new"], same


def ab_ttfr(old, new, reps, cold):
    times = {"old": [], "new": []}
    for _ in range(reps):
        for label, binary in (("old", old), ("new", new)):
            wall, _rss = run_bench.time_to_first_result(binary, 1, cold)[0]
            times[label].append(wall)
    return {k: statistics.median(v) for k, v in times.items()}, times


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("networks", nargs="*", default=["cuba_400k", "coba_400k"])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ttfr-reps", type=int, default=3)
    ap.add_argument("--no-ttfr", action="store_true")
    args = ap.parse_args(argv)
    try:
        old = run_bench.check_binary(args.old)
        new = run_bench.check_binary(args.new)
        print(f"old {run_bench.describe_binary(old)}\nnew {run_bench.describe_binary(new)}")
        print(f"start: {run_bench.load_line()}")
        results = [ab_network(n, old, new, args.reps, args.threads) for n in args.networks]
        ttfr = {}
        if not args.no_ttfr:
            for cold in (True, False):
                ttfr["cold" if cold else "warm"] = ab_ttfr(old, new, args.ttfr_reps, cold)
    except run_bench.BenchError as e:
        print(f"ab_compare: error: {e}", file=sys.stderr)
        return 2
    print(f"\nend: {run_bench.load_line()}")
    print(f"\n{'network':<11}{'threads':>8}{'old s':>10}{'new s':>10}{'new/old':>9}  spikes")
    for name, o, n, same in results:
        print(f"{name:<11}{args.threads:>8}{o:>10.4f}{n:>10.4f}{n / o:>9.3f}  "
              f"{'identical' if same else 'DIFFER'}")
    for kind, (med, times) in ttfr.items():
        print(f"time to first result ({kind} cache): old {med['old']:.3f} s, new "
              f"{med['new']:.3f} s (runs: old {', '.join(f'{t:.3f}' for t in times['old'])}; "
              f"new {', '.join(f'{t:.3f}' for t in times['new'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
