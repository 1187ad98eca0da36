"""Forward time propagation for one team's route (used by the solver).

Semantics (see :class:`routes.model.Team`): a team leaves its start depot at the
beginning of its first shift interval; travel consumes working time and pauses
over breaks; waiting is allowed anywhere; a service starts at the earliest time
where it fits entirely inside one visit window *and* one shift interval; the team
must reach its end depot by the end of the last interval.  Earliest departure is
always optimal here (waiting never helps), so one forward pass decides
feasibility.

:mod:`routes.feasibility` re-implements the same rules independently so that
solver output is checked by code that does not share these helpers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
