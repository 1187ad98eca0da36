"""巡查路线 in a real browser: plan a day and see every team's line on the offline map."""

from __future__ import annotations

from app_pages._route_view import TEAM_COLOURS
from tests.e2e.conftest import FOLIUM_IFRAME, folium_frame, open_app, screenshot, wait_for_app


def test_plan_routes_and_see_the_route_map(app_server, browser_page):
    page = browser_page
    open_app(page, f"{app_server}/routes")
    page.get_by_text("巡查路线", exact=True).first.wait_for()

    page.get_by_role("button", name="生成路线").click()
    wait_for_app(page)
    page.get_by_text("各组任务单").wait_for()

    frame = folium_frame(page)
    frame.locator(".leaflet-container").wait_for()
    # one thick line per dispatched team, in the team's colour
    lines = [frame.locator(f'path[stroke="{c}"][stroke-width="4"]') for c in TEAM_COLOURS[:2]]
    counts = [loc.count() for loc in lines]
    assert sum(counts) >= 1, counts
    # numbered stop markers are drawn too
    assert frame.locator("path.leaflet-interactive").count() > sum(counts) + 2
    page.locator(FOLIUM_IFRAME).scroll_into_view_if_needed()
    screenshot(page, "routes_plan")
    assert not page.blocked_requests, page.blocked_requests  # no request left the machine
    assert not page.console_errors, page.console_errors
