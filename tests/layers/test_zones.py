"""Tests for layers.zones: 36 approximate 居委 zones tiling the boundary, and assignment."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers import geodata, zones

CRS_M = geodata.METRIC_CRS


@pytest.fixture(scope="module")
def z() -> gpd.GeoDataFrame:
    return zones.committee_zones()


def _area_m2(geom) -> float:
    return float(gpd.GeoSeries([geom], crs=4326).to_crs(CRS_M).area.iloc[0])


def test_36_zones_with_unique_names_and_columns(z):
    assert len(z) == zones.N_COMMITTEES == 36
    assert z["short_name"].is_unique
    assert z["name"].is_unique
    assert {"code", "name", "short_name", "approximate", "basis", "geometry"} <= set(z.columns)
    assert z["approximate"].all()
    assert z["basis"].str.len().gt(20).all()
    assert z.crs.to_epsg() == 4326
    assert z.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert (z["area_km2"] > 0.01).all()


def test_zone_names_match_the_committee_list(z):
    committees = pd.read_csv(geodata.DATA_DIR / "zhenru_committees.csv", dtype=str)
    active = committees[~committees["short_name"].str.contains("撤销")]
    assert set(active["short_name"]) <= set(z["short_name"])
    assert "杨家桥" not in "".join(z["short_name"])
    coded = active.dropna(subset=["code"]).set_index("short_name")["code"]
    by_short = z.set_index("short_name")
    assert (by_short.loc[coded.index, "code"] == coded).all()
    placeholders = z[z["placeholder"]]
    assert len(placeholders) == 36 - len(active)
    assert placeholders["short_name"].str.startswith("待核实片区").all()
    assert not placeholders["name_verified"].any()


def test_zones_tile_the_boundary_exactly(z):
    boundary = geodata.boundary_geometry()
    union = shapely.union_all(z.geometry.values)
    assert _area_m2(union.symmetric_difference(boundary)) < 1.0
    # no overlaps: compare planar lon/lat areas (reprojecting each zone separately bends
    # shared edges differently and would add projection noise of about 1 m²)
    m2_per_deg2 = 111_320.0 * np.cos(np.radians(31.257)) * 110_574.0
    overlap_deg2 = float(shapely.area(z.geometry.values).sum()) - union.area
    assert abs(overlap_deg2) * m2_per_deg2 < 1.0
    # pairwise: neighbours share edges only
    geoms = list(z.geometry)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            assert _area_m2(geoms[i].intersection(geoms[j])) < 0.01


def test_every_anchor_inside_its_own_zone(z):
    a = zones.anchors()
    assert len(a) == 36
    merged = a.merge(z[["short_name", "geometry"]], on="short_name", suffixes=("", "_zone"))
    assert len(merged) == 36
    for row in merged.itertuples():
        assert row.geometry_zone.contains(row.geometry), row.short_name


def test_zones_do_not_cross_the_zhongshan_ring_corridor(z):
    blocks = zones._blocks(geodata.boundary_geometry())
    a = zones.anchors()
    occupied = [b for b in blocks if a.within(b).any()]
    assert len(occupied) >= 2  # west (真光) and east (old town) of 中环路
    for row, anchor in zip(z.itertuples(), a.geometry, strict=True):
        for block in occupied:
            if not block.contains(anchor):
                assert _area_m2(row.geometry.intersection(block)) < 1.0, row.short_name


def test_osm_estates_lie_inside_their_zones(z):
    by_short = z.set_index("short_name")
    estates = zones._estate_outlines()
    assert len(estates) == 14
    for short, poly in estates.items():
        inside = _area_m2(poly.intersection(by_short.loc[short, "geometry"]))
        assert inside / _area_m2(poly) > 0.99, short


def test_assign_committee_inside_points_match_containing_zone(z):
    rng = np.random.default_rng(42)
    pts = z.sample_points(size=20, rng=rng).explode(index_parts=False)
    gdf = gpd.GeoDataFrame({"expected": z.loc[pts.index, "short_name"].values},
                           geometry=pts.values, crs=4326)
    got = zones.assign_committee(gdf)
    assert (got.values == gdf["expected"].values).all()
    assert got.name == "committee"
    assert got.index.equals(gdf.index)


def test_assign_committee_outside_points_get_nearest_zone(z):
    rng = np.random.default_rng(7)
    lon = rng.uniform(121.36, 121.42, 400)
    lat = rng.uniform(31.24, 31.28, 400)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    outside = ~pts.within(geodata.boundary_geometry())
    assert outside.sum() > 100
    got = zones.assign_committee_xy(lon[outside], lat[outside])
    dist = np.stack(
        [z.to_crs(CRS_M).distance(p).to_numpy() for p in pts[outside].to_crs(CRS_M)]
    )
    best = np.sort(dist, axis=1)
    expected = z["short_name"].to_numpy()[dist.argmin(axis=1)]
    # a different answer is only allowed for near-ties (within the 2 m boundary sampling)
    wrong = got != expected
    assert (best[wrong, 1] - best[wrong, 0] < 2.0).all()
    assert wrong.mean() < 0.2


def test_assign_committee_accepts_lonlat_frames_other_crs_and_missing(z):
    temple = (121.3965, 31.2519)
    df = pd.DataFrame({"lon": [temple[0], np.nan], "lat": [temple[1], 31.25]}, index=[10, 11])
    got = zones.assign_committee(df)
    assert got.loc[10] == zones.assign_committee_xy([temple[0]], [temple[1]])[0]
    assert got.loc[10] in set(z["short_name"])
    assert pd.isna(got.loc[11])
    gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy([temple[0]], [temple[1]]), crs=4326)
    assert zones.assign_committee(gdf.to_crs(CRS_M)).iloc[0] == got.loc[10]
    poly = gpd.GeoDataFrame(geometry=[z.geometry.iloc[3]], crs=4326)
    assert zones.assign_committee(poly).iloc[0] == z["short_name"].iloc[3]
    no_geometry = gpd.GeoDataFrame(pd.DataFrame({"lon": [temple[0]], "lat": [temple[1]]}))
    assert zones.assign_committee(no_geometry).iloc[0] == got.loc[10]
    with pytest.raises(ValueError, match="lon/lat"):
        zones.assign_committee(pd.DataFrame({"x": [1.0]}))


def test_point_on_shared_edge_gets_one_of_the_touching_zones(z):
    geoms = list(z.geometry)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="touches")
    i, j = next((a, b) for a, b in zip(left, right, strict=True) if a < b)
    edge = geoms[i].intersection(geoms[j])
    p = shapely.get_parts(edge)[0].interpolate(0.5, normalized=True)
    got = zones.assign_committee_xy([p.x], [p.y])[0]
    assert got == z["short_name"].iloc[min(i, j)]


def test_anchor_outside_boundary_is_rejected(monkeypatch, tmp_path):
    bad = pd.read_csv(zones.ANCHORS_FILE, dtype=str, keep_default_na=False)
    bad.loc[0, ["lon", "lat"]] = ["121.30", "31.20"]
    path = tmp_path / "anchors.csv"
    bad.to_csv(path, index=False)
    monkeypatch.setattr(zones, "ANCHORS_FILE", path)
    zones._anchors.cache_clear()
    zones._zones.cache_clear()
    try:
        with pytest.raises(ValueError, match="锚点在街道边界外"):
            zones._zones()
    finally:
        monkeypatch.undo()
        zones._anchors.cache_clear()
        zones._zones.cache_clear()
        zones._index.cache_clear()
