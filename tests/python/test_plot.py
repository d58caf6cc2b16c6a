"""Tests of the figures of python/spikegraph_io (docs/python.md#plots): each figure, the plot
command line (exit status 2 and a one-line message on bad input) and a raster of 10^7
spikes.

Run from the repository root with Debian's interpreter (numpy, matplotlib, python3-neo):

    /usr/bin/python3 -m unittest discover -s tests/python
    PYTHONPATH=python /usr/bin/python3 -m unittest discover -s tests/python -v
"""

import contextlib
import io
import os
import subprocess
import sys
import time
import unittest

import numpy as np

from support import PACKAGE_PARENT, OutDir, TempDirTest, plot, sio




# --------------------------------------------------------------------------------------------
# Figures


def full_run(path):
    """A directory with every kind of monitor, for the figures."""
    rng = np.random.default_rng(1)
    n = 5000
    t = np.sort(rng.integers(0, 1000, n)) * 0.1  # on the 0.1 ms grid of a 100 ms run
    i = rng.integers(10, 20, n)
    out = OutDir(path).spikes("s", t, i)
    out.rate("r", np.arange(0, 100, 1.0), rng.uniform(0, 50, 100), 1.0)
    tt = np.arange(0, 100, 0.1)
    v = -70 + 5 * np.sin(tt[:, None] / 5 + np.arange(3))
    out.state("trace", tt, [0, 1, 2], {"v": v}, {"v": "mV"})
    out.synapse_state("final", np.arange(200) // 10, np.arange(200) % 10,
                      {"w": rng.uniform(0, 2, 200)}, {"w": "nS"})
    return out.write()


class Figures(TempDirTest):
    def setUp(self):
        super().setUp()
        self.folder = full_run(os.path.join(self.tmp, "run"))

    def assert_png(self, path):
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n", path)
        self.assertGreater(len(data), 1000, path)

    def test_each_kind_writes_a_png(self):
        draw = {"raster": plot.raster, "rate": plot.rate, "trace": plot.trace,
                "isi": plot.isi, "weights": plot.weights}
        for kind, fn in draw.items():
            out = plot.save(fn(self.folder), os.path.join(self.tmp, f"{kind}.png"))
            self.assert_png(out)

    def test_labels_and_units(self):
        self.assertEqual(plot.raster(self.folder).get_xlabel(), "time (ms)")
        self.assertEqual(plot.raster(self.folder).get_ylabel(), "neuron index in exc")
        self.assertEqual(plot.rate(self.folder).get_ylabel(), "rate (Hz)")
        self.assertEqual(plot.trace(self.folder).get_ylabel(), "v (mV)")
        self.assertEqual(plot.isi(self.folder).get_xlabel(), "inter-spike interval (ms)")
        self.assertEqual(plot.weights(self.folder).get_xlabel(), "w (nS)")

    def test_raster_draws_the_chosen_spikes(self):
        run = sio.load(self.folder)
        s = run["s"]
        ax = plot.raster(run, from_ms=20.0, to_ms=60.0, neurons=[11, 13])
        offsets = ax.collections[0].get_offsets()
        t, i = s.t, s.i
        want = (t >= 20.0) & (t < 60.0) & np.isin(i, [11, 13])
        self.assertEqual(len(offsets), int(want.sum()))
        self.assertEqual(set(np.asarray(offsets)[:, 1].astype(int)), {11, 13})
        self.assertEqual(len(ax.collections), 1)  # one artist, not one per neuron

    def test_rate_of_a_spike_monitor(self):
        folder = OutDir(os.path.join(self.tmp, "known")).spikes(
            "s", [1.0, 2.0, 12.0], [10, 11, 12]).write()
        ax = plot.rate(folder, bin_ms=10.0)
        values, edges = ax.patches[0].get_data()[:2]
        np.testing.assert_allclose(edges[:3], [0.0, 10.0, 20.0])
        # 2 spikes of 10 neurons in 10 ms: 20 Hz; then 1 spike: 10 Hz.
        np.testing.assert_allclose(values[:3], [20.0, 10.0, 0.0])
        ax = plot.rate(folder, bin_ms=10.0, neurons=[10])
        self.assertAlmostEqual(ax.patches[0].get_data()[0][0], 100.0)

    def test_rate_monitor_rebinned(self):
        folder = OutDir(os.path.join(self.tmp, "rebin")).rate(
            "r", [0.0, 1.0, 2.0, 3.0], [10.0, 20.0, 30.0, 50.0], 1.0).write()
        values, edges = plot.rate(folder, bin_ms=2.0).patches[0].get_data()[:2]
        np.testing.assert_allclose(values, [15.0, 40.0])
        np.testing.assert_allclose(edges, [0.0, 2.0, 4.0])
        with self.assertRaises(plot.PlotError):
            plot.rate(folder, bin_ms=1.5)

    def test_trace_of_several_variables(self):
        folder = OutDir(os.path.join(self.tmp, "two")).state(
            "m", [0.0, 1.0], [4], {"v": [[1.0], [2.0]], "I": [[3.0], [4.0]]},
            {"v": "mV", "I": "pA"}).write()
        axes = plot.trace(folder)
        self.assertEqual([a.get_ylabel() for a in axes], ["v (mV)", "I (pA)"])
        ax = plot.trace(folder, variables="I")
        np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [3.0, 4.0])
        with self.assertRaises(sio.UnknownNameError):
            plot.trace(folder, variables=["u"])

    def test_wrong_monitor_kind(self):
        with self.assertRaises(plot.PlotError) as c:
            plot.raster(self.folder, monitor="trace")
        self.assertIn("'trace' is a state monitor", str(c.exception))

    def test_save_is_atomic_and_replaces(self):
        out = os.path.join(self.tmp, "fig.png")
        with open(out, "w") as f:
            f.write("old")
        plot.save(plot.isi(self.folder), out)
        self.assert_png(out)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["fig.png", "run"])  # no temporary left
        with self.assertRaises(plot.PlotError):
            plot.save(plot.isi(self.folder), os.path.join(self.tmp, "fig.gif"))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "fig.gif")))


class ParseOptions(unittest.TestCase):
    def test_times(self):
        self.assertEqual(plot.parse_time("100ms"), 100.0)
        self.assertEqual(plot.parse_time("100 ms"), 100.0)
        self.assertEqual(plot.parse_time("1.5s"), 1500.0)
        self.assertAlmostEqual(plot.parse_time("250us"), 0.25)
        for bad in ("100", "ten ms", "1.5 h", "", "ms", "nan ms"):
            with self.assertRaises(plot.PlotError, msg=bad) as c:
                plot.parse_time(bad, "--to")
            self.assertIn(f"--to '{bad}' is not a time", str(c.exception))

    def test_indices(self):
        self.assertEqual(plot.parse_indices("0:100"), range(0, 100))
        self.assertEqual(plot.parse_indices("9,3,5,3"), [3, 5, 9])
        for bad in ("5:5", "a:3", "-1,2", "1,,2", "3.5"):
            with self.assertRaises(plot.PlotError, msg=bad):
                plot.parse_indices(bad)


# --------------------------------------------------------------------------------------------
# Command line


class CommandLine(TempDirTest):
    def setUp(self):
        super().setUp()
        self.folder = full_run(os.path.join(self.tmp, "run"))

    def cli(self, *args):
        """Runs `python3 -m spikegraph_io.plot ARGS` as spikegraph inspect does."""
        env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT, MPLBACKEND="Agg")
        return subprocess.run([sys.executable, "-m", "spikegraph_io.plot", *args], env=env,
                              capture_output=True, text=True, timeout=300)

    def in_process(self, *args):
        """plot.main(ARGS): (status, stderr), faster than a subprocess."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = plot.main(list(args))
        return status, err.getvalue()

    def assert_one_line_error(self, stderr, *says):
        self.assertNotIn("Traceback", stderr)
        lines = stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, stderr)
        self.assertTrue(lines[0].startswith("error: "), stderr)
        for s in says:
            self.assertIn(s, lines[0])

    def test_default_output_and_formats(self):
        r = self.cli(self.folder, "--kind", "raster", "--neurons", "10:15", "--from", "10ms",
                     "--to", "0.05s")
        self.assertEqual(r.returncode, 0, r.stderr)
        default = os.path.join(self.folder, "s.raster.png")
        self.assertEqual(r.stdout.strip(), default)
        with open(default, "rb") as f:
            self.assertEqual(f.read(4), b"\x89PNG")
        for ext, magic in ((".svg", b"<?xml"), (".pdf", b"%PDF")):
            out = os.path.join(self.tmp, "fig" + ext)
            status, err = self.in_process(self.folder, "--kind", "rate", "--bin", "5 ms",
                                          "-o", out)
            self.assertEqual(status, 0, err)
            with open(out, "rb") as f:
                self.assertEqual(f.read(len(magic)), magic)

    def test_every_kind(self):
        for kind, extra in (("rate", ["--monitor", "s", "--bin", "250us"]),
                            ("trace", ["--var", "v", "--to", "50ms", "--neurons", "0,2"]),
                            ("isi", ["--batch", "0"]), ("weights", [])):
            out = os.path.join(self.tmp, f"{kind}.png")
            status, err = self.in_process(self.folder, "--kind", kind, "-o", out, *extra)
            self.assertEqual(status, 0, f"{kind}: {err}")
            self.assertGreater(os.path.getsize(out), 1000)

    def test_bad_kind_time_and_directory(self):
        r = self.cli(self.folder, "--kind", "bars")
        self.assertEqual(r.returncode, 2)
        self.assert_one_line_error(r.stderr, "--kind", "invalid choice: 'bars'")
        r = self.cli(self.folder, "--kind", "raster", "--from", "ten")
        self.assertEqual(r.returncode, 2)
        self.assert_one_line_error(r.stderr, "--from 'ten' is not a time")
        where = os.path.join(self.tmp, "nowhere")
        r = self.cli(where, "--kind", "raster")
        self.assertEqual(r.returncode, 2)
        self.assert_one_line_error(r.stderr, where, "no such directory")
        self.assertFalse(os.path.exists(where))

    def test_other_bad_input(self):
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        cases = [
            ((empty, "--kind", "raster"), ["no manifest.json in " + empty]),
            ((self.folder, "--kind", "raster", "--monitor", "nope"),
             ["manifest.json", "no monitor 'nope'", "the monitors are: s, r, trace, final"]),
            ((self.folder, "--kind", "trace", "--monitor", "s"), ["'s' is a spike monitor"]),
            ((self.folder, "--kind", "raster", "--neurons", "5:2"), ["--neurons '5:2'"]),
            ((self.folder, "--kind", "raster", "--neurons", "50:60"),
             ["none of the chosen neurons lies in monitor 's'"]),
            ((self.folder, "--kind", "raster", "--batch", "3"),
             ["--batch 3: the run has 1 batch entry"]),
            ((self.folder, "--kind", "raster", "--to", "5ms", "--from", "10ms"),
             ["--from 10ms is not before --to 5ms"]),
            ((self.folder, "--kind", "raster", "--bin", "5ms"), ["--bin does not apply"]),
            ((self.folder, "--kind", "rate", "--bin", "0ms"), ["--bin 0ms"]),
            ((self.folder, "--kind", "trace", "--var", "u"), ["--var u", "it records: v"]),
            ((self.folder, "--kind", "raster", "-o", os.path.join(self.tmp, "x.gif")),
             ["x.gif", "must end in .png, .svg or .pdf"]),
            ((self.folder, "--kind", "raster", "-o", os.path.join(self.tmp, "no", "x.png")),
             ["does not exist"]),
            ((self.folder,), ["the following arguments are required: --kind"]),
        ]
        for args, says in cases:
            status, err = self.in_process(*args)
            self.assertEqual(status, 2, args)
            self.assert_one_line_error(err, *says)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x.gif")))
        # A truncated file is named, and nothing is written.
        path = os.path.join(self.folder, "s.t.npy")
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) - 100)
        status, err = self.in_process(self.folder, "--kind", "raster")
        self.assertEqual(status, 2)
        self.assert_one_line_error(err, path, "cut short")
        self.assertFalse(os.path.exists(os.path.join(self.folder, "s.raster.png")))


# --------------------------------------------------------------------------------------------
# A big raster


class BigRaster(TempDirTest):
    def test_ten_million_spikes_render_in_seconds(self):
        n = 10_000_000
        rng = np.random.default_rng(2)
        t = np.sort(rng.integers(0, 10_000, n)) * 0.1  # 1 s on the 0.1 ms grid
        i = rng.integers(0, 100_000, n)
        folder = OutDir(os.path.join(self.tmp, "big"), t_end_ms=1000.0).spikes(
            "s", t, i, size=100_000, start=0, stop=100_000).write()
        del t, i
        out = os.path.join(self.tmp, "big.png")
        start = time.perf_counter()
        ax = plot.raster(folder)
        plot.save(ax, out)
        elapsed = time.perf_counter() - start
        self.assertEqual(len(ax.collections[0].get_offsets()), n)
        with open(out, "rb") as f:
            self.assertEqual(f.read(4), b"\x89PNG")
        # Loading, drawing and writing take about 2-3 s on one core of the 2-core development
        # machine; 20 s is the tolerance, for a loaded or slow CI machine. One artist per spike
        # or per neuron would take minutes.
        self.assertLess(elapsed, 20.0)


if __name__ == "__main__":
    unittest.main()
