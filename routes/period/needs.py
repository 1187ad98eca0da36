"""What must be visited in a period: statutory visits by their due dates, and 复查.

Nothing here is a new rule; it lays the project's rules out as jobs with a window:

* **法定 (statutory)** — :func:`risk.frequency.statutory_pace` says how many visits each unit
  has had this calendar year; every visit still owed is a job. The k-th visit of the year is
  due by the end of the k-th period (:func:`risk.frequency.period_ends`: quarters for 4/yr,
  half-years for 2/yr). The next visit a unit owes may be made at once (every visit of the
  year counts towards its total, so spare capacity can go ahead of the pace); the ones after
  it from the start of their own period on (the visits stay spread over the year). A period crossing New Year gets
  the next year's visits too. Units that are 停业/注销 owe nothing
  (:func:`risk.frequency.required_per_year`).
* **复查 (re-inspection)** — every hazard open on the first day
  (:func:`registry.hazard_status.hazard_status_at`) is a job at its unit: a rectified one
  (待复查) is due by the office's limit of :data:`ledger.hazard_ledger.OFFICE_LIMIT_DAYS`
  working days after the 整改完成日期 (:func:`ledger.hazard_ledger.lateness`); one still with
  the unit is released at its 整改期限 (the day to see whether it was done) and due by the same
  working-day limit after that. A unit with several open hazards has one 复查 job (the earliest
  window).

A job is **mandatory** when its due date falls inside the period; a statutory visit due later
is *optional*: it fills capacity that is left, the highest priority first.

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["A", "B"], "lon": [121.39, 121.40], "lat": [31.25, 31.25],
...     "key_list": [True, False], "score": [80.0, 30.0]})
>>> insp = pd.DataFrame({"site_id": ["A", "B"], "date": pd.to_datetime(["2026-02-01", "2026-03-01"]),
...     "type": ["日常", "日常"]})
>>> jobs = visit_needs(sites, insp, pd.DataFrame(), "2026-12-01", "2026-12-31")
>>> jobs[["site_id", "kind", "k", "due", "mandatory", "behind"]].astype(str).values.tolist()
[['A', '法定', '1', '2026-06-30', 'True', 'True'], ['A', '法定', '2', '2026-09-30', 'True', 'True'], ['A', '法定', '3', '2026-12-31', 'True', 'False'], ['B', '法定', '1', '2026-12-31', 'True', 'False']]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ledger.hazard_ledger import OFFICE_LIMIT_DAYS, add_working_days, lateness
from registry.enums import ACTIVE_STATES
from registry.hazard_status import hazard_status_at
from risk.frequency import as_day, period_ends, statutory_pace
from routes.explain import SPECIALIST_SECTORS

__all__ = ["JOB_COLUMNS", "KIND_REINSPECT", "KIND_STATUTORY", "visit_needs"]

KIND_STATUTORY = "法定"
KIND_REINSPECT = "复查"
#: Columns of the jobs table.
JOB_COLUMNS = (
    "job_id", "site_id", "kind", "k", "release", "due", "mandatory", "behind", "priority",
    "lon", "lat", "name", "committee", "category", "skills", "n_hazards", "major",
)  # fmt: skip


def _site_text(sites: pd.DataFrame, col: str) -> pd.Series:
    if col not in sites:
        return pd.Series("", index=sites.index, dtype=object)
    return sites[col].astype(object).where(sites[col].notna(), "")


def _statutory(sites: pd.DataFrame, inspections: pd.DataFrame, start: pd.Timestamp,
               end: pd.Timestamp) -> pd.DataFrame:
    if inspections is None or inspections.empty or "date" not in inspections:
        inspections = pd.DataFrame({"site_id": pd.Series(dtype=str),
                                    "date": pd.Series(dtype="datetime64[ns]")})
    # visits recorded before the first day count; the first day is still to plan
    pace = statutory_pace(sites, inspections, start - pd.Timedelta(days=1), year=start.year)
    rows = []
    req = pace["required_per_year"].to_numpy()
    done = pace["done"].to_numpy()
    sid = pace["site_id"].to_numpy()
    ends_cache: dict[tuple[int, int], list[pd.Timestamp]] = {}
    for year in range(start.year, end.year + 1):
        for r in np.unique(req):
            if r < 1:
                continue
            ends_cache[(int(r), year)] = period_ends(int(r), year)
    for i in range(len(sid)):
        r = int(req[i])
        if r < 1:
            continue
        for year in range(start.year, end.year + 1):
            ends = ends_cache[(r, year)]
            first_k = int(done[i]) if year == start.year else 0
            for k in range(first_k, r):
                due = ends[k]
                period_start = pd.Timestamp(year, 1, 1) if k == 0 else ends[k - 1] + pd.Timedelta(days=1)
                # the next visit owed this year counts whenever it is made; later ones wait
                # for their period
                release = start if (year == start.year and k == first_k) else max(start, period_start)
                if release > end:
                    break
                rows.append((sid[i], k, release, due))
                if due > end:  # the next visit after the period: optional, one is enough
                    break
    return pd.DataFrame(rows, columns=["site_id", "k", "release", "due"])


def _reinspections(hazards: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                   calendar_path) -> pd.DataFrame:
    cols = ["site_id", "release", "due", "n_hazards", "major"]
    if hazards is None or hazards.empty or "status" not in hazards:
        return pd.DataFrame(columns=cols)
    state = hazard_status_at(hazards, start)
    h = hazards.loc[state["open"]].copy()
    if h.empty:
        return pd.DataFrame(columns=cols)
    for col in ("deadline", "rectified_date", "reinspection_date"):
        if col not in h:
            h[col] = pd.NaT
    late = lateness(h, start, OFFICE_LIMIT_DAYS, calendar_path)
    deadline = pd.to_datetime(h["deadline"]).dt.normalize()
    office_due = late["office_deadline"]
    waiting = office_due.notna()  # rectified: the office's clock runs
    unit_due = add_working_days(deadline.fillna(start), OFFICE_LIMIT_DAYS, calendar_path)
    release = pd.Series(start, index=h.index).where(waiting, deadline.fillna(start).clip(lower=start))
    due = office_due.where(waiting, unit_due.set_axis(h.index))
    level = h["level"] if "level" in h else pd.Series("一般", index=h.index)
    out = pd.DataFrame({
        "site_id": h["site_id"].astype(str),
        "release": pd.to_datetime(release),
        "due": pd.to_datetime(due),
        "major": level.eq("重大").to_numpy(),
    })
    out = out[out["release"] <= end]
    if out.empty:
        return pd.DataFrame(columns=cols)
    return out.groupby("site_id", as_index=False).agg(
        release=("release", "min"), due=("due", "min"), n_hazards=("site_id", "size"),
        major=("major", "any"),
    )


def visit_needs(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    hazards: pd.DataFrame,
    start: dt.date | str | pd.Timestamp,
    end: dt.date | str | pd.Timestamp,
    *,
    priority: str = "score",
    calendar_path=None,
) -> pd.DataFrame:
    """The visits a period must (and may) make, one row per job.

    Parameters
    ----------
    sites : DataFrame
        ``site_id, lon, lat`` and the priority column (``score`` of :func:`risk.score_sites`);
        ``key_list``/``required_per_year``, ``operating_state``, ``name``, ``committee``,
        ``category`` when present.
    inspections, hazards : DataFrame
        The ledger (recorded up to the day before ``start``).
    start, end : date-like
        First and last day of the period.
    priority : str
        Priority column (0-100, higher first).
    calendar_path : path, optional
        Alternative holiday calendar.

    Returns
    -------
    DataFrame
        :data:`JOB_COLUMNS`: ``kind`` 法定/复查, ``k`` (0-based visit of the year; -1 for 复查),
        ``release``/``due`` (datetime64), ``mandatory`` (due ≤ end), ``behind`` (due before
        the first day), ``priority``, position and labels, required ``skills`` (frozenset),
        open ``n_hazards`` and ``major`` (a 重大 hazard among them) for 复查. Sorted by due.
    """
    s, e = as_day(start), as_day(end)
    if e < s:
        raise ValueError(f"计划结束日期 {e:%Y-%m-%d} 早于开始日期 {s:%Y-%m-%d}")
    sites = sites.reset_index(drop=True)
    sites = sites.assign(site_id=sites["site_id"].astype(str))
    stat = _statutory(sites, inspections, s, e).assign(kind=KIND_STATUTORY, n_hazards=0, major=False)
    active = sites["site_id"][
        pd.Series(True, index=sites.index) if "operating_state" not in sites
        else sites["operating_state"].fillna(ACTIVE_STATES[0]).isin(ACTIVE_STATES)
    ]
    re_ = _reinspections(hazards, s, e, calendar_path)
    re_ = re_[re_["site_id"].isin(set(active))].assign(kind=KIND_REINSPECT, k=-1)
    jobs = pd.concat([stat, re_], ignore_index=True) if len(re_) else stat
    info = pd.DataFrame({
        "site_id": sites["site_id"],
        "priority": pd.to_numeric(sites[priority], errors="coerce").fillna(0.0).clip(0, 100)
        if priority in sites else 0.0,
        "lon": pd.to_numeric(sites["lon"], errors="coerce"),
        "lat": pd.to_numeric(sites["lat"], errors="coerce"),
        "name": _site_text(sites, "name"),
        "committee": _site_text(sites, "committee"),
        "category": _site_text(sites, "category"),
    }).drop_duplicates("site_id")
    jobs = jobs.merge(info, on="site_id", how="inner")
    jobs = jobs[jobs["lon"].notna() & jobs["lat"].notna()]
    jobs["release"] = pd.to_datetime(jobs["release"]).astype("datetime64[ns]")
    jobs["due"] = pd.to_datetime(jobs["due"]).astype("datetime64[ns]")
    jobs["mandatory"] = jobs["due"] <= e
    jobs["behind"] = jobs["due"] < s
    jobs["skills"] = [frozenset([c]) if c in SPECIALIST_SECTORS else frozenset()
                      for c in jobs["category"]]
    jobs["k"] = jobs["k"].astype(int)
    jobs["n_hazards"] = jobs["n_hazards"].fillna(0).astype(int)
    jobs["major"] = jobs["major"].fillna(False).astype(bool)
    jobs = jobs.sort_values(["due", "kind", "priority", "site_id", "k"],
                            ascending=[True, True, False, True, True], kind="stable")
    jobs = jobs.reset_index(drop=True)
    jobs["job_id"] = jobs["site_id"] + ":" + jobs["kind"] + ":" + jobs["k"].astype(str)
    return jobs[list(JOB_COLUMNS)]
