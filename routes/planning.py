"""Turn the site registry into a day's inspection plan for N teams.

:func:`plan_routes` takes candidate sites (the ``sites`` table, usually joined with
``risk.score_sites``), a list of :class:`TeamSpec` and the plan date; it builds the
:class:`routes.model.Problem` with :func:`build_problem` (prize = priority, must-visit flags,
opening-hour windows, skills, service minutes from the sector table), calls
:func:`routes.solver.solve`, checks the result with :func:`routes.feasibility.check`, and
returns a :class:`RoutePlan` with one ordered stop list per team, the left-out sites with a
Chinese reason each, totals and a Chinese summary.

Examples
--------
>>> import datetime as dt
>>> teams = [TeamSpec("一组", leader="张科长"), TeamSpec("二组", mode="步行")]
>>> plan = plan_routes(candidates, teams, dt.date(2026, 12, 1))  # doctest: +SKIP
>>> print(plan.summary_zh())  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from registry.enums import ACTIVE_STATES
from registry.sectors import SECTORS, service_minutes
from routes.explain import (
    LEADER_SKILL,
    SPECIALIST_SECTORS,
    focus_points,
    left_out_reason,
    must_reason_text,
)
from routes.model import Problem, Solution, Team, Visit
from routes.travel import StraightLineProvider, TravelError, TravelProvider, normalise_mode

__all__ = [
    "DEFAULT_SERVICE_MIN",
    "DEFAULT_SHIFTS",
    "PlanningError",
    "PlanningProblem",
    "RoutePlan",
    "TeamRoute",
    "TeamSpec",
    "build_problem",
    "fmt_hhmm",
    "multi_day_summary_zh",
    "parse_hhmm",
    "plan_days",
    "plan_routes",
]

DEFAULT_SHIFTS: tuple[tuple[str, str], ...] = (("09:00", "11:30"), ("13:30", "17:00"))
"""Default working day: morning and afternoon with a lunch break."""

DEFAULT_SERVICE_MIN = 30.0
"""Inspection time of a site whose sector is unknown."""

OFFICE_ID = "OFFICE"
"""Location id of the 街道办事处 (also the row/column id in an external matrix)."""


class PlanningError(ValueError):
    """Invalid planning input; the message is Chinese and meant for the user."""


# ----------------------------------------------------------------------------- time helpers

_HHMM = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*$")


def parse_hhmm(value) -> float:
    """Minutes after midnight of ``"HH:MM"``, a ``datetime.time`` or a number of minutes.

    Examples
    --------
    >>> parse_hhmm("09:30"), parse_hhmm("24:00"), parse_hhmm(600)
    (570.0, 1440.0, 600.0)
    """
    if isinstance(value, dt.time):
        return value.hour * 60.0 + value.minute + value.second / 60.0
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        v = float(value)
        if not (0 <= v <= 1440):
            raise PlanningError(f"时间超出一天范围：{value}")
        return v
    m = _HHMM.match(str(value))
    if not m:
        raise PlanningError(f"时间格式应为 HH:MM（收到「{value}」）")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi >= 60 or h > 24 or (h == 24 and mi):
        raise PlanningError(f"时间不存在：「{value}」")
    return h * 60.0 + mi


def fmt_hhmm(minutes: float) -> str:
    """``"HH:MM"`` of a time in minutes after midnight (rounded to the minute).

    Examples
    --------
    >>> fmt_hhmm(570.4), fmt_hhmm(1439.6)
    ('09:30', '24:00')
    """
    m = round(float(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def _parse_shifts(name: str, shifts) -> tuple[tuple[float, float], ...]:
    if isinstance(shifts, str):
        shifts = [s for s in re.split(r"[,，;；\s]+", shifts) if s]
    out = []
    for item in shifts:
        if isinstance(item, str):
            pieces = re.split(r"\s*[-–~～至]\s*", item.strip())
            if len(pieces) != 2:
                raise PlanningError(f"队伍「{name}」的班次「{item}」应写成 09:00-11:30")
            item = pieces
        try:
            a, b = item
        except (TypeError, ValueError):
            raise PlanningError(f"队伍「{name}」的班次应为（开始, 结束）时间对") from None
        a, b = parse_hhmm(a), parse_hhmm(b)
        if b <= a:
            raise PlanningError(
                f"队伍「{name}」的班次结束时间 {fmt_hhmm(b)} 不晚于开始时间 {fmt_hhmm(a)}"
            )
        out.append((a, b))
    if not out:
        raise PlanningError(f"队伍「{name}」没有班次")
    out.sort()
    for (_, b0), (a1, _) in itertools.pairwise(out):
        if a1 < b0:
            raise PlanningError(f"队伍「{name}」的班次时间重叠")
    return tuple(out)


# ----------------------------------------------------------------------------- teams


@dataclass(frozen=True)
class TeamSpec:
    """One inspection team for the day.

    Parameters
    ----------
    name : str
        Team name, e.g. ``"平安办一组"``.
    mode : str
        步行, 电动自行车 (default) or 汽车 (aliases walk / ebike / car).
    shifts : sequence
        Working intervals, e.g. ``(("09:00", "11:30"), ("13:30", "17:00"))`` (default), or
        ``"09:00-11:30,13:30-17:00"``.
    members : tuple of str
        Member names (printed on the route sheet).
    leader : str, optional
        带队领导; a team with a leader may take leader-led (领导带队) sites.
    skills : iterable of str
        Specialist skills: sector names (``"特种设备"``, ``"建筑施工"``) or a department, which
        grants the specialist sectors it supervises (``"真如市场监管所"`` → 特种设备).
    start_lon, start_lat : float, optional
        Start point (WGS-84); default the 街道办事处 (approximate position).
    end_lon, end_lat : float, optional
        End point; default the start point.
    start_label, end_label : str, optional
        Names of the start/end points for the route sheet.
    start_id, end_id : str, optional
        Ids of the start/end points in an external travel matrix.

    Examples
    --------
    >>> t = TeamSpec("市场监管组", mode="汽车", skills={"真如市场监管所"})
    >>> sorted(t.skill_set())
    ['特种设备']
    """

    name: str
    mode: str = "电动自行车"
    shifts: Sequence = DEFAULT_SHIFTS
    members: tuple[str, ...] = ()
    leader: str | None = None
    skills: Iterable[str] = frozenset()
    start_lon: float | None = None
    start_lat: float | None = None
    end_lon: float | None = None
    end_lat: float | None = None
    start_label: str | None = None
    end_label: str | None = None
    start_id: str | None = None
    end_id: str | None = None

    def skill_set(self) -> frozenset[str]:
        """Skills of the team, departments expanded, plus 领导带队 when it has a leader."""
        raw = [self.skills] if isinstance(self.skills, str) else list(self.skills or ())
        out: set[str] = set()
        for s in raw:
            s = str(s).strip()
            if not s:
                continue
            granted = [sec for sec in SPECIALIST_SECTORS if SECTORS[sec].department == s]
            out.update(granted or [s])
        if self.leader and str(self.leader).strip():
            out.add(LEADER_SKILL)
        return frozenset(out)

    def shift_minutes(self) -> tuple[tuple[float, float], ...]:
        """Shifts as minutes after midnight (validated)."""
        return _parse_shifts(self.name, self.shifts)


@dataclass(frozen=True)
class _Depot:
    lon: float
    lat: float
    label: str
    id: str
    approximate: bool


def _office() -> _Depot:
    from layers.geodata import office  # imported late: geodata loads files on first use

    row = office().iloc[0]
    label = f"{row['name']}（{str(row['address']).replace('上海市普陀区', '')}"
    label += "，位置为近似）" if bool(row["approximate"]) else "）"
    return _Depot(float(row["lon"]), float(row["lat"]), label, OFFICE_ID, bool(row["approximate"]))


def _team_depots(team: TeamSpec, office: _Depot) -> tuple[_Depot, _Depot]:
    def point(lon, lat, label, ident, which) -> _Depot:
        if lon is None and lat is None:
            return office
        if lon is None or lat is None:
            raise PlanningError(f"队伍「{team.name}」的{which}只给了经度或纬度中的一个")
        lon, lat = float(lon), float(lat)
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
            raise PlanningError(f"队伍「{team.name}」的{which}坐标无效")
        return _Depot(lon, lat, label or f"{team.name}{which}", ident or f"{team.name}:{which}", False)

    start = point(team.start_lon, team.start_lat, team.start_label, team.start_id, "起点")
    if team.end_lon is None and team.end_lat is None:
        end = start
    else:
        end = point(team.end_lon, team.end_lat, team.end_label, team.end_id, "终点")
    return start, end


# ----------------------------------------------------------------------------- candidates


def _bool_col(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series(False, index=df.index)
    s = df[col]
    if not pd.api.types.is_bool_dtype(s):
        s = s.map(
            lambda v: str(v).strip().lower() in ("1", "true", "yes", "y", "是", "√")
            if isinstance(v, str)
            else (bool(v) if not pd.isna(v) else False)
        )
    return s.fillna(False).astype(bool)


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dt.time):
        return False
    return bool(pd.isna(value))


def _windows(open_v, close_v, site: str) -> tuple[tuple[tuple[float, float], ...], str | None]:
    missing_open, missing_close = _missing(open_v), _missing(close_v)
    if missing_open and missing_close:
        return ((0.0, math.inf),), None
    try:
        a = 0.0 if missing_open else parse_hhmm(open_v)
        b = 1440.0 if missing_close else parse_hhmm(close_v)
    except PlanningError as err:
        raise PlanningError(f"单位 {site} 的营业时间有误：{err}") from None
    hours = f"{fmt_hhmm(a)}-{fmt_hhmm(b)}"
    if b > a:
        return ((a, b),), hours
    if b == a:
        return ((0.0, math.inf),), None  # "00:00-00:00": open around the clock
    return ((0.0, b), (a, 1440.0)), hours  # overnight, e.g. 18:00-02:00


def _required_skills(row: Mapping, leader_led: bool) -> frozenset[str]:
    out: set[str] = set()
    explicit = row.get("skills", None)
    if isinstance(explicit, str):
        out.update(s.strip() for s in re.split(r"[,，;；、]", explicit) if s.strip())
    elif isinstance(explicit, Iterable):
        out.update(str(s) for s in explicit)
    category = row.get("category", None)
    if isinstance(category, str) and category in SPECIALIST_SECTORS:
        out.add(category)
    if leader_led:
        out.add(LEADER_SKILL)
    return frozenset(out)


def _service_min(row: Mapping) -> float:
    value = row.get("service_min", None)
    if value is not None and not pd.isna(value):
        v = float(value)
        if v < 0:
            raise PlanningError(f"单位 {row['site_id']} 的检查时长为负数")
        return v
    category = row.get("category", None)
    sub = row.get("subcategory", None)
    sub = sub if isinstance(sub, str) else None
    if isinstance(category, str) and category in SECTORS:
        return float(service_minutes(category, sub))
    return DEFAULT_SERVICE_MIN


def _prepare_candidates(candidates: pd.DataFrame, priority: str) -> pd.DataFrame:
    if candidates is None or not isinstance(candidates, pd.DataFrame):
        raise PlanningError("候选单位必须是表格（DataFrame）")
    if len(candidates) == 0:
        raise PlanningError("没有候选单位：请先在筛选条件中选出要检查的单位")
    for col in ("site_id", "lon", "lat"):
        if col not in candidates:
            raise PlanningError(f"候选单位表缺少列「{col}」")
    df = pd.DataFrame(candidates).reset_index(drop=True).copy()
    if "operating_state" in df:  # 停业 / 注销: kept in the registry, never planned
        df = df[df["operating_state"].fillna(ACTIVE_STATES[0]).isin(ACTIVE_STATES)]
        df = df.reset_index(drop=True)
        if len(df) == 0:
            raise PlanningError("候选单位均已停业或注销，没有可安排的单位")
    df["site_id"] = df["site_id"].astype(str)
    dup = df["site_id"][df["site_id"].duplicated()].unique().tolist()
    if dup:
        raise PlanningError(f"候选单位编号重复：{'、'.join(dup[:10])}")
    lon = pd.to_numeric(df["lon"], errors="coerce")
    lat = pd.to_numeric(df["lat"], errors="coerce")
    bad = ~(np.isfinite(lon) & np.isfinite(lat)) | (lon.abs() > 180) | (lat.abs() > 90)
    if bad.any():
        names = df.loc[bad, "name"] if "name" in df else df.loc[bad, "site_id"]
        listed = "、".join(f"{sid}（{n}）" for sid, n in zip(df.loc[bad, "site_id"], names, strict=True))
        raise PlanningError(
            f"{int(bad.sum())} 家单位缺少有效坐标，无法排路线：{listed[:300]}。请先补全坐标或从候选中移除"
        )
    df["lon"], df["lat"] = lon.astype(float), lat.astype(float)
    if priority not in df:
        raise PlanningError(f"候选单位表缺少优先级列「{priority}」（例如风险分 score）")
    prio = pd.to_numeric(df[priority], errors="coerce")
    if prio.isna().all() and len(prio):
        raise PlanningError(f"优先级列「{priority}」不是数值")
    df["priority"] = prio.fillna(0.0).clip(lower=0.0).astype(float)
    df["must_visit"] = _bool_col(df, "must_visit")
    df["leader_led"] = _bool_col(df, "leader_led")
    for col in ("name", "address", "category", "subcategory", "level"):
        if col not in df:
            df[col] = ""
    return df


# ----------------------------------------------------------------------------- plan


@dataclass
class TeamRoute:
    """The day of one team.

    Attributes
    ----------
    team : TeamSpec
    stops : DataFrame
        Ordered stops: ``seq, site_id, name, address, category, subcategory, level, score,
        priority, arrival, start, leave (HH:MM), wait_min, travel_min, service_min,
        must_visit, must_reasons, leader_led, focus (检查要点), note (e.g. 午休后 13:30 开始检查),
        lon, lat, coord_quality``. ``travel_min`` is the leg from the previous stop.
    """

    team: TeamSpec
    stops: pd.DataFrame
    start: _Depot
    end: _Depot
    depart: str
    end_time: str
    travel_min: float
    service_min: float
    return_travel_min: float
    priority: float

    @property
    def n_stops(self) -> int:
        """Number of sites visited."""
        return len(self.stops)


@dataclass
class RoutePlan:
    """Result of :func:`plan_routes`.

    Attributes
    ----------
    date : datetime.date
    routes : list of TeamRoute
        One per team, in the order given.
    left_out : DataFrame
        Sites not in the plan: ``site_id, name, address, category, level, score, priority,
        must_visit, reason_code, reason`` (reason in Chinese).
    totals : dict
        ``teams, candidates, sites_visited, priority_collected, travel_min, service_min,
        must_total, must_served, must_missed, left_out``.
    check_messages : list of str
        Findings of :func:`routes.feasibility.check` (empty when the plan is feasible).
    notes : list of str
        Caveats for the user (approximate office position, travel-time fallbacks).
    """

    date: dt.date
    routes: list[TeamRoute]
    left_out: pd.DataFrame
    totals: dict
    problem: Problem
    solution: Solution
    check_messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    priority_column: str = "score"

    @property
    def feasible(self) -> bool:
        """True when the independent feasibility check found nothing."""
        return not self.check_messages

    def all_stops(self) -> pd.DataFrame:
        """All stops of all teams in one table, with a ``team`` column first."""
        frames = [r.stops.assign(team=r.team.name) for r in self.routes]
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        return out[["team", *[c for c in out.columns if c != "team"]]]

    def summary_zh(self) -> str:
        """Chinese summary of the plan (a few lines, for the page or a chat message)."""
        t = self.totals
        lines = [
            f"{self.date:%Y年%m月%d日} 巡查计划：{t['teams']} 个小组，候选 {t['candidates']} 家，"
            f"安排 {t['sites_visited']} 家，累计优先级 {t['priority_collected']:.0f}，"
            f"路途 {t['travel_min']:.0f} 分钟，现场检查 {t['service_min']:.0f} 分钟。"
        ]
        if t["must_total"]:
            if t["must_missed"]:
                lines.append(
                    f"必查单位 {t['must_total']} 家，已安排 {t['must_served']} 家，"
                    f"未能安排 {t['must_missed']} 家（见未安排清单）。"
                )
            else:
                lines.append(f"必查单位 {t['must_total']} 家全部安排。")
        for r in self.routes:
            who = f"，带队 {r.team.leader}" if r.team.leader else ""
            mode = normalise_mode(r.team.mode)
            if r.n_stops:
                lines.append(
                    f"· {r.team.name}（{mode}{who}）：{r.n_stops} 家，{r.depart} 出发，"
                    f"约 {r.end_time} 返回，路途 {r.travel_min:.0f} 分钟"
                )
            else:
                lines.append(f"· {r.team.name}（{mode}{who}）：本日无安排")
        if len(self.left_out):
            counts = self.left_out["reason"].value_counts()
            detail = "；".join(f"{reason} {n} 家" for reason, n in counts.items())
            lines.append(f"未安排 {len(self.left_out)} 家：{detail}。")
        if self.check_messages:
            lines.append(f"⚠ 路线校验发现 {len(self.check_messages)} 处问题，请人工复核。")
        lines.extend(f"注：{n}" for n in self.notes)
        return "\n".join(lines)


def _providers(provider, modes: list[str]) -> dict[str, TravelProvider]:
    """One provider per travel mode.

    ``None`` → straight line per mode; a mapping → its entry (straight line for modes it
    lacks); a single provider → its ``with_mode(mode)`` copy when it has one (same data,
    the mode's speed), else the provider itself for every mode (e.g. an external matrix).
    """
    if provider is None:
        return {m: StraightLineProvider(m) for m in modes}
    if isinstance(provider, Mapping):
        try:
            mapped = {normalise_mode(k): v for k, v in provider.items()}
        except TravelError as err:
            raise PlanningError(str(err)) from None
        return {m: mapped.get(m) or StraightLineProvider(m) for m in modes}
    if not hasattr(provider, "matrix"):
        raise PlanningError("provider 必须提供 matrix(lons, lats) 方法")
    if hasattr(provider, "with_mode"):
        return {
            m: provider if getattr(provider, "mode", None) == m else provider.with_mode(m)
            for m in modes
        }
    return dict.fromkeys(modes, provider)


def _check_request(date, teams, max_candidates: int | None) -> list[TeamSpec]:
    """Validate the plan date, the teams and the candidate limit (Chinese errors)."""
    if not isinstance(date, dt.date):
        raise PlanningError("请提供计划日期（datetime.date）")
    teams = list(teams or [])
    if not teams:
        raise PlanningError("没有可用的检查队伍：请至少添加一个小组")
    names = [t.name for t in teams]
    if len(set(names)) != len(names):
        raise PlanningError("队伍名称重复，请为每个小组取不同的名字")
    if max_candidates is not None and max_candidates < 1:
        raise PlanningError("候选单位上限必须至少为 1")
    return teams


@dataclass(frozen=True, eq=False)
class PlanningProblem:
    """A day's routing problem built from the registry, ready for :func:`routes.solver.solve`.

    Output of :func:`build_problem`; :func:`plan_routes` solves :attr:`problem` and turns the
    solution back into route sheets with the other fields.

    Attributes
    ----------
    problem : routes.model.Problem
        Visits (prize = priority, ``must``, opening-hour ``windows``, required ``skills``,
        ``service`` minutes), one model team per :class:`TeamSpec` (same order) and one
        travel matrix per travel mode. Locations: the ``n_dep`` depots first, then the
        candidate sites in :attr:`records` order (visit ``i`` is at location ``n_dep + i``).
    date : datetime.date
        Plan date.
    teams : tuple of TeamSpec
        The teams on duty, in the order given.
    team_depots : tuple of (start, end) depots
        Start and end point of each team.
    depots : tuple
        The unique depots (locations ``0 .. n_dep - 1``).
    n_dep : int
        Number of depot locations.
    candidates : DataFrame
        All candidates, validated (``priority``, ``must_visit``, ``leader_led`` filled in).
    cut : Series of bool
        Candidates dropped by ``max_candidates`` (not in :attr:`problem`).
    records : list of dict
        The kept candidates, one per visit of :attr:`problem` (same order).
    hours_text : list of str or None
        Opening hours of each visit as ``"HH:MM-HH:MM"`` (``None``: no restriction).
    skill_sets : list of frozenset of str
        Skills each visit requires.
    notes : list of str
        Caveats for the user (approximate office position, travel-time fallbacks).
    max_candidates : int or None
        The candidate limit applied.
    priority : str
        Name of the priority column.

    Examples
    --------
    >>> pp = build_problem(candidates, [TeamSpec("一组")], dt.date(2026, 12, 1))  # doctest: +SKIP
    >>> len(pp.problem.visits), pp.problem.teams[0].shifts  # doctest: +SKIP
    (40, ((540.0, 690.0), (810.0, 1020.0)))
    """

    problem: Problem
    date: dt.date
    teams: tuple[TeamSpec, ...]
    team_depots: tuple[tuple[_Depot, _Depot], ...]
    depots: tuple[_Depot, ...]
    n_dep: int
    candidates: pd.DataFrame
    cut: pd.Series
    records: list[dict]
    hours_text: list[str | None]
    skill_sets: list[frozenset[str]]
    notes: list[str]
    max_candidates: int | None
    priority: str

    @property
    def model_teams(self) -> tuple[Team, ...]:
        """The model teams of :attr:`problem` (one per :class:`TeamSpec`, same order)."""
        return self.problem.teams

    def record_of(self, visit: int) -> dict:
        """The candidate row of visit ``visit`` of :attr:`problem`."""
        return self.records[self.problem.visits[visit].loc - self.n_dep]


def build_problem(
    candidates: pd.DataFrame,
    teams: Sequence[TeamSpec],
    date: dt.date,
    *,
    provider: TravelProvider | Mapping[str, TravelProvider] | None = None,
    max_candidates: int | None = None,
    priority: str = "score",
) -> PlanningProblem:
    """Build the routing problem of one inspection day (what :func:`plan_routes` solves).

    Validates the inputs, applies the candidate limit, computes the travel matrices of the
    teams' modes and turns every candidate into a :class:`routes.model.Visit` (prize =
    priority, must-visit flag, opening-hour windows, required skills, service minutes from
    the sector table) and every :class:`TeamSpec` into a :class:`routes.model.Team` (shifts
    with the lunch break, depots, travel mode, skills).

    Parameters
    ----------
    candidates : DataFrame
        Sites to choose from; columns as for :func:`plan_routes`.
    teams : sequence of TeamSpec
        The teams on duty.
    date : datetime.date
        Plan date.
    provider : TravelProvider or {mode: TravelProvider}, optional
        Travel times, as for :func:`plan_routes`.
    max_candidates : int, optional
        Keep only the must-visits plus the best-priority sites up to this many candidates.
    priority : str
        Name of the priority column (default ``score``).

    Returns
    -------
    PlanningProblem
        The :class:`routes.model.Problem` plus what is needed to turn a solution into
        route sheets.

    Raises
    ------
    PlanningError
        No teams, an invalid shift, a site without coordinates, no candidates, a travel
        provider that cannot serve (Chinese message).

    Examples
    --------
    >>> import datetime as dt, pandas as pd
    >>> from routes.solver import solve
    >>> sites = pd.DataFrame({"site_id": ["S1", "S2"], "lon": [121.39, 121.395],
    ...     "lat": [31.255, 31.252], "score": [80, 40], "category": ["群租", "特种设备"],
    ...     "must_visit": [True, False]})
    >>> pp = build_problem(sites, [TeamSpec("一组")], dt.date(2026, 12, 1))
    >>> [(v.id, v.must, sorted(v.skills)) for v in pp.problem.visits]
    [('S1', True, []), ('S2', False, ['特种设备'])]
    >>> sol = solve(pp.problem, time_limit=0.2)
    >>> [pp.record_of(s.visit)["site_id"] for s in sol.routes[0].stops]
    ['S1']
    """
    teams = _check_request(date, teams, max_candidates)
    shifts = [t.shift_minutes() for t in teams]
    try:
        modes = [normalise_mode(t.mode) for t in teams]
    except TravelError as err:
        raise PlanningError(str(err)) from None

    df = _prepare_candidates(candidates, priority)

    # Candidate limit: must-visits first, then by priority (stable on input order).
    cut = pd.Series(False, index=df.index)
    if max_candidates is not None and len(df) > max_candidates:
        order = df.assign(_pos=np.arange(len(df))).sort_values(
            ["must_visit", "priority", "_pos"], ascending=[False, False, True]
        )
        keep = order.index[: max(max_candidates, int(df["must_visit"].sum()))]
        cut = ~df.index.isin(keep)
    pool = df[~cut]

    # Locations: unique depots first, then candidate sites.
    office: _Depot | None = None
    team_depots = []
    for t in teams:
        needs_office = (t.start_lon is None and t.start_lat is None) or (
            t.end_lon is None and t.end_lat is None and t.start_lon is None
        )
        if needs_office and office is None:
            office = _office()
        team_depots.append(_team_depots(t, office))
    depots: list[_Depot] = []
    depot_index: dict[tuple, int] = {}
    for pair in team_depots:
        for d in pair:
            key = (d.id, round(d.lon, 7), round(d.lat, 7))
            if key not in depot_index:
                depot_index[key] = len(depots)
                depots.append(d)
    n_dep = len(depots)
    lons = np.concatenate([[d.lon for d in depots], pool["lon"].to_numpy()])
    lats = np.concatenate([[d.lat for d in depots], pool["lat"].to_numpy()])
    ids = [d.id for d in depots] + pool["site_id"].tolist()

    providers = _providers(provider, sorted(set(modes)))
    travel: dict[str, np.ndarray] = {}
    notes: list[str] = []
    by_provider: dict[int, np.ndarray] = {}
    for mode, prov in providers.items():
        try:
            if id(prov) not in by_provider:
                by_provider[id(prov)] = np.asarray(prov.matrix(lons, lats, ids), dtype=float)
        except TravelError as err:
            raise PlanningError(f"无法计算{mode}行程时间：{err}") from None
        mat = by_provider[id(prov)]
        if mat.shape != (len(ids), len(ids)) or np.isnan(mat).any() or (mat < 0).any():
            raise PlanningError(f"{mode}行程时间矩阵无效（大小不符、含空值或负值）")
        travel[mode] = mat
        fb = int(getattr(prov, "fallback_pairs", 0) or 0)
        if fb:
            note = f"{fb} 对点位之间无路网或矩阵数据，按直线距离估算"
            if note not in notes:
                notes.append(note)
    if office is not None and office.approximate:
        notes.append(f"出发点 {office.label}；路程时间为估算值")

    # Visits.
    visits: list[Visit] = []
    hours_text: list[str | None] = []
    skill_sets: list[frozenset[str]] = []
    records = pool.to_dict("records")  # plain dicts: much faster than iterrows/iloc
    for k, row in enumerate(records):
        windows, hours = _windows(row.get("open_time"), row.get("close_time"), row["site_id"])
        skills = _required_skills(row, bool(row["leader_led"]))
        visits.append(
            Visit(
                loc=n_dep + k,
                prize=float(row["priority"]),
                service=_service_min(row),
                windows=windows,
                skills=skills,
                must=bool(row["must_visit"]),
                id=row["site_id"],
            )
        )
        hours_text.append(hours)
        skill_sets.append(skills)
    model_teams = []
    for t, sh, mode, (s, e) in zip(teams, shifts, modes, team_depots, strict=True):
        model_teams.append(
            Team(
                start=depot_index[(s.id, round(s.lon, 7), round(s.lat, 7))],
                end=depot_index[(e.id, round(e.lon, 7), round(e.lat, 7))],
                shifts=sh,
                matrix=mode,
                skills=t.skill_set(),
                id=t.name,
            )
        )
    return PlanningProblem(
        problem=Problem(travel=travel, visits=tuple(visits), teams=tuple(model_teams)),
        date=date,
        teams=tuple(teams),
        team_depots=tuple(team_depots),
        depots=tuple(depots),
        n_dep=n_dep,
        candidates=df,
        cut=cut,
        records=records,
        hours_text=hours_text,
        skill_sets=skill_sets,
        notes=notes,
        max_candidates=max_candidates,
        priority=priority,
    )


def plan_routes(
    candidates: pd.DataFrame,
    teams: Sequence[TeamSpec],
    date: dt.date,
    *,
    provider: TravelProvider | Mapping[str, TravelProvider] | None = None,
    time_limit: float = 2.0,
    seed: int = 0,
    max_candidates: int | None = None,
    priority: str = "score",
    max_iterations: int | None = None,
) -> RoutePlan:
    """Plan one day of inspections for several teams.

    Parameters
    ----------
    candidates : DataFrame
        Sites to choose from (``site_id, lon, lat`` required; ``name, address, category,
        subcategory, level, coord_quality`` used when present). Priority column ``priority``
        (default ``score``, 0-100 from :func:`risk.score_sites`; any non-negative number).
        Optional: ``must_visit`` + ``must_reasons``, ``leader_led``, ``open_time`` /
        ``close_time`` ("HH:MM"; close before open = overnight), ``service_min`` (overrides the
        sector's inspection time), ``skills`` (extra required skills), ``reasons_text``.
    teams : sequence of TeamSpec
        The teams on duty.
    date : datetime.date
        Plan date (printed on every output).
    provider : TravelProvider or {mode: TravelProvider}, optional
        Travel times; default :class:`routes.travel.StraightLineProvider` per team mode. A
        single street-graph or straight-line provider is adapted to each team's mode
        (``with_mode``); any other single provider (an external matrix) serves every mode.
    time_limit : float
        Solver time budget in seconds.
    seed : int
        Random seed: same inputs, seed and time limit → same plan.
    max_candidates : int, optional
        Keep only the must-visits plus the best-priority sites up to this many candidates.
    priority : str
        Name of the priority column (default ``score``).
    max_iterations : int, optional
        Solver iteration budget. Default: deterministic iteration and work budgets derived
        from ``time_limit`` (see :func:`routes.solver.solve`), so the same inputs and ``seed``
        give the same plan unless the machine is so slow that the deadline ends the search.

    Returns
    -------
    RoutePlan

    Raises
    ------
    PlanningError
        No teams, an invalid shift, a site without coordinates, no candidates, a travel
        provider that cannot serve (Chinese message).

    Examples
    --------
    >>> import datetime as dt, pandas as pd
    >>> sites = pd.DataFrame({"site_id": ["S1", "S2"], "name": ["甲", "乙"],
    ...     "lon": [121.39, 121.395], "lat": [31.255, 31.252], "score": [80, 40],
    ...     "category": ["群租", "快递外卖点"]})
    >>> plan = plan_routes(sites, [TeamSpec("一组")], dt.date(2026, 12, 1), time_limit=0.2)
    >>> plan.totals["sites_visited"]
    2
    """
    from routes.feasibility import check
    from routes.solver import solve

    teams = _check_request(date, teams, max_candidates)
    if not (time_limit > 0):
        raise PlanningError("求解时间必须为正数")
    pp = build_problem(
        candidates, teams, date, provider=provider, max_candidates=max_candidates, priority=priority
    )
    problem, records, n_dep = pp.problem, pp.records, pp.n_dep
    solution = solve(problem, time_limit=time_limit, seed=seed, max_iterations=max_iterations)
    messages = list(check(problem, solution))

    # Per-team stop tables.
    routes: list[TeamRoute] = []
    by_team = {r.team: r for r in solution.routes}
    for ti, (t, mt, (s, e)) in enumerate(zip(pp.teams, pp.model_teams, pp.team_depots, strict=True)):
        mat = problem.travel[mt.matrix]
        r = by_team.get(ti)
        rows = []
        prev = mt.start
        for seq, stop in enumerate(r.stops if r else [], start=1):
            v = problem.visits[stop.visit]
            site = records[v.loc - n_dep]
            rows.append(_stop_row(seq, site, stop, v, float(mat[prev, v.loc]), mt.shifts))
            prev = v.loc
        stops = pd.DataFrame(rows, columns=_STOP_COLUMNS)
        back = float(mat[prev, mt.end]) if rows else 0.0
        routes.append(
            TeamRoute(
                team=t,
                stops=stops,
                start=s,
                end=e,
                depart=fmt_hhmm(mt.shifts[0][0]),
                end_time=fmt_hhmm(r.end_time if r and rows else mt.shifts[0][0]),
                travel_min=float(r.travel) if r else 0.0,
                service_min=float(r.service) if r else 0.0,
                return_travel_min=back,
                priority=float(r.prize) if r else 0.0,
            )
        )

    df = pp.candidates
    left = _left_out(
        df, pp.cut, records, problem, solution, pp.hours_text, pp.skill_sets, max_candidates
    )
    served_must = sum(int(rt.stops["must_visit"].sum()) for rt in routes)
    must_total = int(df["must_visit"].sum())
    totals = {
        "teams": len(pp.teams),
        "candidates": len(df),
        "sites_visited": sum(rt.n_stops for rt in routes),
        "priority_collected": float(sum(rt.priority for rt in routes)),
        "travel_min": float(sum(rt.travel_min for rt in routes)),
        "service_min": float(sum(rt.service_min for rt in routes)),
        "must_total": must_total,
        "must_served": served_must,
        "must_missed": must_total - served_must,
        "left_out": len(left),
    }
    return RoutePlan(
        date=date,
        routes=routes,
        left_out=left,
        totals=totals,
        problem=problem,
        solution=solution,
        check_messages=messages,
        notes=pp.notes,
        priority_column=priority,
    )


_STOP_COLUMNS = [
    "seq",
    "site_id",
    "name",
    "address",
    "category",
    "subcategory",
    "level",
    "score",
    "priority",
    "arrival",
    "start",
    "leave",
    "wait_min",
    "travel_min",
    "service_min",
    "must_visit",
    "must_reasons",
    "leader_led",
    "focus",
    "note",
    "lon",
    "lat",
    "coord_quality",
]


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)


def _wait_note(arrival: float, start: float, shifts: Sequence[tuple[float, float]]) -> str:
    if start - arrival < 1.0:
        return ""
    over_break = any(arrival <= b < start for _, b in shifts[:-1])
    what = "午休后" if over_break else "等候开门，"
    return f"{what}{fmt_hhmm(start)} 开始检查"


def _stop_row(
    seq: int, site: Mapping, stop, visit: Visit, travel_min: float, shifts
) -> list:
    score = site.get("score", np.nan)
    return [
        seq,
        site["site_id"],
        _text(site.get("name")),
        _text(site.get("address")),
        _text(site.get("category")),
        _text(site.get("subcategory")),
        _text(site.get("level")),
        float(score) if score is not None and not pd.isna(score) else np.nan,
        float(site["priority"]),
        fmt_hhmm(stop.arrival),
        fmt_hhmm(stop.start),
        fmt_hhmm(stop.leave),
        round(float(stop.start - stop.arrival), 1),
        round(travel_min, 1),
        round(float(visit.service), 1),
        bool(site["must_visit"]),
        must_reason_text(site.get("must_reasons")) if bool(site["must_visit"]) else "",
        bool(site["leader_led"]),
        focus_points(site),
        "；".join(
            n
            for n in (
                _wait_note(stop.arrival, stop.start, shifts),
                "坐标为近似，请按地址前往" if site.get("coord_quality") == "approximate" else "",
            )
            if n
        ),
        float(site["lon"]),
        float(site["lat"]),
        _text(site.get("coord_quality")),
    ]


_LEFT_COLUMNS = [
    "site_id",
    "name",
    "address",
    "category",
    "level",
    "score",
    "priority",
    "must_visit",
    "must_reasons",
    "reason_code",
    "reason",
    "lon",
    "lat",
]


def _left_out(
    df: pd.DataFrame,
    cut: pd.Series,
    records: list[dict],
    problem: Problem,
    solution: Solution,
    hours_text: list[str | None],
    skill_sets: list[frozenset[str]],
    top_n: int | None,
) -> pd.DataFrame:
    rows = []
    entries: list[tuple[dict, str, str]] = []
    for site in df[cut].to_dict("records"):
        entries.append((site, "cut", left_out_reason("cut", top_n=top_n)))
    for vi, code in sorted(solution.unassigned.items()):
        site = records[vi]
        reason = left_out_reason(
            code,
            must=problem.visits[vi].must,
            skills=skill_sets[vi],
            hours=hours_text[vi],
        )
        entries.append((site, code, reason))
    for site, code, reason in entries:
        score = site.get("score", np.nan)
        rows.append(
            [
                site["site_id"],
                _text(site.get("name")),
                _text(site.get("address")),
                _text(site.get("category")),
                _text(site.get("level")),
                float(score) if score is not None and not pd.isna(score) else np.nan,
                float(site["priority"]),
                bool(site["must_visit"]),
                must_reason_text(site.get("must_reasons")) if bool(site["must_visit"]) else "",
                code,
                reason,
                float(site["lon"]),
                float(site["lat"]),
            ]
        )
    out = pd.DataFrame(rows, columns=_LEFT_COLUMNS)
    if len(out):
        out = out.sort_values(["must_visit", "priority"], ascending=[False, False], kind="stable")
    return out.reset_index(drop=True)


def plan_days(
    candidates: pd.DataFrame,
    teams: Sequence[TeamSpec] | Mapping[dt.date, Sequence[TeamSpec]],
    dates: Sequence[dt.date],
    **kwargs,
) -> list[RoutePlan]:
    """Plan several consecutive days (e.g. the days before a holiday).

    Day 1 is planned from all candidates; each following day from the sites still left out,
    so must-visits missed on one day come first on the next. Sites visited on an earlier day
    are not planned again.

    Parameters
    ----------
    candidates : DataFrame
        As for :func:`plan_routes`.
    teams : sequence of TeamSpec or {date: sequence of TeamSpec}
        The same teams every day, or the teams on duty per date.
    dates : sequence of datetime.date
        Plan dates, in order.
    **kwargs
        Passed to :func:`plan_routes` (``provider``, ``time_limit``, ``seed``, ...).

    Returns
    -------
    list of RoutePlan
        One plan per date; the last plan's ``left_out`` lists what remains after all days.

    Examples
    --------
    >>> import datetime as dt
    >>> days = [dt.date(2026, 9, 28), dt.date(2026, 9, 29)]
    >>> plans = plan_days(candidates, [TeamSpec("一组")], days)  # doctest: +SKIP
    >>> [p.totals["sites_visited"] for p in plans]  # doctest: +SKIP
    [13, 12]
    """
    dates = list(dates)
    if not dates:
        raise PlanningError("请至少选择一个计划日期")
    if len(set(dates)) != len(dates):
        raise PlanningError("计划日期重复")
    # validate the whole table up front so a bad table fails before any day is solved
    _prepare_candidates(candidates, kwargs.get("priority", "score"))
    remaining = pd.DataFrame(candidates).reset_index(drop=True)
    remaining = remaining.assign(site_id=remaining["site_id"].astype(str))
    plans: list[RoutePlan] = []
    for day in dates:
        day_teams = teams.get(day, ()) if isinstance(teams, Mapping) else teams
        if not len(remaining):
            break
        plan = plan_routes(remaining, day_teams, day, **kwargs)
        plans.append(plan)
        visited = set(plan.all_stops()["site_id"]) if plan.totals["sites_visited"] else set()
        remaining = remaining[~remaining["site_id"].isin(visited)]
    return plans


def multi_day_summary_zh(plans: Sequence[RoutePlan]) -> str:
    """Chinese summary of :func:`plan_days` output: one line per day, then what remains.

    Examples
    --------
    >>> print(multi_day_summary_zh(plans))  # doctest: +SKIP
    """
    if not plans:
        return "没有生成任何计划。"
    lines = []
    visited = 0
    for p in plans:
        t = p.totals
        visited += t["sites_visited"]
        must = f"，其中必查 {t['must_served']} 家" if t["must_served"] else ""
        lines.append(f"{p.date:%m月%d日}：{t['teams']} 个小组，安排 {t['sites_visited']} 家{must}")
    last = plans[-1].left_out
    must_left = int(last["must_visit"].sum()) if len(last) else 0
    tail = f"共安排 {visited} 家；仍未安排 {len(last)} 家"
    tail += f"（含必查 {must_left} 家）。" if must_left else "。"
    lines.append(tail)
    return "\n".join(lines)
