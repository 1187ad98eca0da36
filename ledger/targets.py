"""年度目标 statistics: progress of the plan's targets, pace vs the calendar, 考核, unit status.

Pure functions on the store's frames (``targets``, ``target_events``, ``sites``), shared by the
年度目标 page, the 考核 section of 统计考核, the site card and notebooks.

* **Planned** — a target's ``amount``; a target of unit scope without an amount (承诺书, the
  “四个一”) plans one per active unit of :data:`registry.targets.ENTERPRISE_CATEGORIES`.
* **Done** — the quantities of its events up to the as-of date; for unit scope the number of
  distinct units (a unit signing twice counts once).
* **Pace** — the same calendar idea as the statutory frequency (:mod:`risk.frequency`): what is
  due by a day is the share of the target's period that has passed. Expected by the as-of date
  = planned × elapsed share of ``start_date … deadline`` (days counted inclusively, 0 before
  the start, 1 from the deadline on); a target is **behind** when done < expected, and the
  **gap** is expected − done.
* **By 居委 / department** — events count where they belong (the unit's or the recorded 居委 /
  department); planned and expected are split only where the registry knows the split (units
  of unit-scope targets); a target without a split counts for its lead department.
* **考核** — per department or 居委: the weighted mean over its targets of min(done / expected, 1)
  × 100 (quantitative), combined with an editable qualitative score (0-100) by an editable
  share. Residents are never named anywhere: resident checks are counts per 居委.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"target_id": ["T1"], "year": [2026], "kind": ["应急演练"],
...     "title": ["演练"], "unit": ["次"], "amount": [4.0], "department": ["社区平安办"],
...     "start_date": pd.to_datetime(["2026-01-01"]), "deadline": pd.to_datetime(["2026-04-10"])})
>>> e = pd.DataFrame({"target_id": ["T1"], "date": pd.to_datetime(["2026-02-01"]),
...     "quantity": [1.0], "site_id": [None], "committee": [None], "department": ["社区平安办"]})
>>> p = target_progress(t, e, pd.DataFrame(), "2026-02-19")
>>> p[["planned", "done", "expected", "gap", "behind"]].values.tolist()
[[4.0, 1.0, 2.0, 1.0, True]]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from layers.safe_text import html_text
from registry.committees import OUTSIDE, UNVERIFIED
from registry.targets import FOUR_ONES, KIND_SCOPE, enterprises
from risk.frequency import as_day

__all__ = [
    "DEFAULT_QUANT_SHARE",
    "GROUP_LABELS",
    "assessment",
    "assessment_html",
    "commitment_gaps",
    "elapsed_share",
    "progress_by",
    "progress_table",
    "site_status_text",
    "target_progress",
    "unit_status",
]

#: Share of the quantitative part in the 考核 total (the rest is the qualitative score).
DEFAULT_QUANT_SHARE = 0.7
#: Chinese name of each grouping.
GROUP_LABELS: Mapping[str, str] = {"committee": "居委", "department": "部门"}
_NOT_ASSESSED = (OUTSIDE, UNVERIFIED)


def elapsed_share(start: object, deadline: object, as_of: object) -> float:
    """Share (0-1) of the period ``start … deadline`` passed on ``as_of`` (days inclusive).

    Examples
    --------
    >>> [round(elapsed_share("2026-01-01", "2026-01-10", d), 2)
    ...  for d in ("2025-12-31", "2026-01-01", "2026-01-05", "2026-02-01")]
    [0.0, 0.1, 0.5, 1.0]
    """
    s, e, d = as_day(start), as_day(deadline), as_day(as_of)
    days = (e - s).days + 1
    if days <= 0:
        return 1.0 if d >= s else 0.0
    return float(min(max(((d - s).days + 1) / days, 0.0), 1.0))


def _scope(kind: object) -> str:
    return KIND_SCOPE.get(str(kind), "any")


def _events_until(events: pd.DataFrame, targets: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    if events.empty:
        return events.assign(kind=pd.Series(dtype=object))
    ev = events[pd.to_datetime(events["date"]) <= as_of]
    kinds = targets.set_index("target_id")["kind"]
    ev = ev[ev["target_id"].isin(kinds.index)]
    return ev.assign(kind=ev["target_id"].map(kinds))


def _done(ev: pd.DataFrame, kind: str) -> float:
    if ev.empty:
        return 0.0
    if _scope(kind) == "unit":
        return float(ev["site_id"].dropna().nunique())
    return float(ev["quantity"].sum())


def _row(planned: float, done: float, share: float) -> dict[str, object]:
    expected = planned * share if pd.notna(planned) else np.nan
    behind = bool(pd.notna(expected) and done + 1e-9 < expected)
    gap = float(expected - done) if behind else 0.0
    return {
        "planned": planned,
        "done": done,
        "share": share,
        "expected": expected,
        "gap": gap,
        "behind": behind,
        "done_pct": done / planned if pd.notna(planned) and planned > 0 else np.nan,
    }


def _planned(target: Mapping[str, object], ent: pd.DataFrame) -> float:
    amount = target.get("amount")
    if pd.notna(amount):
        return float(amount)
    return float(len(ent)) if _scope(target["kind"]) == "unit" else np.nan


def target_progress(
    targets: pd.DataFrame, events: pd.DataFrame, sites: pd.DataFrame, as_of: object
) -> pd.DataFrame:
    """One row per target: planned, done, elapsed share, expected, gap, behind, done share.

    Parameters
    ----------
    targets, events, sites : DataFrame
        The store's ``targets`` (usually of one year), ``target_events`` and ``sites``.
    as_of : date-like
        Events up to this day count; the pace is measured at this day.

    Returns
    -------
    DataFrame
        The target's columns plus ``planned, done, share, expected, gap, behind, done_pct,
        status`` (完成 / 正常 / 落后 / 未开始).

    Examples
    --------
    >>> t = pd.DataFrame({"target_id": ["T1"], "year": [2026], "kind": ["承诺书"],
    ...     "title": ["承诺书"], "unit": ["家"], "amount": [np.nan], "department": ["社区平安办"],
    ...     "start_date": pd.to_datetime(["2026-01-01"]),
    ...     "deadline": pd.to_datetime(["2026-06-30"])})
    >>> s = pd.DataFrame({"site_id": ["a", "b"], "category": ["厂房仓库", "园区企业"]})
    >>> e = pd.DataFrame({"target_id": ["T1", "T1"], "date": pd.to_datetime(["2026-02-01"] * 2),
    ...     "quantity": [1.0, 1.0], "site_id": ["a", "a"], "committee": [None, None],
    ...     "department": [None, None]})
    >>> target_progress(t, e, s, "2026-12-01")[["planned", "done", "status"]].values.tolist()
    [[2.0, 1.0, '落后']]
    """
    day = as_day(as_of)
    ev = _events_until(events, targets, day)
    ent = enterprises(sites)
    rows = []
    for target in targets.to_dict("records"):
        mine = ev[ev["target_id"] == target["target_id"]] if not ev.empty else ev
        share = elapsed_share(target["start_date"], target["deadline"], day)
        rows.append({**target, **_row(_planned(target, ent), _done(mine, target["kind"]), share)})
    out = pd.DataFrame(rows, columns=[*targets.columns, "planned", "done", "share", "expected",
                                      "gap", "behind", "done_pct"])  # fmt: skip
    out["status"] = _status(out)
    return out


def _status(p: pd.DataFrame) -> pd.Series:
    done = p["planned"].notna() & (p["done"] >= p["planned"])
    return pd.Series(
        np.select(
            [done, p["behind"].astype(bool), p["share"] <= 0],
            ["完成", "落后", "未开始"],
            default="正常",
        ),
        index=p.index,
        dtype=object,
    )


def progress_by(
    targets: pd.DataFrame,
    events: pd.DataFrame,
    sites: pd.DataFrame,
    as_of: object,
    by: str = "committee",
) -> pd.DataFrame:
    """Progress per target and 居委 (``by="committee"``) or department (``by="department"``).

    ``done`` counts the events of each group; ``planned`` / ``expected`` / ``gap`` are known
    where the registry splits the plan: the enterprises of the group for unit-scope targets.
    For other targets the lead department carries the whole target (by department), and a
    居委 has only its counts (by 居委; ``planned`` is empty).

    Returns
    -------
    DataFrame
        ``target_id, kind, title, unit, group, planned, done, share, expected, gap, behind,
        done_pct``.

    Examples
    --------
    >>> t = pd.DataFrame({"target_id": ["T1"], "year": [2026], "kind": ["独居老人安全检查"],
    ...     "title": ["独居老人"], "unit": ["户"], "amount": [100.0], "department": ["居委会"],
    ...     "start_date": pd.to_datetime(["2026-01-01"]),
    ...     "deadline": pd.to_datetime(["2026-12-31"])})
    >>> e = pd.DataFrame({"target_id": ["T1"] * 3, "date": pd.to_datetime(["2026-02-01"] * 3),
    ...     "quantity": [5.0, 7.0, 4.0], "site_id": [None] * 3,
    ...     "committee": ["南大街", "南大街", "星光"], "department": ["居委会"] * 3})
    >>> progress_by(t, e, pd.DataFrame(), "2026-06-30")[["group", "done"]].values.tolist()
    [['南大街', 12.0], ['星光', 4.0]]
    >>> progress_by(t, e, pd.DataFrame(), "2026-06-30", by="department")[
    ...     ["group", "planned", "done"]].values.tolist()
    [['居委会', 100.0, 16.0]]
    """
    if by not in GROUP_LABELS:
        raise ValueError(f"未知分组 {by!r}（可选: committee、department）")
    day = as_day(as_of)
    ev = _events_until(events, targets, day)
    ent = enterprises(sites)
    rows = []
    for target in targets.to_dict("records"):
        kind = target["kind"]
        share = elapsed_share(target["start_date"], target["deadline"], day)
        mine = ev[ev["target_id"] == target["target_id"]] if not ev.empty else ev
        head = {k: target[k] for k in ("target_id", "kind", "title", "unit")}
        if _scope(kind) == "unit" and pd.isna(target.get("amount")):
            planned = ent[by].astype(object).where(ent[by].notna(), "未填").value_counts()
        elif by == "department":
            planned = pd.Series({target["department"]: _planned(target, ent)})
        else:
            planned = pd.Series(dtype=float)
        done = (
            mine.groupby(mine[by].astype(object).where(mine[by].notna(), "未填"))
            .apply(lambda g, k=kind: _done(g, k), include_groups=False)
            if not mine.empty
            else pd.Series(dtype=float)
        )
        for group in sorted(set(planned.index) | set(done.index), key=str):
            rows.append({
                **head, "group": group,
                **_row(float(planned.get(group, np.nan)), float(done.get(group, 0.0)), share),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=["target_id", "kind", "title", "unit", "group", "planned",
                                       "done", "share", "expected", "gap", "behind", "done_pct"])


def assessment(
    targets: pd.DataFrame,
    events: pd.DataFrame,
    sites: pd.DataFrame,
    as_of: object,
    by: str = "department",
    weights: Mapping[str, float] | None = None,
    qualitative: Mapping[str, float] | None = None,
    quant_share: float = DEFAULT_QUANT_SHARE,
) -> pd.DataFrame:
    """考核 table per department or 居委: quantitative, qualitative and total score, rank.

    Quantitative = 100 × Σ w·min(done/expected, 1) / Σ w over the group's targets that have an
    expected amount above 0 by the as-of date (``weights`` by target kind, default 1; a weight
    of 0 leaves a kind out). Qualitative = ``qualitative[group]`` (0-100, default 0: the office
    enters it). Total = quant_share × quantitative + (1 − quant_share) × qualitative. The two
    groups 辖区外 and 居委待核实 are not assessed.

    Raises
    ------
    ValueError
        A weight below 0, a qualitative score outside 0-100 or a share outside 0-1 (Chinese).

    Examples
    --------
    >>> t = pd.DataFrame({"target_id": ["T1", "T2"], "year": [2026, 2026],
    ...     "kind": ["应急演练", "安全培训"], "title": ["演练", "培训"], "unit": ["次", "次"],
    ...     "amount": [4.0, 2.0], "department": ["社区平安办", "社区平安办"],
    ...     "start_date": pd.to_datetime(["2026-01-01"] * 2),
    ...     "deadline": pd.to_datetime(["2026-12-31"] * 2)})
    >>> e = pd.DataFrame({"target_id": ["T1", "T2"], "date": pd.to_datetime(["2026-03-01"] * 2),
    ...     "quantity": [1.0, 2.0], "site_id": [None, None], "committee": [None, None],
    ...     "department": ["社区平安办", "社区平安办"]})
    >>> a = assessment(t, e, pd.DataFrame(), "2026-12-31", weights={"应急演练": 3, "安全培训": 1},
    ...                qualitative={"社区平安办": 90}, quant_share=0.5)
    >>> a[["group", "quantitative", "qualitative", "total"]].values.tolist()
    [['社区平安办', 43.75, 90.0, 66.875]]
    """
    if not 0 <= quant_share <= 1:
        raise ValueError("定量部分占比须在 0 到 1 之间")
    weights = dict(weights or {})
    if any(float(w) < 0 for w in weights.values()):
        raise ValueError("权重不能为负数")
    qualitative = dict(qualitative or {})
    bad = [g for g, v in qualitative.items() if pd.notna(v) and not 0 <= float(v) <= 100]
    if bad:
        raise ValueError(f"定性评分须在 0 到 100 之间（{'、'.join(map(str, bad))}）")
    long = progress_by(targets, events, sites, as_of, by=by)
    long = long[long["expected"].notna() & (long["expected"] > 0)]
    long = long[~long["group"].isin(_NOT_ASSESSED)]
    long = long.assign(
        weight=long["kind"].map(lambda k: float(weights.get(k, 1.0))),
        ratio=np.minimum(long["done"] / long["expected"], 1.0),
    )
    long = long[long["weight"] > 0]
    groups = sorted(set(long["group"]) | set(qualitative), key=str)
    rows = []
    for group in groups:
        mine = long[long["group"] == group]
        wsum = float(mine["weight"].sum())
        quant = float((mine["weight"] * mine["ratio"]).sum() / wsum * 100) if wsum else np.nan
        qual = float(qualitative.get(group, 0.0) or 0.0)
        total = (quant_share * quant if pd.notna(quant) else 0.0) + (1 - quant_share) * qual
        rows.append({
            "group": group, "targets": len(mine), "behind": int(mine["behind"].sum()),
            "quantitative": round(quant, 3) if pd.notna(quant) else np.nan,
            "qualitative": qual, "total": round(total, 3),
        })  # fmt: skip
    out = pd.DataFrame(rows, columns=["group", "targets", "behind", "quantitative",
                                      "qualitative", "total"])
    out["rank"] = out["total"].rank(ascending=False, method="min").astype("Int64")
    return out.sort_values(["rank", "group"]).reset_index(drop=True)


def unit_status(sites: pd.DataFrame, targets: pd.DataFrame, events: pd.DataFrame,
                as_of: object) -> pd.DataFrame:
    """Per enterprise: 承诺书 signed and each of the “四个一” done in the targets' year.

    Returns
    -------
    DataFrame
        ``site_id`` and the bools ``承诺书, 安全评估, 设施维护保养, 全员培训`` (one column per
        :data:`registry.targets.FOUR_ONES`), ``责任书`` and ``四个一`` (all four done), and
        ``missing`` (the Chinese names of what is not done, ``、``-joined). Units outside
        :data:`registry.targets.ENTERPRISE_CATEGORIES` are not listed.

    Examples
    --------
    >>> s = pd.DataFrame({"site_id": ["a", "b"], "category": ["厂房仓库", "园区企业"]})
    >>> t = pd.DataFrame({"target_id": ["T1", "T2"], "kind": ["承诺书", "全员培训"]})
    >>> e = pd.DataFrame({"target_id": ["T1", "T2"], "site_id": ["a", "a"],
    ...     "date": pd.to_datetime(["2026-02-01", "2026-03-01"]), "quantity": [1.0, 1.0]})
    >>> u = unit_status(s, t, e, "2026-12-31")
    >>> u[["site_id", "承诺书", "全员培训", "四个一"]].values.tolist()
    [['a', True, True, False], ['b', False, False, False]]
    >>> u.loc[0, "missing"]
    '安全评估、设施维护保养'
    """
    ent = enterprises(sites)
    out = pd.DataFrame({"site_id": ent["site_id"].astype(str).to_numpy()})
    ev = _events_until(events, targets, as_day(as_of))
    for kind in (*FOUR_ONES, "责任书"):
        signed = set(ev.loc[ev["kind"] == kind, "site_id"].dropna().astype(str)) if not ev.empty else set()
        out[kind] = out["site_id"].isin(signed)
    out["四个一"] = out[list(FOUR_ONES)].all(axis=1)
    out["missing"] = [
        "、".join(k for k in FOUR_ONES if not row[k]) for row in out.to_dict("records")
    ]
    return out


def commitment_gaps(
    sites: pd.DataFrame, targets: pd.DataFrame, events: pd.DataFrame, as_of: object
) -> pd.Series:
    """What each unit lacks this year for the priority's commitment factor: ``未签承诺书``,
    ``未完成全员培训`` (``、``-joined), ``""`` for units that lack nothing or are not enterprises.

    Aligned with ``sites`` (its index); assign it as the column ``commitment_missing`` and switch
    on ``RiskConfig.commitment_factor`` to let :func:`risk.score_sites` use it. Without targets
    of the year on record nothing is flagged (no plan, nothing missing).

    Examples
    --------
    >>> s = pd.DataFrame({"site_id": ["a", "b", "c"], "category": ["厂房仓库", "园区企业", "群租"]})
    >>> t = pd.DataFrame({"target_id": ["T1", "T2"], "kind": ["承诺书", "全员培训"]})
    >>> e = pd.DataFrame({"target_id": ["T1"], "site_id": ["a"],
    ...     "date": pd.to_datetime(["2026-02-01"]), "quantity": [1.0]})
    >>> commitment_gaps(s, t, e, "2026-12-31").tolist()
    ['未完成全员培训', '未签承诺书、未完成全员培训', '']
    """
    out = pd.Series("", index=sites.index, dtype=object)
    if targets.empty:
        return out
    status = unit_status(sites, targets, events, as_of).set_index("site_id")
    kinds = set(targets["kind"].astype(str))
    ids = sites["site_id"].astype(str)
    for kind, text in (("承诺书", "未签承诺书"), ("全员培训", "未完成全员培训")):
        if kind not in kinds:
            continue
        lacking = ids.map(~status[kind]).fillna(False).astype(bool)
        out = out.where(~lacking, out.where(out == "", out + "、") + text)
    return out


def site_status_text(status: pd.DataFrame, site_id: str) -> str | None:
    """One Chinese line of a unit's 承诺书 / “四个一” status (None: not an enterprise).

    Examples
    --------
    >>> st = pd.DataFrame({"site_id": ["a"], "承诺书": [True], "安全评估": [True],
    ...     "设施维护保养": [False], "全员培训": [False], "责任书": [False], "四个一": [False],
    ...     "missing": ["设施维护保养、全员培训"]})
    >>> site_status_text(st, "a")
    '承诺书：已签 · 四个一：2/4 项（未完成：设施维护保养、全员培训）'
    >>> site_status_text(st, "zz") is None
    True
    """
    row = status[status["site_id"].astype(str) == str(site_id)]
    if row.empty:
        return None
    r = row.iloc[0]
    n = sum(bool(r[k]) for k in FOUR_ONES)
    signed = "已签" if r["承诺书"] else "未签"
    rest = "全部完成" if n == len(FOUR_ONES) else f"{n}/{len(FOUR_ONES)} 项（未完成：{r['missing']}）"
    return f"承诺书：{signed} · 四个一：{rest}"


_PROGRESS_COLUMNS = {
    "target_id": "编号", "kind": "类型", "title": "目标内容", "department": "牵头部门",
    "group": "居委/部门", "unit": "单位", "planned": "计划", "done": "已完成",
    "expected": "按进度应完成", "gap": "差距", "done_pct": "完成率", "status": "状态",
    "deadline": "完成期限",
}  # fmt: skip


def progress_table(progress: pd.DataFrame) -> pd.DataFrame:
    """A progress frame (:func:`target_progress` or :func:`progress_by`) with Chinese headers,
    rounded numbers and the 完成率 as text — what the page shows and exports.

    Examples
    --------
    >>> p = pd.DataFrame({"target_id": ["T1"], "kind": ["应急演练"], "planned": [4.0],
    ...     "done": [1.0], "expected": [2.0], "gap": [1.0], "done_pct": [0.25]})
    >>> progress_table(p).values.tolist()
    [['T1', '应急演练', 4.0, 1.0, 2.0, 1.0, '25%']]
    """
    cols = [c for c in _PROGRESS_COLUMNS if c in progress.columns]
    out = progress[cols].copy()
    for c in ("planned", "done", "expected", "gap"):
        if c in out.columns:
            out[c] = out[c].astype(float).round(1)
    if "done_pct" in out.columns:
        out["done_pct"] = out["done_pct"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}")
    if "deadline" in out.columns:
        out["deadline"] = pd.to_datetime(out["deadline"]).dt.strftime("%Y-%m-%d")
    return out.rename(columns=_PROGRESS_COLUMNS).reset_index(drop=True)


def assessment_html(
    table: pd.DataFrame,
    by: str,
    year: int,
    as_of: object,
    weights: Mapping[str, float],
    quant_share: float,
) -> str:
    """Printable 考核 summary (a whole HTML page; every value escaped).

    Examples
    --------
    >>> a = pd.DataFrame({"group": ["<b>甲</b>"], "targets": [2], "behind": [1],
    ...     "quantitative": [50.0], "qualitative": [80.0], "total": [59.0], "rank": [1]})
    >>> page = assessment_html(a, "department", 2026, "2026-12-01", {"应急演练": 2}, 0.7)
    >>> "&lt;b&gt;甲&lt;/b&gt;" in page and "<b>甲" not in page
    True
    """
    label = GROUP_LABELS.get(by, by)
    day = as_day(as_of)
    rows = "".join(
        "<tr>" + "".join(
            f"<td>{html_text(v)}</td>"
            for v in (r["rank"], r["group"], r["targets"], r["behind"],
                      _num(r["quantitative"]), _num(r["qualitative"]), _num(r["total"]))
        ) + "</tr>"
        for r in table.to_dict("records")
    )  # fmt: skip
    wtext = "、".join(f"{html_text(k)} ×{float(w):g}" for k, w in weights.items()) or "各项目标权重均为 1"
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{year} 年度安全生产考核汇总（{label}）</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #444;padding:4px 8px;text-align:center}"
        "@media print{button{display:none}}</style></head><body>"
        f"<h1>真如镇街道 {year} 年度安全生产考核汇总（按{label}）</h1>"
        f"<p>统计截至 {day:%Y-%m-%d}。总分 = 定量 × {quant_share:.0%} + 定性 × {1 - quant_share:.0%}；"
        "定量 = 各项目标按时间进度完成率（封顶 100%）的加权平均。</p>"
        f"<p>权重：{wtext}</p>"
        f"<table><thead><tr><th>名次</th><th>{label}</th><th>考核目标数</th><th>落后项</th>"
        "<th>定量得分</th><th>定性得分</th><th>总分</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        "<p>审核：________　　日期：________</p></body></html>"
    )


def _num(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.1f}"
