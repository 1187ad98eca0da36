"""What a hazard's state is on a given day: known, open, closed, rectified, overdue.

One definition, used by the statistics (:mod:`ledger.kpis`), the ranking (:mod:`risk.urgency`)
and the hazard ledger (:mod:`ledger.hazard_ledger`), so that "open" and "逾期" mean the same on
every page. Nothing here is stored: it is derived from the recorded dates and the status.

* **known** on ``as_of``: found on or before it (or the found date is missing);
* **closed**: 已销号, with a 销号日期 on or before ``as_of`` (or none recorded);
* **open**: known and not closed;
* **rectified**: the unit has done its part — a 整改完成日期 on or before ``as_of`` and the
  hazard is not back with the unit (待整改 / 整改中, e.g. after a failed 复查);
* **overdue** (逾期, the *unit's* lateness): open, not rectified, and the deadline has passed.
  A hazard rectified on time and waiting for the office's 复查 is **not** overdue: the office's
  own lateness is :func:`ledger.hazard_ledger.lateness`'s ``office_late``, never mixed with it.

Examples
--------
>>> import pandas as pd
>>> h = pd.DataFrame({
...     "found_date": pd.to_datetime(["2024-06-01", "2024-06-01", "2024-06-01"]),
...     "deadline": pd.to_datetime(["2024-06-10"] * 3),
...     "status": ["整改中", "待复查", "已销号"],
...     "rectified_date": pd.to_datetime([None, "2024-06-08", "2024-06-08"]),
...     "closed_date": pd.to_datetime([None, None, "2024-06-12"]),
... })
>>> s = hazard_status_at(h, "2024-06-20")
>>> s[["open", "overdue", "days_overdue"]].values.tolist()
[[True, True, 10], [True, False, 0], [False, False, 0]]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from registry.enums import CLOSED_STATUS

__all__ = ["UNRECTIFIED_STATUSES", "hazard_status_at", "suspended_sites"]

#: Statuses in which the hazard is with the unit (not rectified, whatever dates are recorded).
UNRECTIFIED_STATUSES: tuple[str, ...] = ("待整改", "整改中")


def _dates(hazards: pd.DataFrame, column: str) -> pd.Series:
    if column not in hazards.columns:
        return pd.Series(pd.NaT, index=hazards.index, dtype="datetime64[ns]")
    return pd.to_datetime(hazards[column], errors="coerce").dt.normalize()


def hazard_status_at(hazards: pd.DataFrame, as_of: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """The state of each hazard on ``as_of`` (see the module docstring for the rules).

    Parameters
    ----------
    hazards : DataFrame
        Hazards with ``status`` and any of ``found_date``, ``deadline``, ``rectified_date``,
        ``closed_date`` (missing columns count as empty).
    as_of : date-like
        The day.

    Returns
    -------
    DataFrame
        Index as ``hazards``; boolean ``known``, ``closed``, ``open``, ``rectified``,
        ``overdue`` and integer ``days_overdue`` (0 when not overdue).
    """
    now = pd.Timestamp(as_of).normalize()
    status = (
        hazards["status"].astype(object)
        if "status" in hazards.columns
        else pd.Series(None, index=hazards.index, dtype=object)
    )
    found = _dates(hazards, "found_date")
    deadline = _dates(hazards, "deadline")
    rect = _dates(hazards, "rectified_date")
    closed_date = _dates(hazards, "closed_date")
    known = found.isna() | (found <= now)
    closed = status.eq(CLOSED_STATUS) & (closed_date.isna() | (closed_date <= now))
    open_ = known & ~closed
    rectified = (rect <= now).fillna(False) & ~status.isin(UNRECTIFIED_STATUSES)
    overdue = open_ & ~rectified & (deadline < now).fillna(False)
    days = np.where(overdue, (now - deadline).dt.days.fillna(0), 0).astype("int64")
    return pd.DataFrame(
        {
            "known": known.astype(bool),
            "closed": closed.astype(bool),
            "open": open_.astype(bool),
            "rectified": rectified.astype(bool),
            "overdue": overdue.astype(bool),
            "days_overdue": days,
        },
        index=hazards.index,
    )


def suspended_sites(hazards: pd.DataFrame, as_of: dt.date | str | pd.Timestamp) -> pd.Index:
    """Units under 责令停产停业/停止使用 on ``as_of``: an open hazard with ``suspension``.

    They resume when that hazard is 销号 (after 复查合格); until then the map and the site card
    show the state and an ordinary inspection of them is flagged.

    Examples
    --------
    >>> h = pd.DataFrame({"site_id": ["S1", "S2"], "status": ["整改中", "已销号"],
    ...                   "suspension": [True, True], "closed_date": pd.to_datetime([None, "2024-06-01"])})
    >>> suspended_sites(h, "2024-06-20").tolist()
    ['S1']
    """
    if "suspension" not in hazards.columns or hazards.empty:
        return pd.Index([], name="site_id")
    state = hazard_status_at(hazards, as_of)
    flag = hazards["suspension"].astype("boolean").fillna(False).astype(bool)
    ids = hazards.loc[state["open"] & flag, "site_id"].astype(str)
    return pd.Index(sorted(set(ids)), name="site_id")
