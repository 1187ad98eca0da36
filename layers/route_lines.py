"""Inspection routes on the offline map: one line per team, numbered stops, start points.

:func:`route_lines` turns a :class:`routes.planning.RoutePlan` into a GeoDataFrame (one
LineString per team: start → stops → end) for maps and GeoJSON export; :func:`route_map` draws
the plan over :func:`layers.folium_map.base_map` (boundary, 居委 zones, roads — no tiles). Stop
tooltips start with the site id, so :func:`layers.map_events.handle_map_event` also works on
route maps. Every text is :func:`layers.safe_text.html_text` (folium puts tooltips into
JavaScript template literals, where ``${`` and backticks would run); approximate positions get
a dashed outline.

Lines are straight legs between stops (the planner's travel times come from the street graph,
but its paths are not kept), which is what the field sheet's order needs.

Examples
--------
>>> from types import SimpleNamespace as NS
>>> import pandas as pd
>>> depot = NS(lon=121.396, lat=31.2497, label="街道办", approximate=True)
>>> stops = pd.DataFrame({"seq": [1, 2], "site_id": ["S1", "S2"], "name": ["甲", "乙"],
...     "lon": [121.39, 121.40], "lat": [31.25, 31.26], "level": ["重大", "低"],
...     "start": ["09:10", "10:00"], "leave": ["09:40", "10:20"], "coord_quality": ["osm", "osm"]})
>>> plan = NS(routes=[NS(team=NS(name="平安办一组"), stops=stops, start=depot, end=depot)])
>>> route_lines(plan)[["team", "n_stops"]].values.tolist()
[['平安办一组', 2]]
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

from layers.fit_on_resize import fit_on_resize
from layers.folium_map import base_map, display_transform
from layers.legend import Legend, LegendItem
from layers.offline import make_offline
from layers.popup import APPROXIMATE_NOTE, ID_SEPARATOR
from layers.safe_text import html_text
from registry.enums import RISK_LEVELS

__all__ = ["TEAM_COLOURS", "route_lines", "route_map"]

#: Line colours of the teams, in order: the colour-blind-safe Okabe-Ito palette, the same as
#: ``app_pages._route_view.TEAM_COLOURS`` (route sheets and maps agree).
TEAM_COLOURS: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B",
)

_LEVEL_HEX = {lvl.name: lvl.hex for lvl in RISK_LEVELS}


def _points(route: Any) -> list[tuple[float, float]]:
    """(lon, lat) of start, stops in order, end."""
    stops = route.stops.sort_values("seq") if "seq" in route.stops.columns else route.stops
    pts = [(float(route.start.lon), float(route.start.lat))]
    pts += list(zip(stops["lon"].astype(float), stops["lat"].astype(float), strict=True))
    pts.append((float(route.end.lon), float(route.end.lat)))
    return pts


def route_lines(plan: Any) -> gpd.GeoDataFrame:
    """One LineString per team (start → stops → end), WGS-84.

    Returns
    -------
    GeoDataFrame
        ``team, n_stops, colour, geometry``; teams without stops have a point geometry at the
        start.
    """
    rows = []
    for i, r in enumerate(plan.routes):
        pts = _points(r)
        n = len(r.stops)
        geom = LineString(pts) if n else Point(pts[0])
        rows.append({"team": str(r.team.name), "n_stops": n,
                     "colour": TEAM_COLOURS[i % len(TEAM_COLOURS)], "geometry": geom})
    return gpd.GeoDataFrame(rows, columns=["team", "n_stops", "colour", "geometry"],
                            geometry="geometry", crs="EPSG:4326")


def _stop_tooltip(team: str, s: dict) -> str:
    when = f"{html_text(s.get('start'))}-{html_text(s.get('leave'))}"
    parts = [html_text(s.get("site_id")), html_text(s.get("name"), "（无名称）"),
             f"{html_text(team)} 第{int(s['seq'])}站 {when}"]
    if str(s.get("coord_quality", "")) == "approximate":
        parts.append(APPROXIMATE_NOTE)
    return ID_SEPARATOR.join(parts)


def route_map(plan: Any, *, height: int = 560, basemap: str = "offline") -> folium.Map:
    """Folium map of a route plan over the offline context layers.

    Parameters
    ----------
    plan : RoutePlan
        Output of ``routes.plan_routes`` (uses ``routes[i].team.name``, ``.stops``,
        ``.start``, ``.end``).
    height : int
        Map height in pixels.
    basemap : str
        ``"offline"`` (default) or a ``layers.basemaps`` provider (GCJ-02 shift for 高德).

    Returns
    -------
    folium.Map
        One toggleable layer per team; assets point at ``/app/static/vendor``.
    """
    m = base_map(basemap, height=height)
    display = display_transform(basemap)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        if display is None:
            return lat, lon
        x, y = display(np.array([lon]), np.array([lat]))
        return float(y[0]), float(x[0])

    bounds: list[tuple[float, float]] = []
    items = []
    for i, r in enumerate(plan.routes):
        colour = TEAM_COLOURS[i % len(TEAM_COLOURS)]
        team = str(r.team.name)
        n = len(r.stops)
        items.append(LegendItem(team, colour, n))
        group = folium.FeatureGroup(name=f"{html_text(team)}（{n} 家）")
        pts = [xy(lon, lat) for lon, lat in _points(r)]
        bounds.extend(pts)
        if n:
            folium.PolyLine(pts, color=colour, weight=4, opacity=0.85,
                            tooltip=f"{html_text(team)}：{n} 家").add_to(group)
        for s in r.stops.sort_values("seq").to_dict("records"):
            lat, lon = xy(float(s["lon"]), float(s["lat"]))
            approx = str(s.get("coord_quality", "")) == "approximate"
            folium.CircleMarker(
                (lat, lon), radius=10, color=colour, weight=3, fill=True,
                fill_color=_LEVEL_HEX.get(str(s.get("level")), "#9E9E9E"), fill_opacity=0.95,
                dash_array="4 3" if approx else None, tooltip=_stop_tooltip(team, s),
            ).add_to(group)
            folium.Marker(
                (lat, lon), interactive=False,
                icon=folium.DivIcon(
                    html=f'<div class="zr-stop-no">{int(s["seq"])}</div>',
                    icon_size=(20, 20), icon_anchor=(10, 10),
                ),
            ).add_to(group)
        group.add_to(m)
    depots = {(r.start.lon, r.start.lat): r.start for r in plan.routes}
    depots.update({(r.end.lon, r.end.lat): r.end for r in plan.routes})
    for depot in depots.values():
        label = f"出发/返回点：{html_text(depot.label)}"
        if getattr(depot, "approximate", False):
            label += f"（{APPROXIMATE_NOTE}）"
        folium.CircleMarker(
            xy(float(depot.lon), float(depot.lat)), radius=8, color="#222222", weight=3,
            fill=True, fill_color="#FFFFFF", fill_opacity=1, tooltip=label,
        ).add_to(m)
    m.get_root().header.add_child(
        folium.Element(
            "<style>.zr-stop-no{font:bold 11px/20px sans-serif;color:#fff;text-align:center;"
            "text-shadow:0 0 2px #000,0 0 2px #000;pointer-events:none;}</style>"
        )
    )
    Legend(items, title="巡查小组（家数）").add_to(m)
    # Collapsed: expanded it covers most of a phone-sized map (inspectors plan on phones).
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    # Fitted at a quarter-level zoom step and again when the map resizes (phones: a whole-level
    # fit can leave the routes in less than half of a 360 px wide map).
    fit_on_resize(m, bounds, padding=(20, 20))
    return make_offline(m)
