"""Command line: ``python -m routes solve-top FILE`` / ``python -m routes solve-tsp FILE.tsp``.

``solve-top`` reads the Team Orienteering format and prints one JSON object
``{"score": S, "routes": [[i, ...], ...]}`` (one list per team; ``i`` is the 1-based
line number of a point among the N points; start and end left out).

``solve-tsp`` reads a TSPLIB EUC_2D file and prints ``{"length": L, "tour": [...]}``
(1-based city numbers, TSPLIB ``nint`` rounding).

``--time-limit`` bounds the whole command, measured from the start of the process: Python
start-up, imports and loading the compiled kernels (about 0.15 s on the 2-core test machine
with the ahead-of-time build, 0.6 s from numba's cache) come out of it, the search gets the
rest, and the process leaves without the interpreter's tear-down (about 0.25 s when numba
is loaded) once the answer is printed.  A limit shorter than the start-up gives the greedy construction (``solve-top``) or
the first tour (``solve-tsp``) and a warning on stderr.  On a cold numba cache (the first run
after installing, without ``warmup``) the kernels are compiled first (about 20 s); that run
warns and searches for the whole limit after it.  ``solve-top`` runs one search per usable
core (at most 4) unless ``--workers`` says otherwise and spends the whole limit
(``deterministic=False``): the best answer in the time given, not a reproducible plan.
``warmup`` is the install step: it compiles the search kernels (:mod:`routes._kernels`)
into numba's on-disk cache and builds their ahead-of-time module (:mod:`routes._aot`), so
that a solve starts searching about 0.15 s after the process starts instead of 0.6 s; it
prints ``{"warmup_seconds": S, "numba": true|false, "aot": true|false}`` (``aot`` false,
with a warning, where no C compiler is found: the just-in-time kernels are used then).

``plan-period`` plans a period (``--from`` date, ``--days`` N) for the teams of a CSV
(:func:`routes.period.read_teams`) from a registry store: it scores the units the day before
the period, assigns every owed statutory visit and 复查 to a day and a team
(:func:`routes.period.plan_period`) and writes one CSV row per visit (``date, team, order,
site_id, planned_arrival`` then ``kind, due, late_days, name, committee, priority``); the
shortfall (what capacity cannot do on time) is printed, and by 居委 and sector written to
``--shortfall`` when given. Bad input prints a Chinese message and exits with code 2::

    python -m routes plan-period --store S --from 2026-12-01 --days 31 --teams teams.csv --out plan.csv

Errors (missing or malformed file, a ``--time-limit`` that is not a finite number of
seconds, an instance beyond :data:`MAX_POINTS` points or :data:`MAX_TEAMS` teams) print a
message on stderr and exit with code 2, before any search starts.  Killing the command
(``SIGTERM``, ``SIGKILL``) also ends its parallel searches (:mod:`routes._parent_death`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

from routes import _aot, _fast
from routes._tsp import solve_tsp
from routes.instances import (
    InstanceError,
    read_top,
    read_tsplib,
    top_problem,
    top_routes_from_solution,
    top_score,
    tsp_length,
    tsplib_matrix,
)
from routes.solver import solve


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m routes", description="巡查路线求解 / route solver")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, help_ in (
        ("solve-top", "Team Orienteering instance (n, m, tmax, then x y score lines)"),
        ("solve-tsp", "TSPLIB EUC_2D instance"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("file")
        p.add_argument("--time-limit", type=float, default=2.0, help="seconds (hard cap)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument(
            "--workers",
            type=int,
            default=None,
            help="parallel searches (solve-top only), best wins; default: the usable cores, at most 4",
        )
    sub.add_parser("warmup", help="compile the search kernels once (install step)")
    pp = sub.add_parser(
        "plan-period",
        help="周期计划：一周/一月/到年底，每家应检单位排定日期与小组（CSV：每次检查一行）",
    )
    pp.add_argument("--store", required=True, help="台账数据库（SQLite）")
    pp.add_argument("--from", dest="start", required=True, help="开始日期 YYYY-MM-DD")
    pp.add_argument("--days", type=int, required=True, help="天数（含开始日，7=一周，31=一月）")
    pp.add_argument("--teams", required=True, help="队伍表 CSV（小组, 交通方式, 班次, 专业资质, 带队领导, 每日检查量, 请假, 加班）")
    pp.add_argument("--out", required=True, help="输出 CSV：date, team, order, site_id, planned_arrival, …")
    pp.add_argument("--shortfall", default=None, help="可选：未能按期的家次按居委、行业写入此 CSV")
    return ap


#: Largest instance ``solve-top`` takes: the cost matrix and its sorted neighbour lists
#: grow with the square of the points (about 2.5 s of set-up and 350 MB at 2 000 points on
#: the 2-core test machine), so beyond this a limit of seconds cannot be honoured. Ten
#: times the largest Chao instance (102 points); the app plans at most 500 candidates.
MAX_POINTS = 1000
#: Most teams ``solve-top`` takes (routes are arrays of teams x points).
MAX_TEAMS = 100
#: Most parallel searches (forked processes) ``--workers`` may ask for.
MAX_WORKERS = 64


def _time_limit(value: float) -> float:
    if not (value >= 0 and math.isfinite(value)):
        raise InstanceError(f"--time-limit must be a finite number of seconds >= 0, got {value:g}")
    return value


def _check_size(n: int, m: int, workers: int) -> None:
    """Refuse instances and worker counts beyond what the solver supports (before any work)."""
    if n > MAX_POINTS:
        raise InstanceError(
            f"instance has {n} points; solve-top supports at most {MAX_POINTS} "
            "(its set-up grows with the square of the points and would not fit --time-limit)"
        )
    if m > MAX_TEAMS:
        raise InstanceError(f"instance has {m} teams; solve-top supports at most {MAX_TEAMS}")
    if not 1 <= workers <= MAX_WORKERS:
        raise InstanceError(f"--workers must be between 1 and {MAX_WORKERS}, got {workers}")


def default_workers() -> int:
    """Parallel searches the CLI runs by default: the cores this process may use, at most 4.

    A command-line solve owns its machine for the time limit, so it uses the cores (the
    library default stays 1 search: a server must not fork behind its users' backs).

    Examples
    --------
    >>> 1 <= default_workers() <= 4
    True
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


#: Seconds kept back at the end of ``--time-limit`` for printing the answer and exiting.
EXIT_RESERVE = 0.05
#: Kernel loading slower than this means numba compiled them (cold cache, first run).
COMPILE_SECONDS = 3.0
_IMPORTED = time.perf_counter()  # fallback start time where /proc is missing


def process_age() -> float:
    """Seconds since this process started.

    Read from ``/proc`` (Linux, 10-ms resolution); elsewhere the time since this module
    was imported, which misses the interpreter's start-up and the package imports.

    Examples
    --------
    >>> 0.0 <= process_age() < 3600.0
    True
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        # field 22 of stat, "starttime", in clock ticks since boot (fields[19] after the name)
        age = uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        age = -1.0
    # a container may show its own uptime in /proc/uptime: then the age is negative
    return age if age >= 0.0 else time.perf_counter() - _IMPORTED


def search_time(time_limit: float, age: float) -> float:
    """Seconds left for the search when ``age`` seconds of a ``time_limit`` are spent.

    Examples
    --------
    >>> round(search_time(2.0, 0.6), 2)
    1.35
    >>> search_time(0.3, 0.6)
    0.0
    """
    return max(0.0, time_limit - age - EXIT_RESERVE)


def _search_budget(time_limit: float, loading: float = 0.0) -> float:
    """Search seconds left of ``--time-limit`` for this process (warnings on stderr).

    ``loading`` is the kernel-loading time; above :data:`COMPILE_SECONDS` the kernels were
    compiled (~20 s, once per install) and that is not held against the search, which would
    otherwise be left with nothing.
    """
    if loading > COMPILE_SECONDS:
        print(
            f"warning: the solver's kernels were compiled in this run ({loading:.0f} s); "
            "run `python -m routes warmup` once after installing",
            file=sys.stderr,
        )
        left = search_time(time_limit, 0.0)
    else:
        left = search_time(time_limit, process_age())
    if left <= 0:
        print(
            f"warning: --time-limit {time_limit:g} s is shorter than the start-up; "
            "the answer is the first solution, not searched further",
            file=sys.stderr,
        )
    return left


def _warmup() -> int:
    """Install step: numba's cache of the kernels, then their ahead-of-time build."""
    t = time.perf_counter()
    aot = False
    if _fast.NUMBA:
        from routes import _kernels

        _fast.warmup(_kernels)  # the just-in-time kernels (tests and fallback use them)
        try:
            if _aot.load() is None:
                _aot.build()
            aot = _fast.backend() == "aot"
        except _aot.AotError as exc:
            print(f"warning: {exc}; the solver uses numba's just-in-time kernels", file=sys.stderr)
    print(json.dumps({"warmup_seconds": round(time.perf_counter() - t, 3), "numba": _fast.NUMBA, "aot": aot}))
    return 0


def _plan_period(args: argparse.Namespace) -> int:
    """``plan-period``: score the store's units the day before the period, plan, write the CSV."""
    import pandas as pd  # imported here: solve-top starts without pandas

    from risk import join_scores, score_sites
    from risk.frequency import as_day
    from routes.period import plan_period, read_teams
    from routes.planning import PlanningError

    try:
        start = as_day(args.start)
        if args.days < 1 or args.days > 366:
            raise PlanningError(f"--days 应在 1 到 366 之间（收到 {args.days}）")
        teams = read_teams(args.teams)
        if not os.path.exists(args.store):
            raise PlanningError(f"找不到台账数据库：{args.store}")
        from registry.store import SQLiteStore

        with SQLiteStore(args.store) as store:
            sites, insp, hz = store.sites(), store.inspections(), store.hazards()
            assets = store.assets()
        before = start - pd.Timedelta(days=1)
        insp = insp[pd.to_datetime(insp["date"]) <= before]
        hz = hz[pd.to_datetime(hz["found_date"]) <= before]
        scored = join_scores(sites, score_sites(sites, insp, hz, before, assets=assets))
        plan = plan_period(pd.DataFrame(scored.drop(columns="geometry", errors="ignore")),
                           insp, hz, teams, start, args.days)
    except (PlanningError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    from layers.safe_text import cell_text

    out = plan.sequence()
    for col in ("team", "name", "committee"):  # user-supplied text: no formula in Excel/WPS
        out[col] = out[col].map(cell_text)
    out.to_csv(args.out, index=False, encoding="utf-8-sig")
    if args.shortfall:
        sf = plan.shortfall
        table = pd.concat([
            sf.by_committee.reset_index().rename(columns={"committee": "分组"}).assign(维度="居委"),
            sf.by_sector.reset_index().rename(columns={"category": "分组"}).assign(维度="行业"),
        ], ignore_index=True)[["维度", "分组", "应检", "未按期"]]
        table["分组"] = table["分组"].map(cell_text)
        table.to_csv(args.shortfall, index=False, encoding="utf-8-sig")
    print(plan.summary_zh())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.cmd == "warmup":
        return _warmup()
    if args.cmd == "plan-period":
        return _plan_period(args)
    try:
        tl = _time_limit(args.time_limit)
        if args.cmd == "solve-top":
            inst = read_top(args.file)
            workers = default_workers() if args.workers is None else args.workers
            _check_size(inst.n, inst.m, workers)
            # load the compiled kernels (ahead-of-time build: ~0.01 s; numba's cache: ~0.3 s)
            loading = _fast.warmup()
            problem = top_problem(inst)  # the matrix: counted in the process age below
            # benchmark use: spend the whole limit (results vary with machine load)
            sol = solve(
                problem,
                time_limit=_search_budget(tl, loading),
                seed=args.seed,
                workers=workers,
                deterministic=False,
            )
            routes = top_routes_from_solution(sol)
            score, _, errors = top_score(inst, routes)
            if errors:  # never expected: the solver only builds feasible routes
                print("internal error: infeasible routes: " + "; ".join(errors), file=sys.stderr)
                return 1
            out = {"score": int(score) if float(score).is_integer() else score, "routes": routes}
        else:
            tsp = read_tsplib(args.file)
            tour0 = solve_tsp(tsplib_matrix(tsp.xy), time_limit=_search_budget(tl), seed=args.seed)
            tour = [i + 1 for i in tour0]
            out = {"length": tsp_length(tsp.xy, tour), "tour": tour}
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # skip the interpreter's tear-down (unloading numba and LLVM takes ~0.25 s): the
    # answer is printed and nothing is left to write
    os._exit(code)
