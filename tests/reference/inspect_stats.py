#!/usr/bin/python3
"""Independent numpy computation of the statistics `spikegraph inspect` reports for one spike
monitor (docs/inspection.md), for tests/unit/test_inspect.cpp to compare with.

usage: inspect_stats.py DIR MONITOR FROM_MS TO_MS BIN_MS
Prints JSON: one object per batch entry with spikes, mean_rate_hz, median_rate_hz,
fraction_active, cv_isi, fano, chi (null where undefined)."""
import json
import math
import sys

import numpy as np


def main():
    out, name = sys.argv[1], sys.argv[2]
    t0, t1, bin_ms = (float(x) for x in sys.argv[3:6])
    manifest = json.load(open(f"{out}/manifest.json"))
    entry = next(f for f in manifest["files"] if f["monitor"] == name and f["variable"] == "i")
    batch = manifest["run"]["batch"]
    t = np.load(f"{out}/{name}.t.npy")
    i = np.load(f"{out}/{name}.i.npy")
    b = np.load(f"{out}/{name}.b.npy") if batch > 1 else np.zeros_like(i)
    neurons = np.arange(entry["slice_start"], entry["slice_stop"])
    eps = 1e-9
    keep = (t >= t0 - eps * max(1, abs(t0))) & (t < t1 - eps * max(1, abs(t1)))
    seconds = (t1 - t0) * 1e-3
    whole = int(math.floor((t1 - t0) / bin_ms + 1e-9))
    rows = []
    for e in range(batch):
        sel = keep & (b == e)
        te, ie = t[sel], i[sel]
        counts = np.array([np.count_nonzero(ie == n) for n in neurons], dtype=float)
        cvs = []
        for n in neurons:
            isi = np.diff(np.sort(te[ie == n]))
            if len(isi) >= 2 and isi.mean() > 0:
                cvs.append(isi.std() / isi.mean())  # ddof = 0
        binned = np.zeros((len(neurons), whole))
        k = np.floor((te - t0) / bin_ms + 1e-9).astype(int)
        in_whole = k < whole
        np.add.at(binned, (ie[in_whole] - neurons[0], k[in_whole]), 1)
        fanos = [row.var() / row.mean() for row in binned if row.mean() > 0] if whole >= 2 else []
        var_sum = binned.var(axis=1).sum() if whole >= 2 else 0.0
        chi = None
        if whole >= 2 and var_sum > 0:
            chi = float(np.sqrt(binned.mean(axis=0).var() / (var_sum / len(neurons))))
        rows.append({
            "spikes": int(sel.sum()),
            "mean_rate_hz": float(sel.sum() / (len(neurons) * seconds)),
            "median_rate_hz": float(np.median(counts / seconds)),
            "fraction_active": float(np.count_nonzero(counts) / len(neurons)),
            "cv_isi": float(np.mean(cvs)) if cvs else None,
            "fano": float(np.mean(fanos)) if fanos else None,
            "chi": chi,
        })
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
