"""A site named with HTML/script shows as text in tooltip, popup and card, and never runs."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from tests.e2e.conftest import (
    narrowed_map_frame,
    screenshot,
    start_app,
    stop_app,
    wait_for_app,
)

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def xss_app(small_store, tmp_path_factory, browser):
    from registry.store import SQLiteStore

    folder = tmp_path_factory.mktemp("xss")
    store_file = folder / "xss.db"
    shutil.copy(small_store, store_file)
    site = {
        "name": XSS,
        "address": '真如路<b>1</b>号<script>window.__xss=3</script>',
        "lon": 121.3990,
        "lat": 31.2470,
        "coord_quality": "approximate",
        "category": "厂房仓库",
        "subcategory": "仓库",
        "industry": "制造业",
        "key_list": False,
        "source": "synthetic",
    }
    (site_id,) = SQLiteStore(store_file).add_sites(pd.DataFrame([site]))
    url, proc = start_app(store_file, folder)
    try:
        yield url, site_id
    finally:
        stop_app(proc)


def test_malicious_site_name_is_shown_as_text(xss_app, browser_page):
    url, _site_id = xss_app
    page = browser_page
    page.goto(url + "/")
    wait_for_app(page)
    search = page.get_by_label("搜索（名称 / 地址 / 信用代码）")
    search.fill("onerror")
    search.press("Enter")
    wait_for_app(page)
    frame = narrowed_map_frame(page, 1)
    marker = frame.locator("path.zr-site")
    marker.first.hover()
    assert XSS in frame.locator(".leaflet-tooltip").first.inner_text()
    marker.first.click(force=True)
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert XSS in text and "<script>window.__xss=3</script>" in text
    assert popup.locator("img, script").count() == 0

    card = page.locator(".st-key-site_card")
    card.wait_for()
    wait_for_app(page)
    assert XSS in card.inner_text()
    assert card.locator("img[src='x'], script").count() == 0

    page.wait_for_timeout(1000)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert frame.locator("body").evaluate("() => typeof window.__xss") == "undefined"
    screenshot(page, "xss_site_card")
    assert page.blocked_requests == [], page.blocked_requests
