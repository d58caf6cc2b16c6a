"""The figures of spikegraph_io.plot (raster, rate, trace, isi, weights), drawn with
matplotlib; plot.py documents them and adds saving and the command line (docs/python.md#plots).
"""

import math
import os
import sys

import numpy as np

from .reader import (RateMonitor, Run, SpikegraphIOError, SpikeMonitor, StateMonitor,
                     SynapseState, UnknownNameError, load)

#: The figure kinds, as ``--kind`` names them.
KINDS = ("raster", "rate", "trace", "isi", "weights")
#: Bin of a rate computed from spikes when none is given (ms).
DEFAULT_BIN_MS = 10.0
#: At most this many neurons' (or synapses') traces are drawn.
MAX_TRACES = 20
#: Figure size (inches) and resolution of the saved files.
FIGSIZE = (8.0, 4.5)
DPI = 120
#: File types :func:`save` writes.
FORMATS = (".png", ".svg", ".pdf")

_NEEDS = {"raster": "a spike monitor", "rate": "a rate or spike monitor",
          "trace": "a state monitor", "isi": "a spike monitor",
          "weights": "a synapse state or a state monitor of synapses"}


class PlotError(SpikegraphIOError):
    """A figure that cannot be drawn as asked: an option, a monitor of the wrong kind, an
    output file."""


# --------------------------------------------------------------------------------------------
# Helpers


def _pyplot():
    """matplotlib.pyplot, with the Agg backend unless a display or backend was chosen."""
    import matplotlib
    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _new_axes(ax, rows=1):
    """``[ax]`` when given, else the axes of a new figure with ``rows`` rows."""
    if ax is not None:
        return [ax] * rows
    height = FIGSIZE[1] if rows == 1 else max(FIGSIZE[1], 1.3 + 2.2 * rows)
    _, axes = _pyplot().subplots(rows, 1, sharex=True, squeeze=False, layout="constrained",
                                 figsize=(FIGSIZE[0], height))
    return list(axes[:, 0])


def _as_run(run):
    return run if isinstance(run, Run) else load(run)


def _describe(mon):
    if isinstance(mon, StateMonitor):
        return "state monitor of synapses" if mon.synapses else "state monitor"
    if isinstance(mon, SynapseState):
        return "synapse state"
    return f"{mon.kind} monitor"


def _fits(kind, mon):
    if kind in ("raster", "isi"):
        return isinstance(mon, SpikeMonitor)
    if kind == "rate":
        return isinstance(mon, (RateMonitor, SpikeMonitor))
    if kind == "trace":
        return isinstance(mon, StateMonitor)
    return isinstance(mon, SynapseState) or (isinstance(mon, StateMonitor) and mon.synapses)


def pick_monitor(run, kind, name=None):
    """The monitor a ``kind`` figure draws: ``name``, or the first that fits (for ``rate``, a
    rate monitor before a spike monitor)."""
    run = _as_run(run)
    if kind not in KINDS:
        raise PlotError(f"--kind {kind}: not a figure kind; give one of {', '.join(KINDS)}")
    if name is not None:
        mon = run[name]
        if not _fits(kind, mon):
            raise PlotError(f"--monitor {name}: '{name}' is a {_describe(mon)}; a {kind} figure "
                            f"draws {_NEEDS[kind]}")
        return mon
    fitting = [m for m in run.monitors.values() if _fits(kind, m)]
    if kind == "rate":
        fitting.sort(key=lambda m: not isinstance(m, RateMonitor))  # stable: manifest order
    if not fitting:
        have = ", ".join(f"{m.name} ({_describe(m)})" for m in run.monitors.values()) or "none"
        raise PlotError(f"{run.manifest_path}: no monitor for a {kind} figure, which draws "
                        f"{_NEEDS[kind]}; the monitors are: {have}")
    return fitting[0]


def _window(run, from_ms, to_ms):
    """[from, to) in ms, defaulting to the run's recorded span."""
    lo = run.start_ms if from_ms is None else float(from_ms)
    hi = run.t_end_ms if to_ms is None else float(to_ms)
    if not hi > lo:
        raise PlotError(f"the window from {lo:g} ms to {hi:g} ms is empty (--from must be "
                        "before --to, and inside the run)")
    return lo, hi


def _lower(bound):
    # As the reader: a bound catches a time k*dt computed a hair below it.
    return bound - 1e-9 * max(1.0, abs(bound))


def _batch_view(mon, batch):
    """The view of batch entry ``batch`` (None: entry 0 of a batched run, else the monitor)."""
    if batch is None:
        return mon.for_batch(0) if mon.batch > 1 else mon
    return mon.for_batch(batch)


def _batch_note(mon, view):
    return f", batch entry {view.batch_entry}" if mon.batch > 1 else ""


def _chosen(neurons):
    """The neurons asked for, as a sorted int64 array without repeats (None: all)."""
    if neurons is None:
        return None
    if isinstance(neurons, range) and neurons.step == 1:
        chosen = np.arange(neurons.start, neurons.stop, dtype=np.int64)
    elif isinstance(neurons, slice):
        chosen = np.arange(neurons.start or 0, neurons.stop, neurons.step or 1, dtype=np.int64)
    else:
        chosen = np.unique(np.asarray(list(neurons), dtype=np.int64))
    if chosen.size == 0:
        raise PlotError("--neurons chooses no neuron")
    if chosen[0] < 0:
        raise PlotError(f"--neurons: {chosen[0]} is not an index")
    return chosen


def _keep(indices, chosen):
    """A mask of ``indices`` that are in ``chosen`` (sorted), in one pass."""
    lo, hi = int(chosen[0]), int(chosen[-1])
    if hi - lo + 1 == chosen.size:  # a range: two comparisons
        return (indices >= lo) & (indices <= hi)
    table = np.zeros(hi + 1, dtype=bool)  # a lookup table, O(spikes)
    table[chosen] = True
    return (indices >= 0) & (indices <= hi) & table[np.clip(indices, 0, hi)]


def _chosen_in_slice(mon, chosen):
    """The chosen neurons inside the monitor's slice; an error when there is none."""
    start, stop = mon.slice
    inside = chosen[(chosen >= start) & (chosen < stop)]
    if inside.size == 0:
        raise PlotError(f"--neurons: none of the chosen neurons lies in monitor '{mon.name}' "
                        f"(neurons {start} to {stop - 1} of {mon.group})")
    return inside


def _label(name, unit):
    """'v (mV)'; a dimensionless or index unit ('' or '1') is left out."""
    return name if unit in (None, "", "1") else f"{name} ({unit})"


def _title(ax, run, mon, extra=""):
    where = os.path.basename(os.path.normpath(run.path))
    ax.set_title(f"{where}: {mon.name} ({mon.group}){extra}", fontsize=10)


def _spikes(mon, lo, hi, neurons, batch):
    """(view, t, i, chosen) of the spikes in the window, of one batch entry and the chosen
    neurons."""
    view = _batch_view(mon, batch).window(lo, hi)
    t, i = view.t, view.i
    chosen = _chosen(neurons)
    if chosen is not None:
        chosen = _chosen_in_slice(mon, chosen)
        keep = _keep(i, chosen)
        t, i = t[keep], i[keep]
    return view, t, i, chosen


# --------------------------------------------------------------------------------------------
# Figures


def raster(run, monitor=None, from_ms=None, to_ms=None, neurons=None, batch=None, ax=None):
    """Spike times (ms) against neuron index (in the group), one dot per spike.

    ``monitor``: a spike monitor's name (default: the first). ``from_ms``/``to_ms``: the
    window (default: the run). ``neurons``: indices to show (a range or a list; default: the
    monitored slice). ``batch``: the batch entry (default 0). All spikes are one rasterized
    scatter, so 10^7 spikes draw in seconds.
    """
    run = _as_run(run)
    mon = pick_monitor(run, "raster", monitor)
    lo, hi = _window(run, from_ms, to_ms)
    view, t, i, chosen = _spikes(mon, lo, hi, neurons, batch)
    ax = _new_axes(ax)[0]
    # Smaller dots the more spikes, so a dense raster stays readable.
    size = 6.0 if t.size < 10_000 else 2.0 if t.size < 200_000 else 0.5
    ax.scatter(t, i, s=size, c="k", marker=".", linewidths=0, rasterized=True)
    if chosen is not None:  # the neurons shown: those chosen, else the monitored slice
        lowest, highest = int(chosen[0]), int(chosen[-1])
    else:
        lowest, highest = mon.slice[0], max(mon.slice[0], mon.slice[1] - 1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lowest - 0.5, highest + 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"neuron index in {mon.group}")
    _title(ax, run, mon, f", {t.size} spikes{_batch_note(mon, view)}")
    return ax


def _rebin(t, r, k):
    """Merges ``k`` consecutive bins (mean rate; the last group may hold fewer)."""
    starts = np.arange(0, t.size, k)
    sums = np.add.reduceat(r, starts) if r.size else r
    return t[starts], sums / np.diff(np.append(starts, t.size))


def rate(run, monitor=None, from_ms=None, to_ms=None, neurons=None, batch=None, bin_ms=None,
         ax=None):
    """The population rate in Hz against time.

    From a rate monitor (its bins; ``bin_ms`` a multiple of them merges bins), or from a spike
    monitor (spikes of the chosen ``neurons`` counted in bins of ``bin_ms``, default 10 ms,
    divided by the number of neurons and the bin's duration). ``monitor`` defaults to the first
    rate monitor, else the first spike monitor.
    """
    run = _as_run(run)
    mon = pick_monitor(run, "rate", monitor)
    lo, hi = _window(run, from_ms, to_ms)
    if bin_ms is not None and not bin_ms > 0:
        raise PlotError(f"--bin {bin_ms:g} ms: a bin must be longer than 0 ms")
    if isinstance(mon, RateMonitor):
        if neurons is not None:
            raise PlotError(f"--neurons does not apply to rate monitor '{mon.name}', which "
                            "stores the rate of all its neurons; draw the rate of a spike "
                            "monitor to choose neurons")
        view = _batch_view(mon, batch)
        t, r, width = np.asarray(view.t), np.asarray(view.rate), mon.bin_ms
        if r.ndim != 1:
            raise PlotError(f"{mon.files['rate']}: a rate of shape {r.shape} is not one row "
                            "per batch entry")
        if bin_ms is not None and not math.isclose(bin_ms, width, rel_tol=1e-9):
            k = bin_ms / width
            if k < 1 or not math.isclose(k, round(k), rel_tol=1e-6):
                raise PlotError(f"--bin {bin_ms:g} ms: rate monitor '{mon.name}' has bins of "
                                f"{width:g} ms; give a multiple of them")
            t, r = _rebin(t, r, int(round(k)))
            width = bin_ms
        # The bins that meet the window [lo, hi).
        keep = (t + width > lo + 1e-9 * max(1.0, abs(lo))) & (t < _lower(hi))
        t, r = t[keep], r[keep]
        edges = np.append(t, min(t[-1] + width, run.t_end_ms) if t.size else lo)
        neurons_note = ""
    else:
        width = DEFAULT_BIN_MS if bin_ms is None else float(bin_ms)
        view, t_spikes, _, chosen = _spikes(mon, lo, hi, neurons, batch)
        count = mon.neurons if chosen is None else chosen.size
        if count == 0:
            raise PlotError(f"monitor '{mon.name}' watches no neuron: it has no rate")
        n_bins = max(1, math.ceil((hi - lo) / width - 1e-9))
        edges = lo + width * np.arange(n_bins + 1)
        edges[-1] = min(edges[-1], hi)  # the last bin may be cut by the window's end
        counts, _ = np.histogram(t_spikes, bins=np.array([_lower(e) for e in edges]))
        r = counts / (count * np.diff(edges) * 1e-3)
        neurons_note = f", {count} neurons"
    ax = _new_axes(ax)[0]
    if r.size:
        ax.stairs(r, edges, baseline=None, color="C0", lw=0.9)
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    _title(ax, run, mon, f", bins of {width:g} ms{neurons_note}{_batch_note(mon, view)}")
    return ax


def trace(run, monitor=None, from_ms=None, to_ms=None, neurons=None, batch=None,
          variables=None, ax=None):
    """A state monitor's variables against time, with the manifest's units on the axes.

    ``variables``: names (or one name) to draw (default: every recorded variable; one row of
    axes each when ``ax`` is None). ``neurons``: the recorded neurons (for a monitor of
    synapses: synapse indices) to draw; at most ``MAX_TRACES`` lines per variable. Returns the
    axes, or a list of them when several variables get a row each.
    """
    run = _as_run(run)
    mon = pick_monitor(run, "trace", monitor)
    if variables is None:
        variables = list(mon.variables)
    elif isinstance(variables, str):
        variables = [variables]
    if not variables:
        raise PlotError(f"monitor '{mon.name}' records no variable")
    for v in variables:
        if v not in mon.variables:
            raise UnknownNameError(f"--var {v}: monitor '{mon.name}' records no '{v}'; it "
                                   f"records: {', '.join(mon.variables) or 'nothing'}")
    lo, hi = _window(run, from_ms, to_ms)
    view = _batch_view(mon, batch)
    t = np.asarray(view.t)
    # Record times are sorted: the window is a range of rows.
    r0, r1 = np.searchsorted(t, [_lower(lo), _lower(hi)], side="left")
    index = np.asarray(view.index)
    columns = np.arange(index.size)
    chosen = _chosen(neurons)
    if chosen is not None:
        columns = columns[np.isin(index, chosen)]
        if columns.size == 0:
            what = "synapses" if mon.synapses else "neurons"
            raise PlotError(f"--neurons: monitor '{mon.name}' recorded none of them (it recorded "
                            f"{index.size} {what}: {_few(index)})")
    shown = columns[:MAX_TRACES]
    if mon.synapses:
        pre, post = np.asarray(view.pre), np.asarray(view.post)
        names = [f"synapse {index[c]} ({pre[c]}→{post[c]})" for c in shown]
    else:
        names = [f"neuron {index[c]}" for c in shown]
    axes = _new_axes(ax, len(variables))
    shared = ax is not None and len(variables) > 1  # several variables on the caller's axes
    for a, v in zip(axes, variables):
        values = view.values[v]
        if values.ndim != 2:
            raise PlotError(f"{mon.files[v]}: values of shape {values.shape} are not (records, "
                            "columns)")
        lines = a.plot(t[r0:r1], np.asarray(values[r0:r1])[:, shown], lw=0.8)
        for line, name in zip(lines, names):
            line.set_label(f"{v}, {name}" if shared else name)
        a.set_ylabel(_label(v, mon.units.get(v, "")))
    if shared:
        units = {mon.units.get(v, "") for v in variables}
        unit = units.pop() if len(units) == 1 else ""
        ax.set_ylabel(_label(", ".join(variables), unit))
    if 0 < len(axes[0].get_lines()) <= 10:
        axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("time (ms)")
    axes[-1].set_xlim(lo, hi)
    capped = f", {shown.size} of {columns.size} traces" if shown.size < columns.size else ""
    _title(axes[0], run, mon, f"{capped}{_batch_note(mon, view)}")
    return axes[0] if ax is not None or len(axes) == 1 else axes


def _few(values, n=8):
    text = ", ".join(str(v) for v in values[:n])
    return text + (", ..." if len(values) > n else "")


def isi(run, monitor=None, from_ms=None, to_ms=None, neurons=None, batch=None, ax=None):
    """The histogram of inter-spike intervals (ms) of the chosen neurons in the window.

    The title gives the mean interval and the mean coefficient of variation of the neurons
    with at least two intervals. Intervals beyond the 99.5th percentile are left out of the
    axes when they would squash the histogram (the title says how many).
    """
    run = _as_run(run)
    mon = pick_monitor(run, "isi", monitor)
    lo, hi = _window(run, from_ms, to_ms)
    view, t, i, _ = _spikes(mon, lo, hi, neurons, batch)
    order = np.argsort(i, kind="stable")  # by neuron; times stay sorted within each
    t, i = t[order], i[order]
    same = i[1:] == i[:-1]
    intervals = np.diff(t)[same]
    owners = i[1:][same]
    ax = _new_axes(ax)[0]
    if intervals.size:
        # Per-neuron CV from sums, without a Python loop over neurons. `owners` is sorted:
        # number its runs 0, 1, ... to count each neuron's intervals.
        which = np.cumsum(np.r_[False, owners[1:] != owners[:-1]])
        n = np.bincount(which)
        mean = np.bincount(which, intervals) / n
        var = np.maximum(np.bincount(which, intervals ** 2) / n - mean ** 2, 0.0)
        ok = (n >= 2) & (mean > 0)
        cv = np.sqrt(var[ok]) / mean[ok]
        top = float(intervals.max())
        p = float(np.percentile(intervals, 99.5))
        hidden = 0
        if intervals.size >= 200 and top > 2 * p > 0:
            hidden = int(np.count_nonzero(intervals > p))
            top = p
        ax.hist(intervals, bins=_interval_bins(top, run.dt_ms), color="C0")
        extra = (f", {intervals.size} intervals, mean {intervals.mean():.3g} ms"
                 + (f", mean CV {cv.mean():.2f} ({cv.size} neurons)" if cv.size else "")
                 + (f", {hidden} over {top:.3g} ms not shown" if hidden else ""))
    else:
        ax.text(0.5, 0.5, "no neuron fired twice in the window", transform=ax.transAxes,
                ha="center", va="center")
        extra = ", no interval"
    ax.set_xlabel("inter-spike interval (ms)")
    ax.set_ylabel("intervals")
    _title(ax, run, mon, extra + _batch_note(mon, view))
    return ax


def _interval_bins(top, dt_ms, count=100):
    """About ``count`` bins over [0, top]. Intervals are multiples of dt: the bins are whole
    multiples of dt centred on them, so that none falls empty between two grid points."""
    if not dt_ms > 0:
        return np.linspace(0.0, top if top > 0 else 1.0, count + 1)
    width = dt_ms * max(1, math.ceil(top / count / dt_ms))
    n = max(1, math.ceil((top + 0.5 * dt_ms) / width))
    return np.arange(n + 1) * width - 0.5 * dt_ms


def weights(run, monitor=None, variable=None, batch=None, ax=None):
    """The histogram of synapse weights, with their unit on the axis.

    ``monitor``: a synapse state (final values) or a state monitor of synapses (its last
    record); default: the first synapse state, else the first such monitor. ``variable``:
    default ``w`` when there is one, else the first variable that is not shared.
    """
    run = _as_run(run)
    mon = pick_monitor(run, "weights", monitor)
    if variable is None:
        unshared = [v for v in mon.variables if not mon.entries[v].get("shared")]
        variable = "w" if "w" in mon.variables else (unshared or mon.variables or [None])[0]
        if variable is None:
            raise PlotError(f"monitor '{mon.name}' holds no synapse variable")
    elif variable not in mon.variables:
        raise UnknownNameError(f"--var {variable}: monitor '{mon.name}' has no '{variable}'; it "
                               f"has: {', '.join(mon.variables) or 'nothing'}")
    view = _batch_view(mon, batch)
    values = np.asarray(view.values[variable])
    if isinstance(mon, StateMonitor):
        if values.shape[0] == 0:
            raise PlotError(f"{mon.files[variable]}: monitor '{mon.name}' holds no record")
        when = float(view.t[-1])
        values = values[-1]
    else:
        when = mon.t_ms
    values = values.reshape(-1)
    finite = values[np.isfinite(values)]
    ax = _new_axes(ax)[0]
    ax.hist(finite, bins=50, color="C0")
    ax.set_xlabel(_label(variable, mon.units.get(variable, "")))
    ax.set_ylabel("synapses")
    at = f" at {when:g} ms" if when is not None else ""
    _title(ax, run, mon, f", {variable} of {values.size} synapses{at}{_batch_note(mon, view)}")
    return ax


# --------------------------------------------------------------------------------------------
# Writing a figure
