"""Sign-in in headless Chromium: anonymous visitors see nothing, a wrong password is refused,
the wall screen's token opens only /screen, and a download is recorded in the audit trail."""

from __future__ import annotations

import pytest

from registry.accounts import DEMO_KIOSK_TOKEN
from registry.store import SQLiteStore
from tests.e2e.conftest import (
    PHONE_HEIGHT,
    PHONE_WIDTH,
    assert_no_sideways_scroll,
    new_page,
    open_app,
    screenshot,
    sign_in,
    wait_for_app,
)


@pytest.mark.parametrize("path", ["/", "/map", "/hazards", "/ranking", "/screen", "/admin"])
def test_an_anonymous_visitor_of_any_url_sees_only_the_sign_in_form(app_server, browser, path,
                                                                     small_store):
    names = SQLiteStore(small_store).sites()["name"].astype(str)
    page = new_page(browser, PHONE_WIDTH, PHONE_HEIGHT)
    try:
        page.goto(app_server + path)
        wait_for_app(page)
        page.get_by_label("用户名", exact=True).wait_for()
        text = page.locator("body").inner_text()
        assert not any(n in text for n in names if len(n) >= 4)
        assert page.locator("iframe").count() == 0 and page.locator("canvas").count() == 0
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert_no_sideways_scroll(page, path)
        assert not page.blocked_requests, page.blocked_requests
    finally:
        page.context.close()


def test_a_wrong_password_is_refused_and_the_asked_page_opens_after_sign_in(app_server, browser):
    page = new_page(browser, PHONE_WIDTH, PHONE_HEIGHT)
    try:
        page.goto(app_server + "/ranking")
        wait_for_app(page)
        sign_in(page, "jiancha", "not-the-password")
        page.get_by_text("用户名或密码错误").wait_for()
        assert page.get_by_role("heading", name="优先排名").count() == 0
        screenshot(page, "auth_wrong_password")
        sign_in(page, "jiancha")
        page.get_by_role("heading", name="优先排名").wait_for()  # the URL asked for
        assert page.get_by_text("演示数据").count() >= 1
    finally:
        page.context.close()


def test_the_kiosk_token_opens_only_the_wall_screen(app_server, browser):
    page = new_page(browser, 1920, 1080)
    try:
        page.goto(f"{app_server}/map?kiosk={DEMO_KIOSK_TOKEN}")  # any URL: the screen only
        wait_for_app(page)
        page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for()
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert page.get_by_label("用户名", exact=True).count() == 0
        page.goto(f"{app_server}/screen?kiosk=not-the-token")
        wait_for_app(page)
        page.get_by_text("大屏令牌无效").wait_for()
        assert page.locator("[data-testid='stDeckGlJsonChart']").count() == 0
    finally:
        page.context.close()


def test_a_download_is_recorded_in_the_audit_trail(app_server, browser, small_store):
    page = new_page(browser)
    try:
        open_app(page, app_server + "/ranking", "fenxi")
        page.get_by_role("heading", name="优先排名").wait_for()
        with page.expect_download() as info:
            page.get_by_role("button", name="下载 Excel（XLSX）").click()
        assert info.value.suggested_filename.endswith(".xlsx")
    finally:
        page.context.close()
    log = SQLiteStore(small_store).audit_log()
    exports = log[log["action"].eq("export") & log["user"].eq("fenxi")]
    assert len(exports) >= 1 and "优先排名 XLSX" in exports["after"].iloc[-1]
