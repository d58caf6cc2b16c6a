#!/usr/bin/python3
"""Reference firing rate of a noise-driven LIF population from Brian2, for issue 15's check that
white noise (xi) in spikegraph fires like Brian2 (tests/unit/test_noise_reference.cpp).

The population (every value in tests/validation/reference/noise_lif.json):
    dv/dt = (El + mu - v) / tau + sigma * sqrt(2 / tau) * xi : volt (unless refractory)
    threshold v > vt, reset v = vr, refractory 2 ms, v starts at vr
N neurons, each driven by its own noise, the mean drive El + mu below threshold: the firing is
driven by the fluctuations, so the rate depends on how the noise is scaled with dt. Run for
DURATION_MS at dt = 0.1 ms with method 'euler' (Euler-Maruyama, Brian's choice for additive
noise), float64, runtime mode, numpy code generation, once per seed in SEEDS.

Written: tests/validation/reference/noise_lif.json with the parameters, each seed's population
rate [Hz] (spikes / N / duration), their mean and its standard error (sample standard deviation
over the seeds / sqrt(number of seeds)).

Usage: /usr/bin/python3 tests/validation/make_noise_reference.py
Needs Debian's python3-brian (Brian2) and numpy. Takes about a minute.
"""

import json
import os

import numpy as np
import brian2 as b2

PARAMS = {
    "N": 1000,
    "tau_ms": 10.0,
    "El_mV": -70.0,
    "mu_mV": 15.0,
    "sigma_mV": 5.0,
    "vt_mV": -50.0,
    "vr_mV": -60.0,
    "refractory_ms": 2.0,
    "dt_ms": 0.1,
    "duration_ms": 1000.0,
}
SEEDS = list(range(1, 13))
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference", "noise_lif.json")


def population_rate(seed):
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = PARAMS["dt_ms"] * b2.ms
    b2.seed(seed)
    ns = {
        "tau": PARAMS["tau_ms"] * b2.ms,
        "El": PARAMS["El_mV"] * b2.mV,
        "mu": PARAMS["mu_mV"] * b2.mV,
        "sigma": PARAMS["sigma_mV"] * b2.mV,
    }
    g = b2.NeuronGroup(
        PARAMS["N"],
        "dv/dt = (El + mu - v) / tau + sigma * sqrt(2 / tau) * xi : volt (unless refractory)",
        threshold="v > %r * mV" % PARAMS["vt_mV"],
        reset="v = %r * mV" % PARAMS["vr_mV"],
        refractory=PARAMS["refractory_ms"] * b2.ms,
        method="euler",
        namespace=ns,
    )
    g.v = PARAMS["vr_mV"] * b2.mV
    spikes = b2.SpikeMonitor(g)
    b2.run(PARAMS["duration_ms"] * b2.ms)
    return spikes.num_spikes / PARAMS["N"] / (PARAMS["duration_ms"] * 1e-3)


def main():
    rates = [population_rate(s) for s in SEEDS]
    mean = float(np.mean(rates))
    se = float(np.std(rates, ddof=1) / np.sqrt(len(rates)))
    out = {
        "description": "noise-driven LIF population, Brian2 "
        + b2.__version__
        + ", numpy target, float64, method euler; see make_noise_reference.py",
        "equations": "dv/dt = (El + mu - v) / tau + sigma * sqrt(2 / tau) * xi : volt "
        "(unless refractory)",
        "params": PARAMS,
        "seeds": SEEDS,
        "rates_hz": rates,
        "mean_rate_hz": mean,
        "standard_error_hz": se,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("mean rate %.4f Hz +- %.4f (SE over %d seeds)" % (mean, se, len(SEEDS)))


if __name__ == "__main__":
    main()
