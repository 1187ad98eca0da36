"""节前检查: choose the sites and the leader-led teams for a key node (重要节点).

Before a holiday or another key node (``risk.calendar.key_nodes``), leaders take teams to
the highest-risk units, with emphasis on the sectors the node and the season call for
(冬春防火 → 群租 / 三合一 / 电动自行车; 汛期 → 地下空间 / 建筑施工; 大客流 holidays →
人员密集场所 / 商贸). This module is pure: it ranks a scored sites table for a node
(:func:`holiday_candidates`), builds the teams (:func:`leader_teams`) and proposes the
check day (:func:`check_date`); :func:`routes.planning.plan_routes` does the routing.

Examples
--------
>>> import datetime as dt, pandas as pd
>>> scored = pd.DataFrame({"site_id": ["A", "B", "C"], "category": ["群租", "厂房仓库", "商贸市场"],
...     "subcategory": ["", "", ""], "score": [50.0, 70.0, 40.0], "rank": [2, 1, 3]})
>>> node = {"name": "春节", "start": dt.date(2026, 2, 15), "end": dt.date(2026, 2, 23),
...         "focus": ["群租", "商贸"]}
>>> c = holiday_candidates(scored, node, n_sites=2, seasonal=())
>>> c[["site_id", "holiday_priority"]].to_dict("records")
[{'site_id': 'A', 'holiday_priority': 75.0}, {'site_id': 'B', 'holiday_priority': 70.0}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from registry.sectors import SECTORS
from routes.planning import DEFAULT_SHIFTS, PlanningError, TeamSpec

__all__ = [
    "DEFAULT_FOCUS_BONUS",
    "check_date",
    "holiday_candidates",
    "leader_teams",
    "node_keywords",
    "season_keywords",
    "site_focus",
]

#: Priority multiplier added for a site in a sector the node/season emphasises (+50 %).
DEFAULT_FOCUS_BONUS = 0.5

_TEXT_COLUMNS = ("category", "subcategory", "industry")
_TEAM_NUMERALS = "一二三四五六七八九十"


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _node_get(node, key: str, default=None):
    if isinstance(node, Mapping | pd.Series):
        return node.get(key, default)
    return getattr(node, key, default)


def season_keywords(date: dt.date | str) -> tuple[str, ...]:
    """Sector keywords of the seasonal windows active on ``date`` (``risk/config/seasons.csv``).

    Examples
    --------
    >>> "群租" in season_keywords("2026-01-15"), "地下空间" in season_keywords("2026-07-01")
    (True, True)
    """
    from risk.calendar import season_flags, season_table

    flags = season_flags(date)
    out: list[str] = []
    for rec in season_table().to_dict("records"):
        if flags.get(rec["season"]):
            out.extend(k for k in str(rec["keywords"]).split(";") if k)
    return tuple(dict.fromkeys(out))


def node_keywords(node, *, include_season: bool = True) -> tuple[str, ...]:
    """Focus keywords of a key node, then those of the season at its start (no duplicates).

    Parameters
    ----------
    node : mapping or row
        A row of ``risk.calendar.key_nodes`` / ``upcoming_key_nodes`` (``focus`` list,
        ``start`` date).
    include_season : bool
        Add :func:`season_keywords` of the node's start date.
    """
    focus = _node_get(node, "focus", ()) or ()
    if isinstance(focus, str):
        focus = [f for f in focus.replace("；", ";").split(";") if f]
    out = [str(f).strip() for f in focus if str(f).strip()]
    if include_season:
        out.extend(season_keywords(_as_date(_node_get(node, "start"))))
    return tuple(dict.fromkeys(out))


def site_focus(sites: pd.DataFrame, keywords: Sequence[str]) -> pd.Series:
    """Keywords each site matches (in its sector, subcategory, industry or map layer group).

    Returns
    -------
    Series of tuple of str, aligned with ``sites`` (empty tuple = no match).

    Examples
    --------
    >>> df = pd.DataFrame({"category": ["群租", "厂房仓库"], "subcategory": ["群租房", "仓库"]})
    >>> site_focus(df, ["群租", "居住"]).tolist()
    [('群租', '居住'), ()]
    """
    parts = []
    for col in _TEXT_COLUMNS:
        if col in sites.columns:
            parts.append(sites[col].fillna("").astype(str))
    if "category" in sites.columns:
        parts.append(
            sites["category"].map(lambda c: SECTORS[c].layer_group if c in SECTORS else "")
        )
    if not parts:
        return pd.Series([()] * len(sites), index=sites.index, dtype=object)
    text = parts[0]
    for p in parts[1:]:
        text = text + " " + p
    keywords = [k for k in dict.fromkeys(keywords) if k]
    return text.map(lambda t: tuple(k for k in keywords if k in t))


def holiday_candidates(
    scored: pd.DataFrame,
    node,
    *,
    n_sites: int,
    focus_bonus: float = DEFAULT_FOCUS_BONUS,
    seasonal: Iterable[str] | None = None,
    min_score: float = 0.0,
) -> pd.DataFrame:
    """The ``n_sites`` best sites for a key node's leader-led checks.

    Priority = risk ``score`` × (1 + ``focus_bonus``) for a site in a sector the node or the
    season emphasises, else ``score``. Ties keep the risk ranking.

    Parameters
    ----------
    scored : DataFrame
        Sites joined with ``risk.score_sites`` (``site_id``, ``score``, ``category`` …).
    node : mapping or row
        The key node (``name``, ``start``, ``focus``).
    n_sites : int
        How many candidates to return (give the route planner some slack: about twice the
        number of visits the teams can make).
    focus_bonus : float
        Relative priority bonus of a focus-sector site (``>= 0``).
    seasonal : iterable of str, optional
        Seasonal keywords; default those active at the node's start
        (:func:`season_keywords`). Pass ``()`` to use the node's focus only.
    min_score : float
        Leave out sites scoring below this.

    Returns
    -------
    DataFrame
        The chosen rows of ``scored`` (highest priority first) plus ``holiday_priority``,
        ``focus_match`` (tuple of matched keywords) and ``holiday_reason`` (Chinese), with
        ``must_visit`` set to False (the node plan is not the statutory must-visit list; the
        original is kept as ``statutory_must_visit``).

    Raises
    ------
    PlanningError
        Missing ``score`` column or ``n_sites < 1`` (Chinese message).
    """
    if "score" not in scored.columns:
        raise PlanningError("节前检查需要风险评分列 score（请传入 risk.score_sites 的结果）")
    if n_sites < 1:
        raise PlanningError("节前检查候选单位数至少为 1")
    if focus_bonus < 0:
        raise PlanningError("重点行业加权不能为负数")
    if seasonal is None:
        seasonal = season_keywords(_as_date(_node_get(node, "start")))
    seasonal = tuple(seasonal)
    node_focus = node_keywords(node, include_season=False)
    keywords = tuple(dict.fromkeys((*node_focus, *seasonal)))

    df = scored.loc[pd.to_numeric(scored["score"], errors="coerce").fillna(0) >= min_score].copy()
    df["focus_match"] = site_focus(df, keywords)
    relevant = df["focus_match"].map(bool)
    score = pd.to_numeric(df["score"], errors="coerce").fillna(0.0).astype(float)
    df["holiday_priority"] = (score * (1.0 + focus_bonus * relevant)).round(2)
    order_cols = ["holiday_priority"]
    ascending = [False]
    if "rank" in df.columns:
        order_cols.append("rank")
        ascending.append(True)
    df = df.sort_values(order_cols, ascending=ascending, kind="stable").head(int(n_sites))

    name = str(_node_get(node, "name", "节点"))

    def reason(row) -> str:
        bits = []
        if row["focus_match"]:
            bits.append(f"{name}重点：{'、'.join(row['focus_match'])}")
        if "rank" in row and pd.notna(row["rank"]):
            bits.append(f"风险排名第 {int(row['rank'])}")
        if "level" in row and isinstance(row["level"], str) and row["level"]:
            bits.append(f"{row['level']}风险")
        return "；".join(bits)

    df["holiday_reason"] = df.apply(reason, axis=1) if len(df) else pd.Series(dtype=str)
    df["statutory_must_visit"] = (
        df["must_visit"].fillna(False).astype(bool) if "must_visit" in df.columns else False
    )
    df["must_visit"] = False
    return df.reset_index(drop=True)


def leader_teams(
    leaders: Sequence[str],
    *,
    mode: str = "汽车",
    shifts: Sequence = DEFAULT_SHIFTS,
    prefix: str = "领导带队",
) -> list[TeamSpec]:
    """One team per leader, named ``领导带队一组``, ``领导带队二组`` …

    Examples
    --------
    >>> [(t.name, t.leader) for t in leader_teams(["王书记", "李主任"])]
    [('领导带队一组', '王书记'), ('领导带队二组', '李主任')]
    """
    names = [str(x).strip() for x in leaders]
    if not names:
        raise PlanningError("请至少填写一位带队领导")
    if any(not n for n in names):
        raise PlanningError("带队领导姓名不能为空")
    teams = []
    for i, leader in enumerate(names):
        label = _TEAM_NUMERALS[i] if i < len(_TEAM_NUMERALS) else str(i + 1)
        teams.append(TeamSpec(f"{prefix}{label}组", mode=mode, shifts=shifts, leader=leader))
    return teams


def check_date(node_start: dt.date | str, as_of: dt.date | str, *, lead: int = 3) -> dt.date:
    """Proposed day for the pre-node check, after ``as_of`` and before the node.

    The latest working day (not a weekend or holiday; 调休 make-up days count as working)
    on or before ``node_start - lead`` days; failing that, the first working day before the
    node; failing that (the node is about to start), the day after ``as_of`` — leaders also
    check on duty days.

    Examples
    --------
    >>> check_date("2026-02-15", "2026-01-31")  # 春节 2026 starts on a Sunday
    datetime.date(2026, 2, 12)
    >>> check_date("2026-02-15", "2026-02-13")  # Saturday 02-14 is a 调休 work day
    datetime.date(2026, 2, 14)
    >>> check_date("2026-02-15", "2026-02-14")
    datetime.date(2026, 2, 15)
    """
    from risk.calendar import is_off_day

    start, today = _as_date(node_start), _as_date(as_of)
    day = start - dt.timedelta(days=lead)
    while day > today:
        if not is_off_day(day):
            return day
        day -= dt.timedelta(days=1)
    day = today + dt.timedelta(days=1)
    while day < start:
        if not is_off_day(day):
            return day
        day += dt.timedelta(days=1)
    return today + dt.timedelta(days=1)
