#!/usr/bin/python3
"""Reference traces of a small deterministic plastic network from Brian2, for issue 14's
trace-for-trace test (synapse variables and weights to 1e-9 relative).

The network (every value in tests/validation/reference/plastic_network.json):
  input    SpikeGeneratorGroup(2): fixed spike times, each a multiple of dt
  neurons  3 LIF neurons, dimensionless, driven by a constant I per neuron (so that they spike
           regularly) and by ge:
               dv/dt = (I - v + ge) / taum : 1
               dge/dt = -ge / taue : 1
               I : 1 (constant)
           threshold v > 1, reset v = 0, no refractory period, v and ge start at 0
  S        Synapses(input, neurons), all to all (6 synapses, index k = 3 i + j: pre-major, as
           spikegraph's CSR order):
               w : 1
               dApre/dt = -Apre / taupre : 1 (event-driven)
               dApost/dt = -Apost / taupost : 1 (event-driven)
               dx/dt = -x / taux : 1 (clock-driven)
           on_pre:  ge_post += w; Apre += dApre; w = clip(w + Apost, 0, wmax); x += 0.1
           on_post: Apost += dApost; w = clip(w + Apre, 0, wmax)
           w starts at w0 + 0.05 i + 0.03 j, the others at 0.

Two variants, each TRACE_MS at dt = 0.1 ms (float64, runtime mode, numpy code generation):
  euler        method='euler' for the neurons and for the clock-driven x; no delay
  exact_delay  method='exact' for both; a uniform delay of 1 ms on the on_pre pathway
               (on_post has none)

Files written under tests/validation/reference/:
  plastic_<variant>.npy   float64, shape (steps, 27), C order: row k is the state at t_k = k dt
                          before step k (Brian's StateMonitor in the 'start' slot), columns
                          w[0..5], Apre[0..5], Apost[0..5], x[0..5], v[0..2]
  plastic_network.json    the parameters, the input spike times, the column names, and per
                          variant the spike times of the 3 neurons and the steps where a pre and
                          a post event of one synapse fall in the same step

What Brian records for an event-driven variable: the value stored at its synapse's last event
(pre or post, the time in S.lastupdate), NOT the value decayed to t_k. The variable is brought
up to date (X *= exp(-(t - lastupdate)/tau)) only when an on_pre or on_post of that synapse
runs; between events the recorded value is constant. Brian's schedule in one step: the state
updates (neurons and clock-driven x, 'groups'), thresholds, then in 'synapses' all on_pre
pathways (order -1) before all on_post pathways (order +1), then resets. So on a step where
synapse k gets a pre event and its post neuron spikes, on_pre runs first (w += Apost with the
old Apost), then on_post (w += Apre with the Apre just incremented).

The script checks these semantics itself: it replays w, Apre, Apost and x from the event steps
alone (closed form, plain numpy) and requires Brian's trace to agree to 1e-12 relative.

It also writes plastic_<variant>.yaml, the same network as a spikegraph config (with a spike
monitor and a state monitor of v), and
    /usr/bin/python3 tests/validation/make_plastic_reference.py --check [build/spikegraph]
runs spikegraph on them and compares its spikes, v and (when it can record synapse variables:
`--set monitors.syn={type: state, connection: S, ...}`) w, Apre, Apost and x with the traces.

Usage: /usr/bin/python3 tests/validation/make_plastic_reference.py
Needs Debian's python3-brian (Brian2) and numpy. Deterministic: no random numbers are used.
"""

import json
import os
import sys

import numpy as np
import brian2
from brian2 import (NeuronGroup, SpikeGeneratorGroup, Synapses, StateMonitor, SpikeMonitor,
                    Network, defaultclock, prefs, start_scope, ms)

prefs.codegen.target = "numpy"
prefs.core.default_float_dtype = np.float64

DT_MS = 0.1
TRACE_MS = 40.0
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")

PARAMS = {
    "taum_ms": 10.0, "taue_ms": 5.0, "threshold": 1.0, "reset": 0.0,
    "I": [1.5, 2.2, 3.1],
    "taupre_ms": 20.0, "taupost_ms": 30.0, "taux_ms": 8.0,
    "dApre": 0.05, "dApost": -0.07, "wmax": 0.5, "w0": 0.2, "x_increment": 0.1,
}
# Source 0 and 1 spike times [ms], multiples of dt. Some fall on a step where a neuron spikes
# (see "coincidences" in the JSON): the pre-before-post ordering within one step matters there.
INPUT_TIMES_MS = {0: [2.0, 3.7, 9.1, 14.1, 21.0, 27.7, 33.3],
                  1: [4.2, 6.1, 14.5, 17.5, 24.4, 30.1, 36.6]}
VARIANTS = {"euler": {"method": "euler", "delay_ms": 0.0},
            "exact_delay": {"method": "exact", "delay_ms": 1.0}}
SYN_VARS = ["w", "Apre", "Apost", "x"]

NEURON_EQS = """
dv/dt = (I - v + ge) / taum : 1
dge/dt = -ge / taue : 1
I : 1 (constant)
"""
SYN_MODEL = """
w : 1
dApre/dt = -Apre / taupre : 1 (event-driven)
dApost/dt = -Apost / taupost : 1 (event-driven)
dx/dt = -x / taux : 1 (clock-driven)
"""
ON_PRE = """
ge_post += w
Apre += dApre
w = clip(w + Apost, 0, wmax)
x += x_increment
"""
ON_POST = """
Apost += dApost
w = clip(w + Apre, 0, wmax)
"""


def input_spikes():
    pairs = sorted((t, i) for i, ts in INPUT_TIMES_MS.items() for t in ts)
    return [i for _, i in pairs], [t for t, _ in pairs]


def run_variant(method, delay_ms):
    start_scope()
    defaultclock.dt = DT_MS * ms
    p = PARAMS
    ns = dict(taum=p["taum_ms"] * ms, taue=p["taue_ms"] * ms, taupre=p["taupre_ms"] * ms,
              taupost=p["taupost_ms"] * ms, taux=p["taux_ms"] * ms, dApre=p["dApre"],
              dApost=p["dApost"], wmax=p["wmax"], x_increment=p["x_increment"])
    indices, times = input_spikes()
    inp = SpikeGeneratorGroup(2, indices, np.array(times) * ms, name="input")
    neurons = NeuronGroup(3, NEURON_EQS, threshold=f"v > {p['threshold']!r}",
                          reset=f"v = {p['reset']!r}", method=method, namespace=ns,
                          name="neurons")
    neurons.I = p["I"]
    S = Synapses(inp, neurons, SYN_MODEL, on_pre=ON_PRE, on_post=ON_POST, method=method,
                 delay=delay_ms * ms if delay_ms else None, namespace=ns, name="S")
    S.connect()
    S.w = f"{p['w0']!r} + 0.05 * i + 0.03 * j"
    syn_mon = StateMonitor(S, SYN_VARS, record=True, name="syn_mon")
    v_mon = StateMonitor(neurons, "v", record=True, name="v_mon")
    spikes = SpikeMonitor(neurons, name="spikes")
    net = Network(inp, neurons, S, syn_mon, v_mon, spikes)
    net.run(TRACE_MS * ms)

    pre_i, post_j = np.asarray(S.i[:]), np.asarray(S.j[:])
    assert list(pre_i) == [0, 0, 0, 1, 1, 1] and list(post_j) == [0, 1, 2, 0, 1, 2], \
        "Brian's all-to-all order is not pre-major"
    cols = [np.asarray(getattr(syn_mon, var)).T for var in SYN_VARS]   # each (steps, 6)
    cols.append(np.asarray(v_mon.v).T)                                  # (steps, 3)
    trace = np.ascontiguousarray(np.hstack(cols), dtype=np.float64)
    steps = int(round(TRACE_MS / DT_MS))
    assert trace.shape == (steps, 27), trace.shape
    assert np.all(np.isfinite(trace))

    spike_steps = {j: [int(round(float(t) / (DT_MS * 1e-3))) for t in spikes.t[spikes.i == j]]
                   for j in range(3)}
    delay_steps = int(round(delay_ms / DT_MS))
    coincidences = []
    for k in range(6):
        i, j = int(pre_i[k]), int(post_j[k])
        pre_steps = {int(round(t / DT_MS)) + delay_steps for t in INPUT_TIMES_MS[i]}
        coincidences += [[k, s] for s in sorted(pre_steps & set(spike_steps[j]))]
    # How close v came to the threshold without crossing it: 1 - the largest recorded v (the
    # recorded v is after the reset, so never above it). Spike steps are robust against
    # rounding differences far smaller than this.
    v = trace[:, 24:27]
    below = v[v <= p["threshold"]]
    margin = float(p["threshold"] - below.max())
    w = trace[:, 0:6]
    return trace, {
        "method": method, "delay_ms": delay_ms,
        "spike_steps": {str(j): s for j, s in spike_steps.items()},
        "coincidences_synapse_step": coincidences,
        "threshold_margin_recorded_v": margin,
        "w_at_bounds": {"zero": int(np.sum(w == 0.0)), "wmax": int(np.sum(w == p["wmax"]))},
        "final_w": [float(x) for x in np.asarray(S.w[:])],
    }


def replay(trace, meta):
    """Replays the synapse variables from the event steps alone, with the semantics the
    docstring states (event-driven values stored at the last event, on_pre before on_post in a
    step, x updated before the events of its step); returns the largest relative difference
    from Brian's trace, which main() requires to be below 1e-12."""
    p = PARAMS
    delay = int(round(meta["delay_ms"] / DT_MS))
    pre_i, post_j = [0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]
    pre_at = {}
    for i, ts in INPUT_TIMES_MS.items():
        for t in ts:
            pre_at.setdefault(int(round(t / DT_MS)) + delay, set()).add(i)
    post_at = {int(j): set(s) for j, s in meta["spike_steps"].items()}
    decay_x = (1 - DT_MS / p["taux_ms"]) if meta["method"] == "euler" else \
        np.exp(-DT_MS / p["taux_ms"])
    w = p["w0"] + 0.05 * np.array(pre_i) + 0.03 * np.array(post_j)
    apre, apost, x, last = np.zeros(6), np.zeros(6), np.zeros(6), np.zeros(6)
    worst = 0.0

    def advance(k, t):
        apre[k] *= np.exp(-(t - last[k]) / p["taupre_ms"])
        apost[k] *= np.exp(-(t - last[k]) / p["taupost_ms"])
        last[k] = t

    for step in range(trace.shape[0] - 1):
        t = step * DT_MS
        x *= decay_x
        for k in range(6):                       # on_pre pathway (order -1)
            if pre_i[k] in pre_at.get(step, ()):
                advance(k, t)
                apre[k] += p["dApre"]
                w[k] = min(max(w[k] + apost[k], 0.0), p["wmax"])
                x[k] += p["x_increment"]
        for k in range(6):                       # on_post pathway (order +1)
            if step in post_at[post_j[k]]:
                advance(k, t)
                apost[k] += p["dApost"]
                w[k] = min(max(w[k] + apre[k], 0.0), p["wmax"])
        got = np.concatenate([w, apre, apost, x])
        want = trace[step + 1, 0:24]
        worst = max(worst, float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))))
    return worst


def indent(text):
    """TEXT's lines, each indented by 6 spaces and ended by a newline (a YAML block)."""
    return "".join(f"      {line}\n" for line in text.strip().splitlines())


def spikegraph_yaml(method, delay_ms):
    """The same network as a spikegraph config (plastic_<variant>.yaml), with a spike monitor
    and a state monitor of v at every step; a test adds the synapse monitor it needs."""
    p = PARAMS
    indices, times = input_spikes()
    delay = f"    delay: {delay_ms!r} ms\n" if delay_ms else ""
    model = indent(SYN_MODEL)
    model += "".join(f"      {n} : {u} (shared)\n" for n, u in (
        ("taupre", "second"), ("taupost", "second"), ("taux", "second"), ("dApre", "1"),
        ("dApost", "1"), ("wmax", "1"), ("x_increment", "1")))
    return f"""# Written by tests/validation/make_plastic_reference.py: the network of its reference
# traces plastic_<variant>.npy (Brian2), here the variant method={method}, delay={delay_ms} ms.
simulation:
  dt: {DT_MS!r} ms
  duration: {TRACE_MS!r} ms
  seed: 1
  precision: double
  threads: 1
models:
  lif:
    equations: |
{indent(NEURON_EQS.replace(" (constant)", ""))}      taum : second (shared)
      taue : second (shared)
    threshold: v > {p['threshold']!r}
    reset: v = {p['reset']!r}
    method: {method}
    parameters:
      taum: {p['taum_ms']!r} ms
      taue: {p['taue_ms']!r} ms
      I: where(i == 0, {p['I'][0]!r}, where(i == 1, {p['I'][1]!r}, {p['I'][2]!r}))
groups:
  neurons:
    size: 3
    model: lif
    init: {{v: 0, ge: 0}}
inputs:
  input:
    type: spike_times
    size: 2
    indices: {indices}
    times: [{", ".join(f"{t!r} ms" for t in times)}]
connections:
  S:
    pre: input
    post: neurons
    method: {method}
{delay}    model: |
{model}    on_pre: |
{indent(ON_PRE)}    on_post: |
{indent(ON_POST)}    values:
      w: {p['w0']!r} + 0.05 * i + 0.03 * j
      taupre: {p['taupre_ms']!r} ms
      taupost: {p['taupost_ms']!r} ms
      taux: {p['taux_ms']!r} ms
      dApre: {p['dApre']!r}
      dApost: {p['dApost']!r}
      wmax: {p['wmax']!r}
      x_increment: {p['x_increment']!r}
    connectivity: all_to_all
monitors:
  spikes: {{type: spike, group: neurons}}
  vm: {{type: state, group: neurons, variables: [v]}}
"""


def check(binary):
    """Runs spikegraph on each plastic_<variant>.yaml and compares with Brian's trace: the spike
    steps exactly, v and (when spikegraph can record them) w, Apre, Apost, x to 1e-9 relative
    (|a - b| <= 1e-9 |b| + 1e-15). Returns the number of failures."""
    import subprocess
    import tempfile
    doc = json.load(open(os.path.join(OUT_DIR, "plastic_network.json")))
    failures = 0
    for name, meta in doc["variants"].items():
        ref = np.load(os.path.join(OUT_DIR, meta["file"]))
        config = os.path.join(OUT_DIR, f"plastic_{name}.yaml")
        syn = "monitors.syn={type: state, connection: S, variables: [w, Apre, Apost, x]}"
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([binary, "run", config, "--out", out, "--quiet", "--set", syn],
                                 capture_output=True, text=True)
            compared = ["v"] + SYN_VARS
            if run.returncode != 0:
                print(f"{name}: synapse variables not recorded ({run.stderr.strip()}); "
                      f"checking v and the spikes only")
                compared = ["v"]
                run = subprocess.run([binary, "run", config, "--out", out, "--quiet"],
                                     capture_output=True, text=True)
                if run.returncode != 0:
                    print(f"{name}: FAILED to run: {run.stderr.strip()}")
                    failures += 1
                    continue
            i, t = np.load(f"{out}/spikes.i.npy"), np.load(f"{out}/spikes.t.npy")
            steps = {str(j): sorted(int(round(x / DT_MS)) for x in t[i == j]) for j in range(3)}
            ok = steps == meta["spike_steps"]
            print(f"{name}: spike steps {'equal' if ok else 'DIFFER: ' + str(steps)}")
            failures += not ok
            for var in compared:
                mon = "vm" if var == "v" else "syn"
                got = np.load(f"{out}/{mon}.{var}.npy").reshape(ref.shape[0], -1)
                first = doc["columns"].index(f"{var}[0]")
                want = ref[:, first:first + got.shape[1]]
                excess = np.abs(got - want) - (1e-9 * np.abs(want) + 1e-15)
                rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-300)
                bad = excess > 0
                where = ""
                if bad.any():
                    where = (f"; {int(bad.sum())} values beyond 1e-9, the first at (step, "
                             f"column) {tuple(int(x) for x in np.argwhere(bad)[0])}")
                print(f"  {var}: max relative difference "
                      f"{np.max(rel[want != 0], initial=0):.3g}{where}")
                failures += bool(bad.any())
    return failures


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    indices, times = input_spikes()
    doc = {
        "generator": "tests/validation/make_plastic_reference.py",
        "brian_version": brian2.__version__,
        "dt_ms": DT_MS, "duration_ms": TRACE_MS, "steps": int(round(TRACE_MS / DT_MS)),
        "parameters": PARAMS,
        "input": {"size": 2, "indices": indices, "times_ms": times},
        "synapses": {"pre": [0, 0, 0, 1, 1, 1], "post": [0, 1, 2, 0, 1, 2],
                     "w_init": "w0 + 0.05 * i + 0.03 * j", "model": SYN_MODEL.strip(),
                     "on_pre": ON_PRE.strip(), "on_post": ON_POST.strip()},
        "neurons": {"size": 3, "equations": NEURON_EQS.strip(), "init": {"v": 0, "ge": 0}},
        "columns": [f"{var}[{k}]" for var in SYN_VARS for k in range(6)] +
                   [f"v[{j}]" for j in range(3)],
        "recorded": "state at t_k = k dt before step k (StateMonitor, 'start' slot); "
                    "event-driven Apre/Apost as stored at the synapse's last event "
                    "(not decayed to t_k)",
        "variants": {},
    }
    for name, spec in VARIANTS.items():
        trace, meta = run_variant(spec["method"], spec["delay_ms"])
        meta["replay_max_relative_difference"] = replay(trace, meta)
        assert meta["replay_max_relative_difference"] < 1e-12, meta
        path = os.path.join(OUT_DIR, f"plastic_{name}.npy")
        np.save(path, trace)
        meta["file"] = os.path.basename(path)
        with open(os.path.join(OUT_DIR, f"plastic_{name}.yaml"), "w") as f:
            f.write(spikegraph_yaml(spec["method"], spec["delay_ms"]))
        doc["variants"][name] = meta
        print(f"{name}: {path} {trace.shape}; spikes {meta['spike_steps']}; coincidences "
              f"{meta['coincidences_synapse_step']}; w at bounds {meta['w_at_bounds']}; "
              f"threshold margin {meta['threshold_margin_recorded_v']:.3g}; replay "
              f"{meta['replay_max_relative_difference']:.2g}")
    path = os.path.join(OUT_DIR, "plastic_network.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"]:
        sys.exit(1 if check(sys.argv[2] if len(sys.argv) > 2 else "build/spikegraph") else 0)
    main()
