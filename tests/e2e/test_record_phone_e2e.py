"""检查登记 on a phone (390x844): find a unit by name, record a 一般 hazard with a photo,
no sideways scroll; the stored photo has no GPS metadata.

The app runs on a private copy of the small store (this test writes a record).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image

from registry.attachments import attachments_of, photo_dir
from registry.store import SQLiteStore
from tests.e2e.conftest import (
    PHONE_HEIGHT,
    PHONE_WIDTH,
    AppServer,
    assert_no_sideways_scroll,
    attach_file,
    new_page,
    open_app,
    screenshot,
    wait_for_app,
)

WIDTH, HEIGHT = PHONE_WIDTH, PHONE_HEIGHT


@pytest.fixture(scope="module")
def record_app(small_store: Path, tmp_path_factory: pytest.TempPathFactory):
    server = AppServer(small_store, tmp_path_factory.mktemp("record-e2e"), "record")
    try:
        yield server.url, server.store
    finally:
        server.stop()


_no_sideways_scroll = assert_no_sideways_scroll


def test_record_a_general_hazard_on_a_phone(record_app, browser):
    url, store = record_app
    sites = SQLiteStore(store).sites()
    site = sites[sites["category"].eq("厂房仓库")].iloc[5]
    before = len(SQLiteStore(store).hazards())
    page = new_page(browser, WIDTH, HEIGHT)
    try:
        open_app(page, f"{url}/record")
        page.get_by_role("heading", name="检查登记").wait_for()
        _no_sideways_scroll(page)

        page.get_by_label("搜索单位", exact=True).fill(site["name"])
        page.get_by_label("搜索单位", exact=True).press("Enter")
        wait_for_app(page)
        page.get_by_label("被检查单位", exact=True).click()
        page.get_by_role("option", name=f"（{site['site_id']}）").click()
        wait_for_app(page)

        wait_for_app(page)
        page.get_by_text("发现隐患", exact=True).click()
        wait_for_app(page)
        page.get_by_label("隐患描述", exact=True).fill("灭火器压力不足")
        page.get_by_label("隐患部位", exact=True).fill("一楼楼梯口")
        page.get_by_label("整改措施", exact=True).fill("更换灭火器")
        photo = tmp_photo(store.parent)
        page.get_by_label("整改措施", exact=True).blur()
        attach_file(page, photo)
        page.get_by_label("整改措施", exact=True).blur()
        wait_for_app(page)
        _no_sideways_scroll(page)

        save = page.get_by_role("button", name="保存检查记录")
        box = save.bounding_box()
        assert box is not None and box["height"] >= 36 and box["width"] >= WIDTH * 0.8
        save.click()
        wait_for_app(page)
        success = page.get_by_test_id("stAlertContentSuccess").get_by_text("已保存检查记录")
        success.wait_for()
        message = success.inner_text()
        success.evaluate("e => e.scrollIntoView({block: 'center'})")
        screenshot(page, "record_phone_saved")
        # the form is ready for the next unit
        assert page.get_by_label("搜索单位", exact=True).input_value() == ""
        assert page.get_by_label("隐患描述", exact=True).count() == 0
        assert page.get_by_text("操作人：演示平安办").count() == 1  # the signed-in account records
        _no_sideways_scroll(page)
        assert not page.blocked_requests, page.blocked_requests
        assert not page.console_errors, page.console_errors
    finally:
        page.context.close()

    hazards = SQLiteStore(store).hazards()
    assert len(hazards) == before + 1
    new = hazards.iloc[-1]
    assert (new["site_id"], new["level"], new["part"], new["responsible_unit"]) == (
        site["site_id"], "一般", "一楼楼梯口", site["name"]
    )
    assert new["deadline"].date() == dt.date.today() + dt.timedelta(days=7)
    assert new["hazard_id"] in message and new["inspection_id"] in message
    assert "照片 1 张" in message
    rows = attachments_of(store)
    assert rows[["hazard_id", "kind", "filename", "created_by"]].values.tolist() == [
        [new["hazard_id"], "before", photo.name, "pingan"]
    ]
    stored = photo_dir(store) / f"{rows['sha256'].iloc[0]}.jpg"
    with Image.open(stored) as img:
        assert len(img.getexif()) == 0  # no GPS position left the phone


def tmp_photo(folder: Path) -> Path:
    """A phone photo with a GPS position in its EXIF."""
    img = Image.new("RGB", (120, 80), (30, 120, 200))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 15.0, 20.0)
    path = folder / "现场照片.jpg"
    img.save(path, "JPEG", exif=exif)
    with Image.open(path) as check:
        assert check.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    return path
