#!/usr/bin/python3
"""Issue 5's runner: times spikegraph on benchmark networks and prints, per run, where the loop goes.

    /usr/bin/python3 bench/run_bench.py [NETWORK ...] [--reps 3] [--threads 1] [--set KEY=VALUE]

NETWORK is a name from bench/networks/ (cuba_4k, coba_400k, ...) or a path to a YAML config;
the default is cuba_4k and coba_4k. Each repetition runs the network once and, right after it,
the same network shrunk to --tiny-size neurons (default 16; same groups, slices, rules and
monitors; p scaled to keep the synapses per neuron, at most 1). Per run it prints:

  loop s       run_seconds from stats.json: the step loop alone (std::chrono::steady_clock, wall)
  ns/upd       loop / (neurons * steps): the whole loop attributed to neuron updates
  ns/event     loop / synaptic events: the whole loop attributed to synaptic events (not the
               delivery alone; both ns figures are the same loop divided two ways)
  fixed us     loop / steps of the tiny network of the same rep: the per-step cost that does
               not scale with the network (scheduling, monitors, bookkeeping)
  RSS MiB      peak resident set of the spikegraph process (ru_maxrss from wait4 on that child)
  build s      build_seconds from stats.json (parse, synapse creation, plan, bind)
  wall s       wall time of the whole process (start, build, loop, output written)
  cpu/wall     CPU time / wall time of that process: 1.00 when it had a core to itself, lower
               when other jobs took the core (then the loop figures are inflated)

and then the medians. An untimed warm-up run of the tiny network first fills spikegraph's cache
of natively compiled neuron updates, so no timed run includes a compilation. Last it measures
the time to first result: the wall time of the whole `spikegraph run configs/cuba.yaml` process,
--ttfr-reps times with an empty cache (as a first run) and with a warm one (skip: --no-ttfr).

Runs only spikegraph; bench/compare_brian2 runs Brian2 beside it and imports this module.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NETWORKS_DIR = REPO / "bench" / "networks"
DEFAULT_BINARY = REPO / "build" / "spikegraph"
ALL_NETWORKS = ["cuba_4k", "cuba_40k", "cuba_400k", "coba_4k", "coba_40k", "coba_400k"]


class BenchError(RuntimeError):
    """A run failed or timed out; the message says which and how."""


def resolve_network(name):
    """A bench/networks/ name (with or without .yaml) or a path to a config."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path.resolve()
    candidate = NETWORKS_DIR / (name if name.endswith(".yaml") else name + ".yaml")
    if candidate.exists():
        return candidate
    known = ", ".join(sorted(p.stem for p in NETWORKS_DIR.glob("*.yaml")))
    raise BenchError(f"network '{name}': not a config file and not in {NETWORKS_DIR} "
                     f"(known: {known})")


def run_process(cmd, timeout_s, cwd=None, stdout=subprocess.DEVNULL, env=None):
    """Runs cmd; returns (exit code, wall seconds, peak RSS in KiB of that child, stderr text,
    CPU seconds of that child).

    The peak RSS is ru_maxrss from wait4 on this child (Linux reports KiB), so earlier children
    do not leak into it the way RUSAGE_CHILDREN's running maximum would. It does include the
    child's own children: when spikegraph compiles a neuron update natively (a model not yet
    in its cache), the compiler's peak counts. measure_network warms the cache first."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                            start_new_session=True, env=env)
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout_s, kill)
    timer.start()
    # Read stderr on a thread so a chatty child cannot block on a full pipe while we wait4.
    err_chunks = []
    reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    reader.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - start
    reader.join()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = err_chunks[0].decode(errors="replace") if err_chunks else ""
    if timed_out.is_set():
        raise BenchError(f"timed out after {timeout_s:.0f} s: {' '.join(map(str, cmd))}")
    return proc.returncode, wall, usage.ru_maxrss, stderr, usage.ru_utime + usage.ru_stime


def run_spikegraph(binary, config, out_dir, threads=1, seed=None, sets=(), timeout_s=600):
    """One `spikegraph run`; returns stats.json plus wall_s and maxrss_kib."""
    cmd = [str(binary), "run", str(config), "--out", str(out_dir), "--quiet",
           "--threads", str(threads)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    for kv in sets:
        cmd += ["--set", kv]
    code, wall, rss, stderr, cpu = run_process(cmd, timeout_s)
    if code != 0:
        raise BenchError(f"spikegraph exited with {code}: {' '.join(cmd)}\n{stderr.strip()}")
    stats_path = Path(out_dir) / "stats.json"
    try:
        stats = json.loads(stats_path.read_text())
    except (OSError, ValueError) as e:
        raise BenchError(f"cannot read {stats_path} after {' '.join(cmd)}: {e}") from e
    stats["wall_s"] = wall
    stats["maxrss_kib"] = rss
    stats["cpu_s"] = cpu
    return stats


_SLICE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*(\d*)\s*:\s*(\d*)\s*\]\s*$")


def tiny_config(config, tiny_size, dest):
    """Writes to dest the network of config with every group shrunk in proportion so that the
    total is about tiny_size neurons: the same groups, models, slices (scaled), rules (p scaled
    by the post group's shrink factor to keep the synapses per neuron, at most 1; k at most
    the new slice size) and monitors. Returns dest."""
    import yaml  # Debian's python3-yaml, present beside python3-brian

    doc = yaml.safe_load(Path(config).read_text())
    groups = doc.get("groups") or {}
    total = sum(int(g["size"]) for g in groups.values())
    old_size = {name: int(g["size"]) for name, g in groups.items()}
    new_size = {}
    for name, g in groups.items():
        new_size[name] = max(1, round(old_size[name] * tiny_size / total))
        g["size"] = new_size[name]

    def scale_ref(ref):
        m = _SLICE.match(str(ref))
        if not m:
            return ref, new_size.get(str(ref).strip())
        name, a, b = m.group(1), m.group(2), m.group(3)
        f = new_size[name] / old_size[name]
        lo = round(int(a) * f) if a else 0
        hi = round(int(b) * f) if b else new_size[name]
        hi = max(hi, lo + 1)
        return f"{name}[{lo}:{hi}]", hi - lo

    for conn in (doc.get("connections") or {}).values():
        conn["pre"], pre_n = scale_ref(conn["pre"])
        conn["post"], post_n = scale_ref(conn["post"])
        rule = conn.get("connectivity")
        if isinstance(rule, dict):
            post_group = _SLICE.match(str(conn["post"]))
            post_name = post_group.group(1) if post_group else str(conn["post"]).strip()
            if "p" in rule and post_name in old_size:
                rule["p"] = min(1.0, float(rule["p"]) * old_size[post_name] / new_size[post_name])
            if "k" in rule:
                limit = pre_n if rule.get("rule") == "fixed_indegree" else post_n
                rule["k"] = min(int(rule["k"]), int(limit or rule["k"]))
    Path(dest).write_text(yaml.safe_dump(doc, sort_keys=False))
    return dest


def measure_network(binary, config, reps, threads=1, seed=None, sets=(), tiny_size=16,
                    timeout_s=600, workdir=None, on_run=None):
    """Runs config reps times, each followed by its tiny version; returns the list of rows."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="sg_bench_", dir=workdir) as tmp:
        tiny = tiny_config(config, tiny_size, Path(tmp) / "tiny.yaml") if tiny_size else None
        # Untimed warm-up: compiles the network's native neuron updates into spikegraph's cache
        # (the tiny network has the same models), so that no timed run pays for a compilation
        # in its build time or counts the compiler in its peak RSS.
        run_spikegraph(binary, tiny or config, Path(tmp) / "warmup", threads, seed, sets,
                       timeout_s)
        for rep in range(reps):
            s = run_spikegraph(binary, config, Path(tmp) / f"run{rep}", threads, seed, sets,
                               timeout_s)
            row = derive(s)
            if tiny:
                t = run_spikegraph(binary, tiny, Path(tmp) / f"tiny{rep}", threads, seed, sets,
                                   timeout_s)
                row["fixed_us_per_step"] = t["run_seconds"] / t["steps"] * 1e6
                row["tiny_neurons"] = t["neurons"]
            rows.append(row)
            if on_run:
                on_run(rep, row)
    return rows


def derive(stats):
    loop = stats["run_seconds"]
    steps, neurons, events = stats["steps"], stats["neurons"], stats["synaptic_events"]
    spikes = sum(g["spikes"] for g in stats["groups"].values() if g.get("kind") == "neurons")
    rate = spikes / neurons / (stats["duration_ms"] / 1000.0) if neurons else float("nan")
    return {
        "loop_s": loop,
        "ns_per_neuron_update": loop / (neurons * steps) * 1e9 if neurons and steps else None,
        "ns_per_synaptic_event": loop / events * 1e9 if events else None,
        "fixed_us_per_step": None,
        "maxrss_mb": stats["maxrss_kib"] / 1024.0,
        "build_s": stats["build_seconds"],
        "wall_s": stats["wall_s"],
        "cpu_over_wall": stats["cpu_s"] / stats["wall_s"],
        "neurons": neurons,
        "synapses": stats["synapses"],
        "steps": steps,
        "synaptic_events": events,
        "spikes": spikes,
        "rate_hz": rate,
        "precision": stats.get("precision"),
        "threads": stats.get("threads"),
        "seed": stats.get("seed"),
    }


HEADER = (f"{'run':>6} {'loop s':>9} {'ns/upd':>8} {'ns/event':>9} {'fixed us':>9} "
          f"{'RSS MiB':>8} {'build s':>8} {'wall s':>8} {'cpu/wall':>8} {'spikes':>10} {'rate Hz':>8}")


def format_row(label, r):
    def f(x, w, d):
        return f"{x:>{w}.{d}f}" if x is not None else f"{'-':>{w}}"
    return (f"{label:>6} {f(r['loop_s'], 9, 4)} {f(r['ns_per_neuron_update'], 8, 3)} "
            f"{f(r['ns_per_synaptic_event'], 9, 3)} {f(r['fixed_us_per_step'], 9, 2)} "
            f"{f(r['maxrss_mb'], 8, 1)} {f(r['build_s'], 8, 3)} {f(r['wall_s'], 8, 3)} "
            f"{f(r['cpu_over_wall'], 8, 2)} "
            f"{r['spikes']:>10d} {r['rate_hz']:>8.3f}")


def median_row(rows):
    med = {}
    for key in rows[0]:
        vals = [r[key] for r in rows if isinstance(r[key], (int, float)) and r[key] is not None]
        if vals and len(vals) == len(rows):
            m = statistics.median(vals)
            med[key] = int(m) if all(isinstance(v, int) for v in vals) and m == int(m) else m
        else:
            med[key] = rows[0][key]
    return med


def time_to_first_result(binary, reps, cold, config=REPO / "configs" / "cuba.yaml",
                         timeout_s=120):
    """Wall seconds of the whole `spikegraph run configs/cuba.yaml --out DIR` process (start,
    build, 1 s simulated, outputs written), reps times, run from the repository root; returns
    [(wall s, peak RSS MiB)].

    cold: each run gets a new, empty SPIKEGRAPH_CACHE_DIR, so it compiles the model's native
    neuron update as a first-time user's run does (the peak RSS is then the compiler's).
    Otherwise the user's cache is used, after one untimed run has filled it."""
    results = []
    with tempfile.TemporaryDirectory(prefix="sg_ttfr_") as tmp:
        def once(name, env):
            out = Path(tmp) / name
            cmd = [str(binary), "run", str(config), "--out", str(out), "--quiet"]
            code, wall, rss, stderr, _ = run_process(cmd, timeout_s, cwd=REPO, env=env)
            if code != 0:
                raise BenchError(f"spikegraph exited with {code}: {' '.join(cmd)}\n{stderr}")
            if not (out / "stats.json").exists():
                raise BenchError(f"{out}/stats.json missing after {' '.join(cmd)}")
            return wall, rss / 1024.0

        if not cold:
            once("warmup", None)
        for rep in range(reps):
            env = None
            if cold:
                cache = Path(tmp) / f"cache{rep}"
                cache.mkdir()
                env = dict(os.environ, SPIKEGRAPH_CACHE_DIR=str(cache))
            results.append(once(f"out{rep}", env))
    return results


def check_binary(binary):
    binary = Path(binary)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise BenchError(f"spikegraph binary '{binary}' not found or not executable; build it "
                         f"with: cmake --build {REPO / 'build'} -j2 --target spikegraph")
    return binary


def describe_binary(binary):
    """One line that identifies the binary measured: path, mtime, sha256 prefix, and the git
    commit of the working tree (with '+dirty' when it has uncommitted changes)."""
    import hashlib
    binary = Path(binary)
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()[:12]
    mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(binary.stat().st_mtime))
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit = head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{binary} (built {mtime}, sha256 {digest}, tree {commit})"


def load_line():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("networks", nargs="*", default=["cuba_4k", "coba_4k"],
                    help=f"names in bench/networks/ ({', '.join(ALL_NETWORKS)}) or config paths; "
                         "'all' for all six")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per network (default 3)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=None, help="--seed for spikegraph")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help="passed to spikegraph run --set (repeatable)")
    ap.add_argument("--tiny-size", type=int, default=16,
                    help="neurons of the shrunk network that measures the fixed cost per step "
                         "(0: skip)")
    ap.add_argument("--binary", default=str(DEFAULT_BINARY))
    ap.add_argument("--timeout", type=float, default=900, help="seconds per spikegraph run")
    ap.add_argument("--ttfr-reps", type=int, default=3)
    ap.add_argument("--no-ttfr", action="store_true", help="skip the time-to-first-result runs")
    ap.add_argument("--json", metavar="FILE", help="also write every row to FILE")
    args = ap.parse_args(argv)

    try:
        binary = check_binary(args.binary)
        names = ALL_NETWORKS if args.networks == ["all"] else args.networks
        configs = [resolve_network(n) for n in names]
        report = {"networks": {}, "ttfr": None}
        print(f"spikegraph {describe_binary(binary)}; {os.cpu_count()} CPUs, {load_line()}")
        print(f"{args.threads} thread(s), {args.reps} rep(s); ns/upd and "
              f"ns/event both divide the WHOLE loop (not one kernel); fixed us = loop/steps of "
              f"the same network at {args.tiny_size} neurons")
        for config in configs:
            print(f"\n{config.relative_to(REPO) if config.is_relative_to(REPO) else config}")
            print(HEADER)
            rows = measure_network(binary, config, args.reps, args.threads, args.seed, args.sets,
                                   args.tiny_size, args.timeout,
                                   on_run=lambda rep, r: print(format_row(str(rep + 1), r),
                                                               flush=True))
            med = median_row(rows)
            print(format_row("median", med))
            print(f"       {med['neurons']} neurons, {med['synapses']} synapses, "
                  f"{med['synaptic_events']} synaptic events, {med['steps']} steps, "
                  f"{med['precision']}, {med['threads']} thread(s)")
            report["networks"][config.stem] = {"config": str(config), "rows": rows,
                                               "median": med}
        if not args.no_ttfr:
            print("\ntime to first result: wall of the whole `spikegraph run configs/cuba.yaml "
                  "--out DIR --quiet` process (target <= 1 s)")
            report["ttfr"] = {}
            for cold, label in ((True, "cold cache (empty SPIKEGRAPH_CACHE_DIR: compiles the "
                                       "native update, as a first run does)"),
                                (False, "warm cache (the model already compiled)")):
                walls = time_to_first_result(binary, args.ttfr_reps, cold)
                runs = ", ".join(f"{w:.3f}" for w, _ in walls)
                print(f"  {label}: median {statistics.median(w for w, _ in walls):.3f} s "
                      f"(runs {runs}; peak RSS {max(r for _, r in walls):.1f} MiB)")
                report["ttfr"]["cold" if cold else "warm"] = [w for w, _ in walls]
        print(f"\nend: {load_line()}")
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1))
    except BenchError as e:
        print(f"run_bench: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
