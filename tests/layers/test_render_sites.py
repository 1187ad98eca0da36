"""Site layers, popups, legend, click handling and the 大屏 deck, checked on rendered output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from layers.deck import risk_cells, screen_deck
from layers.folium_map import MAIN_LAYER, risk_map, site_layer_specs
from layers.heat import heat_points
from layers.legend import CLUSTER_NOTE, legend_html, legend_items, legend_markdown
from layers.map_events import RETURNED_OBJECTS, handle_map_event
from layers.parks import park_outlines
from layers.popup import site_id_from_tooltip, site_popup, site_tooltip
from layers.sites_layer import (
    LEVEL_GRADE,
    RING_MIN_ARC,
    PointLayer,
    asset_points,
    cluster_ring_js,
    safe_json,
    site_points,
)
from registry.enums import RISK_LEVELS

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["S000001", "S000002", "S000003", "S000004", "S000005", "S000006"],
            "name": [XSS, "甲加油站", "乙市场", "丙工地", "丁锅炉房", "戊叉车库"],
            "address": ["真如路1号</script>", "a", "b", "c", "d", "e"],
            "lon": [121.390, 121.392, 121.394, 121.396, 121.398, 121.400],
            "lat": [31.255, 31.256, 31.257, 31.258, 31.259, 31.260],
            "category": ["厂房仓库", "加油站", "商贸市场", "建筑施工", "特种设备", "特种设备"],
            "subcategory": ["仓库", "", "", "", "锅炉", "叉车"],
            "park": ["铁三角科技园", None, None, None, None, None],
            "committee": ["真一"] * 6,
            "coord_quality": ["approximate", "osm", "osm", "geocoded", "osm", "osm"],
            "level": ["重大", "较大", "一般", "低", "重大", None],
            "colour": ["#E60012", "#FF7F00", "#FFD700", "#1E90FF", "#E60012", None],
            "score": [95.0, 70.0, 40.0, 10.0, 88.0, np.nan],
        }
    )


# --- escaping ---------------------------------------------------------------------------


def test_tooltip_and_popup_escape_user_text() -> None:
    row = _sites().iloc[0].to_dict()
    tip, popup = site_tooltip(row), site_popup(row)
    for text in (tip, popup):
        assert "<img" not in text and "<script" not in text
        assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in text
    assert "&lt;/script&gt;" in popup  # the address too
    assert "位置为近似" in tip and "位置为近似" in popup


def test_rendered_map_contains_no_live_markup_from_site_names() -> None:
    html = risk_map(_sites()).get_root().render()
    assert XSS not in html
    assert "window.__xss=2</script>" not in html
    assert 'onerror="window' not in html
    # The escaped text is there (inside the JSON, with < > & as \\u escapes).
    assert "\\u0026lt;img src=x onerror=\\u0026quot;window.__xss=1" in html


def test_site_rows_carry_escaped_texts_once_and_popups_only_when_asked() -> None:
    sites = _sites()
    rows = site_points(sites)
    fields = rows[0][5]
    assert fields[:3] == ["S000001", site_tooltip(sites.iloc[0].to_dict()).split(" · ")[1], "重大"]
    assert all("<" not in f for row in rows for f in row[5])  # every text escaped
    assert "真如路1号&lt;/script&gt;" in fields
    assert all(len(row[5]) == 3 for row in site_points(sites, popups=False))
    # 5 decimals (about 1 m) are enough to draw a site.
    assert all(len(repr(row[0]).split(".")[1]) <= 5 for row in rows)


def test_safe_json_cannot_close_a_script_element() -> None:
    text = safe_json([XSS, "a & b", "</script>"])
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == [XSS, "a & b", "</script>"]


# --- layers ------------------------------------------------------------------------------


def test_layer_specs_split_hazard_sources_markets_sites_and_sectors() -> None:
    sites = _sites()
    specs = {s.name: set(sites.loc[s.mask, "site_id"]) for s in site_layer_specs(sites)}
    assert specs[MAIN_LAYER] == set(sites["site_id"])
    hazard = next(v for k, v in specs.items() if k.startswith("危险源"))
    assert hazard == {"S000002", "S000005"}  # 加油站 and the boiler, not the forklift
    assert specs["商贸市场"] == {"S000003"}
    assert specs["建筑工地"] == {"S000004"}
    assert specs["行业：厂房仓库"] == {"S000001"}
    assert specs["行业：特种设备"] == {"S000005", "S000006"}  # the whole sector
    park = next(v for k, v in specs.items() if k.startswith("园区企业"))
    assert park == {"S000001"}
    only_main = [s.name for s in site_layer_specs(sites) if s.show]
    assert only_main == [MAIN_LAYER]


def test_map_has_a_toggle_per_layer_and_the_right_marker_counts() -> None:
    m = risk_map(_sites())
    html = m.get_root().render()
    layers = [c for c in m._children.values() if isinstance(c, PointLayer)]
    counts = {layer.layer_name: layer.count for layer in layers}
    assert counts[MAIN_LAYER] == 6
    assert counts["商贸市场"] == 1
    for name in counts:
        assert json.dumps(name)[1:-1] in html or name in html  # listed in the LayerControl
    assert "L.control.layers" in html
    assert json.dumps("园区范围（近似）")[1:-1] in html  # layer-control entry
    assert "铁三角科技园（范围为近似，由 1 家入驻单位位置推算）" in html


def test_dense_layers_are_clustered_small_ones_are_not() -> None:
    rng = np.random.default_rng(1)
    n = 300
    big = pd.DataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "name": [f"单位{i}" for i in range(n)],
            "lon": 121.38 + rng.random(n) * 0.03,
            "lat": 31.248 + rng.random(n) * 0.02,
            "category": ["群租"] * (n - 5) + ["加油站"] * 5,
            "level": "一般",
            "colour": "#FFD700",
        }
    )
    m = risk_map(big)
    layers = {c.layer_name: c for c in m._children.values() if isinstance(c, PointLayer)}
    assert layers[MAIN_LAYER].cluster and layers[MAIN_LAYER].count == n
    assert not next(v for k, v in layers.items() if k.startswith("危险源")).cluster
    assert "L.markerClusterGroup(" in m.get_root().render()


def _mixed_sites(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    levels = [RISK_LEVELS[k % 4] for k in range(n)]
    return pd.DataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "name": [f"单位{i}" for i in range(n)],
            "lon": 121.38 + rng.random(n) * 0.03,
            "lat": 31.248 + rng.random(n) * 0.02,
            "category": "群租",
            "level": [lvl.name for lvl in levels],
            "colour": [lvl.hex for lvl in levels],
        }
    )


def test_clusters_are_drawn_as_rings_of_the_levels_inside() -> None:
    html = risk_map(_mixed_sites()).get_root().render()
    assert html.count("iconCreateFunction: ring.icon") >= 1
    assert html.count(cluster_ring_js()) == 1  # the composition logic, once per map
    clustered = [c for c in risk_map(_mixed_sites())._children.values()
                 if isinstance(c, PointLayer) and c.cluster]
    assert html.count("var ring = window.zrRing;") == len(clustered) - 1
    # no more "colour of the worst member"
    assert "best = kids[k].options.grade" not in html
    ring = cluster_ring_js()
    colours = json.loads(re.search(r"colours: (\[.*?\])", ring).group(1))
    assert colours == [lvl.hex for lvl in RISK_LEVELS]  # the one colour table, in grade order
    assert LEVEL_GRADE == {lvl.name: lvl.grade for lvl in RISK_LEVELS}
    assert "ring.counts(kids[k], c)" in ring and "getAllChildMarkers" not in ring
    legend = json.loads(re.search(r'div.innerHTML = (".*?");', html).group(1))
    assert CLUSTER_NOTE == "聚合圈：按等级构成着色，中间为单位数" and CLUSTER_NOTE in legend
    assert "最高风险等级" not in legend
    assert "conic-gradient(#E60012 0% 25%, #FF7F00 25% 50%" in legend_html(legend_items(_sites()))


_NODE = shutil.which("node")

_RING_HARNESS = """
var window = {}, L = {divIcon: function (o) { return o; }, point: function (x, y) { return [x, y]; }};
%s
function leaf(g, colour) { return {options: {grade: g, fillColor: colour}}; }
function cluster(grades, kids) {
    var c = {_markers: grades.map(function (g) { return leaf(g, g > 4 ? "#00897B" : "#000"); }),
             _childClusters: kids || []};
    c.getChildCount = function () { return ring.counts(c, [0, 0, 0, 0, 0]).reduce(
        function (a, b) { return a + b; }, 0); };
    return c;
}
var out = {};
var fill = function (g, n) { return Array(n).fill(g); };
// 40 units: 1 重大 and 39 低, spread over a child cluster
out.mixed = ring.icon(cluster([1].concat(fill(4, 20)), [cluster(fill(4, 19))]));
out.allRed = ring.icon(cluster(fill(1, 40)));
out.assets = ring.icon(cluster(fill(5, 12)));
out.arcs = ring.arcs([1, 0, 0, 199, 0], 100);
console.log(JSON.stringify(out));
"""


def _segments(icon: dict) -> list[dict]:
    return [
        {"level": m.group(1), "count": int(m.group(2)), "colour": m.group(3),
         "length": float(m.group(4))}
        for m in re.finditer(
            r'class="zr-seg" data-level="([^"]*)" data-count="(\d+)".*?stroke="(#[0-9A-Fa-f]+)"'
            r'.*?stroke-dasharray="([\d.]+) ',
            icon["html"],
        )
    ]


@pytest.mark.skipif(_NODE is None, reason="node 未安装：无法在浏览器外运行聚合圈脚本")
def test_cluster_ring_shows_the_composition_and_the_count() -> None:
    """The ring script itself, run by node on clusters shaped like leaflet.markercluster's."""
    done = subprocess.run(
        [_NODE, "-e", _RING_HARNESS % cluster_ring_js()], capture_output=True, text=True,
        timeout=60, check=True,
    )
    out = json.loads(done.stdout)
    red, blue = RISK_LEVELS[0].hex, RISK_LEVELS[3].hex
    mixed = _segments(out["mixed"])
    assert [(s["level"], s["count"], s["colour"]) for s in mixed] == [
        ("重大", 1, red), ("低", 39, blue),
    ]
    assert mixed[0]["length"] >= RING_MIN_ARC - 1  # one 重大 among 40 stays visible
    assert mixed[1]["length"] > 20 * mixed[0]["length"]
    assert ">40</span>" in out["mixed"]["html"]
    assert 'title="重大 1 · 低 39（共 40 处）"' in out["mixed"]["html"]
    # a cluster of 40 重大 is one full red ring, not the same picture as the mixed one
    all_red = _segments(out["allRed"])
    assert [(s["level"], s["count"], s["colour"]) for s in all_red] == [("重大", 40, red)]
    assert ">40</span>" in out["allRed"]["html"]
    # assets have no level: their ring keeps the members' own colour
    assert [s["colour"] for s in _segments(out["assets"])] == ["#00897B"]
    assert 'title="（共 12 处）"' in out["assets"]["html"]
    arcs = out["arcs"]
    assert arcs[0] == RING_MIN_ARC and sum(arcs) == pytest.approx(100)


def test_asset_rows_have_no_level_grade() -> None:
    assets = pd.DataFrame({"asset_id": ["A1"], "kind": ["微型消防站"], "name": ["站"],
                           "lon": [121.4], "lat": [31.25]})
    assert asset_points(assets)[0][3] == 5  # counted as "other" by the ring, in its own colour


def test_approximate_points_are_flagged_for_a_dashed_outline() -> None:
    pts = site_points(_sites())
    approx = {p[5][0]: p[4] for p in pts}
    assert approx["S000001"] == 1 and approx["S000002"] == 0
    html = risk_map(_sites()).get_root().render()
    assert 'dashArray: r[4] ? "3 3" : null' in html


def test_sites_without_position_are_skipped_and_unscored_are_grey() -> None:
    sites = _sites()
    sites.loc[1, "lon"] = np.nan
    pts = site_points(sites)
    ids = [p[5][0] for p in pts]
    assert "S000002" not in ids and len(pts) == 5
    assert next(p for p in pts if p[5][0] == "S000006")[2] == "#9E9E9E"


def test_gcj02_basemap_shifts_every_drawn_coordinate() -> None:
    sites = _sites()
    wgs = site_points(sites)
    m = risk_map(sites, basemap="amap")
    main = next(
        c for c in m._children.values() if isinstance(c, PointLayer) and c.layer_name == MAIN_LAYER
    )
    lat_shift = main.points[0][0] - wgs[0][0]
    lon_shift = main.points[0][1] - wgs[0][1]
    assert 0.003 < lon_shift < 0.006 and -0.003 < lat_shift < -0.001  # GCJ-02 offset near 真如
    html = m.get_root().render()
    assert "autonavi.com" in html


# --- legend, heat, parks -------------------------------------------------------------------


def test_legend_counts_levels_and_attribution_is_on_the_map() -> None:
    items = legend_items(_sites())
    assert [(i.label, i.count) for i in items] == [
        ("重大", 2), ("较大", 1), ("一般", 1), ("低", 1), ("未评分", 1),
    ]
    assert "重大 2" in legend_markdown(items)
    html = risk_map(_sites()).get_root().render()
    assert "addAttribution" in html and "© OpenStreetMap contributors" in html
    assert "风险等级（共 6 处）" in json.loads(re.search(r'div.innerHTML = (".*?");', html).group(1))


def test_heat_weights_follow_the_score() -> None:
    pts = heat_points(_sites())
    assert len(pts) == 6
    assert pts[0][2] == pytest.approx(0.95) and pts[3][2] == pytest.approx(0.1)
    assert pts[5][2] == pytest.approx(0.5)  # unscored → neutral weight
    m = risk_map(_sites(), heat=True)
    html = m.get_root().render()
    # The heat layer draws from the shared 风险点 rows (weight last), not from its own copy.
    assert 'L.heatLayer(\n    (window["zr_site_rows"] || [])' in html
    main = next(
        c for c in m._children.values() if isinstance(c, PointLayer) and c.layer_name == MAIN_LAYER
    )
    assert [row[-1] for row in main.points] == [p[2] for p in pts]


def test_park_outline_covers_its_tenants() -> None:
    rng = np.random.default_rng(3)
    tenants = pd.DataFrame(
        {"park": "天地软件园", "lon": 121.405 + rng.random(8) * 0.003,
         "lat": 31.262 + rng.random(8) * 0.002}
    )
    out = park_outlines(tenants)
    assert out.loc[0, "n_tenants"] == 8 and bool(out.loc[0, "approximate"])
    import geopandas as gpd

    pts = gpd.points_from_xy(tenants["lon"], tenants["lat"])
    assert all(out.geometry.iloc[0].contains(p) for p in pts)


# --- click → site id ----------------------------------------------------------------------


def test_handle_map_event_with_st_folium_shaped_values() -> None:
    known = {"S000001", "S000002"}
    initial = {"last_object_clicked_tooltip": None}
    assert handle_map_event(initial, known) is None
    assert handle_map_event(None, known) is None
    clicked = {"last_object_clicked_tooltip": "S000002 · 甲加油站 · 较大"}
    assert handle_map_event(clicked, known) == "S000002"
    # streamlit-folium returns the tooltip's *text*: an escaped name comes back literally.
    xss = {"last_object_clicked_tooltip": f"S000001 · {XSS} · 重大 · 位置为近似"}
    assert handle_map_event(xss, known) == "S000001"
    for text in ("真一", "地铁站：真如", "微型消防站 · 真一微型消防站", "S999999 · 别处 · 低"):
        assert handle_map_event({"last_object_clicked_tooltip": text}, known) is None
    assert RETURNED_OBJECTS == ("last_object_clicked_tooltip", "last_object_clicked_count")


def test_tooltip_round_trip() -> None:
    for row in _sites().to_dict("records"):
        import html as html_mod

        text = html_mod.unescape(re.sub("<[^>]+>", "", site_tooltip(row)))
        assert site_id_from_tooltip(text) == row["site_id"]


# --- 大屏 deck -----------------------------------------------------------------------------


def test_risk_cells_only_aggregate() -> None:
    sites = _sites().assign(responsible_person="张三", tenants="李四")
    cells = risk_cells(sites)
    assert cells["n"].sum() == 6
    assert int(cells["n_major"].sum()) == 2
    allowed = {"lon", "lat", "n", "n_major", "n_high", "n_medium", "n_low", "score_sum",
               "worst", "colour", "elevation"}
    assert set(cells.columns) == allowed


def test_screen_deck_has_no_basemap_and_no_personal_data() -> None:
    sites = _sites().assign(responsible_person="张三")
    deck = screen_deck(risk_cells(sites))
    spec = json.loads(deck.to_json())
    assert [layer["@@type"] for layer in spec["layers"]] == [
        "GeoJsonLayer", "GeoJsonLayer", "PathLayer", "GeoJsonLayer", "ColumnLayer",
    ]
    # No basemap: Streamlit only skips its CARTO default for pydeck's "__MAP_STYLE__" sentinel.
    assert spec.get("mapProvider") is None and spec.get("mapStyle") == "__MAP_STYLE__"
    text = deck.to_json()
    for private in ("张三", "甲加油站", "window.__xss", "S000001"):
        assert private not in text
    column = spec["layers"][-1]
    assert column["extruded"] is True and len(column["data"]) >= 1


def test_sector_layers_reuse_the_main_rows_instead_of_copying_them() -> None:
    html = risk_map(_sites()).get_root().render()
    # Each site's texts are embedded once, although it is in 2-3 layers.
    assert html.count('"S000002","甲加油站"') == 1
    assert 'window["zr_site_rows"] = rows' in html
    assert html.count('(window["zr_site_rows"])') == len(site_layer_specs(_sites())) - 1


def test_risk_map_fits_the_subdistrict_at_a_fine_zoom_step_and_on_resize():
    """A phone-wide map must not be left a whole zoom level too wide: the boundary fit uses
    the quarter-step, re-fit-on-resize element, and no one-off ``fitBounds``."""
    import folium

    from layers import geodata
    from layers.fit_on_resize import FitOnResize

    m = risk_map(_sites())
    fits = [c for c in m._children.values() if isinstance(c, FitOnResize)]
    assert len(fits) == 1
    assert not [c for c in m._children.values() if isinstance(c, folium.FitBounds)]
    minx, miny, maxx, maxy = geodata.boundary().total_bounds
    (sw, ne) = fits[0].bounds
    assert sw == pytest.approx([miny, minx]) and ne == pytest.approx([maxy, maxx])
    # on the GCJ-02 basemap the fitted box is shifted like the drawn layers (about 480 m)
    (sw_gcj, _) = next(c for c in risk_map(_sites(), basemap="amap")._children.values()
                   if isinstance(c, FitOnResize)).bounds
    assert 0.002 < abs(sw_gcj[1] - sw[1]) < 0.01
