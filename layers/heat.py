"""Risk density (heat) layer: leaflet.heat weighted by the risk score.

Examples
--------
>>> import pandas as pd
>>> heat_points(pd.DataFrame({"lon": [121.4], "lat": [31.25], "score": [80.0]}))
[[31.25, 121.4, 0.8]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from folium.plugins import HeatMap

__all__ = ["heat_layer", "heat_points"]


def heat_points(
    sites: pd.DataFrame, display: Callable[[Any, Any], tuple[Any, Any]] | None = None
) -> list[list[float]]:
    """``[lat, lon, weight]`` rows; weight = score / 100 (0.5 when unscored), clipped to 0.05-1."""
    if sites.empty:
        return []
    lon = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(dtype=float)
    if display is not None:
        lon, lat = display(lon, lat)
    if "score" in sites.columns:
        score = pd.to_numeric(sites["score"], errors="coerce").fillna(50.0).to_numpy(dtype=float)
    else:
        score = np.full(len(sites), 50.0)
    weight = np.clip(score / 100.0, 0.05, 1.0)
    ok = ~(np.isnan(lon) | np.isnan(lat))
    return [
        [round(float(a), 6), round(float(o), 6), round(float(w), 3)]
        for a, o, w in zip(lat[ok], lon[ok], weight[ok], strict=True)
    ]


def heat_layer(points: list[list[float]], name: str = "风险热力", show: bool = False) -> HeatMap:
    """A toggleable HeatMap layer of :func:`heat_points` rows."""
    return HeatMap(
        points, name=name, show=show, radius=22, blur=16, min_opacity=0.35, max_zoom=16
    )
