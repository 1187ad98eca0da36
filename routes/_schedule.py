"""Time propagation for one team's route (used by the solver).

Semantics (see :class:`routes.model.Team`): a team leaves its start depot at the
beginning of its first shift interval; travel consumes working time and pauses
over breaks; waiting is allowed anywhere; a service starts at the earliest time
where it fits entirely inside one visit window *and* one shift interval; the team
must reach its end depot by the end of the last interval.  Earliest departure is
always optimal here (waiting never helps), so one forward pass decides
feasibility.

Every step is monotone (leave later, arrive no earlier), so the suffix of a route
is feasible iff the team reaches each stop no later than a *latest arrival* found
by one backward pass (:func:`retreat`, :func:`latest_start`); with the forward
leave times this decides an insertion in O(1) instead of re-simulating the route.

:mod:`routes.feasibility` re-implements the same rules independently so that
solver output is checked by code that does not share these helpers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Interval = tuple[float, float]

EPS = 1e-9


def start_intervals(
    windows: Sequence[Interval], shifts: Sequence[Interval], service: float
) -> list[Interval]:
    """Intervals of feasible service *start* times, sorted and merged.

    Examples
    --------
    >>> start_intervals([(0, 100)], [(10, 50), (60, 90)], 5)
    [(10, 45), (60, 85)]
    """
    out: list[Interval] = []
    for w0, w1 in windows:
        for s0, s1 in shifts:
            lo = max(w0, s0)
            hi = min(w1, s1) - service
            if lo <= hi + EPS:
                out.append((lo, max(lo, hi)))
    out.sort()
    merged: list[Interval] = []
    for lo, hi in out:
        if merged and lo <= merged[-1][1] + EPS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def advance(shifts: Sequence[Interval], t: float, dur: float) -> float:
    """Time at which ``dur`` units of travel started at ``t`` are done.

    Travel runs only inside shift intervals and pauses over breaks; returns
    ``inf`` when the shifts end first.

    Examples
    --------
    >>> advance([(0, 10), (20, 30)], 8, 5)
    23
    """
    if dur <= 0:
        return t
    for a, b in shifts:
        if t >= b:
            continue
        if t < a:
            t = a
        if t + dur <= b + EPS:
            return t + dur
        dur -= b - t
        t = b
    return math.inf


def earliest_start(intervals: Sequence[Interval], t: float) -> float:
    """Earliest feasible service start ``>= t`` (``inf`` if none)."""
    for lo, hi in intervals:
        if t <= hi + EPS:
            return t if t > lo else lo
    return math.inf


def retreat(shifts: Sequence[Interval], t: float, dur: float) -> float:
    """Latest departure from which ``dur`` units of travel are done by ``t``.

    The inverse of :func:`advance`: the largest ``x`` with ``advance(shifts, x, dur) <= t``
    (``-inf`` when even the first shift's start is too late).

    Examples
    --------
    >>> retreat([(0, 10), (20, 30)], 23, 5)
    8
    >>> retreat([(0, 10), (20, 30)], 4, 5)
    -inf
    """
    if dur <= 0:
        return t
    for a, b in reversed(shifts):
        if t <= a:
            continue
        if t > b:
            t = b
        if t - dur >= a - EPS:
            return t - dur
        dur -= t - a
        t = a
    return -math.inf


def latest_start(intervals: Sequence[Interval], t: float) -> float:
    """Latest feasible service start ``<= t`` (``-inf`` if none).

    Examples
    --------
    >>> latest_start([(10, 45), (60, 85)], 50), latest_start([(10, 45)], 5)
    (45, -inf)
    """
    for lo, hi in reversed(intervals):
        if t >= lo - EPS:
            return t if t < hi else hi
    return -math.inf


def advance_many(shifts: Sequence[Interval], t: np.ndarray, dur: np.ndarray) -> np.ndarray:
    """:func:`advance` element-wise on arrays (broadcast ``t`` against ``dur``).

    Examples
    --------
    >>> advance_many([(0, 10), (20, 30)], np.array([8.0, 8.0, 0.0]), np.array([5.0, 1.0, 40.0]))
    array([23.,  9., inf])
    """
    t, dur = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(dur, dtype=float))
    out = np.where(dur <= 0, t, math.inf)
    todo = dur > 0
    cur = t.copy()
    rest = dur.copy()
    for a, b in shifts:
        live = todo & (cur < b)
        cur = np.where(live & (cur < a), a, cur)
        fin = live & (cur + rest <= b + EPS)
        out = np.where(fin, cur + rest, out)
        todo &= ~fin
        part = live & ~fin
        rest = np.where(part, rest - (b - cur), rest)
        cur = np.where(part, b, cur)
    return out


def earliest_start_many(lo: np.ndarray, hi: np.ndarray, t: np.ndarray) -> np.ndarray:
    """:func:`earliest_start` element-wise: ``lo``/``hi`` hold each element's start intervals
    along the last axis (padded with ``(inf, -inf)``), ``t`` the arrival times.

    Examples
    --------
    >>> lo, hi = np.array([[10.0, 60.0]]), np.array([[45.0, 85.0]])
    >>> earliest_start_many(lo, hi, np.array([5.0, 50.0, 90.0])[:, None])
    array([[10.],
           [60.],
           [inf]])
    """
    out = np.full(np.broadcast_shapes(t.shape, lo.shape[:-1]), math.inf)
    todo = np.ones(out.shape, dtype=bool)
    for m in range(lo.shape[-1]):
        hit = todo & (t <= hi[..., m] + EPS)
        out = np.where(hit, np.maximum(t, lo[..., m]), out)
        todo &= ~hit
    return out
