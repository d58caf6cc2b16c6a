"""Monitors as Neo objects (needs python3-neo), for Elephant and the other Neo tools."""

import numpy as np

from .files import SpikegraphIOError, _one_line
from .monitors import SpikeMonitor, StateMonitor


# --------------------------------------------------------------------------------------------
# Neo


def _neo():
    try:
        import neo
        import quantities as pq
    except ImportError as e:
        raise SpikegraphIOError(f"to_neo needs the Python package neo ({_one_line(e)}); "
                                "install python3-neo (Debian) or pip install neo") from None
    return neo, pq


def _quantity_unit(pq, unit):
    """The quantities unit of a manifest unit string ("1" and "" are dimensionless)."""
    if unit in ("", "1", None):
        return pq.dimensionless
    try:
        return pq.Quantity(1.0, unit).units
    except (LookupError, ValueError, AttributeError, SyntaxError, TypeError):
        return None


def to_neo(monitor, batch=None):
    """A monitor as Neo objects, for Elephant and the other Neo tools (needs python3-neo).

    - A :class:`SpikeMonitor` (or a view of one): a list of ``neo.SpikeTrain``, one per neuron
      of the slice in index order (silent ones empty), in ms, from the run's ``start_ms`` to
      its ``t_end_ms`` (or the view's window), annotated with ``neuron``, ``group``, ``monitor``
      and ``batch_entry``.
    - A :class:`StateMonitor`: a dict variable -> ``neo.AnalogSignal`` (records x columns,
      with the manifest's unit; sampling period from ``t``; an
      ``neo.IrregularlySampledSignal`` when the record times are not evenly spaced), with the
      column indices as the array annotation ``index`` (and ``pre``/``post`` for synapses).

    ``batch``: the batch entry (default: the view's entry, else 0).
    """
    if not isinstance(monitor, (SpikeMonitor, StateMonitor)):
        raise SpikegraphIOError(f"to_neo takes a spike or state monitor; '{monitor.name}' is a "
                                f"{monitor.kind} monitor")
    neo, pq = _neo()
    if batch is None:
        batch = 0 if monitor.batch_entry is None else monitor.batch_entry
    mon = monitor.for_batch(batch)
    run = monitor.run
    if isinstance(mon, SpikeMonitor):
        lo, hi = mon._span_ms(None, None)
        trains = []
        for n, times in mon.spike_trains().items():
            trains.append(neo.SpikeTrain(np.array(times), units="ms", t_start=lo * pq.ms,
                                         t_stop=hi * pq.ms, name=f"{mon.group}[{n}]",
                                         neuron=n, group=mon.group, monitor=mon.name,
                                         batch_entry=batch))
        return trains
    t = np.array(mon.t)
    annotations = {"index": np.array(mon.index)}
    if mon.synapses:
        annotations.update(pre=np.array(mon.pre), post=np.array(mon.post))
    steps = np.diff(t)
    regular = t.size < 2 or np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9)
    signals = {}
    for variable in mon.variables:
        values = np.array(mon.values[variable])
        unit = mon.units.get(variable, "")
        q = _quantity_unit(pq, unit)
        extra = {} if q is not None else {"unit": unit}  # a unit quantities cannot parse
        q = pq.dimensionless if q is None else q
        common = dict(units=q, name=variable, array_annotations=annotations,
                      monitor=mon.name, group=mon.group, batch_entry=batch, **extra)
        if regular:
            period = steps[0] if t.size > 1 else run.dt_ms
            start = t[0] if t.size else run.start_ms
            signals[variable] = neo.AnalogSignal(values, sampling_period=period * pq.ms,
                                                 t_start=start * pq.ms, **common)
        else:
            signals[variable] = neo.IrregularlySampledSignal(t * pq.ms, values, **common)
    return signals
