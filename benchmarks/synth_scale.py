"""Time and peak memory of the sample generator.

Prints wall seconds and peak resident memory (MB, ``ru_maxrss`` of a fresh child process per
run, so runs do not share caches or memory) for 3,000 sites with the 3-year ledger and
100,000 / 1,000,000 sites without ledger.

Usage: ``python benchmarks/synth_scale.py [--skip-1m]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _one(n_sites: int, ledger: bool) -> None:
    sys.path.insert(0, str(ROOT))
    import synthdata

    t0 = time.perf_counter()
    tables = synthdata.generate(n_sites=n_sites, ledger=ledger)
    secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = {k: len(v) for k, v in tables.items()}
    print(json.dumps({"seconds": secs, "peak_mb": peak_mb, "rows": sizes}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-1m", action="store_true", help="skip the 1,000,000-site run")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--ledger", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args.one, args.ledger)
        return
    runs = [(3_000, True), (100_000, False)] + ([] if args.skip_1m else [(1_000_000, False)])
    print("| n_sites | ledger | seconds (generate) | peak RSS MB | rows |")
    print("|---:|:---:|---:|---:|---|")
    for n, ledger in runs:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--ledger"] if ledger else [])
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        rows = ", ".join(f"{k} {v:,}" for k, v in res["rows"].items())
        print(f"| {n:,} | {'yes' if ledger else 'no'} | {res['seconds']:.1f} | "
              f"{res['peak_mb']:.0f} | {rows} |", flush=True)


if __name__ == "__main__":
    main()
