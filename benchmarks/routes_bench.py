"""Benchmark the route planner against OR-Tools and VROOM on public instances.

Team Orienteering set 4 (Chao, Golden & Wasil 1996, 60 instances) and four TSPLIB
instances, every solver with the same time limit, side by side in one run.  Every
peer's routes are re-scored by our own evaluator (:func:`routes.instances.top_score`:
unrounded Euclidean lengths, an over-long route or a repeated point makes the
instance *infeasible*).

Usage::

    .venv/bin/python benchmarks/routes_bench.py [--time-limit 2] [--instances GLOB]
        [--solvers ours,ortools,vroom] [--no-tsp] [--out benchmarks/RESULTS_routes.md]

Peers
-----
* OR-Tools routing: one vehicle per team from point 1 to point N, a distance
  dimension with capacity ``tmax`` (distances scaled by 10 000 and rounded *up*,
  capacity rounded down, so any route it accepts is feasible in real distances),
  one disjunction per point with penalty ``score * M`` (``M`` larger than any
  total travel, so prize dominates).  Two first-solution strategies
  (PATH_CHEAPEST_ARC, PARALLEL_CHEAPEST_INSERTION), each followed by
  GUIDED_LOCAL_SEARCH with half the time limit; the better result is reported.
* VROOM (pyvroom): one job per point with ``priority = round(100 * score / max score)``
  (VROOM only accepts integer priorities 0-100; ties between different scores are
  possible after scaling), vehicles with ``max_travel_time = tmax`` on a duration
  matrix scaled by 10 000 (rounded up), exploration level 5, 2 threads, timeout =
  time limit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routes._tsp import solve_tsp
from routes.instances import (
    TopInstance,
    euclidean_matrix,
    read_scores,
    read_top,
    read_tsplib,
    top_problem,
    top_routes_from_solution,
    top_score,
    tsp_length,
    tsplib_matrix,
)
from routes.solver import solve

BENCH = Path(__file__).resolve().parent / "instances" / "routing"
SCALE = 10_000


@dataclass
class Result:
    score: float | None  # None = infeasible / failed
    seconds: float
    note: str = ""
    lengths: list[float] = field(default_factory=list)


# ---------------------------------------------------------------------- solvers (TOP)
WORKERS = 1  # set from --workers


def run_ours(inst: TopInstance, tl: float) -> tuple[list[list[int]], str]:
    sol = solve(top_problem(inst), time_limit=tl, seed=0, workers=WORKERS, deterministic=False)
    return top_routes_from_solution(sol), ""


def run_ortools(inst: TopInstance, tl: float) -> tuple[list[list[int]], str]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n, m = inst.n, inst.m
    dist = np.ceil(euclidean_matrix(inst.xy) * SCALE).astype(np.int64)
    cap = math.floor(inst.tmax * SCALE)
    big = m * cap + 1
    best: tuple[float, list[list[int]]] = (-1.0, [[] for _ in range(m)])
    notes = []
    fss = routing_enums_pb2.FirstSolutionStrategy
    for strategy in (fss.PATH_CHEAPEST_ARC, fss.PARALLEL_CHEAPEST_INSERTION):
        manager = pywrapcp.RoutingIndexManager(n, m, [0] * m, [n - 1] * m)
        model = pywrapcp.RoutingModel(manager)
        dl = dist.tolist()

        def cost(i: int, j: int, dl=dl, manager=manager) -> int:
            return dl[manager.IndexToNode(i)][manager.IndexToNode(j)]

        cb = model.RegisterTransitCallback(cost)
        model.SetArcCostEvaluatorOfAllVehicles(cb)
        model.AddDimension(cb, 0, cap, True, "Distance")
        for node in range(1, n - 1):
            model.AddDisjunction([manager.NodeToIndex(node)], round(inst.scores[node]) * big)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = strategy
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(max(1, int(tl * 500)))
        sol = model.SolveWithParameters(params)
        if sol is None:
            notes.append(f"strategy {strategy}: no solution")
            continue
        routes = []
        for v in range(m):
            idx = model.Start(v)
            r = []
            while not model.IsEnd(idx):
                node = manager.IndexToNode(idx)
                if node != 0:
                    r.append(node + 1)
                idx = sol.Value(model.NextVar(idx))
            routes.append(r)
        sc = float(sum(inst.scores[p - 1] for r in routes for p in r))
        if sc > best[0]:
            best = (sc, routes)
    return best[1], "; ".join(notes)


def run_vroom(inst: TopInstance, tl: float) -> tuple[list[list[int]], str]:
    import vroom

    n, m = inst.n, inst.m
    dur = np.ceil(euclidean_matrix(inst.xy) * SCALE).astype(np.uint32)
    problem = vroom.Input()
    problem.set_durations_matrix("car", dur)
    top = float(inst.scores.max()) or 1.0
    for v in range(m):
        problem.add_vehicle(
            vroom.Vehicle(v + 1, start=0, end=n - 1, max_travel_time=math.floor(inst.tmax * SCALE))
        )
    for node in range(1, n - 1):
        prio = round(100 * inst.scores[node] / top)
        problem.add_job(vroom.Job(node + 1, location=node, priority=prio))
    sol = problem.solve(
        exploration_level=5, nb_threads=2, timeout=dt.timedelta(seconds=tl)
    )
    df = sol.routes
    routes: dict[int, list[int]] = {v + 1: [] for v in range(m)}
    for row in df.itertuples():
        if row.type == "job":
            routes[int(row.vehicle_id)].append(int(row.id))
    return [routes[v + 1] for v in range(m)], ""


SOLVERS = {"ours": run_ours, "ortools": run_ortools, "vroom": run_vroom}


def evaluate(inst: TopInstance, fn, tl: float) -> Result:
    t0 = time.perf_counter()
    try:
        routes, note = fn(inst, tl)
    except (RuntimeError, ValueError, TypeError) as exc:  # a peer failing must not stop the run
        return Result(None, time.perf_counter() - t0, f"error: {exc}")
    secs = time.perf_counter() - t0
    score, lengths, errors = top_score(inst, routes)
    if errors:
        return Result(None, secs, "infeasible: " + errors[0], lengths)
    return Result(score, secs, note, lengths)


# ---------------------------------------------------------------------- TSP
def tsp_ours(D: np.ndarray, tl: float) -> list[int]:
    return solve_tsp(D, time_limit=tl, seed=0)


def tsp_ortools(D: np.ndarray, tl: float) -> list[int]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(D)
    Dl = D.astype(np.int64).tolist()
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    model = pywrapcp.RoutingModel(manager)
    cb = model.RegisterTransitCallback(lambda i, j: Dl[manager.IndexToNode(i)][manager.IndexToNode(j)])
    model.SetArcCostEvaluatorOfAllVehicles(cb)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(tl * 1000))
    sol = model.SolveWithParameters(params)
    idx = model.Start(0)
    tour = []
    while not model.IsEnd(idx):
        tour.append(manager.IndexToNode(idx))
        idx = sol.Value(model.NextVar(idx))
    return tour


def tsp_vroom(D: np.ndarray, tl: float) -> list[int]:
    import vroom

    n = len(D)
    problem = vroom.Input()
    problem.set_durations_matrix("car", D.astype(np.uint32))
    problem.add_vehicle(vroom.Vehicle(1, start=0, end=0))
    for i in range(1, n):
        problem.add_job(vroom.Job(i, location=i))
    sol = problem.solve(exploration_level=5, nb_threads=2, timeout=dt.timedelta(seconds=tl))
    df = sol.routes
    return [0] + [int(r.id) for r in df.itertuples() if r.type == "job"]


TSP_SOLVERS = {"ours": tsp_ours, "ortools": tsp_ortools, "vroom": tsp_vroom}


# ---------------------------------------------------------------------- main
def _fmt(x: float | None, nd: int = 0) -> str:
    return "infeasible" if x is None else f"{x:.{nd}f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-limit", type=float, default=2.0)
    ap.add_argument("--instances", default=str(BENCH / "top_set4" / "p4.*.txt"))
    ap.add_argument("--solvers", default="ours,ortools,vroom")
    ap.add_argument("--no-tsp", action="store_true")
    ap.add_argument("--workers", type=int, default=2,
                    help="parallel searches of our planner (default 2: the bar is 2 s on 2 cores, as the CLI runs)")
    ap.add_argument("--out", help="write the markdown tables here (hand-written sections of an existing file "
                    "from '## Notes (added by hand' on are kept)")
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in names if s not in SOLVERS]
    if unknown:
        ap.error(f"unknown solvers {unknown}; choose from {sorted(SOLVERS)}")
    global WORKERS
    WORKERS = max(1, args.workers)
    tl = args.time_limit
    files = sorted(glob.glob(args.instances), key=_inst_key)
    if not files:
        ap.error(f"no instance matches {args.instances}")
    chao = read_scores(BENCH / "top_set4" / "chao1996_scores.txt")

    if "ours" in names:  # untimed: compile/load the numba kernels, then one warm-up solve
        from routes import _fast

        _fast.warmup()
        solve(top_problem(read_top(files[0])), time_limit=0.2, seed=0)
    started = dt.datetime.now(dt.UTC)
    rows: list[tuple[str, float | None, dict[str, Result]]] = []
    head = f"{'instance':12s} {'chao':>6s} " + " ".join(f"{s:>10s} {'s':>5s}" for s in names)
    print(head, flush=True)
    for f in files:
        inst = read_top(f)
        ref = chao.get(Path(f).name.removesuffix(".txt"))
        res = {s: evaluate(inst, SOLVERS[s], tl) for s in names}
        rows.append((Path(f).name, ref, res))
        print(
            f"{Path(f).stem:12s} {_fmt(ref):>6s} "
            + " ".join(f"{_fmt(res[s].score):>10s} {res[s].seconds:5.2f}" for s in names),
            flush=True,
        )

    tsp_rows: list[tuple[str, int, dict[str, tuple[int | None, float]]]] = []
    if not args.no_tsp:
        opt = {}
        for line in (BENCH / "tsplib" / "bestSolutions_subset.txt").read_text().splitlines():
            if ":" in line:
                k, v = line.split(":")
                opt[k.strip()] = int(v)
        for name in ("berlin52", "eil51", "st70", "kroA100"):
            tsp = read_tsplib(BENCH / "tsplib" / f"{name}.tsp")
            D = tsplib_matrix(tsp.xy)
            out: dict[str, tuple[int | None, float]] = {}
            for s in names:
                t0 = time.perf_counter()
                tour = TSP_SOLVERS[s](D, tl)
                secs = time.perf_counter() - t0
                try:
                    length: int | None = tsp_length(tsp.xy, [i + 1 for i in tour])
                except ValueError:
                    length = None
                out[s] = (length, secs)
            tsp_rows.append((name, opt[name], out))
            print(name, opt[name], {s: out[s] for s in names}, flush=True)

    md = _markdown(rows, tsp_rows, names, tl, started, argv)
    if args.out:
        write_keeping_notes(Path(args.out), md)
        print(f"\nwrote {args.out}")
    return 0


NOTES_MARK = "## Notes (added by hand"


def write_keeping_notes(path: Path, md: str) -> None:
    """Write ``md`` to ``path``; an existing file's sections from :data:`NOTES_MARK` on
    (notes, shortfalls, reliability, CLI runs) are appended unchanged, so a new run
    replaces the tables and never the hand-written analysis."""
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        at = old.find(NOTES_MARK)
        if at >= 0:
            kept = old[at:]
    path.write_text(md.rstrip("\n") + "\n\n" + kept if kept else md, encoding="utf-8")


def _inst_key(path: str) -> tuple:
    stem = Path(path).stem  # p4.2.a
    parts = stem.split(".")
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _markdown(rows, tsp_rows, names, tl, started, argv) -> str:
    cmd = "python benchmarks/routes_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [
        "# Route planner benchmark: Team Orienteering set 4 and TSPLIB",
        "",
        f"- Command: `{cmd.strip()}`",
        f"- Date (UTC): {started:%Y-%m-%d %H:%M}; time limit {tl:g} s per solver and instance, "
        "solvers run one after the other in the same process.",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs "
        f"(load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}); wall times are noisy.",
        "- Scores are recomputed by our evaluator (`routes.instances.top_score`, unrounded Euclidean "
        "distances); a route longer than tmax or a repeated point makes the result `infeasible`.",
        "- Chao = score published by Chao, Golden & Wasil (1996) (a heuristic result, i.e. a lower bound).",
        "- OR-Tools: GLS after PATH_CHEAPEST_ARC and after PARALLEL_CHEAPEST_INSERTION, half the time "
        "limit each, best kept. VROOM: priorities = round(100·score/max score), exploration 5, 2 threads.",
        f"- ours: `routes.solve(..., time_limit, seed=0, workers={WORKERS})` "
        + ("(one in-process search)." if WORKERS == 1 else f"({WORKERS} forked searches, seeds 0..{WORKERS - 1}, best kept)."),
        "",
        "## Team Orienteering (set 4)",
        "",
        "| instance | Chao | " + " | ".join(f"{s} | {s} gap | {s} s" for s in names) + " |",
        "|---|---:|" + "---:|---:|---:|" * len(names),
    ]
    for name, ref, res in rows:
        cells = []
        for s in names:
            r = res[s]
            gap = "" if (r.score is None or not ref) else f"{100 * (r.score - ref) / ref:+.1f}%"
            cells.append(f"{_fmt(r.score)} | {gap} | {r.seconds:.2f}")
        lines.append(f"| {name.removesuffix('.txt')} | {_fmt(ref)} | " + " | ".join(cells) + " |")
    lines += ["", "## Summary", ""]
    lines.append("| solver | mean score / Chao | instances >= Chao | infeasible | max wall s | mean wall s |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for s in names:
        ratios = [
            (r[s].score or 0.0) / ref for _, ref, r in rows if ref  # Chao 0 -> skipped in the ratio
        ]
        ge = sum(1 for _, ref, r in rows if r[s].score is not None and r[s].score >= (ref or 0) - 1e-9)
        inf = sum(1 for _, _, r in rows if r[s].score is None)
        secs = [r[s].seconds for _, _, r in rows]
        lines.append(
            f"| {s} | {statistics.mean(ratios):.4f} | {ge}/{len(rows)} | {inf} | "
            f"{max(secs):.2f} | {statistics.mean(secs):.2f} |"
        )
    if "ours" in names:
        lines += ["", "| ours vs peer | mean score ratio (ours / peer) | ours better | equal | peer better |",
                  "|---|---:|---:|---:|---:|"]
        for s in names:
            if s == "ours":
                continue
            ratios, better, equal, worse = [], 0, 0, 0
            for _, _, r in rows:
                a, b = r["ours"].score, r[s].score
                if a is None:
                    worse += 1
                    continue
                if b is None or a > b + 1e-9:
                    better += 1
                elif abs(a - b) <= 1e-9:
                    equal += 1
                else:
                    worse += 1
                if b:
                    ratios.append(a / b)
            mean = f"{statistics.mean(ratios):.4f}" if ratios else "n/a"
            lines.append(f"| ours vs {s} | {mean} | {better} | {equal} | {worse} |")
        lines.append("")
        lines.append("Instances with Chao score 0 (nothing reachable) are left out of the ratios.")
    if tsp_rows:
        lines += ["", "## TSPLIB (gap to the optimal tour length)", ""]
        lines.append("| instance | optimum | " + " | ".join(f"{s} | {s} gap | {s} s" for s in names) + " |")
        lines.append("|---|---:|" + "---:|---:|---:|" * len(names))
        for name, opt, out in tsp_rows:
            cells = []
            for s in names:
                length, secs = out[s]
                gap = "" if length is None else f"{100 * (length - opt) / opt:+.2f}%"
                cells.append(f"{_fmt(length)} | {gap} | {secs:.2f}")
            lines.append(f"| {name} | {opt} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
