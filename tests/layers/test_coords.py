"""Tests for layers.coords: WGS-84 / GCJ-02 / BD-09 conversion and phone links."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np
import pytest

from layers import coords


def _metres(lon1, lat1, lon2, lat2):
    kx = 111_320.0 * np.cos(np.radians(lat1))
    return np.hypot((lon2 - lon1) * kx, (lat2 - lat1) * 110_574.0)


@pytest.fixture(scope="module")
def zhenru_points():
    rng = np.random.default_rng(2024)
    return rng.uniform(121.37, 121.44, 2000), rng.uniform(31.23, 31.28, 2000)


def test_reference_offset_at_zhenru():
    # docs/DOMAIN.md §5.4: at (121.405, 31.255) Δlng = +0.004653°, Δlat = −0.001824°
    lon, lat = coords.wgs84_to_gcj02(121.405, 31.255)
    assert isinstance(lon, float) and isinstance(lat, float)
    assert lon - 121.405 == pytest.approx(0.004653, abs=5e-7)
    assert lat - 31.255 == pytest.approx(-0.001824, abs=5e-7)


def test_offset_magnitude_over_zhenru(zhenru_points):
    lon, lat = zhenru_points
    gx, gy = coords.wgs84_to_gcj02(lon, lat)
    d = _metres(lon, lat, gx, gy)
    assert d.min() > 480 and d.max() < 490  # ≈485–487 m per docs/DOMAIN.md


def test_round_trip_below_half_metre(zhenru_points):
    lon, lat = zhenru_points
    gx, gy = coords.wgs84_to_gcj02(lon, lat)
    wx, wy = coords.gcj02_to_wgs84(gx, gy)
    assert _metres(lon, lat, wx, wy).max() < 0.5
    # the iterative inverse is much better than the naive one (≈1.4 m max)
    nx, ny = coords.wgs84_to_gcj02(gx, gy)
    naive = _metres(lon, lat, 2 * gx - nx, 2 * gy - ny)
    assert naive.max() > 0.5
    assert _metres(lon, lat, wx, wy).max() < naive.max() / 100


def test_bd09_round_trips(zhenru_points):
    lon, lat = zhenru_points
    bx, by = coords.wgs84_to_bd09(lon, lat)
    # BD-09 is ~ +0.011° lon / +0.004° lat from WGS-84 here
    assert np.all((bx - lon > 0.010) & (bx - lon < 0.012))
    wx, wy = coords.bd09_to_wgs84(bx, by)
    assert _metres(lon, lat, wx, wy).max() < 0.5
    gx, gy = coords.gcj02_to_bd09(121.4, 31.25)
    back = coords.bd09_to_gcj02(gx, gy)
    assert back == pytest.approx((121.4, 31.25), abs=1e-5)


def test_outside_china_passthrough():
    for lon, lat in [(2.3522, 48.8566), (-74.006, 40.7128), (139.69, 35.69)]:
        assert coords.out_of_china(lon, lat)
        assert coords.wgs84_to_gcj02(lon, lat) == (lon, lat)
        assert coords.gcj02_to_wgs84(lon, lat) == (lon, lat)
    lon = np.array([2.3522, 121.4])
    lat = np.array([48.8566, 31.25])
    gx, gy = coords.wgs84_to_gcj02(lon, lat)
    assert gx[0] == lon[0] and gy[0] == lat[0]
    assert gx[1] != lon[1]


def test_scalar_and_array_shapes():
    gx, gy = coords.wgs84_to_gcj02([121.4, 121.41], [31.25, 31.26])
    assert isinstance(gx, np.ndarray) and gx.shape == (2,)
    grid_x, grid_y = np.meshgrid([121.38, 121.39], [31.25, 31.26, 31.27])
    out = coords.gcj02_to_wgs84(grid_x, grid_y)
    assert out[0].shape == (3, 2)
    single = coords.wgs84_to_gcj02(121.4, 31.25)
    assert (gx[0], gy[0]) == pytest.approx(single)
    with pytest.raises(ValueError, match="经纬度形状不一致"):
        coords.wgs84_to_gcj02([1.0, 2.0], [3.0])
    nan = coords.gcj02_to_wgs84(np.array([np.nan, 121.4]), np.array([31.25, 31.25]))
    assert math.isnan(nan[0][0]) and np.isfinite(nan[0][1])


def test_amap_nav_url_uses_gcj02_and_encodes_name():
    url = coords.amap_nav_url(121.405, 31.255, "真如寺 & A/B")
    parts = urlparse(url)
    assert parts.scheme == "https" and parts.netloc == "uri.amap.com"
    assert parts.path == "/marker"
    assert "&A/B" not in url  # name is percent-encoded
    q = parse_qs(parts.query)
    lon, lat = map(float, q["position"][0].split(","))
    glon, glat = coords.wgs84_to_gcj02(121.405, 31.255)
    assert (lon, lat) == pytest.approx((glon, glat), abs=1e-6)
    assert q["coordinate"] == ["gaode"]
    assert q["callnative"] == ["1"]
    assert q["name"] == ["真如寺 & A/B"]


def test_geo_url_is_wgs84():
    url = coords.geo_url(121.3965, 31.2519, "真如寺")
    assert url.startswith("geo:31.251900,121.396500")
    assert unquote(url).endswith("(真如寺)")
    assert coords.geo_url(121.3965, 31.2519) == "geo:31.251900,121.396500"


@pytest.mark.parametrize("bad", [(float("nan"), 31.2), (121.4, 95.0), ("abc", 31.2), (None, 1)])
def test_links_reject_bad_coordinates(bad):
    with pytest.raises(ValueError, match="坐标"):
        coords.amap_nav_url(*bad, "x")
    with pytest.raises(ValueError, match="坐标"):
        coords.geo_url(*bad)
