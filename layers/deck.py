"""3D risk view for the 大屏: aggregated risk columns over our own boundary/roads (pydeck).

Only aggregates leave this module: sites are binned into square cells of :data:`CELL_M` metres
and each cell carries counts per level and the summed score, never a name, address or person.
The deck has no basemap (``map_provider=None``, default style sentinel; *not*
``map_style=None``, which makes Streamlit fetch a CARTO style), so nothing is fetched;
boundary, 居委 zones, roads and water are drawn as GeoJson/Path layers.

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"lon": [121.400, 121.4001, 121.42], "lat": [31.25, 31.2501, 31.24],
...                       "level": ["重大", "低", "一般"], "score": [90.0, 10.0, 40.0]})
>>> cells = risk_cells(sites)
>>> sorted(cells["n"].tolist()), int(cells["n_major"].sum())
([1, 2], 1)
>>> deck = screen_deck(cells)
>>> [layer.type for layer in deck.layers][-1]
'ColumnLayer'
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from registry.enums import RISK_LEVELS

__all__ = ["CELL_M", "LEVEL_RGB", "MAX_COLUMN_M", "risk_cells", "screen_deck"]

#: Edge of an aggregation cell in metres.
CELL_M = 180.0

#: Level colours as RGB (红/橙/黄/蓝) for deck.gl, from :data:`registry.enums.RISK_LEVELS`.
LEVEL_RGB: dict[str, list[int]] = {
    lvl.name: [int(lvl.hex[i : i + 2], 16) for i in (1, 3, 5)] for lvl in RISK_LEVELS
}
_LEVEL_ORDER = tuple(lvl.name for lvl in RISK_LEVELS)
_UNSCORED_RGB = [158, 158, 158]

_CENTER = (121.390, 31.2576)  # lon, lat of the 真如 boundary centroid (grid origin)

#: Height (m) of the tallest column; all columns are scaled to it.
MAX_COLUMN_M = 900.0
_M_PER_DEG_LAT = 111_320.0


def risk_cells(sites: pd.DataFrame, cell_m: float = CELL_M) -> pd.DataFrame:
    """Aggregate sites into square cells (no per-site attributes survive).

    Parameters
    ----------
    sites : DataFrame
        ``lon, lat`` and, when scored, ``level`` and ``score``.
    cell_m : float
        Cell edge in metres.

    Returns
    -------
    DataFrame
        ``lon, lat`` (cell centre), ``n``, ``n_major``, ``n_high``, ``n_medium``, ``n_low``,
        ``score_sum``, ``worst`` (most severe level), ``colour`` ([r, g, b, a]),
        ``elevation`` (summed score).
    """
    cols = ["lon", "lat", "n", "n_major", "n_high", "n_medium", "n_low", "score_sum", "worst",
            "colour", "elevation"]
    if sites.empty:
        return pd.DataFrame(columns=cols)
    lon = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(float)
    ok = ~(np.isnan(lon) | np.isnan(lat))
    lon0, lat0 = _CENTER
    m_per_deg_lon = _M_PER_DEG_LAT * np.cos(np.radians(lat0))
    dlon, dlat = cell_m / m_per_deg_lon, cell_m / _M_PER_DEG_LAT
    level = (
        sites["level"].astype("string").fillna("") if "level" in sites.columns
        else pd.Series("", index=sites.index, dtype="string")
    )
    score = (
        pd.to_numeric(sites["score"], errors="coerce").fillna(0.0)
        if "score" in sites.columns else pd.Series(0.0, index=sites.index)
    )
    df = pd.DataFrame(
        {
            "ix": np.floor((lon - lon0) / dlon),
            "iy": np.floor((lat - lat0) / dlat),
            "major": (level == "重大").to_numpy(),
            "high": (level == "较大").to_numpy(),
            "medium": (level == "一般").to_numpy(),
            "low": (level == "低").to_numpy(),
            "score": score.to_numpy(float),
        }
    )[ok]
    g = df.groupby(["ix", "iy"], sort=True)
    out = pd.DataFrame(
        {
            "n": g.size(),
            "n_major": g["major"].sum(),
            "n_high": g["high"].sum(),
            "n_medium": g["medium"].sum(),
            "n_low": g["low"].sum(),
            "score_sum": g["score"].sum().round(1),
        }
    ).reset_index()
    out["lon"] = lon0 + (out["ix"] + 0.5) * dlon
    out["lat"] = lat0 + (out["iy"] + 0.5) * dlat
    counts = out[["n_major", "n_high", "n_medium", "n_low"]].to_numpy()
    worst_idx = np.where(counts.sum(axis=1) > 0, np.argmax(counts > 0, axis=1), -1)
    out["worst"] = [(_LEVEL_ORDER[i] if i >= 0 else "未评分") for i in worst_idx]
    out["colour"] = [[*LEVEL_RGB.get(w, _UNSCORED_RGB), 215] for w in out["worst"]]
    out["elevation"] = np.where(out["score_sum"] > 0, out["score_sum"], out["n"] * 10.0)
    for c in ("n", "n_major", "n_high", "n_medium", "n_low"):
        out[c] = out[c].astype(int)
    return out[cols]


def _geojson(gdf) -> dict:
    gdf = gdf[["geometry"]].copy()
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 1e-5)
    return json.loads(gdf.to_json(drop_id=True))


@cache
def _context() -> dict[str, object]:
    from layers import geodata, zones

    paths = []
    for geom in geodata.roads().geometry:
        for line in getattr(geom, "geoms", [geom]):
            paths.append({"path": [[round(x, 5), round(y, 5)] for x, y in line.coords]})
    return {
        "boundary": _geojson(geodata.boundary()),
        "zones": _geojson(zones.committee_zones()),
        "water": _geojson(geodata.water()),
        "roads": paths,
    }


def screen_deck(cells: pd.DataFrame, *, pitch: float = 45, zoom: float = 13.9) -> pdk.Deck:
    """The 大屏 deck: boundary, zones, water and roads plus 3D risk columns.

    Parameters
    ----------
    cells : DataFrame
        Output of :func:`risk_cells`.
    pitch, zoom : float
        Initial camera.
    """
    ctx = _context()
    top = float(cells["elevation"].max()) if len(cells) else 0.0
    scale = MAX_COLUMN_M / top if top > 0 else 1.0
    layers = [
        pdk.Layer("GeoJsonLayer", ctx["zones"], id="zones", stroked=True, filled=True,
                  get_fill_color=[40, 60, 90, 60], get_line_color=[120, 150, 190, 120],
                  line_width_min_pixels=1),
        pdk.Layer("GeoJsonLayer", ctx["water"], id="water", stroked=True, filled=True,
                  get_fill_color=[40, 110, 180, 160], get_line_color=[60, 130, 200, 200],
                  line_width_min_pixels=1),
        pdk.Layer("PathLayer", ctx["roads"], id="roads", get_path="path",
                  get_color=[150, 160, 175, 170], width_min_pixels=1.5, get_width=6),
        pdk.Layer("GeoJsonLayer", ctx["boundary"], id="boundary", stroked=True, filled=False,
                  get_line_color=[0, 229, 255, 255], line_width_min_pixels=3),
        pdk.Layer("ColumnLayer", cells, id="risk", get_position=["lon", "lat"],
                  get_elevation="elevation", elevation_scale=scale, radius=CELL_M * 0.42,
                  disk_resolution=6, extruded=True, pickable=True, get_fill_color="colour",
                  auto_highlight=True),
    ]
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(
            longitude=_CENTER[0], latitude=_CENTER[1] - 0.004, zoom=zoom, pitch=pitch,
            bearing=-12,
        ),
        # No basemap and no network: map_provider=None with pydeck's default style sentinel
        # ("__MAP_STYLE__"). Streamlit treats map_style=None as "pick a CARTO style from the
        # theme" and would fetch basemaps.cartocdn.com.
        map_provider=None,
        tooltip={
            "html": "<b>{n}</b> 处单位<br/>重大 {n_major} · 较大 {n_high} · 一般 {n_medium} · 低 {n_low}",
            "style": {"backgroundColor": "#0b1a2e", "color": "#e8f4ff", "fontSize": "16px"},
        },
        parameters={"clearColor": [0.02, 0.06, 0.12, 1]},
    )
