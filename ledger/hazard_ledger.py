"""The 隐患台账 worklist: lateness, next steps, filters, export and 整改通知书 (pure functions).

Every hidden danger runs 排查 → 登记 → 整改 → 复查 → 销号 (docs/DOMAIN.md §1.1); this module is what
the 隐患台账 page and the analysts' notebooks share to drive each one to 销号:

* :func:`lateness` — the two kinds of lateness, never mixed:

  - **单位逾期** (the unit is late): not rectified by the deadline — still unrectified
    (待整改 / 整改中, or 待复查 without a 整改完成日期) and ``deadline < as_of``, or rectified
    (待复查 / 已销号) after the deadline. Days are calendar days after the deadline.
  - **平安办逾期** (the office is late): rectified, but not re-inspected within the office's own
    limit of :data:`OFFICE_LIMIT_DAYS` working days (configurable) after the 整改完成日期.
    Working days follow the project's holiday calendar (:func:`risk.calendar.is_off_day`:
    weekends and public holidays off, 调休 make-up Saturdays/Sundays on).

* :func:`next_actions` / :func:`action_fields` — the steps a user can take from a status
  (:data:`registry.enums.STATUS_TRANSITIONS`), with their Chinese button labels and the fields
  each one asks for; :func:`close_hazards` closes several re-inspected hazards, one write each.
* :func:`ledger_table`, :class:`HazardFilter` / :func:`filter_hazards` — the worklist, most
  urgent first, and its filters (状态, 等级, 居委, 部门, 逾期 by whom, 挂牌督办).
* :func:`export_table` — the columns a 平安办 keeps, with Chinese headers (write it with
  ``app_pages._export.to_xlsx_bytes``, which neutralises formula cells).
* :func:`rectification_notice` — a printable 整改通知书 per unit (self-contained HTML).
* :func:`hazard_history` — a hazard's audit trail in Chinese.

Examples
--------
>>> import pandas as pd
>>> h = pd.DataFrame({
...     "status": ["整改中", "已销号"],
...     "deadline": pd.to_datetime(["2024-06-10", "2024-06-10"]),
...     "rectified_date": pd.to_datetime([None, "2024-06-07"]),   # Friday, on time
...     "reinspection_date": pd.to_datetime([None, "2024-06-20"]),  # limit: 06-17 (端午 06-10)
... })
>>> late = lateness(h, "2024-06-12")
>>> late[["unit_late", "unit_days_late", "office_late", "office_days_late"]].to_dict("records")
[{'unit_late': True, 'unit_days_late': 2, 'office_late': False, 'office_days_late': 0}, {'unit_late': False, 'unit_days_late': 0, 'office_late': True, 'office_days_late': 3}]
>>> [a.label for a in next_actions("待复查")]
['复查合格并销号', '复查不合格退回整改']
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from layers.safe_text import html_text, is_blank, plain_text
from registry.enums import (
    CLOSED_STATUS,
    HAZARD_STATUSES,
    MAJOR_CLOSE_FIELDS,
    OPEN_STATUSES,
    STATUS_TRANSITIONS,
)
from registry.filters import as_tuple
from registry.schema import HAZARD_COLUMNS
from registry.validate import RegistryValidationError
from risk.calendar import is_off_day

if TYPE_CHECKING:
    from registry.store import SQLiteStore

__all__ = [
    "ACTION_FIELD_LABELS",
    "EXPORT_COLUMNS",
    "LATE_BY",
    "MAJOR_RECORD_LABELS",
    "OFFICE_LIMIT_DAYS",
    "RECTIFIED_STATUSES",
    "Action",
    "HazardFilter",
    "action_fields",
    "add_working_days",
    "check_operator",
    "close_hazards",
    "count_working_days",
    "export_table",
    "filter_hazards",
    "hazard_detail",
    "hazard_history",
    "lateness",
    "ledger_table",
    "major_missing",
    "major_record",
    "next_actions",
    "rectification_notice",
]

#: Working days the 平安办 allows itself to re-inspect a rectified hazard (default).
OFFICE_LIMIT_DAYS = 5

#: Statuses in which the unit has rectified (a 整改完成日期 is recorded).
RECTIFIED_STATUSES: tuple[str, ...] = ("待复查", CLOSED_STATUS)

#: 逾期 by whom: the filter values and the lateness column each one selects.
LATE_BY: Mapping[str, str] = {"单位逾期": "unit_late", "平安办逾期": "office_late"}

#: Chinese button label of each allowed status change (before, after).
_ACTION_LABELS: dict[tuple[str, str], str] = {
    ("待整改", "整改中"): "开始整改",
    ("待整改", "待复查"): "整改完成待复查",
    ("整改中", "待复查"): "整改完成待复查",
    ("待复查", CLOSED_STATUS): "复查合格并销号",
    ("待复查", "整改中"): "复查不合格退回整改",
}

#: What each status change asks the user for (field names of :func:`action_fields`).
_ACTION_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("待整改", "整改中"): (),
    ("待整改", "待复查"): ("rectified_date",),
    ("整改中", "待复查"): ("rectified_date",),
    ("待复查", CLOSED_STATUS): ("reinspection_date",),
    ("待复查", "整改中"): ("reinspection_date", "deadline"),
}

#: Chinese labels of the fields an action asks for.
ACTION_FIELD_LABELS: Mapping[str, str] = {
    "rectified_date": "整改完成日期",
    "reinspection_date": "复查日期",
    "deadline": "新的整改期限",
}

#: Export columns (Chinese header → column of :func:`ledger_table`; 序号 is numbered).
EXPORT_COLUMNS: Mapping[str, str | None] = {
    "序号": None,
    "单位": "site_name",
    "地址": "address",
    "隐患部位": "part",
    "隐患描述": "description",
    "等级": "level",
    "责任单位": "responsible_unit",
    "整改责任人": "responsible_person",
    "整改措施": "measures",
    "期限": "deadline",
    "状态": "status",
    "复查日期": "reinspection_date",
    "复查结果": "reinspection_result",
    "销号日期": "closed_date",
}

DateLike = dt.date | str | pd.Timestamp

_SITE_COLUMNS = {"name": "site_name", "address": "address", "committee": "committee",
                 "department": "department"}  # fmt: skip


def _day(value: DateLike, what: str = "评估日期") -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"无法识别的{what}: {value!r}（应为 YYYY-MM-DD）") from err
    if pd.isna(ts):
        raise ValueError(f"{what}为空")
    return ts.normalize()


# -- working days ------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _working_flags(year: int, calendar_path: str | None) -> np.ndarray:
    """True on each working day of ``year`` (holiday calendar incl. 调休)."""
    first = dt.date(year, 1, 1)
    n = (dt.date(year + 1, 1, 1) - first).days
    return np.array(
        [not is_off_day(first + dt.timedelta(days=i), calendar_path) for i in range(n)], dtype=bool
    )


class _WorkCalendar:
    """Cumulative working-day counts over whole years covering the given dates."""

    def __init__(self, first_year: int, last_year: int, calendar_path: str | Path | None):
        path = None if calendar_path is None else str(calendar_path)
        flags = np.concatenate([_working_flags(y, path) for y in range(first_year, last_year + 1)])
        self.origin = pd.Timestamp(first_year, 1, 1)
        # cum[i] = working days among the first i days of the span.
        self.cum = np.concatenate([[0], np.cumsum(flags)])

    def index(self, days: pd.Series) -> np.ndarray:
        return (days - self.origin).dt.days.to_numpy(dtype="int64")

    def count_after(self, start: pd.Series, end: pd.Series) -> np.ndarray:
        """Working days d with start < d <= end (negative when end < start)."""
        return self.cum[self.index(end) + 1] - self.cum[self.index(start) + 1]

    def add(self, start: pd.Series, n: int) -> pd.Series:
        """The n-th working day after ``start``."""
        target = self.cum[self.index(start) + 1] + n
        pos = np.searchsorted(self.cum, target, side="left") - 1
        return self.origin + pd.to_timedelta(pos, unit="D")


def _calendar_for(
    dates: Iterable[pd.Series], extra_years: int, calendar_path
) -> _WorkCalendar | None:
    years = [int(y) for s in dates for y in s.dropna().dt.year.unique()]
    if not years:
        return None
    return _WorkCalendar(min(years), max(years) + extra_years, calendar_path)


def _as_days(values: Any) -> pd.Series:
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    return pd.to_datetime(s).dt.normalize()


def add_working_days(
    dates: pd.Series | Iterable[DateLike], n: int, calendar_path: str | Path | None = None
) -> pd.Series:
    """The ``n``-th working day after each date (NaT stays NaT).

    Parameters
    ----------
    dates : Series or iterable of date-like
        Start days (the start day itself does not count).
    n : int
        Working days to add (≥ 1).
    calendar_path : path, optional
        Alternative ``holidays.json`` for :func:`risk.calendar.is_off_day`.

    Examples
    --------
    >>> add_working_days(["2024-09-27"], 5).dt.strftime("%Y-%m-%d").tolist()  # 09-29 调休上班, 国庆 off
    ['2024-10-10']
    """
    if n < 1:
        raise ValueError(f"工作日数须为正整数（收到 {n}）")
    days = _as_days(dates)
    out = pd.Series(pd.NaT, index=days.index, dtype="datetime64[ns]")
    ok = days.notna()
    cal = _calendar_for([days], 1 + n // 200, calendar_path)
    if cal is not None:
        out[ok] = cal.add(days[ok], n).to_numpy()
    return out


def count_working_days(
    starts: pd.Series | Iterable[DateLike],
    ends: pd.Series | Iterable[DateLike],
    calendar_path: str | Path | None = None,
) -> pd.Series:
    """Working days after each start up to and including its end (0 when end ≤ start or NaT).

    Examples
    --------
    >>> count_working_days(["2024-02-08"], ["2024-02-19"]).tolist()  # 02-09, 02-18 (调休), 02-19
    [3]
    """
    a, b = _as_days(starts), _as_days(ends)
    b.index = a.index
    out = pd.Series(0, index=a.index, dtype="int64")
    ok = a.notna() & b.notna() & (b > a)
    cal = _calendar_for([a[ok], b[ok]], 0, calendar_path)
    if cal is not None:
        out[ok] = cal.count_after(a[ok], b[ok])
    return out


# -- lateness ----------------------------------------------------------------------------------
def lateness(
    hazards: pd.DataFrame,
    as_of: DateLike,
    office_limit_days: int = OFFICE_LIMIT_DAYS,
    calendar_path: str | Path | None = None,
) -> pd.DataFrame:
    """Who is late with each hazard: the unit (整改) or the 平安办 (复查), never mixed.

    Parameters
    ----------
    hazards : DataFrame
        ``status``, ``deadline``, ``rectified_date``, ``reinspection_date``.
    as_of : date-like
        Today of the evaluation: clocks still running stop here. Recorded dates are taken as
        recorded (also those after ``as_of``).
    office_limit_days : int
        Working days the office has to re-inspect after the 整改完成日期 (default 5).
    calendar_path : path, optional
        Alternative holiday calendar (``risk/config/holidays.json`` format).

    Returns
    -------
    DataFrame
        Index as ``hazards``; ``unit_late`` (bool), ``unit_days_late`` (calendar days after
        the deadline, 0 when not late), ``office_deadline`` (the last working day for the 复查,
        NaT when not rectified), ``office_late`` (bool), ``office_days_late`` (working days
        after ``office_deadline``, 0 when not late).

    Notes
    -----
    * Unit: an unrectified hazard (待整改, 整改中, or 待复查 without 整改完成日期) is late when
      ``deadline < as_of``, by ``as_of - deadline`` days; a rectified one (待复查, 已销号) when it
      was rectified after the deadline, by ``rectified_date - deadline`` days. After a failed
      复查 the hazard is unrectified again, against its new deadline.
    * Office: the clock starts at the 整改完成日期 and ends at the 复查 of that rectification
      (a ``reinspection_date`` on or after it, once the hazard has left 待复查), else runs to
      ``as_of`` while the hazard waits in 待复查. Late when the end is after the
      ``office_limit_days``-th working day after the 整改完成日期.

    Examples
    --------
    >>> h = pd.DataFrame({"status": ["待复查"], "deadline": pd.to_datetime(["2024-06-30"]),
    ...                   "rectified_date": pd.to_datetime(["2024-06-03"]),
    ...                   "reinspection_date": pd.to_datetime([None])})
    >>> r = lateness(h, "2024-06-12").iloc[0]
    >>> bool(r.unit_late), str(r.office_deadline.date()), bool(r.office_late), int(r.office_days_late)
    (False, '2024-06-11', True, 1)
    """
    if (
        isinstance(office_limit_days, bool)
        or int(office_limit_days) != office_limit_days
        or office_limit_days < 1
    ):
        raise ValueError(f"平安办复查时限须为正整数个工作日（收到 {office_limit_days!r}）")
    office_limit_days = int(office_limit_days)
    now = _day(as_of)
    idx = hazards.index
    status = hazards["status"].astype(object)
    deadline = _as_days(hazards["deadline"]).set_axis(idx)
    rect = _as_days(hazards["rectified_date"]).set_axis(idx)
    reinsp = _as_days(hazards["reinspection_date"]).set_axis(idx)

    rectified = status.isin(RECTIFIED_STATUSES) & rect.notna()
    unit_end = rect.where(rectified, now)
    closed_unrectified = status.eq(CLOSED_STATUS) & ~rectified  # imported rows without a date
    unit_end = unit_end.where(~closed_unrectified, reinsp)
    unit_days = (unit_end - deadline).dt.days
    unit_late = (unit_days > 0).fillna(False).astype(bool)

    on_clock = rect.notna() & ~status.eq("待整改")
    # 待复查 waits for the 复查 of its latest rectification (an earlier failed one does not count)
    waiting = on_clock & status.eq("待复查")
    reinspected = on_clock & ~waiting & reinsp.notna()
    office_end = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    office_end[reinspected] = reinsp[reinspected]
    office_end[waiting] = now
    office_deadline = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    office_deadline[on_clock] = add_working_days(
        rect[on_clock], office_limit_days, calendar_path
    ).to_numpy()
    office_days = count_working_days(office_deadline, office_end, calendar_path).set_axis(idx)
    office_late = office_days > 0

    return pd.DataFrame(
        {
            "unit_late": unit_late,
            "unit_days_late": unit_days.where(unit_late, 0).fillna(0).astype("int64"),
            "office_deadline": office_deadline,
            "office_late": office_late.astype(bool),
            "office_days_late": office_days.astype("int64"),
        },
        index=idx,
    )


# -- actions -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    """One step of the lifecycle a user can take.

    Attributes
    ----------
    source, target : str
        Status before and after.
    label : str
        Chinese button label (开始整改 / 整改完成待复查 / 复查合格并销号 / 复查不合格退回整改).
    needs : tuple of str
        What the user must enter (keys of :data:`ACTION_FIELD_LABELS`).
    """

    source: str
    target: str
    label: str
    needs: tuple[str, ...]

    @property
    def forward(self) -> bool:
        """True for a step towards 销号 (False for 复查不合格退回整改)."""
        return HAZARD_STATUSES.index(self.target) > HAZARD_STATUSES.index(self.source)

    @property
    def key(self) -> str:
        """Short ASCII key for widget names, e.g. ``'s0t1'`` (status positions)."""
        return f"s{HAZARD_STATUSES.index(self.source)}t{HAZARD_STATUSES.index(self.target)}"


def next_actions(status: str) -> tuple[Action, ...]:
    """The steps a user can take from ``status`` (:data:`registry.enums.STATUS_TRANSITIONS`).

    Forward steps come first (in lifecycle order), a step back (复查不合格) last; 已销号 has none.

    Raises
    ------
    ValueError
        Unknown status (Chinese message).

    Examples
    --------
    >>> [(a.label, a.needs) for a in next_actions("待整改")]
    [('开始整改', ()), ('整改完成待复查', ('rectified_date',))]
    >>> next_actions("已销号")
    ()
    """
    if status not in STATUS_TRANSITIONS:
        raise ValueError(f"未知隐患状态: {status!r}（应为 {'、'.join(HAZARD_STATUSES)}）")
    here = HAZARD_STATUSES.index(status)
    targets = sorted(
        STATUS_TRANSITIONS[status],
        key=lambda t: (HAZARD_STATUSES.index(t) < here, HAZARD_STATUSES.index(t)),
    )
    return tuple(
        Action(status, t, _ACTION_LABELS[(status, t)], _ACTION_NEEDS[(status, t)]) for t in targets
    )


def _date(value: Any) -> dt.date | None:
    if is_blank(value):
        return None
    return pd.Timestamp(value).date()


#: Fields of a 重大隐患's record (the ones required to 销号 first, then the optional ones).
MAJOR_RECORD_LABELS: Mapping[str, str] = {
    **MAJOR_CLOSE_FIELDS,
    "suspension": "责令停产停业/停止使用",
    "joint_departments": "联合整治部门",
}
_MAJOR_DATES = ("reported_date", "supervised_since")


def major_missing(row: Mapping[str, Any]) -> list[str]:
    """What a 重大隐患 still lacks before it can be 销号 (labels); empty for a 一般 hazard.

    Examples
    --------
    >>> major_missing({"level": "重大", "major_basis": "GB 35181-2025 5.3", "plan": " "})[:2]
    ['判定人员', '整改方案']
    >>> major_missing({"level": "一般"})
    []
    """
    if row.get("level") != "重大":
        return []
    return [label for f, label in MAJOR_CLOSE_FIELDS.items() if is_blank(row.get(f))]


def major_record(**values: Any) -> dict[str, Any]:
    """The fields of a 重大隐患's record to pass to ``store.update_hazard`` (blank ones left out).

    Examples
    --------
    >>> major_record(major_basis=" GB 35181-2025 5.3 ", reported_date="2024-06-04",
    ...              plan="", suspension=True)
    {'major_basis': 'GB 35181-2025 5.3', 'reported_date': datetime.date(2024, 6, 4), 'suspension': True}
    """
    unknown = sorted(set(values) - set(MAJOR_RECORD_LABELS))
    if unknown:
        raise ValueError(f"不是重大隐患登记的字段: {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "suspension":
            out[name] = bool(value)
        elif name in _MAJOR_DATES:
            if _date(value) is not None:
                out[name] = _date(value)
        elif not is_blank(value):
            out[name] = str(value).strip()
    return out


def action_fields(
    action: Action,
    *,
    rectified_date: DateLike | None = None,
    reinspection_date: DateLike | None = None,
    deadline: DateLike | None = None,
) -> dict[str, Any]:
    """The fields to pass to ``store.update_hazard`` for ``action``.

    Only what the action needs is used; the store then checks the lifecycle and the dates
    (e.g. 复查日期 before 整改完成日期 is refused there).

    Raises
    ------
    RegistryValidationError
        A needed date is missing, or the new deadline of a failed 复查 is not after the 复查.

    Examples
    --------
    >>> back = next_actions("待复查")[1]
    >>> action_fields(back, reinspection_date="2024-06-12", deadline="2024-06-30")
    {'status': '整改中', 'reinspection_date': datetime.date(2024, 6, 12), 'reinspection_result': '不合格', 'deadline': datetime.date(2024, 6, 30)}
    """
    given = {
        "rectified_date": _date(rectified_date),
        "reinspection_date": _date(reinspection_date),
        "deadline": _date(deadline),
    }
    missing = [ACTION_FIELD_LABELS[n] for n in action.needs if given[n] is None]
    if missing:
        raise RegistryValidationError([f"{action.label}: 请填写{'、'.join(missing)}"])
    fields: dict[str, Any] = {"status": action.target}
    if "rectified_date" in action.needs:
        fields["rectified_date"] = given["rectified_date"]
    if "reinspection_date" in action.needs:
        fields["reinspection_date"] = given["reinspection_date"]
        fields["reinspection_result"] = "合格" if action.target == CLOSED_STATUS else "不合格"
    if action.target == CLOSED_STATUS:
        fields["closed_date"] = given["reinspection_date"]
    if "deadline" in action.needs:
        if given["deadline"] <= given["reinspection_date"]:
            raise RegistryValidationError(
                [
                    f"{action.label}: 新的整改期限（{given['deadline']}）须晚于复查日期（{given['reinspection_date']}）"
                ]
            )
        fields["deadline"] = given["deadline"]
    return fields


def check_operator(user: Any) -> str:
    """The operator's name, stripped; every write records who made it.

    Raises
    ------
    RegistryValidationError
        When the name is blank.

    Examples
    --------
    >>> check_operator("  张三 ")
    '张三'
    """
    name = plain_text(user).strip()
    if not name:
        raise RegistryValidationError(["请先填写操作人姓名（记入台账修改记录）"])
    return name


def close_hazards(
    store: SQLiteStore,
    hazard_ids: Iterable[str],
    *,
    user: str,
    reinspection_date: DateLike,
) -> pd.DataFrame:
    """复查合格并销号 for several hazards in 待复查, each its own write.

    One hazard failing (changed by another user meanwhile, dates out of order, store busy)
    does not stop the others; nothing of a failed hazard is written.

    Parameters
    ----------
    store : SQLiteStore
    hazard_ids : iterable of str
        Hazards the user saw in 待复查 (the write is refused for one that is no longer there).
    user : str
        Operator (audit trail).
    reinspection_date : date-like
        复查日期, also the 销号日期.

    Returns
    -------
    DataFrame
        ``hazard_id``, ``ok`` (bool), ``message`` (Chinese: 已销号 or the reason).

    Raises
    ------
    RegistryValidationError
        Blank operator or missing date (nothing is written).
    """
    from registry.store import StoreBusyError

    name = check_operator(user)
    action = next(a for a in next_actions("待复查") if a.target == CLOSED_STATUS)
    fields = action_fields(action, reinspection_date=reinspection_date)
    rows = []
    for hid in dict.fromkeys(hazard_ids):
        try:
            store.update_hazard(hid, user=name, expected={"status": action.source}, **fields)
        except (RegistryValidationError, StoreBusyError) as err:
            message = (
                err.errors[0]
                if isinstance(err, RegistryValidationError) and len(err.errors) == 1
                else str(err)
            )
            rows.append({"hazard_id": hid, "ok": False, "message": message})
        else:
            rows.append(
                {
                    "hazard_id": hid,
                    "ok": True,
                    "message": f"已复查合格并销号（{fields['closed_date']}）",
                }
            )
    return pd.DataFrame(rows, columns=["hazard_id", "ok", "message"])


# -- the worklist ------------------------------------------------------------------------------
def ledger_table(
    hazards: pd.DataFrame,
    sites: pd.DataFrame,
    as_of: DateLike,
    office_limit_days: int = OFFICE_LIMIT_DAYS,
    calendar_path: str | Path | None = None,
) -> pd.DataFrame:
    """Hazards with their unit (name, address, 居委, 部门) and lateness, most urgent first.

    Order: open before 已销号; late (unit or office) first; 重大 before 一般; 挂牌督办 first;
    more days late first; earlier deadline first; then ``hazard_id``.

    Returns
    -------
    DataFrame
        The hazard columns plus ``site_name``, ``address``, ``committee``, ``department``,
        the :func:`lateness` columns and ``days_late`` (the larger of the two), with a fresh
        ``RangeIndex``.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["S1"], "name": ["甲厂"], "address": ["真如路1号"],
    ...                       "committee": ["星光"], "department": ["社区平安办"]})
    >>> h = pd.DataFrame({"hazard_id": ["A", "B"], "site_id": ["S1", "S1"],
    ...     "level": ["一般", "重大"], "supervised": [False, False], "status": ["整改中", "整改中"],
    ...     "deadline": pd.to_datetime(["2024-06-30", "2024-07-30"]),
    ...     "rectified_date": pd.NaT, "reinspection_date": pd.NaT})
    >>> ledger_table(h, sites, "2024-06-12")[["hazard_id", "site_name"]].values.tolist()
    [['B', '甲厂'], ['A', '甲厂']]
    """
    late = lateness(hazards, as_of, office_limit_days, calendar_path)
    base = pd.concat([hazards, late], axis=1)
    cols = ["site_id", *[c for c in _SITE_COLUMNS if c in sites.columns]]
    info = pd.DataFrame(sites)[cols].drop_duplicates("site_id").rename(columns=_SITE_COLUMNS)
    out = base.merge(info, on="site_id", how="left", validate="many_to_one")
    for col in _SITE_COLUMNS.values():
        if col not in out.columns:
            out[col] = ""
    out["days_late"] = out[["unit_days_late", "office_days_late"]].max(axis=1).astype("int64")
    key = pd.DataFrame(
        {
            "closed": out["status"].eq(CLOSED_STATUS),
            "on_time": ~(out["unit_late"] | out["office_late"]),
            "minor": out["level"].ne("重大"),
            "unsupervised": ~out["supervised"].fillna(False).astype(bool),
            "days": -out["days_late"],
            "deadline": pd.to_datetime(out["deadline"]),
            "hazard_id": out["hazard_id"].astype(str),
        }
    )
    order = key.sort_values(list(key.columns), kind="stable").index
    return out.loc[order].reset_index(drop=True)


@dataclass(frozen=True)
class HazardFilter:
    """A user's selection of hazards; empty selections mean "no restriction".

    Parameters
    ----------
    statuses, levels, committees, departments : tuple of str
        Keep these 状态 / 等级 / 居委 (of the unit) / 部门 (of the unit).
    late_by : tuple of str
        Keys of :data:`LATE_BY` (单位逾期, 平安办逾期): keep hazards late in any of them.
    supervised_only : bool
        Only 挂牌督办 hazards.

    Examples
    --------
    >>> HazardFilter(statuses="待复查").statuses
    ('待复查',)
    """

    statuses: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    late_by: tuple[str, ...] = ()
    supervised_only: bool = False

    def __post_init__(self) -> None:
        for name in ("statuses", "levels", "committees", "departments", "late_by"):
            object.__setattr__(self, name, as_tuple(getattr(self, name)))
        unknown = [v for v in self.late_by if v not in LATE_BY]
        if unknown:
            raise ValueError(f"未知的逾期类型: {'、'.join(unknown)}（应为 {'、'.join(LATE_BY)}）")


def filter_hazards(table: pd.DataFrame, flt: HazardFilter) -> pd.DataFrame:
    """Rows of a :func:`ledger_table` matching ``flt`` (order kept).

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["待整改", "已销号"], "level": ["一般", "重大"],
    ...     "committee": ["a", "b"], "department": ["x", "x"], "supervised": [True, False],
    ...     "unit_late": [True, False], "office_late": [False, True]})
    >>> len(filter_hazards(t, HazardFilter(late_by=("平安办逾期",))))
    1
    >>> len(filter_hazards(t, HazardFilter(supervised_only=True, statuses=("已销号",))))
    0
    """
    keep = pd.Series(True, index=table.index)
    for col, values in (
        ("status", flt.statuses),
        ("level", flt.levels),
        ("committee", flt.committees),
        ("department", flt.departments),
    ):
        if values:
            keep &= table[col].isin(values)
    if flt.late_by:
        late = pd.Series(False, index=table.index)
        for name in flt.late_by:
            late |= table[LATE_BY[name]].astype(bool)
        keep &= late
    if flt.supervised_only:
        keep &= table["supervised"].fillna(False).astype(bool)
    return table.loc[keep]


def export_table(table: pd.DataFrame) -> pd.DataFrame:
    """The 隐患台账 as a 平安办 keeps it: :data:`EXPORT_COLUMNS` with Chinese headers, in order.

    Dates stay dates (NaT = not yet); write with ``app_pages._export.to_xlsx_bytes``, which
    turns them into ``YYYY-MM-DD`` and neutralises formula-like text.

    Examples
    --------
    >>> t = pd.DataFrame({c: ["x"] for c in EXPORT_COLUMNS.values() if c})
    >>> list(export_table(t).columns)[:4], int(export_table(t)["序号"].iloc[0])
    (['序号', '单位', '地址', '隐患部位'], 1)
    """
    out = pd.DataFrame(index=range(len(table)))
    for header, col in EXPORT_COLUMNS.items():
        out[header] = range(1, len(table) + 1) if col is None else table[col].to_numpy()
    return out


# -- 整改通知书 -------------------------------------------------------------------------------
_NOTICE_CSS = """
@page { size: A4 portrait; margin: 15mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "SimHei", sans-serif; font-size: 10pt; line-height: 1.5; color: #111; margin: 0; }
.page { padding: 4mm 2mm; }
h1 { font-size: 18pt; text-align: center; letter-spacing: 2mm; margin: 0 0 4mm 0; }
.no { text-align: right; margin: 0 0 3mm 0; }
p { margin: 0 0 2mm 0; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 3mm 0; font-size: 9pt; }
th, td { border: 0.6pt solid #444; padding: 1mm 1.2mm; vertical-align: top; word-wrap: break-word; }
th { background: #e8eef5; font-weight: bold; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
td.num { text-align: center; }
.major { color: #b00; font-weight: bold; }
.late { color: #b00; }
.sign { margin-top: 8mm; line-height: 2.4; }
.sign .right { text-align: right; }
@media screen { body { background: #eee; } .page { background: #fff; max-width: 210mm;
  margin: 6mm auto; padding: 12mm; box-shadow: 0 0 3mm #999; } }
"""


def _fmt_day(value: Any) -> str:
    return "" if is_blank(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def rectification_notice(
    table: pd.DataFrame,
    site_id: str,
    as_of: DateLike,
    issuer: str = "真如镇街道平安办",
) -> str:
    """Printable 安全隐患整改通知书 of one unit: its open hazards with 三清楚 and deadlines.

    A self-contained HTML document (no scripts, no external resources); every text from the
    ledger is escaped with :func:`layers.safe_text.html_text`.

    Parameters
    ----------
    table : DataFrame
        A :func:`ledger_table` (its order is kept).
    site_id : str
        The unit.
    as_of : date-like
        Date of the notice; hazards past their deadline on that day are marked 已逾期.
    issuer : str
        Who issues it.

    Raises
    ------
    ValueError
        The unit has no hazard in ``table`` (Chinese message).

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["S1"], "name": ["<script>x</script>甲厂"],
    ...                       "address": ["真如路1号"], "committee": [""], "department": [""]})
    >>> h = pd.DataFrame({"hazard_id": ["A"], "site_id": ["S1"], "level": ["一般"],
    ...     "supervised": [False], "status": ["整改中"], "part": ["疏散通道"],
    ...     "description": ["堆放杂物"], "responsible_unit": ["甲厂"],
    ...     "responsible_person": ["张三"], "measures": ["清理"],
    ...     "deadline": pd.to_datetime(["2024-06-30"]), "rectified_date": pd.NaT,
    ...     "reinspection_date": pd.NaT})
    >>> doc = rectification_notice(ledger_table(h, sites, "2024-06-12"), "S1", "2024-06-12")
    >>> "<script>" in doc, "&lt;script&gt;x&lt;/script&gt;甲厂" in doc
    (False, True)
    """
    day = _day(as_of, "通知日期")
    mine = table.loc[table["site_id"].astype(str).eq(str(site_id))]
    if mine.empty:
        raise ValueError(f"单位 {site_id} 在台账中没有隐患记录，无法生成整改通知书")
    first = mine.iloc[0]
    name = html_text(first.get("site_name"), "（未登记名称）")
    address = html_text(first.get("address"), "（未登记地址）")
    open_ = mine.loc[mine["status"].isin(OPEN_STATUSES)]
    parts = [
        '<section class="page">',
        "<h1>安全隐患整改通知书</h1>",
        '<p class="no">编号：________________</p>',
        f"<p><b>{name}</b>（单位编号 {html_text(site_id)}）：</p>",
        f"<p>地址：{address}</p>",
    ]
    if open_.empty:
        parts.append(f"<p>截至 {day:%Y年%m月%d日}，你单位在台账中没有未销号的安全隐患。</p>")
    else:
        n_major = int(open_["level"].eq("重大").sum())
        parts.append(
            f"<p>经检查，你单位存在下列安全隐患 {len(open_)} 项"
            + (f"（其中重大隐患 {n_major} 项）" if n_major else "")
            + "。请按“三清楚”要求（隐患部位清楚、责任单位清楚、整改措施清楚），由整改责任人在整改期限前"
            "整改完毕，并将整改情况报平安办复查；复查合格后予以销号。"
            + (
                "重大隐患整改期间应采取可靠的防范措施，必要时局部或全部停产停业、停止使用。"
                if n_major
                else ""
            )
            + "</p>"
        )
        rows = []
        for i, (_, r) in enumerate(open_.iterrows(), start=1):
            level = html_text(r["level"])
            if r["level"] == "重大":
                level = f'<span class="major">{level}</span>'
            if r.get("supervised"):
                level += "<br>挂牌督办"
            deadline = html_text(_fmt_day(r["deadline"]))
            if not is_blank(r["deadline"]) and r["status"] not in RECTIFIED_STATUSES:
                over = (day - pd.Timestamp(r["deadline"]).normalize()).days
                if over > 0:
                    deadline += f'<br><span class="late">已逾期 {over} 天</span>'
            rows.append(
                f'<tr><td class="num">{i}</td><td>{html_text(r["hazard_id"])}</td><td>{level}</td>'
                f"<td>{html_text(r['part'])}</td><td>{html_text(r['description'])}</td>"
                f"<td>{html_text(r['responsible_unit'])}</td>"
                f"<td>{html_text(r.get('responsible_person'))}</td>"
                f"<td>{html_text(r['measures'])}</td><td>{deadline}</td>"
                f"<td>{html_text(r['status'])}</td></tr>"
            )
        parts.append(
            '<table>\n<colgroup><col style="width:5%"><col style="width:14%"><col style="width:7%">'
            '<col style="width:11%"><col style="width:14%"><col style="width:11%">'
            '<col style="width:8%"><col style="width:14%"><col style="width:9%">'
            '<col style="width:7%"></colgroup>\n'
            "<thead><tr><th>序号</th><th>隐患编号</th><th>等级</th><th>隐患部位</th>"
            "<th>隐患描述</th><th>责任单位</th><th>整改责任人</th><th>整改措施</th>"
            "<th>整改期限</th><th>状态</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows)
            + "\n</tbody></table>"
        )
    parts.append(
        '<div class="sign"><p>被检查单位负责人（签收）：________________　　日期：__________</p>'
        f'<p class="right">{html_text(issuer)}（盖章）<br>{day:%Y年%m月%d日}</p></div>'
    )
    parts.append("</section>")
    title = f"安全隐患整改通知书 · {plain_text(first.get('site_name'), str(site_id))}"
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html_text(title)}</title>\n<style>{_NOTICE_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )


# -- detail ----------------------------------------------------------------------------------
def hazard_detail(row: Mapping[str, Any]) -> pd.DataFrame:
    """Two-column plain-text card (项目, 内容) of one :func:`ledger_table` row: 三清楚 first.

    Examples
    --------
    >>> card = hazard_detail({"part": "疏散通道", "status": "整改中", "unit_late": True,
    ...                       "unit_days_late": 3, "deadline": pd.Timestamp("2024-06-10")})
    >>> card.set_index("项目").loc[["隐患部位（清楚1）", "整改期限", "单位逾期"], "内容"].tolist()
    ['疏散通道', '2024-06-10', '逾期 3 天']
    """

    def text(col: str, default: str = "—") -> str:
        value = row.get(col)
        if isinstance(value, pd.Timestamp | dt.date) and not is_blank(value):
            return _fmt_day(value)
        return plain_text(default if is_blank(value) else value, default)

    def late(flag: str, days: str, unit: str) -> str:
        if not row.get(flag):
            return "否"
        return f"逾期 {int(row.get(days) or 0)} {unit}"

    rows = [
        ("单位", text("site_name")),
        ("地址", text("address")),
        ("居委 / 部门", f"{text('committee')} / {text('department')}"),
        ("隐患部位（清楚1）", text("part")),
        ("责任单位（清楚2）", text("responsible_unit")),
        ("整改措施（清楚3）", text("measures")),
        ("隐患描述", text("description")),
        ("等级 / 类别", f"{text('level')} / {text('hazard_type')}"),
        ("挂牌督办", "是" if row.get("supervised") else "否"),
        ("整改责任人", text("responsible_person")),
        ("状态", text("status")),
        ("发现日期", text("found_date")),
        ("整改期限", text("deadline")),
        ("整改完成日期", text("rectified_date")),
        ("平安办复查期限", text("office_deadline")),
        ("复查日期", text("reinspection_date")),
        ("复查结果", text("reinspection_result")),
        ("销号日期", text("closed_date")),
        ("单位逾期", late("unit_late", "unit_days_late", "天")),
        ("平安办逾期", late("office_late", "office_days_late", "个工作日")),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


# -- history -----------------------------------------------------------------------------------
_FIELD_LABELS = {c.name: c.label for c in HAZARD_COLUMNS}
_AUDIT_ACTIONS = {"add_hazard": "登记", "update_hazard": "修改"}


def _change_text(before: Mapping[str, Any], after: Mapping[str, Any], action: str) -> str:
    if action == "add_hazard":
        return f"登记隐患（状态: {plain_text(after.get('status'), '待整改')}，期限: {plain_text(after.get('deadline'))}）"
    return "；".join(
        f"{_FIELD_LABELS.get(k, k)}: {plain_text(before.get(k), '—')} → {plain_text(v, '—')}"
        for k, v in after.items()
    )


def _json(text: Any) -> Mapping[str, Any]:
    if is_blank(text):
        return {}
    try:
        value = json.loads(str(text))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, Mapping) else {}


def hazard_history(audit: pd.DataFrame, hazard_id: str) -> pd.DataFrame:
    """One hazard's audit trail (``store.audit_log()``), oldest first, in Chinese.

    Returns
    -------
    DataFrame
        ``时间``, ``操作人``, ``操作`` (登记 / 修改), ``内容`` (e.g. ``状态: 待整改 → 整改中``),
        plain text (render it as text, or escape it for HTML).

    Examples
    --------
    >>> log = pd.DataFrame({"ts": ["2024-06-03T09:00:00"], "user": ["张三"],
    ...     "action": ["update_hazard"], "entity": ["hazards"], "entity_id": ["A"],
    ...     "before": ['{"status": "待整改"}'], "after": ['{"status": "整改中"}']})
    >>> hazard_history(log, "A").iloc[0].tolist()
    ['2024-06-03 09:00:00', '张三', '修改', '状态: 待整改 → 整改中']
    """
    cols = ["时间", "操作人", "操作", "内容"]
    if audit.empty:
        return pd.DataFrame(columns=cols)
    mine = audit.loc[audit["entity"].eq("hazards") & audit["entity_id"].eq(hazard_id)]
    rows = [
        [
            plain_text(r["ts"]).replace("T", " "),
            plain_text(r["user"]),
            _AUDIT_ACTIONS.get(r["action"], plain_text(r["action"])),
            _change_text(_json(r["before"]), _json(r["after"]), r["action"]),
        ]
        for _, r in mine.iterrows()
    ]
    return pd.DataFrame(rows, columns=cols)
