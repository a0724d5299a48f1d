#!/usr/bin/env python3
"""The baseline of `kehu churn --model` (issue 9): fit the BG/NBD model of
the Python package lifetimes (BetaGeoFitter) on the CDNOW master file.

Usage: python3 lifetimes_fit.py CDNOW_master.txt

The file has a header line, then one transaction a line: customer id, date (YYYYMMDD), CDs,
dollars. As in kehu, an order is a customer's purchases on one day, and the
observation ends on 1998-06-30, the last day of the data. Exits 3 with a
message when lifetimes is not installed, so the harness row says SKIP.

The fit alone is timed, best of three (reading and summarising the file are
not), and printed on stderr as `bench-seconds: S`, as `kehu-bench fit-cdnow`
does for kehu's fit: the harness compares the two figures.
"""

import sys
import time


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: lifetimes_fit.py CDNOW_master.txt", file=sys.stderr)
        return 2
    try:
        import pandas as pd
        from lifetimes import BetaGeoFitter
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError as error:
        print(f"error: lifetimes is not installed ({error}); "
              "pip install lifetimes==0.11.3", file=sys.stderr)
        return 3
    rows = pd.read_csv(sys.argv[1], sep=r"\s+", header=0,
                       names=["id", "date", "cds", "dollars"], dtype={"date": str})
    rows["date"] = pd.to_datetime(rows["date"], format="%Y%m%d")
    summary = summary_data_from_transaction_data(
        rows, "id", "date", observation_period_end="1998-06-30", freq="W")
    best = float("inf")
    for _ in range(3):
        model = BetaGeoFitter(penalizer_coef=0.0)
        started = time.perf_counter()
        model.fit(summary["frequency"], summary["recency"], summary["T"])
        best = min(best, time.perf_counter() - started)
    print(f"{len(summary)} customers")
    print(model.params_.to_string())
    print(f"bench-seconds: {best:.6f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
