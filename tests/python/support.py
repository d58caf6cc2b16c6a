"""What the tests of spikegraph_io share (test_reader.py, test_plot.py): the package under
test, and output directories written by hand as spikegraph writes them (docs/outputs.md)."""


import json
import os
import sys
import tempfile
import unittest

import numpy as np

try:
    import spikegraph_io as sio
except ImportError:  # not on PYTHONPATH: use the repository's copy
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "python"))
    import spikegraph_io as sio
from spikegraph_io import plot  # noqa: F401 (re-exported to the tests)

# The folder holding the spikegraph_io under test, for the command-line subprocesses.
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(sio.__file__)))

try:
    import neo  # noqa: F401
    HAVE_NEO = True
except ImportError:
    HAVE_NEO = False



# --------------------------------------------------------------------------------------------
# Writing output directories as spikegraph does


class OutDir:
    """An output directory written file by file: .npy arrays plus manifest.json."""

    def __init__(self, path, version=2, batch=1, dt_ms=0.1, start_ms=0.0, t_end_ms=100.0):
        self.path = path
        self.version = version
        self.batch = batch
        self.files = []
        self.run = {"config": "configs/test.yaml", "spikegraph_version": "0.1.0",
                    "dt_ms": dt_ms, "duration_ms": t_end_ms - start_ms,
                    "steps": int(round((t_end_ms - start_ms) / dt_ms)),
                    "start_step": int(round(start_ms / dt_ms)), "start_ms": start_ms,
                    "t_end_ms": t_end_ms, "seed": 1, "batch": batch, "backend": "cpu",
                    "precision": "double", "interrupted": False, "interrupted_at_ms": None,
                    "stopped": None, "resumed_from": None, "checkpoint": None}
        os.makedirs(path, exist_ok=True)

    def add(self, monitor, kind, variable, array, unit, axes, **fields):
        """Saves ``array`` as MONITOR.VARIABLE.npy and lists it."""
        name = f"{monitor}.{variable}.npy"
        np.save(os.path.join(self.path, name), array)
        entry = {"file": name, "monitor": monitor, "kind": kind, "variable": variable,
                 "unit": unit, "dtype": str(array.dtype), "shape": list(array.shape),
                 "axes": list(axes), "meaning": "written by the test"}
        entry.update(fields)
        self.files.append(entry)
        return entry

    def _place(self, group, size, start, stop):
        # Version 2: every monitor entry says where its neurons lie; version 1 did not.
        if self.version == 1:
            return {"group": group}
        return {"group": group, "group_size": size, "slice_start": start, "slice_stop": stop,
                "batch": self.batch}

    def spikes(self, name, t, i, b=None, group="exc", size=30, start=10, stop=20):
        place = self._place(group, size, start, stop)
        self.add(name, "spike", "t", np.asarray(t, dtype=np.float64), "ms", ["spike"],
                 dt_ms=self.run["dt_ms"], **place)
        i_place = dict(place, slice_start=start) if self.version == 1 else place
        self.add(name, "spike", "i", np.asarray(i, dtype=np.int64), "1", ["spike"], **i_place)
        if b is not None:
            self.add(name, "spike", "b", np.asarray(b, dtype=np.int64), "1", ["spike"], **place)
        return self

    def rate(self, name, t, rate, bin_ms, group="exc", size=30):
        place = dict(self._place(group, size, 0, size), bin_ms=bin_ms, neurons=size)
        self.add(name, "rate", "t", np.asarray(t, dtype=np.float64), "ms", ["bin"], **place)
        axes = ["batch", "bin"] if np.ndim(rate) == 2 else ["bin"]
        self.add(name, "rate", "rate", np.asarray(rate, dtype=np.float64), "Hz", axes, **place)
        return self

    def state(self, name, t, index, variables, units, group="exc", size=30, pre=None,
              post=None):
        synapses = pre is not None
        place = self._place(group, size, 0, size)
        if synapses:
            place.update(synapses=True, connection=group)
        column = "synapse" if synapses else "neuron"
        self.add(name, "state", "t", np.asarray(t, dtype=np.float64), "ms", ["record"], **place)
        self.add(name, "state", "index", np.asarray(index, dtype=np.int64), "1", [column],
                 **place)
        if synapses:
            self.add(name, "state", "pre", np.asarray(pre, dtype=np.int64), "1", [column],
                     neuron_group="pre_group", **place)
            self.add(name, "state", "post", np.asarray(post, dtype=np.int64), "1", [column],
                     neuron_group="post_group", **place)
        for var, values in variables.items():
            values = np.asarray(values, dtype=np.float64)
            axes = (["batch"] if values.ndim == 3 else []) + ["record", column]
            self.add(name, "state", var, values, units[var], axes, **place)
        return self

    def synapse_state(self, name, pre, post, variables, units, connection="ee", t_ms=100.0):
        n = len(pre)
        common = {"group": connection, "connection": connection, "synapses": n, "t_ms": t_ms}
        self.add(name, "synapse_state", "pre", np.asarray(pre, dtype=np.int64), "1",
                 ["synapse"], neuron_group="exc", **common)
        self.add(name, "synapse_state", "post", np.asarray(post, dtype=np.int64), "1",
                 ["synapse"], neuron_group="exc", **common)
        for var, values in variables.items():
            values = np.asarray(values, dtype=np.float64)
            shared = values.shape == (1,)
            batched = values.ndim == 2
            axes = ["shared"] if shared else (["batch", "synapse"] if batched else ["synapse"])
            self.add(name, "synapse_state", var, values, units[var], axes, shared=shared,
                     batched=batched, **common)
        return self

    def write(self, **overrides):
        manifest = {"format": "spikegraph-output", "version": self.version, "run": self.run,
                    "files": self.files}
        manifest.update(overrides)
        with open(os.path.join(self.path, "manifest.json"), "w") as f:
            json.dump(manifest, f, sort_keys=True, indent=1)
        return self.path


# Known spikes of neurons 10 to 19 of a group of 30 (monitor of exc[10:20]), 100 ms run.
T = [1.0, 2.0, 2.0, 5.0, 9.0, 50.0]
I = [12, 11, 12, 12, 19, 12]


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="spikegraph_io_test_")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()
        import matplotlib.pyplot as plt
        plt.close("all")

    def out(self, name="out", **kw):
        return OutDir(os.path.join(self.tmp, name), **kw)
