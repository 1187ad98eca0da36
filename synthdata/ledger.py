"""Three-year inspection ledger (``inspections``) and 隐患台账 (``hazards``) of the sample.

The simulation walks each site's visits in date order. Visits come from the statutory
schedule (2 or 4 a year, with department-dependent misses and delays) plus 节前, 专项 and
第三方 checks; every found hazard runs its own lifecycle (整改 → 复查 → 销号, or 不合格 → new
deadline) which adds 复查 rows. Everything after ``end`` is cut, and hazard status is the
status as of ``end``. The formulas are in ``docs/SAMPLE_DATA.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from registry.sectors import SECTORS
from risk import calendar
from synthdata import naming, severity
from synthdata.profiles import PROFILES, SEASON_FACTORS
from synthdata.workdays import WorkDays, draw_working_day

#: Probability that a due statutory inspection is missed, by department.
DEPT_MISS: Mapping[str, float] = {
    "社区平安办": 0.07,
    "社区管理办": 0.10,
    "社区服务办": 0.08,
    "城运中心": 0.13,
    "真如市场监管所": 0.11,
    "居委会": 0.17,
}
#: Probability that a done statutory inspection is late (delay ~ Exponential(25 d)).
LATE_P = 0.08
#: Year factor on the miss probability (the office improves) and on hazard rates
#: (治本攻坚三年行动 2024-2026).
YEAR_MISS: Mapping[int, float] = {2023: 1.25, 2024: 1.2, 2025: 1.0, 2026: 0.8}
YEAR_HAZARD: Mapping[int, float] = {2023: 1.12, 2024: 1.06, 2025: 0.97, 2026: 0.9}
#: Detection multiplier by inspection type.
TYPE_FACTOR: Mapping[str, float] = {
    "日常": 1.0,
    "专项": 1.2,
    "节前": 1.0,
    "领导带队": 0.9,
    "第三方": 1.35,
}
RECUR_FACTOR = 1.6
#: Share of 复查 done right after the unit reports completion (else at the deadline).
EARLY_REINSPECTION_P = 0.35
PRE_HOLIDAY_DAYS = 14
PRE_HOLIDAY_FACTOR = 1.2
KEY_HOLIDAYS: tuple[str, ...] = ("元旦", "春节", "劳动节", "国庆")
LEADERS: tuple[str, ...] = (
    "陈建国（街道党工委书记）",
    "王海波（街道办事处主任）",
    "李晓东（分管副主任）",
    "张明（平安办主任）",
    "周丽（应急管理办副主任）",
)
_THIRD_PARTY = frozenset({"厂房仓库", "危化品", "高层建筑", "特种设备", "园区企业", "加油站", "建筑施工"})
_SAFETY_MONTH = frozenset({"厂房仓库", "危化品", "特种设备"})
_HIGH_RISK = frozenset({"危化品", "加油站", "建筑施工"})
_TEAMS: Mapping[str, tuple[str, ...]] = {
    "社区平安办": ("平安办一组", "平安办二组", "平安办三组", "平安办四组"),
    "社区管理办": ("管理办巡查组",),
    "社区服务办": ("服务办检查组",),
    "城运中心": ("城运中心巡查组",),
    "真如市场监管所": ("市场监管所检查组",),
    "居委会": ("居委平安巡查队",),
}
INSPECTION_COLUMNS = (
    "inspection_id", "site_id", "date", "type", "team", "leader",
    "hazard_found", "major_found", "n_hazards",
)
HAZARD_COLUMNS = (
    "hazard_id", "inspection_id", "site_id", "found_date", "level", "hazard_type", "part",
    "description", "responsible_unit", "responsible_person", "measures", "deadline", "status",
    "supervised", "rectified_date", "reinspection_date", "reinspection_result", "closed_date",
)


@dataclass
class _Hazard:
    visit: int
    found: int
    level: str
    template: object
    deadline: int
    rect: list[int] = field(default_factory=list)
    reinsp: list[tuple[int, str, int]] = field(default_factory=list)  # (date, result, deadline)
    closed: int | None = None
    bad_fix: bool = False


def _season_mult(month: int, seasons: frozenset[str]) -> float:
    f = 1.0
    if "winter" in seasons and month in (11, 12, 1, 2, 3, 4):
        f *= SEASON_FACTORS["winter"]
    if "flood" in seasons and 6 <= month <= 9:
        f *= SEASON_FACTORS["flood"]
    if "heat" in seasons and month in (7, 8):
        f *= SEASON_FACTORS["heat"]
    return f


def _pre_holiday_days() -> set[int]:
    days: set[int] = set()
    for h in calendar.holidays():
        s = h.start.toordinal()
        days.update(range(s - PRE_HOLIDAY_DAYS, s))
    return days


def _visits_for_site(
    rng: np.random.Generator,
    row: Mapping,
    s0: int,
    e0: int,
    holidays: list,
    campaign: Mapping[str, list[tuple[int, int]]],
    wd: WorkDays,
) -> list[tuple[int, str, str | None]]:
    """Scheduled (non-复查) visits of one site: (ordinal, type, leader), on working days.

    Each visit's day is drawn from its distribution restricted to working days
    (:func:`synthdata.workdays.draw_working_day`: an off-day draw is drawn again), so the
    weekend's and holidays' share spreads over the working days instead of piling on Mondays.
    """
    cat = row["category"]
    prof = PROFILES[cat]
    out: list[tuple[int, str, str | None]] = []
    n_req = 4 if row["key_list"] else 2
    phase = rng.random()
    miss = DEPT_MISS.get(row["department"], 0.12) * (1.0 if row["key_list"] else 1.15)
    start = max(s0, row["active_from"])
    for year in range(dt.date.fromordinal(s0).year, dt.date.fromordinal(e0).year + 1):
        jan1 = dt.date(year, 1, 1).toordinal()
        for k in range(n_req):
            due = jan1 + int((k + phase) / n_req * 365)
            if rng.random() < miss * YEAR_MISS.get(year, 1.0):
                continue
            if rng.random() < LATE_P:
                day = draw_working_day(
                    wd, lambda due=due: due + 1 + int(rng.exponential(25.0)), start, e0, rng
                )
            else:
                day = draw_working_day(
                    wd, lambda due=due: due + int(rng.normal(0.0, 9.0)), start, e0, rng
                )
            if start <= day <= e0:
                out.append((day, "日常", None))
    eligible_holiday = prof.crowded or row["key_list"] or cat in _HIGH_RISK
    if eligible_holiday:
        for h_start in holidays:
            if not (start + 10 <= h_start <= e0 + 10):
                continue
            p = 0.5 if (prof.crowded and row["key_list"]) or cat in _HIGH_RISK else 0.22
            if rng.random() < p:
                day = draw_working_day(
                    wd, lambda h=h_start: h - int(rng.integers(1, 11)), start, e0, rng
                )
                lead_p = 0.35 if (prof.crowded and row["key_list"]) or cat in _HIGH_RISK else 0.06
                if start <= day <= e0:
                    if rng.random() < lead_p:
                        out.append((day, "领导带队", LEADERS[int(rng.integers(len(LEADERS)))]))
                    else:
                        out.append((day, "节前", None))
    for season, p in (("winter", 0.3), ("flood", 0.4), ("heat", 0.25)):
        if season in prof.seasons:
            for a, b in campaign[season]:
                if rng.random() < p:
                    day = draw_working_day(
                        wd, lambda a=a, b=b: int(rng.integers(a, b + 1)), start, e0, rng
                    )
                    if start <= day <= e0:
                        out.append((day, "专项", None))
    if cat in _SAFETY_MONTH:
        for a, b in campaign["safety_month"]:
            if rng.random() < 0.3:
                day = draw_working_day(
                    wd, lambda a=a, b=b: int(rng.integers(a, b + 1)), start, e0, rng
                )
                if start <= day <= e0:
                    out.append((day, "专项", None))
    if cat in _THIRD_PARTY:
        for year in range(dt.date.fromordinal(s0).year, dt.date.fromordinal(e0).year + 1):
            if rng.random() < 0.2:
                jan1 = dt.date(year, 1, 1).toordinal()
                day = draw_working_day(
                    wd, lambda jan1=jan1: jan1 + int(rng.integers(0, 365)), start, e0, rng
                )
                if start <= day <= e0:
                    out.append((day, "第三方", None))
    out.sort(key=lambda v: (v[0], v[1]))
    return out


def _campaigns(s0: int, e0: int) -> dict[str, list[tuple[int, int]]]:
    y0, y1 = dt.date.fromordinal(s0).year, dt.date.fromordinal(e0).year
    out: dict[str, list[tuple[int, int]]] = {"winter": [], "flood": [], "heat": [], "safety_month": []}
    for y in range(y0 - 1, y1 + 1):
        out["winter"].append((dt.date(y, 11, 15).toordinal(), dt.date(y + 1, 2, 28).toordinal()))
        out["flood"].append((dt.date(y, 6, 1).toordinal(), dt.date(y, 9, 30).toordinal()))
        out["heat"].append((dt.date(y, 7, 1).toordinal(), dt.date(y, 8, 31).toordinal()))
        out["safety_month"].append((dt.date(y, 6, 1).toordinal(), dt.date(y, 6, 30).toordinal()))
    return out


def _lifecycle(
    rng: np.random.Generator, hz: _Hazard, mgmt: float, wd: WorkDays, e0: int
) -> None:
    """Rectification / 复查 / 销号 dates of one hazard (may run past ``end``).

    The unit may rectify on any day; a 复查 up to ``e0`` is drawn on a working day
    (:func:`synthdata.workdays.draw_working_day`; never before the rectification).
    """
    lm = float(np.log(mgmt))
    never_p = min(0.04 / mgmt, 0.25)
    pass_p = float(np.clip(0.8 + 0.1 * lm, 0.55, 0.97))
    deadline = hz.deadline
    span = deadline - hz.found
    t = hz.found
    for round_ in range(4):
        if rng.random() < never_p:
            rect = None
            re = draw_working_day(
                wd, lambda d=deadline: d + int(rng.integers(3, 11)), hz.found, e0, rng
            )
        else:
            rect = t + max(1, int(span * np.exp(rng.normal(-0.35 - 0.4 * lm, 0.45))))
            if rng.random() < EARLY_REINSPECTION_P:  # unit reports completion, 复查 soon after
                re = draw_working_day(
                    wd, lambda r=rect: r + 1 + int(rng.gamma(2.0, 2.5)), hz.found, e0, rng
                )
            else:  # 复查 at the deadline
                re = draw_working_day(
                    wd,
                    lambda r=rect, d=deadline: max(r + 1, d + int(rng.integers(-2, 6))),
                    hz.found,
                    e0,
                    rng,
                )
            hz.rect.append(rect)
            if rect > deadline:
                hz.bad_fix = True
        ok = rect is not None and rng.random() < pass_p
        if round_ == 3 and rect is None:  # last round: fixed under supervision
            rect = re - 1
            hz.rect.append(rect)
        if ok or round_ == 3:
            hz.reinsp.append((re, "合格", deadline))
            hz.closed = re
            return
        hz.bad_fix = True
        span = 15 if hz.level == "一般" else 30
        deadline = re + span
        hz.reinsp.append((re, "不合格", deadline))
        t = re


def simulate(
    rng: np.random.Generator,
    sites: pd.DataFrame,
    truth: pd.DataFrame,
    end: dt.date,
    years: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the ledger of ``years`` years ending at ``end`` (inclusive).

    Parameters
    ----------
    rng : numpy.random.Generator
    sites : DataFrame
        The registry (needs ``site_id, name, category, department, key_list, committee``
        and ``active_from`` as a date ordinal).
    truth : DataFrame
        ``site_id, propensity, management_quality`` aligned with ``sites``.
    end : datetime.date
        Last day of the ledger (statuses are as of this day).
    years : int
        Length of the ledger in years.

    Returns
    -------
    inspections, hazards : DataFrame
        Tables following docs/ARCHITECTURE.md.

    Examples
    --------
    ``synthdata.generate`` is the usual entry point:

    >>> import synthdata
    >>> t = synthdata.generate(seed=3, n_sites=300, years=1)
    >>> set(t["hazards"]["inspection_id"]) <= set(t["inspections"]["inspection_id"])
    True
    """
    e0 = end.toordinal()
    s0 = (end.replace(year=end.year - years) + dt.timedelta(days=1)).toordinal()
    holidays = sorted(
        h.start.toordinal()
        for h in calendar.holidays()
        if any(k in h.name for k in KEY_HOLIDAYS)
    )
    pre_holiday = _pre_holiday_days()
    campaign = _campaigns(s0, e0)
    wd = WorkDays(s0, e0)
    persons = naming.person_names(rng, len(sites))
    committees = sorted(set(sites["committee"].astype(str)))
    team_slot = {c: i for i, c in enumerate(committees)}

    ins_rows: list[tuple] = []
    hz_rows: list[tuple] = []
    records = sites.to_dict("records")
    prop = truth["propensity"].to_numpy(float)
    mgmt_all = truth["management_quality"].to_numpy(float)
    for i, row in enumerate(records):
        cat = row["category"]
        prof = PROFILES[cat]
        templates = SECTORS[cat].hazards
        mgmt = float(mgmt_all[i])
        teams = _TEAMS.get(row["department"], ("平安办一组",))
        team = teams[team_slot[str(row["committee"])] % len(teams)]
        visits = _visits_for_site(rng, row, s0, e0, holidays, campaign, wd)
        last_full = None
        last_hz: _Hazard | None = None
        reinsp_days: set[int] = set()
        for v_idx, (day, vtype, leader) in enumerate(visits):
            d = 182 if last_full is None else max(day - last_full, 1)
            acc = min(max((d / 182.0) ** 0.5, 0.35), 1.7)
            month = dt.date.fromordinal(day).month
            year = dt.date.fromordinal(day).year
            lam = prop[i] * _season_mult(month, prof.seasons) * acc * TYPE_FACTOR[vtype]
            lam *= YEAR_HAZARD.get(year, 1.0)
            if prof.crowded and day in pre_holiday:
                lam *= PRE_HOLIDAY_FACTOR
            recur = last_hz is not None and last_hz.bad_fix and last_hz.found < day
            if recur:
                lam *= RECUR_FACTOR
            draws = min(int(rng.poisson(lam)), 6)
            last_full = day
            n = n_major = 0
            used: list = []  # one inspection does not list the same defect twice
            for _ in range(draws):
                pool = [t for t in templates if t not in used]
                if not pool:
                    break
                tpl = pool[int(rng.integers(len(pool)))]
                used.append(tpl)
                p_major = severity.major_probability(tpl, prof.major_share, mgmt, recur)
                major = bool(rng.random() < p_major)
                n += 1
                if major:
                    dl = day + int(rng.integers(30, 91))
                else:
                    dl = day + int(rng.choice((7, 15, 30), p=(0.35, 0.4, 0.25)))
                hz = _Hazard(v_idx, day, "重大" if major else "一般", tpl, dl)
                hz.bad_fix = rng.random() < min(0.25 / mgmt, 0.5)  # superficial fix (hidden)
                _lifecycle(rng, hz, mgmt, wd, e0)
                n_major += major
                last_hz = hz
                hz_rows.append((row, i, v_idx, hz))
                reinsp_days.update(r for r, _, _ in hz.reinsp if r <= e0)
            ins_rows.append(
                (row["site_id"], day, vtype, "第三方服务机构" if vtype == "第三方" else team,
                 leader, int(n > 0), int(n_major > 0), n, i, v_idx)
            )
        for day in sorted(reinsp_days):
            ins_rows.append((row["site_id"], day, "复查", team, None, 0, 0, 0, i, -1))

    ins = pd.DataFrame(
        ins_rows,
        columns=["site_id", "day", "type", "team", "leader", "hazard_found", "major_found",
                 "n_hazards", "site_idx", "visit_idx"],
    )
    ins = ins.sort_values(["day", "site_id", "type"], kind="stable").reset_index(drop=True)
    ins["inspection_id"] = [f"I{k:07d}" for k in range(1, len(ins) + 1)]
    key = dict(zip(zip(ins["site_idx"], ins["visit_idx"], strict=True), ins["inspection_id"],
                   strict=True))
    ins["date"] = pd.to_datetime([dt.date.fromordinal(int(x)) for x in ins["day"]])
    inspections = ins[list(INSPECTION_COLUMNS)].copy()

    hazards = _hazard_table(rng, hz_rows, key, persons, e0)
    return inspections, hazards


def _date(x: int | None):
    return pd.NaT if x is None or pd.isna(x) else pd.Timestamp(dt.date.fromordinal(int(x)))


def _hazard_table(
    rng: np.random.Generator,
    hz_rows: list,
    key: Mapping[tuple[int, int], str],
    persons: np.ndarray,
    e0: int,
) -> pd.DataFrame:
    out = []
    for row, i, v_idx, hz in hz_rows:
        tpl = hz.template
        deadline = hz.deadline
        rect_date = reinsp_date = result = closed = None
        if hz.closed is not None and hz.closed <= e0:
            status = "已销号"
            closed = hz.closed
            reinsp_date, result, deadline = hz.reinsp[-1]
            rect_date = max((r for r in hz.rect if r <= closed), default=None)
        else:
            past = [r for r in hz.reinsp if r[0] <= e0]
            if past:
                reinsp_date, result, deadline = past[-1]
            after = reinsp_date if reinsp_date is not None else hz.found
            rects = [r for r in hz.rect if after <= r <= e0]
            if rects:
                rect_date = rects[-1]
                status = "待复查"
            elif past:
                status = "整改中"
            else:
                status = "待整改" if (e0 - hz.found <= 3 or rng.random() < 0.35) else "整改中"
        open_overdue = closed is None and deadline < e0
        supervised = hz.level == "重大" and (rng.random() < (0.6 if open_overdue else 0.25))
        out.append(
            (key[(i, v_idx)], row["site_id"], hz.found, hz.level, tpl.hazard_type, tpl.part,
             tpl.description, row["name"], persons[i], tpl.measure, deadline, status,
             bool(supervised), rect_date, reinsp_date, result, closed)
        )
    cols = ["inspection_id", "site_id", "found", "level", "hazard_type", "part",
            "description", "responsible_unit", "responsible_person", "measures", "deadline",
            "status", "supervised", "rect", "reinsp", "reinspection_result", "closed"]
    df = pd.DataFrame(out, columns=cols)
    df = df.sort_values(["found", "inspection_id"], kind="stable").reset_index(drop=True)
    months = [dt.date.fromordinal(int(x)).strftime("%Y-%m") for x in df["found"]]
    seq = pd.Series(months).groupby(months).cumcount() + 1
    df["hazard_id"] = [f"YH-{m}-{s:04d}" for m, s in zip(months, seq, strict=True)]
    df["found_date"] = [_date(x) for x in df["found"]]
    df["deadline"] = [_date(x) for x in df["deadline"]]
    df["rectified_date"] = [_date(x) for x in df["rect"]]
    df["reinspection_date"] = [_date(x) for x in df["reinsp"]]
    df["closed_date"] = [_date(x) for x in df["closed"]]
    for c in ("found_date", "deadline", "rectified_date", "reinspection_date", "closed_date"):
        df[c] = pd.to_datetime(df[c])
    df["reinspection_result"] = df["reinspection_result"].astype(object)
    df["reinspection_result"] = df["reinspection_result"].where(
        df["reinspection_result"].notna(), None
    )
    return df[list(HAZARD_COLUMNS)]
