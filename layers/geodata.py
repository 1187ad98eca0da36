"""Cached loaders for the OSM-derived geodata of 真如镇街道 (``data/geo``).

Every loader returns a fresh copy of a cached GeoDataFrame in WGS-84 (EPSG:4326), so callers
may modify the result freely. Files are located relative to this package, never to the
current working directory. Provenance of every file is in ``data/geo/SOURCES.md``; the OSM
data are under ODbL-1.0 and every map must show :data:`OSM_ATTRIBUTION`.

Examples
--------
>>> from layers import geodata
>>> geodata.boundary().loc[0, "name"]
'真如镇街道'
>>> geodata.boundary().crs.to_epsg()
4326
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = [
    "DATA_DIR",
    "METRIC_CRS",
    "OSM_ATTRIBUTION",
    "RAIL_BUFFER_M",
    "WATERWAY_BUFFER_M",
    "WGS84",
    "boundary",
    "boundary_geometry",
    "district_outline",
    "metro_lines",
    "metro_stations",
    "named_places",
    "neighbours",
    "no_build_mask",
    "office",
    "poi_polygons",
    "pois",
    "rail",
    "roads",
    "water",
]

#: Folder holding the geodata files (resolved from the package, not from the CWD).
DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data" / "geo"

#: Attribution that every map drawing these layers must show (ODbL-1.0).
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

#: Storage CRS of every layer.
WGS84 = "EPSG:4326"

#: Metric CRS used for buffering and areas near Shanghai (UTM zone 51N).
METRIC_CRS = "EPSG:32651"

#: Half-width (m) of the no-build strip around waterway centre lines.
WATERWAY_BUFFER_M = 8.0

#: Half-width (m) of the no-build strip around surface rail lines.
RAIL_BUFFER_M = 15.0

_BOUNDARY_FILE = "zhenru_boundary_osm.geojson"
_SUBDISTRICTS_FILE = "putuo_subdistricts_osm.geojson"
_TRANSPORT_FILE = "zhenru_area_transport_osm.geojson"
_RAIL_FILE = "zhenru_area_osm_railways.geojson"
_WATER_FILE = "zhenru_area_osm_water.geojson"
_POIS_FILE = "zhenru_area_osm_pois.geojson"
_POI_POLYGONS_FILE = "zhenru_area_osm_poi_polygons.geojson"
_NAMED_PLACES_FILE = "zhenru_named_places.csv"
_DISTRICT_FILE = "putuo_district_outline.geojson"

_ADMIN_COLUMNS = ["name", "admin_code", "osm_relation_id", "area_km2", "geometry"]

#: Best available position of the 街道办事处 (芝川路205号); see :func:`office`.
_OFFICE_LON = 121.39632
_OFFICE_LAT = 31.24967
_OFFICE_NOTE = (
    "无核实坐标（近似位置）：取中文维基百科“真如镇街道”信息框坐标（31°14′59″N 121°23′47″E，"
    "WGS-84），该坐标位于真如寺以南约250 m；公开资料中芝川路与曹杨花苑相关联"
    "（地址“芝川路曹阳花苑”），与街道东南部的位置一致，但门牌位置未核实，误差可能达数百米。"
    " / No verified coordinate: zh.wikipedia infobox point for the subdistrict (WGS-84), "
    "about 250 m south of 真如寺; 芝川路 is associated with 曹杨花苑 in the south-east, "
    "consistent with this area, but the house number is not geocoded (error up to a few "
    "hundred metres)."
)


def _path(name: str) -> Path:
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"缺少地理数据文件 / missing geodata file: {path}")
    return path


@cache
def _read(name: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(_path(name))
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(WGS84)
    return gdf


def _admin(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf[_ADMIN_COLUMNS].copy()
    out["admin_code"] = out["admin_code"].astype(str)
    out["osm_relation_id"] = out["osm_relation_id"].astype("int64")
    return out.reset_index(drop=True)


@cache
def _boundary() -> gpd.GeoDataFrame:
    return _admin(_read(_BOUNDARY_FILE))


def boundary() -> gpd.GeoDataFrame:
    """Boundary of 真如镇街道 (OSM relation 14187866), one row.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name, admin_code, osm_relation_id, area_km2, geometry`` (Polygon, EPSG:4326).

    Examples
    --------
    >>> b = boundary()
    >>> (len(b), b.loc[0, "admin_code"], int(b.loc[0, "osm_relation_id"]))
    (1, '310107022', 14187866)
    """
    return _boundary().copy()


def boundary_geometry() -> BaseGeometry:
    """The boundary polygon itself (shapely, EPSG:4326 lon/lat).

    Examples
    --------
    >>> boundary_geometry().geom_type
    'Polygon'
    """
    return _boundary().geometry.iloc[0]


@cache
def _neighbours() -> gpd.GeoDataFrame:
    gdf = _read(_SUBDISTRICTS_FILE)
    return _admin(gdf[gdf["osm_relation_id"].astype("int64") != 14187866])


def neighbours() -> gpd.GeoDataFrame:
    """Other 普陀区 subdistricts available in OSM (6 of 9; 石泉路/甘泉路/宜川路 are missing).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name, admin_code, osm_relation_id, area_km2, geometry``.

    Examples
    --------
    >>> "曹杨新村街道" in set(neighbours()["name"])
    True
    """
    return _neighbours().copy()


@cache
def _transport(kind: str) -> gpd.GeoDataFrame:
    gdf = _read(_TRANSPORT_FILE)
    return gdf[gdf["kind"] == kind].reset_index(drop=True)


@cache
def _roads() -> gpd.GeoDataFrame:
    gdf = _transport("elevated_or_major_road")
    out = gdf[["id", "name", "road_kind", "scope", "geometry"]].rename(columns={"scope": "rank"})
    return out.reset_index(drop=True)


def roads() -> gpd.GeoDataFrame:
    """Major and elevated roads around Zhenru (中环路, 真北路, 曹杨路, 武宁路, …).

    Only major roads are in the data set; there is no street-level network.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id, name, road_kind ('urban'|'expressway'), rank ('major'|'local'),
        geometry`` (MultiLineString).

    Examples
    --------
    >>> "中环路" in set(roads()["name"])
    True
    """
    return _roads().copy()


@cache
def _rail() -> gpd.GeoDataFrame:
    gdf = _read(_RAIL_FILE)
    out = gdf[["osm_id", "fclass", "name", "layer", "bridge", "tunnel", "geometry"]].copy()
    out["bridge"] = out["bridge"] == "T"
    out["tunnel"] = out["tunnel"] == "T"
    out["osm_id"] = out["osm_id"].astype(str)
    return out.reset_index(drop=True)


def rail() -> gpd.GeoDataFrame:
    """Railway and subway track lines (OSM ``gis_osm_railways``), clipped to the area box.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id, fclass ('rail'|'subway'), name, layer, bridge (bool),
        tunnel (bool), geometry`` (LineString).

    Examples
    --------
    >>> sorted(rail()["fclass"].unique())
    ['rail', 'subway']
    """
    return _rail().copy()


@cache
def _water() -> gpd.GeoDataFrame:
    gdf = _read(_WATER_FILE)
    out = gdf[["osm_id", "fclass", "name", "width", "kind", "geometry"]].copy()
    out["kind"] = out["kind"].map({"waterway_line": "line", "water_area": "area"})
    if out["kind"].isna().any():
        raise ValueError("水系数据含未知 kind / unknown water kind in " + _WATER_FILE)
    out["osm_id"] = out["osm_id"].astype(str)
    return out.reset_index(drop=True)


def water() -> gpd.GeoDataFrame:
    """Rivers, canals and water areas (真如港, 桃浦河, 曹杨环浜, …).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id, fclass, name, width, kind ('line'|'area'), geometry``.

    Examples
    --------
    >>> sorted(water()["kind"].unique())
    ['area', 'line']
    """
    return _water().copy()


@cache
def _metro_lines() -> gpd.GeoDataFrame:
    gdf = _transport("metro_line")
    gdf = gdf[gdf["route"] != "network"]  # the aggregate "whole network" feature duplicates lines
    return gdf[["id", "name", "route", "geometry"]].reset_index(drop=True)


def metro_lines() -> gpd.GeoDataFrame:
    """Metro lines 3/4, 7, 11, 13, 14 and 15 (one multiline per line).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id, name, route, geometry``.

    Examples
    --------
    >>> sorted(metro_lines()["route"])
    ['11', '13', '14', '15', '3-4', '7']
    """
    return _metro_lines().copy()


@cache
def _metro_stations() -> gpd.GeoDataFrame:
    gdf = _transport("metro_station")[["id", "name", "geometry"]].copy()
    gdf["in_zhenru"] = gdf.within(boundary_geometry())
    return gdf.reset_index(drop=True)


def metro_stations() -> gpd.GeoDataFrame:
    """Metro stations in and around Zhenru (真如, 铜川路, 真光路, 上海西, …).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id, name, in_zhenru, geometry`` (Point).

    Examples
    --------
    >>> bool(metro_stations().set_index("name").loc["真如", "in_zhenru"])
    True
    """
    return _metro_stations().copy()


@cache
def _pois() -> gpd.GeoDataFrame:
    gdf = _read(_POIS_FILE).copy()
    gdf["osm_id"] = gdf["osm_id"].astype(str)
    return gdf.reset_index(drop=True)


def pois() -> gpd.GeoDataFrame:
    """OSM points of interest (schools, kindergartens, hospitals, fuel, markets, …).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id, osm_type, layer, fclass, name, lon, lat, in_zhenru, source_geom,
        geometry`` (Point; polygons reduced to a representative point).

    Examples
    --------
    >>> int(pois()["in_zhenru"].sum())
    85
    """
    return _pois().copy()


@cache
def _poi_polygons() -> gpd.GeoDataFrame:
    gdf = _read(_POI_POLYGONS_FILE).copy()
    gdf["osm_id"] = gdf["osm_id"].astype(str)
    return gdf.reset_index(drop=True)


def poi_polygons() -> gpd.GeoDataFrame:
    """Footprints of polygon POIs (school grounds, parks, hospitals, markets).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id, fclass, name, in_zhenru, geometry`` (Polygon/MultiPolygon).

    Examples
    --------
    >>> "真如寺" in set(poi_polygons()["name"].dropna())
    True
    """
    return _poi_polygons().copy()


@cache
def _named_places() -> gpd.GeoDataFrame:
    df = pd.read_csv(_path(_NAMED_PLACES_FILE), dtype={"crs": "string"})
    df = df.dropna(subset=["lon", "lat"]).reset_index(drop=True)
    crs = df["crs"].fillna("").str.upper()
    df["approximate"] = crs != "WGS84"
    df["inside_zhenru"] = df.pop("inside_zhenru_polygon").astype(str).str.startswith("yes")
    df = df.drop(columns=["crs"])
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84
    )


def named_places() -> gpd.GeoDataFrame:
    """Named places of the work plan that have a coordinate (``zhenru_named_places.csv``).

    Rows without a coordinate in the CSV (the 街道办事处, 铁三角科技园, 南石四路市场) are left
    out; use :func:`office` for the office. ``approximate`` is True where the source CRS is
    not verified WGS-84 (e.g. 天地软件园).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name, lon, lat, source, note, inside_zhenru, approximate, geometry``.

    Examples
    --------
    >>> p = named_places()
    >>> bool(p["approximate"].any()), bool(p["inside_zhenru"].any())
    (True, True)
    """
    return _named_places().copy()


@cache
def _district_outline() -> gpd.GeoDataFrame:
    gdf = _read(_DISTRICT_FILE)
    return gdf[["name", "adcode", "geometry"]].reset_index(drop=True)


def district_outline() -> gpd.GeoDataFrame:
    """Coarse outline of 普陀区 (context only, ~26 m from the OSM edges).

    Examples
    --------
    >>> district_outline().loc[0, "name"]
    '普陀区'
    """
    return _district_outline().copy()


def office() -> gpd.GeoDataFrame:
    """The 真如镇街道办事处 (芝川路205号) at its best-known, **approximate** position.

    No verified coordinate of the office is public (see ``data/geo/SOURCES.md``). The point
    used is the zh.wikipedia infobox coordinate of the subdistrict (WGS-84), which lies in the
    south-east part of the subdistrict where 芝川路 (associated with 曹杨花苑) is; the row is
    flagged ``approximate=True`` and carries a bilingual ``note``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row: ``name, address, lon, lat, approximate, note, geometry``.

    Examples
    --------
    >>> o = office()
    >>> bool(o.loc[0, "approximate"]), o.loc[0, "address"]
    (True, '上海市普陀区芝川路205号')
    """
    df = pd.DataFrame(
        {
            "name": ["真如镇街道办事处"],
            "address": ["上海市普陀区芝川路205号"],
            "lon": [_OFFICE_LON],
            "lat": [_OFFICE_LAT],
            "approximate": [True],
            "note": [_OFFICE_NOTE],
        }
    )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)


@cache
def _no_build_mask() -> BaseGeometry:
    water_m = _water().to_crs(METRIC_CRS)
    areas = water_m[water_m["kind"] == "area"].geometry
    lines = water_m[water_m["kind"] == "line"].geometry.buffer(WATERWAY_BUFFER_M)
    rail_m = _rail()
    surface = rail_m[~rail_m["tunnel"]].to_crs(METRIC_CRS).geometry.buffer(RAIL_BUFFER_M)
    parts = [*areas.make_valid(), *lines, *surface]
    merged = shapely.union_all(parts)
    return gpd.GeoSeries([merged], crs=METRIC_CRS).to_crs(WGS84).iloc[0]


def no_build_mask() -> BaseGeometry:
    """Places where no site may be placed: water, waterways and surface rail.

    Union of water areas, waterway lines buffered by :data:`WATERWAY_BUFFER_M` (8 m) and
    surface (non-tunnel) rail and subway lines buffered by :data:`RAIL_BUFFER_M` (15 m).
    Buffers are computed in :data:`METRIC_CRS`; the result is in EPSG:4326 lon/lat and covers
    the whole data box (lon 121.355–121.425, lat 31.225–31.285). Underground subway
    sections do not block the surface and are not included.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        In lon/lat (EPSG:4326). Shapely geometries are immutable, so the cached object is
        returned.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> mask = no_build_mask()
    >>> mask.geom_type in {"Polygon", "MultiPolygon"}
    True
    >>> mask.contains(Point(121.3965, 31.2519))  # 真如寺 is dry land
    False
    """
    return _no_build_mask()
