"""Rules of the 检查登记 form (record one inspection on a phone), as pure functions.

The page ``app_pages/record.py`` only holds widgets; what the form checks, which defaults it
proposes and how a filled form becomes the records of
:meth:`registry.store.SQLiteStore.add_inspection` live here:

* :func:`default_deadline` — 整改期限 proposed for a hazard (一般 +7 days, 重大 +30 days);
* :func:`quick_picks` / :func:`template_fields` — the sector's typical hazards as quick picks;
* :func:`find_sites` — search a unit by name, address, 统一社会信用代码 or 编号;
* :func:`team_options` — the teams already in the ledger;
* :class:`InspectionDraft` / :class:`HazardDraft` — what the user filled in;
  :func:`form_errors` lists what is missing (Chinese), :func:`to_records` gives the rows.

The store validates the rows again (vocabularies, dates, foreign keys); this module adds the
rules of the form itself: who records it, 带队领导 for 领导带队, 三清楚 for every hazard, a
date not in the future, and that 立即整改 is for 一般隐患 only.

Examples
--------
>>> import datetime as dt
>>> draft = InspectionDraft(site_id="S000001", date=dt.date(2024, 6, 3), type="日常",
...     team="平安办一组", inspector="张三", hazards=(HazardDraft(
...         part="疏散通道", responsible_unit="某仓库", measures="清理杂物",
...         level="一般", hazard_type="消防", description="疏散通道堆放杂物",
...         deadline=default_deadline(dt.date(2024, 6, 3), "一般")),))
>>> form_errors(draft, today=dt.date(2024, 6, 3))
[]
>>> inspection, hazards = to_records(draft, today=dt.date(2024, 6, 3))
>>> inspection["site_id"], hazards[0]["deadline"], hazards[0]["status"]
('S000001', datetime.date(2024, 6, 10), '待整改')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

from registry.enums import HAZARD_LEVELS
from registry.filters import SiteFilter, apply_filters
from registry.sectors import SECTORS, HazardTemplate
from registry.validate import RegistryValidationError

__all__ = [
    "DEADLINE_DAYS",
    "FIXED_STATUS",
    "LEADER_TYPE",
    "OPEN_STATUS",
    "HazardDraft",
    "InspectionDraft",
    "default_deadline",
    "find_sites",
    "form_errors",
    "quick_picks",
    "site_label",
    "team_options",
    "template_fields",
    "to_records",
]

#: Days from the found date to the proposed 整改期限, per 隐患等级.
DEADLINE_DAYS: Mapping[str, int] = MappingProxyType({"一般": 7, "重大": 30})

#: The inspection type that needs a 带队领导.
LEADER_TYPE = "领导带队"

#: Status of a newly found hazard.
OPEN_STATUS = "待整改"

#: Status of a hazard fixed on the spot (立即整改): rectified, waiting for 复查.
FIXED_STATUS = "待复查"


def default_deadline(found: dt.date, level: str) -> dt.date:
    """整改期限 proposed for a hazard found on ``found``: +7 days (一般), +30 days (重大).

    Parameters
    ----------
    found : date
        发现日期 (the inspection date).
    level : str
        隐患等级, one of :data:`registry.enums.HAZARD_LEVELS`.

    Raises
    ------
    ValueError
        Unknown level (Chinese message).

    Examples
    --------
    >>> default_deadline(dt.date(2024, 6, 3), "一般"), default_deadline(dt.date(2024, 6, 3), "重大")
    (datetime.date(2024, 6, 10), datetime.date(2024, 7, 3))
    """
    if level not in DEADLINE_DAYS:
        raise ValueError(f"未知隐患等级“{level}”（应为 {'、'.join(HAZARD_LEVELS)}）")
    return found + dt.timedelta(days=DEADLINE_DAYS[level])


def quick_picks(category: str | None) -> tuple[HazardTemplate, ...]:
    """Typical hazards of a sector (``sites.category``); empty for an unknown sector.

    Examples
    --------
    >>> quick_picks("群租")[0].description
    '违规分隔搭建'
    >>> quick_picks("不存在的类别")
    ()
    """
    sector = SECTORS.get(category) if category else None
    return sector.hazards if sector is not None else ()


def template_fields(template: HazardTemplate) -> dict[str, str]:
    """Form fields a quick pick fills: 隐患类别, 部位, 描述, 整改措施.

    Examples
    --------
    >>> template_fields(quick_picks("群租")[0])["measures"]
    '拆除隔断，恢复原状'
    """
    return {
        "hazard_type": template.hazard_type,
        "part": template.part,
        "description": template.description,
        "measures": template.measure,
    }


def find_sites(sites: pd.DataFrame, text: str, limit: int = 30) -> pd.DataFrame:
    """Units whose name, address, 统一社会信用代码, 编号 or 行业 contain ``text``.

    Uses :func:`registry.filters.apply_filters` (literal, case-insensitive). Names that start
    with the text come first, then the rest in ``site_id`` order; at most ``limit`` rows.
    An empty text finds nothing (a phone should not list 3,000 units).

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["S1", "S2", "S3"],
    ...     "name": ["真如仓库", "铜川路仓库", "甲厂"], "address": ["a", "b", "仓库路1号"]})
    >>> find_sites(sites, "仓库").site_id.tolist()
    ['S1', 'S2', 'S3']
    >>> find_sites(sites, "铜川").site_id.tolist(), len(find_sites(sites, "  "))
    (['S2'], 0)
    """
    needle = (text or "").strip()
    if not needle:
        return sites.iloc[0:0]
    hits = apply_filters(sites, SiteFilter(text=needle))
    starts = hits["name"].astype("string").str.casefold().str.startswith(needle.casefold())
    order = pd.DataFrame({"first": ~starts.fillna(False).astype(bool), "id": hits["site_id"]})
    return hits.loc[order.sort_values(["first", "id"]).index[:limit]]


def site_label(site: Mapping[str, Any]) -> str:
    """One-line label of a unit for a picker: ``名称 · 地址（编号）`` (plain text).

    Examples
    --------
    >>> site_label({"site_id": "S1", "name": "甲厂", "address": "真如路1号"})
    '甲厂 · 真如路1号（S1）'
    """
    address = str(site.get("address") or "").strip()
    name = str(site.get("name") or "").strip()
    head = f"{name} · {address}" if address else name
    return f"{head}（{site.get('site_id')}）"


def team_options(inspections: pd.DataFrame) -> list[str]:
    """The teams already in the ledger, most used first (blank names left out).

    Examples
    --------
    >>> team_options(pd.DataFrame({"team": ["二组", "一组", "二组", " ", None]}))
    ['二组', '一组']
    """
    if "team" not in inspections.columns or inspections.empty:
        return []
    teams = inspections["team"].dropna().astype(str).str.strip()
    teams = teams[teams.ne("")]
    counts = teams.value_counts()
    return sorted(counts.index, key=lambda t: (-int(counts[t]), t))


def _clean(value: str | None) -> str:
    return (value or "").strip()


@dataclass(frozen=True)
class HazardDraft:
    """One hazard as filled in on the form.

    Parameters
    ----------
    part, responsible_unit, measures : str
        三清楚: 隐患部位, 责任单位, 整改措施 (all required).
    level : str
        一般 / 重大.
    hazard_type : str
        One of :data:`registry.enums.HAZARD_TYPES`.
    description : str
        隐患描述 (required).
    deadline : date
        整改期限 (see :func:`default_deadline`).
    responsible_person : str
        整改责任人 (optional; personal data).
    fixed_on_spot : bool
        立即整改: fixed during the inspection (一般 only); recorded as 待复查 with the
        整改完成日期 = the inspection date.
    """

    part: str = ""
    responsible_unit: str = ""
    measures: str = ""
    level: str = "一般"
    hazard_type: str = "消防"
    description: str = ""
    deadline: dt.date | None = None
    responsible_person: str = ""
    fixed_on_spot: bool = False


@dataclass(frozen=True)
class InspectionDraft:
    """One inspection as filled in on the form.

    Parameters
    ----------
    site_id : str or None
        The unit inspected.
    date : date
        检查日期.
    type : str
        检查类型 (:data:`registry.enums.INSPECTION_TYPES`).
    team : str
        检查组.
    inspector : str
        检查人员 (who records it; the store's audit ``user``). Required.
    leader : str
        带队领导 (required when ``type`` is 领导带队, ignored otherwise).
    hazards : tuple of HazardDraft
        Empty = 未发现隐患.
    """

    site_id: str | None
    date: dt.date
    type: str
    team: str = ""
    inspector: str = ""
    leader: str = ""
    hazards: tuple[HazardDraft, ...] = ()


def form_errors(draft: InspectionDraft, today: dt.date) -> list[str]:
    """What is missing or wrong in the form (Chinese; empty list = ready to save).

    Parameters
    ----------
    draft : InspectionDraft
        The filled form.
    today : date
        The real today (a record of an inspection in the future is refused).

    Examples
    --------
    >>> form_errors(InspectionDraft(site_id=None, date=dt.date(2024, 6, 3), type="领导带队"),
    ...             today=dt.date(2024, 6, 3))
    ['请选择被检查单位', '请填写检查人员（登记人）', '检查类型为“领导带队”时须填写带队领导']
    """
    errors: list[str] = []
    if not _clean(draft.site_id):
        errors.append("请选择被检查单位")
    if draft.date is None:
        errors.append("请填写检查日期")
    elif draft.date > today:
        errors.append(f"检查日期 {draft.date:%Y-%m-%d} 晚于今天 {today:%Y-%m-%d}")
    if not _clean(draft.inspector):
        errors.append("请填写检查人员（登记人）")
    if draft.type == LEADER_TYPE and not _clean(draft.leader):
        errors.append(f"检查类型为“{LEADER_TYPE}”时须填写带队领导")
    for i, h in enumerate(draft.hazards, start=1):
        label = f"隐患{i}"
        for value, name in (
            (h.description, "隐患描述"),
            (h.part, "隐患部位"),
            (h.responsible_unit, "责任单位"),
            (h.measures, "整改措施"),
        ):
            if not _clean(value):
                errors.append(f"{label}：请填写{name}")
        if h.deadline is None:
            errors.append(f"{label}：请填写整改期限")
        if h.fixed_on_spot and h.level != "一般":
            errors.append(f"{label}：只有一般隐患可以“立即整改”，重大隐患须限期整改并复查")
    return errors


def to_records(
    draft: InspectionDraft, today: dt.date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The inspection and hazard rows of a filled form, for ``SQLiteStore.add_inspection``.

    Strings are stripped; an empty 整改责任人 becomes ``None``; a hazard fixed on the spot is
    recorded as :data:`FIXED_STATUS` with ``rectified_date`` = the inspection date (one
    transaction with the inspection, so the ledger never holds it half-done).

    Raises
    ------
    RegistryValidationError
        With :func:`form_errors` when the form is incomplete.

    Examples
    --------
    >>> d = InspectionDraft(site_id="S1", date=dt.date(2024, 6, 3), type="日常", inspector="李四",
    ...     hazards=(HazardDraft(part="配电箱", responsible_unit="甲厂", measures="更换",
    ...              description="线路老化", hazard_type="用电", deadline=dt.date(2024, 6, 10),
    ...              fixed_on_spot=True),))
    >>> ins, haz = to_records(d, today=dt.date(2024, 6, 3))
    >>> haz[0]["status"], haz[0]["rectified_date"], haz[0]["responsible_person"]
    ('待复查', datetime.date(2024, 6, 3), None)
    """
    errors = form_errors(draft, today)
    if errors:
        raise RegistryValidationError(errors)
    inspection: dict[str, Any] = {
        "site_id": _clean(draft.site_id),
        "date": draft.date,
        "type": draft.type,
        "team": _clean(draft.team),
        "leader": _clean(draft.leader) if draft.type == LEADER_TYPE else None,
    }
    hazards: list[dict[str, Any]] = []
    for h in draft.hazards:
        row: dict[str, Any] = {
            "level": h.level,
            "hazard_type": h.hazard_type,
            "part": _clean(h.part),
            "description": _clean(h.description),
            "responsible_unit": _clean(h.responsible_unit),
            "responsible_person": _clean(h.responsible_person) or None,
            "measures": _clean(h.measures),
            "deadline": h.deadline,
            "status": FIXED_STATUS if h.fixed_on_spot else OPEN_STATUS,
        }
        if h.fixed_on_spot:
            row["rectified_date"] = draft.date
        hazards.append(row)
    return inspection, hazards
