"""layers.fit_on_resize: fit a map to bounds at a fine zoom step, again when the map resizes."""

from __future__ import annotations

import json
import shutil
import subprocess
from types import SimpleNamespace as NS

import folium
import pandas as pd
import pytest

from layers.fit_on_resize import DEFAULT_ZOOM_SNAP, FitOnResize, fit_on_resize, latlon_bounds

POINTS = [(31.25, 121.40), (31.24, 121.41), (31.26, 121.39)]


def _children(m: folium.Map, kind: type) -> list:
    return [c for c in m._children.values() if isinstance(c, kind)]


def test_latlon_bounds_are_the_south_west_and_north_east_corners():
    assert latlon_bounds(POINTS) == [[31.24, 121.39], [31.26, 121.41]]
    assert latlon_bounds([(31.25, 121.4)]) == [[31.25, 121.4], [31.25, 121.4]]
    with pytest.raises(ValueError, match="坐标点"):
        latlon_bounds([])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="两个角点"):
        FitOnResize([(31.2, 121.3)])
    with pytest.raises(ValueError, match="zoom_snap"):
        FitOnResize([(31.2, 121.3), (31.3, 121.4)], zoom_snap=0)


def test_no_points_adds_nothing():
    m = folium.Map(tiles=None)
    assert fit_on_resize(m, []) is None
    assert _children(m, FitOnResize) == []
    assert "fitBounds" not in m.get_root().render()


def test_script_runs_after_the_map_and_uses_only_leaflet():
    m = folium.Map(tiles=None)
    element = fit_on_resize(m, POINTS, padding=(20, 30), max_zoom=17)
    assert element is not None and element.bounds == [[31.24, 121.39], [31.26, 121.41]]
    html = m.get_root().render()
    name = m.get_name()
    assert html.index(f"var {name} = L.map(") < html.index(f"}})({name});")
    assert "L.latLngBounds([[31.24,121.39],[31.26,121.41]])" in html
    assert "L.point([20,30])" in html
    assert f"map.options.zoomSnap = {DEFAULT_ZOOM_SNAP}" in html
    assert "ResizeObserver" in html and "invalidateSize" in html
    assert "http" not in element._template.module.script(element)  # no asset, no CDN


def test_streamlit_folium_runs_the_script_on_its_map_variable():
    """streamlit-folium keeps the map children's ``script`` macros (not the page header) and
    renames the map variable ``map_div``: the fit must be in that script, applied to it."""
    from streamlit_folium import _get_map_string

    m = folium.Map(tiles=None)
    fit_on_resize(m, POINTS)
    m.get_root().render()
    script = _get_map_string(m)
    assert "var map_div = L.map(" in script
    assert script.index("var map_div = L.map(") < script.index("})(map_div);")
    assert "map.zrFit = state;" in script


def test_route_maps_use_it_instead_of_a_one_off_fit_bounds():
    from app_pages._route_view import route_map as view_route_map
    from layers.route_lines import route_map

    depot = NS(lon=121.396, lat=31.2497, label="街道办", approximate=False)
    stops = pd.DataFrame(
        {
            "seq": [1, 2],
            "site_id": ["S1", "S2"],
            "name": ["甲", "乙"],
            "address": ["", ""],
            "lon": [121.39, 121.40],
            "lat": [31.25, 31.26],
            "level": ["重大", "低"],
            "start": ["09:10", "10:00"],
            "leave": ["09:40", "10:20"],
            "coord_quality": ["osm", "osm"],
        }
    )
    route = NS(team=NS(name="一组"), stops=stops, start=depot, end=depot, n_stops=2)
    plan = NS(routes=[route])
    hotspots = pd.DataFrame({"lon": [121.41], "lat": [31.24], "name": ["热点"], "level": ["重大"]})
    for m in (route_map(plan), view_route_map(plan, hotspots=hotspots)):
        (fit,) = _children(m, FitOnResize)
        assert fit.bounds == [[31.2497, 121.39], [31.26, 121.40]]
        assert not _children(m, folium.FitBounds)


# A fake Leaflet just big enough for the script: it records fits and resizes.
_FAKE_LEAFLET = """
const log = [];
let observer = null;
const container = {clientWidth: 360, clientHeight: 560};
const handlers = {};
global.window = {ResizeObserver: class {
  constructor(cb) { this.cb = cb; observer = this; }
  observe() {}
}};
global.L = {latLngBounds: (b) => ({bounds: b}), point: (p) => ({x: p[0], y: p[1]})};
const map = {
  options: {zoomSnap: 1},
  getContainer: () => container,
  getSize: () => ({x: container.clientWidth, y: container.clientHeight}),
  on: (names, fn) => names.split(" ").forEach((n) => { handlers[n] = fn; }),
  fire: (n) => handlers[n] && handlers[n](),
  fitBounds: (b, o) => { log.push(["fit", container.clientWidth, o.padding, o.maxZoom]); map.fire("zoomstart"); },
  invalidateSize: (o) => log.push(["invalidate", o || null]),
};
function resize(w, h) { container.clientWidth = w; container.clientHeight = h; observer.cb(); }
"""

_SCENARIO = """
const out = {snap: map.options.zoomSnap, api: typeof map.zrFit.fit};
out.start = log.splice(0);
resize(360, 560);              // same size: ignored
out.same = log.splice(0);
resize(840, 390);              // rotated: invalidate + fit, not counted as a user move
out.rotated = log.splice(0);
out.movedAfterFit = map.zrFit.userMoved;
resize(0, 0);                  // hidden: invalidate only
out.hidden = log.splice(0);
map.fire("dragstart");         // the user pans: no more fits
resize(360, 560);
out.afterUser = log.splice(0);
out.moved = map.zrFit.userMoved;
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node 未安装")
def test_script_refits_on_resize_until_the_user_moves():
    m = folium.Map(tiles=None)
    element = fit_on_resize(m, POINTS, padding=(20, 20), max_zoom=17)
    m.get_root().render()
    script = element._template.module.script(element).replace(f"({m.get_name()})", "(map)")
    done = subprocess.run(
        ["node", "-e", _FAKE_LEAFLET + script + _SCENARIO],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = json.loads(done.stdout)
    pad = {"x": 20, "y": 20}
    assert out["snap"] == DEFAULT_ZOOM_SNAP and out["api"] == "function"
    assert out["start"] == [["fit", 360, pad, 17]]
    assert out["same"] == []
    assert out["rotated"] == [["invalidate", {"pan": False}], ["fit", 840, pad, 17]]
    assert out["movedAfterFit"] is False
    assert out["hidden"] == [["invalidate", {"pan": False}]]
    assert out["afterUser"] == [["invalidate", None]]
    assert out["moved"] is True
