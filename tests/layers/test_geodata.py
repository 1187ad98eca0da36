"""Tests for layers.geodata: the OSM loaders, the approximate office and the no-build mask."""

from __future__ import annotations

import os

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

from layers import geodata


def _area_km2(gdf: gpd.GeoDataFrame) -> float:
    return float(gdf.to_crs(geodata.METRIC_CRS).area.sum() / 1e6)


def test_boundary_is_zhenru_with_expected_area():
    b = geodata.boundary()
    assert len(b) == 1
    row = b.iloc[0]
    assert row["name"] == "真如镇街道"
    assert row["admin_code"] == "310107022"
    assert row["osm_relation_id"] == 14187866
    assert b.crs.to_epsg() == 4326
    assert 5.9 <= _area_km2(b) <= 6.1
    geod = b.crs.get_geod()
    assert 5.9e6 <= abs(geod.geometry_area_perimeter(row.geometry)[0]) <= 6.1e6


def test_loaders_return_wgs84_and_do_not_depend_on_cwd(tmp_path):
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        loaders = [
            geodata.boundary,
            geodata.neighbours,
            geodata.roads,
            geodata.rail,
            geodata.water,
            geodata.metro_lines,
            geodata.metro_stations,
            geodata.pois,
            geodata.poi_polygons,
            geodata.named_places,
            geodata.district_outline,
            geodata.office,
        ]
        for loader in loaders:
            gdf = loader()
            assert isinstance(gdf, gpd.GeoDataFrame), loader.__name__
            assert gdf.crs.to_epsg() == 4326, loader.__name__
            assert len(gdf) > 0, loader.__name__
            assert gdf.geometry.notna().all(), loader.__name__
    finally:
        os.chdir(old)


def test_loaders_return_copies():
    b = geodata.boundary()
    b.loc[0, "name"] = "changed"
    assert geodata.boundary().loc[0, "name"] == "真如镇街道"


def test_neighbours_exclude_zhenru_and_touch_it():
    n = geodata.neighbours()
    assert "真如镇街道" not in set(n["name"])
    touching = set(n[n.intersects(geodata.boundary_geometry().buffer(1e-5))]["name"])
    assert {"长征镇", "曹杨新村街道", "桃浦镇", "万里街道"} <= touching


def test_layer_contents():
    assert set(geodata.rail()["fclass"]) == {"rail", "subway"}
    assert set(geodata.water()["kind"]) == {"line", "area"}
    w = geodata.water()
    assert w[w["kind"] == "area"].geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert w[w["kind"] == "line"].geom_type.isin(["LineString", "MultiLineString"]).all()
    assert "network" not in set(geodata.metro_lines()["route"])
    stations = geodata.metro_stations().set_index("name")
    assert stations.loc[["真如", "铜川路", "真光路", "上海西"], "in_zhenru"].all()
    assert not stations.loc["祁连山路", "in_zhenru"]
    assert {"中环路", "真北路", "曹杨路", "武宁路"} <= set(geodata.roads()["name"])


def test_named_places_flags_unverified_crs():
    p = geodata.named_places().set_index("name")
    tiandi = [n for n in p.index if n.startswith("天地软件园")]
    assert tiandi and p.loc[tiandi[0], "approximate"]
    assert not p.loc[next(n for n in p.index if n.startswith("真如寺")), "approximate"]
    assert p["lon"].notna().all()


def test_office_is_flagged_approximate_and_inside():
    o = geodata.office()
    assert len(o) == 1
    row = o.iloc[0]
    assert bool(row["approximate"]) is True
    assert "芝川路205号" in row["address"]
    assert "近似" in row["note"]
    assert geodata.boundary_geometry().contains(row.geometry)


def test_no_build_mask_covers_water_and_rail_but_not_land():
    mask = geodata.no_build_mask()
    assert mask.geom_type in {"Polygon", "MultiPolygon"}
    assert mask.is_valid
    # the middle of a surface rail line (京沪线 north edge) is blocked
    rail = geodata.rail()
    surface = rail[(rail["fclass"] == "rail") & ~rail["tunnel"]]
    mid = surface.geometry.iloc[0].interpolate(0.5, normalized=True)
    assert mask.contains(mid)
    # a point on a waterway centre line is blocked, a water area interior too
    w = geodata.water()
    line = w[(w["kind"] == "line") & (w["name"] == "真如港")].geometry.iloc[0]
    assert mask.contains(line.interpolate(0.5, normalized=True))
    area = w[w["kind"] == "area"].geometry.iloc[0]
    assert mask.contains(area.representative_point())
    # dry land: 真如寺 and the 真如 metro station area
    assert not mask.contains(Point(121.3965, 31.2519))
    # underground subway does not block the surface
    tunnels = rail[rail["tunnel"]].to_crs(geodata.METRIC_CRS)
    far = shapely.union_all(
        [*surface.to_crs(geodata.METRIC_CRS).buffer(40), *w.to_crs(geodata.METRIC_CRS).buffer(40)]
    )
    probe = [
        g.interpolate(0.5, normalized=True)
        for g in tunnels.geometry
        if not far.contains(g.interpolate(0.5, normalized=True))
    ]
    assert probe, "expected at least one tunnel section away from rail and water"
    probe_ll = gpd.GeoSeries(probe, crs=geodata.METRIC_CRS).to_crs(4326)
    assert not probe_ll.within(mask).any()


def _ring_points(geom, n: int = 400) -> list[Point]:
    rings = [g.exterior for g in shapely.get_parts(geom)]
    return [r.interpolate(i / n, normalized=True) for r in rings for i in range(n)]


@pytest.mark.parametrize(
    ("which", "inside_m", "outside_m"),
    [("rail", 12.0, 20.0), ("waterway", 6.0, 12.0)],
)
def test_no_build_mask_buffer_widths(which, inside_m, outside_m):
    crs = geodata.METRIC_CRS
    mask_m = gpd.GeoSeries([geodata.no_build_mask()], crs=4326).to_crs(crs).iloc[0]
    rail = geodata.rail().to_crs(crs)
    surface = shapely.union_all(rail[~rail["tunnel"]].geometry.values)
    w = geodata.water().to_crs(crs)
    lines = shapely.union_all(w[w["kind"] == "line"].geometry.values)
    areas = shapely.union_all(w[w["kind"] == "area"].geometry.values)
    feature, others = (
        (surface, shapely.union_all([lines, areas]))
        if which == "rail"
        else (lines, shapely.union_all([surface, areas]))
    )
    # stay inside the data box so clipping at its edge does not matter
    core = gpd.GeoSeries([geodata.boundary_geometry()], crs=4326).to_crs(crs).iloc[0]
    near = [p for p in _ring_points(feature.buffer(inside_m)) if core.contains(p)]
    assert near and all(mask_m.contains(p) for p in near)
    far = [
        p
        for p in _ring_points(feature.buffer(outside_m))
        if core.contains(p) and others.distance(p) > 30
    ]
    assert far and not any(mask_m.contains(p) for p in far)


def test_missing_file_gives_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(geodata, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="缺少地理数据文件"):
        geodata._path("zhenru_boundary_osm.geojson")
