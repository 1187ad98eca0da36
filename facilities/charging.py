"""E-bike charging demand per unit and per 居委, and the split of the port target by 居委.

Demand is estimated in *e-bikes that need a charging place* (:func:`ebike_demand`):

* residents of residential units (群租, 三合一场所, 高层住宅, 白领公寓 — :data:`RESIDENTIAL`) ×
  :data:`EBIKES_PER_RESIDENT` (Shanghai ≈ 10.6 M e-bikes for ≈ 24.9 M residents, docs/DOMAIN.md §4);
* the riders' fleet of each 快递外卖点 (``ebike_capacity``, else one e-bike per person);
* every e-bike hazard in the ledger of the last :data:`INCIDENT_YEARS` years (飞线充电, 楼道停放,
  入户充电 … :data:`EBIKE_HAZARD_PATTERN`) adds :data:`EBIKES_PER_INCIDENT`: each one shows
  e-bikes charging where they should not, i.e. ports missing nearby.

Installed ports per 居委 (:func:`installed_ports`) are the capacity of the 充电端口 groups plus,
by default, the 电动自行车智能车库 (every bay of a smart garage charges). The subdistrict's
target (:data:`PORT_TARGET`, 1.8万 ports in all) is split in :func:`port_split`: each 居委's
share of the target follows its share of the demand; what it already has is deducted; the
ports still to build (target − installed) go to the 居委 short of their share, in proportion to
the shortfall, as whole ports (largest remainder).

These factors are configurable defaults (docs/DOMAIN.md tags them [C]/[U]); change them here.

Examples
--------
>>> import pandas as pd
>>> demand = pd.DataFrame({"committee": ["真一", "真二"], "ebikes": [300.0, 100.0],
...     "residential": [1, 1], "group_rental": [0, 1], "courier": [0, 0], "incidents": [0, 2]})
>>> assets = pd.DataFrame({"kind": ["充电端口"], "committee": ["真二"], "capacity": [150]})
>>> port_split(demand, assets, target=400)[["committee", "installed", "proposed_new"]].values.tolist()
[['真一', 0, 250], ['真二', 150, 0]]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from registry.committees import OUTSIDE
from registry.enums import ACTIVE_STATES

__all__ = [
    "EBIKES_PER_INCIDENT",
    "EBIKES_PER_RESIDENT",
    "EBIKE_HAZARD_PATTERN",
    "INCIDENT_YEARS",
    "PORT_TARGET",
    "RESIDENTIAL",
    "ebike_demand",
    "ebike_hazards",
    "installed_ports",
    "largest_remainder",
    "port_split",
]

#: Ports the subdistrict is to have in all (1.8万).
PORT_TARGET = 18_000
#: E-bikes per resident (Shanghai ≈ 10.6 M e-bikes / ≈ 24.9 M residents; docs/DOMAIN.md §4) [C].
EBIKES_PER_RESIDENT = 0.43
#: E-bikes of unmet charging demand evidenced by one e-bike hazard in the ledger [U].
EBIKES_PER_INCIDENT = 10.0
#: Years of the ledger read for e-bike hazards.
INCIDENT_YEARS = 3
#: A hazard is an e-bike incident when its 部位 or 描述 matches this pattern.
EBIKE_HAZARD_PATTERN = "电动自行车|电瓶车|充电|锂电|电池"
#: Residential sectors → the subcategories that are homes (``None``: all of them).
RESIDENTIAL: dict[str, tuple[str, ...] | None] = {
    "群租": None,
    "三合一场所": None,
    "高层建筑": ("高层住宅",),
    "宾馆公寓": ("白领公寓",),
}
_COURIER = "快递外卖点"
_GROUP_RENTAL = "群租"
#: Asset kinds whose capacity counts as installed ports.
_PORT_KINDS = ("充电端口",)
_GARAGE_KIND = "电动自行车智能车库"


def ebike_hazards(
    hazards: pd.DataFrame, as_of: dt.date | str | pd.Timestamp, years: int = INCIDENT_YEARS,
) -> pd.Series:
    """Number of e-bike hazards per ``site_id`` found in the ``years`` before ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"site_id": ["S1", "S1", "S2"], "part": ["楼道", "厨房", "充电区"],
    ...     "description": ["楼道停放电动自行车", "燃气软管老化", "飞线充电"],
    ...     "found_date": pd.to_datetime(["2026-05-01", "2026-05-01", "2020-01-01"])})
    >>> ebike_hazards(h, "2026-11-28").to_dict()
    {'S1': 1}
    """
    end = pd.Timestamp(as_of)
    start = end - pd.DateOffset(years=int(years))
    if hazards is None or hazards.empty:
        return pd.Series(dtype="int64", name="incidents")
    found = pd.to_datetime(hazards["found_date"])
    text = hazards["part"].fillna("").astype(str) + " " + hazards["description"].fillna("") \
        .astype(str)
    hit = text.str.contains(EBIKE_HAZARD_PATTERN, regex=True) & (found > start) & (found <= end)
    return hazards.loc[hit, "site_id"].astype(str).value_counts().rename("incidents") \
        .rename_axis("site_id")


def _is_residential(sites: pd.DataFrame) -> pd.Series:
    out = pd.Series(False, index=sites.index)
    sub = sites["subcategory"] if "subcategory" in sites else pd.Series("", index=sites.index)
    for cat, subs in RESIDENTIAL.items():
        m = sites["category"] == cat
        if subs is not None:
            m &= sub.isin(subs)
        out |= m
    return out


def ebike_demand(
    sites: pd.DataFrame, hazards: pd.DataFrame, as_of: dt.date | str | pd.Timestamp,
) -> pd.DataFrame:
    """E-bikes needing a charging place, per active unit (only units with some demand).

    Returns
    -------
    DataFrame
        ``site_id, name, category, committee, lon, lat, residential, group_rental, courier
        (bool), incidents, ebikes``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"site_id": ["S1", "S2", "S3"], "name": ["甲", "乙", "丙"],
    ...     "category": ["群租", "快递外卖点", "厂房仓库"], "subcategory": ["群租房", "快递网点", "厂房"],
    ...     "committee": ["真一"] * 3, "lon": [121.39] * 3, "lat": [31.25] * 3,
    ...     "occupants": [10, 8, 50], "ebike_capacity": [None, 20, 0]})
    >>> h = pd.DataFrame({"site_id": ["S3"], "part": ["厂区"], "description": ["电动自行车违规充电"],
    ...                   "found_date": pd.to_datetime(["2026-03-01"])})
    >>> ebike_demand(s, h, "2026-11-28")[["site_id", "ebikes"]].values.tolist()
    [['S1', 4.3], ['S2', 20.0], ['S3', 10.0]]
    """
    s = pd.DataFrame(sites)
    if "operating_state" in s:
        s = s[s["operating_state"].isin(ACTIVE_STATES)]
    s = s.reset_index(drop=True)
    occ = pd.to_numeric(s.get("occupants"), errors="coerce").fillna(0.0) \
        if "occupants" in s else pd.Series(0.0, index=s.index)
    fleet = pd.to_numeric(s.get("ebike_capacity"), errors="coerce") \
        if "ebike_capacity" in s else pd.Series(np.nan, index=s.index)
    residential = _is_residential(s)
    courier = s["category"] == _COURIER
    incidents = s["site_id"].astype(str).map(ebike_hazards(hazards, as_of)).fillna(0).astype(int)
    ebikes = (
        np.where(residential, occ * EBIKES_PER_RESIDENT, 0.0)
        + np.where(courier, fleet.where(fleet > 0, occ).fillna(0.0), 0.0)
        + incidents * EBIKES_PER_INCIDENT
    )
    out = pd.DataFrame({
        "site_id": s["site_id"].astype(str), "name": s.get("name", s["site_id"]),
        "category": s["category"], "committee": s.get("committee", ""),
        "lon": s["lon"].astype(float), "lat": s["lat"].astype(float),
        "residential": residential, "group_rental": s["category"] == _GROUP_RENTAL,
        "courier": courier, "incidents": incidents, "ebikes": np.round(ebikes, 1),
    })
    return out[out["ebikes"] > 0].reset_index(drop=True)


def installed_ports(assets: pd.DataFrame, garages: bool = True) -> pd.Series:
    """Installed charging ports per 居委 (capacity of 充电端口, and of smart garages if ``garages``).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"kind": ["充电端口", "电动自行车智能车库", "微型消防站"],
    ...                   "committee": ["真一"] * 3, "capacity": [40, 100, 6]})
    >>> installed_ports(a).to_dict(), installed_ports(a, garages=False).to_dict()
    ({'真一': 140}, {'真一': 40})
    """
    kinds = _PORT_KINDS + ((_GARAGE_KIND,) if garages else ())
    if assets is None or assets.empty:
        return pd.Series(dtype="int64", name="installed")
    a = assets[assets["kind"].isin(kinds)]
    cap = pd.to_numeric(a["capacity"], errors="coerce").fillna(0).astype(int)
    return cap.groupby(a["committee"].astype(str)).sum().rename("installed")


def largest_remainder(values: pd.Series, total: int) -> pd.Series:
    """Whole numbers proportional to ``values`` that add up to ``total`` (Hamilton's method).

    Examples
    --------
    >>> import pandas as pd
    >>> largest_remainder(pd.Series([1.0, 1.0, 1.0], index=list("abc")), 10).tolist()
    [4, 3, 3]
    """
    v = values.clip(lower=0.0).astype(float)
    if total <= 0 or v.sum() <= 0:
        return pd.Series(0, index=values.index, dtype="int64")
    exact = v / v.sum() * int(total)
    base = np.floor(exact).astype("int64")
    left = int(total) - int(base.sum())
    order = (exact - base).sort_values(ascending=False, kind="stable").index[:left]
    base.loc[order] += 1
    return base


def port_split(
    demand: pd.DataFrame, assets: pd.DataFrame, target: int = PORT_TARGET, garages: bool = True,
) -> pd.DataFrame:
    """The port target split into a proposal by 居委 (辖区外 left out).

    Parameters
    ----------
    demand : DataFrame
        :func:`ebike_demand` output (``committee, ebikes, residential, group_rental, courier,
        incidents``).
    assets : DataFrame
        The ``assets`` table (``kind, committee, capacity``).
    target : int
        Ports the subdistrict is to have in all (default 18,000).
    garages : bool
        Count smart-garage bays as installed ports.

    Returns
    -------
    DataFrame
        One row per 居委, largest proposal first: ``committee, residential, group_rental,
        courier, incidents, ebikes, demand_share, target_share, installed, proposed_new,
        after``; ``proposed_new`` sums to ``max(target − installed, 0)``.
    """
    d = demand[demand["committee"].astype(str) != OUTSIDE]
    g = d.groupby(d["committee"].astype(str)).agg(
        residential=("residential", "sum"), group_rental=("group_rental", "sum"),
        courier=("courier", "sum"), incidents=("incidents", "sum"), ebikes=("ebikes", "sum"),
    )
    inst = installed_ports(assets, garages)
    inst = inst[inst.index != OUTSIDE]
    out = g.join(inst, how="outer").fillna(0.0)
    out["installed"] = out["installed"].astype("int64")
    for c in ("residential", "group_rental", "courier", "incidents"):
        out[c] = out[c].astype("int64")
    total_demand = float(out["ebikes"].sum())
    out["demand_share"] = out["ebikes"] / total_demand if total_demand > 0 else 0.0
    out["target_share"] = (out["demand_share"] * int(target)).round(0).astype("int64")
    shortfall = (out["demand_share"] * int(target) - out["installed"]).clip(lower=0.0)
    to_build = max(int(target) - int(out["installed"].sum()), 0)
    out["proposed_new"] = largest_remainder(shortfall, to_build)
    out["after"] = out["installed"] + out["proposed_new"]
    out["ebikes"] = out["ebikes"].round(1)
    out["demand_share"] = out["demand_share"].round(4)
    out = out.rename_axis("committee").reset_index()
    return out.sort_values(["proposed_new", "committee"], ascending=[False, True]) \
        .reset_index(drop=True)
