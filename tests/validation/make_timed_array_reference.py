#!/usr/bin/python3
"""Reference trace of currents read from timed arrays, from Brian2's TimedArray, for issue 15's
row-for-row test (tests/unit/test_timed_arrays.cpp, TimedArrayBrian*).

The network: 3 neurons, no threshold, driven by two timed arrays in nA:
    I_shared  1-D, 37 values every 0.25 ms (not a multiple of dt = 0.1 ms: Brian's rounding of
              t to the array's grid, its upsampling factor K, is exercised), written as a .csv
    I_each    2-D, 50 rows x 3 columns (one per neuron) every 1 ms, written as a .npy
    dv/dt = (-v + R * (I_shared(t) + I_each(t, i))) / tau : volt    (method euler)
with R = 10 Mohm, tau = 5 ms, v starting at 0. The run is 60 ms at dt = 0.1 ms: past the end of
both arrays, where Brian holds their last values.

Files written under tests/validation/reference/:
  timed_shared.csv       I_shared in nA, one value a line
  timed_each.npy         I_each in nA, float64, shape (50, 3)
  timed_array_v.npy      float64, shape (600, 3): v in mV at t_k = k dt, before step k (Brian's
                         StateMonitor in the 'start' slot)

Usage: /usr/bin/python3 tests/validation/make_timed_array_reference.py
Needs Debian's python3-brian (Brian2) and numpy. The values are drawn once from a seeded numpy
generator, so the files are reproducible.
"""

import os

import numpy as np
from brian2 import (NeuronGroup, StateMonitor, TimedArray, defaultclock, mV, ms, nA, Mohm, prefs,
                    run, start_scope)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference")


def main():
    prefs.codegen.target = "numpy"
    start_scope()
    defaultclock.dt = 0.1 * ms
    rng = np.random.default_rng(15)
    shared = np.round(rng.uniform(-0.5, 1.5, 37), 6)
    each = np.round(rng.uniform(0.0, 2.0, (50, 3)), 6)
    I_shared = TimedArray(shared * nA, dt=0.25 * ms)
    I_each = TimedArray(each * nA, dt=1 * ms)
    R = 10 * Mohm
    tau = 5 * ms
    group = NeuronGroup(3, "dv/dt = (-v + R * (I_shared(t) + I_each(t, i))) / tau : volt",
                        method="euler")
    mon = StateMonitor(group, "v", record=True)
    run(60 * ms)
    v = np.ascontiguousarray((mon.v / mV).T)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "timed_shared.csv"), "w") as f:
        f.write("# I_shared [nA], one value every 0.25 ms (make_timed_array_reference.py)\n")
        for x in shared:
            f.write(f"{x!r}\n")
    np.save(os.path.join(OUT, "timed_each.npy"), each)
    np.save(os.path.join(OUT, "timed_array_v.npy"), v)
    print("wrote", v.shape, "rows; v range", v.min(), v.max(), "mV")


if __name__ == "__main__":
    main()
