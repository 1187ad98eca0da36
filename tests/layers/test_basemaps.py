"""Tests for layers.basemaps: the tile-provider registry."""

from __future__ import annotations

import numpy as np
import pytest

from layers import basemaps, coords


@pytest.fixture(autouse=True)
def _no_token_env(monkeypatch):
    monkeypatch.delenv("TIANDITU_TK", raising=False)


def test_registry_lists_providers_with_offline_default():
    names = basemaps.list_providers()
    assert names[0] == basemaps.DEFAULT_PROVIDER == "offline"
    assert {"offline", "osm", "tianditu_vec", "tianditu_cva", "amap"} <= set(names)
    for name in names:
        p = basemaps.get(name)
        assert p.coord_system in {"wgs84", "gcj02"}
        assert p.name_zh and p.attribution and p.max_zoom >= 18
        assert isinstance(p.online, bool)
    assert basemaps.get() is basemaps.get("offline")
    assert basemaps.get(basemaps.get("osm")) is basemaps.get("osm")


def test_offline_has_no_tiles():
    p = basemaps.get("offline")
    assert p.url is None and not p.online and not p.requires_token()
    with pytest.raises(ValueError, match="不使用在线瓦片"):
        p.build_url()


def test_osm_url_and_attribution():
    p = basemaps.get("osm")
    assert p.build_url() == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert p.build_url(x=1, y=2, z=3) == "https://tile.openstreetmap.org/3/1/2.png"
    assert "OpenStreetMap" in p.attribution


@pytest.mark.parametrize("name", ["tianditu_vec", "tianditu_cva"])
def test_tianditu_requires_token(name, monkeypatch):
    p = basemaps.get(name)
    assert p.requires_token()
    assert p.attribution == "国家地理信息公共服务平台 天地图"
    assert p.coord_system == "wgs84" and not p.needs_gcj02()
    with pytest.raises(ValueError, match="需要密钥") as err:
        p.build_url(x=1, y=2, z=3)
    assert "requires a token" in str(err.value)
    # keyword token
    url = p.build_url(x=1, y=2, z=3, tk="KEY1")
    assert url.startswith("https://t0.tianditu.gov.cn/") and url.endswith("tk=KEY1")
    assert "TILEMATRIX=3&TILEROW=2&TILECOL=1" in url
    # copy with token; the registry entry is unchanged
    keyed = p(tk="KEY2")
    assert not keyed.requires_token() and p.requires_token()
    assert keyed.build_url(fill_subdomain=False).startswith("https://t{s}.tianditu.gov.cn/")
    # environment variable fallback
    monkeypatch.setenv("TIANDITU_TK", "ENVKEY")
    assert not p.requires_token()
    assert p.build_url(1, 2, 3).endswith("tk=ENVKEY")


def test_unknown_names_and_parameters():
    with pytest.raises(ValueError, match="未知底图"):
        basemaps.get("google")
    with pytest.raises(ValueError, match="没有参数"):
        basemaps.get("osm")(apikey="x")
    with pytest.raises(ValueError, match="没有参数"):
        basemaps.get("osm").build_url(apikey="x")


def test_amap_is_gcj02_and_conversion_only_for_it():
    amap = basemaps.get("amap")
    assert amap.needs_gcj02() and not amap.requires_token()
    assert amap.build_url(1, 2, 3) == (
        "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x=1&y=2&z=3"
    )
    lon, lat = 121.405, 31.255
    assert basemaps.to_display_coords(lon, lat, "amap") == coords.wgs84_to_gcj02(lon, lat)
    for name in ["offline", "osm", "tianditu_vec", "tianditu_cva"]:
        assert basemaps.to_display_coords(lon, lat, name) == (lon, lat)
    xs = np.array([121.38, 121.40])
    ys = np.array([31.25, 31.26])
    gx, gy = basemaps.to_display_coords(xs, ys, "amap")
    assert np.all(gx > xs) and np.all(gy < ys)
    ox, oy = basemaps.to_display_coords(xs, ys, "osm")
    assert np.array_equal(ox, xs) and np.array_equal(oy, ys)


def test_invalid_coord_system_rejected():
    with pytest.raises(ValueError, match="坐标系无效"):
        basemaps.TileProvider(
            name="x", name_zh="x", url=None, attribution="x", coord_system="bd09",
            max_zoom=18, online=False,
        )
