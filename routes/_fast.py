"""Driver of the compiled search for the pure team-orienteering case.

Used by :func:`routes.solver.solve` when every team is interchangeable (same
depots, one shift, same symmetric matrix, same skills) and no visit window can
bind, i.e. a route is feasible iff ``travel + service <= shift length``.  That is
the Team Orienteering Problem (benchmark set 4) and the app's plain day plans.

Nodes are renumbered: ``0`` is the start depot, ``1..n`` the eligible visits and
``n + 1`` the end depot.  Service times are folded into a symmetric cost matrix
``W[i, j] = d(i, j) + (s_i + s_j) / 2`` so that a route's cost is its travel plus
its service time (see :mod:`routes._kernels`).

The search itself (ruin and recreate with simulated annealing, in compiled code on flat
arrays) is in :mod:`routes._kernels`; :class:`FastTop` runs it in chunks of iterations
against the clock.  The kernels come from their ahead-of-time build (:mod:`routes._aot`,
loads in milliseconds without numba) when it matches the sources, else from numba's
just-in-time compiler (about 0.55 s to import and load from its cache in a new process).
Both give the same result for the same inputs, seed and iteration budget.

If neither numba nor the ahead-of-time build is there :data:`AVAILABLE` is False and the
solver uses the pure-Python engine.
"""

from __future__ import annotations

import importlib.util
import math
import time
from types import ModuleType

import numpy as np

from routes import _aot
from routes._kernel_state import S_IT, S_LEN, S_MAXIT, S_MAXWORK, S_T0, S_TIME, S_WORK

__all__ = ["AVAILABLE", "FastTop", "backend", "kernels", "warmup"]

#: numba is installed (checked without importing it: that alone takes ~0.3 s)
NUMBA = importlib.util.find_spec("numba") is not None
#: the compiled search can run here (numba, or the ahead-of-time build of these sources)
AVAILABLE = NUMBA or _aot.module_path().is_file()

#: Seconds :meth:`FastTop.run` keeps back from its time limit (5 % of shorter limits).
#: Measured on set 4 with a 2-s limit: the run returns 1-10 ms after its last chunk.
RESERVE = 0.05

_KERNELS: ModuleType | None = None


def kernels() -> ModuleType:
    """The module whose ``init_state`` / ``run_chunk`` / ``final_pack`` the search calls.

    The ahead-of-time build when one matches the kernel sources, else
    :mod:`routes._kernels` (numba's just-in-time compiler); chosen once per process.

    Examples
    --------
    >>> callable(kernels().run_chunk)
    True
    """
    global _KERNELS
    if _KERNELS is None:
        mod = _aot.load()
        if mod is None:
            from routes import _kernels as mod
        _KERNELS = mod
    return _KERNELS


def backend() -> str:
    """``"aot"`` (ahead-of-time build) or ``"jit"`` (numba): where :func:`kernels` comes from.

    Examples
    --------
    >>> backend() in ("aot", "jit")
    True
    """
    return "jit" if kernels().__name__ == "routes._kernels" else "aot"


class FastTop:
    """Compiled TOP search on the renumbered node set (see module docstring).

    Parameters
    ----------
    W : ndarray, shape (n + 2, n + 2)
        Symmetric cost matrix (travel plus half the service at each end).
    P : ndarray, shape (n + 2,)
        Prize of every node (0 for the depots).
    cap : float
        Route cost limit.
    n_teams : int
        Number of routes.
    kernels : module, optional
        Where ``init_state``, ``run_chunk`` and ``final_pack`` come from; default
        :func:`kernels` (the ahead-of-time build when it is current, else numba's).
    """

    p_seed = 0.5
    qcap = 40  # most visits one ruin removes (25 before: too weak on the 4-team 100-node instances)
    # iterations without a new best before the walk goes back to the best solution (and,
    # if it stalls again, restarts from a new construction). Fixed budget of 10 000
    # iterations, seeds 0-7, the 56 set-4 instances with a reachable visit: Chao reached in
    # 436/448 runs against 415/448 with the former rule (a new construction after 4 000
    # iterations); leaving out p4.4.n (never above 976), 4 misses instead of 25. On seeds
    # 0-3: 219/224 (500), 215/224 (1 000); on seeds 4-7: 217/224 (500), 213/224 (250).
    # Always going back to the best (1 000) won on p4.4.s, p4.3.n and p4.2.l but lost
    # p4.2.g and p4.4.t: 212/224 on seeds 0-3.
    restart = 500
    temp = 1.0
    inter = 1
    back_to_best = True
    pack_every = 100
    # routes of the pool the recombination may draw on (best first). 1500 looked better in
    # 1.63-s runs, but at a fixed budget (7 500 iterations, 40 seeds, four hard instances)
    # 400 and 1500 reach Chao in the same runs (81/160): that was timing noise.
    pack_limit = 400
    pool_size = 1500
    p_routed = 0.3  # share of forced seeds that move a served visit to another route
    # share of ruins whose removed visits sit out the first repair pass and the local
    # search after it (halved with two teams). Fixed budget of 12 000 iterations, 40 seeds,
    # six hard set-4 instances: Chao reached in 181/240 runs vs 98/240 without holding back
    # (points short of Chao, summed: 116 vs 418) and 137/240 holding back without that local
    # search; p4.4.s 19/40, p4.4.m 32/40, p4.2.l 24/40 (2, 6 and 17 of 40 without).
    p_hold = 0.6
    # share of iterations that start with a segment-exchange ruin (``_cross``; two teams or
    # more). Fixed budget of 7 500 iterations, seeds 0-79, p4.4.s / p4.4.m / p4.2.l / p4.3.r:
    # Chao in 197/320 runs vs 167/320 without (points short, summed: 234 vs 366); 0.1, 0.4
    # and 0.6 gave 88, 96 and 91 of 160 on seeds 0-39 (0.25: 100, none: 81).
    p_cross = 0.25

    def __init__(
        self, W: np.ndarray, P: np.ndarray, cap: float, n_teams: int, kernels: ModuleType | None = None
    ) -> None:
        self.kernels = kernels if kernels is not None else globals()["kernels"]()
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.P = np.ascontiguousarray(P, dtype=np.float64)
        self.cap = float(cap)
        self.K = int(n_teams)
        self.near = np.argsort(self.W, axis=1, kind="stable").astype(np.int64)

    def run(
        self,
        time_limit: float,
        max_iterations: int,
        seed: int = 0,
        max_work: float = math.inf,
        clock: bool = True,
    ) -> tuple[list[list[int]], int]:
        """Search; returns the best routes (lists of nodes ``1..n``) and the iterations done.

        Stops after ``max_iterations``, after ``max_work`` reference seconds of modelled
        work (:mod:`routes._kernel_state`) or near ``time_limit``, whichever comes first.  With
        ``clock=False`` the cooling follows the budgets only, so the result depends only on
        the inputs and ``seed`` whenever a budget, not the clock, ends the search; with
        ``clock=True`` it also follows the time used (best use of a fixed time).
        """
        # the search stops 5 % (at most 0.05 s) before the limit: room for the last chunk
        # (chunks shrink to 1/20 of the time left), the final recombination (about 1 ms
        # on 100 nodes) and building the solution
        tl = max(0.0, time_limit)
        t_begin = time.perf_counter()
        deadline = t_begin + tl - min(RESERVE, 0.05 * tl)
        K, N = self.K, self.W.shape[0]
        R = np.zeros((K, N + 1), dtype=np.int64)
        L = np.zeros(K, dtype=np.int64)
        C = np.zeros(K)
        rt = np.zeros(N, dtype=np.int64)
        Rb, Lb, Cb, rtb = R.copy(), L.copy(), C.copy(), rt.copy()
        kern = self.kernels
        kern.init_state(self.W, self.P, self.cap, self.near, seed, R, L, C, rt, Rb, Lb, Cb, rtb)
        pos = self.P[1:-1][self.P[1:-1] > 0]
        t0 = self.temp * float(pos.mean()) if pos.size else 1.0
        state = np.zeros(S_LEN)
        state[S_T0], state[S_MAXIT], state[S_MAXWORK] = t0, float(max(1, max_iterations)), max_work
        self.state = state  # kept after the run: iterations, work and the work-model terms
        params = np.array(
            [
                self.p_seed,
                self.qcap,
                self.restart,
                float(self.inter),  # 0: none, 1: relocate/swap + 2-opt*, 2: 2-opt* only
                float(self.back_to_best),
                self.pack_every if K > 1 else 0,
                self.pack_limit,
                self.p_routed,
                self.p_hold if K > 2 else 0.5 * self.p_hold,
                self.p_cross,
            ],
            dtype=np.float64,
        )
        M = self.pool_size
        pool = (
            np.zeros((M, N + 1), dtype=np.int64),
            np.zeros(M, dtype=np.int64),
            np.zeros(M),
            np.zeros(M),
            np.zeros((M, (N + 63) // 64), dtype=np.uint64),
            np.zeros(1),
        )
        done = 0
        chunk = 8
        span = deadline - time.perf_counter()
        t_begin = time.perf_counter()
        while done < max_iterations and N > 2 and state[S_WORK] < max_work:
            now = time.perf_counter()
            if now >= deadline:
                break
            n = min(chunk, max_iterations - done)
            if clock:
                state[S_TIME] = min(1.0, (now - t_begin) / span) if span > 0 else 1.0
            kern.run_chunk(
                self.W, self.P, self.cap, self.near, params, state, n, R, L, C, rt, Rb, Lb, Cb, rtb, *pool
            )
            done = int(state[S_IT])
            took = time.perf_counter() - now
            left = deadline - time.perf_counter()
            # keep chunks short (about 1/20 of the time left, at most 20 ms)
            per = took / n if n else 1e-3
            target = min(0.02, 0.05 * max(left, 0.0))
            chunk = max(1, min(4 * chunk, int(target / max(per, 1e-7))))
        if params[5] > 0 and done > 0:
            kern.final_pack(self.W, self.P, self.cap, Rb, Lb, Cb, rtb, *pool, self.pack_limit)
        routes = [[int(x) for x in Rb[k, 1 : Lb[k] - 1]] for k in range(K)]
        return routes, done


def warmup(kernels: ModuleType | None = None) -> float:
    """Make the kernels ready (load the ahead-of-time build, or compile / load numba's
    cache: about 20 s on a cold cache) and run them once; returns the seconds taken.

    Examples
    --------
    >>> warmup() >= 0.0
    True
    """
    t = time.perf_counter()
    if not AVAILABLE:
        return 0.0
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10, (8, 2))
    W = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    P = np.ones(8)
    P[0] = P[-1] = 0.0
    FastTop(W, P, 25.0, 2, kernels).run(600.0, 20, seed=0)  # generous limit: compiling is slow
    return time.perf_counter() - t
