"""Large-neighbourhood search engine behind :func:`routes.solver.solve`.

The search keeps, for every team, a sequence of visit indices.  One iteration is
*ruin and recreate*:

* ruin: remove visits at random, a segment of each route, spatially related
  visits, low prize-per-detour visits, or a whole route (whose old visits are then
  tabu for the first re-insertion, so the route moves elsewhere); or force an
  unserved visit (drawn by prize) into a route, dropping its weakest visits;
* recreate: greedy insertion by ``prize**alpha / added_time`` (random alpha and
  noise), computed with numpy for all candidates and positions of a route at once;
* local search: 2-opt and or-opt (segments of 1-3, both orientations) on touched
  routes, insertion into freed time, and *replace* moves (swap a served visit for
  an unserved one of higher prize, or equal prize and shorter route), until none
  applies.

Acceptance is lexicographic on (must-visits served, prize, -travel) with a
simulated-annealing tolerance on prize (linear cooling); after ``restart``
iterations without a new best the walk restarts from a fresh seeded
construction.  When all teams are interchangeable (same depots, shifts, matrix
and skills, e.g. the TOP benchmark) every route seen is kept in a pool and the
best set of disjoint pooled routes is searched by branch and bound every
``pack_every`` iterations and at the end (recombination across restarts).

Must-visits carry a prize bonus larger than all optional prizes together, so
they are inserted first and never traded for optional prize.  Feasibility of an
insertion is O(1) for "simple" teams (one shift, windows never binding: route
time ``travel + service <= shift length``) and forward time propagation
otherwise (a capacity test filters first).
"""

from __future__ import annotations

import math
import random
import time

import numpy as np

from routes._schedule import (
    EPS,
    advance,
    advance_many,
    earliest_start,
    earliest_start_many,
    latest_start,
    retreat,
    start_intervals,
)
from routes.model import Problem

_INF = math.inf


class Sol:
    """Mutable search state: one visit sequence per team plus cached totals."""

    __slots__ = ("must", "prize", "seqs", "svcs", "trav", "unrouted")

    def __init__(self, seqs, trav, svcs, unrouted, prize, must):
        self.seqs: list[list[int]] = seqs
        self.trav: list[float] = trav
        self.svcs: list[float] = svcs
        self.unrouted: np.ndarray = unrouted
        self.prize: float = prize  # effective prize (with must bonus)
        self.must: int = must

    def copy(self) -> Sol:
        return Sol(
            [list(s) for s in self.seqs],
            list(self.trav),
            list(self.svcs),
            self.unrouted.copy(),
            self.prize,
            self.must,
        )

    @property
    def travel(self) -> float:
        return float(sum(self.trav))

    def key(self) -> tuple[int, float, float]:
        return (self.must, round(self.prize, 9), -round(self.travel, 9))


class Engine:
    """Precomputed problem data and search operators (internal)."""

    qfrac = 0.5
    qcap = 15
    p_seed = 0.5
    pack_every = 50
    fresh = True
    p_relocate = 1.0
    n_starts = 0
    use_replace = True
    max_replace = 10**9
    _relocate = False
    temp = 1.0
    restart = 150
    tabu = False
    alphas = (0.5, 1.0, 1.0, 1.5, 2.0)
    noises = (0.0, 0.1, 0.3)
    # Deterministic work units ("reference seconds"): what the search's hot spots cost on
    # the reference machine (2-core x86, 2026), fitted on the product workload and TOP
    # variants (benchmarks/routes_workload.py); predicted / measured time 0.7-1.4.
    work_call = 126e-6  # one insertion-table refresh of a route (numpy call overhead)
    work_cell = 0.21e-6  # one (visit, position) schedule test
    work_move = 0.63e-6  # per (route length)^2 of 2-opt / or-opt with schedule checks

    def __init__(self, problem: Problem, seed: int = 0) -> None:
        self.work = 0.0
        self._masks: dict[int, dict[int, np.ndarray]] = {}
        self.problem = problem
        self.rng = random.Random(seed)
        self.nprng = np.random.default_rng(seed)
        visits, teams = problem.visits, problem.teams
        self.V = V = len(visits)
        self.K = K = len(teams)
        mats = {k: np.ascontiguousarray(np.asarray(m, dtype=float)) for k, m in problem.travel.items()}
        lists = {k: m.tolist() for k, m in mats.items()}
        self.symmetric = {k: bool(np.allclose(m, m.T)) for k, m in mats.items()}
        self.D = [mats[t.matrix] for t in teams]
        self.Dl = [lists[t.matrix] for t in teams]
        self.sym = [self.symmetric[t.matrix] for t in teams]
        self.loc = np.array([v.loc for v in visits], dtype=np.int64)
        self.locl = [v.loc for v in visits]
        self.svc = np.array([v.service for v in visits], dtype=float)
        self.svcl = [v.service for v in visits]
        raw = np.array([v.prize for v in visits], dtype=float)
        self.raw_prize = raw
        self.is_must = np.array([v.must for v in visits], dtype=bool)
        self.big = float(raw.sum()) + 1.0
        self.pz = raw + self.big * self.is_must
        self.pzl = self.pz.tolist()
        self.start = [t.start for t in teams]
        self.end = [t.end for t in teams]
        self.shifts = [tuple(t.shifts) for t in teams]
        self.t0 = [t.shifts[0][0] for t in teams]
        self.tend = [t.shifts[-1][1] for t in teams]
        self.cap = [sum(b - a for a, b in t.shifts) for t in teams]
        # per team: skill ok, start intervals, alone-feasible
        self.skill_ok = np.zeros((K, V), dtype=bool)
        self.sint: list[list[list[tuple[float, float]] | None]] = []
        self.alone = np.zeros((K, V), dtype=bool)
        self.simple = [True] * K
        for k, t in enumerate(teams):
            row: list[list[tuple[float, float]] | None] = []
            a0, b0 = t.shifts[0]
            for i, v in enumerate(visits):
                ok = v.skills <= t.skills
                self.skill_ok[k, i] = ok
                si = start_intervals(v.windows, t.shifts, v.service) if ok else None
                row.append(si)
            self.sint.append(row)
            for i in range(V):
                si = row[i]
                if not si:
                    continue
                self.alone[k, i] = self.feasible(k, [i], *self._totals(k, [i]))
                if self.alone[k, i] and not (
                    len(t.shifts) == 1
                    and len(si) == 1
                    and si[0][0] <= a0 + EPS
                    and si[0][1] >= b0 - visits[i].service - EPS
                ):
                    self.simple[k] = False
        self.elig = self.alone & (self.pz > 0)[None, :]
        # start intervals as padded arrays (lo, hi along the last axis) for batch tests
        M = max((len(si) for row in self.sint for si in row if si), default=1)
        self.si_lo = np.full((K, V, M), _INF)
        self.si_hi = np.full((K, V, M), -_INF)
        for k, row in enumerate(self.sint):
            for i, si in enumerate(row):
                for m, (lo, hi) in enumerate(si or ()):
                    self.si_lo[k, i, m] = lo
                    self.si_hi[k, i, m] = hi
        first = teams[0] if teams else None
        self.homogeneous = all(
            (t.start, t.end, t.shifts, t.matrix, t.skills)
            == (first.start, first.end, first.shifts, first.matrix, first.skills)
            for t in teams
        )
        self.any_elig = self.elig.any(axis=0)
        # neighbour order for related removal (first team's matrix)
        if V:
            dm = self.D[0][np.ix_(self.loc, self.loc)]
            self.near = np.argsort(dm + dm.T, axis=1)
        else:
            self.near = np.zeros((0, 0), dtype=np.int64)

    # ------------------------------------------------------------------ basics
    def _totals(self, k: int, seq: list[int]) -> tuple[float, float]:
        d = self.Dl[k]
        prev = self.start[k]
        tr = 0.0
        sv = 0.0
        for v in seq:
            loc = self.locl[v]
            tr += d[prev][loc]
            sv += self.svcl[v]
            prev = loc
        tr += d[prev][self.end[k]]
        return tr, sv

    def simulate(self, k: int, seq: list[int]) -> float:
        """End time of route ``seq`` for team ``k`` (``inf`` when infeasible)."""
        d = self.Dl[k]
        shifts = self.shifts[k]
        sint = self.sint[k]
        t = self.t0[k]
        prev = self.start[k]
        for v in seq:
            loc = self.locl[v]
            t = advance(shifts, t, d[prev][loc])
            if t == _INF:
                return _INF
            t = earliest_start(sint[v], t)
            if t == _INF:
                return _INF
            t += self.svcl[v]
            prev = loc
        t = advance(shifts, t, d[prev][self.end[k]])
        if t > self.tend[k] + EPS:
            return _INF
        return t

    def bounds(self, k: int, seq: list[int]) -> tuple[list[float], list[float]]:
        """Forward leave and backward latest-arrival times of a feasible route.

        ``leave[i]`` is when the team leaves node ``i`` (0 = start depot, ``i`` = ``seq[i-1]``)
        on the earliest schedule; ``late[i]`` (``i = 1 .. n + 1``, ``n + 1`` = end depot) is
        the latest arrival at node ``i`` from which the rest of the route is still feasible
        (``late[0]`` is unused).  A visit fits between nodes ``i`` and ``i + 1`` iff the
        team, leaving node ``i`` at ``leave[i]``, reaches node ``i + 1`` by ``late[i + 1]``.
        """
        d = self.Dl[k]
        shifts = self.shifts[k]
        sint = self.sint[k]
        n = len(seq)
        nodes = [self.start[k], *[self.locl[v] for v in seq], self.end[k]]
        leave = [0.0] * (n + 1)
        t = leave[0] = self.t0[k]
        for i, v in enumerate(seq, start=1):
            t = earliest_start(sint[v], advance(shifts, t, d[nodes[i - 1]][nodes[i]])) + self.svcl[v]
            leave[i] = t
        late = [0.0] * (n + 2)
        t = late[n + 1] = self.tend[k] + EPS
        for i in range(n, 0, -1):
            v = seq[i - 1]
            t = latest_start(sint[v], retreat(shifts, t, d[nodes[i]][nodes[i + 1]]) - self.svcl[v])
            late[i] = t
        return leave, late

    def feasible(self, k: int, seq: list[int], tr: float, sv: float) -> bool:
        if tr + sv > self.cap[k] + EPS:
            return False
        if self.simple[k]:
            return True
        return self.simulate(k, seq) < _INF

    def empty(self) -> Sol:
        K = self.K
        trav = [float(self.Dl[k][self.start[k]][self.end[k]]) for k in range(K)]
        return Sol([[] for _ in range(K)], trav, [0.0] * K, self.any_elig.copy(), 0.0, 0)

    def from_seqs(self, seqs: list[list[int]]) -> Sol:
        """A solution holding the given visit sequences (one per team), totals computed."""
        sol = self.empty()
        for k, seq in enumerate(seqs):
            sol.seqs[k] = list(seq)
            sol.trav[k], sol.svcs[k] = self._totals(k, sol.seqs[k])
            for v in seq:
                sol.unrouted[v] = False
                sol.prize += self.pzl[v]
                sol.must += int(self.is_must[v])
        return sol

    def _locs(self, k: int, seq: list[int]) -> np.ndarray:
        arr = np.empty(len(seq) + 2, dtype=np.int64)
        arr[0] = self.start[k]
        arr[-1] = self.end[k]
        if seq:
            arr[1:-1] = self.loc[seq]
        return arr

    # ------------------------------------------------------------------ insertion
    def _fill(self, k: int, sol: Sol, bd: np.ndarray, bp: np.ndarray) -> None:
        bd[:] = _INF
        cand = np.flatnonzero(sol.unrouted & self.elig[k])
        if cand.size == 0:
            return
        seq = sol.seqs[k]
        self.work += self.work_call
        locs = self._locs(k, seq)
        a, b = locs[:-1], locs[1:]
        D = self.D[k]
        c = self.loc[cand]
        if self.sym[k]:
            Dc = D[c]
            cost = Dc[:, a] + Dc[:, b] - D[a, b][None, :]
        else:
            cost = D[a][:, c].T + D[c][:, b] - D[a, b][None, :]
        slack = self.cap[k] - sol.trav[k] - sol.svcs[k] + EPS
        need = self.svc[cand]
        if self.simple[k]:
            pos = cost.argmin(axis=1)
            dmin = cost[np.arange(cand.size), pos]
            ok = dmin + need <= slack
            bd[cand[ok]] = dmin[ok]
            bp[cand[ok]] = pos[ok]
            return
        rows = np.flatnonzero((cost.min(axis=1) + need) <= slack)
        if rows.size == 0:
            return
        # every (visit, position) at once from the route's leave / latest-arrival times
        self.work += self.work_cell * rows.size * (len(seq) + 1)
        leave, late = self.bounds(k, seq)
        cu = cand[rows]
        lu = self.loc[cu]
        sub = cost[rows]
        if self.sym[k]:
            there = D[lu][:, a]
            back = D[lu][:, b]
        else:
            there = D[a][:, lu].T
            back = D[lu][:, b]
        shifts = self.shifts[k]
        t = advance_many(shifts, np.asarray(leave)[None, :], there)
        t = earliest_start_many(self.si_lo[k][cu][:, None, :], self.si_hi[k][cu][:, None, :], t)
        t = advance_many(shifts, t + self.svc[cu][:, None], back)
        ok = (t <= np.asarray(late[1:])[None, :]) & (sub <= (slack - need[rows])[:, None])
        sub = np.where(ok, sub, _INF)
        pos = sub.argmin(axis=1)
        dmin = sub[np.arange(rows.size), pos]
        fit = dmin < _INF
        bd[cu[fit]] = dmin[fit]
        bp[cu[fit]] = pos[fit]

    def repair(self, sol: Sol, alpha: float = 1.0, noise: float = 0.0) -> set[int]:
        """Greedy insertion of unserved visits; returns the teams whose route changed."""
        K, V = self.K, self.V
        if V == 0 or not sol.unrouted.any():
            return set()
        w = self.pz**alpha
        if noise > 0:
            w = w * (1.0 + noise * self.nprng.uniform(-1.0, 1.0, V))
        bd = np.full((K, V), _INF)
        bp = np.zeros((K, V), dtype=np.int64)
        for k in range(K):
            self._fill(k, sol, bd[k], bp[k])
        inserted: set[int] = set()
        has_must = bool(self.is_must.any())
        svc_eps = self.svc + 1e-6
        while True:
            score = w[None, :] / (np.maximum(bd, 0.0) + svc_eps[None, :])
            if has_must and np.isfinite(bd[:, self.is_must]).any():
                score[:, ~self.is_must] = 0.0  # must-visits first, whatever their ratio
            idx = int(score.argmax())
            if not score.flat[idx] > 0:
                break
            k, u = divmod(idx, V)
            p = int(bp[k, u])
            sol.seqs[k].insert(p, u)
            sol.trav[k] += float(bd[k, u])
            sol.svcs[k] += self.svcl[u]
            sol.prize += self.pzl[u]
            sol.must += int(self.is_must[u])
            sol.unrouted[u] = False
            inserted.add(k)
            bd[:, u] = _INF
            if not sol.unrouted.any():
                break
            self._fill(k, sol, bd[k], bp[k])
        return inserted

    # ------------------------------------------------------------------ removal
    def remove(self, sol: Sol, victims: set[int]) -> set[int]:
        touched: set[int] = set()
        if not victims:
            return touched
        for k in range(self.K):
            seq = sol.seqs[k]
            if any(v in victims for v in seq):
                new = [v for v in seq if v not in victims]
                if not self.simple[k] and self.simulate(k, new) == _INF:
                    continue  # removing can break waiting-dependent schedules only in odd cases
                for v in seq:
                    if v in victims:
                        sol.prize -= self.pzl[v]
                        sol.must -= int(self.is_must[v])
                        sol.unrouted[v] = True
                sol.seqs[k] = new
                sol.trav[k], sol.svcs[k] = self._totals(k, new)
                touched.add(k)
        return touched

    def seed_insert(self, sol: Sol) -> set[int]:
        """Force an unserved visit (drawn by prize) into a route, dropping the
        visits with the lowest prize per detour until the route is feasible."""
        rng = self.rng
        cand = np.flatnonzero(sol.unrouted & ~self.is_must)
        if cand.size == 0:
            return set()
        w = self.pz[cand]
        u = int(cand[min(int(np.searchsorted(np.cumsum(w), rng.random() * w.sum())), cand.size - 1)])
        teams = [k for k in range(self.K) if self.elig[k, u]]
        if not teams:
            return set()
        k = rng.choice(teams)
        seq = sol.seqs[k]
        c = self._locs(k, seq)
        D = self.D[k]
        cost = D[c[:-1], self.loc[u]] + D[self.loc[u], c[1:]] - D[c[:-1], c[1:]]
        p = int(cost.argmin())
        new = [*seq[:p], u, *seq[p:]]
        removed: list[int] = []
        d = self.Dl[k]
        while True:
            tr, sv = self._totals(k, new)
            if self.feasible(k, new, tr, sv):
                break
            full = [self.start[k], *[self.locl[v] for v in new], self.end[k]]
            worst, wi = _INF, -1
            for i, v in enumerate(new):
                if v == u or self.is_must[v]:
                    continue
                a, cc, b = full[i], full[i + 1], full[i + 2]
                r = self.pzl[v] / (d[a][cc] + d[cc][b] - d[a][b] + self.svcl[v] + 1e-6)
                if r < worst:
                    worst, wi = r, i
            if wi < 0:
                return set()
            removed.append(new.pop(wi))
        for v in removed:
            sol.prize -= self.pzl[v]
            sol.unrouted[v] = True
        sol.prize += self.pzl[u]
        sol.must += int(self.is_must[u])
        sol.unrouted[u] = False
        sol.seqs[k] = new
        sol.trav[k], sol.svcs[k] = tr, sv
        return {k}

    def ruin(self, sol: Sol) -> set[int]:
        rng = self.rng
        self._relocate = False
        if rng.random() < self.p_seed:
            touched = self.seed_insert(sol)
            if touched:
                return touched
        routed = [v for s in sol.seqs for v in s]
        if not routed:
            return set()
        n = len(routed)
        qmax = max(2, min(int(self.qfrac * n), self.qcap))
        q = rng.randint(1, qmax)
        op = rng.random()
        victims: set[int] = set()
        if op < 0.25:
            victims = set(rng.sample(routed, min(q, n)))
        elif op < 0.5:
            for seq in sol.seqs:
                if seq and rng.random() < 0.7:
                    L = rng.randint(1, max(1, math.ceil(0.4 * len(seq))))
                    i = rng.randrange(0, len(seq) - L + 1)
                    victims.update(seq[i : i + L])
        elif op < 0.8:
            seed = rng.choice(routed)
            inr = set(routed)
            for v in self.near[seed].tolist():
                if v in inr:
                    victims.add(v)
                    if len(victims) >= q:
                        break
        elif op < 0.9 and self.K > 1:
            k = rng.choice([k for k in range(self.K) if sol.seqs[k]])
            victims = set(sol.seqs[k])
            self._relocate = rng.random() < self.p_relocate
        else:
            # low prize per detour, with noise
            scored = []
            for k, seq in enumerate(sol.seqs):
                d = self.Dl[k]
                full = [self.start[k], *[self.locl[v] for v in seq], self.end[k]]
                for i, v in enumerate(seq):
                    a, c, b = full[i], full[i + 1], full[i + 2]
                    save = d[a][c] + d[c][b] - d[a][b] + self.svcl[v]
                    scored.append((self.pzl[v] / (save + 1e-6) * (0.5 + rng.random()), v))
            scored.sort()
            victims = {v for _, v in scored[:q]}
        return self.remove(sol, victims)

    # ------------------------------------------------------------------ local search
    def _commit(self, sol: Sol, k: int, new: list[int]) -> bool:
        tr, sv = self._totals(k, new)
        if tr < sol.trav[k] - 1e-9 and self.feasible(k, new, tr, sv):
            sol.seqs[k] = new
            sol.trav[k] = tr
            return True
        return False

    def two_opt(self, sol: Sol, k: int) -> None:
        seq = sol.seqs[k]
        if len(seq) < 2:
            return
        D = self.D[k]
        exact = self.simple[k] and self.sym[k]
        for _ in range(10 * len(seq) + 10):
            locs = self._locs(k, sol.seqs[k])
            a, b = locs[:-1], locs[1:]
            e = D[a, b]
            m = D[np.ix_(a, a)] + D[np.ix_(b, b)] - e[:, None] - e[None, :]
            m = np.triu(m, 1)
            if exact:
                idx = int(m.argmin())
                if m.flat[idx] >= -1e-9:
                    return
                i, j = divmod(idx, m.shape[1])
                s = sol.seqs[k]
                s[i:j] = s[i:j][::-1]
                sol.trav[k] += float(m[i, j])
                continue
            cand = np.flatnonzero(m.ravel() < -1e-9)
            if cand.size == 0:
                return
            order = cand[np.argsort(m.ravel()[cand], kind="stable")][:20]
            moved = False
            for idx in order.tolist():
                i, j = divmod(idx, m.shape[1])
                s = sol.seqs[k]
                new = s[:i] + s[i:j][::-1] + s[j:]
                if self._commit(sol, k, new):
                    moved = True
                    break
            if not moved:
                return

    def or_opt(self, sol: Sol, k: int) -> None:
        d = self.Dl[k]
        st, en = self.start[k], self.end[k]
        exact = self.simple[k]
        improved = True
        while improved:
            improved = False
            seq = sol.seqs[k]
            n = len(seq)
            if n < 2:
                return
            full = [st, *[self.locl[v] for v in seq], en]
            for L in (1, 2, 3):
                if L >= n:
                    break
                for i in range(1, n - L + 2):
                    p, f, g, nx = full[i - 1], full[i], full[i + L - 1], full[i + L]
                    gain = d[p][f] + d[g][nx] - d[p][nx]
                    if gain <= 1e-9:
                        continue
                    for j in range(n + 1):
                        # insert between full[j] and full[j+1] (outside the segment)
                        if i - 1 <= j <= i + L - 1:
                            continue
                        x, y = full[j], full[j + 1]
                        add = d[x][f] + d[g][y] - d[x][y]
                        if add < gain - 1e-9:
                            seg = seq[i - 1 : i - 1 + L]
                            rest = seq[: i - 1] + seq[i - 1 + L :]
                            jj = j if j < i - 1 else j - L
                            new = rest[:jj] + seg + rest[jj:]
                            if exact:
                                sol.seqs[k] = new
                                sol.trav[k] += add - gain
                                improved = True
                            elif self._commit(sol, k, new):
                                improved = True
                            if improved:
                                break
                    if improved:
                        break
                if improved:
                    break

    def fast_intra(self, sol: Sol, k: int) -> None:
        """2-opt + or-opt (segments of 1-3, both orientations) by best improvement.

        Exact for simple teams with a symmetric matrix: each move's delta is the
        change in route time and feasibility is ``time <= cap``.
        """
        D = self.D[k]
        masks = self._masks
        for _ in range(20 * len(sol.seqs[k]) + 20):
            seq = sol.seqs[k]
            n = len(seq)
            if n < 2:
                return
            c = self._locs(k, seq)
            S = D[np.ix_(c, c)]  # positions 0..n+1 (depots at both ends)
            e = np.diagonal(S, 1)
            mk = masks.get(n)
            if mk is None:
                mk = masks[n] = _intra_masks(n)
            m2 = S[:-1, :-1] + S[1:, 1:] - e[:, None] - e[None, :] + mk[0]
            idx = int(m2.argmin())
            best = float(m2.flat[idx])
            move = ("2", *divmod(idx, n + 1), 0, False)
            for L in (1, 2, 3):
                ns = n - L + 1
                if ns < 1 or L >= n:
                    break
                gain = e[:ns] + e[L : ns + L] - np.diagonal(S, L + 1)[:ns]
                bad = mk[L]
                for rev in (False, True):
                    if rev:
                        mat = S[:-1, L : ns + L].T + S[1 : ns + 1, 1:]
                    else:
                        mat = S[:-1, 1 : ns + 1].T + S[L : ns + L, 1:]
                    delta = mat - e[None, :] - gain[:, None] + bad
                    j = int(delta.argmin())
                    if delta.flat[j] < best:
                        best = float(delta.flat[j])
                        si, jj = divmod(j, n + 1)
                        move = ("or", si, jj, L, rev)
            if best >= -1e-9:
                return
            kind, i, j, L, rev = move
            if kind == "2":
                seq[i:j] = seq[i:j][::-1]
            else:
                seg = seq[i : i + L]
                if rev:
                    seg = seg[::-1]
                rest = seq[:i] + seq[i + L :]
                jj = j if j < i else j - L
                seq = rest[:jj] + seg + rest[jj:]
                sol.seqs[k] = seq
            sol.trav[k] += best

    def replace(self, sol: Sol) -> int:
        """Best 'replace' move: swap a served visit for an unserved one of higher prize
        (or equal prize and shorter route).  Returns the changed team or -1."""
        best = (0.0, 0.0)
        move = None
        for k in range(self.K):
            seq = sol.seqs[k]
            n = len(seq)
            if n == 0:
                continue
            floor = min(self.pzl[v] for v in seq) - 1e-9
            cand = np.flatnonzero(sol.unrouted & self.elig[k] & (self.pz >= floor))
            if cand.size == 0:
                continue
            D = self.D[k]
            c = self._locs(k, seq)
            a, b = c[:-1], c[1:]
            e = D[a, b]
            C = self.loc[cand]
            if self.sym[k]:
                DC = D[C]
                ins = DC[:, a] + DC[:, b] - e[None, :]  # (U, n+1)
            else:
                DC = None
                ins = D[a][:, C].T + D[C][:, b] - e[None, :]
            U = cand.size
            rows = np.arange(U)[:, None]
            if n + 1 > 3:
                top = np.argpartition(ins, 2, axis=1)[:, :3]
            else:
                top = np.tile(np.arange(n + 1), (U, 1))
            tv = ins[rows, top]
            srt = np.argsort(tv, axis=1)
            top, tv = top[rows, srt], tv[rows, srt]
            idx = np.arange(n)[None, :]
            nonadj = np.full((U, n), _INF)
            edge_of = np.zeros((U, n), dtype=np.int64)
            for r in range(top.shape[1] - 1, -1, -1):  # best valid edge wins
                o = top[:, r : r + 1]
                ok = (o != idx) & (o != idx + 1)
                nonadj = np.where(ok, tv[:, r : r + 1], nonadj)
                edge_of = np.where(ok, o, edge_of)
            p0, w, p2 = c[:-2], c[1:-1], c[2:]
            if DC is not None:
                bridge = DC[:, p0] + DC[:, p2] - D[p0, p2][None, :]
            else:
                bridge = D[p0][:, C].T + D[C][:, p2] - D[p0, p2][None, :]
            save = D[p0, w] + D[w, p2] - D[p0, p2]
            use_bridge = bridge <= nonadj
            best_ins = np.where(use_bridge, bridge, nonadj)
            newlen = sol.trav[k] - save[None, :] + best_ins
            sv = self.svc[seq]
            newsvc = sol.svcs[k] - sv[None, :] + self.svc[cand][:, None]
            ok = newlen + newsvc <= self.cap[k] + EPS
            gain = self.pz[cand][:, None] - self.pz[seq][None, :]
            mustloss = self.is_must[seq][None, :] & ~self.is_must[cand][:, None]
            shorter = sol.trav[k] - newlen
            good = ok & ~mustloss & ((gain > 1e-9) | ((np.abs(gain) <= 1e-9) & (shorter > 1e-6)))
            if not good.any():
                continue
            score = np.where(good, gain + 1e-6 * shorter, -_INF)
            j = int(score.argmax())
            ui, wi = divmod(j, n)
            val = (float(gain[ui, wi]), float(shorter[ui, wi]))
            if val > best:
                u = int(cand[ui])
                if use_bridge[ui, wi]:
                    new = [*seq[:wi], u, *seq[wi + 1:]]
                else:
                    eidx = int(edge_of[ui, wi])
                    rest = seq[:wi] + seq[wi + 1 :]
                    pos = eidx if eidx <= wi else eidx - 1
                    new = [*rest[:pos], u, *rest[pos:]]
                if not self.simple[k]:
                    tr, svn = self._totals(k, new)
                    if not self.feasible(k, new, tr, svn):
                        continue
                best = val
                move = (k, new, u, seq[wi])
        if move is None:
            return -1
        k, new, u, w = move
        sol.seqs[k] = new
        sol.trav[k], sol.svcs[k] = self._totals(k, new)
        sol.prize += self.pzl[u] - self.pzl[w]
        sol.must += int(self.is_must[u]) - int(self.is_must[w])
        sol.unrouted[u] = False
        sol.unrouted[w] = True
        return k

    def local_search(self, sol: Sol, touched: set[int], alpha: float = 1.0) -> None:
        """Shorten routes, insert, replace, until nothing improves."""
        self.improve(sol, touched)
        replaces = 0
        for _ in range(10 * self.V + 10):
            changed = self.repair(sol, alpha=alpha)
            if not changed:
                if not self.use_replace or replaces >= self.max_replace:
                    return
                replaces += 1
                k = self.replace(sol)
                if k < 0:
                    return
                changed = {k}
            self.improve(sol, changed)

    def improve(self, sol: Sol, routes: set[int]) -> None:
        for k in routes:
            if self.simple[k] and self.sym[k]:
                self.fast_intra(sol, k)
            else:
                self.work += self.work_move * len(sol.seqs[k]) ** 2
                self.two_opt(sol, k)
                self.or_opt(sol, k)
                self.two_opt(sol, k)

    # ------------------------------------------------------------------ main loop
    def construct(self) -> Sol:
        sol = self.empty()
        self.repair(sol, alpha=1.0)
        self.local_search(sol, set(range(self.K)))
        return sol

    def construct_seeded(self) -> Sol:
        """Greedy construction from one forced seed visit per team.

        Seeds are drawn by prize, each further one preferring visits far from the
        seeds already chosen, so different calls explore different route shapes.
        """
        rng = self.rng
        sol = self.empty()
        seeds: list[int] = []
        for k in range(self.K):
            cand = np.flatnonzero(sol.unrouted & self.elig[k])
            if cand.size == 0:
                continue
            w = self.pz[cand].copy()
            if seeds:
                dist = self.D[k][np.ix_(self.loc[cand], self.loc[seeds])].min(axis=1)
                w = w * (dist + 1e-9)
            u = int(cand[min(int(np.searchsorted(np.cumsum(w), rng.random() * w.sum())), cand.size - 1)])
            seq = [u]
            tr, sv = self._totals(k, seq)
            if not self.feasible(k, seq, tr, sv):
                continue
            seeds.append(u)
            sol.seqs[k] = seq
            sol.trav[k], sol.svcs[k] = tr, sv
            sol.unrouted[u] = False
            sol.prize += self.pzl[u]
            sol.must += int(self.is_must[u])
        self.repair(sol, alpha=rng.choice(self.alphas), noise=0.2)
        self.local_search(sol, set(range(self.K)))
        return sol

    def run(self, time_limit: float, max_iterations: int, max_work: float = _INF) -> tuple[Sol, int]:
        """Search until ``max_iterations``, ``max_work`` work units (see ``work_call``) or
        ``time_limit`` seconds, whichever comes first; returns the best solution and the
        number of iterations run.  The first two are deterministic."""
        final_deadline = time.perf_counter() + max(0.0, time_limit)
        # keep a little time for the final recombination of pooled routes
        deadline = final_deadline - min(0.1, 0.05 * max(0.0, time_limit))
        best = self.construct()
        if self.V == 0 or not self.elig.any():
            return best, 0
        cur = best.copy()
        best_key = best.key()
        positive = self.raw_prize[self.raw_prize > 0]
        t0 = self.temp * float(positive.mean()) if positive.size else 1.0
        since = 0
        it = 0
        rng = self.rng
        pool = RoutePool(self) if self.homogeneous and self.K > 1 and self.pack_every else None
        if pool is not None:
            pool.add(best)
        for _ in range(self.n_starts):
            if time.perf_counter() >= deadline:
                break
            start = self.construct_seeded()
            if pool is not None:
                pool.add(start)
            if start.key() > best_key:
                best, best_key = start, start.key()
        cur = best.copy()
        for it in range(1, max_iterations + 1):
            if self.work >= max_work or time.perf_counter() >= deadline:
                break
            new = cur.copy()
            before = new.unrouted.copy()
            touched = self.ruin(new)
            alpha = rng.choice(self.alphas)
            if self.tabu or self._relocate:
                # the emptied route must first go elsewhere: its old visits are tabu
                removed = new.unrouted & ~before
                new.unrouted &= ~removed
                touched |= self.repair(new, alpha=alpha, noise=rng.choice(self.noises))
                new.unrouted |= removed
            touched |= self.repair(new, alpha=alpha, noise=rng.choice(self.noises))
            self.local_search(new, touched, alpha=alpha)
            nk, ck = new.key(), cur.key()
            temp = t0 * (1.0 - max(it / max_iterations, self.work / max_work))
            accept = nk >= ck
            if not accept and nk[0] == ck[0] and temp > 0:
                delta = (nk[1] - ck[1]) + 1e-3 * (nk[2] - ck[2])
                accept = rng.random() < math.exp(delta / temp)
            if accept:
                cur = new
            if pool is not None:
                pool.add(new)
                if it % self.pack_every == 0:
                    packed = self._pack(pool, best_key, deadline)
                    if packed is not None:
                        new, nk = packed, packed.key()
                        cur = new
            if nk > best_key:
                best, best_key = new.copy(), nk
                since = 0
            else:
                since += 1
                if since > self.restart:
                    if self.fresh:
                        cur = self.construct_seeded()
                    else:
                        cur = best.copy()
                    since = 0
        if pool is not None and it >= 1:
            packed = self._pack(pool, best_key, final_deadline)
            if packed is not None and packed.key() > best_key:
                best = packed
        return best, it

    def _pack(self, pool: RoutePool, best_key, deadline: float) -> Sol | None:
        """Best disjoint combination of pooled routes, completed by local search."""
        seqs = pool.pack(self.K, best_key[1], deadline)
        if seqs is None:
            return None
        sol = self.from_seqs(seqs)
        self.local_search(sol, set(range(self.K)))
        if sol.key() > best_key:
            return sol
        return None


def _intra_masks(n: int) -> dict[int, np.ndarray]:
    """+inf masks for invalid 2-opt pairs (key 0) and or-opt moves (keys 1-3)."""
    out: dict[int, np.ndarray] = {}
    m = np.zeros((n + 1, n + 1))
    m[np.tril_indices(n + 1)] = _INF
    out[0] = m
    for L in (1, 2, 3):
        ns = n - L + 1
        if ns < 1:
            break
        rel = np.arange(n + 1)[None, :] - np.arange(ns)[:, None]
        out[L] = np.where((rel >= 0) & (rel <= L), _INF, 0.0)
    return out


class RoutePool:
    """Distinct feasible routes seen during the search (teams are interchangeable)."""

    def __init__(self, engine: Engine, limit: int = 400) -> None:
        self.engine = engine
        self.routes: dict[int, tuple[float, float, tuple[int, ...]]] = {}
        self.limit = limit

    def add(self, sol: Sol) -> None:
        pz = self.engine.pzl
        for k, seq in enumerate(sol.seqs):
            if not seq:
                continue
            mask = 0
            prize = 0.0
            for v in seq:
                mask |= 1 << v
                prize += pz[v]
            old = self.routes.get(mask)
            if old is None or sol.trav[k] < old[1] - 1e-9:
                self.routes[mask] = (prize, sol.trav[k], tuple(seq))
        if len(self.routes) > 4 * self.limit:
            keep = sorted(self.routes.items(), key=lambda kv: (-kv[1][0], kv[1][1]))[: self.limit]
            self.routes = dict(keep)

    def pack(self, m: int, lower: float, deadline: float) -> list[tuple[int, ...]] | None:
        """Up to ``m`` disjoint routes with total prize > ``lower`` (best found), or None."""
        items = sorted(self.routes.items(), key=lambda kv: (-kv[1][0], kv[1][1]))[: self.limit]
        masks = [mk for mk, _ in items]
        prizes = [val[0] for _, val in items]
        n = len(items)
        best = [lower + 1e-9, None]
        budget = [20000]

        def dfs(start: int, depth: int, used: int, prize: float, chosen: list[int]) -> None:
            if prize > best[0]:
                best[0], best[1] = prize, list(chosen)
            if depth == m:
                return
            left = m - depth
            for i in range(start, n):
                if prize + prizes[i] * left <= best[0]:
                    return
                budget[0] -= 1
                if budget[0] <= 0:
                    return
                if budget[0] % 1000 == 0 and time.perf_counter() > deadline:
                    budget[0] = 0
                    return
                if masks[i] & used:
                    continue
                chosen.append(i)
                dfs(i + 1, depth + 1, used | masks[i], prize + prizes[i], chosen)
                chosen.pop()

        dfs(0, 0, 0, 0.0, [])
        if best[1] is None:
            return None
        seqs = [items[i][1][2] for i in best[1]]
        return seqs + [()] * (m - len(seqs))
