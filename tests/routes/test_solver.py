"""Route solver: every output is checked by the independent feasibility checker."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from routes import check, solve
from routes.instances import read_top, top_problem, top_routes_from_solution, top_score
from routes.model import Problem, Team, Visit

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "instances" / "routing"
needs_bench = pytest.mark.skipif(not BENCH.exists(), reason="benchmark data not available")


def random_problem(seed: int, n: int = 18, n_teams: int = 2, asymmetric: bool = False) -> Problem:
    """Small random day: 08:30-17:30 with a lunch break, windows, skills, musts."""
    rng = random.Random(seed)
    pts = np.array([[rng.uniform(0, 30), rng.uniform(0, 30)] for _ in range(n + 1)])
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) * 2.0  # minutes
    if asymmetric:
        d = d * np.array([[1.0 + 0.3 * rng.random() for _ in range(n + 1)] for _ in range(n + 1)])
        np.fill_diagonal(d, 0.0)
    walk = d * 3.0
    visits = []
    for i in range(1, n + 1):
        kind = rng.random()
        if kind < 0.3:
            windows = ((540.0, 690.0),)  # morning only
        elif kind < 0.45:
            windows = ((600.0, 660.0), (840.0, 900.0))
        else:
            windows = ((0.0, math.inf),)
        visits.append(
            Visit(
                loc=i,
                prize=float(rng.randint(1, 20)),
                service=float(rng.choice([15, 20, 30, 45])),
                windows=windows,
                skills=frozenset({"gas"}) if rng.random() < 0.2 else frozenset(),
                must=rng.random() < 0.15,
                id=f"S{i:03d}",
            )
        )
    teams = [
        Team(0, 0, ((510.0, 690.0), (780.0, 1050.0)), skills=frozenset({"gas"}), id="一组"),
        Team(0, 0, ((540.0, 720.0),), matrix="walk", id="二组"),
        Team(0, 0, ((510.0, 690.0), (780.0, 1050.0)), id="三组"),
    ][:n_teams]
    return Problem({"default": d, "walk": walk}, tuple(visits), tuple(teams))


@pytest.mark.parametrize("seed", range(10))
def test_random_problems_are_feasible(seed: int) -> None:
    p = random_problem(seed, asymmetric=seed % 3 == 0, n_teams=2 + seed % 2)
    sol = solve(p, time_limit=1.0, seed=seed, max_iterations=40)
    assert check(p, sol) == []
    served = {s.visit for r in sol.routes for s in r.stops}
    assert served.isdisjoint(sol.unassigned)
    assert served | set(sol.unassigned) == set(range(len(p.visits)))
    assert sol.prize > 0


@pytest.mark.parametrize("seed", range(4))
def test_random_identical_teams_are_feasible(seed: int) -> None:
    """Interchangeable teams (windows, breaks, musts): routes are recombined across solutions."""
    base = random_problem(100 + seed, n=24)
    team = Team(0, 0, ((510.0, 690.0), (780.0, 1050.0)), skills=frozenset({"gas"}))
    p = Problem(base.travel, base.visits, (team, team, team))
    sol = solve(p, time_limit=5.0, seed=seed, max_iterations=120)
    assert check(p, sol) == []
    assert sol.must_missed == sum(
        1 for i, v in enumerate(p.visits) if v.must and i in sol.unassigned
    )


def test_deterministic_for_a_seed() -> None:
    p = random_problem(3)
    a = solve(p, time_limit=5.0, seed=1, max_iterations=30)
    b = solve(p, time_limit=5.0, seed=1, max_iterations=30)
    assert [[s.visit for s in r.stops] for r in a.routes] == [[s.visit for s in r.stops] for r in b.routes]
    assert a.prize == b.prize and a.travel == b.travel


def test_parallel_workers_feasible_and_deterministic() -> None:
    p = random_problem(5)
    a = solve(p, time_limit=10.0, seed=2, max_iterations=25, workers=2)
    b = solve(p, time_limit=10.0, seed=2, max_iterations=25, workers=2)
    assert check(p, a) == []
    assert [[s.visit for s in r.stops] for r in a.routes] == [[s.visit for s in r.stops] for r in b.routes]
    single = solve(p, time_limit=10.0, seed=2, max_iterations=25)
    assert a.prize >= single.prize  # seed 2 is one of the two searches


def test_must_visit_beats_higher_optional_prize() -> None:
    # depot 0; must-visit at 1 (prize 1) and optional at 2 (prize 50), opposite sides;
    # the shift only allows one of them.
    d = np.array([[0, 40, 40], [40, 0, 80], [40, 80, 0]], dtype=float)
    p = Problem(
        {"default": d},
        (Visit(1, prize=1.0, must=True), Visit(2, prize=50.0)),
        (Team(0, 0, ((0.0, 100.0),)),),
    )
    sol = solve(p, time_limit=0.5)
    assert check(p, sol) == []
    assert [s.visit for s in sol.routes[0].stops] == [0]
    assert sol.must_missed == 0 and sol.unassigned == {1: "capacity"}


def test_infeasible_musts_yield_reasons_not_exceptions() -> None:
    d = np.array([[0, 40, 40, 5, 5], [40, 0, 80, 40, 40], [40, 80, 0, 40, 40],
                  [5, 40, 40, 0, 5], [5, 40, 40, 5, 0]], dtype=float)  # fmt: skip
    visits = (
        Visit(1, prize=1.0, must=True, id="far-a"),
        Visit(2, prize=1.0, must=True, id="far-b"),  # only one of the two fits
        Visit(3, prize=1.0, must=True, skills=frozenset({"特种设备"}), id="skill"),
        Visit(4, prize=1.0, must=True, windows=((200.0, 300.0),), id="closed"),
        Visit(4, prize=1.0, must=True, service=95.0, id="too-long"),
    )
    p = Problem({"default": d}, visits, (Team(0, 0, ((0.0, 100.0),)),))
    sol = solve(p, time_limit=0.5)
    assert check(p, sol) == []
    assert sol.must_missed == 4
    assert sol.unassigned[2] == "skill"
    assert sol.unassigned[3] == "closed"
    assert sol.unassigned[4] == "unreachable"
    assert {sol.unassigned.get(0), sol.unassigned.get(1)} == {None, "capacity"}


def test_service_waits_for_the_next_shift_after_a_break() -> None:
    d = np.array([[0, 10], [10, 0]], dtype=float)
    p = Problem(
        {"default": d},
        (Visit(1, prize=5.0, service=60.0),),
        (Team(0, 0, ((0.0, 40.0), (60.0, 200.0))),),
    )
    sol = solve(p, time_limit=0.5)
    assert check(p, sol) == []
    stop = sol.routes[0].stops[0]
    assert stop.arrival == 10.0 and stop.start == 60.0 and stop.leave == 120.0
    assert sol.routes[0].end_time == 130.0


def test_travel_pauses_over_a_break() -> None:
    d = np.array([[0, 30], [30, 0]], dtype=float)
    p = Problem(
        {"default": d},
        (Visit(1, prize=5.0, service=10.0),),
        (Team(0, 0, ((0.0, 20.0), (50.0, 200.0))),),
    )
    sol = solve(p, time_limit=0.5)
    assert check(p, sol) == []
    assert sol.routes[0].stops[0].arrival == 60.0  # 20 min before the break, 10 after


def test_zero_prize_and_unused_team() -> None:
    d = np.array([[0, 5], [5, 0]], dtype=float)
    p = Problem(
        {"default": d},
        (Visit(1, prize=0.0),),
        (Team(0, 0, ((0.0, 100.0),)), Team(0, 0, ((0.0, 100.0),))),
    )
    sol = solve(p, time_limit=0.2)
    assert check(p, sol) == []
    assert sol.unassigned == {0: "low_priority"}
    assert all(r.stops == [] and r.travel == 0.0 for r in sol.routes)


def test_no_visits() -> None:
    p = Problem({"default": np.zeros((1, 1))}, (), (Team(0, 0, ((0.0, 10.0),)),))
    sol = solve(p, time_limit=0.2)
    assert check(p, sol) == [] and sol.prize == 0.0


@needs_bench
@pytest.mark.parametrize(("name", "chao"), [("p4.2.c", 452), ("p4.4.h", 571)])
def test_real_top_instance(name: str, chao: int) -> None:
    inst = read_top(BENCH / "top_set4" / f"{name}.txt")
    p = top_problem(inst)
    sol = solve(p, time_limit=0.5, seed=0)
    assert check(p, sol) == []
    score, lengths, errors = top_score(inst, top_routes_from_solution(sol))
    assert errors == []
    assert score == pytest.approx(sol.prize)
    assert max(lengths) <= inst.tmax + 1e-6
    assert score >= 0.9 * chao


@pytest.mark.parametrize("seed", range(12))
def test_batch_insertion_test_matches_simulation(seed: int) -> None:
    """The engine's insertion table (one batch test per route from leave and latest-arrival
    times) finds exactly the insertions that re-simulating every trial route finds."""
    from routes._search import Engine

    p = random_problem(seed, n=30, asymmetric=seed % 2 == 0, n_teams=3)
    eng = Engine(p, seed=seed)
    sol = eng.construct()
    served = [v for s in sol.seqs for v in s]
    eng.remove(sol, set(random.Random(seed).sample(served, k=len(served) // 3)))
    checked = 0
    for k in range(eng.K):
        bd = np.full(eng.V, np.inf)
        bp = np.zeros(eng.V, dtype=np.int64)
        eng._fill(k, sol, bd, bp)
        seq = sol.seqs[k]
        slack = eng.cap[k] - sol.trav[k] - sol.svcs[k]
        for u in np.flatnonzero(sol.unrouted & eng.elig[k]).tolist():
            best = math.inf
            for pos in range(len(seq) + 1):
                trial = [*seq[:pos], u, *seq[pos:]]
                tr, _ = eng._totals(k, trial)
                delta = tr - sol.trav[k]
                if delta + eng.svcl[u] <= slack + 1e-6 and eng.simulate(k, trial) < math.inf:
                    best = min(best, delta)
            assert math.isfinite(bd[u]) == math.isfinite(best), (k, u)
            if math.isfinite(best):
                assert bd[u] == pytest.approx(best, abs=1e-6)
                trial = [*seq[: bp[u]], u, *seq[bp[u] :]]
                assert eng.simulate(k, trial) < math.inf
                checked += 1
    assert checked > 0


def test_work_budget_ends_the_search_deterministically() -> None:
    """A run ended by the work budget is the same run every time, however long it took."""
    from routes._search import Engine

    p = random_problem(4, n=40, n_teams=3)
    runs = [Engine(p, seed=5).run(1000.0, 10**9, max_work=0.05) for _ in range(2)]
    (a, it_a), (b, it_b) = runs
    assert 0 < it_a == it_b < 10**9
    assert a.seqs == b.seqs and a.key() == b.key()
    _, it_more = Engine(p, seed=5).run(1000.0, 10**9, max_work=0.15)
    assert it_more > it_a


def test_solve_sizes_the_python_search_by_work_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from routes import solver as solver_mod
    from routes._search import Engine

    seen: list[float] = []
    run = Engine.run

    def spy(self, time_limit, max_iterations, max_work=math.inf):
        seen.append(max_work)
        return run(self, time_limit, max_iterations, max_work)

    monkeypatch.setattr(Engine, "run", spy)
    p = random_problem(2)
    solve(p, time_limit=0.5)
    solve(p, time_limit=0.5, deterministic=False)
    solve(p, time_limit=0.5, max_iterations=5)
    assert seen == [pytest.approx(solver_mod.WORK_SHARE * 0.5), math.inf, math.inf]
