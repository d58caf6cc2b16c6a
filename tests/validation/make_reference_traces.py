#!/usr/bin/python3
"""Reference traces from Brian2 for tests/validation/test_reference_traces.cpp.

Runs three single neurons in Brian2 (runtime mode, numpy code generation, float64) for 50 ms
each, with the methods "euler" and "rk2" (Brian's rk2 is the midpoint method, as spikegraph's) at
dt = 0.1 ms and 0.01 ms, and writes under tests/validation/reference/:

  <model>_v.csv       t_ms and v [mV] of each run, at t = 0, 0.1, ..., 49.9 ms: every step at
                      dt = 0.1 ms, every 2nd at 0.05 ms, every 10th at 0.01 ms. As Brian's
                      StateMonitor (in the 'start' slot) records it: the state at t_k before
                      step k. One column per run, named v_<method>_dt<dt in ms>.
  <model>_spikes.csv  method, dt_ms, t_ms of every spike in the 50 ms (Brian stamps a spike
                      found in step k with t_k).

Hodgkin-Huxley is the exception: Euler and RK2 are unstable on its gating equations at
dt = 0.1 ms (the rates reach ~30/ms at the peak of a spike, and both methods need dt * rate < 2
there); Brian's own runs give NaN from t = 4.7 ms (euler) and 15.0 ms (rk2). So it has Euler and
RK2 at 0.05 ms and 0.01 ms, and Brian's "exponential_euler" (the method of the COBAHH example) at
0.1 ms and 0.01 ms.

Models (the test defines the same equations as spikegraph user models):
  izhikevich_rs  Izhikevich (2003), regular spiking, in Brian's unit-consistent form, I = 10 mV/ms
  adex           Brette & Gerstner (2005) as in Brian2's examples/frompapers, regular spiking
                 parameters, constant I = 1 nA from t = 0
  hh             one Hodgkin-Huxley (Traub-Miles) neuron of Brian2's COBAHH example with
                 ge = gi = 0 (left out) and a constant I = 0.5 nA, in the exp(...) - 1 form of
                 the rate functions (spikegraph has no exprel)

Usage, from the repository root or anywhere:
    /usr/bin/python3 tests/validation/make_reference_traces.py
Needs Debian's python3-brian (Brian2) and numpy. Deterministic: no random numbers are used.
"""

import os
import sys

import numpy as np
import brian2
from brian2 import (NeuronGroup, SpikeMonitor, StateMonitor, Network, defaultclock, prefs,
                    start_scope, ms, mV, nA, nS, pF, uF, msiemens, siemens, cm, umetre)

prefs.codegen.target = "numpy"
prefs.core.default_float_dtype = np.float64

DURATION_MS = 50.0
RECORD_DT_MS = 0.1
STANDARD_RUNS = [("euler", 0.1), ("euler", 0.01), ("rk2", 0.1), ("rk2", 0.01)]
HH_RUNS = [("euler", 0.05), ("euler", 0.01), ("rk2", 0.05), ("rk2", 0.01),
           ("exponential_euler", 0.1), ("exponential_euler", 0.01)]
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")


def izhikevich_rs():
    eqs = """
    dv/dt = (0.04/ms/mV)*v**2 + (5/ms)*v + 140*mV/ms - u + I : volt
    du/dt = a*(b*v - u) : volt/second
    """
    namespace = dict(a=0.02 / ms, b=0.2 / ms, c=-65 * mV, d=8 * mV / ms, I=10 * mV / ms)
    group = dict(threshold="v >= 30*mV", reset="v = c; u += d")
    init = dict(v=-65 * mV, u=0.2 / ms * -65 * mV)
    return eqs, namespace, group, init


def adex():
    C = 281 * pF
    gL = 30 * nS
    EL = -70.6 * mV
    VT = -50.4 * mV
    DeltaT = 2 * mV
    eqs = """
    dvm/dt = (gL*(EL - vm) + gL*DeltaT*exp((vm - VT)/DeltaT) + I - w)/C : volt
    dw/dt = (a*(vm - EL) - w)/tauw : amp
    """
    # Regular spiking, as in the paper (and the example's default).
    namespace = dict(C=C, gL=gL, EL=EL, VT=VT, DeltaT=DeltaT, tauw=144 * ms, a=4 * nS,
                     b=0.0805 * nA, Vr=-70.6 * mV, I=1 * nA)
    group = dict(threshold="vm > VT + 5*DeltaT", reset="vm = Vr; w += b")
    init = dict(vm=EL, w=0 * nA)
    return eqs, namespace, group, init


def hh():
    area = 20000 * umetre**2
    eqs = """
    dv/dt = (gl*(El - v) - g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK) + I)/Cm : volt
    dm/dt = alpha_m*(1 - m) - beta_m*m : 1
    dn/dt = alpha_n*(1 - n) - beta_n*n : 1
    dh/dt = alpha_h*(1 - h) - beta_h*h : 1
    alpha_m = 0.32*(mV**-1)*(13*mV - v + VT)/(exp((13*mV - v + VT)/(4*mV)) - 1.)/ms : Hz
    beta_m = 0.28*(mV**-1)*(v - VT - 40*mV)/(exp((v - VT - 40*mV)/(5*mV)) - 1)/ms : Hz
    alpha_h = 0.128*exp((17*mV - v + VT)/(18*mV))/ms : Hz
    beta_h = 4./(1 + exp((40*mV - v + VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*(15*mV - v + VT)/(exp((15*mV - v + VT)/(5*mV)) - 1.)/ms : Hz
    beta_n = .5*exp((10*mV - v + VT)/(40*mV))/ms : Hz
    """
    namespace = dict(Cm=(1 * uF * cm**-2) * area, gl=(5e-5 * siemens * cm**-2) * area,
                     El=-60 * mV, EK=-90 * mV, ENa=50 * mV,
                     g_na=(100 * msiemens * cm**-2) * area, g_kd=(30 * msiemens * cm**-2) * area,
                     VT=-63 * mV, I=0.5 * nA)
    group = dict(threshold="v > -20*mV", refractory=3 * ms)
    init = dict(v=-60 * mV, m=0, n=0, h=0)
    return eqs, namespace, group, init


MODELS = {"izhikevich_rs": (izhikevich_rs, STANDARD_RUNS), "adex": (adex, STANDARD_RUNS),
          "hh": (hh, HH_RUNS)}


def run(model, method, dt_ms):
    """v [mV] at t = 0, RECORD_DT_MS, ... and the spike times [ms] of one run."""
    start_scope()
    eqs, namespace, group_args, init = MODELS[model][0]()
    defaultclock.dt = dt_ms * ms
    g = NeuronGroup(1, eqs, method=method, namespace=namespace, **group_args)
    for name, value in init.items():
        setattr(g, name, value)
    voltage = "vm" if model == "adex" else "v"
    state = StateMonitor(g, voltage, record=0)
    spikes = SpikeMonitor(g)
    net = Network(g, state, spikes)
    net.run(DURATION_MS * ms, namespace=namespace)
    v = np.asarray(getattr(state, voltage)[0] / mV, dtype=np.float64)
    t = np.asarray(state.t / ms, dtype=np.float64)
    stride = int(round(RECORD_DT_MS / dt_ms))
    steps = int(round(DURATION_MS / dt_ms))
    assert len(v) == steps, (model, method, dt_ms, len(v))
    # Steps are exact multiples: t_k = k dt, so every stride-th row is at k' * RECORD_DT_MS.
    return t[::stride], v[::stride], np.asarray(spikes.t / ms, dtype=np.float64)


def provenance(model):
    runs = MODELS[model][1]
    return [
        "# Reference traces for spikegraph, generated by tests/validation/make_reference_traces.py",
        f"# model {model}: see the script for the equations, parameters and initial values",
        f"# Brian2 {brian2.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}",
        f"# runtime mode, prefs.codegen.target = 'numpy', float64; {DURATION_MS} ms from t = 0",
        f"# runs (method, dt in ms): {'; '.join(f'{m} {d}' for m, d in runs)}",
        "# v is written with 17 significant digits (float64 round-trips), times with 10",
    ]


def fmt(x):
    return "%.17g" % x


def fmt_time(t_ms):
    # Times are k * dt: 10 significant digits give the grid value without its binary noise.
    return "%.10g" % t_ms


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for model in MODELS:
        columns, spike_rows, t_ref = [], [], None
        for method, dt_ms in MODELS[model][1]:
            t, v, spikes = run(model, method, dt_ms)
            if t_ref is None:
                t_ref = t
            assert np.allclose(t, t_ref, rtol=0, atol=1e-9), (model, method, dt_ms)
            assert np.all(np.isfinite(v)), (model, method, dt_ms)
            columns.append((f"v_{method}_dt{dt_ms}", v))
            spike_rows += [(method, dt_ms, s) for s in spikes]
            print(f"{model:14s} {method:17s} dt {dt_ms:5} ms: {len(spikes)} spikes at "
                  f"{', '.join('%.2f' % s for s in spikes)} ms")
        with open(os.path.join(OUT_DIR, f"{model}_v.csv"), "w") as f:
            f.write("\n".join(provenance(model)) + "\n")
            f.write("# v in mV at t_ms, recorded before the step at t_ms (Brian's 'start' slot)\n")
            f.write(",".join(["t_ms"] + [name for name, _ in columns]) + "\n")
            for k, t in enumerate(t_ref):
                f.write(",".join([fmt_time(t)] + [fmt(v[k]) for _, v in columns]) + "\n")
        with open(os.path.join(OUT_DIR, f"{model}_spikes.csv"), "w") as f:
            f.write("\n".join(provenance(model)) + "\n")
            f.write("# every spike in the run, stamped with the start of its step (t_k)\n")
            f.write("method,dt_ms,t_ms\n")
            for method, dt_ms, s in spike_rows:
                f.write(f"{method},{dt_ms},{fmt_time(s)}\n")


if __name__ == "__main__":
    main()
