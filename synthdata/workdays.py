"""Working days of the sample's inspectors (the project's holiday calendar).

Inspections, 复查 and 节前 checks happen on working days: not on weekends, not on public
holidays, but on 调休 make-up working days (Saturdays or Sundays worked instead of a holiday).
The rule is :func:`risk.calendar.is_off_day` (``risk/config/holidays.json``).

A visit's day is drawn from its own distribution (a due date with noise, a campaign window, a
复查 delay) and :func:`draw_working_day` draws again until the day is a working day, i.e. the
day comes from that distribution restricted to working days. Moving every off-day draw to the
next working day instead (``WorkDays.on_or_after``) put a weekend's and a holiday's visits on
top of the following Monday's (Mondays carried 2.3x the other weekdays; an office plans a
Saturday's visit on some working day of that week, not all on Monday).

Examples
--------
>>> import datetime as dt
>>> wd = WorkDays(dt.date(2025, 1, 1).toordinal(), dt.date(2025, 12, 31).toordinal())
>>> dt.date.fromordinal(wd.on_or_after(dt.date(2025, 1, 28).toordinal()))  # 春节 → 02-05
datetime.date(2025, 2, 5)
>>> dt.date.fromordinal(wd.on_or_after(dt.date(2025, 1, 26).toordinal()))  # 调休 Sunday
datetime.date(2025, 1, 26)
>>> dt.date.fromordinal(wd.on_or_before(dt.date(2025, 3, 2).toordinal()))  # Sunday → Friday
datetime.date(2025, 2, 28)
>>> dt.date.fromordinal(wd.nth_on_or_after(dt.date(2025, 1, 28).toordinal(), 2))
datetime.date(2025, 2, 7)
>>> rng = np.random.default_rng(0)
>>> lo, hi = dt.date(2025, 3, 1).toordinal(), dt.date(2025, 3, 31).toordinal()
>>> days = [draw_working_day(wd, lambda: int(rng.integers(lo, hi + 1)), lo, hi, rng)
...         for _ in range(200)]
>>> any(dt.date.fromordinal(d).weekday() >= 5 for d in days)
False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from risk import calendar

#: Days added on each side of the requested range so that snapping never runs off the table.
_MARGIN = 40
#: Draws tried before :func:`draw_working_day` falls back to one of the next working days
#: (reached when the distribution itself sits on off days, e.g. "the day after a rectification
#: finished during 春节": the 复查 is then in the first week back, not all on its first day).
MAX_DRAWS = 20
#: Working days the fallback spreads over (one working week).
FALLBACK_SPREAD = 5


class WorkDays:
    """Working-day lookup over a range of date ordinals (off days from the holiday calendar).

    Parameters
    ----------
    first, last : int
        Date ordinals (``datetime.date.toordinal``) the lookups must cover.
    """

    def __init__(self, first: int, last: int) -> None:
        self.base = first - _MARGIN
        n = last - first + 2 * _MARGIN + 1
        off = np.array(
            [calendar.is_off_day(dt.date.fromordinal(self.base + k)) for k in range(n)], dtype=bool
        )
        idx = np.arange(n)
        work_idx = np.where(off, -1, idx)
        self._prev = np.maximum.accumulate(work_idx)  # last working index ≤ k (-1: none)
        nxt = np.where(off, n, idx)
        self._next = np.minimum.accumulate(nxt[::-1])[::-1]  # first working index ≥ k
        self._working = np.flatnonzero(~off)  # indices of the working days, ascending
        self.off = off

    def _k(self, day: int) -> int:
        k = int(day) - self.base
        if not 0 <= k < self.off.size:
            raise ValueError(f"日期超出工作日表范围 / day outside the working-day table: {day}")
        return k

    def is_working(self, day: int) -> bool:
        """True on a working day (ordinal)."""
        return not bool(self.off[self._k(day)])

    def on_or_after(self, day: int) -> int:
        """The first working day on or after ``day`` (ordinal)."""
        k = int(self._next[self._k(day)])
        if k >= self.off.size:
            raise ValueError(f"之后没有工作日 / no working day after {day}")
        return self.base + k

    def nth_on_or_after(self, day: int, n: int) -> int:
        """The ``n``-th working day (0 = the first) on or after ``day`` (ordinal)."""
        j = int(np.searchsorted(self._working, self._k(day))) + int(n)
        if j >= self._working.size:
            raise ValueError(f"之后没有足够的工作日 / not enough working days after {day}")
        return self.base + int(self._working[j])

    def on_or_before(self, day: int) -> int:
        """The last working day on or before ``day`` (ordinal)."""
        k = int(self._prev[self._k(day)])
        if k < 0:
            raise ValueError(f"之前没有工作日 / no working day before {day}")
        return self.base + k


def draw_working_day(
    wd: WorkDays,
    draw: Callable[[], int],
    lo: int,
    hi: int,
    rng: np.random.Generator,
    max_draws: int = MAX_DRAWS,
) -> int:
    """Draw a day (ordinal) with ``draw`` until it is a working day or outside ``[lo, hi]``.

    The result follows ``draw``'s distribution restricted to working days, so off days' visits
    spread over the working days the distribution covers instead of piling onto the next one.

    Parameters
    ----------
    wd : WorkDays
        Working-day table covering ``[lo, hi]``.
    draw : callable
        Returns one drawn day (ordinal); called again for every off-day draw.
    lo, hi : int
        Range of the ledger: a day outside it is returned as drawn (the caller cuts it).
    rng : numpy.random.Generator
        Picks the fallback day.
    max_draws : int
        After this many off-day draws the last one moves to one of the
        :data:`FALLBACK_SPREAD` working days on or after it (uniformly).

    Returns
    -------
    int
        A working day in ``[lo, hi]``, or a day outside that range.
    """
    day = int(draw())
    for _ in range(max_draws - 1):
        if not lo <= day <= hi or wd.is_working(day):
            return day
        day = int(draw())
    if not lo <= day <= hi or wd.is_working(day):
        return day
    return wd.nth_on_or_after(day, int(rng.integers(FALLBACK_SPREAD)))
