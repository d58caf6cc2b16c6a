"""Issue 14's report on the plastic networks of bench/compare_brian2 (imported by it).

summary() prints, after compare_brian2's table: the final-weight fractions of every run of a
plastic network on both sides, and each cuba_stdp_X beside its static cuba_X (loop times; the
static part of spikegraph's loop from one --profile run each; bytes per plastic synapse from
spikegraph's peak RSS, which includes the build's transient peak, and from the plan
variables' state_bytes of stats.json). profile_run() makes that --profile run.
"""

import json
import tempfile
from pathlib import Path

import run_bench
from run_bench import BenchError


def profile_run(binary, config, tmp, seed, sets, timeout_s):
    """One `spikegraph run --profile` (its cache already warm); returns run_seconds and the
    op_seconds of its stats.json."""
    with tempfile.TemporaryDirectory(prefix="sg_prof_", dir=tmp) as out:
        cmd = [str(binary), "run", str(config), "--out", out, "--quiet", "--threads", "1",
               "--seed", str(seed), "--profile"]
        for kv in sets:
            cmd += ["--set", kv]
        code, _, _, stderr, _ = run_bench.run_process(cmd, timeout_s)
        if code != 0:
            raise BenchError(f"spikegraph exited with {code}: {' '.join(cmd)}\n{stderr.strip()}")
        stats = json.loads((Path(out) / "stats.json").read_text())
    return {"run_seconds": stats["run_seconds"], "ops": stats.get("op_seconds", [])}


def profile_text(profile):
    ops = ", ".join(f"{o['op']} {o['seconds']:.4f}" for o in profile["ops"])
    return f"loop {profile['run_seconds']:.4f} s: {ops}"


def common_ops(plastic, static):
    """The ops both profiles have (same name: the neuron update, the inhibitory delivery, the
    reset, the monitor), as [(op, plastic seconds, static seconds)]. The E->E synapses are a
    pathway in one and part of the excitatory delivery in the other, so those are left out."""
    theirs = {o["op"]: o["seconds"] for o in static["ops"]}
    return [(o["op"], o["seconds"], theirs[o["op"]]) for o in plastic["ops"] if o["op"] in theirs]


def summary(results):
    """Weights of the plastic networks; each cuba_stdp_X beside its static cuba_X."""
    by_name = {r["network"]: r for r in results}
    for r in results:
        for side in ("brian", "spikegraph"):
            ws = [x["weights"] for x in r.get(side, []) if x.get("weights")]
            if ws:
                print(f"{r['network']} {side} final weights over {len(ws)} runs: low tenth "
                      f"{[round(w['low'], 4) for w in ws]}, high tenth "
                      f"{[round(w['high'], 4) for w in ws]}, mean/wmax "
                      f"{[round(w['mean'], 4) for w in ws]}")
        static = by_name.get(r["network"].replace("cuba_stdp_", "cuba_"))
        if not r["network"].startswith("cuba_stdp_") or static is None:
            continue
        print(f"{r['network']} vs {static['network']}: Brian2 loop {r['brian_median_s']:.4f} s "
              f"vs {static['brian_median_s']:.4f} s "
              f"(x{r['brian_median_s'] / static['brian_median_s']:.2f})")
        if "ratio" not in r or "ratio" not in static:
            continue
        print(f"   spikegraph loop {r['spikegraph_median_s']:.4f} s vs "
              f"{static['spikegraph_median_s']:.4f} s "
              f"(x{r['spikegraph_median_s'] / static['spikegraph_median_s']:.2f})")
        plastic_n = r["plastic_synapses"]
        source = "counted by spikegraph"
        if not plastic_n:
            plastic_n = r["brian"][0]["weights"]["n"]
            source = "Brian's E->E count: spikegraph wrote no final weights"
        extra = (r["spikegraph_maxrss_mb"] - static["spikegraph_maxrss_mb"]) * 1024 * 1024
        print(f"   spikegraph peak RSS {r['spikegraph_maxrss_mb']:.1f} MiB vs "
              f"{static['spikegraph_maxrss_mb']:.1f} MiB: {extra / plastic_n:.1f} bytes per "
              f"plastic synapse ({plastic_n} plastic synapses, {source}; synapses in all "
              f"{r['spikegraph'][0]['synapses']} vs {static['spikegraph'][0]['synapses']})")
        mine, theirs = r["spikegraph"][0].get("state_bytes"), static["spikegraph"][0].get(
            "state_bytes")
        if mine and theirs:
            print(f"   spikegraph state_bytes (plan variables, seed {r['spikegraph'][0]['seed']}) "
                  f"{mine} vs {theirs}: {(mine - theirs) / plastic_n:.1f} bytes per plastic "
                  f"synapse")
        if r.get("profile") and static.get("profile"):
            common = common_ops(r["profile"], static["profile"])
            mine, theirs = sum(c[1] for c in common), sum(c[2] for c in common)
            print(f"   --profile, the ops both have (static part): {r['network']} {mine:.4f} s vs "
                  f"{static['network']} {theirs:.4f} s (x{mine / theirs:.2f}); "
                  + ", ".join(f"{op} {a:.4f}/{b:.4f}" for op, a, b in common))
