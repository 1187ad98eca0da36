"""Navigation links for route stops: 高德 (GCJ-02) and ``geo:`` (WGS-84).

Coordinates are stored in WGS-84; 高德/AMap expects GCJ-02, so the 高德 link is built from the
converted point (:func:`layers.coords.wgs84_to_gcj02`, about +0.0046° lon / −0.0018° lat near
真如). The ``geo:`` URI (RFC 5870) stays in WGS-84 and opens the phone's default map app.

Examples
--------
>>> links = nav_links(pd.DataFrame({"name": ["真如寺"], "lon": [121.3965], "lat": [31.2519]}))
>>> links.loc[0, "geo_url"]
'geo:31.251900,121.396500?q=31.251900,121.396500(%E7%9C%9F%E5%A6%82%E5%AF%BA)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.coords import amap_nav_url, geo_url, wgs84_to_gcj02

__all__ = ["geo_url", "nav_links"]


def nav_links(stops: pd.DataFrame) -> pd.DataFrame:
    """Per stop: GCJ-02 position, 高德 navigation link and ``geo:`` link.

    Parameters
    ----------
    stops : DataFrame
        Rows with ``lon, lat`` (WGS-84) and optionally ``name``.

    Returns
    -------
    DataFrame
        Same index, columns ``gcj_lon, gcj_lat, amap_url, geo_url``.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["甲"], "lon": [121.39], "lat": [31.25]})
    >>> links = nav_links(df)
    >>> round(float(links.loc[0, "gcj_lon"]) - 121.39, 3)
    0.005
    """
    if len(stops) == 0:
        return pd.DataFrame(columns=["gcj_lon", "gcj_lat", "amap_url", "geo_url"], index=stops.index)
    lon = stops["lon"].to_numpy(dtype=float)
    lat = stops["lat"].to_numpy(dtype=float)
    names = stops["name"].fillna("").astype(str).tolist() if "name" in stops else [""] * len(stops)
    glon, glat = wgs84_to_gcj02(lon, lat)
    glon, glat = np.asarray(glon, dtype=float), np.asarray(glat, dtype=float)
    return pd.DataFrame(
        {
            "gcj_lon": glon,
            "gcj_lat": glat,
            "amap_url": [amap_nav_url(x, y, n) for x, y, n in zip(lon, lat, names, strict=True)],
            "geo_url": [geo_url(x, y, n) for x, y, n in zip(lon, lat, names, strict=True)],
        },
        index=stops.index,
    )
