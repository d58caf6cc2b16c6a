"""Tests of the reader of python/spikegraph_io (docs/python.md): output directories written
by hand after docs/outputs.md (manifest version 2, and version 1 with indices relative to the
slice) are read back: loading, absolute indices, spike trains, batches, rates, state values
and units, every bad-input error (the message names the file) and the Neo export.

Run from the repository root with Debian's interpreter (numpy, matplotlib, python3-neo):

    /usr/bin/python3 -m unittest discover -s tests/python
    PYTHONPATH=python /usr/bin/python3 -m unittest discover -s tests/python -v
"""

import contextlib
import io
import os
import sys
import unittest

import numpy as np

from support import HAVE_NEO, I, T, TempDirTest, sio




# --------------------------------------------------------------------------------------------
# Reading


class SpikeMonitors(TempDirTest):
    def test_run_fields_and_monitor_lookup(self):
        run = sio.load(self.out().spikes("s", T, I).write())
        self.assertEqual(run.version, 2)
        self.assertEqual(run.dt_ms, 0.1)
        self.assertEqual(run.run["seed"], 1)
        self.assertEqual((run.start_ms, run.t_end_ms), (0.0, 100.0))
        self.assertEqual(list(run.monitors), ["s"])
        self.assertIs(run["s"], run.monitors["s"])
        self.assertIn("s", run)
        self.assertIsInstance(run["s"], sio.SpikeMonitor)

    def test_attributes(self):
        s = sio.load(self.out().spikes("s", T, I).write())["s"]
        np.testing.assert_array_equal(s.t, T)
        np.testing.assert_array_equal(s.i, I)
        np.testing.assert_array_equal(s.b, np.zeros(6))  # not batched: zeros
        self.assertEqual(s.t.dtype, np.float64)
        self.assertEqual(s.i.dtype, np.int64)
        self.assertEqual((s.group, s.group_size, s.slice, s.neurons), ("exc", 30, (10, 20), 10))
        self.assertEqual(s.batch, 1)
        self.assertEqual(s.count, 6)
        self.assertEqual(s.units, {"t": "ms", "i": "1"})
        self.assertEqual(s.axes["t"], ("spike",))
        np.testing.assert_array_equal(s.index, np.arange(10, 20))

    def test_arrays_are_memory_mapped(self):
        s = sio.load(self.out().spikes("s", T, I).write())["s"]
        self.assertIsInstance(s.t.base, np.memmap)  # mapped, not read into memory
        self.assertFalse(s.t.flags.writeable)

    def test_spike_trains(self):
        s = sio.load(self.out().spikes("s", T, I).write())["s"]
        trains = s.spike_trains()
        self.assertEqual(sorted(trains), list(range(10, 20)))  # every neuron of the slice
        np.testing.assert_array_equal(trains[12], [1.0, 2.0, 5.0, 50.0])
        np.testing.assert_array_equal(trains[11], [2.0])
        np.testing.assert_array_equal(trains[19], [9.0])
        self.assertEqual(trains[15].size, 0)  # silent, present
        self.assertEqual(sum(v.size for v in trains.values()), len(T))

    def test_window(self):
        s = sio.load(self.out().spikes("s", T, I).write())["s"]
        w = s.window(2.0, 9.0)  # [2, 9)
        np.testing.assert_array_equal(w.t, [2.0, 2.0, 5.0])
        np.testing.assert_array_equal(w.i, [11, 12, 12])
        np.testing.assert_array_equal(w.window(3.0, None).t, [5.0])  # windows nest
        np.testing.assert_array_equal(s.window(None, 2.0).t, [1.0])
        self.assertEqual(w.spike_trains()[12].tolist(), [2.0, 5.0])

    def test_window_catches_times_a_hair_below_the_bound(self):
        # k*dt in floating point may lie just below the bound the user means.
        below = float(np.nextafter(50.0, 0.0))
        s = sio.load(self.out().spikes("s", [1.0, below], [10, 11]).write())["s"]
        np.testing.assert_array_equal(s.window(50.0, None).i, [11])
        np.testing.assert_array_equal(s.window(None, 50.0).i, [10])

    def test_rates(self):
        s = sio.load(self.out().spikes("s", T, I).write())["s"]
        rates = s.rates()  # over the whole 100 ms run
        self.assertEqual(rates.shape, (10,))
        self.assertAlmostEqual(rates[2], 4 / 0.1)  # neuron 12: 4 spikes in 0.1 s
        self.assertAlmostEqual(rates[1], 1 / 0.1)
        self.assertEqual(rates[5], 0.0)
        self.assertAlmostEqual(s.rates(0.0, 10.0)[2], 3 / 0.01)
        self.assertAlmostEqual(s.window(0.0, 10.0).rates()[2], 3 / 0.01)  # the view's window
        with self.assertRaises(sio.SpikegraphIOError):
            s.rates(10.0, 10.0)

    def test_empty_monitor(self):
        s = sio.load(self.out().spikes("s", [], []).write())["s"]
        self.assertEqual(s.t.shape, (0,))
        trains = s.spike_trains()
        self.assertEqual(len(trains), 10)
        self.assertTrue(all(v.size == 0 for v in trains.values()))
        np.testing.assert_array_equal(s.rates(), np.zeros(10))

    def test_version_1_indices_become_absolute(self):
        # Version 1: indices relative to the slice [10, ...), slice_start on the i entry only.
        out = self.out(version=1).spikes("s", [1.0, 3.0, 4.0], [0, 4, 2])
        self.assertNotIn("slice_stop", out.files[1])
        run = sio.load(out.write())
        s = run["s"]
        self.assertEqual(run.version, 1)
        np.testing.assert_array_equal(s.i, [10, 14, 12])
        self.assertEqual(s.slice, (10, 15))  # the end: the highest neuron that spiked
        self.assertFalse(s.slice_known)
        self.assertIsNone(s.group_size)
        self.assertEqual(sorted(s.spike_trains()), [10, 11, 12, 13, 14])
        np.testing.assert_array_equal(s.spike_trains()[14], [3.0])

    def test_batches(self):
        t = [1.0, 1.0, 2.0, 3.0]
        i = [10, 11, 10, 12]
        b = [0, 1, 1, 1]
        s = sio.load(self.out(batch=2).spikes("s", t, i, b).write())["s"]
        self.assertEqual(s.batch, 2)
        np.testing.assert_array_equal(s.b, b)
        one = s.for_batch(1)
        self.assertEqual(one.batch_entry, 1)
        np.testing.assert_array_equal(one.t, [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(one.i, [11, 10, 12])
        np.testing.assert_array_equal(one.b, [1, 1, 1])
        np.testing.assert_array_equal(s.for_batch(0).i, [10])
        np.testing.assert_array_equal(s.spike_trains(batch=1)[10], [2.0])
        np.testing.assert_array_equal(s.spike_trains()[10], [1.0])  # default: entry 0
        np.testing.assert_array_equal(one.spike_trains()[10], [2.0])  # default: the view's
        np.testing.assert_array_equal(one.window(1.5, None).i, [10, 12])
        # Rates: per entry for a view; the mean over the entries for the whole monitor.
        self.assertAlmostEqual(one.rates()[0], 1 / 0.1)
        self.assertAlmostEqual(s.rates()[0], 2 / (2 * 0.1))
        with self.assertRaises(sio.SpikegraphIOError) as c:
            s.for_batch(2)
        self.assertIn("batch entry 2 is out of range", str(c.exception))


class OtherMonitors(TempDirTest):
    def test_rate_monitor(self):
        t = [0.0, 5.0, 10.0]
        run = sio.load(self.out().rate("r", t, [10.0, 20.0, 30.0], 5.0).write())
        r = run["r"]
        self.assertIsInstance(r, sio.RateMonitor)
        self.assertEqual((r.bin_ms, r.neurons), (5.0, 30))
        np.testing.assert_array_equal(r.t, t)
        np.testing.assert_array_equal(r.rate, [10.0, 20.0, 30.0])
        self.assertEqual(r.units["rate"], "Hz")

    def test_batched_rate_monitor(self):
        rates = [[10.0, 20.0], [30.0, 40.0]]
        r = sio.load(self.out(batch=2).rate("r", [0.0, 5.0], rates, 5.0).write())["r"]
        self.assertEqual(r.rate.shape, (2, 2))
        np.testing.assert_array_equal(r.for_batch(1).rate, [30.0, 40.0])

    def test_state_monitor(self):
        t = np.arange(5) * 1.0
        v = np.arange(10.0).reshape(5, 2) - 70.0
        vb = np.stack([v, v + 1.0])  # (batch, records, neurons)
        ge = np.ones((2, 5, 2))
        run = sio.load(self.out(batch=2).state("m", t, [3, 7], {"v": vb, "ge": ge},
                                               {"v": "mV", "ge": "nS"}).write())
        m = run["m"]
        self.assertIsInstance(m, sio.StateMonitor)
        self.assertFalse(m.synapses)
        self.assertEqual(m.variables, ["v", "ge"])
        self.assertEqual((m.units["v"], m.units["ge"]), ("mV", "nS"))
        self.assertEqual(m.axes["v"], ("batch", "record", "neuron"))
        np.testing.assert_array_equal(m.t, t)
        np.testing.assert_array_equal(m.index, [3, 7])
        self.assertEqual(m.values["v"].shape, (2, 5, 2))
        np.testing.assert_array_equal(m.for_batch(1).v, v + 1.0)  # attribute access
        np.testing.assert_array_equal(m.for_batch(0).values["v"][:, 1], v[:, 1])
        self.assertIn("ge", m.values)
        with self.assertRaises(KeyError) as c:  # an UnknownNameError is a KeyError too
            m.values["w"]
        self.assertIn("it has: v, ge", str(c.exception))
        with self.assertRaises(AttributeError):
            m.w  # noqa: B018
        with self.assertRaises(sio.SpikegraphIOError):
            m.pre  # noqa: B018 (a monitor of neurons has no pre)

    def test_state_monitor_of_synapses(self):
        w = np.array([[0.5, 1.0, 1.5], [0.6, 1.1, 1.4]])
        run = sio.load(self.out().state("wm", [0.0, 10.0], [0, 4, 9], {"w": w}, {"w": "nS"},
                                        group="ee", pre=[0, 1, 2], post=[5, 6, 7]).write())
        m = run["wm"]
        self.assertTrue(m.synapses)
        np.testing.assert_array_equal(m.pre, [0, 1, 2])
        np.testing.assert_array_equal(m.post, [5, 6, 7])
        np.testing.assert_array_equal(m.w[-1], [0.6, 1.1, 1.4])
        self.assertEqual(m.variables, ["w"])
        self.assertEqual(m.axes["w"], ("record", "synapse"))

    def test_synapse_state(self):
        pre, post = [0, 0, 1, 2], [1, 2, 0, 0]
        w = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])  # one row per batch entry
        run = sio.load(self.out(batch=2).synapse_state(
            "final", pre, post, {"w": w, "tau": [20.0]}, {"w": "nS", "tau": "ms"}).write())
        f = run["final"]
        self.assertIsInstance(f, sio.SynapseState)
        self.assertEqual((f.synapses, f.t_ms, f.connection), (4, 100.0, "ee"))
        self.assertEqual(f.variables, ["w", "tau"])
        np.testing.assert_array_equal(f.pre, pre)
        np.testing.assert_array_equal(f.post, post)
        self.assertEqual(f.values["w"].shape, (2, 4))
        np.testing.assert_array_equal(f.for_batch(1).values["w"], w[1])
        np.testing.assert_array_equal(f.for_batch(1).values["tau"], [20.0])  # shared: as is
        self.assertEqual(f.units["w"], "nS")
        W = np.zeros((3, 3))  # the dense matrix of docs/outputs.md
        np.add.at(W, (f.pre, f.post), f.for_batch(0).values["w"])
        self.assertEqual(W[1, 0], 3.0)

    def test_unknown_kind_is_left_out(self):
        out = self.out().spikes("s", T, I)
        out.add("future", "hologram", "x", np.zeros(3), "1", ["x"])
        run = sio.load(out.write())
        self.assertEqual(list(run.monitors), ["s"])

    def test_summary_command(self):
        folder = self.out().spikes("s", T, I).write()
        from spikegraph_io.__main__ import main
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            self.assertEqual(main([folder]), 0)
        self.assertIn("s: spike of exc[10:20]", stdout.getvalue())
        self.assertIn("s.t.npy: float64 (6,) ms", stdout.getvalue())


# --------------------------------------------------------------------------------------------
# Errors: each names the file


class Errors(TempDirTest):
    def assert_error(self, cls, folder, *says):
        with self.assertRaises(cls) as c:
            sio.load(folder)
        message = str(c.exception)
        for s in says:
            self.assertIn(s, message)
        self.assertIsInstance(c.exception, ValueError)  # SpikegraphIOError is a ValueError
        return message

    def spike_dir(self):
        return self.out().spikes("s", T, I).write()

    def test_missing_directory(self):
        where = os.path.join(self.tmp, "nowhere")
        self.assert_error(sio.NotAnOutputDirectory, where, where, "no such directory")

    def test_directory_without_manifest(self):
        where = os.path.join(self.tmp, "empty")
        os.makedirs(where)
        self.assert_error(sio.NotAnOutputDirectory, where,
                          f"no manifest.json in {where}: is it the --out directory of a "
                          "spikegraph run?")

    def test_manifest_not_json(self):
        folder = self.spike_dir()
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            f.write('{"format": ')
        self.assert_error(sio.ManifestError, folder,
                          os.path.join(folder, "manifest.json") + ": not valid JSON")

    def test_manifest_of_another_program(self):
        folder = self.out().spikes("s", T, I).write(format="something-else")
        self.assert_error(sio.ManifestError, folder, os.path.join(folder, "manifest.json"),
                          "not a spikegraph output manifest", '"something-else"')

    def test_unknown_version(self):
        folder = self.out().spikes("s", T, I).write(version=9)
        self.assert_error(sio.ManifestError, folder, os.path.join(folder, "manifest.json"),
                          "manifest version 9 is not known")

    def test_listed_file_missing(self):
        folder = self.spike_dir()
        os.unlink(os.path.join(folder, "s.i.npy"))
        self.assert_error(sio.MissingFileError, folder, os.path.join(folder, "s.i.npy"),
                          "the manifest lists it but it is missing")

    def test_truncated_npy(self):
        folder = self.spike_dir()
        path = os.path.join(folder, "s.t.npy")
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size - 8)  # the last spike time cut off
        self.assert_error(sio.NpyFileError, folder, path, "cut short")
        with open(path, "r+b") as f:
            f.truncate(20)  # inside the header
        self.assert_error(sio.NpyFileError, folder, path, "not a readable .npy file")

    def test_garbage_npy(self):
        folder = self.spike_dir()
        path = os.path.join(folder, "s.i.npy")
        with open(path, "wb") as f:
            f.write(b"this is not an array at all, just text\n" * 4)
        self.assert_error(sio.NpyFileError, folder, path, "not a readable .npy file")

    def test_shape_not_the_manifests(self):
        folder = self.spike_dir()
        path = os.path.join(folder, "s.t.npy")
        np.save(path, np.zeros(7))
        self.assert_error(sio.ShapeMismatchError, folder, path,
                          "its shape (7,) is not the manifest's (6,)")

    def test_dtype_not_the_manifests(self):
        folder = self.spike_dir()
        path = os.path.join(folder, "s.i.npy")
        np.save(path, np.zeros(6, dtype=np.int32))
        self.assert_error(sio.ShapeMismatchError, folder, path, "dtype int32", "int64")

    def test_unknown_monitor_lists_the_names(self):
        out = self.out().spikes("s", T, I).rate("r", [0.0], [1.0], 5.0)
        run = sio.load(out.write())
        with self.assertRaises(sio.UnknownNameError) as c:
            run["nope"]  # noqa: B018
        message = str(c.exception)
        self.assertIn(os.path.join(run.path, "manifest.json"), message)
        self.assertIn("no monitor 'nope'; the monitors are: s, r", message)
        self.assertIsInstance(c.exception, KeyError)

    def test_entry_naming_a_path_outside(self):
        out = self.out().spikes("s", T, I)
        out.files[0]["file"] = "../elsewhere.npy"
        folder = out.write()
        self.assert_error(sio.ManifestError, folder, "../elsewhere.npy",
                          "is not a file name in the directory")

    def test_spike_monitor_without_indices(self):
        out = self.out().spikes("s", T, I)
        del out.files[1]
        folder = out.write()
        self.assert_error(sio.ManifestError, folder, "spike monitor 's' lists no 'i' file")


# --------------------------------------------------------------------------------------------
# Neo


@unittest.skipUnless(HAVE_NEO, "python3-neo is not installed (apt-get install python3-neo)")
class Neo(TempDirTest):
    def test_spike_trains(self):
        run = sio.load(self.out().spikes("s", T, I).write())
        trains = sio.to_neo(run["s"])
        self.assertEqual(len(trains), 10)  # one per neuron of the slice
        st = trains[2]
        self.assertEqual(st.annotations["neuron"], 12)
        self.assertEqual(st.annotations["group"], "exc")
        self.assertEqual(str(st.units.dimensionality), "ms")
        np.testing.assert_array_equal(st.magnitude, [1.0, 2.0, 5.0, 50.0])
        self.assertEqual(float(st.t_start), 0.0)
        self.assertEqual(float(st.t_stop), 100.0)
        self.assertEqual(len(trains[5]), 0)

    def test_batched_window(self):
        out = self.out(batch=2).spikes("s", [1.0, 1.0, 2.0], [10, 11, 10], [0, 1, 1])
        s = sio.load(out.write())["s"]
        trains = sio.to_neo(s.window(0.5, 50.0), batch=1)
        np.testing.assert_array_equal(trains[0].magnitude, [2.0])
        self.assertEqual((float(trains[0].t_start), float(trains[0].t_stop)), (0.5, 50.0))
        self.assertEqual(trains[0].annotations["batch_entry"], 1)

    def test_analog_signals(self):
        t = np.arange(4) * 0.5
        v = np.arange(8.0).reshape(4, 2) - 65.0
        m = sio.load(self.out().state("m", t, [3, 7], {"v": v}, {"v": "mV"}).write())["m"]
        signals = sio.to_neo(m)
        sig = signals["v"]
        self.assertEqual(sig.shape, (4, 2))
        self.assertEqual(str(sig.units.dimensionality), "mV")
        self.assertAlmostEqual(float(sig.sampling_period.rescale("ms")), 0.5)
        np.testing.assert_array_equal(sig.magnitude, v)
        np.testing.assert_array_equal(sig.array_annotations["index"], [3, 7])

    def test_rate_monitor_is_refused(self):
        r = sio.load(self.out().rate("r", [0.0], [1.0], 5.0).write())["r"]
        with self.assertRaises(sio.SpikegraphIOError):
            sio.to_neo(r)


class NeoMissing(TempDirTest):
    def test_clear_error_without_neo(self):
        s = sio.load(self.out().spikes("s", T, I).write())["s"]
        saved = {k: sys.modules.get(k) for k in ("neo", "quantities")}
        sys.modules["neo"] = None  # makes `import neo` raise ImportError
        try:
            with self.assertRaises(sio.SpikegraphIOError) as c:
                sio.to_neo(s)
        finally:
            for k, v in saved.items():
                if v is None:
                    sys.modules.pop(k, None)
                else:
                    sys.modules[k] = v
        self.assertIn("python3-neo", str(c.exception))
