"""Statutory inspection frequency: required per year, done this year, due, behind.

The one definition used by the ranking (:mod:`risk.urgency`) and by the statistics
(:mod:`ledger.kpis`). The rule (docs/DOMAIN.md §0, 检查计划 “每年至少检查2次/4次”):

* **Required** — a unit on the 重点检查名单 (``key_list``) is inspected at least
  :data:`KEY_PER_YEAR` = 4 times a **calendar year**, every other unit of the 基本信息库
  :data:`BASIC_PER_YEAR` = 2 times (``sites.required_per_year`` wins when present).
* **Done** — distinct inspection days of the unit in the calendar year up to the as-of date;
  several records of one unit on one day count once, and :data:`NOT_COUNTED_TYPES` (复查 of a
  known hazard) do not count.
* **Pace (due)** — the year is cut into ``required`` equal periods: quarters for 4/yr
  (31 Mar, 30 Jun, 30 Sep, 31 Dec), half-years for 2/yr (30 Jun, 31 Dec), the year for 1/yr
  (periods of whole months whenever ``required`` divides 12, otherwise of equal days). The
  k-th inspection is due by the last day of the k-th period.
* **Behind** — like a hazard's 逾期 (deadline < as-of date): a unit is behind when the last
  day of a period has passed (``period_end < as_of``) and fewer inspections than periods
  passed were done. ``expected_to_date`` counts those passed periods; ``days_overdue`` counts
  days since the first missed period end; ``next_due`` is the end of the period of the next
  inspection owed (the first period of next year when the year's quota is done).

The calendar year restarts on 1 January: a shortfall of last year is a statistic of last
year, not an overdue visit of this one (the learned likelihood still sees the time since the
last visit).

Examples
--------
>>> import pandas as pd
>>> [str(d.date()) for d in period_ends(4, 2025)]
['2025-03-31', '2025-06-30', '2025-09-30', '2025-12-31']
>>> [expected_to_date(4, 2025, d) for d in ("2025-03-31", "2025-04-01", "2026-01-01")]
[0, 1, 4]
>>> sites = pd.DataFrame({"site_id": ["a", "b"], "key_list": [True, False]})
>>> insp = pd.DataFrame({"site_id": ["a", "b"], "type": ["日常", "复查"],
...                      "date": pd.to_datetime(["2025-02-03", "2025-03-01"])})
>>> st = statutory_pace(sites, insp, "2025-07-05")
>>> st[["required_per_year", "done", "expected_to_date", "behind", "days_overdue"]].values.tolist()
[[4, 1, 2, True, 5], [2, 0, 1, True, 5]]
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from registry.enums import ACTIVE_STATES

__all__ = [
    "BASIC_PER_YEAR",
    "KEY_PER_YEAR",
    "NOT_COUNTED_TYPES",
    "as_day",
    "done_in_year",
    "expected_to_date",
    "period_ends",
    "required_per_year",
    "statutory_pace",
]

#: Inspections a year of a unit on the 重点检查名单.
KEY_PER_YEAR = 4
#: Inspections a year of every other unit in the 基本信息库.
BASIC_PER_YEAR = 2
#: Inspection types that do not count towards the statutory frequency (复查 of a hazard).
NOT_COUNTED_TYPES: tuple[str, ...] = ("复查",)

DateLike = dt.date | str | pd.Timestamp


def as_day(value: DateLike) -> pd.Timestamp:
    """A date-like value as a midnight Timestamp; a Chinese ValueError when unreadable.

    Examples
    --------
    >>> as_day("2024-06-03 15:00")
    Timestamp('2024-06-03 00:00:00')
    """
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError) as err:
        raise ValueError(f"无法识别的日期: {value!r}") from err


def required_per_year(sites: pd.DataFrame, default: int = BASIC_PER_YEAR) -> pd.Series:
    """Statutory inspections per calendar year of each unit.

    ``required_per_year`` when given, else 4 for ``key_list`` units and 2 for the others,
    else ``default``; 0 for a unit that is 停业 or 注销 (``operating_state``): it stays in the
    registry but is not inspected as usual.

    Examples
    --------
    >>> required_per_year(pd.DataFrame({"key_list": [True, False, None]})).tolist()
    [4, 2, 2]
    >>> required_per_year(pd.DataFrame({"key_list": [True, True],
    ...                                 "operating_state": ["正常", "注销"]})).tolist()
    [4, 0]
    """
    if "required_per_year" in sites:
        req = pd.to_numeric(sites["required_per_year"], errors="coerce")
    else:
        req = pd.Series(np.nan, index=sites.index)
    if "key_list" in sites:
        key = sites["key_list"].astype("boolean").fillna(False).astype(bool)
        req = req.fillna(
            pd.Series(np.where(key, KEY_PER_YEAR, BASIC_PER_YEAR), index=sites.index)
        )
    req = req.fillna(default).astype(int)
    if "operating_state" in sites:
        active = sites["operating_state"].fillna(ACTIVE_STATES[0]).isin(ACTIVE_STATES)
        req = req.where(active.to_numpy(), 0)
    return req


def period_ends(required: int, year: int) -> list[pd.Timestamp]:
    """Last day of each of the ``required`` periods of ``year`` (empty when ``required < 1``).

    Examples
    --------
    >>> [str(d.date()) for d in period_ends(2, 2024)]
    ['2024-06-30', '2024-12-31']
    >>> [str(d.date()) for d in period_ends(5, 2025)][:2]
    ['2025-03-14', '2025-05-26']
    """
    required = int(required)
    if required < 1:
        return []
    first = pd.Timestamp(year, 1, 1)
    if 12 % required == 0:
        step = 12 // required
        return [first + pd.DateOffset(months=step * k) - pd.Timedelta(days=1)
                for k in range(1, required + 1)]
    days = 366 if pd.Timestamp(year, 12, 31).dayofyear == 366 else 365
    return [first + pd.Timedelta(days=math.ceil(k * days / required) - 1)
            for k in range(1, required + 1)]


def expected_to_date(required: int, year: int, as_of: DateLike) -> int:
    """Inspections ``year`` should have had by ``as_of``: periods whose last day < ``as_of``.

    Examples
    --------
    >>> [expected_to_date(2, 2025, d) for d in ("2025-06-30", "2025-07-01", "2025-12-31")]
    [0, 1, 1]
    >>> expected_to_date(2, 2025, "2024-06-01")
    0
    """
    now = as_day(as_of)
    return int(sum(end < now for end in period_ends(required, year)))


def done_in_year(
    site_ids: pd.Series,
    inspections: pd.DataFrame,
    year: int,
    as_of: DateLike,
    exclude_types: tuple[str, ...] = NOT_COUNTED_TYPES,
) -> pd.Series:
    """Distinct statutory inspection days of each unit in ``year`` up to ``as_of``.

    Parameters
    ----------
    site_ids : Series
        Units to count for (the result has its index).
    inspections : DataFrame
        ``site_id, date`` and optionally ``type``.
    year : int
    as_of : date-like
        Inspections after it are ignored.
    exclude_types : tuple of str
        Types that do not count (default 复查).

    Examples
    --------
    >>> insp = pd.DataFrame({"site_id": ["a", "a", "a"], "type": ["日常", "专项", "复查"],
    ...                      "date": pd.to_datetime(["2025-01-02", "2025-01-02", "2025-03-01"])})
    >>> done_in_year(pd.Series(["a", "b"]), insp, 2025, "2025-12-31").tolist()
    [1, 0]
    """
    now = as_day(as_of)
    lo, hi = pd.Timestamp(year, 1, 1), min(pd.Timestamp(year, 12, 31), now)
    insp = inspections
    if exclude_types and "type" in insp.columns:
        insp = insp.loc[~insp["type"].astype(str).isin(exclude_types)]
    days = pd.to_datetime(insp["date"]).dt.normalize()
    keep = (days >= lo) & (days <= hi)
    counted = pd.DataFrame(
        {"site_id": insp["site_id"].astype(str)[keep], "day": days[keep]}
    ).drop_duplicates()
    per_site = counted.groupby("site_id").size()
    return site_ids.astype(str).map(per_site).fillna(0).astype(int)


def statutory_pace(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    as_of: DateLike,
    year: int | None = None,
    exclude_types: tuple[str, ...] = NOT_COUNTED_TYPES,
    default_required: int = BASIC_PER_YEAR,
) -> pd.DataFrame:
    """Required, done, expected-to-date, behind, next due and days overdue of each unit.

    Parameters
    ----------
    sites : DataFrame
        ``site_id`` and optionally ``required_per_year`` / ``key_list``.
    inspections : DataFrame
        ``site_id, date`` and optionally ``type``.
    as_of : date-like
        Evaluation date (inspections after it are ignored).
    year : int, optional
        Calendar year assessed (default: the year of ``as_of``). For an earlier year,
        inspections are counted up to 31 December and every period has passed.
    exclude_types : tuple of str
        Types that do not count (default 复查).
    default_required : int
        Required per year when the sites table says nothing.

    Returns
    -------
    DataFrame
        Index as ``sites``: ``site_id, required_per_year, done, expected_to_date, behind``
        (``done < expected_to_date``), ``next_due`` (datetime64), ``days_overdue`` (≥ 0,
        > 0 exactly when ``behind``), ``last_inspection`` (latest counted inspection of any
        year up to ``as_of``, NaT when none).
    """
    now = as_day(as_of)
    year = now.year if year is None else int(year)
    req = required_per_year(sites, default_required)
    sid = sites["site_id"].astype(str)
    done = done_in_year(sid, inspections, year, now, exclude_types)
    out = pd.DataFrame(index=sites.index)
    out["site_id"] = sid
    out["required_per_year"] = req
    out["done"] = done
    ends = {int(r): (period_ends(int(r), year), period_ends(int(r), year + 1))
            for r in pd.unique(req)}
    expected = {r: expected_to_date(r, year, now) for r in ends}
    out["expected_to_date"] = req.map(expected).astype(int)
    out["behind"] = out["done"] < out["expected_to_date"]

    next_due = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
    for r, (this_year, next_year) in ends.items():
        rows = (req == r).to_numpy()
        # the k-th owed inspection (k = done) is due at the end of period k; past the quota,
        # the first period of next year
        table = np.array([*this_year, *next_year[:1]], dtype="datetime64[ns]")
        if len(table):
            k = np.minimum(out["done"].to_numpy()[rows], len(table) - 1)
            next_due[rows] = table[k]
    out["next_due"] = next_due
    late = (now - out["next_due"]).dt.days.fillna(0).clip(lower=0).astype(int)
    out["days_overdue"] = late.where(out["behind"], 0).astype(int)
    insp = inspections
    if exclude_types and "type" in insp.columns:
        insp = insp.loc[~insp["type"].astype(str).isin(exclude_types)]
    dates = pd.to_datetime(insp["date"])
    last = (
        pd.DataFrame({"site_id": insp["site_id"].astype(str), "date": dates})[dates <= now]
        .groupby("site_id")["date"]
        .max()
    )
    last_day = sid.map(last) if len(last) else pd.Series(pd.NaT, index=sid.index)
    out["last_inspection"] = pd.to_datetime(last_day, errors="coerce").astype("datetime64[ns]")
    return out
