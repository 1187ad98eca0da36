"""单位管理 on a phone (390x844): find a unit, correct its name, save; no sideways scroll; the
change is in the store and its audit trail with the signed-in account.

The app runs on a private copy of the small store (this test writes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.store import SQLiteStore
from tests.e2e.conftest import (
    PHONE_HEIGHT,
    PHONE_WIDTH,
    AppServer,
    assert_no_sideways_scroll,
    new_page,
    open_app,
    screenshot,
    wait_for_app,
)

WIDTH, HEIGHT = PHONE_WIDTH, PHONE_HEIGHT


@pytest.fixture(scope="module")
def units_app(small_store: Path, tmp_path_factory: pytest.TempPathFactory):
    server = AppServer(small_store, tmp_path_factory.mktemp("units-e2e"), "units")
    try:
        yield server.url, server.store
    finally:
        server.stop()


_no_sideways_scroll = assert_no_sideways_scroll


def test_correct_a_units_name_on_a_phone(units_app, browser):
    url, store = units_app
    with SQLiteStore(store) as s:
        site = s.sites().iloc[3]
    new_name = f"{site['name']}（更名）"
    page = new_page(browser, WIDTH, HEIGHT)
    try:
        open_app(page, f"{url}/units?site={site['site_id']}")
        page.get_by_role("heading", name="单位管理").wait_for()
        _no_sideways_scroll(page)
        wait_for_app(page)
        name = page.get_by_label("单位名称", exact=True)
        name.fill(new_name)
        name.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="保存修改").click()
        wait_for_app(page)
        page.get_by_text(f"单位 {site['site_id']} 已保存").wait_for()
        _no_sideways_scroll(page)
        screenshot(page, "units_phone_saved")
    finally:
        page.context.close()
    with SQLiteStore(store) as s:
        after = s.sites().set_index("site_id").loc[site["site_id"]]
        assert after["name"] == new_name
        for field in ("subcategory", "category", "department", "address", "key_list"):
            assert after[field] == site[field], field  # nothing else changed silently
        last = s.audit_log().iloc[-1]
        assert (last["action"], last["user"], last["entity_id"]) == (
            "update_site", "pingan", site["site_id"])
        assert set(json.loads(last["after"])) == {"name"}
