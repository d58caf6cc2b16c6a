#!/usr/bin/python3
"""Issue 15's example: the Izhikevich (2003) network with thalamic noise written as white noise
`xi` (bench/networks/izhikevich_noise.yaml), its firing rates in Brian2 and in spikegraph.

    /usr/bin/python3 bench/izhikevich_noise.py [--seeds 5] [--spikegraph build/spikegraph]

For each seed 1..SEEDS, Brian2 (runtime mode, numpy target, float64) runs the network as written
below in Brian's syntax, and spikegraph runs the YAML with --set simulation.seed=SEED; both for
1 s at dt = 0.1 ms with Euler-Maruyama. Prints each side's mean rate of the excitatory and the
inhibitory population over the seeds with its standard error (sample standard deviation over
seeds / sqrt(seeds)). The two simulators draw different random numbers (weights, parameters,
noise), so the rates agree within their standard errors, not number for number.
"""

import argparse
import os
import subprocess
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "bench", "networks", "izhikevich_noise.yaml")
NE, NI, DURATION_S = 800, 200, 1.0


def brian2_rates(seed):
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = 0.1 * b2.ms
    b2.seed(seed)
    mV, ms = b2.mV, b2.ms
    eqs = """
    dv/dt = (0.04 * v**2 / mV + 5 * v + 140 * mV - u) / ms + s_th * xi : volt
    du/dt = a * (b * v - u) / ms : volt
    a : 1
    b : 1
    c : volt
    d : volt
    s_th : volt * second**-0.5
    """
    g = b2.NeuronGroup(NE + NI, eqs, threshold="v >= 30 * mV", reset="v = c; u += d",
                       method="euler")
    exc, inh = g[:NE], g[NE:]
    re, ri = np.random.rand(NE), np.random.rand(NI)
    exc.a, exc.b = 0.02, 0.2
    exc.c, exc.d = (-65 + 15 * re**2) * mV, (8 - 6 * re**2) * mV
    inh.a, inh.b = 0.02 + 0.08 * ri, 0.25 - 0.05 * ri
    inh.c, inh.d = -65 * mV, 2 * mV
    exc.s_th = 5 * mV / ms**0.5
    inh.s_th = 2 * mV / ms**0.5
    g.v = -65 * mV
    g.u = g.b * g.v
    s = b2.Synapses(g, g, "w : volt", on_pre="v_post += w")
    s.connect()
    s.w["i < %d" % NE] = "0.5 * mV * rand()"
    s.w["i >= %d" % NE] = "-1 * mV * rand()"
    mon = b2.SpikeMonitor(g)
    b2.run(DURATION_S * b2.second)
    i = np.asarray(mon.i)
    return np.sum(i < NE) / NE / DURATION_S, np.sum(i >= NE) / NI / DURATION_S


def spikegraph_rates(binary, seed):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([binary, "run", CONFIG, "--out", out, "--set",
                        "simulation.seed=%d" % seed], check=True, stdout=subprocess.DEVNULL)
        exc = np.load(os.path.join(out, "exc_spikes.i.npy")).size
        inh = np.load(os.path.join(out, "inh_spikes.i.npy")).size
    return exc / NE / DURATION_S, inh / NI / DURATION_S


def summary(name, rates):
    r = np.asarray(rates)
    se = r.std(axis=0, ddof=1) / np.sqrt(len(r))
    print("%-10s exc %6.2f +- %.2f Hz   inh %6.2f +- %.2f Hz   (%d seeds)"
          % (name, r[:, 0].mean(), se[0], r[:, 1].mean(), se[1], len(r)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--spikegraph", default=os.path.join(ROOT, "build", "spikegraph"))
    a = p.parse_args()
    seeds = range(1, a.seeds + 1)
    summary("spikegraph", [spikegraph_rates(a.spikegraph, s) for s in seeds])
    summary("Brian2", [brian2_rates(s) for s in seeds])


if __name__ == "__main__":
    main()
