"""巡查路线 on a phone (390x844): the route map opens zoomed onto the routes, and follows a rotation.

Leaflet fits whole zoom levels by default: on a ~360 px wide map routes that miss the next level
by a few pixels of padding filled under half of the width (the map looked zoomed far out). The
route map now fits at a quarter-level step and re-fits when its container resizes, until the
user pans or zooms (``layers.fit_on_resize``).
"""

from __future__ import annotations

from app_pages._route_view import TEAM_COLOURS
from tests.e2e.conftest import (
    FOLIUM_IFRAME,
    folium_frame,
    new_page,
    open_app,
    screenshot,
    wait_for_app,
)

PADDING = 20  # px on each side, as the route map builders pass to the fit
#: Share of the padded map width or height the route bounds must span. The fine zoom step
#: guarantees at least 2**-0.25 ≈ 0.84; a whole-level fit may give as little as 0.5.
MIN_FILL = 0.75

# JS run inside the map iframe. The route bounds come from the drawn layers (team lines, stop
# circles in team colours, the black-ringed start points), not from the fit's own state.
_MEASURE = """(_el, [colours, padding]) => {
  const m = window.map_div;
  const b = L.latLngBounds([]);
  for (const l of Object.values(m._layers)) {
    if (l instanceof L.CircleMarker) {
      const c = l.options.color;
      if (colours.includes(c) || c === '#222222') b.extend(l.getLatLng());
    } else if (l instanceof L.Polyline && !(l instanceof L.Polygon)) {
      if (colours.includes(l.options.color) && l.options.weight === 4) b.extend(l.getBounds());
    }
  }
  const size = m.getSize();
  const el = m.getContainer();
  const sw = m.latLngToContainerPoint(b.getSouthWest());
  const ne = m.latLngToContainerPoint(b.getNorthEast());
  return {
    valid: b.isValid(),
    zoom: m.getZoom(),
    boundsZoom: m.getBoundsZoom(b, false, L.point(2 * padding, 2 * padding)),
    size: [size.x, size.y],
    client: [el.clientWidth, el.clientHeight],
    fillW: Math.abs(ne.x - sw.x) / (size.x - 2 * padding),
    fillH: Math.abs(sw.y - ne.y) / (size.y - 2 * padding),
    inside: m.getBounds().contains(b),
  };
}"""


def _measure(page, frame) -> dict:
    return frame.locator("body").evaluate(_MEASURE, [list(TEAM_COLOURS), PADDING])


def _settled(page, frame, width: int, timeout_s: float = 30) -> dict:
    """Measurement once the map container has the expected width and Leaflet has caught up."""
    deadline = 0.0
    r: dict = {}
    while deadline < timeout_s:
        r = _measure(page, frame)
        if r["client"][0] == width and r["size"] == r["client"]:
            break
        page.wait_for_timeout(250)
        deadline += 0.25
    page.wait_for_timeout(500)  # a resize re-fit runs in the next frame
    return _measure(page, frame)


def _assert_fitted(r: dict, where: str) -> None:
    assert r["valid"], where
    assert r["size"] == r["client"], f"{where}: Leaflet has a stale size {r}"
    assert r["inside"], f"{where}: the routes are not all in view {r}"
    assert r["zoom"] == r["boundsZoom"], f"{where}: not fitted to the routes {r}"
    assert max(r["fillW"], r["fillH"]) >= MIN_FILL, f"{where}: routes fill too little {r}"


def test_route_map_on_a_phone_is_zoomed_onto_the_routes(app_server, browser):
    page = new_page(browser, 390, 844)
    try:
        open_app(page, f"{app_server}/routes")
        page.get_by_role("button", name="生成路线").click()
        wait_for_app(page)
        page.get_by_text("各组任务单").wait_for()

        frame = folium_frame(page)
        frame.locator(".leaflet-container").wait_for()
        iframe = page.locator(FOLIUM_IFRAME)
        iframe.scroll_into_view_if_needed()
        width = round(iframe.bounding_box()["width"])
        assert width < 390
        portrait = _settled(page, frame, width)
        screenshot(page, "routes_phone")
        _assert_fitted(portrait, "390x844")

        # Rotated to landscape: the map column gets a new width (here two columns side by side,
        # so a narrower map) and the routes are fitted again.
        page.set_viewport_size({"width": 844, "height": 390})
        page.wait_for_timeout(500)
        iframe.scroll_into_view_if_needed()
        landscape_width = round(iframe.bounding_box()["width"])
        assert landscape_width != width
        landscape = _settled(page, frame, landscape_width)
        _assert_fitted(landscape, "844x390")

        # Once the user zooms, a resize keeps their zoom.
        frame.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(800)
        zoomed = _measure(page, frame)["zoom"]
        assert zoomed > landscape["zoom"]
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(500)
        assert _settled(page, frame, width)["zoom"] == zoomed

        assert not page.blocked_requests, page.blocked_requests
        assert not page.console_errors, page.console_errors
    finally:
        page.context.close()
