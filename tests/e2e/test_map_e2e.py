"""风险地图 in a real browser: drawn offline from vendored assets, markers, legend, click → card."""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import folium_frame, narrowed_map_frame, open_app, screenshot, wait_for_app

# JS run inside the map iframe: sizes of the site layers currently on the map.
_LAYER_SIZES = """() => {
  const out = [];
  for (const l of Object.values(window.map_div._layers)) {
    if (l.zrLayer) out.push(l.getLayers().length);
  }
  return out;
}"""


def _open_map(page, base_url: str):
    open_app(page, base_url + "/map")
    frame = folium_frame(page)
    frame.locator(".zr-site, .zr-cluster").first.wait_for()
    return frame


def test_map_draws_boundary_and_every_site_without_network(app_server, browser_page, small_store):
    from registry.store import SQLiteStore

    n_sites = len(SQLiteStore(small_store).sites())
    page = browser_page
    frame = _open_map(page, app_server)

    # Boundary outline (our own vector layer, no tiles) and 居委 labels.
    assert frame.locator('path[stroke="#C62828"]').count() >= 1
    assert frame.locator(".zr-zone-label").count() >= 30
    assert frame.locator("img.leaflet-tile").count() == 0

    # Markers: clusters + single CircleMarkers on screen; the 风险点 cluster group holds all sites.
    shown = frame.locator("path.zr-site").count() + frame.locator(".zr-cluster").count()
    assert shown >= 10
    clustered = sum(int(t) for t in frame.locator(".zr-cluster span").all_inner_texts())
    assert clustered + frame.locator("path.zr-site").count() >= 0.8 * n_sites
    sizes = frame.locator("body").evaluate(_LAYER_SIZES)
    assert max(sizes) == n_sites, sizes

    legend = frame.locator(".zr-legend").inner_text()
    assert f"风险等级（共 {n_sites} 处）" in legend and "虚线边框" in legend
    assert "OpenStreetMap contributors" in frame.locator(".leaflet-control-attribution").inner_text()

    screenshot(page, "map_page")
    assert page.blocked_requests == [], page.blocked_requests
    assert page.console_errors == [], page.console_errors


def test_layer_toggle_and_click_opens_the_card(app_server, browser_page, small_store):
    from registry.store import SQLiteStore

    sites = SQLiteStore(small_store).sites()
    page = browser_page
    frame = _open_map(page, app_server)

    # Switch on the 危险源 layer in the (collapsed) layer control.
    before = len(frame.locator("body").evaluate(_LAYER_SIZES))
    frame.locator(".leaflet-control-layers").hover()
    frame.locator("label", has_text="危险源").locator("input").check()
    deadline = time.monotonic() + 20
    while len(frame.locator("body").evaluate(_LAYER_SIZES)) == before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert len(frame.locator("body").evaluate(_LAYER_SIZES)) == before + 1

    # Narrow the map to one site with the sidebar search, then click its marker.
    target = sites.iloc[len(sites) // 2]
    search = page.get_by_label("搜索（名称 / 地址 / 信用代码）")
    search.fill(target["site_id"])
    search.press("Enter")
    wait_for_app(page)
    frame = narrowed_map_frame(page, 1)
    # a click on the marker itself (the map may re-fit when the page's scrollbar comes or
    # goes, so coordinates taken a moment before can miss it)
    frame.locator("path.zr-site").first.dispatch_event("click")
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    assert target["site_id"] in popup.inner_text()

    card = page.locator(".st-key-site_card")
    card.wait_for()
    wait_for_app(page)
    assert card.get_by_text(re.compile("风险等级")).first.is_visible()
    assert target["name"][:6] in card.inner_text()
    screenshot(page, "map_page_card")
    assert page.blocked_requests == [], page.blocked_requests
