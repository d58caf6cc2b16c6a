#!/usr/bin/python3
"""Shows that two spikegraph binaries write byte-identical outputs for the shipped configs.

    /usr/bin/python3 scripts/compare_outputs.py OLD NEW [--duration 200ms] [--keep DIR]

Runs every configs/*.yaml with both binaries, from the same paths and with the same arguments,
in several variants: as shipped; on two threads; with batch 2; in single precision; and with a
state monitor (v of ten neurons of the first group, every step and every 0.3 ms) added to the
config. Every file each run writes is compared byte for byte, except stats.json (wall-clock
timings). Prints one line per run and exits 1 when any file differs or is missing on one side,
0 when all are identical. Used to check that a refactoring changed no output (issue 12).
"""

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

STATE_MONITORS = """
  sg_compare_v:
    type: state
    group: {group}[0:10]
    variables: [v]
  sg_compare_v_every3:
    type: state
    group: {group}[0:10]
    variables: [v]
    every: 0.3 ms
"""


def first_group(text):
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if line.rstrip() == "groups:":
            for nxt in lines[k + 1:]:
                if nxt.startswith("  ") and not nxt.startswith("   ") and nxt.strip().endswith(":"):
                    return nxt.strip()[:-1]
    raise SystemExit("compare_outputs: no group found")


def variants(config, work):
    """(label, config path, extra arguments) for every variant of one shipped config."""
    text = config.read_text()
    with_state = work / f"{config.stem}_state.yaml"
    with_state.write_text(text.rstrip("\n") + "\n" + STATE_MONITORS.format(group=first_group(text)))
    return [
        ("as shipped", config, []),
        ("2 threads", config, ["--threads", "2"]),
        ("batch 2", config, ["--set", "simulation.batch=2"]),
        ("float", config, ["--set", "simulation.precision=float"]),
        ("state monitors", with_state, []),
        ("state, batch 2, 2 threads", with_state, ["--set", "simulation.batch=2", "--threads", "2"]),
    ]


def run(binary, config, args, out, duration):
    cmd = [str(binary), "run", str(config), "--out", str(out), "--quiet", "--duration", duration]
    cmd += args
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise SystemExit(f"compare_outputs: {' '.join(cmd)} exited with {p.returncode}:\n"
                         f"{p.stderr.strip()}")


def compare_dirs(a, b):
    names = sorted(({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()}) - {"stats.json"})
    bad = []
    for n in names:
        if not (a / n).exists() or not (b / n).exists():
            bad.append(f"{n} (only in {'new' if not (a / n).exists() else 'old'})")
        elif not filecmp.cmp(a / n, b / n, shallow=False):
            bad.append(n)
    return names, bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--duration", default="200ms")
    ap.add_argument("--keep", metavar="DIR", help="keep the outputs in DIR")
    args = ap.parse_args(argv)
    old, new = Path(args.old).resolve(), Path(args.new).resolve()
    work = Path(tempfile.mkdtemp(prefix="sg_compare_"))
    failures = 0
    try:
        for config in sorted((REPO / "configs").glob("*.yaml")):
            for k, (label, path, extra) in enumerate(variants(config, work)):
                dirs = [work / f"{config.stem}_{k}_{side}" for side in ("old", "new")]
                for binary, out in zip((old, new), dirs):
                    run(binary, path, extra, out, args.duration)
                names, bad = compare_dirs(*dirs)
                failures += bool(bad)
                print(f"{config.name:<13} {label:<27} {len(names)} files: "
                      f"{'identical' if not bad else 'DIFFER: ' + ', '.join(bad)}", flush=True)
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    print("all outputs identical" if not failures else f"{failures} run(s) differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
