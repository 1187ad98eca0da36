"""Compiled team-orienteering search (routes._fast) behind routes.solve."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
import pytest

from routes import _fast, _kernels, check, solve
from routes import solver as solver_mod
from routes._search import Engine
from routes.instances import read_top, top_problem, top_routes_from_solution, top_score
from routes.model import Problem, Team, Visit

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "instances" / "routing"
needs_bench = pytest.mark.skipif(not BENCH.exists(), reason="benchmark data not available")
needs_numba = pytest.mark.skipif(not _fast.AVAILABLE, reason="numba not installed")


def plain_top(seed: int, n: int = 9, teams: int = 2, tmax: float = 45.0, service: float = 0.0) -> Problem:
    """Random TOP: depot at the centre, identical teams, one shift, no windows."""
    rng = random.Random(seed)
    pts = np.array([[15.0, 15.0]] + [[rng.uniform(0, 30), rng.uniform(0, 30)] for _ in range(n)])
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    visits = tuple(
        Visit(loc=i, prize=float(rng.randint(1, 9)), service=service, id=f"V{i}") for i in range(1, n + 1)
    )
    team = Team(0, 0, ((0.0, tmax),))
    return Problem({"default": d}, visits, (team,) * teams)


def kernel_start(
    seed: int, n: int, K: int, cap: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """A random instance in the kernels' numbering (depot 0 and its copy ``n + 1`` at the
    centre of a 30 x 30 square) and the search arrays after ``init_state``: returns
    ``W, P, near, (R, L, C, rt, Rb, Lb, Cb, rtb)``."""
    rng = np.random.default_rng(seed)
    pts = np.vstack([[15.0, 15.0], rng.uniform(0, 30, (n, 2)), [15.0, 15.0]])
    W = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    P = np.concatenate([[0.0], rng.integers(1, 10, n).astype(float), [0.0]])
    N = n + 2
    near = np.argsort(W, axis=1, kind="stable").astype(np.int64)
    R = np.zeros((K, N + 1), dtype=np.int64)
    L = np.zeros(K, dtype=np.int64)
    C = np.zeros(K)
    rt = np.zeros(N, dtype=np.int64)
    Rb, Lb, Cb, rtb = R.copy(), L.copy(), C.copy(), rt.copy()
    _kernels.init_state(W, P, cap, near, seed, R, L, C, rt, Rb, Lb, Cb, rtb)
    return W, P, near, (R, L, C, rt, Rb, Lb, Cb, rtb)


def brute_force_prize(p: Problem) -> float:
    """Optimal total prize: Held-Karp route cost per visit subset, then the best
    disjoint combination of feasible subsets (one per team)."""
    d = np.asarray(p.travel["default"])
    n = len(p.visits)
    loc = [v.loc for v in p.visits]
    svc = [v.service for v in p.visits]
    cap = p.teams[0].shifts[0][1] - p.teams[0].shifts[0][0]
    full = 1 << n
    dp = np.full((full, n), math.inf)
    for i in range(n):
        dp[1 << i, i] = d[0, loc[i]] + svc[i]
    for mask in range(1, full):
        for i in range(n):
            cur = dp[mask, i]
            if not mask >> i & 1 or cur == math.inf:
                continue
            for j in range(n):
                if mask >> j & 1:
                    continue
                nxt = mask | 1 << j
                val = cur + d[loc[i], loc[j]] + svc[j]
                if val < dp[nxt, j]:
                    dp[nxt, j] = val
    prize = [sum(p.visits[i].prize for i in range(n) if m >> i & 1) for m in range(full)]
    feasible = [0] + [
        m for m in range(1, full) if min(dp[m, i] + d[loc[i], 0] for i in range(n) if m >> i & 1) <= cap + 1e-9
    ]
    best = 0.0
    for combo in itertools.combinations_with_replacement(feasible, len(p.teams)):
        used = 0
        ok = True
        for m in combo:
            if used & m:
                ok = False
                break
            used |= m
        if ok:
            best = max(best, sum(prize[m] for m in combo))
    return best


def test_plain_top_is_detected() -> None:
    assert solver_mod.is_plain_top(Engine(plain_top(0)))
    p = plain_top(0)
    windowed = Problem(
        p.travel,
        (Visit(1, prize=3.0, windows=((0.0, 5.0),)), *p.visits[1:]),
        p.teams,
    )
    assert not solver_mod.is_plain_top(Engine(windowed))
    two_shifts = Problem(p.travel, p.visits, (Team(0, 0, ((0.0, 20.0), (30.0, 45.0))),) * 2)
    assert not solver_mod.is_plain_top(Engine(two_shifts))


@needs_numba
@pytest.mark.parametrize("seed", range(6))
def test_fast_search_finds_the_optimum_on_small_instances(seed: int) -> None:
    p = plain_top(seed, n=9, teams=2, tmax=40.0 + 5 * seed, service=2.0 * (seed % 2))
    sol = solve(p, time_limit=10.0, seed=seed, max_iterations=400)
    assert check(p, sol) == []
    assert sol.prize == pytest.approx(brute_force_prize(p))


@needs_numba
def test_fast_search_is_deterministic_for_a_seed_and_budget() -> None:
    p = plain_top(7, n=40, teams=3, tmax=60.0)
    a = solve(p, time_limit=20.0, seed=3, max_iterations=300)
    b = solve(p, time_limit=20.0, seed=3, max_iterations=300)
    assert check(p, a) == []
    assert [[s.visit for s in r.stops] for r in a.routes] == [[s.visit for s in r.stops] for r in b.routes]


@needs_numba
def test_fast_search_serves_must_visits_first() -> None:
    # one team; a must-visit with a low prize on one side, rich optional visits on the other
    pts = np.array([[0, 0], [-20, 0], [20, 0], [21, 0], [22, 0]], dtype=float)
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    visits = (
        Visit(1, prize=1.0, must=True),
        Visit(2, prize=30.0),
        Visit(3, prize=30.0),
        Visit(4, prize=30.0),
    )
    p = Problem({"default": d}, visits, (Team(0, 0, ((0.0, 50.0),)),))
    assert solver_mod.is_plain_top(Engine(p))
    sol = solve(p, time_limit=5.0, max_iterations=100)
    assert check(p, sol) == []
    assert sol.must_missed == 0
    assert 0 not in sol.unassigned


def test_python_fallback_without_numba(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    p = plain_top(2, n=9, teams=2)
    sol = solve(p, time_limit=10.0, seed=0, max_iterations=200)
    assert check(p, sol) == []
    assert sol.prize == pytest.approx(brute_force_prize(p))


@needs_numba
@needs_bench
@pytest.mark.parametrize(("name", "chao"), [("p4.2.h", 835), ("p4.3.k", 919), ("p4.4.j", 732)])
def test_fast_search_reaches_chao_on_set4(name: str, chao: int) -> None:
    inst = read_top(BENCH / "top_set4" / f"{name}.txt")
    p = top_problem(inst)
    sol = solve(p, time_limit=60.0, seed=0, max_iterations=20000)
    assert check(p, sol) == []
    score, _, errors = top_score(inst, top_routes_from_solution(sol))
    assert errors == []
    assert score >= chao


@needs_numba
def test_fast_work_budget_ends_the_search_deterministically() -> None:
    inst = plain_top(11, n=40, teams=3, tmax=60.0)
    d = np.asarray(inst.travel["default"])
    W = np.vstack([np.hstack([d, d[:, :1]]), np.hstack([d[:1], [[0.0]]])])  # end = copy of the depot
    P = np.array([0.0] + [v.prize for v in inst.visits] + [0.0])
    runs = [_fast.FastTop(W, P, 60.0, 3).run(1000.0, 10**9, seed=4, max_work=0.02, clock=False) for _ in range(2)]
    (a, it_a), (b, it_b) = runs
    assert 0 < it_a == it_b < 10**9
    assert a == b
    _, it_more = _fast.FastTop(W, P, 60.0, 3).run(1000.0, 10**9, seed=4, max_work=0.06, clock=False)
    assert it_more > it_a


@needs_numba
def test_solve_sizes_the_fast_search_by_work_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[float, bool]] = []
    run = _fast.FastTop.run

    def spy(self, time_limit, max_iterations, seed=0, max_work=math.inf, clock=True):
        seen.append((max_work, clock))
        return run(self, time_limit, max_iterations, seed=seed, max_work=max_work, clock=clock)

    monkeypatch.setattr(_fast.FastTop, "run", spy)
    p = plain_top(3, n=12)
    solve(p, time_limit=0.5)
    solve(p, time_limit=0.5, deterministic=False)
    solve(p, time_limit=0.5, max_iterations=50)
    assert seen == [
        (pytest.approx(solver_mod.FAST_WORK_SHARE * 0.5), False),
        (math.inf, True),
        (math.inf, False),
    ]


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_segment_exchange_ruin_keeps_routes_valid(seed: int) -> None:
    """The segment-exchange ruin trades visits between routes, keeps every route within the
    limit by dropping visits, flags exactly the dropped ones and leaves the arrays consistent
    (each visit once, route ids, route costs), so the repair can take over."""
    K, cap = 3, 60.0
    W, P, near, (R, L, C, rt, *_) = kernel_start(seed, 40, K, cap)
    N = W.shape[0]
    bd, bp, wts, _buf, touched = _kernels._scratch(K, N)
    victim = np.zeros(N, dtype=np.bool_)
    traded = dropped = 0
    for _ in range(200):
        before = {int(v): k for k in range(K) for v in R[k, 1 : L[k] - 1]}
        assert _kernels._cross(W, P, cap, R, L, C, rt, near, touched, victim)
        after = {int(v): k for k in range(K) for v in R[k, 1 : L[k] - 1]}
        flat = [int(v) for k in range(K) for v in R[k, 1 : L[k] - 1]]
        assert len(flat) == len(set(flat))  # no visit twice
        for k in range(K):
            assert R[k, 0] == 0 and R[k, L[k] - 1] == N - 1
            assert C[k] == pytest.approx(sum(W[R[k, i], R[k, i + 1]] for i in range(L[k] - 1)))
            assert C[k] <= cap + 1e-9
        assert all(rt[v] == k for v, k in after.items())
        gone = set(before) - set(after)
        assert gone == {int(v) for v in np.flatnonzero(victim)}  # flagged = dropped
        assert set(after) <= set(before) and all(rt[v] == -1 for v in gone)
        traded += sum(after[v] != before[v] for v in after)
        dropped += len(gone)
        _kernels._repair(W, P, cap, R, L, C, rt, 1.0, 0.0, bd, bp, wts, touched, np.ones(K, dtype=bool))  # refill
    assert traded > 0 and dropped > 0


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_insertion_table_updates_match_a_full_recomputation(seed: int) -> None:
    """The repair keeps its table of cheapest insertions up to date without recomputing it:
    after a visit goes into a route (``_inserted``) and for visits freed or served since a
    row was computed (``_free_columns``) the table equals a full recomputation, positions
    included (first position on ties), so the search takes the same steps either way."""
    rng = np.random.default_rng(seed)
    n, K = 40, 3
    pts = np.vstack([[15.0, 15.0], rng.uniform(0, 30, (n, 2)), [15.0, 15.0]])
    W = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    N = n + 2
    R = np.zeros((K, N + 1), dtype=np.int64)
    R[:, 1] = N - 1
    L = np.full(K, 2, dtype=np.int64)
    rt = np.full(N, -1, dtype=np.int64)
    rt[0] = rt[N - 1] = -2
    bd, bp, *_ = _kernels._scratch(K, N)

    def full(k: int) -> tuple[np.ndarray, np.ndarray]:
        fd, fp = bd.copy(), bp.copy()
        _kernels._route_insertions(W, R, L, rt, k, fd, fp)
        free = rt == -1
        return fd[k], np.where(free, fp[k], -1)

    for k in range(K):
        _kernels._route_insertions(W, R, L, rt, k, bd, bp)
    for step in range(30):
        k = step % K
        free = np.flatnonzero(rt == -1)
        u = int(rng.choice(free[(free > 0) & (free < N - 1)]))
        pos = int(bp[k, u])
        _kernels._insert_at(R, L, k, pos, u)
        rt[u] = k
        bd[:, u] = np.inf
        _kernels._inserted(W, R, L, rt, k, pos, bd, bp)
        want_d, want_p = full(k)
        np.testing.assert_array_equal(bd[k], want_d)
        np.testing.assert_array_equal(np.where(rt == -1, bp[k], -1), want_p)
        if step % 5 == 4:  # free a visit of route j; the other rows stay as they were
            j = (k + 1) % K
            w = int(R[j, 1])
            _kernels._remove_at(R, L, j, 1)
            rt[w] = -1
            for i in range(K):  # what the repair does at its start with clean rows
                _kernels._free_columns(W, R, L, rt, i, bd, bp)
            _kernels._route_insertions(W, R, L, rt, j, bd, bp)
            for i in range(K):
                want_d, want_p = full(i)
                np.testing.assert_array_equal(bd[i], want_d)
                np.testing.assert_array_equal(np.where(rt == -1, bp[i], -1), want_p)


@needs_numba
@pytest.mark.parametrize("seed", [0, 1])
def test_a_stall_goes_back_to_the_best_solution_then_starts_afresh(seed: int) -> None:
    """After ``restart`` iterations without a new best the walk continues from its best
    solution; if that stalls too, it restarts from a new construction (and a new best
    re-arms the first step). Going back to the best is what made p4.4.s, p4.3.n and p4.2.l
    reliable (benchmarks/RESULTS_routes.md)."""
    from routes._kernel_state import S_BACK, S_LEN, S_MAXIT, S_MAXWORK, S_SINCE, S_T0

    K, cap, restart = 2, 50.0, 3
    W, P, near, (R, L, C, rt, Rb, Lb, Cb, rtb) = kernel_start(seed, 30, K, cap)
    N = W.shape[0]
    f = _fast.FastTop
    params = np.array(
        [f.p_seed, f.qcap, restart, 1.0, 1.0, 0.0, f.pack_limit, f.p_routed, f.p_hold, f.p_cross]
    )
    state = np.zeros(S_LEN)
    state[S_T0], state[S_MAXIT], state[S_MAXWORK] = 5.0, 1e12, math.inf  # a warm walk, no cooling
    pool = (
        np.zeros((8, N + 1), dtype=np.int64),
        np.zeros(8, dtype=np.int64),
        np.zeros(8),
        np.zeros(8),
        np.zeros((8, 1), dtype=np.uint64),
        np.zeros(1),
    )

    def at_best() -> bool:
        return bool((L == Lb).all() and all((R[k, : L[k]] == Rb[k, : L[k]]).all() for k in range(K)))

    back = fresh = 0
    for _ in range(400):
        since, was_back, best = state[S_SINCE], state[S_BACK], Cb.sum()
        pb = _kernels.run_chunk(W, P, cap, near, params, state, 1, R, L, C, rt, Rb, Lb, Cb, rtb, *pool)
        assert pb == pytest.approx(sum(P[Rb[k, 1 : Lb[k] - 1]].sum() for k in range(K)))
        stalled = since == restart and state[S_SINCE] == 0 and Cb.sum() == best
        if not stalled:
            if state[S_SINCE] == 0:  # a new best
                assert state[S_BACK] == 0
            continue
        if was_back == 0:
            assert state[S_BACK] == 1 and at_best()
            back += 1
        else:
            assert state[S_BACK] == 0
            fresh += 1
    assert back > 0 and fresh > 0
