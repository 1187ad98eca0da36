"""KPIs of the 隐患排查治理 ledger, evaluated as of a date.

Definitions (docs/DOMAIN.md §0, §2.2):

* **Statutory coverage** — required per year, done, expected to date and behind are the one
  rule of :mod:`risk.frequency`, shared with the ranking (:func:`risk.score_sites`): 基本信息库
  units at least twice a calendar year, 重点检查名单 units four times; an inspection counts once
  per site and day, 复查 does not count; the k-th visit is due by the end of the k-th quarter
  (4/yr) or half-year (2/yr), and a unit is behind once such a period end has passed
  (``period_end < as_of``) without it.
* **整改率** — of the hazards *found* in a period, the share *closed* (已销号) by the as-of date.
* **逾期** — open at the as-of date and ``deadline < as_of`` (derived, never stored). A hazard
  closed after the as-of date counts as open at that date, so past dates are evaluated as they
  were then.

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["A", "B"], "key_list": [True, False],
...                       "required_per_year": [4, 2]})
>>> insp = pd.DataFrame({"site_id": ["A", "A", "B"], "type": ["日常", "日常", "复查"],
...                      "date": pd.to_datetime(["2024-02-01", "2024-05-01", "2024-03-01"])})
>>> cov = coverage(sites, insp, 2024, as_of="2024-07-01")
>>> cov[["site_id", "done", "expected_to_date", "on_track"]].to_dict("records")
[{'site_id': 'A', 'done': 2, 'expected_to_date': 2, 'on_track': True}, {'site_id': 'B', 'done': 0, 'expected_to_date': 1, 'on_track': False}]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from registry.enums import HAZARD_LEVELS
from registry.hazard_status import hazard_status_at
from risk import frequency
from risk.frequency import expected_to_date

__all__ = [
    "COVERAGE_EXCLUDED_TYPES",
    "coverage",
    "coverage_by",
    "coverage_summary",
    "expected_to_date",
    "hazard_state",
    "hazard_summary",
    "hazards_by",
    "monthly_trend",
    "overdue_hazards",
    "rectification_rate",
]

#: Inspection types that do not count towards the statutory frequency (:mod:`risk.frequency`).
COVERAGE_EXCLUDED_TYPES: tuple[str, ...] = frequency.NOT_COUNTED_TYPES

DateLike = dt.date | str | pd.Timestamp


_ts = frequency.as_day  # one reading of a date for the statistics and the ranking


def _period(
    year: int | None, start: DateLike | None, end: DateLike | None, as_of: DateLike
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Inclusive [start, end] clipped to ``as_of``."""
    as_of_ts = _ts(as_of)
    if year is not None:
        lo, hi = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    else:
        lo = _ts(start) if start is not None else pd.Timestamp(1900, 1, 1)
        hi = _ts(end) if end is not None else as_of_ts
    hi = min(hi, as_of_ts)
    if hi < lo:
        raise ValueError(f"统计区间无效：开始 {lo.date()} 晚于结束/评估日期 {hi.date()}")
    return lo, hi


def coverage(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    year: int,
    as_of: DateLike | None = None,
    exclude_types: tuple[str, ...] = COVERAGE_EXCLUDED_TYPES,
) -> pd.DataFrame:
    """Per-unit statutory coverage in a calendar year, up to ``as_of``.

    Parameters
    ----------
    sites : DataFrame
        ``site_id``, ``key_list`` and ``required_per_year`` (4 key / 2 basic when missing);
        other columns (``committee``, ``department`` …) are carried over.
    inspections : DataFrame
        ``site_id``, ``date`` and ``type``.
    year : int
        Calendar year assessed.
    as_of : date-like, optional
        Evaluation date (default: 1 January after ``year``, i.e. the whole year has passed);
        inspections after it, or after 31 December of ``year``, are ignored. The pace
        (``expected_to_date``) is judged at ``as_of``: on 31 December the last quarter /
        half-year is still due that day, from 1 January on the whole year is expected.
    exclude_types : tuple of str
        Inspection types that do not count (default: 复查).

    Returns
    -------
    DataFrame
        One row per site, in the order of ``sites``: all site columns plus ``required``,
        ``done`` (distinct inspection days), ``expected_to_date``, ``met``
        (``done >= required``), ``on_track`` (``done >= expected_to_date``) and
        ``missing_to_date`` (``max(expected_to_date - done, 0)``).
    """
    as_of = as_of if as_of is not None else dt.date(year + 1, 1, 1)
    _period(year, None, None, as_of)  # a date before the year is an error
    pace = frequency.statutory_pace(sites, inspections, as_of, year=year,
                                    exclude_types=exclude_types)
    out = pd.DataFrame(sites.drop(columns="geometry", errors="ignore")).copy()
    out["required"] = pace["required_per_year"].to_numpy()
    out["done"] = pace["done"].to_numpy()
    out["expected_to_date"] = pace["expected_to_date"].to_numpy()
    out["met"] = out["done"] >= out["required"]
    out["on_track"] = ~pace["behind"].to_numpy()
    out["missing_to_date"] = (out["expected_to_date"] - out["done"]).clip(lower=0).astype(int)
    return out.reset_index(drop=True)


def coverage_summary(cov: pd.DataFrame) -> pd.DataFrame:
    """Coverage shares for 重点单位 (4次/年), 基本单位 (2次/年) and 合计.

    Parameters
    ----------
    cov : DataFrame
        Output of :func:`coverage`.

    Returns
    -------
    DataFrame
        Index ``group`` (重点单位 / 基本单位 / 合计); columns ``units``, ``required``
        (per unit, NaN for 合计), ``expected_to_date`` (per unit, NaN for 合计), ``met``,
        ``met_share``, ``on_track``, ``on_track_share``, ``missing_to_date`` (visits short).
        Shares are NaN for an empty group.
    """
    key = cov["required"] >= 4
    rows = []
    for label, mask in (("重点单位", key), ("基本单位", ~key), ("合计", pd.Series(True, cov.index))):
        part = cov.loc[mask]
        n = len(part)
        single = label != "合计" and n > 0
        rows.append(
            {
                "group": label,
                "units": n,
                "required": float(part["required"].max()) if single else np.nan,
                "expected_to_date": float(part["expected_to_date"].max()) if single else np.nan,
                "met": int(part["met"].sum()),
                "met_share": part["met"].mean() if n else np.nan,
                "on_track": int(part["on_track"].sum()),
                "on_track_share": part["on_track"].mean() if n else np.nan,
                "missing_to_date": int(part["missing_to_date"].sum()),
            }
        )
    return pd.DataFrame(rows).set_index("group")


def coverage_by(cov: pd.DataFrame, by: str) -> pd.DataFrame:
    """Coverage per group (e.g. ``committee`` or ``department``), worst on-track share first.

    Returns
    -------
    DataFrame
        Columns ``by``, ``units``, ``key_units``, ``met``, ``met_share``, ``on_track``,
        ``on_track_share``, ``missing_to_date``.

    Examples
    --------
    >>> import pandas as pd
    >>> cov = pd.DataFrame({"committee": ["a", "a", "b"], "required": [4, 2, 2],
    ...     "met": [True, False, False], "on_track": [True, False, True],
    ...     "missing_to_date": [0, 1, 0]})
    >>> coverage_by(cov, "committee")[["committee", "on_track_share"]].to_dict("records")
    [{'committee': 'a', 'on_track_share': 0.5}, {'committee': 'b', 'on_track_share': 1.0}]
    """
    if by not in cov.columns:
        raise KeyError(f"按“{by}”分组需要该列，覆盖率表中没有")
    g = cov.assign(_key=cov["required"] >= 4).groupby(by, dropna=False)
    out = pd.DataFrame(
        {
            "units": g.size(),
            "key_units": g["_key"].sum().astype(int),
            "met": g["met"].sum().astype(int),
            "on_track": g["on_track"].sum().astype(int),
            "missing_to_date": g["missing_to_date"].sum().astype(int),
        }
    )
    out["met_share"] = out["met"] / out["units"]
    out["on_track_share"] = out["on_track"] / out["units"]
    out = out.reset_index().sort_values(["on_track_share", by], kind="stable")
    cols = [by, "units", "key_units", "met", "met_share", "on_track", "on_track_share"]
    return out[[*cols, "missing_to_date"]].reset_index(drop=True)


def hazard_state(hazards: pd.DataFrame, as_of: DateLike) -> pd.DataFrame:
    """Hazards known at ``as_of`` with their state at that date.

    Returns
    -------
    DataFrame
        Rows with ``found_date <= as_of``, plus the columns of
        :func:`registry.hazard_status.hazard_status_at` (``closed``, ``open``, ``rectified``,
        ``overdue`` — the unit's lateness: open, not rectified, past the deadline —
        ``days_overdue``) and ``days_to_close`` (NaN when open or undated).
    """
    as_of_ts = _ts(as_of)
    found = pd.to_datetime(hazards["found_date"]).dt.normalize()
    h = hazards.loc[found <= as_of_ts].copy()
    found = found.loc[h.index]
    closed_date = pd.to_datetime(h["closed_date"]) if "closed_date" in h.columns else None
    state = hazard_status_at(h, as_of_ts)
    for col in ("closed", "open", "rectified", "overdue", "days_overdue"):
        h[col] = state[col]
    if closed_date is not None:
        h["days_to_close"] = (closed_date.dt.normalize() - found).dt.days.where(h["closed"])
    else:
        h["days_to_close"] = np.nan
    return h


def rectification_rate(
    hazards: pd.DataFrame,
    as_of: DateLike,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> float:
    """整改率: closed by ``as_of`` / found in ``[start, end]`` (NaN when none were found).

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"found_date": pd.to_datetime(["2024-01-05", "2024-02-01"]),
    ...     "status": ["已销号", "整改中"], "deadline": pd.to_datetime(["2024-01-20", "2024-03-01"]),
    ...     "closed_date": pd.to_datetime(["2024-01-18", None]), "level": ["一般", "一般"]})
    >>> rectification_rate(h, "2024-03-31")
    0.5
    """
    lo, hi = _period(None, start, end, as_of)
    h = hazard_state(hazards, as_of)
    found = pd.to_datetime(h["found_date"]).dt.normalize()
    cohort = h.loc[(found >= lo) & (found <= hi)]
    return float(cohort["closed"].mean()) if len(cohort) else float("nan")


def hazard_summary(
    hazards: pd.DataFrame,
    as_of: DateLike,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> pd.DataFrame:
    """Hazards found and closed by level (一般 / 重大 / 合计).

    Parameters
    ----------
    hazards : DataFrame
        The 隐患台账.
    as_of : date-like
        Evaluation date.
    start, end : date-like, optional
        Period of *finding* (inclusive; ``end`` is clipped to ``as_of``).

    Returns
    -------
    DataFrame
        Index ``level``; period-cohort columns ``found``, ``closed``, ``rate`` (整改率),
        ``mean_days_to_close``; stock columns at ``as_of`` over the whole ledger:
        ``open_now``, ``overdue_now``, ``supervised_open_now`` (挂牌督办 still open).
    """
    lo, hi = _period(None, start, end, as_of)
    h = hazard_state(hazards, as_of)
    found = pd.to_datetime(h["found_date"]).dt.normalize()
    in_period = (found >= lo) & (found <= hi)
    supervised = (
        h["supervised"].fillna(False).astype(bool)
        if "supervised" in h.columns
        else pd.Series(False, index=h.index)
    )
    rows = []
    for level in (*HAZARD_LEVELS, "合计"):
        lvl = h["level"].eq(level) if level != "合计" else pd.Series(True, index=h.index)
        cohort = h.loc[lvl & in_period]
        rows.append(
            {
                "level": level,
                "found": len(cohort),
                "closed": int(cohort["closed"].sum()),
                "rate": float(cohort["closed"].mean()) if len(cohort) else np.nan,
                "mean_days_to_close": float(cohort["days_to_close"].mean())
                if cohort["days_to_close"].notna().any()
                else np.nan,
                "open_now": int((lvl & h["open"]).sum()),
                "overdue_now": int((lvl & h["overdue"]).sum()),
                "supervised_open_now": int((lvl & h["open"] & supervised).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("level")


def overdue_hazards(hazards: pd.DataFrame, as_of: DateLike) -> pd.DataFrame:
    """Hazards 逾期 at ``as_of``, longest overdue first (adds ``days_overdue``).

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"hazard_id": ["a", "b", "c"],
    ...     "found_date": pd.to_datetime(["2024-01-01"] * 3), "status": ["待整改", "已销号", "整改中"],
    ...     "deadline": pd.to_datetime(["2024-01-10", "2024-01-10", "2024-01-20"]),
    ...     "closed_date": pd.to_datetime([None, "2024-01-09", None]), "level": ["一般"] * 3})
    >>> overdue_hazards(h, "2024-01-25")[["hazard_id", "days_overdue"]].to_dict("records")
    [{'hazard_id': 'a', 'days_overdue': 15}, {'hazard_id': 'c', 'days_overdue': 5}]
    """
    h = hazard_state(hazards, as_of)
    out = h.loc[h["overdue"]].drop(columns=["closed", "open", "overdue", "days_to_close"])
    return out.sort_values("days_overdue", ascending=False, kind="stable").reset_index(drop=True)


def hazards_by(
    hazards: pd.DataFrame,
    sites: pd.DataFrame,
    by: str,
    as_of: DateLike,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> pd.DataFrame:
    """Hazards per group of sites (``committee``, ``department``, ``category`` …).

    Returns
    -------
    DataFrame
        Columns ``by``, ``found``, ``major_found``, ``closed``, ``rate`` (整改率 of the
        period cohort) and ``overdue_now`` (stock at ``as_of``), most found first. Groups
        of ``sites`` without hazards appear with zeros.
    """
    if by not in sites.columns:
        raise KeyError(f"按“{by}”分组需要单位表的该列")
    lo, hi = _period(None, start, end, as_of)
    h = hazard_state(hazards, as_of)
    group_of = sites.drop_duplicates("site_id").set_index("site_id")[by]
    h = h.assign(_group=h["site_id"].map(group_of))
    found = pd.to_datetime(h["found_date"]).dt.normalize()
    cohort = h.loc[(found >= lo) & (found <= hi)]
    groups = pd.Index(pd.unique(sites[by].dropna()), name=by)
    # Counts as integer sums of boolean columns: on an empty cohort (a ledger without hazards)
    # they stay numeric, where ``apply`` on the text column would keep its string dtype.
    flags = pd.DataFrame(
        {
            "found": 1,
            "major_found": (cohort["level"] == "重大").astype(int),
            "closed": cohort["closed"].astype(bool).astype(int),
        },
        index=cohort.index,
    )
    out = flags.groupby(cohort["_group"]).sum().reindex(groups, fill_value=0)
    out["overdue_now"] = h.loc[h["overdue"]].groupby("_group").size().reindex(groups, fill_value=0)
    out = out.fillna(0).astype(int)
    out["rate"] = (out["closed"] / out["found"]).where(out["found"] > 0)
    out = out.reset_index().sort_values(["found", by], ascending=[False, True], kind="stable")
    return out[[by, "found", "major_found", "closed", "rate", "overdue_now"]].reset_index(drop=True)


def monthly_trend(
    inspections: pd.DataFrame,
    hazards: pd.DataFrame,
    start: DateLike,
    end: DateLike,
) -> pd.DataFrame:
    """Monthly counts between ``start`` and ``end`` (inclusive), every month present.

    Returns
    -------
    DataFrame
        ``month`` (Timestamp, first day), ``inspections``, ``hazards_general`` (一般 found),
        ``hazards_major`` (重大 found), ``hazards_closed`` (销号 in that month), ``hit_rate``
        (hazards found per inspection, NaN without inspections).

    Examples
    --------
    >>> import pandas as pd
    >>> insp = pd.DataFrame({"date": pd.to_datetime(["2024-01-03", "2024-03-09"])})
    >>> h = pd.DataFrame({"found_date": pd.to_datetime(["2024-03-09"]), "level": ["重大"],
    ...                   "closed_date": pd.to_datetime([None])})
    >>> monthly_trend(insp, h, "2024-01-01", "2024-03-31")[["inspections", "hazards_major"]].values.tolist()
    [[1, 0], [0, 0], [1, 1]]
    """
    lo, hi = _ts(start), _ts(end)
    if hi < lo:
        raise ValueError(f"统计区间无效：开始 {lo.date()} 晚于结束 {hi.date()}")
    months = pd.period_range(lo, hi, freq="M")

    def per_month(dates: pd.Series) -> pd.Series:
        d = pd.to_datetime(dates).dt.normalize()
        d = d[(d >= lo) & (d <= hi)]
        return d.dt.to_period("M").value_counts().reindex(months, fill_value=0)

    found = pd.to_datetime(hazards["found_date"])
    closed_dates = (
        pd.to_datetime(hazards["closed_date"])
        if "closed_date" in hazards.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    out = pd.DataFrame(
        {
            "inspections": per_month(inspections["date"]),
            "hazards_general": per_month(found[hazards["level"].eq("一般")]),
            "hazards_major": per_month(found[hazards["level"].eq("重大")]),
            "hazards_closed": per_month(closed_dates.dropna()),
        }
    ).astype(int)
    total = out["hazards_general"] + out["hazards_major"]
    out["hit_rate"] = (total / out["inspections"]).where(out["inspections"] > 0)
    out.index = months.to_timestamp()
    out.index.name = "month"
    return out.reset_index()
