"""Issue 14's plastic benchmark networks on the Brian2 side, for bench/compare_brian2.

Each builder takes the brian2 module (already set to cpp_standalone by the caller) and returns
(objects, spike monitor, extra): the objects to put in the Network, the SpikeMonitor whose
spike count gives the output rate, and a dict with the size the rate is divided by and, when
the network is plastic, the weight variable to summarise at the end and its upper bound.
bench/networks/<name>.yaml writes the same networks for spikegraph.

  song2000        Song, Miller & Abbott (2000) as in Brian2's examples/synapses/STDP.py:
                  1000 Poisson inputs at 15 Hz onto one neuron through additive STDP synapses
                  (all-to-all pairing), every value as in the example.
  cuba_stdp       the CUBA benchmark of compare_brian2 (Brette et al. 2007, benchmark 2, as in
                  Brian2's examples/CUBA.py, p = 80/N) with pair STDP (additive, all-to-all
                  pairing, taupre = taupost = 20 ms as in the example above) on every
                  excitatory-to-excitatory synapse; E->I and I->all stay static. w is in units
                  of the CUBA excitatory weight we = 1.62 mV: w starts at 1, wmax = 2, and the
                  amplitudes (dApre = 0.01, dApost = -1.05 * dApre) move a weight by about 1 %
                  per pairing, so at ~5.7 Hz the network stays in CUBA's regime for the 1 s run.
"""

# Values of Brian2's examples/synapses/STDP.py (Song, Miller & Abbott 2000; Song & Abbott 2001).
SONG = {
    "N": 1000, "F_hz": 15.0, "taum_ms": 10.0, "taupre_ms": 20.0, "taupost_ms": 20.0,
    "Ee_mV": 0.0, "vt_mV": -54.0, "vr_mV": -60.0, "El_mV": -74.0, "taue_ms": 5.0,
    "gmax": 0.01,
}
SONG["dApre"] = 0.01 * SONG["gmax"]
SONG["dApost"] = -0.01 * SONG["taupre_ms"] / SONG["taupost_ms"] * 1.05 * SONG["gmax"]

# Pair STDP on CUBA's E->E synapses (w in units of we).
CUBA_STDP = {"w0": 1.0, "wmax": 2.0, "taupre_ms": 20.0, "taupost_ms": 20.0, "dApre": 0.01}
CUBA_STDP["dApost"] = -1.05 * CUBA_STDP["dApre"]

STDP_MODEL = """
w : 1
dApre/dt = -Apre / taupre : 1 (event-driven)
dApost/dt = -Apost / taupost : 1 (event-driven)
"""


def song2000(b2):
    from brian2 import ms, mV, Hz
    s = SONG
    ns = dict(taum=s["taum_ms"] * ms, taupre=s["taupre_ms"] * ms, taupost=s["taupost_ms"] * ms,
              Ee=s["Ee_mV"] * mV, vt=s["vt_mV"] * mV, vr=s["vr_mV"] * mV, El=s["El_mV"] * mV,
              taue=s["taue_ms"] * ms, gmax=s["gmax"], dApre=s["dApre"], dApost=s["dApost"])
    # As the example: the drive is ge * (Ee - vr), a current-based input (not ge * (Ee - v)),
    # which keeps the equations linear, so `exact` applies; v starts at Brian's default 0 mV.
    eqs = """
    dv/dt = (ge * (Ee - vr) + El - v) / taum : volt
    dge/dt = -ge / taue : 1
    """
    inp = b2.PoissonGroup(s["N"], rates=s["F_hz"] * Hz, name="input")
    neurons = b2.NeuronGroup(1, eqs, threshold="v > vt", reset="v = vr", method="exact",
                             namespace=ns, name="neurons")
    S = b2.Synapses(inp, neurons, STDP_MODEL,
                    on_pre="ge += w\nApre += dApre\nw = clip(w + Apost, 0, gmax)",
                    on_post="Apost += dApost\nw = clip(w + Apre, 0, gmax)",
                    namespace=ns, name="S")
    S.connect()
    S.w = "rand() * gmax"
    mon = b2.SpikeMonitor(neurons, name="spikes")
    return [inp, neurons, S, mon], mon, {"rate_n": 1, "weights": S.variables["w"],
                                         "wmax": s["gmax"]}


def cuba_stdp(b2, n):
    from brian2 import ms, mV
    c = CUBA_STDP
    ne = n * 4 // 5
    p = 80.0 / n
    ns = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV, El=-49 * mV,
              we=1.62 * mV, wi=-9 * mV, taupre=c["taupre_ms"] * ms, taupost=c["taupost_ms"] * ms,
              wmax=c["wmax"], dApre=c["dApre"], dApost=c["dApost"])
    eqs = """
    dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    P = b2.NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms,
                       method="exact", namespace=ns, name="P")
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV
    Cee = b2.Synapses(P[:ne], P[:ne], STDP_MODEL,
                      on_pre="ge += w * we\nApre += dApre\nw = clip(w + Apost, 0, wmax)",
                      on_post="Apost += dApost\nw = clip(w + Apre, 0, wmax)",
                      namespace=ns, name="Cee")
    Cei = b2.Synapses(P[:ne], P[ne:], on_pre="ge += we", namespace=ns, name="Cei")
    Ci = b2.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns, name="Ci")
    Cee.connect(p=p)
    Cei.connect(p=p)
    Ci.connect(p=p)
    Cee.w = c["w0"]
    mon = b2.SpikeMonitor(P, name="spikes")
    return [P, Cee, Cei, Ci, mon], mon, {"rate_n": n, "weights": Cee.variables["w"],
                                         "wmax": c["wmax"]}


def build(model, n, b2):
    if model == "song2000":
        return song2000(b2)
    if model == "cuba_stdp":
        return cuba_stdp(b2, n)
    raise ValueError(f"unknown plastic model {model!r}")


def weight_summary(w, wmax):
    """Fractions of the weights in the lower tenth [0, 0.1 wmax) and the upper tenth
    (0.9 wmax, wmax] of the range, their mean / wmax, and their count."""
    import numpy as np
    w = np.asarray(w, dtype=np.float64)
    if w.size == 0:
        return {"n": 0, "low": float("nan"), "high": float("nan"), "mean": float("nan")}
    return {"n": int(w.size),
            "low": float(np.mean(w < 0.1 * wmax)),
            "high": float(np.mean(w > 0.9 * wmax)),
            "mean": float(np.mean(w) / wmax)}
