"""大屏 at 1920x1080 and 3840x2160: dark kiosk, KPIs readable, 3D canvas drawn, no network."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import new_page, open_app, screenshot


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_screen_page_fills_the_wall(app_server, browser, width, height):
    page = new_page(browser, width, height)
    try:
        open_app(page, app_server + "/screen", "dapin")
        canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
        canvas.wait_for()
        # deck.gl sizes its canvas to the container after the first layout.
        page.wait_for_function(
            """([w, h]) => {
                const c = document.querySelector("[data-testid='stDeckGlJsonChart'] canvas");
                const r = c && c.getBoundingClientRect();
                return r && r.width > 0.6 * w && r.height > 0.55 * h;
            }""",
            arg=[width, height],
            timeout=60_000,
        )

        for label in ("重大隐患 未销号", "逾期未整改隐患", "本年检查覆盖率", "红/橙 风险单位"):
            assert page.get_by_text(label).first.is_visible()
        # Kiosk: no sidebar, no header/toolbar.
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        assert not page.locator("[data-testid='stHeader']").is_visible()
        # Big numbers scale with the screen (clamp(.., 3.6vw, ..)).
        size = page.locator(".zr-kpi .value").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 0.03 * width
        background = page.locator(".stApp").evaluate("e => getComputedStyle(e).backgroundImage")
        assert "gradient" in background
        page.wait_for_timeout(1500)  # let deck.gl draw its first frame
        screenshot(page, f"screen_{width}x{height}")
        assert page.blocked_requests == [], page.blocked_requests
        assert page.console_errors == [], page.console_errors
    finally:
        page.context.close()
