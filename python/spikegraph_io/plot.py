"""Figures of a spikegraph run's monitors, drawn with matplotlib (docs/python.md#plots).

Each function takes a :class:`~spikegraph_io.Run` or a directory, draws on ``ax`` (a new
figure when None) with labelled axes and units, and returns the axes:

- :func:`raster`: spike times (ms) against neuron index, one rasterized scatter (10^7 spikes
  draw in seconds);
- :func:`rate`: the population rate (Hz) of a rate monitor, or of a spike monitor's spikes
  counted in bins;
- :func:`trace`: a state monitor's variables against time, with the manifest's units;
- :func:`isi`: the histogram of inter-spike intervals (ms);
- :func:`weights`: the histogram of a synapse state's final weights (or of a synapse state
  monitor's last record), with their unit.

:func:`save` writes a figure atomically. The same as a command line, which is what
``spikegraph inspect DIR --plot KIND`` runs:

    python3 -m spikegraph_io.plot DIR --kind raster|rate|trace|isi|weights [-o FILE.png|svg|pdf]
        [--monitor NAME] [--from 100ms] [--to 1s] [--neurons 0:100 | 3,5,9] [--batch 0]
        [--bin 10ms] [--var v]

A bad option or file makes it print one line ``error: ...`` and exit with status 2.
"""

import argparse
import math
import os
import re
import sys
import tempfile

import numpy as np

from .figures import (DEFAULT_BIN_MS, DPI, FIGSIZE, FORMATS, KINDS, MAX_TRACES,  # noqa: F401
                      PlotError, isi, pick_monitor, raster, rate, trace, weights)
from .reader import SpikegraphIOError, load  # noqa: F401

# The figures (figures.py), saving and the command line.
__all__ = ["KINDS", "DEFAULT_BIN_MS", "MAX_TRACES", "FIGSIZE", "DPI", "FORMATS", "PlotError",
           "pick_monitor", "raster", "rate", "trace", "isi", "weights", "check_output", "save",
           "parse_time", "parse_indices", "main"]


def _figure_of(drawn):
    """The figure of an Axes, a list of Axes, or a Figure."""
    if isinstance(drawn, (list, tuple, np.ndarray)):
        drawn = drawn[0]
    return getattr(drawn, "figure", None) or drawn


def check_output(path):
    """Raises PlotError when ``path`` is not a writable .png/.svg/.pdf in an existing folder."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise PlotError(f"-o {path}: the figure file must end in .png, .svg or .pdf")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise PlotError(f"-o {path}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise PlotError(f"-o {path}: is a directory")
    return ext


def save(drawn, path, dpi=DPI):
    """Writes the figure of ``drawn`` (axes, a list of them, or a figure) to ``path`` (.png,
    .svg or .pdf) atomically: into a temporary file beside it, then renamed over it, so a
    reader never sees half a figure. Returns ``path``."""
    path = os.fspath(path)
    ext = check_output(path)
    figure = _figure_of(drawn)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                   dir=folder)
    except OSError as e:
        raise PlotError(f"-o {path}: cannot write in {folder} ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            figure.savefig(f, format=ext[1:], dpi=dpi)
        umask = os.umask(0)  # mkstemp made the file private; a figure gets the usual mode
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as e:
        raise PlotError(f"-o {path}: cannot write the figure ({e.strerror})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# --------------------------------------------------------------------------------------------
# Command line

_TIME = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(ms|s|us)\s*")
_SCALE_MS = {"ms": 1.0, "s": 1e3, "us": 1e-3}


def parse_time(text, option="--from"):
    """'100ms', '100 ms', '1.5s', '250us' -> milliseconds; a number needs its unit."""
    m = _TIME.fullmatch(text)
    value = float(m.group(1)) * _SCALE_MS[m.group(2)] if m else math.nan
    if not math.isfinite(value):
        raise PlotError(f"{option} '{text}' is not a time; give a number and a unit (ms, s or "
                        f"us), e.g. {option} 100ms")
    return value


def parse_indices(text, option="--neurons"):
    """'0:100' (stop excluded) -> range(0, 100); '3,5,9' -> [3, 5, 9] (sorted, no repeats)."""
    def bad(why):
        return PlotError(f"{option} '{text}': {why}; give a range START:STOP (stop excluded) "
                         f"or indices separated by commas, e.g. {option} 0:100 or {option} 3,5,9")

    def integer(s):
        if not re.fullmatch(r"\s*\d+\s*", s):
            raise bad(f"'{s}' is not an index")
        return int(s)

    if ":" in text:
        start, _, stop = text.partition(":")
        start, stop = integer(start), integer(stop)
        if stop <= start:
            raise bad("the range is empty")
        return range(start, stop)
    return sorted({integer(s) for s in text.split(",")})


def parse_batch(text, option="--batch"):
    """'2' -> 2: a figure draws one batch entry."""
    if not re.fullmatch(r"\s*\d+\s*", text):
        raise PlotError(f"{option} '{text}': a figure draws one batch entry; give its index, "
                        f"e.g. {option} 0")
    return int(text)


class _UsageError(Exception):
    """A command line argparse rejects."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise _UsageError(message)


def _parser():
    p = _Parser(prog="python3 -m spikegraph_io.plot", allow_abbrev=False,
                description="Draw a figure of a spikegraph run's monitors (docs/python.md).")
    p.add_argument("dir", help="the --out directory of a spikegraph run")
    p.add_argument("--kind", required=True, choices=KINDS, help="the figure")
    p.add_argument("-o", "--output", help="FILE.png, .svg or .pdf (default: "
                                          "DIR/MONITOR.KIND.png)")
    p.add_argument("--monitor", help="the monitor (default: the first of a fitting kind)")
    p.add_argument("--from", dest="from_", metavar="TIME", help="window start, e.g. 100ms")
    p.add_argument("--to", metavar="TIME", help="window end (excluded), e.g. 1s")
    p.add_argument("--neurons", help="START:STOP (stop excluded) or I,J,K")
    p.add_argument("--batch", help="the batch entry (default 0)")
    p.add_argument("--bin", metavar="TIME", help="rate bin (default 10ms for a spike monitor)")
    p.add_argument("--var", action="append", help="variable (trace: repeatable; weights: one)")
    return p


def _not_for(kind, given):
    """Errors for options that the figure ``kind`` does not use."""
    uses = {"raster": {"--from", "--to", "--neurons", "--batch"},
            "rate": {"--from", "--to", "--neurons", "--batch", "--bin"},
            "trace": {"--from", "--to", "--neurons", "--batch", "--var"},
            "isi": {"--from", "--to", "--neurons", "--batch"},
            "weights": {"--batch", "--var"}}[kind]
    for option, value in given:
        if value is not None and option not in uses:
            raise PlotError(f"{option} does not apply to --kind {kind} (it takes "
                            f"{', '.join(sorted(uses))})")


def _command(args):
    kind = args.kind
    _not_for(kind, [("--from", args.from_), ("--to", args.to), ("--neurons", args.neurons),
                    ("--batch", args.batch), ("--bin", args.bin), ("--var", args.var)])
    if kind == "weights" and args.var and len(args.var) > 1:
        raise PlotError("--var: a weights figure draws one variable")
    from_ms = None if args.from_ is None else parse_time(args.from_, "--from")
    to_ms = None if args.to is None else parse_time(args.to, "--to")
    if from_ms is not None and to_ms is not None and not to_ms > from_ms:
        raise PlotError(f"--from {args.from_} is not before --to {args.to}")
    bin_ms = None if args.bin is None else parse_time(args.bin, "--bin")
    if bin_ms is not None and not bin_ms > 0:
        raise PlotError(f"--bin {args.bin}: a bin must be longer than 0 ms")
    neurons = None if args.neurons is None else parse_indices(args.neurons, "--neurons")
    batch = None if args.batch is None else parse_batch(args.batch, "--batch")
    if args.output is not None:
        check_output(args.output)  # before any reading or drawing

    import matplotlib
    matplotlib.use("Agg")  # files only, whatever the environment says
    run = load(args.dir)
    if batch is not None and batch >= run.batch:
        n = run.batch
        raise PlotError(f"--batch {batch}: the run has {n} batch entr{'y' if n == 1 else 'ies'} "
                        f"(0 to {n - 1})")
    mon = pick_monitor(run, kind, args.monitor)
    window = dict(from_ms=from_ms, to_ms=to_ms, neurons=neurons)
    if kind == "raster":
        drawn = raster(run, mon.name, batch=batch, **window)
    elif kind == "rate":
        drawn = rate(run, mon.name, batch=batch, bin_ms=bin_ms, **window)
    elif kind == "trace":
        drawn = trace(run, mon.name, batch=batch, variables=args.var, **window)
    elif kind == "isi":
        drawn = isi(run, mon.name, batch=batch, **window)
    else:
        drawn = weights(run, mon.name, variable=args.var[0] if args.var else None, batch=batch)
    out = args.output or os.path.join(args.dir, f"{mon.name}.{kind}.png")
    save(drawn, out)
    print(out)
    return 0


def main(argv=None):
    """The command line; returns the exit status (0, or 2 after a one-line ``error: ...``)."""
    def fail(message, status=2):
        print("error: " + " ".join(str(message).split()), file=sys.stderr)
        return status

    try:
        return _command(_parser().parse_args(argv))
    except (SpikegraphIOError, _UsageError) as e:
        return fail(e)
    except OSError as e:
        return fail(f"{e.filename or ''}: {e.strerror or e}")
    except MemoryError:
        return fail("out of memory; choose fewer spikes with --from/--to/--neurons", 1)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as e:  # a bug: still one line, but a distinct status
        return fail(f"unexpected {type(e).__name__}: {e} (please report it)", 1)


if __name__ == "__main__":
    sys.exit(main())
