"""The 风险地图 as a folium map: context layers, toggleable site layers, heat view, legend.

:func:`risk_map` is the one entry point the 风险地图 page calls. Without a web basemap the map
draws no tiles at all: our own vector layers (neighbouring 街道, the 真如 boundary, 36 居委
zones with labels, roads, rail, water, metro) on a plain background, so it works on an
intranet with no network. Every element's JS/CSS is rewritten to the self-hosted copies by
:func:`layers.offline.make_offline`.

Site layers (each a LayerControl entry): 风险点 (all filtered sites coloured by level), 危险源,
园区 (approximate outlines + tenants), 商贸市场, 建筑工地, one per remaining sector, and the
protective assets (微型消防站, 充电设施). Dense layers are clustered (vendored markercluster).

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["S1"], "name": ["甲厂"], "lon": [121.40], "lat": [31.25],
...     "category": ["厂房仓库"], "level": ["重大"], "colour": ["#E60012"], "score": [90.0]})
>>> m = risk_map(sites)
>>> html = m.get_root().render()
>>> '["S1","甲厂","重大"' in html, "https://" in html.split("<body>")[0]
(True, False)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.plugins import HeatMap
from folium.template import Template

from layers.fit_on_resize import fit_on_resize
from layers.heat import heat_layer, heat_points
from layers.legend import Legend, legend_items
from layers.offline import make_offline
from layers.parks import park_outlines
from layers.safe_text import html_text, safe_json
from layers.sites_layer import (
    COORD_DECIMALS,
    LabelLayer,
    PointLayer,
    asset_points,
    site_points,
)

__all__ = [
    "ASSET_LAYERS",
    "BACKGROUND",
    "MAIN_LAYER",
    "POPUP_LIMIT",
    "SHARED_ROWS",
    "LayerSpec",
    "base_map",
    "display_transform",
    "risk_map",
    "site_layer_specs",
]

#: Name of the layer with every filtered site coloured by risk level.
MAIN_LAYER = "风险点（按等级着色）"

#: Asset layers: layer name → asset kinds.
ASSET_LAYERS: dict[str, tuple[str, ...]] = {
    "微型消防站": ("微型消防站",),
    "充电设施（智能车库/充电端口）": ("电动自行车智能车库", "充电端口"),
}

#: Background colour of the tile-less (offline) map.
BACKGROUND = "#F3F1EC"

#: Above this many sites the short popups are left out (the card beside the map has details).
POPUP_LIMIT = 6000

#: ``window`` name of the 风险点 rows that the sector layers and the heat layer reuse.
SHARED_ROWS = "zr_site_rows"

_HAZARD_LAYER = "危险源（危化品/加油站/锅炉等）"
_PARK_LAYER = "园区企业（铁三角科技园/天地软件园）"
_PARK_OUTLINE_LAYER = "园区范围（近似）"
_MARKET_LAYER = "商贸市场"
_CONSTRUCTION_LAYER = "建筑工地"

DisplayFn = Callable[[Any, Any], tuple[Any, Any]]


@dataclass(frozen=True)
class LayerSpec:
    """A site layer: its name, which rows of the sites table it holds, whether it starts visible."""

    name: str
    mask: pd.Series
    show: bool = False


def _hazard_source_mask(sites: pd.DataFrame) -> pd.Series:
    from registry.sectors import SECTORS

    def flag(cat: Any, sub: Any) -> bool:
        sector = SECTORS.get(str(cat))
        return bool(sector and sector.is_hazard_source(None if pd.isna(sub) else str(sub)))

    sub = sites["subcategory"] if "subcategory" in sites.columns else pd.Series(None, sites.index)
    return pd.Series(
        [flag(c, s) for c, s in zip(sites["category"], sub, strict=True)], index=sites.index
    )


def site_layer_specs(sites: pd.DataFrame) -> list[LayerSpec]:
    """The toggleable site layers for a (filtered, scored) sites table, in control order.

    Empty layers are left out. Only :data:`MAIN_LAYER` starts visible.

    Examples
    --------
    >>> sites = pd.DataFrame({"category": ["加油站", "商贸市场", "群租"], "park": [None] * 3})
    >>> [s.name for s in site_layer_specs(sites)]  # doctest: +NORMALIZE_WHITESPACE
    ['风险点（按等级着色）', '危险源（危化品/加油站/锅炉等）', '商贸市场', '行业：群租']
    """
    specs = [LayerSpec(MAIN_LAYER, pd.Series(True, index=sites.index), show=True)]
    if sites.empty:
        return specs
    category = sites["category"].astype(str) if "category" in sites.columns else None
    hazard = _hazard_source_mask(sites) if category is not None else None
    if hazard is not None:
        specs.append(LayerSpec(_HAZARD_LAYER, hazard))
    if "park" in sites.columns:
        in_park = sites["park"].notna() & (sites["park"].astype(str).str.strip() != "")
        specs.append(LayerSpec(_PARK_LAYER, in_park))
    if category is not None:
        specs.append(LayerSpec(_MARKET_LAYER, category == "商贸市场"))
        specs.append(LayerSpec(_CONSTRUCTION_LAYER, category == "建筑施工"))
        shown = {"商贸市场", "建筑施工"}
        for cat in sorted(set(category[~hazard]) - shown):
            specs.append(LayerSpec(f"行业：{cat}", category == cat))
    return [s for s in specs if s.name == MAIN_LAYER or bool(s.mask.any())]


def display_transform(basemap: str) -> DisplayFn | None:
    """Coordinate conversion for drawing on a basemap (None when the basemap is WGS-84).

    AMap (高德) tiles are GCJ-02, so every drawn coordinate is shifted with
    ``layers.basemaps.to_display_coords``; the offline, OSM and Tianditu maps use WGS-84.
    """
    provider = _provider(basemap)
    if provider is None or not provider.needs_gcj02():
        return None

    def convert(lon: Any, lat: Any) -> tuple[Any, Any]:
        return provider.to_display_coords(np.asarray(lon, float), np.asarray(lat, float))

    return convert


def _provider(basemap: str) -> Any:
    if basemap == "offline":
        return None
    from layers import basemaps

    return basemaps.get(basemap)


def _geojson_dict(
    gdf: gpd.GeoDataFrame,
    columns: Sequence[str],
    display: DisplayFn | None,
    html_columns: Sequence[str] = (),
):
    """GeoJSON dict of ``columns`` + geometry; ``html_columns`` escaped for a GeoJsonTooltip.

    folium's ``GeoJsonTooltip`` puts property values into the tooltip's ``innerHTML`` as they
    are, so names shown that way (from OSM: third-party text) are escaped here.
    """
    gdf = gdf[[c for c in columns if c in gdf.columns] + ["geometry"]].copy()
    for col in html_columns:
        if col in gdf.columns:
            gdf[col] = gdf[col].map(html_text)
    if display is not None:

        def shift(xy: np.ndarray) -> np.ndarray:
            lon, lat = display(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        gdf["geometry"] = shapely.transform(gdf.geometry.values, shift)
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 10.0**-COORD_DECIMALS)
    return json.loads(gdf.to_json(drop_id=True))


@cache
def _context_geojson(display_key: str) -> dict[str, dict]:
    """GeoJSON dicts of the static context layers (cached per coordinate system)."""
    from layers import geodata, zones

    display = display_transform(display_key) if display_key != "offline" else None
    return {
        "neighbours": _geojson_dict(geodata.neighbours(), ["name"], display, ["name"]),
        "boundary": _geojson_dict(geodata.boundary(), ["name"], display),
        "zones": _geojson_dict(zones.committee_zones(), ["name", "short_name"], display, ["name"]),
        "water": _geojson_dict(geodata.water(), ["name", "kind"], display),
        "roads": _geojson_dict(geodata.roads(), ["name", "rank"], display, ["name"]),
        "rail": _geojson_dict(geodata.rail(), ["name"], display),
        "metro_lines": _geojson_dict(geodata.metro_lines(), ["name"], display, ["name"]),
        "metro_stations": _geojson_dict(geodata.metro_stations(), ["name"], display),
    }


def _zone_labels(display: DisplayFn | None) -> list[tuple[float, float, str]]:
    from layers import zones

    z = zones.committee_zones()
    pts = z.geometry.representative_point()
    lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
    if display is not None:
        lon, lat = display(lon, lat)
    names = z["short_name"] if "short_name" in z.columns else z["name"]
    return [(float(a), float(o), str(n)) for a, o, n in zip(lat, lon, names, strict=True)]


def _add_context(m: folium.Map, basemap: str, display: DisplayFn | None) -> None:
    ctx = _context_geojson(basemap if display is not None else "offline")
    tiles = basemap != "offline"
    folium.GeoJson(
        ctx["neighbours"], name="周边街道", control=False,
        style_function=lambda f: {"color": "#B0ACA4", "weight": 1, "fillColor": "#E4E1DA",
                                  "fillOpacity": 0.0 if tiles else 0.6},
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
    ).add_to(m)
    folium.GeoJson(
        ctx["zones"], name="居委范围（近似）",
        style_function=lambda f: {"color": "#8C8C8C", "weight": 1, "dashArray": "4 3",
                                  "fillColor": "#FFFFFF", "fillOpacity": 0.0 if tiles else 0.55},
        highlight_function=lambda f: {"weight": 2, "color": "#555555"},
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
    ).add_to(m)
    folium.GeoJson(
        ctx["water"], name="河道水系", control=False,
        style_function=lambda f: {"color": "#6FA8DC", "weight": 2, "fillColor": "#9FC5E8",
                                  "fillOpacity": 0.8},
    ).add_to(m)
    folium.GeoJson(
        ctx["roads"], name="主要道路",
        style_function=lambda f: {"color": "#A39E93",
                                  "weight": 4 if f["properties"].get("rank") == "major" else 2.5},
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
    ).add_to(m)
    folium.GeoJson(
        ctx["rail"], name="铁路", control=False,
        style_function=lambda f: {"color": "#555555", "weight": 2, "dashArray": "8 4"},
    ).add_to(m)
    folium.GeoJson(
        ctx["metro_lines"], name="轨道交通",
        style_function=lambda f: {"color": "#7B1FA2", "weight": 2.5, "opacity": 0.7},
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
    ).add_to(m)
    folium.GeoJson(
        ctx["boundary"], name="真如镇街道边界",
        style_function=lambda f: {"color": "#C62828", "weight": 3, "fill": False},
        interactive=False,
    ).add_to(m)
    LabelLayer(_zone_labels(display), name="居委名称").add_to(m)
    stations = [
        [lat, lon, "#FFFFFF", 5, 0, f"地铁站：{html_text(feat['properties'].get('name'))}", ""]
        for feat in ctx["metro_stations"]["features"]
        for lon, lat in [feat["geometry"]["coordinates"][:2]]
    ]
    PointLayer(
        stations, name="地铁站", cluster=False, radius=4, stroke="#7B1FA2", css_class="zr-station"
    ).add_to(m)


_STYLE = """
<style>
.leaflet-container {{ background: {bg}; font-family: "Noto Sans CJK SC", "Microsoft YaHei",
  sans-serif; }}
.zr-zone-label {{ font-size: 11px; color: #555; text-align: center; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff; pointer-events: none; }}
.zr-cluster div {{ color: #fff; font-weight: bold; text-shadow: 0 0 2px #000; }}
.zr-popup {{ font-size: 13px; line-height: 1.5; }}
.leaflet-control-layers-expanded {{ font-size: 12px; line-height: 1.25; max-height: 560px;
  overflow-y: auto; }}
.leaflet-control-layers-toggle {{ width: 36px; height: 36px; }}
</style>
"""


def base_map(basemap: str = "offline", *, height: int = 680) -> folium.Map:
    """Map with the context layers only (boundary, 居委 zones + labels, roads, rail, water, metro).

    Parameters
    ----------
    basemap : str
        ``"offline"`` (no tiles) or a ``layers.basemaps`` provider name.
    height : int
        Map height in pixels.

    Returns
    -------
    folium.Map
        Not yet passed through :func:`layers.offline.make_offline` (callers add their layers
        first, then call it).

    Examples
    --------
    >>> m = base_map()
    >>> "L.tileLayer" in m.get_root().render()
    False
    """
    provider = _provider(basemap)
    display = display_transform(basemap)
    m = folium.Map(
        location=[31.245, 121.40], zoom_start=14, tiles=None, control_scale=True,
        height=height, zoom_control=True,
    )
    # Map-level zoom limits (folium only passes them to a tile layer; markercluster needs them).
    m.options.update(min_zoom=11, max_zoom=19)
    m.get_root().header.add_child(Element(_STYLE.format(bg=BACKGROUND)))
    if provider is not None and provider.url:
        _add_tiles(m, provider)
    _add_context(m, basemap, display)
    return m


def risk_map(
    sites: pd.DataFrame,
    assets: pd.DataFrame | None = None,
    *,
    basemap: str = "offline",
    cluster: bool = True,
    heat: bool = False,
    height: int = 680,
) -> folium.Map:
    """Build the 风险地图 (offline-ready folium map).

    Parameters
    ----------
    sites : DataFrame
        Filtered sites, ideally scored (``level``, ``colour``, ``score``); needs
        ``site_id, name, lon, lat, category``.
    assets : DataFrame, optional
        Protective assets (``kind, name, lon, lat, ...``).
    basemap : str
        ``"offline"`` (default: no tiles, own vector layers) or a ``layers.basemaps`` name.
    cluster : bool
        Cluster dense site layers.
    heat : bool
        Start in the heat (density) view: the heat layer is visible and the points hidden.
    height : int
        Map height in pixels.

    Returns
    -------
    folium.Map
        With every JS/CSS asset pointing at ``/app/static/vendor``.
    """
    m = base_map(basemap, height=height)
    display = display_transform(basemap)

    popups = len(sites) <= POPUP_LIMIT
    lon = pd.to_numeric(sites["lon"], errors="coerce") if len(sites) else sites.get("lon")
    lat = pd.to_numeric(sites["lat"], errors="coerce") if len(sites) else sites.get("lat")
    drawable = sites[lon.notna() & lat.notna()] if len(sites) else sites
    main: PointLayer | None = None
    for spec in site_layer_specs(drawable):
        show = spec.show and not heat
        n = int(spec.mask.sum())
        if main is None:
            rows = site_points(drawable, popups=popups, display=display)
            # Heat weight as the last item: the heat layer draws from these rows too.
            for row, point in zip(rows, heat_points(drawable, display=display), strict=True):
                row.append(point[2])
            main = PointLayer(
                rows, name=spec.name, cluster=cluster and n > 80, show=show,
                share_as=SHARED_ROWS,
            )
            main.add_to(m)
        else:
            PointLayer.subset_of(
                main, np.flatnonzero(spec.mask.to_numpy()).tolist(), spec.name,
                cluster=cluster and n > 80, show=show,
            ).add_to(m)
    outlines = park_outlines(sites)
    if not outlines.empty:
        parks = folium.FeatureGroup(name=_PARK_OUTLINE_LAYER, show=True)
        gj = _geojson_dict(outlines, ["park", "n_tenants"], display, ["park"])  # park escaped
        for feat in gj["features"]:
            props = feat["properties"]
            folium.GeoJson(
                feat,
                style_function=lambda f: {"color": "#6A1B9A", "weight": 2, "dashArray": "6 4",
                                          "fillColor": "#CE93D8", "fillOpacity": 0.12},
                tooltip=f"{props['park']}（范围为近似，由 {int(props['n_tenants'])} "
                "家入驻单位位置推算）",
            ).add_to(parks)
        parks.add_to(m)
    if assets is not None and not assets.empty:
        for name, kinds in ASSET_LAYERS.items():
            subset = assets[assets["kind"].isin(kinds)]
            if not subset.empty:
                PointLayer(
                    asset_points(subset, display=display), name=name, cluster=len(subset) > 150,
                    radius=5, show=False, stroke="#000000", css_class="zr-asset",
                ).add_to(m)
    _one_copy_of_cluster_assets(m)
    _heat_from_shared_rows(heat_layer([], show=heat)).add_to(m)
    Legend(legend_items(sites)).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    _fit(m, display)
    return make_offline(m)


_HEAT_TEMPLATE = Template(
    """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.heatLayer(
    (window[{{ this.share_json }}] || []).map(function (r) { return [r[0], r[1], r[6]]; }),
    {{ this.options|tojavascript }}
);
{% endmacro %}
"""
)


def _heat_from_shared_rows(layer: HeatMap) -> HeatMap:
    """Make a leaflet.heat layer read ``[lat, lon, .., weight]`` from the shared 风险点 rows.

    The heat view then costs no second copy of every coordinate (at 50,000 sites that copy
    was ~1.5 MB of the page). Weights are :func:`layers.heat.heat_points`' (score / 100).
    """
    layer._template = _HEAT_TEMPLATE
    layer.share_json = safe_json(SHARED_ROWS)
    return layer


def _one_copy_of_cluster_assets(m: folium.Map) -> None:
    """Keep the markercluster JS/CSS on one layer only (each copy costs a render per rerun)."""
    clustered = [c for c in m._children.values() if isinstance(c, PointLayer) and c.cluster]
    for layer in clustered[1:]:
        layer.default_js = []
        layer.default_css = []


def _add_tiles(m: folium.Map, provider: Any) -> None:
    """Web tiles of a ``layers.basemaps`` provider (+ the 天地图 label overlay for 天地图矢量)."""
    from layers import basemaps

    layers = [provider]
    if provider.name == "tianditu_vec":
        layers.append(basemaps.get("tianditu_cva"))
    for p in layers:
        folium.TileLayer(
            tiles=p.build_url(fill_subdomain=False),  # ValueError (Chinese) when a token is missing
            attr=html_text(p.attribution), name=p.name_zh, max_zoom=p.max_zoom,
            subdomains=p.subdomains or "abc", control=False, overlay=p.overlay,
        ).add_to(m)


def _fit(m: folium.Map, display: DisplayFn | None) -> None:
    from layers import geodata

    minx, miny, maxx, maxy = geodata.boundary().total_bounds
    if display is not None:
        (minx, maxx), (miny, maxy) = display(np.array([minx, maxx]), np.array([miny, maxy]))
    # fine zoom step and a re-fit on resize: a phone-wide map is not left a whole level too wide
    fit_on_resize(m, [(float(miny), float(minx)), (float(maxy), float(maxx))], padding=(10, 10))
