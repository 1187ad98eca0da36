"""How often one run reaches the Chao (1996) score: success rates over seeds.

A single benchmark run answers "did this run reach Chao?"; with a deadline-bound search the
answer changes from run to run. This script runs ``routes.solve`` on each named TOP set-4
instance with seeds ``0 .. S-1`` (same time limit and number of forked searches as the main
benchmark) and prints per instance how many runs reached Chao, the lowest / median / highest
score and the longest wall time, then the expected number of the named instances at Chao in
one run (the sum of the per-instance rates; ``--all`` gives it for the whole set).

With ``--cli`` every run is a ``python -m routes solve-top FILE --time-limit T --seed S``
process exactly as outside benchmarks call it (the limit then covers the whole process:
start-up, imports and kernel loading included; searches: one per usable core) and the wall
time is the process's.

Usage::

    python benchmarks/top_reliability.py [--seeds 10] [--time-limit 2] [--workers 2] [--cli] [--all | p4.4.m ...]

Results are kept in ``RESULTS_routes.md`` (section "Reliability").
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routes.instances import read_scores, read_top, top_problem, top_routes_from_solution, top_score
from routes.solver import solve

SET4 = Path(__file__).resolve().parent / "instances" / "routing" / "top_set4"
DEFAULT = ["p4.2.l", "p4.3.o", "p4.3.r", "p4.4.m", "p4.4.n", "p4.4.r", "p4.4.s"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--all", action="store_true", help="every set-4 instance")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--time-limit", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cli", action="store_true", help="run each solve as a `python -m routes solve-top` process")
    args = ap.parse_args(argv)
    chao = read_scores(SET4 / "chao1996_scores.txt")
    names = sorted(chao) if args.all else (args.names or DEFAULT)
    unknown = [n for n in names if n not in chao]
    if unknown:
        ap.error(f"unknown instance(s): {', '.join(unknown)}")

    from routes import _fast

    _fast.warmup()  # compile / load the kernels outside the timed runs
    print(f"| instance | Chao | runs at Chao (of {args.seeds}) | lowest | median | highest | max wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    expected = 0.0
    for name in names:
        inst = read_top(SET4 / f"{name}.txt")
        scores, walls, hits = [], [], 0
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            if args.cli:
                routes = _cli_routes(SET4 / f"{name}.txt", args.time_limit, seed)
            else:
                sol = solve(top_problem(inst), time_limit=args.time_limit, seed=seed, workers=args.workers,
                            deterministic=False)
                routes = top_routes_from_solution(sol)
            walls.append(time.perf_counter() - t0)
            score, _, errors = top_score(inst, routes)
            if errors:
                raise SystemExit(f"{name} seed {seed}: infeasible answer: {errors[0]}")
            scores.append(score)
            hits += score >= chao[name] - 1e-9
        expected += hits / args.seeds
        print(f"| {name} | {chao[name]:g} | {hits} | {min(scores):g} | {statistics.median(scores):g} | "
              f"{max(scores):g} | {max(walls):.2f} |", flush=True)
    how = "CLI processes, searches: one per usable core" if args.cli else f"{args.workers} searches"
    print(f"\nexpected instances at Chao in one run: {expected:.1f} of {len(names)} named"
          f" ({args.seeds} seeds, {args.time_limit:g} s, {how})")
    return 0


def _cli_routes(path: Path, time_limit: float, seed: int) -> list[list[int]]:
    """Routes printed by one ``python -m routes solve-top`` process."""
    proc = subprocess.run(
        [sys.executable, "-m", "routes", "solve-top", str(path), "--time-limit", f"{time_limit:g}",
         "--seed", str(seed)],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{path.name} seed {seed}: exit {proc.returncode}: {proc.stderr.strip()[:200]}")
    return json.loads(proc.stdout)["routes"]


if __name__ == "__main__":
    raise SystemExit(main())
