"""Symmetric TSP by iterated local search (2-opt + or-opt, double-bridge kicks).

Used by ``python -m routes solve-tsp``.  Moves are evaluated for all pairs at once
with numpy (best improvement); the kick is a double bridge on a random window.
"""

from __future__ import annotations

import random
import time

import numpy as np

_INF = float("inf")


def path_opt(D: np.ndarray, c: np.ndarray, max_moves: int = 100000) -> tuple[np.ndarray, float]:
    """Improve a path with fixed endpoints ``c[0]``, ``c[-1]`` by 2-opt and or-opt.

    Returns the new path and the change in length (<= 0).
    """
    c = c.copy()
    total = 0.0
    n = len(c) - 2  # inner nodes
    for _ in range(max_moves):
        if n < 2:
            break
        a, b = c[:-1], c[1:]
        e = D[a, b]
        da, db = D[a], D[b]
        m2 = np.triu(da[:, a] + db[:, b] - e[:, None] - e[None, :], 1)
        idx = int(m2.argmin())
        best = float(m2.flat[idx])
        move: tuple = ("2", *divmod(idx, m2.shape[1]), 0, False)
        for L in (1, 2, 3):
            ns = n - L + 1
            if ns < 1 or L >= n:
                break
            P, F, G, NX = c[0:ns], c[1 : ns + 1], c[L : ns + L], c[L + 1 : ns + L + 1]
            gain = D[P, F] + D[G, NX] - D[P, NX]
            rel = np.arange(n + 1)[None, :] - np.arange(ns)[:, None]
            bad = (rel >= 0) & (rel <= L)
            for rev, mat in (
                (False, da[:, F].T + D[G][:, b] - e[None, :]),
                (True, da[:, G].T + D[F][:, b] - e[None, :]),
            ):
                delta = mat - gain[:, None]
                delta[bad] = _INF
                j = int(delta.argmin())
                if delta.flat[j] < best:
                    best = float(delta.flat[j])
                    move = ("or", *divmod(j, n + 1), L, rev)
        if best >= -1e-9:
            break
        kind, i, j, L, rev = move
        if kind == "2":
            c[i + 1 : j + 1] = c[i + 1 : j + 1][::-1]
        else:
            seg = c[i + 1 : i + 1 + L].copy()
            if rev:
                seg = seg[::-1]
            rest = np.concatenate([c[: i + 1], c[i + 1 + L :]])
            jj = j if j < i else j - L
            c = np.concatenate([rest[: jj + 1], seg, rest[jj + 1 :]])
        total += best
    return c, total


def tour_length(D: np.ndarray, tour: np.ndarray) -> float:
    """Length of the closed tour (0-based city order)."""
    return float(D[tour, np.roll(tour, -1)].sum())


def _nearest_neighbour(D: np.ndarray) -> np.ndarray:
    n = len(D)
    left = np.ones(n, dtype=bool)
    tour = [0]
    left[0] = False
    for _ in range(n - 1):
        row = np.where(left, D[tour[-1]], _INF)
        j = int(row.argmin())
        tour.append(j)
        left[j] = False
    return np.array(tour, dtype=np.int64)


def _optimise(D: np.ndarray, tour: np.ndarray) -> np.ndarray:
    path, _ = path_opt(D, np.append(tour, tour[0]))
    tour = path[:-1]
    # rotate so that a different edge is "fixed" and optimise again
    shift = len(tour) // 2
    tour = np.roll(tour, shift)
    path, _ = path_opt(D, np.append(tour, tour[0]))
    return path[:-1]


def solve_tsp(
    D: np.ndarray, *, time_limit: float = 2.0, seed: int = 0, max_iterations: int | None = None
) -> list[int]:
    """Closed tour (0-based city order starting at city 0) of a symmetric matrix.

    Examples
    --------
    >>> D = np.array([[0, 1, 2, 1], [1, 0, 1, 2], [2, 1, 0, 1], [1, 2, 1, 0]], dtype=float)
    >>> t = solve_tsp(D, time_limit=0.2)
    >>> tour_length(D, np.array(t))
    4.0
    """
    deadline = time.perf_counter() + time_limit
    D = np.asarray(D, dtype=float)
    n = len(D)
    if n <= 3:
        return list(range(n))
    if max_iterations is None:
        max_iterations = max(1, int(1500 * time_limit))
    rng = random.Random(seed)
    cur = _optimise(D, _nearest_neighbour(D))
    cur_len = tour_length(D, cur)
    best, best_len = cur.copy(), cur_len
    for _ in range(max_iterations):
        if time.perf_counter() >= deadline:
            break
        # double bridge on a random window of the tour
        rot = np.roll(cur, -rng.randrange(n))
        w = min(n, rng.randint(8, 50))
        p1, p2, p3 = sorted(rng.sample(range(1, w), 3))
        new = np.concatenate([rot[:p1], rot[p2:p3], rot[p1:p2], rot[p3:]])
        new = _optimise(D, new)
        new_len = tour_length(D, new)
        if new_len <= cur_len + 1e-9:
            cur, cur_len = new, new_len
            if new_len < best_len - 1e-9:
                best, best_len = new.copy(), new_len
    i0 = int(np.flatnonzero(best == 0)[0])
    return np.roll(best, -i0).tolist()
