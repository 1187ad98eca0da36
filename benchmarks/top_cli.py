"""The route solver exactly as outside benchmarks call it: one process per instance.

Runs ``python -m routes solve-top FILE --time-limit T`` (no other option) on every TOP set-4
instance, checks each printed solution with our evaluator (``routes.instances.top_score``,
unrounded distances) and prints per instance the score, the Chao (1996) score and the wall
time of the whole process (Python start-up, imports and kernel loading included), then a
summary line.

Usage::

    python benchmarks/top_cli.py [--time-limit 2]

Results are kept in ``RESULTS_routes.md`` (section "The CLI end to end").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routes.instances import read_scores, read_top, top_score  # noqa: E402  (after the path insert)

SET4 = ROOT / "benchmarks" / "instances" / "routing" / "top_set4"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", default="2")
    args = ap.parse_args(argv)
    chao = read_scores(SET4 / "chao1996_scores.txt")
    # one untimed call: numba's on-disk cache is filled before the measured runs
    subprocess.run([sys.executable, "-m", "routes", "warmup"], cwd=ROOT, check=True, capture_output=True)
    print("| instance | Chao | score | process wall s |")
    print("|---|---:|---:|---:|")
    at_chao = total = 0
    walls = []
    for name in sorted(chao):
        path = SET4 / f"{name}.txt"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "routes", "solve-top", str(path), "--time-limit", args.time_limit],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )
        wall = time.perf_counter() - t0
        walls.append(wall)
        total += 1
        if proc.returncode != 0:
            print(f"| {name} | {chao[name]:g} | error: {proc.stderr.strip()[:60]} | {wall:.2f} |")
            continue
        out = json.loads(proc.stdout)
        score, _, errors = top_score(read_top(path), out["routes"])
        if errors:
            cell = f"infeasible ({errors[0]})"
        elif score != out["score"]:
            cell = f"printed score {out['score']:g} but routes give {score:g}"
        else:
            cell = f"{score:g}"
        at_chao += int(not errors and score == out["score"] and score >= chao[name] - 1e-9)
        print(f"| {name} | {chao[name]:g} | {cell} | {wall:.2f} |", flush=True)
    print(f"\n>= Chao: {at_chao}/{total}; process wall max {max(walls):.2f} s, mean {sum(walls) / len(walls):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
