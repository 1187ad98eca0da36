"""Coverage of protective facilities on the offline map (issue 18, 设施覆盖).

:func:`coverage_map` draws over :func:`layers.folium_map.base_map` (boundary, 居委 zones, roads
— no tiles):

* 覆盖范围 — the reach area of each facility (:func:`facilities.coverage.coverage_areas`),
  dashed when the facility's position is approximate;
* 设施 — the facilities themselves (kept sites and, when given, those not kept);
* 未覆盖的重大/较大单位 — the high-risk units no facility reaches, in their level's colour
  (``registry.enums.RISK_LEVELS``), largest first;
* 建议新增 — the proposed sites of :func:`facilities.siting.propose_sites`, numbered in order,
  with their reach area.

Every name is :func:`layers.safe_text.html_text` (folium puts tooltips into JavaScript template
literals). Coordinates are WGS-84; an AMap basemap shifts them to GCJ-02 at render time.

Examples
--------
>>> import pandas as pd
>>> from facilities.coverage import ResponseStandard, coverage_areas
>>> st = pd.DataFrame({"asset_id": ["A1"], "name": ["<b>甲站</b>"], "lon": [121.39],
...                    "lat": [31.25], "approximate": [False]})
>>> m = coverage_map(coverage_areas(st, ResponseStandard()), st)
>>> html = m.get_root().render()
>>> "&lt;b&gt;甲站" in html, "<b>甲站</b>" in html
(True, False)
"""

from __future__ import annotations

from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from layers.fit_on_resize import fit_on_resize
from layers.folium_map import base_map, display_transform
from layers.legend import Legend, LegendItem
from layers.offline import make_offline
from layers.popup import APPROXIMATE_NOTE
from layers.safe_text import html_text
from registry.enums import RISK_LEVELS

__all__ = ["AREA_COLOUR", "FACILITY_COLOUR", "PROPOSAL_COLOUR", "coverage_map"]

#: Fill of the reach areas of the kept facilities.
AREA_COLOUR = "#2E7D32"
#: Marker of a kept facility.
FACILITY_COLOUR = "#1B5E20"
#: Marker and area of a proposed site.
PROPOSAL_COLOUR = "#6A1B9A"
#: Marker of a facility the office did not keep (a candidate again).
_FREED_COLOUR = "#9E9E9E"

_LEVEL_HEX = {lvl.name: lvl.hex for lvl in RISK_LEVELS}


def _shift(geom: Any, display) -> Any:
    if display is None:
        return geom

    def move(xy: np.ndarray) -> np.ndarray:
        lon, lat = display(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, move)


def _area_layer(areas: pd.DataFrame, name: str, colour: str, display) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name)
    for row in areas.to_dict("records"):
        geom = row.get("geometry")
        if geom is None or geom.is_empty:
            continue
        approx = bool(row.get("approximate", False))
        label = html_text(row.get("name"))
        if approx:
            label += f"（{APPROXIMATE_NOTE}）"
        folium.GeoJson(
            shapely.geometry.mapping(_shift(geom, display)),
            style_function=lambda _f, c=colour, a=approx: {
                "color": c, "weight": 1.5, "fillColor": c, "fillOpacity": 0.15,
                "dashArray": "5 4" if a else None,
            },
            tooltip=f"覆盖范围：{label}",
        ).add_to(group)
    return group


def coverage_map(
    areas: pd.DataFrame,
    facilities: pd.DataFrame,
    uncovered: pd.DataFrame | None = None,
    proposals: pd.DataFrame | None = None,
    proposal_areas: pd.DataFrame | None = None,
    freed: pd.DataFrame | None = None,
    *,
    title: str = "微型消防站",
    basemap: str = "offline",
    height: int = 600,
) -> folium.Map:
    """Folium map of facility coverage, uncovered high-risk units and proposed sites.

    Parameters
    ----------
    areas : GeoDataFrame
        Reach areas of the kept facilities (``name, approximate, geometry``).
    facilities : DataFrame
        Kept facilities (``name, lon, lat``; ``approximate`` optional).
    uncovered : DataFrame, optional
        High-risk units no facility reaches (``site_id, name, level, lon, lat``).
    proposals, proposal_areas : DataFrame, optional
        Proposed sites (``order, name, lon, lat``) and their reach areas.
    freed : DataFrame, optional
        Existing facilities the office did not keep (shown grey).
    title : str
        Facility kind, used in layer names and the legend.
    basemap : str
        ``"offline"`` or a ``layers.basemaps`` provider name.
    height : int
        Map height in pixels.

    Returns
    -------
    folium.Map
        Passed through :func:`layers.offline.make_offline`.
    """
    m = base_map(basemap, height=height)
    display = display_transform(basemap)

    def latlon(lon: float, lat: float) -> tuple[float, float]:
        if display is None:
            return float(lat), float(lon)
        x, y = display(np.array([lon]), np.array([lat]))
        return float(y[0]), float(x[0])

    kind = html_text(title)
    bounds: list[tuple[float, float]] = []
    _area_layer(areas, f"{kind}覆盖范围", AREA_COLOUR, display).add_to(m)
    group = folium.FeatureGroup(name=f"{kind}（{len(facilities)}）")
    for row in facilities.to_dict("records"):
        pos = latlon(row["lon"], row["lat"])
        bounds.append(pos)
        approx = bool(row.get("approximate", False))
        tip = f"{kind}：{html_text(row.get('name'))}"
        if approx:
            tip += f"（{APPROXIMATE_NOTE}）"
        folium.CircleMarker(
            pos, radius=7, color="#FFFFFF", weight=2, fill=True, fill_color=FACILITY_COLOUR,
            fill_opacity=1.0, dash_array="3 2" if approx else None, tooltip=tip,
        ).add_to(group)
    group.add_to(m)
    items = [LegendItem(f"{title}（覆盖范围）", AREA_COLOUR, len(facilities))]
    if freed is not None and len(freed):
        fg = folium.FeatureGroup(name=f"未保留的已建{kind}（{len(freed)}）")
        for row in freed.to_dict("records"):
            folium.CircleMarker(
                latlon(row["lon"], row["lat"]), radius=6, color="#FFFFFF", weight=2, fill=True,
                fill_color=_FREED_COLOUR, fill_opacity=1.0,
                tooltip=f"未保留：{html_text(row.get('name'))}",
            ).add_to(fg)
        fg.add_to(m)
        items.append(LegendItem("未保留的已建设施", _FREED_COLOUR, len(freed)))
    if uncovered is not None and len(uncovered):
        ug = folium.FeatureGroup(name=f"未覆盖的重大/较大单位（{len(uncovered)}）")
        for row in uncovered.to_dict("records"):
            level = str(row.get("level"))
            pos = latlon(row["lon"], row["lat"])
            bounds.append(pos)
            folium.CircleMarker(
                pos, radius=6, color="#000000", weight=1.5, fill=True,
                fill_color=_LEVEL_HEX.get(level, "#9E9E9E"), fill_opacity=0.95,
                tooltip=(f"{html_text(row.get('site_id'))} · {html_text(row.get('name'))}"
                         f" · {html_text(level)} · 未覆盖"),
            ).add_to(ug)
        ug.add_to(m)
        for lvl in RISK_LEVELS:
            n = int((uncovered["level"] == lvl.name).sum())
            if n:
                items.append(LegendItem(f"未覆盖·{lvl.name}", lvl.hex, n))
    if proposals is not None and len(proposals):
        if proposal_areas is not None and len(proposal_areas):
            _area_layer(proposal_areas, "建议新增覆盖范围", PROPOSAL_COLOUR, display).add_to(m)
        pg = folium.FeatureGroup(name=f"建议新增{kind}（{len(proposals)}）")
        for row in proposals.to_dict("records"):
            pos = latlon(row["lon"], row["lat"])
            bounds.append(pos)
            folium.CircleMarker(
                pos, radius=10, color="#FFFFFF", weight=2, fill=True,
                fill_color=PROPOSAL_COLOUR, fill_opacity=1.0,
                tooltip=f"建议 {int(row['order'])}：{html_text(row.get('name'))}",
            ).add_to(pg)
            folium.Marker(
                pos, interactive=False,
                icon=folium.DivIcon(
                    html=f'<div class="zr-stop-no">{int(row["order"])}</div>',
                    icon_size=(20, 20), icon_anchor=(10, 10),
                ),
            ).add_to(pg)
        pg.add_to(m)
        items.append(LegendItem("建议新增", PROPOSAL_COLOUR, len(proposals)))
    m.get_root().header.add_child(
        folium.Element(
            "<style>.zr-stop-no{font:bold 11px/20px sans-serif;color:#fff;text-align:center;"
            "text-shadow:0 0 2px #000,0 0 2px #000;pointer-events:none;}</style>"
        )
    )
    Legend(items, title="设施覆盖（个数）").add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    fit_on_resize(m, bounds, padding=(20, 20))
    return make_offline(m)
