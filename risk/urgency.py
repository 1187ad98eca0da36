"""Urgency from the statutory inspection rule and the hazard ledger (docs/DOMAIN.md §0, §2.2).

* Statutory: a site on the 重点检查名单 must be inspected 4 times a calendar year, others
  twice, at the pace of one per quarter / half-year; the one rule of required, done, due and
  behind is :mod:`risk.frequency` (also used by the statistics, :mod:`ledger.kpis`).
* Ledger: hazards open at the as-of date (found on/before it, not closed by then), those past
  their deadline (逾期, derived never stored), 重大 hazards awaiting re-inspection, 挂牌督办.

Urgency points are bounded, monotone functions of these quantities: more days overdue never
lowers the priority.

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["a", "b"], "key_list": [True, False]})
>>> insp = pd.DataFrame({"inspection_id": ["1", "2"], "site_id": ["a", "b"],
...     "date": pd.to_datetime(["2024-01-01", "2024-01-01"]), "hazard_found": [0, 0]})
>>> st = statutory_status(sites, insp, "2024-06-01")
>>> st["days_overdue"].tolist(), st["required_per_year"].tolist()
([0, 0], [4, 2])
>>> statutory_status(sites, insp, "2024-07-01")["days_overdue"].tolist()
[1, 0]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from registry.hazard_status import hazard_status_at
from risk import frequency
from risk.config import RiskConfig

REINSPECTION_STATUS = "待复查"


def _ts(as_of: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    try:
        return pd.Timestamp(as_of).normalize()
    except ValueError as err:
        raise ValueError(f"无法识别的日期: {as_of!r}") from err


def required_per_year(sites: pd.DataFrame, config: RiskConfig | None = None) -> pd.Series:
    """Statutory inspections per year of each site (:func:`risk.frequency.required_per_year`)."""
    cfg = RiskConfig.from_overrides(config)
    return frequency.required_per_year(sites, cfg.default_required_per_year)


def statutory_status(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    as_of: dt.date | str,
    config: RiskConfig | None = None,
) -> pd.DataFrame:
    """Statutory pace of each site in the calendar year of ``as_of`` (:mod:`risk.frequency`).

    Parameters
    ----------
    sites : DataFrame
        ``site_id`` and optionally ``required_per_year`` / ``key_list``.
    inspections : DataFrame
        ``site_id, date`` (and optional ``type``); rows after ``as_of`` are ignored.
    as_of : date or str

    Returns
    -------
    DataFrame
        Index as ``sites``: ``site_id, required_per_year, done, expected_to_date, behind,
        next_due, days_overdue, last_inspection`` (dates as ``datetime64``; ``days_overdue``
        ≥ 0 and > 0 exactly when ``behind``) — the same figures as the statistics'
        :func:`ledger.kpis.coverage`.
    """
    cfg = RiskConfig.from_overrides(config)
    return frequency.statutory_pace(
        sites,
        inspections,
        _ts(as_of),
        exclude_types=tuple(cfg.reinspection_types),
        default_required=cfg.default_required_per_year,
    )


def ledger_status(
    sites: pd.DataFrame, hazards: pd.DataFrame | None, as_of: dt.date | str
) -> pd.DataFrame:
    """Open hazards per site at ``as_of`` from the 隐患台账.

    Returns
    -------
    DataFrame
        Index as ``sites``: ``open_hazards, open_overdue, max_overdue_days, major_open``
        (open 重大隐患: the unit's level is 重大 until they are closed), ``major_pending``
        (open 重大 awaiting re-inspection), ``supervised_open, hazards_12m,
        hazards_12m_overdue``.
    """
    now = _ts(as_of)
    cols = [
        "open_hazards",
        "open_overdue",
        "max_overdue_days",
        "major_open",
        "major_pending",
        "supervised_open",
        "hazards_12m",
        "hazards_12m_overdue",
    ]
    out = pd.DataFrame(0, index=sites.index, columns=cols)
    if hazards is None or hazards.empty:
        return out
    hz = hazards
    found = pd.to_datetime(hz["found_date"]) if "found_date" in hz else pd.Series(
        pd.NaT, index=hz.index
    )
    state = hazard_status_at(hz, now)  # one rule of open / overdue (the unit's lateness)
    known, is_open, overdue = state["known"], state["open"], state["overdue"]
    over_days = state["days_overdue"]
    status = hz["status"].astype("string") if "status" in hz else pd.Series(
        pd.NA, index=hz.index, dtype="string"
    )
    deadline = pd.to_datetime(hz["deadline"]) if "deadline" in hz else pd.Series(
        pd.NaT, index=hz.index
    )
    level = hz["level"].astype(str) if "level" in hz else pd.Series("一般", index=hz.index)
    rectified = (
        pd.to_datetime(hz["rectified_date"])
        if "rectified_date" in hz
        else pd.Series(pd.NaT, index=hz.index)
    )
    awaiting = status.eq(REINSPECTION_STATUS).fillna(False) | (rectified <= now) | (deadline < now)
    major_pending = is_open & level.eq("重大") & awaiting
    supervised = (
        hz["supervised"].astype("boolean").fillna(False).astype(bool)
        if "supervised" in hz
        else pd.Series(False, index=hz.index)
    )
    recent = known & (found > now - pd.Timedelta(days=365))
    frame = pd.DataFrame(
        {
            "site_id": hz["site_id"].astype(str),
            "open_hazards": is_open.astype(int),
            "open_overdue": overdue.astype(int),
            "max_overdue_days": over_days.astype(int),
            "major_open": (is_open & level.eq("重大")).astype(int),
            "major_pending": major_pending.astype(int),
            "supervised_open": (supervised & is_open).astype(int),
            "hazards_12m": recent.astype(int),
            "hazards_12m_overdue": (recent & overdue).astype(int),
        }
    )
    agg = frame.groupby("site_id").agg(
        {c: ("max" if c == "max_overdue_days" else "sum") for c in cols}
    )
    sid = sites["site_id"].astype(str)
    for c in cols:
        out[c] = sid.map(agg[c]).fillna(0).astype(int).to_numpy()
    return out


def urgency_points(status: pd.DataFrame, config: RiskConfig | None = None) -> pd.DataFrame:
    """Priority points from statutory and ledger status (each column ≥ 0, monotone).

    Parameters
    ----------
    status : DataFrame
        ``days_overdue`` (statutory) and the :func:`ledger_status` columns.

    Returns
    -------
    DataFrame
        ``u_statutory, u_open_overdue, u_major_pending, u_supervised, u_commitment`` (0 unless
        ``commitment_factor`` is on) and their sum
        ``urgency``.

    Examples
    --------
    >>> s = pd.DataFrame({"days_overdue": [0, 30, 300], "open_overdue": 0,
    ...                   "max_overdue_days": 0, "major_pending": 0, "supervised_open": 0})
    >>> urgency_points(s)["urgency"].is_monotonic_increasing
    True
    """
    cfg = RiskConfig.from_overrides(config)

    def col(name: str) -> pd.Series:
        return pd.to_numeric(status.get(name, 0), errors="coerce").fillna(0).clip(lower=0) * (
            pd.Series(1.0, index=status.index)
        )

    out = pd.DataFrame(index=status.index)
    out["u_statutory"] = cfg.overdue_points * (1 - np.exp(-col("days_overdue") / cfg.overdue_scale_days))
    out["u_open_overdue"] = cfg.open_overdue_points * col("open_overdue").clip(
        upper=cfg.open_overdue_cap
    ) + cfg.hazard_overdue_points * (
        1 - np.exp(-col("max_overdue_days") / cfg.hazard_overdue_scale_days)
    )
    out["u_major_pending"] = cfg.major_pending_points * (col("major_pending") > 0)
    out["u_supervised"] = cfg.supervised_points * (col("supervised_open") > 0)
    lacking = status.get("commitment_missing")
    flagged = (
        lacking.fillna("").astype(str).str.len().gt(0).to_numpy()
        if cfg.commitment_factor and lacking is not None
        else False
    )
    out["u_commitment"] = cfg.commitment_points * pd.Series(flagged, index=status.index, dtype=float)
    out["urgency"] = out.sum(axis=1)
    return out
