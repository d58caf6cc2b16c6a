"""``python3 -m spikegraph_io DIR``: what a run's output directory holds.

Prints the run (dt, span, batch) and, per monitor, its kind, group, slice and files with their
shapes and units, after checking every file as :func:`spikegraph_io.load` does. A bad directory
prints one line ``error: ...`` and exits with status 2. For figures, see
``python3 -m spikegraph_io.plot``.
"""

import sys

from .reader import SpikegraphIOError, load


def describe(run):
    """The lines ``python3 -m spikegraph_io DIR`` prints."""
    r = run.run
    lines = [f"{run.path}: manifest version {run.version}, dt {run.dt_ms:g} ms, "
             f"{run.start_ms:g} to {run.t_end_ms:g} ms, batch {run.batch}"
             + (f", config {r['config']}" if r.get("config") else "")]
    for mon in run.monitors.values():
        start, stop = mon.slice
        where = f"[{start}:{stop}]" if stop is not None else ""
        guess = "" if mon.slice_known or stop is None else " (end inferred, version 1)"
        lines.append(f"  {mon.name}: {mon.kind} of {mon.group}{where}{guess}")
        for variable, entry in mon.entries.items():
            unit = entry.get("unit", "")
            lines.append(f"    {entry['file']}: {entry.get('dtype', '?')} "
                         f"{tuple(entry.get('shape', ()))}" + (f" {unit}" if unit else ""))
    return lines


def main(argv=None):
    """Returns the exit status: 0, or 2 after one line ``error: ...``."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python3 -m spikegraph_io DIR  (figures: python3 -m spikegraph_io.plot)",
              file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        print("\n".join(describe(load(argv[0]))))
    except SpikegraphIOError as e:
        print("error: " + " ".join(str(e).split()), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
