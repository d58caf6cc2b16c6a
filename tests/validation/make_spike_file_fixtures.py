#!/usr/bin/python3
"""Small spike files written by numpy itself, for tests/unit/test_spike_files.cpp: the readers
must take what numpy.savez and numpy.savez_compressed really write (zip64 headers included).

Files written under tests/validation/reference/:
  spikes_stored.npz       numpy.savez(times=..., indices=...): times in ms (float64), indices
                          int64, in no particular order
  spikes_compressed.npz   the same arrays with numpy.savez_compressed
  spikes_times.npy, spikes_indices.npy   the same arrays as two .npy (times float32 in
                          seconds, indices int32), for the `times: ..., indices: ..., unit: s`
                          form

The spikes: source k of 5 fires at 1 + 2 k ms and at 10.5 - k ms; one more spike of source 4 at
30 ms lies after the end of the test's 20 ms run.

Usage: /usr/bin/python3 tests/validation/make_spike_file_fixtures.py
"""

import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")


def main():
    times = []
    indices = []
    for k in range(5):
        times += [1.0 + 2.0 * k, 10.5 - k]
        indices += [k, k]
    times.append(30.0)
    indices.append(4)
    order = np.random.default_rng(4).permutation(len(times))
    t = np.array(times)[order]
    i = np.array(indices, dtype=np.int64)[order]
    np.savez(os.path.join(OUT, "spikes_stored.npz"), times=t, indices=i)
    np.savez_compressed(os.path.join(OUT, "spikes_compressed.npz"), times=t, indices=i)
    np.save(os.path.join(OUT, "spikes_times.npy"), (t / 1000.0).astype(np.float32))
    np.save(os.path.join(OUT, "spikes_indices.npy"), i.astype(np.int32))


if __name__ == "__main__":
    main()
