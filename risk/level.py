"""The four-colour risk level (重大/较大/一般/低): a standing property of a unit.

安全风险分级管控 (安委办〔2016〕11号, docs/DOMAIN.md §1.4): the level describes the unit's standing
risk — inherent risk of its sector and size (LEC ``E``, ``C`` of :mod:`risk.inherent`), its
surroundings (:mod:`risk.exposure`) and its controls as shown by its track record (the
learned likelihood ``L``). It is **not** today's urgency: seasons, holidays and the time since
the last visit change the priority (:mod:`risk.scoring`), never the level.

* ``D_level = L_year × E × C × exposure`` where ``L_year`` is the learned likelihood of the
  unit on a *year-round* query: the season flags of the model set to their share of the year
  and the days since the last visit set to the population's median (:func:`year_round_features`).
* Cut-points on ``D_level`` are ``RiskConfig.level_cuts`` (editable; source and calibration in
  :mod:`risk.config`).
* A unit with an open 重大隐患 (found, not yet 销号) is 重大 until it is closed — a 重大隐患 is
  不可容许 (docs/DOMAIN.md §1.4). (停产停业 would be the second such rule; it is not a field yet.)

Examples
--------
>>> import pandas as pd
>>> from risk.config import RiskConfig
>>> cfg = RiskConfig(level_cuts=(320.0, 160.0, 70.0))
>>> standing_level(pd.Series([400.0, 100.0, 10.0]), pd.Series([0, 0, 1]), cfg).tolist()
['重大', '一般', '重大']
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from risk import calendar
from risk.config import LEVELS, RiskConfig
from risk.features import RECENCY_COLUMNS, SEASON_PREFIX, season_features, season_match_features

__all__ = ["level_basis", "level_distribution", "standing_level", "year_round_features"]

MATCH_PREFIX = SEASON_PREFIX + "match_"


def year_round_features(
    X: pd.DataFrame,
    sites: pd.DataFrame,
    queries: pd.DataFrame,
    as_of: dt.date | str | pd.Timestamp,
    season_path: str | None = None,
) -> pd.DataFrame:
    """The query features with everything calendar-bound replaced by a year-round value.

    Season flags become the share of the days of the year of ``as_of`` on which the window
    is active (so 冬春防火期 ≈ 0.5 every day of the year), season × sector matches that share
    where the site matches, and the recency features (days since the last visit) the median
    of the queried sites. History, site attributes and context are kept.

    Parameters
    ----------
    X : DataFrame
        Feature table of ``queries`` (:func:`risk.features.build_feature_table`).
    sites, queries : DataFrame
        The sites and the ``site_id, date`` queries ``X`` was built from.
    as_of : date-like
        Picks the calendar year whose days are averaged.
    season_path : str, optional
        Alternative season table.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"season_winter_spring_fire": [1.0], "days_since_last": [40.0]})
    >>> q = pd.DataFrame({"site_id": ["a"], "date": pd.to_datetime(["2025-01-10"])})
    >>> year_round_features(X, pd.DataFrame({"site_id": ["a"]}), q, "2025-01-09").round(3)
       season_winter_spring_fire  days_since_last
    0                      0.496             40.0
    """
    year = pd.Timestamp(as_of).year
    days = pd.Series(pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D"))
    share = season_features(days, season_path).mean()
    out = X.copy()
    flag_cols = [c for c in X.columns if c.startswith(SEASON_PREFIX)
                 and not c.startswith(MATCH_PREFIX)]
    for c in flag_cols:
        out[c] = float(share.get(c, 0.0))
    match_cols = [c for c in X.columns if c.startswith(MATCH_PREFIX)]
    if match_cols:
        ones = pd.DataFrame(
            {SEASON_PREFIX + s: np.ones(len(queries)) for s in calendar.season_table(season_path)
             ["season"]},
            index=queries.index,
        )
        matches = season_match_features(sites, queries, ones, season_path)
        for c in match_cols:
            name = SEASON_PREFIX + c.removeprefix(MATCH_PREFIX)
            out[c] = matches[c].to_numpy(float) * float(share.get(name, 0.0))
    for c in RECENCY_COLUMNS:
        if c in out:
            med = X[c].median()
            out[c] = float(med) if pd.notna(med) else np.nan
    return out


def standing_level(
    d_level: pd.Series, major_open: pd.Series, config: RiskConfig | None = None
) -> pd.Series:
    """Four-colour level from the standing risk ``D`` and the open 重大隐患 count.

    Examples
    --------
    >>> standing_level(pd.Series([50.0, 50.0]), pd.Series([0, 2])).tolist()
    ['低', '重大']
    """
    cfg = RiskConfig.from_overrides(config)
    level = cfg.levels_for(d_level)
    level[pd.to_numeric(major_open, errors="coerce").fillna(0).to_numpy() > 0] = LEVELS[0]
    return level


def level_basis(d_level: pd.Series, major_open: pd.Series, level: pd.Series) -> pd.Series:
    """Why each unit has its level, in Chinese (for the site card and the ranking export).

    Examples
    --------
    >>> level_basis(pd.Series([412.0, 30.0]), pd.Series([0, 1]), pd.Series(["重大", "重大"])).tolist()
    ['风险值D=412（L×E×C×暴露，按LEC分级）', '未销号重大隐患1处（销号前按重大风险管控）；风险值D=30']
    """
    d_text = "风险值D=" + d_level.round(0).astype(int).astype(str)
    n_major = pd.to_numeric(major_open, errors="coerce").fillna(0).astype(int)
    by_rule = (n_major > 0) & level.eq(LEVELS[0])
    rule = "未销号重大隐患" + n_major.astype(str) + "处（销号前按重大风险管控）；" + d_text
    return rule.where(by_rule, d_text + "（L×E×C×暴露，按LEC分级）")


def level_distribution(scored: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Units per level and group, with the group's share of 重大 and 较大, plus a 合计 row.

    Parameters
    ----------
    scored : DataFrame
        ``level`` and the ``by`` column (e.g. :func:`risk.score_sites` joined to the sites, or
        its own ``lec_sector``).
    by : str
        Group column (``category``, ``lec_sector``, ``committee`` …).

    Returns
    -------
    DataFrame
        Columns ``by``, ``重大, 较大, 一般, 低`` (counts), ``units``, ``重大占比``,
        ``较大占比``; groups ordered by 重大 then 较大 count, 合计 last.

    Examples
    --------
    >>> df = pd.DataFrame({"category": ["群租", "群租", "学校"], "level": ["重大", "低", "一般"]})
    >>> level_distribution(df)[["category", "重大", "units", "重大占比"]].values.tolist()
    [['群租', 1, 2, 0.5], ['学校', 0, 1, 0.0], ['合计', 1, 3, 0.3333333333333333]]
    """
    if by not in scored.columns:
        raise KeyError(f"按“{by}”分组需要该列")
    counts = (
        pd.crosstab(scored[by].astype("string").fillna("(缺失)"), scored["level"])
        .reindex(columns=list(LEVELS), fill_value=0)
        .astype(int)
    )
    counts = counts.sort_values([LEVELS[0], LEVELS[1]], ascending=False, kind="stable")
    counts.loc["合计"] = counts.sum()
    counts["units"] = counts[list(LEVELS)].sum(axis=1)
    counts["重大占比"] = counts[LEVELS[0]] / counts["units"]
    counts["较大占比"] = counts[LEVELS[1]] / counts["units"]
    counts.columns.name = None
    return counts.rename_axis(by).reset_index()
