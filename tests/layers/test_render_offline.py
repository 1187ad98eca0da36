"""The 风险地图 renders without any CDN: every script/stylesheet the browser loads is vendored."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import folium.plugins
import pandas as pd
import pytest

from layers.folium_map import risk_map
from layers.offline import (
    LOCAL_ASSETS,
    STATIC_URL_PREFIX,
    VENDOR_DIR,
    OfflineAssetError,
    local_url,
    make_offline,
    remote_urls,
)

ROOT = Path(__file__).resolve().parents[2]


def _sites(n: int = 120) -> pd.DataFrame:
    cats = ["厂房仓库", "群租", "加油站", "危化品", "商贸市场", "建筑施工", "特种设备"]
    subs = {"特种设备": "锅炉"}
    rows = []
    for i in range(n):
        cat = cats[i % len(cats)]
        rows.append(
            {
                "site_id": f"S{i:06d}",
                "name": f"单位{i}",
                "address": f"真如路{i}号",
                "lon": 121.380 + (i % 12) * 0.0022,
                "lat": 31.250 + (i // 12) * 0.0018,
                "category": cat,
                "subcategory": subs.get(cat, ""),
                "park": "天地软件园" if i % 10 == 0 else None,
                "committee": "真一",
                "coord_quality": "approximate" if i % 5 == 0 else "osm",
                "level": ["重大", "较大", "一般", "低"][i % 4],
                "colour": ["#E60012", "#FF7F00", "#FFD700", "#1E90FF"][i % 4],
                "score": float(100 - i % 100),
            }
        )
    return pd.DataFrame(rows)


def _assets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "asset_id": ["A1", "A2"],
            "kind": ["微型消防站", "充电端口"],
            "name": ["真一微型消防站", "真二充电点"],
            "lon": [121.39, 121.395],
            "lat": [31.255, 31.258],
            "committee": ["真一", "真二"],
            "capacity": [6, 20],
            "approximate": [False, True],
        }
    )


def _st_folium_links(m: folium.Map) -> tuple[list[str], list[str]]:
    """The JS/CSS URLs streamlit-folium would load in its iframe (same walk as st_folium)."""
    js: list[str] = []
    css: list[str] = []

    def walk(el):
        js.extend(src for _, src in getattr(el, "default_js", []))
        css.extend(href for _, href in getattr(el, "default_css", []))
        for child in el._children.values():
            walk(child)

    walk(m)
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))


@pytest.fixture(scope="module")
def offline_html() -> str:
    return risk_map(_sites(), _assets(), heat=False).get_root().render()


def test_default_map_loads_nothing_from_the_internet(offline_html: str) -> None:
    assert remote_urls(offline_html) == []
    # No tile layer at all and no CDN host mentioned anywhere in the page.
    assert "L.tileLayer" not in offline_html
    for host in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg", "openstreetmap.org/"):
        assert host not in offline_html


def test_streamlit_folium_would_load_only_vendored_files() -> None:
    m = risk_map(_sites(), _assets(), heat=True)
    js, css = _st_folium_links(m)
    assert local_url("leaflet") in js
    assert local_url("markerclusterjs") in js
    assert local_url("leaflet-heat.js") in js
    assert local_url("leaflet_css") in css
    for url in js + css:
        assert url.startswith(STATIC_URL_PREFIX + "/"), url
        assert (VENDOR_DIR / url.removeprefix(STATIC_URL_PREFIX + "/")).is_file(), url
    # Icon-marker and Bootstrap assets are not needed (CircleMarkers only) and are dropped.
    assert not any(re.search(r"jquery|bootstrap|awesome|fontawesome", u) for u in js + css)


def test_vendored_files_and_licences_are_committed() -> None:
    for rel in LOCAL_ASSETS.values():
        path = VENDOR_DIR / rel
        assert path.is_file() and path.stat().st_size > 500, rel
        assert (path.parent / "LICENSE").is_file(), f"licence missing next to {rel}"
    assert (VENDOR_DIR / "leaflet" / "images" / "layers.png").is_file()  # layer-control icon
    assert "Leaflet 1.9.4" in (VENDOR_DIR / "leaflet" / "leaflet.js").read_text()[:200]
    manifest = (VENDOR_DIR / "MANIFEST.txt").read_text()
    assert "leaflet-1.9.4.tgz sha512-" in manifest


def test_streamlit_serves_static_folder() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert re.search(r"enableStaticServing\s*=\s*true", config)
    assert VENDOR_DIR == ROOT / "static" / "vendor"


def test_unknown_remote_asset_is_refused() -> None:
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)  # needs a CDN script we do not vendor
    with pytest.raises(OfflineAssetError, match="外网资源"):
        make_offline(m)


def test_make_offline_does_not_change_other_maps() -> None:
    make_offline(folium.Map(tiles=None))
    fresh = folium.Map(tiles=None)
    assert any("cdn.jsdelivr.net" in src for _, src in fresh.default_js)


def test_web_basemap_only_adds_tiles() -> None:
    html = risk_map(_sites(20), basemap="osm").get_root().render()
    assert remote_urls(html) == []  # tiles are requested by Leaflet, not by <script>/<link>
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "© OpenStreetMap contributors" in html


def test_tianditu_without_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANDITU_TK", raising=False)
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(ValueError, match="密钥"):
        risk_map(_sites(5), basemap="tianditu_vec")


def test_remote_urls_detects_cdn_links() -> None:
    page = (
        '<script src="https://cdn.example.com/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.com/a.css"/>'
        '<script src="/app/static/vendor/leaflet/leaflet.js"></script>'
        '<img src="http://localhost:8501/a.png">'
    )
    assert remote_urls(page) == ["https://cdn.example.com/x.js", "//fonts.example.com/a.css"]
