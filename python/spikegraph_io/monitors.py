"""The monitors of a run (docs/outputs.md): spike, rate and state monitors and synapse
states, each holding its memory-mapped arrays with the manifest's units and axes."""

import copy
import os

import numpy as np

from .files import (_TIME_EPS, ManifestError, SpikegraphIOError, UnknownNameError, _NpyFile)


# --------------------------------------------------------------------------------------------
# Monitors


def _batch_error(monitor, entry):
    n = monitor.batch
    return SpikegraphIOError(f"batch entry {entry} is out of range: monitor '{monitor.name}' "
                             f"has {n} batch entr{'y' if n == 1 else 'ies'} (0 to {n - 1})")


class _Monitor:
    """What every monitor (and synapse state) has.

    Attributes: ``name``, ``kind``, ``group`` (monitored group, input or connection),
    ``connection`` (for synapse files, else None), ``group_size`` (None in version 1),
    ``slice`` ((start, stop) of the monitored neurons in the group), ``batch`` (the run's batch
    size), ``batch_entry`` (None, or the entry of a :meth:`for_batch` view), ``units`` and
    ``axes`` (variable -> the manifest's unit string / axis names), ``entries`` (variable ->
    the manifest entry) and ``files`` (variable -> path).
    """

    kind = None
    _required = ()

    def __init__(self, run, name, entries):
        self._run = run
        self.name = name
        self.entries = entries
        self.files = {v: os.path.join(run.path, e["file"]) for v, e in entries.items()}
        for variable in self._required:
            if variable not in entries:
                raise ManifestError(f"{run.manifest_path}: {self.kind} monitor '{name}' lists "
                                    f"no '{variable}' file")
        self._npy = {v: _NpyFile(run.path, e) for v, e in entries.items()}
        for f in self._npy.values():
            f.check()
        values = list(entries.values())
        first = values[0]
        self.group = first.get("group")
        self.connection = first.get("connection")
        self.batch = int(first.get("batch", run.batch))
        self.group_size = first.get("group_size")
        # Version 1 put slice_start on the `i` entry only: take it from whichever entry has it.
        self._slice_start = int(next((e["slice_start"] for e in values if "slice_start" in e), 0))
        stop = next((e["slice_stop"] for e in values if "slice_stop" in e), None)
        self._slice_stop = None if stop is None else int(stop)
        self.units = {v: e.get("unit", "") for v, e in entries.items()}
        self.axes = {v: tuple(e.get("axes", ())) for v, e in entries.items()}
        self.batch_entry = None
        self._shared = {}  # caches shared by a monitor and its views

    @property
    def run(self):
        """The :class:`Run` this monitor belongs to."""
        return self._run

    @property
    def slice(self):
        """(start, stop) of the monitored neurons (or synapses) in the group."""
        stop = self._slice_stop
        if stop is None:
            stop = self._inferred_stop()
        return (self._slice_start, stop)

    @property
    def slice_known(self):
        """False when the manifest (version 1) did not record the slice's end."""
        return self._slice_stop is not None

    def _inferred_stop(self):
        return None

    def _array(self, variable):
        return self._npy[variable].array()

    def _view(self, **changes):
        """A shallow copy sharing the files, with some attributes changed."""
        view = copy.copy(self)
        view.__dict__.update(changes)
        return view

    def _entry_checked(self, entry):
        entry = int(entry)
        if not 0 <= entry < self.batch:
            raise _batch_error(self, entry)
        return entry

    def __repr__(self):
        where = f" batch entry {self.batch_entry}" if self.batch_entry is not None else ""
        return f"<{type(self).__name__} '{self.name}' of {self.group}{where}>"


class SpikeMonitor(_Monitor):
    """A spike monitor: ``t`` (ms), ``i`` (index in the group), ``b`` (batch entry).

    Spikes are in time order. :meth:`for_batch` and :meth:`window` return views holding only
    some of the spikes; every attribute and method of a view works on those spikes.
    """

    kind = "spike"
    _required = ("t", "i")

    def __init__(self, run, name, entries):
        super().__init__(run, name, entries)
        self.window_ms = (None, None)  # [from, to) of a window() view
        self._selection = None  # which spikes of the files a view holds (cached)

    # -- the arrays of the files, whole

    def _all_i(self):
        if self._run.version >= 2:
            return self._array("i")
        if "i_absolute" not in self._shared:  # version 1: relative to the slice
            self._shared["i_absolute"] = self._array("i") + np.int64(self._slice_start)
        return self._shared["i_absolute"]

    def _inferred_stop(self):
        # Version 1 did not record the slice's end: up to the highest neuron that spiked.
        if "stop" not in self._shared:
            i = self._all_i()
            self._shared["stop"] = int(i.max()) + 1 if i.size else self._slice_start
        return self._shared["stop"]

    # -- the spikes of this view

    def _select(self):
        """An index (a slice, or an array of positions) of this view's spikes in the files."""
        if self._selection is None:
            t = self._array("t")
            lo, hi = 0, t.shape[0]
            start, stop = self.window_ms
            # Spike times are sorted: the window is a contiguous range, found by bisection.
            if start is not None:
                lo = int(np.searchsorted(t, _lower(start), side="left"))
            if stop is not None:
                hi = max(lo, int(np.searchsorted(t, _lower(stop), side="left")))
            selection = slice(lo, hi)
            if self.batch_entry is not None and "b" in self._npy:
                b = self._array("b")[lo:hi]
                selection = lo + np.flatnonzero(b == self.batch_entry)
            self._selection = selection
        return self._selection

    def _is_view(self):
        return self.batch_entry is not None or self.window_ms != (None, None)

    def _take(self, array):
        return array[self._select()] if self._is_view() else array

    @property
    def t(self):
        """Spike times in ms, in time order (float64)."""
        return self._take(self._array("t"))

    @property
    def i(self):
        """Index in the group of the neuron that fired each spike (int64; version-1 files are
        converted)."""
        return self._take(self._all_i())

    @property
    def b(self):
        """Batch entry of each spike (int64; zeros when the run was not batched)."""
        if "b" in self._npy:
            return self._take(self._array("b"))
        return np.zeros(self.count, dtype=np.int64)

    @property
    def count(self):
        """The number of spikes (of this view)."""
        selection = self._select() if self._is_view() else slice(None)
        if isinstance(selection, slice):
            return len(range(*selection.indices(self._array("t").shape[0])))
        return int(selection.size)

    @property
    def neurons(self):
        """The number of monitored neurons (the slice's length; silent ones count)."""
        start, stop = self.slice
        return stop - start

    @property
    def index(self):
        """The monitored neurons' indices in the group: ``arange(*slice)``."""
        return np.arange(*self.slice, dtype=np.int64)

    # -- views

    def for_batch(self, entry):
        """A view holding only the spikes of batch entry ``entry``."""
        return self._view(batch_entry=self._entry_checked(entry), _selection=None)

    def window(self, from_ms=None, to_ms=None):
        """A view holding only the spikes with ``from_ms <= t < to_ms`` (ms; None: open).

        Windows nest: a window of a window keeps the overlap.
        """
        lo, hi = self.window_ms
        if from_ms is not None:
            lo = float(from_ms) if lo is None else max(lo, float(from_ms))
        if to_ms is not None:
            hi = float(to_ms) if hi is None else min(hi, float(to_ms))
        return self._view(window_ms=(lo, hi), _selection=None)

    def _span_ms(self, from_ms, to_ms):
        """[from, to) in ms: the arguments, else this view's window, else the run's."""
        lo = from_ms if from_ms is not None else self.window_ms[0]
        hi = to_ms if to_ms is not None else self.window_ms[1]
        lo = self._run.start_ms if lo is None else float(lo)
        hi = self._run.t_end_ms if hi is None else float(hi)
        if not hi > lo:
            raise SpikegraphIOError(f"the time window [{lo:g} ms, {hi:g} ms) of monitor "
                                    f"'{self.name}' is empty")
        return lo, hi

    # -- analysis

    def spike_trains(self, batch=None):
        """A dict: every neuron of the slice -> its sorted spike times (ms).

        Silent neurons are present with an empty array. ``batch``: the batch entry (default:
        this view's entry, else 0).
        """
        if batch is None:
            batch = 0 if self.batch_entry is None else self.batch_entry
        mon = self if batch == self.batch_entry else self.for_batch(batch)
        t, i = mon.t, mon.i
        order = np.argsort(i, kind="stable")  # stable: each neuron's times stay sorted
        t, i = t[order], i[order]
        start, stop = self.slice
        edges = np.searchsorted(i, np.arange(start, stop + 1))
        return {n: t[edges[k]:edges[k + 1]] for k, n in enumerate(range(start, stop))}

    def rates(self, from_ms=None, to_ms=None):
        """Per-neuron firing rates in Hz, one per neuron of the slice (``index`` gives which).

        Counted over [from_ms, to_ms) (default: this view's window, else the whole run). On a
        batched monitor (not a :meth:`for_batch` view) the rate is the mean over the batch
        entries, as ``mean_rate_hz`` in stats.json.
        """
        lo, hi = self._span_ms(from_ms, to_ms)
        i = self.window(lo, hi).i
        start, stop = self.slice
        i = i[(i >= start) & (i < stop)] - start
        counts = np.bincount(i, minlength=stop - start)
        entries = self.batch if self.batch_entry is None else 1
        return counts / (entries * (hi - lo) * 1e-3)


class RateMonitor(_Monitor):
    """A population rate monitor: ``t`` (bin starts, ms), ``rate`` (Hz), ``bin_ms``,
    ``neurons`` (the number the rate is divided by)."""

    kind = "rate"
    _required = ("t", "rate")

    def __init__(self, run, name, entries):
        super().__init__(run, name, entries)
        rate = entries["rate"]
        self.bin_ms = float(rate.get("bin_ms", run.dt_ms))
        self.neurons = rate.get("neurons")

    @property
    def t(self):
        """Start of each bin in ms."""
        return self._array("t")

    @property
    def rate(self):
        """Population rate in Hz: (bins,), or (batch, bins) for a batched run (a
        :meth:`for_batch` view: (bins,))."""
        r = self._array("rate")
        if self.batch_entry is not None and r.ndim == 2:
            return r[self.batch_entry]
        return r

    def for_batch(self, entry):
        """A view whose ``rate`` is that of batch entry ``entry`` only."""
        return self._view(batch_entry=self._entry_checked(entry))


class _Values:
    """``monitor.values``: variable name -> array, each file mapped when first asked for."""

    def __init__(self, monitor):
        self._monitor = monitor

    def __getitem__(self, variable):
        m = self._monitor
        if variable not in m.variables:
            raise UnknownNameError(f"monitor '{m.name}' has no variable '{variable}'; it has: "
                                   f"{', '.join(m.variables) or 'none'}")
        return m._variable(variable)

    def __contains__(self, variable):
        return variable in self._monitor.variables

    def __iter__(self):
        return iter(self._monitor.variables)

    def __len__(self):
        return len(self._monitor.variables)

    def keys(self):
        return list(self._monitor.variables)

    def items(self):
        return [(v, self[v]) for v in self._monitor.variables]

    def __repr__(self):
        return f"<values of '{self._monitor.name}': {', '.join(self._monitor.variables)}>"


class StateMonitor(_Monitor):
    """A state monitor: ``t`` (record times, ms), ``index`` (recorded neurons in the group, or
    synapse indices), ``variables``, ``values[var]`` ((records, n), or (batch, records, n) when
    batched; column c belongs to ``index[c]``), ``units[var]``.

    ``mon.v`` is ``mon.values["v"]``. A monitor of synapses (``synapses`` True) also has
    ``pre`` and ``post``: each column's pre- and postsynaptic neuron.
    """

    kind = "state"
    _required = ("t", "index")
    _own = ("t", "index", "pre", "post")

    def __init__(self, run, name, entries):
        super().__init__(run, name, entries)
        self.variables = [v for v in entries if v not in self._own]
        self.synapses = any(e.get("synapses") is True for e in entries.values()) \
            or "pre" in entries

    @property
    def t(self):
        """Record times in ms."""
        return self._array("t")

    @property
    def index(self):
        """The recorded neurons (indices in the group), or synapses (CSR indices)."""
        return self._array("index")

    def _synapse_array(self, variable):
        if variable not in self._npy:
            raise SpikegraphIOError(f"monitor '{self.name}' records neurons, not synapses: it "
                                    f"has no '{variable}'")
        return self._array(variable)

    @property
    def pre(self):
        """Synapse monitors: each column's presynaptic neuron (index in the pre group)."""
        return self._synapse_array("pre")

    @property
    def post(self):
        """Synapse monitors: each column's postsynaptic neuron (index in the post group)."""
        return self._synapse_array("post")

    @property
    def values(self):
        """Variable name -> values (read when first used)."""
        return _Values(self)

    def _variable(self, variable):
        a = self._array(variable)
        if self.batch_entry is not None and a.ndim == 3:
            return a[self.batch_entry]
        return a

    def __getattr__(self, name):
        # Only called for names that are not attributes: the recorded variables.
        if not name.startswith("_") and name in self.__dict__.get("variables", ()):
            return self._variable(name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def for_batch(self, entry):
        """A view whose values are those of batch entry ``entry`` ((records, n))."""
        return self._view(batch_entry=self._entry_checked(entry))


class SynapseState(_Monitor):
    """The final values of a connection's synapse variables.

    ``values[var]`` ((synapses,); (batch, synapses) for a variable of each batch entry;
    (1,) for a shared parameter), ``pre``/``post`` (each synapse's neurons), ``variables``,
    ``synapses`` (the count), ``t_ms`` (when the values were taken). Synapses are in CSR order.
    """

    kind = "synapse_state"
    _required = ("pre", "post")

    def __init__(self, run, name, entries):
        super().__init__(run, name, entries)
        self.variables = [v for v in entries if v not in ("pre", "post")]
        self.synapses = int(entries["pre"].get("shape", [0])[0])
        self.t_ms = next((e["t_ms"] for e in entries.values() if "t_ms" in e), None)

    @property
    def pre(self):
        """Each synapse's presynaptic neuron (index in the pre group)."""
        return self._array("pre")

    @property
    def post(self):
        """Each synapse's postsynaptic neuron (index in the post group)."""
        return self._array("post")

    @property
    def values(self):
        """Variable name -> final values (read when first used)."""
        return _Values(self)

    def _variable(self, variable):
        a = self._array(variable)
        batched = self.entries[variable].get("batched", a.ndim == 2)
        if self.batch_entry is not None and batched and a.ndim == 2:
            return a[self.batch_entry]
        return a

    def for_batch(self, entry):
        """A view whose batched variables are those of batch entry ``entry`` only."""
        return self._view(batch_entry=self._entry_checked(entry))


_KINDS = {"spike": SpikeMonitor, "rate": RateMonitor, "state": StateMonitor,
          "synapse_state": SynapseState}


def _lower(bound_ms):
    """A window bound nudged down by a relative epsilon (see _TIME_EPS)."""
    return bound_ms - _TIME_EPS * max(1.0, abs(bound_ms))
