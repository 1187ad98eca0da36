"""Assign each job of the period to a team-day: statute first, then risk, nearby units together.

The assignment is a min-cost flow (OR-Tools' ``SimpleMinCostFlow``: exact, integral and
fast — a month of the sample in well under a second) over the edges (job, team-day) a job may
take: on or after its release day, by a team with the skills it needs. Each job takes at most
one team-day and each team-day at most its capacity. A unit that owes several statutory
visits in the period gets them spread out: its working days from its release on are cut into
as many consecutive blocks as visits owed and the i-th visit may only take the i-th block
(distinct days, and not three visits in one week when the period is a month). An edge costs
(:class:`Weights`):

* ``late_fixed[kind]`` when it is after the job's due date (and the job was not already late
  when the period started) plus ``late_day[kind]`` per day after the due date — so the plan
  first makes as many visits on time as capacity allows, then keeps the late ones short;
* ``early × priority/100`` per working day from the start (and ``drift`` for every job): the
  riskiest units go first within what the statute leaves;
* ``geo`` per km from the team-day's centre: after a first solve the centres are the mean
  position of each team-day's units and the programme is solved again (``geo_passes`` times),
  like k-means with capacities, so visits to nearby units share a day;
* minus ``keep`` when the edge is the job's team-day in the ``previous`` plan (``keep_date``
  for the same day in another team): a re-plan changes as little as it must — except that
  the first day of a re-plan is filled first (a bonus above ``keep``), so capacity today is
  never left idle to keep a later day as it was.

Leaving a job out costs its value: 复查 above statutory visits above optional ones (due after
the period; among them ``optional × priority/100`` decides). Each tier's value exceeds the
dearest edge, so a job that fits is never left out to save lateness or travel, spare capacity
is always used (on the riskiest optional visits), and a 复查 is never displaced by a
statutory visit.

Examples
--------
>>> import pandas as pd
>>> jobs = pd.DataFrame({"job_id": ["a", "b"], "site_id": ["A", "B"], "kind": ["法定", "复查"], "k": [0, -1],
...     "release": pd.to_datetime(["2026-12-01"] * 2), "due": pd.to_datetime(["2026-12-01", "2026-12-02"]),
...     "mandatory": True, "behind": False, "priority": [90.0, 10.0], "lon": 121.39, "lat": 31.25,
...     "skills": [frozenset()] * 2})
>>> td = pd.DataFrame({"date": pd.to_datetime(["2026-12-01", "2026-12-02"]), "team": "一组",
...     "capacity": 1})
>>> out = assign_visits(jobs, td, "2026-12-01", "2026-12-02")
>>> out[["job_id", "date"]].astype(str).values.tolist()
[['a', '2026-12-01'], ['b', '2026-12-02']]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from risk.frequency import as_day
from routes.period.needs import KIND_REINSPECT, KIND_STATUTORY

__all__ = ["Weights", "assign_visits", "edge_costs", "plan_cost"]

_KM_PER_DEG_LAT = 111.2
#: Above this many (job, team-day) edges only one geographic pass is made (a rest-of-year
#: plan of the sample has about 500 000; a month about 80 000).
LARGE_EDGES = 300_000


@dataclass(frozen=True)
class Weights:
    """Costs of the period assignment (see the module docstring).

    Examples
    --------
    >>> Weights().late_fixed["复查"] > Weights().late_fixed["法定"]
    True
    """

    late_fixed: Mapping[str, float] = field(
        default_factory=lambda: {KIND_REINSPECT: 400.0, KIND_STATUTORY: 300.0})
    late_day: Mapping[str, float] = field(
        default_factory=lambda: {KIND_REINSPECT: 15.0, KIND_STATUTORY: 10.0})
    early: float = 1.0
    drift: float = 0.1
    geo: float = 3.0
    keep: float = 20.0
    keep_date: float = 10.0
    optional: float = 50.0
    geo_passes: int = 2
    #: Most candidate days of one job (earliest ones, the days around its due date and every
    #: ``stride``-th day beyond): bounds the programme on long periods.
    max_days: int = 45
    stride: int = 5


def _dist_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    kx = _KM_PER_DEG_LAT * np.cos(np.radians(31.25))
    return np.hypot((lon1 - lon2) * kx, (lat1 - lat2) * _KM_PER_DEG_LAT)


def _values(jobs: pd.DataFrame, w: Weights, n_days: int, n_work: int) -> np.ndarray:
    """Cost of leaving each job out: optional < statutory < 复查, each tier above every edge.

    ``top`` bounds the cost of any edge, so an optional visit is planned whenever a team-day
    has room (spare capacity is never left idle), a statutory visit always displaces an
    optional one and a 复查 a statutory one; within a tier, the priority decides.
    """
    kinds = jobs["kind"].to_numpy()
    prio = jobs["priority"].to_numpy(float) / 100.0
    worst = max(w.late_fixed[k] + w.late_day[k] * (n_days + 1) for k in w.late_fixed)
    top = worst + (w.early + w.drift) * (n_work + 1) + w.geo * 30 + w.keep
    optional = top + w.optional * prio
    statutory = 2 * top + w.optional + 100 + 100 * prio
    reinspect = 3 * top + 2 * (w.optional + 200) + 100 * prio
    mandatory = jobs["mandatory"].to_numpy(bool)
    return np.where(kinds == KIND_REINSPECT, reinspect, np.where(mandatory, statutory, optional))


def _blocks(jobs: pd.DataFrame, rel_idx: np.ndarray, n_dates: int) -> tuple[np.ndarray, np.ndarray]:
    """Window ``[lo, hi)`` of date indices of each job (owed visits of one unit spread out)."""
    lo, hi = rel_idx.copy(), np.full(len(jobs), n_dates)
    stat = jobs["kind"].to_numpy() == KIND_STATUTORY
    sub = jobs.loc[stat, ["site_id", "due", "k"]].assign(_pos=np.nonzero(stat)[0])
    multi = sub["site_id"].duplicated(keep=False)
    for _, grp in sub[multi].sort_values(["site_id", "due", "k"], kind="stable").groupby("site_id", sort=False):
        pos = grp["_pos"].to_numpy()
        r0 = int(rel_idx[pos].min())
        n, m = n_dates - r0, len(pos)
        for i, p in enumerate(pos):
            lo[p] = max(int(rel_idx[p]), r0 + (i * n) // m)
            hi[p] = r0 + ((i + 1) * n) // m
    return lo, hi


def _edges(jobs: pd.DataFrame, td: pd.DataFrame, team_skills: Mapping[str, frozenset], w: Weights):
    """Eligible (job, team-day) pairs as index arrays."""
    dates = td["date"].to_numpy("datetime64[D]")
    uniq = np.unique(dates)
    day_idx = np.searchsorted(uniq, dates)
    release = jobs["release"].to_numpy("datetime64[D]")
    due = jobs["due"].to_numpy("datetime64[D]")
    rel_idx = np.searchsorted(uniq, release)
    due_idx = np.searchsorted(uniq, due)
    lo, hi = _blocks(jobs, rel_idx, len(uniq))
    ok = (day_idx[None, :] >= lo[:, None]) & (day_idx[None, :] < hi[:, None])
    teams = td["team"].to_numpy()
    need = jobs["skills"].to_numpy()
    for req in {r for r in need if r}:
        rows = np.array([r == req for r in need])
        able = np.array([req <= team_skills.get(tm, frozenset()) for tm in teams])
        ok[rows] &= able[None, :]
    if len(uniq) > w.max_days:
        off = day_idx[None, :] - lo[:, None]
        near_due = np.abs(day_idx[None, :] - due_idx[:, None]) <= w.max_days // 3
        ok &= (off < w.max_days // 2) | near_due | (off % max(w.stride, 1) == 0)
    j, t = np.nonzero(ok)
    return j, t, day_idx


def edge_costs(
    jobs: pd.DataFrame,
    td: pd.DataFrame,
    j: np.ndarray,
    t: np.ndarray,
    start: pd.Timestamp,
    w: Weights,
    anchors: np.ndarray | None = None,
    previous: Mapping[str, tuple[pd.Timestamp, str]] | None = None,
) -> np.ndarray:
    """Cost of each edge (job ``j[e]`` on team-day ``t[e]``) before the job's value.

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> jobs = pd.DataFrame({"job_id": ["a"], "kind": ["法定"], "due": pd.to_datetime(["2026-12-01"]),
    ...     "behind": [False], "priority": [50.0], "lon": [121.39], "lat": [31.25]})
    >>> td = pd.DataFrame({"date": pd.to_datetime(["2026-12-01", "2026-12-02"]), "team": "一组"})
    >>> edge_costs(jobs, td, np.array([0, 0]), np.array([0, 1]), pd.Timestamp("2026-12-01"), Weights()).tolist()
    [0.0, 310.6]
    """
    dates = td["date"].to_numpy("datetime64[D]")
    uniq = np.unique(dates)
    day_idx = np.searchsorted(uniq, dates)
    kinds = jobs["kind"].to_numpy()[j]
    # a job already late on the first day counts the delay from the day before the period
    due = np.maximum(jobs["due"].to_numpy("datetime64[D]"), np.datetime64(start - pd.Timedelta(days=1), "D"))
    late = np.maximum((dates[t] - due[j]).astype(int), 0)
    fixed = np.array([w.late_fixed[k] for k in kinds])
    per_day = np.array([w.late_day[k] for k in kinds])
    behind = jobs["behind"].to_numpy(bool)[j]
    prio = jobs["priority"].to_numpy(float)[j] / 100.0
    cost = np.where((late > 0) & ~behind, fixed, 0.0) + per_day * late
    cost = cost + (w.early * prio + w.drift) * day_idx[t]
    if anchors is not None:
        lon = jobs["lon"].to_numpy(float)[j]
        lat = jobs["lat"].to_numpy(float)[j]
        cost = cost + w.geo * _dist_km(lon, lat, anchors[t, 0], anchors[t, 1])
    if previous:
        # a re-plan never leaves its first day short to keep a later day unchanged
        cost = cost - np.where(day_idx[t] == 0, w.keep + 5.0, 0.0)
        ids = jobs["job_id"].to_numpy()[j]
        teams = td["team"].to_numpy()[t]
        for e, jid in enumerate(ids):
            prev = previous.get(jid)
            if prev is None or np.datetime64(prev[0], "D") != dates[t[e]]:
                continue
            cost[e] -= w.keep if prev[1] == teams[e] else w.keep_date
    return np.round(cost, 6)


def _solve(c: np.ndarray, value: np.ndarray, j, t, n_jobs, td) -> np.ndarray:
    """Min-cost flow: each job sends one unit through one team-day (edge cost) or straight to
    the sink (its value: left out); each team-day passes at most its capacity."""
    n_td = len(td)
    sink = n_jobs + n_td
    scale = 1000.0  # costs are kept to 1/1000 (integer arc costs)
    starts = np.concatenate([j, n_jobs + np.arange(n_td), np.arange(n_jobs)])
    ends = np.concatenate([n_jobs + t, np.full(n_td, sink), np.full(n_jobs, sink)])
    caps = np.concatenate([np.ones(len(j)), td["capacity"].to_numpy(), np.ones(n_jobs)])
    costs = np.concatenate([np.round(c * scale), np.zeros(n_td), np.round(value * scale)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        starts.astype(np.int32), ends.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
    )
    supplies = np.concatenate([np.ones(n_jobs), np.zeros(n_td), [-n_jobs]]).astype(np.int64)
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # every job can reach the sink: only a solver failure lands here
        raise RuntimeError(f"期间分配求解失败（状态 {status}）")
    return flow.flows(arcs[: len(j)]) > 0


def _anchors(jobs, td, j, t, chosen) -> np.ndarray:
    lon = jobs["lon"].to_numpy(float)
    lat = jobs["lat"].to_numpy(float)
    centre = (float(np.mean(lon)), float(np.mean(lat))) if len(lon) else (0.0, 0.0)
    out = np.tile(centre, (len(td), 1))
    jj, tt = j[chosen], t[chosen]
    if len(tt):
        cnt = np.bincount(tt, minlength=len(td))
        has = cnt > 0
        out[has, 0] = np.bincount(tt, lon[jj], len(td))[has] / cnt[has]
        out[has, 1] = np.bincount(tt, lat[jj], len(td))[has] / cnt[has]
    return out


def plan_cost(jobs: pd.DataFrame, assigned: pd.DataFrame, td: pd.DataFrame,
              start, end, w: Weights | None = None) -> float:
    """The objective (without the geographic term) of an assignment: edge costs of the
    planned jobs plus the value of those left out. Used to compare plans (and by tests
    against brute force).

    Examples
    --------
    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"job_id": ["a"], "site_id": ["A"], "kind": ["法定"], "k": [0],
    ...     "release": pd.to_datetime(["2026-12-01"]), "due": pd.to_datetime(["2026-12-01"]),
    ...     "mandatory": [True], "behind": [False], "priority": [0.0], "lon": [121.39],
    ...     "lat": [31.25], "skills": [frozenset()]})
    >>> td = pd.DataFrame({"date": pd.to_datetime(["2026-12-01"]), "team": ["一组"], "capacity": [1]})
    >>> plan_cost(jobs, assign_visits(jobs, td, "2026-12-01", "2026-12-01"), td, "2026-12-01", "2026-12-01")
    0.0
    """
    w = w or Weights()
    s, e = as_day(start), as_day(end)
    n_work = td["date"].nunique()
    value = _values(jobs, w, (e - s).days + 1, n_work)
    key = {(pd.Timestamp(d), tm): i for i, (d, tm) in enumerate(zip(td["date"], td["team"], strict=True))}
    by_id = assigned.set_index("job_id")
    total = 0.0
    for i, jid in enumerate(jobs["job_id"]):
        row = by_id.loc[jid]
        if pd.isna(row["date"]):
            total += value[i]
            continue
        tt = key[(pd.Timestamp(row["date"]), row["team"])]
        total += float(edge_costs(jobs, td, np.array([i]), np.array([tt]), s, w)[0])
    return round(total, 6)


def assign_visits(
    jobs: pd.DataFrame,
    td: pd.DataFrame,
    start: dt.date | str | pd.Timestamp,
    end: dt.date | str | pd.Timestamp,
    *,
    team_skills: Mapping[str, frozenset] | None = None,
    previous: pd.DataFrame | None = None,
    weights: Weights | None = None,
) -> pd.DataFrame:
    """Assign jobs (:func:`routes.period.needs.visit_needs`) to team-days (:func:`team_days`).

    Parameters
    ----------
    jobs : DataFrame
        ``job_id, site_id, kind, release, due, mandatory, behind, priority, lon, lat, skills``.
    td : DataFrame
        ``date, team, capacity``.
    start, end : date-like
        The period.
    team_skills : {team: frozenset}, optional
        Skills of each team (default: none).
    previous : DataFrame, optional
        An earlier plan (``job_id, date, team``): edges it used are cheaper (least change).
    weights : Weights, optional

    Returns
    -------
    DataFrame
        ``jobs`` plus ``date`` (NaT when left out), ``team`` (None when left out),
        ``late_days`` (days after the due date, 0 when on time or left out), ``on_time``.
    """
    w = weights or Weights()
    s, e = as_day(start), as_day(end)
    jobs = jobs.reset_index(drop=True)
    td = td.reset_index(drop=True)
    out = jobs.copy()
    out["date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    out["team"] = pd.Series(None, index=out.index, dtype=object)
    if len(jobs) and len(td):
        j, t, _ = _edges(jobs, td, team_skills or {}, w)
        prev = None
        if previous is not None and len(previous):
            p = previous.dropna(subset=["date"])
            prev = dict(zip(p["job_id"], zip(pd.to_datetime(p["date"]), p["team"], strict=True),
                            strict=True))
        value = _values(jobs, w, (e - s).days + 1, td["date"].nunique())
        anchors = None
        chosen = np.zeros(len(j), dtype=bool)
        passes = max(int(w.geo_passes), 0) if w.geo > 0 else 0
        if len(j) > LARGE_EDGES:  # long periods: one clustering pass keeps the plan to seconds
            passes = min(passes, 1)
        for _ in range(1 + passes):
            c = edge_costs(jobs, td, j, t, s, w, anchors, prev)
            chosen = _solve(c, value, j, t, len(jobs), td)
            anchors = _anchors(jobs, td, j, t, chosen)
        jj, tt = j[chosen], t[chosen]
        out.loc[jj, "date"] = td["date"].to_numpy()[tt]
        out.loc[jj, "team"] = td["team"].to_numpy()[tt]
        out = _order_owed_visits(out)
    late = (out["date"] - out["due"]).dt.days
    out["late_days"] = late.clip(lower=0).fillna(0).astype(int)
    out["on_time"] = out["date"].notna() & (late <= 0)
    return out


def _order_owed_visits(out: pd.DataFrame) -> pd.DataFrame:
    """Give a unit's planned statutory visits to its owed visits in due order (this year's before next year's)."""
    stat = out[out["kind"] == KIND_STATUTORY]
    by_k = stat.sort_values(["site_id", "due", "k"], kind="stable").index
    by_date = stat.sort_values(["site_id", "date"], kind="stable", na_position="last")
    out.loc[by_k, "date"] = by_date["date"].to_numpy()
    out.loc[by_k, "team"] = by_date["team"].to_numpy()
    return out


def team_skill_map(teams: Sequence) -> dict[str, frozenset]:
    """``{name: skills}`` of :class:`routes.period.calendar.PeriodTeam` objects."""
    return {t.name: t.skills for t in teams}
