"""A period plan: who visits which unit on which day, and what capacity cannot cover.

:func:`plan_period` strings the steps together — the jobs of the period
(:func:`routes.period.needs.visit_needs`), the team-days (:func:`routes.period.calendar.team_days`),
the assignment (:func:`routes.period.assign.assign_visits`) and the shortfall report
(:func:`routes.period.report.shortfall`) — and returns a :class:`PeriodPlan`.
:meth:`PeriodPlan.sequence` orders each team-day cheaply (nearest unit next, straight-line
travel at the team's speed, lunch break kept) to give planned arrival times for every visit;
:meth:`PeriodPlan.route_day` hands one day to the day planner (:func:`routes.planning.plan_routes`)
with every unit pinned to its team — the app routes only the day the user opens.
:func:`replan_period` re-plans after a day's inspections are recorded, with the least change.

Examples
--------
>>> import datetime as dt
>>> plan = plan_period(sites, insp, hazards, read_teams("teams.csv"), dt.date(2026, 12, 1), 31)  # doctest: +SKIP
>>> print(plan.summary_zh())  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.frequency import as_day
from routes.period.assign import Weights, assign_visits, team_skill_map
from routes.period.calendar import PeriodTeam, team_days
from routes.period.needs import KIND_REINSPECT, visit_needs
from routes.period.report import Shortfall, capacity_vs_need, shortfall
from routes.planning import PlanningError, RoutePlan, _office, _service_min, fmt_hhmm, plan_routes
from routes.travel import StraightLineProvider

__all__ = ["PIN_PREFIX", "SEQUENCE_COLUMNS", "PeriodPlan", "plan_period", "replan_period"]

#: Skill that pins a unit to the team the period plan gave it when a day is routed.
PIN_PREFIX = "本期派:"
#: Columns of :meth:`PeriodPlan.sequence` (the command line's CSV).
SEQUENCE_COLUMNS = ("date", "team", "order", "site_id", "planned_arrival", "kind", "due",
                    "late_days", "name", "committee", "priority")


@dataclass
class PeriodPlan:
    """Result of :func:`plan_period`.

    Attributes
    ----------
    start, end : Timestamp
        The period (both days included).
    teams : list of PeriodTeam
    team_days : DataFrame
        ``date, team, capacity, reserved``.
    visits : DataFrame
        Every job (:data:`routes.period.needs.JOB_COLUMNS`) with ``date``, ``team`` (empty
        when left out), ``late_days``, ``on_time``.
    shortfall : Shortfall
    balance : DataFrame
        :func:`routes.period.report.capacity_vs_need`.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    teams: list[PeriodTeam]
    team_days: pd.DataFrame
    visits: pd.DataFrame
    shortfall: Shortfall
    balance: pd.DataFrame

    @property
    def planned(self) -> pd.DataFrame:
        """The planned visits only, by date, team and due date."""
        p = self.visits.dropna(subset=["date"])
        return p.sort_values(["date", "team", "due"], kind="stable")

    def calendar(self) -> pd.DataFrame:
        """Visits per team (rows) and working day (columns); ``-`` where the team is off.

        Examples
        --------
        >>> plan.calendar().loc["巡查1组"].iloc[:3].tolist()  # doctest: +SKIP
        [10, 10, '休']
        """
        counts = self.planned.groupby(["team", "date"]).size()
        days = sorted(self.team_days["date"].unique())
        rows = {}
        on = set(zip(self.team_days["team"], self.team_days["date"], strict=True))
        for t in self.teams:
            rows[t.name] = [int(counts.get((t.name, d), 0)) if (t.name, d) in on else "休"
                            for d in days]
        return pd.DataFrame(rows, index=[pd.Timestamp(d) for d in days]).T

    def summary_zh(self) -> str:
        """Chinese summary: period, teams, planned visits, re-inspections, shortfall."""
        p = self.planned
        re_ = self.visits[self.visits["kind"] == KIND_REINSPECT]
        lines = [
            f"{self.start:%Y年%m月%d日}至{self.end:%m月%d日}：{len(self.teams)} 个小组、"
            f"{len(self.team_days)} 个组日，计划检查 {len(p)} 家次"
            f"（复查 {int(re_['date'].notna().sum())}/{len(re_)}）。",
            self.shortfall.summary_zh(),
        ]
        return "\n".join(lines)

    def sequence(self) -> pd.DataFrame:
        """Every planned visit in route order with an estimated arrival (:data:`SEQUENCE_COLUMNS`).

        Each team-day is ordered nearest-unit-next from the office (straight-line travel at the
        team's mode speed, the sector's inspection time, the shifts with their lunch break); the
        day planner (:meth:`route_day`) gives the optimised route of a day the user opens.
        """
        p = self.planned.drop_duplicates(["date", "team", "site_id"])
        if p.empty:
            return pd.DataFrame(columns=list(SEQUENCE_COLUMNS))
        office = _office()
        specs = {t.name: t.spec for t in self.teams}
        parts = []
        for (_day, team), grp in p.groupby(["date", "team"], sort=True):
            spec = specs[team]
            lons = np.concatenate([[office.lon], grp["lon"].to_numpy(float)])
            lats = np.concatenate([[office.lat], grp["lat"].to_numpy(float)])
            mat = StraightLineProvider(spec.mode).matrix(lons, lats)
            service = [_service_min(r) for r in grp.to_dict("records")]
            shifts = list(spec.shift_minutes())
            order, arrivals = _nearest_next(mat, service, shifts)
            g = grp.iloc[order].assign(order=np.arange(1, len(order) + 1),
                                       planned_arrival=[fmt_hhmm(a) for a in arrivals])
            parts.append(g)
        out = pd.concat(parts, ignore_index=True)
        out["date"] = out["date"].dt.strftime("%Y-%m-%d")
        out["due"] = out["due"].dt.strftime("%Y-%m-%d")
        return out[list(SEQUENCE_COLUMNS)]

    def day_candidates(self, date: dt.date | str | pd.Timestamp, sites: pd.DataFrame) -> tuple[
            pd.DataFrame, list]:
        """Candidates and teams of one day for the day planner, each unit pinned to its team.

        Parameters
        ----------
        date : date-like
        sites : DataFrame
            The (scored) sites table the plan was made from.

        Returns
        -------
        (DataFrame, list of TeamSpec)
            The day's units (``must_visit`` true, ``must_reasons`` 复查/法定检查, a ``skills``
            pin) and the teams working that day (with their pin skill).
        """
        day = as_day(date)
        todays = self.planned[self.planned["date"] == day].drop_duplicates("site_id")
        on = self.team_days.loc[self.team_days["date"] == day, "team"].tolist()
        teams = [dataclasses.replace(t.spec, skills=(*_skills(t.spec), PIN_PREFIX + t.name))
                 for t in self.teams if t.name in on]
        kinds = self.planned[self.planned["date"] == day].groupby("site_id")["kind"].agg(
            lambda k: sorted(set(k)))
        cand = sites.drop(columns="geometry", errors="ignore")
        cand = cand[cand["site_id"].astype(str).isin(set(todays["site_id"]))].copy()
        team_of = dict(zip(todays["site_id"], todays["team"], strict=True))
        cand["must_visit"] = True
        cand["must_reasons"] = [
            ["复查隐患" if k == KIND_REINSPECT else "法定检查" for k in kinds.get(s, [])]
            for s in cand["site_id"].astype(str)
        ]
        cand["skills"] = [PIN_PREFIX + team_of[s] for s in cand["site_id"].astype(str)]
        return cand, teams

    def route_day(self, date: dt.date | str | pd.Timestamp, sites: pd.DataFrame, **kwargs) -> RoutePlan:
        """Route one day of the plan with :func:`routes.planning.plan_routes` (units pinned).

        ``kwargs`` go to :func:`routes.planning.plan_routes` (``time_limit``, ``provider`` …).
        """
        cand, teams = self.day_candidates(date, sites)
        if cand.empty or not teams:
            raise PlanningError(f"{as_day(date):%Y-%m-%d} 本期计划没有安排检查")
        return plan_routes(cand, teams, as_day(date).date(), **kwargs)


def _skills(spec) -> tuple[str, ...]:
    raw = spec.skills
    return (raw,) if isinstance(raw, str) else tuple(raw or ())


def _nearest_next(mat: np.ndarray, service: Sequence[float], shifts: Sequence[tuple[float, float]]):
    """Nearest-unit-next order from location 0 and arrival minutes (lunch break kept)."""
    n = mat.shape[0] - 1
    left = set(range(1, n + 1))
    here, shift, clock = 0, 0, shifts[0][0]
    order, arrivals = [], []
    while left:
        nxt = min(left, key=lambda k: (mat[here, k], k))
        arrive = clock + mat[here, nxt]
        while shift + 1 < len(shifts) and arrive + service[nxt - 1] > shifts[shift][1]:
            shift += 1
            arrive = max(arrive, shifts[shift][0])
        order.append(nxt - 1)
        arrivals.append(arrive)
        clock = arrive + service[nxt - 1]
        here = nxt
        left.discard(nxt)
    return order, arrivals


def plan_period(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    hazards: pd.DataFrame,
    teams: Sequence[PeriodTeam],
    start: dt.date | str | pd.Timestamp,
    n_days: int,
    *,
    priority: str = "score",
    previous: pd.DataFrame | None = None,
    weights: Weights | None = None,
    calendar_path=None,
) -> PeriodPlan:
    """Plan a period: each unit that needs a visit gets a day and a team.

    Parameters
    ----------
    sites : DataFrame
        Sites joined with :func:`risk.score_sites` (``site_id, lon, lat, score`` …).
    inspections, hazards : DataFrame
        The ledger up to the day before ``start``.
    teams : sequence of PeriodTeam
        The teams and their calendars (:func:`routes.period.calendar.read_teams`).
    start : date-like
        First day.
    n_days : int
        Calendar days (7 a week, 31 a month; to the year end: ``(Dec 31 - start) + 1``).
    priority : str
        Priority column (0-100).
    previous : DataFrame, optional
        The plan's visits before a re-plan (``job_id, date, team``): least change.
    weights : Weights, optional
    calendar_path : path, optional
        Alternative holiday calendar.

    Returns
    -------
    PeriodPlan

    Examples
    --------
    >>> import pandas as pd
    >>> from routes.planning import TeamSpec
    >>> sites = pd.DataFrame({"site_id": ["A", "B", "C"], "lon": [121.39, 121.40, 121.41],
    ...     "lat": 31.25, "key_list": False, "score": [90.0, 20.0, 50.0], "committee": "真西"})
    >>> insp = pd.DataFrame({"site_id": ["A"], "date": pd.to_datetime(["2026-08-01"])})
    >>> plan = plan_period(sites, insp, pd.DataFrame(), [PeriodTeam(TeamSpec("一组"), capacity=1)],
    ...                    "2026-12-28", 4)
    >>> plan.planned[["site_id", "k", "date"]].astype(str).values.tolist()  # overdue, then risk
    [['C', '0', '2026-12-28'], ['A', '1', '2026-12-29'], ['C', '1', '2026-12-30'], ['B', '0', '2026-12-31']]
    >>> plan.shortfall.missed, plan.shortfall.team_days_needed  # B's second visit does not fit
    (1, 1)
    """
    s = as_day(start)
    td = team_days(teams, s.date(), n_days, calendar_path)
    end = s + pd.Timedelta(days=int(n_days) - 1)
    jobs = visit_needs(sites, inspections, hazards, s, end, priority=priority,
                       calendar_path=calendar_path)
    visits = assign_visits(jobs, td, s, end, team_skills=team_skill_map(teams),
                           previous=previous, weights=weights)
    return PeriodPlan(
        start=s, end=end, teams=list(teams), team_days=td, visits=visits,
        shortfall=shortfall(visits, td), balance=capacity_vs_need(visits, td),
    )


def replan_period(
    plan: PeriodPlan,
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    hazards: pd.DataFrame,
    start: dt.date | str | pd.Timestamp,
    *,
    teams: Sequence[PeriodTeam] | None = None,
    **kwargs,
) -> PeriodPlan:
    """Re-plan the rest of ``plan`` from ``start`` on, after inspections were recorded.

    The ledger decides what is still owed (visits made leave, new hazards bring 复查); the
    old plan's days are preferred (:class:`routes.period.assign.Weights` ``keep``), so teams
    keep the days they already know unless the statute or a new 复查 needs the change.

    Examples
    --------
    >>> later = replan_period(plan, sites, insp, hazards, "2026-12-02")  # doctest: +SKIP
    """
    s = as_day(start)
    n_days = (plan.end - s).days + 1
    if n_days < 1:
        raise PlanningError("重新计划的开始日期已超出本期")
    return plan_period(sites, inspections, hazards, teams or plan.teams, s, n_days,
                       previous=plan.visits[["job_id", "date", "team"]], **kwargs)
