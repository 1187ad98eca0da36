"""Route solver: team orienteering with time windows, shifts, skills and must-visits.

Objective (lexicographic): serve every must-visit that can be served, then
maximise the total prize, then minimise total travel.  The search itself lives
in :mod:`routes._search` (ruin-and-recreate large-neighbourhood search with
2-opt/or-opt); this module builds the public :class:`routes.model.Solution`.

Plain team-orienteering problems (interchangeable teams with one shift, a
symmetric matrix, windows that never bind; see :func:`is_plain_top`) go to the
compiled search of :mod:`routes._fast` when it can run (numba, or the kernels'
ahead-of-time build); its iteration budget is ``FAST_ITERATIONS_PER_SECOND * time_limit``.  Everything else (windows,
breaks, skills, mixed teams) uses the Python engine.

Determinism: the search stops after an iteration budget (``max_iterations``,
default ``ITERATIONS_PER_SECOND * time_limit``), by default also after a work
budget (``WORK_SHARE * time_limit`` reference seconds of counted work, see
:class:`routes._search.Engine`; ``FAST_WORK_SHARE`` and the work model of
:mod:`routes._kernel_state` for the compiled search; an iteration on a day of 300
candidates costs 100 times one on 20), or at the deadline, whichever comes
first.  When a budget is reached first the result depends only on ``(problem,
seed, time_limit)``; on a slow or heavily loaded machine the deadline can bind
first, and then a run may stop earlier (``time_limit`` is a hard cap).
``deterministic=False`` drops the work budget and lets the compiled search cool
with the clock: the best answer in the time given (the ``solve-top`` CLI).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time

import numpy as np

from routes import _fast
from routes._parent_death import die_with_parent
from routes._schedule import advance, earliest_start
from routes._search import Engine, Sol
from routes.model import Problem, Route, Solution, Stop

__all__ = [
    "FAST_ITERATIONS_PER_SECOND",
    "FAST_WORK_SHARE",
    "ITERATIONS_PER_SECOND",
    "WORK_SHARE",
    "solve",
]

#: Iteration budget per second of ``time_limit`` (the deadline still caps a run).
ITERATIONS_PER_SECOND = 1000
#: Work budget of the Python engine in reference seconds per second of ``time_limit``.
#: Below 1 so that the deterministic budget, not the clock, ends a run on the reference
#: machine: the work model's time estimate is off by up to ~35 % between problems.
WORK_SHARE = 0.6
#: Same for the compiled search, whose work model is coarser (off by up to ~2x).
FAST_WORK_SHARE = 0.4
#: Same for the compiled team-orienteering search (:mod:`routes._fast`).
FAST_ITERATIONS_PER_SECOND = 20000


def solve(
    problem: Problem,
    *,
    time_limit: float = 2.0,
    seed: int = 0,
    max_iterations: int | None = None,
    workers: int = 1,
    deterministic: bool = True,
) -> Solution:
    """Plan routes for all teams.

    Parameters
    ----------
    problem : Problem
        Visits, teams and travel matrices.
    time_limit : float
        Hard cap on the search time in seconds (the best solution found is returned).
    seed : int
        Random seed; same ``(problem, seed, time_limit)`` gives the same routes when
        a budget, not the deadline, ends the search.
    max_iterations : int, optional
        Iteration budget; default ``ITERATIONS_PER_SECOND * time_limit`` plus, for the
        Python engine, a work budget of ``WORK_SHARE * time_limit`` reference seconds.
        Given explicitly, only the iterations (and the deadline) limit the search.
    workers : int
        Independent searches run in parallel (forked processes, seeds ``seed``,
        ``seed + 1``, ...); the best one is returned.  Default 1 (in-process); use
        more only on a machine with idle cores, never inside a threaded server.
        Process start-up and tear-down are outside the search budget, so on a
        loaded machine a run with ``workers > 1`` can overrun ``time_limit`` slightly.
        Plain TOP problems (compiled search) use the same scheme.
    deterministic : bool
        Default True: the search is sized by deterministic budgets (iterations, modelled
        work of ``WORK_SHARE * time_limit`` reference seconds) and its cooling ignores the
        clock, so a plan can be reproduced; on the reference machine it ends well before
        ``time_limit``.  False: use the whole ``time_limit`` (cooling follows the clock,
        no work budget); best for benchmarks, but results then vary with machine load.

    Returns
    -------
    Solution
        One :class:`Route` per team (possibly empty), unassigned visits with a
        reason code, total prize/travel and the number of must-visits missed.

    Examples
    --------
    >>> import numpy as np
    >>> from routes.model import Problem, Team, Visit
    >>> d = np.array([[0, 10, 10], [10, 0, 15], [10, 15, 0]], dtype=float)
    >>> p = Problem({"default": d},
    ...             (Visit(1, prize=5), Visit(2, prize=3)),
    ...             (Team(0, 0, ((0.0, 30.0),)),))
    >>> sol = solve(p, time_limit=0.5)
    >>> [s.visit for s in sol.routes[0].stops], sol.unassigned
    ([0], {1: 'low_priority'})
    """
    t_start = time.perf_counter()
    if not (time_limit >= 0 and math.isfinite(time_limit)):
        raise ValueError(f"time_limit must be a finite number of seconds >= 0, got {time_limit}")
    if workers < 1:
        raise ValueError("workers must be >= 1")
    engine = Engine(problem, seed=seed)
    remaining = time_limit - (time.perf_counter() - t_start)
    max_work = WORK_SHARE * time_limit if deterministic and max_iterations is None else np.inf
    if _fast.AVAILABLE and is_plain_top(engine):
        if max_iterations is None:
            max_iterations = max(1, int(FAST_ITERATIONS_PER_SECOND * time_limit))
        fast_work = max_work / WORK_SHARE * FAST_WORK_SHARE
        budget = (max_iterations, fast_work, not deterministic)
        if workers > 1 and "fork" in mp.get_all_start_methods() and remaining > 0.3:
            best = _parallel_fast(engine, remaining, budget, seed, workers)
        else:
            best = _solve_fast(engine, remaining, budget, seed)
        return build_solution(engine, best)
    if max_iterations is None:
        max_iterations = max(1, int(ITERATIONS_PER_SECOND * time_limit))
    if workers > 1 and "fork" in mp.get_all_start_methods() and remaining > 0.3:
        best = _parallel(engine, problem, seed, remaining, max_iterations, max_work, workers)
    else:
        best, _ = engine.run(remaining, max_iterations, max_work)
    return build_solution(engine, best)


def is_plain_top(engine: Engine) -> bool:
    """True when the problem is a plain team orienteering problem: interchangeable
    teams with one shift, a symmetric matrix and windows that never bind (a route is
    feasible iff travel + service fits the shift)."""
    return bool(engine.K >= 1 and engine.homogeneous and engine.simple[0] and engine.sym[0])


FastBudget = tuple[int, float, bool]
"""Compiled search budget: (max_iterations, max_work, cooling follows the clock)."""


def _solve_fast(engine: Engine, time_limit: float, budget: FastBudget, seed: int) -> Sol:
    """Compiled search (:mod:`routes._fast`) on the eligible visits."""
    t_start = time.perf_counter()
    sol = engine.empty()
    elig = np.flatnonzero(engine.elig[0])
    if elig.size == 0:
        return sol
    k0 = 0
    nodes = np.concatenate([[engine.start[k0]], engine.loc[elig], [engine.end[k0]]])
    svc = np.concatenate([[0.0], engine.svc[elig], [0.0]])
    W = engine.D[k0][np.ix_(nodes, nodes)] + 0.5 * (svc[:, None] + svc[None, :])
    np.fill_diagonal(W, 0.0)
    P = np.concatenate([[0.0], engine.pz[elig], [0.0]])
    search = _fast.FastTop(W, P, engine.cap[k0], engine.K)
    max_iterations, max_work, clock = budget
    # the set-up (cost matrix, sorted neighbour lists: seconds on thousands of points)
    # comes out of the limit
    left = time_limit - (time.perf_counter() - t_start)
    routes, _ = search.run(left, max_iterations, seed=seed, max_work=max_work, clock=clock)
    for k, route in enumerate(routes):
        seq = [int(elig[node - 1]) for node in route]
        tr, sv = engine._totals(k, seq)
        while seq and not engine.feasible(k, seq, tr, sv):  # float rounding guard
            seq.pop(min(range(len(seq)), key=lambda i: engine.pzl[seq[i]]))
            tr, sv = engine._totals(k, seq)
        sol.seqs[k] = seq
        sol.trav[k], sol.svcs[k] = tr, sv
        for v in seq:
            sol.unrouted[v] = False
            sol.prize += engine.pzl[v]
            sol.must += int(engine.is_must[v])
    return sol


def _pool(workers: int) -> mp.pool.Pool:
    """Pool of ``workers`` forked processes that are killed when this process dies
    (a killed CLI must not leave searches running; see :mod:`routes._parent_death`)."""
    return mp.get_context("fork").Pool(workers, initializer=die_with_parent, initargs=(os.getpid(),))


_FORK_ENGINE: Engine | None = None  # read by forked fast workers (never pickled)


def _fast_worker(args: tuple[int, float, FastBudget]) -> tuple[tuple, list[list[int]]]:
    seed, time_limit, budget = args
    assert _FORK_ENGINE is not None
    sol = _solve_fast(_FORK_ENGINE, time_limit, budget, seed)
    return sol.key(), sol.seqs


def _parallel_fast(engine: Engine, remaining: float, budget: FastBudget, seed: int, workers: int) -> Sol:
    """Compiled searches with seeds ``seed .. seed + workers - 1`` in forked
    processes; the best wins (ties: lowest seed)."""
    global _FORK_ENGINE
    t0 = time.perf_counter()
    _FORK_ENGINE = engine
    try:
        with _pool(workers) as pool:
            tl = remaining - (time.perf_counter() - t0) - min(0.05, 0.03 * remaining)
            results = pool.map(_fast_worker, [(seed + i, tl, budget) for i in range(workers)])
    finally:
        _FORK_ENGINE = None
    _, seqs = max(results, key=lambda r: r[0])
    return engine.from_seqs(seqs)


def _worker(args: tuple[Problem, int, float, int, float]) -> tuple[tuple, list[list[int]]]:
    problem, seed, time_limit, max_iterations, max_work = args
    sol, _ = Engine(problem, seed=seed).run(time_limit, max_iterations, max_work)
    return sol.key(), sol.seqs


def _parallel(
    engine: Engine,
    problem: Problem,
    seed: int,
    remaining: float,
    max_iterations: int,
    max_work: float,
    workers: int,
) -> Sol:
    """Independent searches with seeds ``seed .. seed + workers - 1`` in forked
    processes; the best result wins (ties: lowest seed), so the outcome stays
    deterministic whenever the iteration budget ends every search."""
    t0 = time.perf_counter()
    with _pool(workers) as pool:
        budget = remaining - (time.perf_counter() - t0) - min(0.3, 0.15 * remaining)
        jobs = [(problem, seed + i, budget, max_iterations, max_work) for i in range(workers)]
        results = pool.map(_worker, jobs)
    _, seqs = max(results, key=lambda r: r[0])  # max() keeps the first of equal keys
    return engine.from_seqs(seqs)


def build_solution(engine: Engine, sol: Sol) -> Solution:
    """Turn a search state into a public :class:`Solution` (timed stops, reasons)."""
    problem = engine.problem
    routes: list[Route] = []
    served: set[int] = set()
    for k, seq in enumerate(sol.seqs):
        stops = _timed_stops(engine, k, seq)
        served.update(seq)
        if seq:
            tr, sv = engine._totals(k, seq)
            end_time = _end_time(engine, k, stops)
        else:  # team not dispatched
            tr, sv, end_time = 0.0, 0.0, engine.t0[k]
        prize = float(sum(problem.visits[v].prize for v in seq))
        routes.append(Route(team=k, stops=stops, travel=tr, service=sv, prize=prize, end_time=end_time))
    min_served = min(
        (problem.visits[v].prize for v in served if not problem.visits[v].must), default=None
    )
    unassigned: dict[int, str] = {}
    for i, v in enumerate(problem.visits):
        if i in served:
            continue
        unassigned[i] = _reason(engine, i, v.must, v.prize, min_served)
    must_missed = sum(1 for i, v in enumerate(problem.visits) if v.must and i not in served)
    return Solution(
        routes=routes,
        unassigned=unassigned,
        prize=float(sum(r.prize for r in routes)),
        travel=float(sum(r.travel for r in routes)),
        must_missed=must_missed,
    )


def _reason(engine: Engine, i: int, must: bool, prize: float, min_served: float | None) -> str:
    if not engine.skill_ok[:, i].any():
        return "skill"
    if not any(engine.sint[k][i] for k in range(engine.K)):
        return "closed"
    if not engine.alone[:, i].any():
        return "unreachable"
    if must:
        return "capacity"
    if prize > 0 and (min_served is None or prize > min_served):
        return "capacity"  # served optional visits have lower prize: it just did not fit
    return "low_priority"  # every served optional visit has at least its prize


def _timed_stops(engine: Engine, k: int, seq: list[int]) -> list[Stop]:
    d = engine.Dl[k]
    shifts = engine.shifts[k]
    t = engine.t0[k]
    prev = engine.start[k]
    stops: list[Stop] = []
    for v in seq:
        loc = engine.locl[v]
        arrival = advance(shifts, t, d[prev][loc])
        start = earliest_start(engine.sint[k][v], arrival)
        leave = start + engine.svcl[v]
        stops.append(Stop(visit=v, arrival=arrival, start=start, leave=leave))
        t = leave
        prev = loc
    return stops


def _end_time(engine: Engine, k: int, stops: list[Stop]) -> float:
    d = engine.Dl[k]
    if stops:
        t = stops[-1].leave
        prev = engine.locl[stops[-1].visit]
    else:
        t = engine.t0[k]
        prev = engine.start[k]
    return advance(engine.shifts[k], t, d[prev][engine.end[k]])
