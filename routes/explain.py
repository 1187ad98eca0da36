"""Chinese explanations for the route plan: why a site was left out, what to check on site.

The solver reports a short reason code per unassigned visit (see :data:`routes.model.REASONS`);
the planner adds ``cut`` for sites dropped by ``max_candidates``. This module turns a code plus
the site's own facts (must-visit, opening hours, required skills) into the sentence an
inspector reads in the 未安排 list.

Examples
--------
>>> left_out_reason("capacity", must=True)
'必查单位超出当日可用时间，建议增派一组或次日优先'
>>> left_out_reason("skill", skills=frozenset({"特种设备"}))
'无具备该专业资质的队伍(需真如市场监管所)'
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from registry.sectors import SECTORS

#: Skill a leader-led (领导带队) site requires; every team with a leader holds it.
LEADER_SKILL = "领导带队"

#: Sectors only specialist teams may inspect: skill name -> sector (the skill is the sector name).
SPECIALIST_SECTORS: tuple[str, ...] = ("特种设备", "建筑施工")

_REASONS_ZH: dict[str, str] = {
    "closed": "营业时间与班次不重叠",
    "unreachable": "单独前往也无法在班次内完成（路程加检查时长超出班次），请检查出发点或交通方式",
    "capacity": "当日可用时间已排满，建议次日安排",
    "low_priority": "优先级较低，本日容量已满",
    "cut": "优先级较低，未进入本日候选",
}

_MUST_REASONS_ZH: dict[str, str] = {
    "capacity": "必查单位超出当日可用时间，建议增派一组或次日优先",
    "low_priority": "必查单位超出当日可用时间，建议增派一组或次日优先",
    "closed": "必查单位营业时间与班次不重叠，请调整班次或另约时间",
    "unreachable": "必查单位单独前往也无法在班次内完成，请调整班次、出发点或交通方式",
}


def skill_department(skill: str) -> str | None:
    """Department holding a specialist skill (``特种设备`` → 真如市场监管所), else None.

    Examples
    --------
    >>> skill_department("建筑施工")
    '社区管理办'
    """
    if skill in SPECIALIST_SECTORS and skill in SECTORS:
        return SECTORS[skill].department
    return None


def _skill_phrase(skills: Iterable[str]) -> str:
    skills = sorted(skills)
    if not skills:
        return "无具备所需资质的队伍"
    if skills == [LEADER_SKILL]:
        return "领导带队单位，但没有带队领导的队伍"
    departments = [skill_department(s) for s in skills if s != LEADER_SKILL]
    if departments and all(departments):
        text = f"无具备该专业资质的队伍(需{'、'.join(dict.fromkeys(departments))})"
    else:
        text = f"无具备所需资质（{'、'.join(s for s in skills if s != LEADER_SKILL)}）的队伍"
    if LEADER_SKILL in skills:
        text += "，且须领导带队"
    return text


def left_out_reason(
    code: str,
    *,
    must: bool = False,
    skills: Iterable[str] = (),
    hours: str | None = None,
    top_n: int | None = None,
) -> str:
    """Chinese sentence explaining why a site is not in today's plan.

    Parameters
    ----------
    code : str
        Solver reason code (``skill``, ``closed``, ``unreachable``, ``capacity``,
        ``low_priority``) or ``cut`` (outside the ``max_candidates`` best).
    must : bool
        The site is a must-visit (必查).
    skills : iterable of str
        Skills the site requires (for ``skill``).
    hours : str, optional
        Opening hours text, e.g. ``"18:00-23:00"`` (appended for ``closed``).
    top_n : int, optional
        Candidate limit (for ``cut``).

    Examples
    --------
    >>> left_out_reason("closed", hours="19:00-23:00")
    '营业时间与班次不重叠（营业 19:00-23:00）'
    >>> left_out_reason("skill", skills={"领导带队"})
    '领导带队单位，但没有带队领导的队伍'
    """
    if code == "skill":
        return _skill_phrase(skills)
    if code == "cut":
        base = _REASONS_ZH["cut"]
        return f"{base}（仅取优先级前 {top_n} 家）" if top_n else base
    table = _MUST_REASONS_ZH if must else _REASONS_ZH
    text = table.get(code) or _REASONS_ZH.get(code) or f"未安排（{code}）"
    if code == "closed" and hours:
        text += f"（营业 {hours}）"
    return text


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.replace("；", ";").split(";") if p.strip()]
    if isinstance(value, Iterable):
        out = []
        for item in value:
            if isinstance(item, tuple | list) and item:
                item = item[0]  # (text, contribution) pairs from risk reasons
            if item is not None and str(item).strip():
                out.append(str(item).strip())
        return out
    if pd.isna(value):
        return []
    return [str(value)]


def must_reason_text(value) -> str:
    """Join must-visit reasons (list or ``;``-separated text) into one Chinese line.

    Examples
    --------
    >>> must_reason_text(["重大隐患逾期未整改", "本季度未检查"])
    '重大隐患逾期未整改；本季度未检查'
    """
    return "；".join(_as_list(value))


def focus_points(site: pd.Series | dict, *, max_reasons: int = 2, max_parts: int = 3) -> str:
    """检查要点 for a stop: leader-led mark, risk reasons, then the sector's typical 部位.

    Examples
    --------
    >>> focus_points({"category": "群租", "reasons_text": "近一年发现隐患 3 项"})
    '近一年发现隐患 3 项；重点查看：隔断间/厨房、卫生间/阳台、居室'
    """
    get = site.get
    parts: list[str] = []
    if bool(get("leader_led", False) is True or get("leader_led", False) == 1):
        parts.append("领导带队")
    reasons = get("reasons_text", None)
    if reasons is None or (not isinstance(reasons, str) and pd.isna(reasons)):
        reasons = get("reasons", None)
    parts.extend(_as_list(reasons)[:max_reasons])
    category = get("category", None)
    if isinstance(category, str) and category in SECTORS:
        spots = SECTORS[category].parts[:max_parts]
        if spots:
            parts.append("重点查看：" + "、".join(spots))
    return "；".join(parts)
