"""Fit BG/NBD with the Python package lifetimes (BetaGeoFitter) on a CDNOW
file, with the same calibration summary kehu uses, and print the time.

    python lifetimes_fit.py CDNOW_master.txt

Calibration 1997-01-01..1997-09-30; several purchases on one day are one
transaction; x = repeat transactions, t_x and T in weeks (days / 7) from the
first purchase. Only the fit is timed (best of 3), as in kehu's cdnow example.
"""

import sys
import time
from collections import defaultdict
from datetime import date

import numpy as np
from lifetimes import BetaGeoFitter

END = date(1997, 9, 30)


def main(path):
    days = defaultdict(set)
    with open(path) as f:
        for line in f:
            cols = line.split()
            if len(cols) == 4:
                cid, d = cols[0], cols[1]
            elif len(cols) == 5:
                cid, d = cols[1], cols[2]
            else:
                continue
            if not d.isdigit():
                continue
            day = date(int(d[:4]), int(d[4:6]), int(d[6:8]))
            if day <= END:
                days[cid].add(day)
    x, tx, T = [], [], []
    for cid in sorted(days):
        ds = sorted(days[cid])
        x.append(len(ds) - 1)
        tx.append((ds[-1] - ds[0]).days / 7.0)
        T.append((END - ds[0]).days / 7.0)
    x, tx, T = np.array(x), np.array(tx), np.array(T)
    best = float("inf")
    for _ in range(3):
        bgf = BetaGeoFitter(penalizer_coef=0.0)
        start = time.perf_counter()
        bgf.fit(x, tx, T)
        best = min(best, time.perf_counter() - start)
    p = bgf.params_
    print(f"{len(x)} customers")
    print(
        f"lifetimes 0.11.3 BetaGeoFitter: r = {p['r']:.4f}  alpha = {p['alpha']:.4f}  "
        f"a = {p['a']:.4f}  b = {p['b']:.4f}"
    )
    print(f"fit in {best * 1000:.1f} ms (best of 3)")


if __name__ == "__main__":
    main(sys.argv[1])
