"""Inherent risk of each site from the sector LEC table and its attributes (docs/DOMAIN.md §1.5).

``L`` (likelihood), ``E`` (exposure frequency) and ``C`` (consequence) come from
``risk/config/sector_lec.csv`` by sector (exact name, else the first table row whose name is
contained in the site's category/subcategory, else ``其他``). In sectors where people gather
in one space (table column ``crowd`` = 1: 人员密集场所, 住宿, 教学, 养老, 医疗, 厂房车间 …),
``C`` is raised by the number of people present (occupants / beds / pupils) following
``RiskConfig.occupant_bands``; in dispersed ones (高层住宅 by household, offices, equipment)
the head count does not raise it. ``C`` is also raised by hazardous-chemical storage,
underground location, height, e-bike capacity and old elevators (:data:`ATTRIBUTE_C_RULES`).

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["a", "b", "c"],
...     "category": ["危化品", "未知行业", "人员密集场所"], "occupants": [5, 400, 400]})
>>> inherent_lec(sites)[["L", "E", "C", "D"]].to_dict("list")
{'L': [1.0, 0.5, 0.5], 'E': [6.0, 3.0, 6.0], 'C': [40.0, 7.0, 40.0], 'D': [240.0, 10.5, 120.0]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.config import RiskConfig

PEOPLE_COLUMNS: tuple[str, ...] = ("occupants", "beds", "pupils")
#: ``(column, threshold, C)``: an attribute at or above the threshold raises C to at least C
#: (高层 ≥ 10 storeys: 疏散与扑救困难; ≥ 50 e-bikes parked/charged; ≥ 5 elevators ≥ 15 years).
ATTRIBUTE_C_RULES: tuple[tuple[str, float, float], ...] = (
    ("storeys", 10, 15.0),
    ("ebike_capacity", 50, 15.0),
    ("elevators_15y", 5, 15.0),
)


def people_count(sites: pd.DataFrame) -> pd.Series:
    """Largest of ``occupants``, ``beds``, ``pupils`` per site (NaN when none is known)."""
    cols = [c for c in PEOPLE_COLUMNS if c in sites]
    if not cols:
        return pd.Series(np.nan, index=sites.index)
    values = sites[cols].apply(pd.to_numeric, errors="coerce")
    return values.max(axis=1, skipna=True)


def _match_sector(category: pd.Series, subcategory: pd.Series, table: pd.DataFrame) -> pd.Series:
    names = table["category"].astype(str).tolist()
    exact = category.where(category.isin(names))
    out = exact.copy()
    todo = out.isna()
    if todo.any():
        text = (category.fillna("") + " " + subcategory.fillna("")).where(todo)
        for name in names:
            if name == "其他":
                continue
            hit = todo & text.str.contains(name, regex=False, na=False)
            out[hit] = name
            todo &= ~hit
    return out.fillna("其他" if "其他" in names else names[-1])


def inherent_lec(sites: pd.DataFrame, config: RiskConfig | None = None) -> pd.DataFrame:
    """Sector LEC defaults adjusted by attributes.

    Parameters
    ----------
    sites : DataFrame
        Needs ``category`` (optional ``subcategory``, ``occupants``/``beds``/``pupils``,
        ``hazchem_t``, ``underground``); missing columns fall back to ``其他``.
    config : RiskConfig, optional

    Returns
    -------
    DataFrame
        Same index as ``sites``: ``lec_sector, L, E, C, C_sector, people, D`` where
        ``D = L x E x C`` is the inherent (prior) risk before the learned likelihood.
    """
    cfg = RiskConfig.from_overrides(config)
    table = cfg.lec_table().set_index("category")
    cat = sites["category"].astype("string") if "category" in sites else pd.Series(
        pd.NA, index=sites.index, dtype="string"
    )
    sub = sites["subcategory"].astype("string") if "subcategory" in sites else pd.Series(
        pd.NA, index=sites.index, dtype="string"
    )
    sector = _match_sector(cat, sub, table.reset_index())
    out = pd.DataFrame(index=sites.index)
    out["lec_sector"] = sector.astype(str)
    for col in ("L", "E", "C"):
        out[col] = table.loc[out["lec_sector"], col].to_numpy()
    out["C_sector"] = out["C"]
    people = people_count(sites)
    out["people"] = people
    crowd = pd.Series(table.loc[out["lec_sector"], "crowd"].to_numpy(bool), index=out.index)
    for min_people, c_value in cfg.occupant_bands:
        hit = crowd & (people >= min_people)
        out.loc[hit, "C"] = np.maximum(out.loc[hit, "C"], c_value)
    if "hazchem_t" in sites:
        chem = pd.to_numeric(sites["hazchem_t"], errors="coerce").fillna(0)
        out.loc[chem > 0, "C"] = np.maximum(out.loc[chem > 0, "C"], 15.0)
        out.loc[chem >= 10, "C"] = np.maximum(out.loc[chem >= 10, "C"], 40.0)
    for col, threshold, c_value in ATTRIBUTE_C_RULES:
        if col in sites:
            hit = pd.to_numeric(sites[col], errors="coerce").fillna(0) >= threshold
            out.loc[hit, "C"] = np.maximum(out.loc[hit, "C"], c_value)
    if "underground" in sites:
        und = sites["underground"].astype("boolean").fillna(False).astype(bool)
        out.loc[und, "C"] = np.maximum(out.loc[und, "C"], 15.0)
    out["D"] = out["L"] * out["E"] * out["C"]
    return out
