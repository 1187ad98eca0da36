"""Working days of the sample's inspectors (the project's holiday calendar).

Inspections, 复查 and 节前 checks happen on working days: not on weekends, not on public
holidays, but on 调休 make-up working days (Saturdays or Sundays worked instead of a holiday).
The rule is :func:`risk.calendar.is_off_day` (``risk/config/holidays.json``); this module only
moves a drawn day to the nearest working day in the direction the visit allows.

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
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from risk import calendar

#: Days added on each side of the requested range so that snapping never runs off the table.
_MARGIN = 40


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

    def on_or_before(self, day: int) -> int:
        """The last working day on or before ``day`` (ordinal)."""
        k = int(self._prev[self._k(day)])
        if k < 0:
            raise ValueError(f"之前没有工作日 / no working day before {day}")
        return self.base + k
