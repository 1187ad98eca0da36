"""Hostile stored text: shown as text on every page and map, never run; every download opens.

One app server for the module, on a copy of the small store in which one site is named with
HTML/script (the original probe) and *every* free-text field of the other rows — site names,
addresses, 行业, 园区, 居委, inspection teams and leaders, hazard parts/descriptions/units/
persons/measures, asset names — carries an HTML or JavaScript-template payload or control
characters (written straight into SQLite, as a legacy or imported database could hold them).
Each payload would set ``window.__xss`` or open a dialog if it ran; the tests open every page,
draw a route plan on 巡查路线 (team name and leader also hostile) and a plan on 节前检查
(hostile leaders), hover the route maps' markers, and download every file offered.
"""

from __future__ import annotations

import io
import sqlite3
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from layers.safe_text import plain_text
from tests.e2e.conftest import (
    FOLIUM_IFRAME,
    folium_frame,
    narrowed_map_frame,
    open_app,
    screenshot,
    start_app,
    stop_app,
    wait_for_app,
)

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

#: Stored in every free-text field (cycled by row). None contains "onerror", so searching for
#: it still finds only the probe site of the first test.
PAYLOADS: tuple[str, ...] = (
    "${window.__xss=11}",
    "`;window.__xss=12;`",
    "</script><script>window.__xss=13</script>",
    "<svg/onload=window.__xss=14>",
    "'\"><details open ontoggle=alert(15)>",
    "{n}$&$'${alert(16)}",
    "控制\x00字符\x1b[31m换页\x0c",
)
TEAM_NAME = "${window.__xss=21}`;window.__xss=22;`组"
LEADER = "<svg/onload=window.__xss=23>${alert(24)}"

#: (table, free-text columns) rewritten with payloads.
TEXT_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sites", ("name", "address", "industry", "committee")),
    ("inspections", ("team", "leader")),
    ("hazards", ("part", "description", "responsible_unit", "responsible_person", "measures")),
    ("assets", ("name", "committee")),
)


def _poison(store_file: Path, keep_site: str) -> None:
    """Write a payload into every free-text field (all rows but the probe site)."""
    con = sqlite3.connect(store_file)
    try:
        for table, columns in TEXT_COLUMNS:
            rowids = [r[0] for r in con.execute(f"SELECT rowid FROM {table}")]
            for k, rowid in enumerate(rowids):
                values = [
                    f"{col[:2]}{k}{PAYLOADS[(k + j) % len(PAYLOADS)]}"
                    for j, col in enumerate(columns)
                ]
                sets = ", ".join(f"{c} = ?" for c in columns)
                con.execute(
                    f"UPDATE {table} SET {sets} WHERE rowid = ?"
                    + (" AND site_id <> ?" if table == "sites" else ""),
                    [*values, rowid] + ([keep_site] if table == "sites" else []),
                )
        con.execute("UPDATE sites SET park = ? WHERE park IS NOT NULL", [PAYLOADS[3] + "园区"])
        con.commit()
    finally:
        con.close()


@pytest.fixture(scope="module")
def xss_app(small_store, tmp_path_factory, browser):
    from registry.store import SQLiteStore

    folder = tmp_path_factory.mktemp("xss")
    store_file = folder / "xss.db"
    with SQLiteStore(small_store) as source:
        source.backup(store_file)
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
    _poison(store_file, site_id)
    url, proc = start_app(store_file, folder)
    try:
        yield url, site_id
    finally:
        stop_app(proc)


@pytest.fixture
def watched_page(browser_page):
    """The test page, recording every dialog (alert/confirm/prompt) a payload could open."""
    page = browser_page
    page.dialogs = []  # type: ignore[attr-defined]

    def on_dialog(dialog) -> None:
        page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


def _assert_nothing_ran(page) -> None:
    """No dialog opened and ``window.__xss`` is unset in the page and in every frame."""
    from playwright.sync_api import Error as PlaywrightError

    page.wait_for_timeout(500)
    assert page.dialogs == []
    flags = []
    for frame in page.frames:
        try:
            flags.append(frame.evaluate("() => typeof window.__xss"))
        except PlaywrightError:  # a frame replaced by a rerun while we looked
            continue
    assert flags and set(flags) == {"undefined"}, flags
    assert page.locator("[data-testid='stException']").count() == 0


def _hover_route_markers(page) -> int:
    """Hover every interactive path of the route map (tooltips are put into the DOM on hover)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    frame = folium_frame(page)
    try:  # a payload that breaks the map's script leaves the frame without a map
        frame.locator(".leaflet-container").wait_for(timeout=60_000)
    except PlaywrightTimeout:
        pytest.fail("路线地图没有画出：地图脚本被存储的文本破坏（反引号/模板字符串未转义？）")
    paths = frame.locator("path.leaflet-interactive")
    n = paths.count()
    for i in range(n):
        paths.nth(i).hover(force=True, timeout=5000)
    return n


def _download(page, label: str) -> bytes:
    """Bytes of the file a download button offers (waits for the rerun the click starts)."""
    wait_for_app(page)
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    data = Path(info.value.path()).read_bytes()
    wait_for_app(page)
    return data


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.handlers += [a for a, _ in attrs if a.startswith("on")]


def _assert_inert_html(data: bytes) -> str:
    text = data.decode("utf-8")
    tags = _Tags()
    tags.feed(text)
    assert not tags.tags & {"script", "img", "iframe", "object", "embed", "details"}, tags.tags
    assert tags.handlers == []
    assert "\x00" not in text and "\x1b" not in text
    return text


def _assert_xlsx_opens(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in values)
    return [v for v in values if isinstance(v, str)]


def test_malicious_site_name_is_shown_as_text(xss_app, watched_page):
    url, _site_id = xss_app
    page = watched_page
    open_app(page, url + "/map")
    search = page.get_by_label("搜索（名称 / 地址 / 信用代码）")
    search.fill("onerror")
    search.press("Enter")
    wait_for_app(page)
    frame = narrowed_map_frame(page, 1)
    # the legend box may cover the marker: fold it, as a user would
    frame.locator(".zr-legend summary").click()
    assert frame.locator(".zr-legend details").evaluate("d => d.open") is False
    marker = frame.locator("path.zr-site")
    # Events on the marker itself (Leaflet finds its layer from the event's target): the map
    # may re-fit once more when the page's scrollbar comes or goes, moving the marker away
    # from coordinates taken a moment before.
    marker.first.dispatch_event("mouseover")
    tip = frame.locator(".leaflet-tooltip").filter(has_text="window.__xss=2")  # not a label
    assert XSS in tip.first.inner_text()
    marker.first.dispatch_event("click")
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
    _assert_nothing_ran(page)
    screenshot(page, "xss_site_card")
    assert page.blocked_requests == [], page.blocked_requests


@pytest.mark.parametrize(
    ("path", "username"),
    [(p, "pingan") for p in ("/map", "/ranking", "/stats", "/screen", "/record", "/hazards",
                              "/units", "/import", "/period", "/targets", "/facilities",
                              "/account")]
    + [("/admin", "admin")],
)  # fmt: skip
def test_every_page_shows_hostile_store_inert(xss_app, watched_page, path, username):
    url, _site_id = xss_app
    page = watched_page
    open_app(page, url + path, username)
    page.wait_for_timeout(1500)  # map/deck iframes draw after the script run
    _assert_nothing_ran(page)
    assert page.blocked_requests == [], page.blocked_requests


def test_table_downloads_open(xss_app, watched_page):
    url, _site_id = xss_app
    page = watched_page
    open_app(page, url + "/ranking")
    names = _assert_xlsx_opens(_download(page, "下载 Excel（XLSX）"))
    assert any("${window.__xss=11}" in v for v in names)  # the text is there, as text
    csv = _download(page, "下载 CSV")
    assert b"\x00" not in csv and b"\x1b" not in csv
    open_app(page, url + "/stats")
    _assert_xlsx_opens(_download(page, "下载欠检单位清单"))
    _assert_nothing_ran(page)


def test_route_plan_with_hostile_names_runs_nothing(xss_app, watched_page):
    url, _site_id = xss_app
    page = watched_page
    open_app(page, url + "/routes")
    name = page.get_by_label("小组名称").first
    name.fill(TEAM_NAME)
    name.press("Enter")
    wait_for_app(page)
    leader = page.get_by_label("带队领导").first
    leader.fill(LEADER)
    leader.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="生成路线").click()
    wait_for_app(page)
    page.get_by_text("各组任务单").wait_for()
    page.locator(FOLIUM_IFRAME).scroll_into_view_if_needed()
    assert _hover_route_markers(page) > 3
    tips = " ".join(folium_frame(page).locator(".leaflet-tooltip").all_inner_texts())
    # the tooltips left in the DOM show the stored payloads as text
    assert any(plain_text(p) in tips for p in (*PAYLOADS, TEAM_NAME)), tips
    _assert_nothing_ran(page)
    screenshot(page, "xss_routes")

    values = _assert_xlsx_opens(_download(page, "路线表（XLSX）"))
    assert TEAM_NAME in values
    sheet = _assert_inert_html(_download(page, "打印版任务单（HTML）"))
    assert "${window.__xss=21}" not in sheet  # escaped: &#36;&#123; or &#123; in HTML
    gpx = ET.fromstring(_download(page, "GPX 轨迹"))
    assert TEAM_NAME in [e.text for e in gpx.iter("{http://www.topografix.com/GPX/1/1}name")]
    nav = _download(page, "导航链接（高德）").decode("utf-8")
    assert TEAM_NAME in nav
    _assert_nothing_ran(page)
    assert page.blocked_requests == [], page.blocked_requests


def test_holiday_plan_with_hostile_leaders_runs_nothing(xss_app, watched_page):
    url, _site_id = xss_app
    page = watched_page
    open_app(page, url + "/holiday")
    for i in range(2):
        box = page.get_by_label(f"第{i + 1}组带队领导")
        box.fill(LEADER if i == 0 else TEAM_NAME)
        box.press("Enter")
        wait_for_app(page)
    page.get_by_role("button", name="生成节前检查方案").click()
    wait_for_app(page)
    page.get_by_text("各组检查清单").wait_for()
    page.locator(FOLIUM_IFRAME).scroll_into_view_if_needed()
    assert _hover_route_markers(page) > 3
    page.get_by_text("简报预览").click()  # st.html preview of the briefing
    wait_for_app(page)
    _assert_nothing_ran(page)
    screenshot(page, "xss_holiday")
    brief = _assert_inert_html(_download(page, "下载打印版简报（HTML）"))
    assert "&lt;svg/onload=window.__xss=23&gt;" in brief
    _assert_nothing_ran(page)
    assert page.blocked_requests == [], page.blocked_requests
