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

from layers.safe_text import hex_colour, html_text
from registry.sectors import SECTORS
from risk.calendar import as_date
from routes.planning import DEFAULT_SHIFTS, PlanningError, TeamSpec

__all__ = [
    "DEFAULT_FOCUS_BONUS",
    "briefing_html",
    "check_date",
    "holiday_candidates",
    "hotspots",
    "leader_teams",
    "node_keywords",
    "season_keywords",
    "site_focus",
]

#: Priority multiplier added for a site in a sector the node/season emphasises (+50 %).
DEFAULT_FOCUS_BONUS = 0.5

_TEXT_COLUMNS = ("category", "subcategory", "industry")
_TEAM_NUMERALS = "一二三四五六七八九十"


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
        out.extend(season_keywords(as_date(_node_get(node, "start"))))
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
        seasonal = season_keywords(as_date(_node_get(node, "start")))
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

    start, today = as_date(node_start), as_date(as_of)
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


# ----------------------------------------------------------------------------- briefing


def hotspots(scored: pd.DataFrame, keywords: Sequence[str], *, top: int = 10) -> pd.DataFrame:
    """居委 with the most 重大/较大 risk units (focus-sector units counted separately).

    Returns
    -------
    DataFrame
        ``committee``, ``high_risk`` (重大 + 较大 units), ``major`` (重大 units),
        ``focus_high_risk`` (of them in a focus sector), ``units``; most high-risk first.

    Examples
    --------
    >>> df = pd.DataFrame({"committee": ["东", "东", "西"], "level": ["重大", "低", "较大"],
    ...                    "category": ["群租", "群租", "厂房仓库"]})
    >>> hotspots(df, ["群租"]).to_dict("records")[0]
    {'committee': '东', 'high_risk': 1, 'major': 1, 'focus_high_risk': 1, 'units': 2}
    """
    if "committee" not in scored.columns or "level" not in scored.columns:
        raise PlanningError("热点统计需要 committee 和 level 列")
    high = scored["level"].isin(("重大", "较大"))
    focus = site_focus(scored, keywords).map(bool)
    frame = pd.DataFrame(
        {
            "committee": scored["committee"],
            "high_risk": high,
            "major": scored["level"].eq("重大"),
            "focus_high_risk": high & focus,
        }
    )
    g = frame.groupby("committee")
    out = g[["high_risk", "major", "focus_high_risk"]].sum().astype(int)
    out["units"] = g.size()
    out = out.reset_index().sort_values(
        ["high_risk", "major", "committee"], ascending=[False, False, True], kind="stable"
    )
    return out.head(top).reset_index(drop=True)


def _svg_map(
    points: pd.DataFrame, boundary_rings: Sequence[Sequence[tuple[float, float]]], size=(560, 420)
) -> str:
    """Small static SVG map (equirectangular) of the boundary and coloured points."""
    import math

    w, h = size
    lons = [x for ring in boundary_rings for x, _ in ring] + points["lon"].astype(float).tolist()
    lats = [y for ring in boundary_rings for _, y in ring] + points["lat"].astype(float).tolist()
    if not lons:
        return ""
    x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
    kx = math.cos(math.radians((y0 + y1) / 2))
    span_x, span_y = max((x1 - x0) * kx, 1e-9), max(y1 - y0, 1e-9)
    scale = min((w - 20) / span_x, (h - 20) / span_y)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return 10 + (lon - x0) * kx * scale, h - 10 - (lat - y0) * scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}" role="img" aria-label="热点分布图">']
    for ring in boundary_rings:
        d = " ".join(f"{a:.1f},{b:.1f}" for a, b in (xy(x, y) for x, y in ring))
        parts.append(f'<polygon points="{d}" fill="#f4f2ec" stroke="#666" stroke-width="1.5"/>')
    for _, p in points.iterrows():
        cx, cy = xy(float(p["lon"]), float(p["lat"]))
        r = float(p.get("r", 4))
        colour = hex_colour(p.get("colour"), "#E60012")
        title = html_text(p.get("label"))
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}" '
            f'fill-opacity="0.85" stroke="#fff" stroke-width="0.8"><title>{title}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


_BRIEF_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:18px 0 6px;border-left:4px solid #C00;
padding-left:6px} table{border-collapse:collapse;width:100%;font-size:12.5px;margin-bottom:8px}
th,td{border:1px solid #999;padding:3px 5px;text-align:left;vertical-align:top}
th{background:#eee} .figs td:first-child{width:38%;background:#fafafa}
.team{page-break-inside:avoid} .muted{color:#666;font-size:12px}
.grid{display:flex;gap:16px;align-items:flex-start} .grid>div{flex:1}
@media print{body{margin:10mm} h2{page-break-after:avoid}}
"""


def briefing_html(
    plan,
    node,
    figures: Mapping[str, object],
    *,
    hotspot_table: pd.DataFrame | None = None,
    boundary_rings: Sequence[Sequence[tuple[float, float]]] = (),
    map_points: pd.DataFrame | None = None,
) -> str:
    """Self-contained one-page briefing for leaders (print from the browser).

    Parameters
    ----------
    plan : RoutePlan
        The leader-led plan (:func:`routes.planning.plan_routes`).
    node : mapping or row
        The key node (``name``, ``start``, ``end``).
    figures : mapping
        Key figures, label → value, printed in order.
    hotspot_table : DataFrame, optional
        Output of :func:`hotspots`.
    boundary_rings : sequence of rings
        Boundary outline(s) as (lon, lat) lists, for the SVG map.
    map_points : DataFrame, optional
        Points of the map: ``lon, lat`` and optional ``colour``, ``r``, ``label``.

    Returns
    -------
    str
        HTML; every user-supplied string goes through :func:`layers.safe_text.html_text`
        (escaped, control characters removed), no scripts, no external resources.
    """
    e = html_text
    name = str(_node_get(node, "name", ""))
    start, end = _node_get(node, "start"), _node_get(node, "end", None)
    when = f"{start}" + (f" 至 {end}" if end and end != start else "")
    title = f"{name}节前安全检查工作简报"
    out = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{_BRIEF_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<div class="muted">节点时间：{e(when)}；检查日期：{plan.date:%Y-%m-%d}</div>',
        "<h2>一、关键数据</h2><table class=\"figs\">",
    ]
    out += [f"<tr><td>{e(str(k))}</td><td>{e(str(v))}</td></tr>" for k, v in figures.items()]
    out.append("</table>")

    out.append('<h2>二、风险热点</h2><div class="grid"><div>')
    if map_points is not None and (len(map_points) or boundary_rings):
        out.append(_svg_map(map_points, boundary_rings))
        out.append('<div class="muted">红/橙点：重大/较大风险单位；蓝圈：本次检查单位。</div>')
    out.append("</div><div>")
    if hotspot_table is not None and len(hotspot_table):
        out.append("<table><tr><th>居委</th><th>重大/较大风险单位</th><th>其中重大</th>"
                   "<th>其中重点行业</th><th>单位总数</th></tr>")
        for _, r in hotspot_table.iterrows():
            out.append(
                f"<tr><td>{e(str(r['committee']))}</td><td>{int(r['high_risk'])}</td>"
                f"<td>{int(r['major'])}</td><td>{int(r['focus_high_risk'])}</td>"
                f"<td>{int(r['units'])}</td></tr>"
            )
        out.append("</table>")
    out.append("</div></div>")

    out.append("<h2>三、各组检查安排</h2>")
    for r in plan.routes:
        lead = f"（带队：{r.team.leader}）" if r.team.leader else ""
        out.append(f'<div class="team"><h3>{e(r.team.name + lead)}</h3>')
        out.append(
            f'<div class="muted">{e(r.depart)} 从 {e(str(r.start.label))} 出发，约 {e(r.end_time)} 返回；'
            f"共 {r.n_stops} 家</div>"
        )
        if r.n_stops:
            out.append("<table><tr><th>序号</th><th>时间</th><th>单位名称</th><th>地址</th>"
                       "<th>类别</th><th>风险等级</th><th>检查要点</th></tr>")
            for _, s in r.stops.iterrows():
                out.append(
                    f"<tr><td>{int(s['seq'])}</td><td>{e(str(s['start']))}-{e(str(s['leave']))}</td>"
                    f"<td>{e(str(s['name']))}</td><td>{e(str(s['address']))}</td>"
                    f"<td>{e(str(s['category']))}</td><td>{e(str(s['level']))}</td>"
                    f"<td>{e(str(s['focus']))}</td></tr>"
                )
            out.append("</table>")
        out.append("</div>")
    if len(plan.left_out):
        out.append(
            f'<p class="muted">另有 {len(plan.left_out)} 家候选单位本次未安排，'
            "建议由各职能部门在节前补充检查。</p>"
        )
    out.append("</body></html>")
    return "\n".join(out)
