"""Exposure of each site: vulnerable neighbours and distance to the nearest 微型消防站.

Coordinates (WGS-84 lon/lat) are projected to UTM 51N (EPSG:32651) so distances are metres;
neighbour queries use a k-d tree, so a million sites take seconds.

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["a", "b", "c"], "category": ["群租", "学校幼儿园", "群租"],
...     "lon": [121.40, 121.4005, 121.43], "lat": [31.25, 31.25, 31.25]})
>>> assets = pd.DataFrame({"kind": ["微型消防站"], "lon": [121.401], "lat": [31.25]})
>>> e = exposure_table(sites, assets)
>>> e["vulnerable_nearby"].tolist(), e["station_m"].round(-1).tolist()
([1, 0, 0], [100.0, 50.0, 2760.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from risk.config import RiskConfig

STATION_KIND = "微型消防站"
_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)


def project_utm(lon: pd.Series | np.ndarray, lat: pd.Series | np.ndarray) -> np.ndarray:
    """WGS-84 lon/lat → EPSG:32651 metres, shape (n, 2); NaN stays NaN."""
    x, y = _TO_UTM.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.column_stack([x, y])


def is_vulnerable(sites: pd.DataFrame, config: RiskConfig | None = None) -> pd.Series:
    """True for schools, kindergartens, elderly homes, hospitals (by category/subcategory)."""
    cfg = RiskConfig.from_overrides(config)
    text = pd.Series("", index=sites.index)
    for col in ("category", "subcategory"):
        if col in sites:
            text = text + " " + sites[col].astype("string").fillna("")
    pattern = "|".join(cfg.vulnerable_keywords)
    return text.str.contains(pattern, regex=True, na=False).astype(bool)


def exposure_table(
    sites: pd.DataFrame, assets: pd.DataFrame | None = None, config: RiskConfig | None = None
) -> pd.DataFrame:
    """Exposure features and multiplier per site.

    Parameters
    ----------
    sites : DataFrame
        ``lon, lat`` (WGS-84) and ``category``/``subcategory``; sites without coordinates get
        neutral exposure.
    assets : DataFrame, optional
        Protective assets with ``kind, lon, lat``; rows of kind 微型消防站 are stations.
    config : RiskConfig, optional

    Returns
    -------
    DataFrame
        Same index as ``sites``: ``vulnerable_nearby`` (other vulnerable sites within
        ``vulnerable_radius_m``), ``station_m`` (metres to the nearest station, NaN when unknown)
        and ``exposure_factor`` (≥ 1).
    """
    cfg = RiskConfig.from_overrides(config)
    out = pd.DataFrame(index=sites.index)
    out["vulnerable_nearby"] = 0
    out["station_m"] = np.nan
    if not {"lon", "lat"} <= set(sites.columns) or sites.empty:
        out["exposure_factor"] = 1.0
        return out
    xy = project_utm(sites["lon"], sites["lat"])
    ok = np.isfinite(xy).all(axis=1)
    vul = is_vulnerable(sites, cfg).to_numpy() & ok
    if vul.any() and ok.any():
        tree = cKDTree(xy[vul])
        counts = np.zeros(len(sites), dtype=int)
        found = tree.query_ball_point(xy[ok], r=cfg.vulnerable_radius_m, return_length=True)
        counts[ok] = np.asarray(found, dtype=int)
        counts[vul] -= 1  # a vulnerable site is not its own neighbour
        out["vulnerable_nearby"] = counts
    if assets is not None and len(assets) and {"kind", "lon", "lat"} <= set(assets.columns):
        st = assets[assets["kind"].astype(str) == STATION_KIND]
        sxy = project_utm(st["lon"], st["lat"])
        sxy = sxy[np.isfinite(sxy).all(axis=1)]
        if len(sxy) and ok.any():
            dist, _ = cKDTree(sxy).query(xy[ok], k=1)
            station = np.full(len(sites), np.nan)
            station[ok] = dist
            out["station_m"] = station
    factor = 1.0 + np.minimum(
        cfg.exposure_per_vulnerable * out["vulnerable_nearby"], cfg.exposure_vulnerable_cap
    )
    far = out["station_m"] > cfg.station_reach_m
    factor = factor * np.where(far, cfg.exposure_no_station, 1.0)
    out["exposure_factor"] = factor.astype(float)
    return out
