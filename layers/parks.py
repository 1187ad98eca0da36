"""Approximate outlines of the two industrial parks, derived from their tenants' positions.

No official outline of 铁三角科技园 / 天地软件园 is available, so the map draws the convex hull of
the tenants (``sites.park``) buffered by :data:`BUFFER_M` metres and labels it as approximate.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> sites = gpd.GeoDataFrame({"park": ["天地软件园"] * 3 + [None]},
...     geometry=[Point(121.40, 31.25), Point(121.401, 31.25), Point(121.40, 31.251),
...               Point(121.38, 31.24)], crs="EPSG:4326")
>>> out = park_outlines(sites)
>>> out[["park", "n_tenants", "approximate"]].values.tolist()
[['天地软件园', 3, True]]
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import MultiPoint

__all__ = ["BUFFER_M", "park_outlines"]

#: Buffer (m) around the tenants' convex hull.
BUFFER_M = 60.0

_METRIC = "EPSG:32651"


def park_outlines(sites: pd.DataFrame) -> gpd.GeoDataFrame:
    """One approximate polygon per park: ``park, n_tenants, approximate, geometry`` (WGS-84).

    Parameters
    ----------
    sites : DataFrame
        Needs ``park`` and either point geometry or ``lon``/``lat``.
    """
    columns = ["park", "n_tenants", "approximate", "geometry"]
    if "park" not in sites.columns:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs="EPSG:4326")
    tenants = sites[sites["park"].notna() & (sites["park"].astype(str).str.strip() != "")]
    if not isinstance(tenants, gpd.GeoDataFrame) or tenants.geometry is None:
        tenants = gpd.GeoDataFrame(
            tenants, geometry=gpd.points_from_xy(tenants["lon"], tenants["lat"]), crs="EPSG:4326"
        )
    rows = []
    metric = tenants.to_crs(_METRIC)
    for park, group in metric.groupby("park", sort=True):
        pts = MultiPoint([g for g in group.geometry if g is not None and not g.is_empty])
        if pts.is_empty:
            continue
        rows.append({"park": park, "n_tenants": len(group), "approximate": True,
                     "geometry": pts.convex_hull.buffer(BUFFER_M)})
    if not rows:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=_METRIC).to_crs("EPSG:4326")
