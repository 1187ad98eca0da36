"""The teams' calendars of a period: which team works which day, with how many visits.

A *team-day* is one team on one working day. Working days come from the project's holiday
calendar (:func:`risk.calendar.is_off_day`: weekends and public holidays off, 调休 make-up
days on); a team also has its own leave (``off_days``) and extra duty days (``work_days``,
e.g. a weekend on call). Its capacity is the visits it can make in a day: given in the teams
table, or estimated from its shifts, its travel mode and the typical inspection and leg
(:func:`estimate_capacity`). In the week before a key holiday (:func:`risk.calendar.is_pre_holiday`)
a team with a 带队领导 keeps ``pre_holiday_reserve`` of its day for the leader-led 节前 check
(planned on 节前检查), so the period plan only counts the rest.

Examples
--------
>>> import datetime as dt
>>> t = PeriodTeam(TeamSpec("一组"), capacity=10, off_days=(dt.date(2026, 12, 3),))
>>> td = team_days([t], dt.date(2026, 12, 1), 7)
>>> [(d.strftime("%m-%d"), c) for d, c in zip(td["date"], td["capacity"])]
[('12-01', 10), ('12-02', 10), ('12-04', 10), ('12-07', 10)]
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from risk.calendar import is_off_day, is_pre_holiday
from routes.planning import DEFAULT_SERVICE_MIN, PlanningError, TeamSpec
from routes.travel import MODE_SPEEDS_KMH, TravelError, normalise_mode

__all__ = [
    "DEFAULT_LEG_KM",
    "PRE_HOLIDAY_DAYS",
    "SPANS",
    "PeriodTeam",
    "estimate_capacity",
    "parse_dates",
    "read_teams",
    "skill_ok",
    "span_days",
    "team_days",
]

#: Typical street distance between two consecutive units of a day's route (km): the
#: sample's due units lie a few hundred metres apart inside one 居委, farther across 居委.
DEFAULT_LEG_KM = 1.2
#: Days before a holiday block in which leader-led teams keep part of the day for 节前检查.
PRE_HOLIDAY_DAYS = 7


@lru_cache(maxsize=4096)
def _day_flags(day: dt.date, path: str | None) -> tuple[bool, bool]:
    """(off day, in the pre-holiday window) of a day — the project's calendar, memoised."""
    return is_off_day(day, path), is_pre_holiday(day, PRE_HOLIDAY_DAYS, path)


def estimate_capacity(
    team: TeamSpec, service_min: float = DEFAULT_SERVICE_MIN, leg_km: float = DEFAULT_LEG_KM
) -> int:
    """Visits a team can make in a day: shift minutes ÷ (inspection + one leg of travel).

    Parameters
    ----------
    team : TeamSpec
    service_min : float
        Typical inspection time (minutes).
    leg_km : float
        Typical street distance between consecutive units.

    Examples
    --------
    >>> estimate_capacity(TeamSpec("一组"))  # 360 min ÷ (30 + 4.8)
    10
    >>> estimate_capacity(TeamSpec("二组", mode="步行"))
    7
    """
    try:
        speed = MODE_SPEEDS_KMH[normalise_mode(team.mode)]
    except TravelError as err:
        raise PlanningError(str(err)) from None
    minutes = sum(b - a for a, b in team.shift_minutes())
    per_visit = float(service_min) + 60.0 * float(leg_km) / speed
    return max(int(minutes // per_visit), 0)


@dataclass(frozen=True)
class PeriodTeam:
    """One team over a period.

    Parameters
    ----------
    spec : TeamSpec
        Name, mode, shifts, skills, leader (as for the day planner).
    capacity : int, optional
        Visits per working day; default :func:`estimate_capacity`.
    off_days : tuple of date
        Leave / training / other duty: no visits.
    work_days : tuple of date
        Extra duty days (weekend or holiday on call).
    pre_holiday_reserve : float
        Share of the day a team with a leader keeps for 节前检查 in the
        :data:`PRE_HOLIDAY_DAYS` days before a holiday (default 0.5).

    Examples
    --------
    >>> PeriodTeam(TeamSpec("一组")).day_capacity
    10
    """

    spec: TeamSpec
    capacity: int | None = None
    off_days: tuple[dt.date, ...] = ()
    work_days: tuple[dt.date, ...] = ()
    pre_holiday_reserve: float = 0.5
    skills: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.capacity is not None and (int(self.capacity) != self.capacity or self.capacity < 0):
            raise PlanningError(f"队伍「{self.spec.name}」的每日检查量应为非负整数（收到 {self.capacity}）")
        if not 0.0 <= float(self.pre_holiday_reserve) <= 1.0:
            raise PlanningError(f"队伍「{self.spec.name}」的节前预留比例应在 0 到 1 之间")
        object.__setattr__(self, "skills", self.spec.skill_set())

    @property
    def name(self) -> str:
        """Team name."""
        return self.spec.name

    @property
    def day_capacity(self) -> int:
        """Visits on an ordinary working day."""
        return int(self.capacity) if self.capacity is not None else estimate_capacity(self.spec)


def team_days(
    teams: Sequence[PeriodTeam],
    start: dt.date,
    n_days: int,
    calendar_path: str | Path | None = None,
) -> pd.DataFrame:
    """Every team-day of the period with its capacity (days with no capacity left out).

    Parameters
    ----------
    teams : sequence of PeriodTeam
    start : date
        First day of the period.
    n_days : int
        Calendar days in the period (≥ 1).
    calendar_path : path, optional
        Alternative ``holidays.json``.

    Returns
    -------
    DataFrame
        ``date`` (datetime64), ``team``, ``capacity`` (int), ``reserved`` (visits kept for
        节前检查), in date then team order.

    Examples
    --------
    >>> import datetime as dt
    >>> td = team_days([PeriodTeam(TeamSpec("一组"), capacity=8)], dt.date(2026, 9, 28), 7)
    >>> td["date"].dt.strftime("%m-%d").tolist()  # 国庆 off
    ['09-28', '09-29', '09-30']
    """
    if int(n_days) < 1:
        raise PlanningError("计划天数至少为 1 天")
    names = [t.name for t in teams]
    if not names:
        raise PlanningError("没有可用的检查队伍：请至少添加一个小组")
    if len(set(names)) != len(names):
        raise PlanningError("队伍名称重复，请为每个小组取不同的名字")
    path = None if calendar_path is None else str(calendar_path)
    rows = []
    for i in range(int(n_days)):
        day = start + dt.timedelta(days=i)
        off, pre = _day_flags(day, path)
        for t in teams:
            works = (not off or day in t.work_days) and day not in t.off_days
            if not works:
                continue
            cap = t.day_capacity
            reserved = math.ceil(cap * t.pre_holiday_reserve) if pre and t.spec.leader else 0
            if cap - reserved > 0:
                rows.append((pd.Timestamp(day), t.name, cap - reserved, reserved))
    return pd.DataFrame(rows, columns=["date", "team", "capacity", "reserved"]).astype(
        {"capacity": int, "reserved": int}
    )


_DATE_SPLIT = re.compile(r"[,，;；、\s]+")


#: Period lengths the page offers.
SPANS = ("一周", "一月", "到年底")


def span_days(start: dt.date, span: str) -> int:
    """Calendar days of a period: 一周 7, 一月 31, 到年底 up to 31 December.

    Examples
    --------
    >>> span_days(dt.date(2026, 12, 2), "到年底"), span_days(dt.date(2026, 12, 2), "一周")
    (30, 7)
    """
    if span == "一周":
        return 7
    if span == "一月":
        return 31
    if span == "到年底":
        return (dt.date(start.year, 12, 31) - start).days + 1
    raise PlanningError(f"未知的计划周期「{span}」（可选：{'、'.join(SPANS)}）")


def parse_dates(value, team: str = "", what: str = "日期") -> tuple[dt.date, ...]:
    """Dates separated by commas, semicolons or spaces (Chinese error naming the team).

    Examples
    --------
    >>> parse_dates("2026-12-03, 2026-12-04")
    (datetime.date(2026, 12, 3), datetime.date(2026, 12, 4))
    """
    return _dates(value, team, what)


def _dates(value, team: str, what: str) -> tuple[dt.date, ...]:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ()
    out = []
    for piece in _DATE_SPLIT.split(str(value).strip()):
        if not piece:
            continue
        try:
            out.append(pd.Timestamp(piece).date())
        except ValueError:
            who = f"队伍「{team}」的" if team else ""
            raise PlanningError(f"{who}{what}「{piece}」不是日期（应为 YYYY-MM-DD）") from None
    return tuple(out)


_COLUMNS = {
    "小组": "name", "队伍": "name", "名称": "name", "交通方式": "mode", "班次": "shifts",
    "专业资质": "skills", "带队领导": "leader", "每日检查量": "capacity", "请假": "off_days",
    "休假": "off_days", "加班": "work_days", "节前预留": "pre_holiday_reserve",
}  # fmt: skip


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def read_teams(source: str | Path | pd.DataFrame) -> list[PeriodTeam]:
    """Teams of a period from a CSV file (UTF-8 or GBK) or a table.

    Columns (Chinese or English names): ``name``/小组 (required), ``mode``/交通方式,
    ``shifts``/班次 (``09:00-11:30,13:30-17:00``), ``skills``/专业资质 (``;``-separated
    sectors or departments), ``leader``/带队领导, ``capacity``/每日检查量, ``off_days``/请假
    and ``work_days``/加班 (dates separated by ``;``), ``pre_holiday_reserve``/节前预留.

    Examples
    --------
    >>> import pandas as pd
    >>> teams = read_teams(pd.DataFrame({"小组": ["一组", "二组"], "每日检查量": [10, None],
    ...                                  "请假": ["2026-12-03;2026-12-04", None]}))
    >>> [(t.name, t.day_capacity, len(t.off_days)) for t in teams]
    [('一组', 10, 2), ('二组', 10, 0)]
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy()
    else:
        try:
            df = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            df = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="gbk")
        except FileNotFoundError:
            raise PlanningError(f"找不到队伍文件：{source}") from None
    df = df.rename(columns={c: _COLUMNS.get(str(c).strip(), str(c).strip()) for c in df.columns})
    if "name" not in df:
        raise PlanningError("队伍表缺少列「小组」(name)")
    teams = []
    for k, row in enumerate(df.to_dict("records"), start=2):
        name = _text(row.get("name"))
        if not name:
            raise PlanningError(f"队伍表第 {k} 行没有小组名称")
        kwargs = {}
        for key in ("mode", "shifts", "leader"):
            if _text(row.get(key)):
                kwargs[key] = _text(row.get(key))
        skills = tuple(s for s in re.split(r"[;；、]", _text(row.get("skills"))) if s.strip())
        spec = TeamSpec(name, skills=skills, **kwargs)
        cap_text = _text(row.get("capacity"))
        try:
            capacity = int(float(cap_text)) if cap_text else None
            reserve_text = _text(row.get("pre_holiday_reserve"))
            reserve = float(reserve_text) if reserve_text else 0.5
        except ValueError:
            raise PlanningError(f"队伍表第 {k} 行的每日检查量或节前预留不是数字") from None
        teams.append(
            PeriodTeam(
                spec,
                capacity=capacity,
                off_days=_dates(row.get("off_days"), name, "请假日期"),
                work_days=_dates(row.get("work_days"), name, "加班日期"),
                pre_holiday_reserve=reserve,
            )
        )
    if not teams:
        raise PlanningError("队伍表没有数据行")
    return teams


def skill_ok(required: Iterable[str], team: PeriodTeam) -> bool:
    """Whether the team has every skill a visit requires.

    Examples
    --------
    >>> skill_ok({"特种设备"}, PeriodTeam(TeamSpec("一组", skills={"真如市场监管所"})))
    True
    """
    return set(required) <= team.skills
