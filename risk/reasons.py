"""Plain-Chinese reasons with their contribution in priority points.

Each reason corresponds to one additive part of the priority (see :mod:`risk.scoring`):
model feature groups (history, rectification record, recency, site attributes, season) measured
against a typical
site, the sector's LEC prior, people count, exposure, seasonal factor, and the urgency points.
The top parts that lift a site are listed, largest first, e.g.
``("近12个月发现隐患3处，其中1处逾期未整改", 7.4)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.config import RiskConfig

MAX_REASONS = 4
MIN_POINTS = 0.5


def _fmt_num(x: float) -> str:
    return f"{x:g}"


def build_reasons(
    parts: pd.DataFrame,
    model_parts: pd.DataFrame,
    lec: pd.DataFrame,
    expo: pd.DataFrame,
    seas: pd.DataFrame,
    status: pd.DataFrame,
    history: pd.DataFrame,
    config: RiskConfig | None = None,
    max_reasons: int = MAX_REASONS,
) -> pd.Series:
    """Reasons per site as a list of ``(text, contribution_points)``, largest first.

    Parameters
    ----------
    parts : DataFrame
        Priority parts (``sector, people, likelihood, exposure, season, u_*``).
    model_parts : DataFrame
        Likelihood points per feature group (``history, recency, site, season, context``).
    lec, expo, seas, status, history : DataFrame
        The inputs the texts quote (LEC values, exposure, season reasons, statutory/ledger
        status, history features of the as-of query).

    Notes
    -----
    Parts every site shares in some measure (sector prior, exposure) count against the
    median site, so "周边有学校" is a reason only where it is above the usual.

    Returns
    -------
    Series of list of (str, float)
        Never empty: a site with nothing above typical gets its single largest part.
    """
    cfg = RiskConfig.from_overrides(config)
    n = len(parts)
    mp = model_parts.reindex(
        columns=["history", "rectification", "recency", "site", "season"], fill_value=0.0
    )
    sector_rel = parts["sector"] - parts["sector"].median()
    values = {
        "history": mp["history"].to_numpy(),
        "rectification": mp["rectification"].to_numpy(),
        "recency": mp["recency"].to_numpy(),
        "site": mp["site"].to_numpy(),
        "sector": sector_rel.to_numpy(),
        "people": parts["people"].to_numpy(),
        "exposure": (parts["exposure"] - parts["exposure"].median()).to_numpy(),
        "season": (parts["season"] + mp["season"]).to_numpy(),
        "statutory": parts["u_statutory"].to_numpy(),
        "open_overdue": parts["u_open_overdue"].to_numpy(),
        "major_pending": parts["u_major_pending"].to_numpy(),
        "supervised": parts["u_supervised"].to_numpy(),
        "commitment": (
            parts["u_commitment"].to_numpy() if "u_commitment" in parts else np.zeros(n)
        ),
    }
    g = {
        "h12": status["hazards_12m"].to_numpy(),
        "h12o": status["hazards_12m_overdue"].to_numpy(),
        "n12m": history["n_hazards_12m"].to_numpy() if "n_hazards_12m" in history else np.zeros(n),
        "n_prev": history["n_prev"].to_numpy(),
        "n_12m_visits": history["n_12m"].to_numpy(),
        "since_hazard": history["days_since_last_hazard"].to_numpy(),
        "streak": history["hazard_streak"].to_numpy(),
        "since": history["days_since_last"].to_numpy(),
        "rect_ratio": _column(history, "rect_time_ratio", n),
        "open_q": _column(history, "open_at_query", n),
        "late_share": _column(history, "late_rect_share", n),
        "last_bad": _column(history, "last_fix_bad", n),
        "sector": lec["lec_sector"].to_numpy(),
        "site_detail": (
            model_parts["site_detail"].to_numpy()
            if "site_detail" in model_parts
            else np.full(n, "", dtype=object)
        ),
        "L": lec["L"].to_numpy(),
        "E": lec["E"].to_numpy(),
        "C": lec["C"].to_numpy(),
        "Cs": lec["C_sector"].to_numpy(),
        "people": lec["people"].to_numpy(),
        "vul": expo["vulnerable_nearby"].to_numpy(),
        "station": expo["station_m"].to_numpy(),
        "season_reason": seas["season_reason"].to_numpy(),
        "overdue": status["days_overdue"].to_numpy(),
        "req": status["required_per_year"].to_numpy(),
        "done": status["done"].to_numpy() if "done" in status else np.zeros(n, dtype=int),
        "expected": (
            status["expected_to_date"].to_numpy()
            if "expected_to_date" in status
            else np.zeros(n, dtype=int)
        ),
        "last": status["last_inspection"].to_numpy(),
        "open_overdue": status["open_overdue"].to_numpy(),
        "max_over": status["max_overdue_days"].to_numpy(),
        "major": status["major_pending"].to_numpy(),
        "sup": status["supervised_open"].to_numpy(),
        "commit": (
            status["commitment_missing"].to_numpy()
            if "commitment_missing" in status
            else np.full(n, "", dtype=object)
        ),
    }
    has_ledger = bool(status["hazards_12m"].sum() or status["open_hazards"].sum())
    keys = list(values)
    matrix = np.column_stack([np.asarray(values[k], dtype=float) for k in keys])
    matrix = np.where(np.isfinite(matrix), matrix, -np.inf)
    order = np.argsort(-matrix, axis=1, kind="stable")[:, :max_reasons]
    top = np.take_along_axis(matrix, order, axis=1)
    keep = top >= MIN_POINTS
    keep[:, 0] = True  # never empty: the single largest part when nothing stands out
    out = []
    for i in range(n):
        out.append(
            [
                (_text(keys[k], i, g, cfg, has_ledger), round(float(v), 1))
                for k, v, ok in zip(order[i], top[i], keep[i], strict=True)
                if ok
            ]
        )
    return pd.Series(out, index=parts.index)


def _column(frame: pd.DataFrame, name: str, n: int) -> np.ndarray:
    """A numeric column of ``frame`` as floats, NaN when the column is absent."""
    if name in frame:
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    return np.full(n, np.nan)


def _rectification_text(i: int, g: dict) -> str:
    """The unit's rectification record in words (features of :mod:`risk.features`).

    ``rect_time_ratio`` is a mean of ln(used / allowed days), so its exponential is the
    (geometric) mean share of the allowed time the unit took.
    """
    bits = []
    if g["last_bad"][i] == 1:
        bits.append("最近一次发现的隐患逾期整改或尚未销号")
    elif np.isfinite(g["open_q"][i]) and g["open_q"][i] > 0:
        bits.append(f"{int(g['open_q'][i])}处隐患尚未销号")
    late = g["late_share"][i]
    if np.isfinite(late) and late > 0:
        bits.append(f"以往隐患{late:.0%}逾期整改")
    ratio = g["rect_ratio"][i]
    if np.isfinite(ratio):
        bits.append(f"整改平均用时为期限的{np.exp(ratio):.0%}")
    if not bits:
        return "隐患整改记录提示隐患概率偏高"
    return "整改记录：" + "，".join(bits)


def _text(key: str, i: int, g: dict, cfg: RiskConfig, has_ledger: bool) -> str:
    if key == "history":
        n12 = int(g["h12"][i]) if has_ledger else round(float(g["n12m"][i]))
        streak = int(g["streak"][i])
        if n12 > 0:
            text = f"近12个月发现隐患{n12}处"
            if has_ledger and int(g["h12o"][i]) > 0:
                text += f"，其中{int(g['h12o'][i])}处逾期未整改"
            if streak >= 2:
                text += f"；连续{streak}次检查发现隐患"
            return text
        if int(g["n_prev"][i]) == 0:
            return "无检查记录，隐患情况不明"
        since_hazard = g["since_hazard"][i]
        if np.isfinite(since_hazard):
            return f"上次发现隐患在{int(since_hazard) - 1}天前"
        if int(g["n_12m_visits"][i]) > 0:
            return f"近12个月{int(g['n_12m_visits'][i])}次检查均未发现隐患"
        return "既往检查均未发现隐患"
    if key == "rectification":
        return _rectification_text(i, g)
    if key == "recency":
        since = g["since"][i]
        if not np.isfinite(since):
            return "从未检查"
        return f"距上次检查已{int(since) - 1}天"
    if key == "site":
        detail = g["site_detail"][i]
        if detail:
            return f"场所属性（{detail}）提示隐患概率偏高"
        return f"场所属性（{g['sector'][i]}、规模、设施等）提示隐患概率偏高"
    if key == "sector":
        return (
            f"行业固有风险: {g['sector'][i]}（暴露 E{_fmt_num(g['E'][i])}、"
            f"后果 C{_fmt_num(g['Cs'][i])}）"
        )
    if key == "people":
        people = g["people"][i]
        if np.isfinite(people) and people > 0:
            return f"人员规模约{int(people)}人，后果等级上调（C={_fmt_num(g['C'][i])}）"
        return f"危化品/地下空间，后果等级上调（C={_fmt_num(g['C'][i])}）"
    if key == "exposure":
        bits = []
        if g["vul"][i] > 0:
            bits.append(f"周边{int(cfg.vulnerable_radius_m)}米内有学校/养老/医疗机构{int(g['vul'][i])}处")
        st = g["station"][i]
        if np.isfinite(st) and st > cfg.station_reach_m:
            bits.append(f"距最近微型消防站{round(st)}米")
        return "；".join(bits) or "周边暴露度较高"
    if key == "season":
        return g["season_reason"][i] or "当前季节该类场所历史隐患率偏高"
    if key == "statutory":
        pace = (
            f"（每年{int(g['req'][i])}次，本年应检{int(g['expected'][i])}次、"
            f"已检{int(g['done'][i])}次）"
        )
        if pd.isna(g["last"][i]):
            return f"从未检查，法定检查逾期{int(g['overdue'][i])}天{pace}"
        return f"法定检查逾期{int(g['overdue'][i])}天{pace}"
    if key == "open_overdue":
        return f"{int(g['open_overdue'][i])}处隐患逾期未整改，最长逾期{int(g['max_over'][i])}天"
    if key == "major_pending":
        return f"重大隐患{int(g['major'][i])}处待复查"
    if key == "supervised":
        return f"挂牌督办隐患{int(g['sup'][i])}处未销号"
    if key == "commitment":
        return f"本年度{g['commit'][i]}（年度目标：承诺书与全员培训）"
    raise KeyError(key)
