"""台账闭环 on a phone (390x844): record → map card → 隐患台账 to 销号 → app restarted → all there.

One inspector's day, through the app's own widgets only:

1. 检查登记: find the unit by name, record an inspection with a 一般 hazard (with a photo) and a
   重大 hazard; the success message names the inspection and both hazards.
2. 风险地图 (reached through the app's navigation, as a phone user does): the unit's card lists
   both new hazards as 未销号; 隐患台账 finds them (等级 filter, hazard picked by its id).
3. 隐患台账, as the signed-in inspector: the 一般 hazard goes 整改完成待复查 → 复查不合格退回整改 (new
   deadline) → 整改完成待复查 → 复查合格并销号; the store's audit trail names the operator.
4. The app server is stopped and started again on the same store file: the hazard is 已销号 in
   隐患台账, the 重大 hazard is still open on the card, the inspection is in 检查记录.
5. No page scrolls sideways at 390 px.

The app runs on a private copy of the small store (this test writes records).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
INSPECTOR = OPERATOR = "jiancha"  # the demo 检查员 records, rectifies and closes


@pytest.fixture(scope="module")
def journey_app(small_store: Path, tmp_path_factory: pytest.TempPathFactory):
    server = AppServer(small_store, tmp_path_factory.mktemp("ledger-journey-e2e"), "journey")
    try:
        yield server
    finally:
        server.stop()


# -- helpers -----------------------------------------------------------------------------------
_no_sideways_scroll = assert_no_sideways_scroll


def _go_to(page, title: str) -> None:
    """Open a page through the app's navigation (the sidebar, collapsed on a phone)."""
    page.get_by_test_id("stExpandSidebarButton").click()
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name=title).click()
    wait_for_app(page)
    page.get_by_role("heading", name=title).wait_for()
    sidebar = page.get_by_test_id("stSidebar")
    if sidebar.get_attribute("data-collapsed") == "false":  # still over the page: close it
        sidebar.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        page.wait_for_function(
            "document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'true'"
        )


def _pick(page, label: str, typed: str, option: str) -> None:
    """Choose an option of a selectbox by typing into it, as on a phone keyboard.

    A rerun the page starts itself (the map's first move) can close the list between the
    typing and the 确定: then the choice is not taken, and the user opens the list again.
    """
    box = page.get_by_label(label, exact=True)
    chosen = page.get_by_test_id("stSelectbox").filter(has=box)
    for _attempt in range(4):
        box.click()
        box.fill(typed)
        try:
            page.get_by_role("option", name=option).first.wait_for(
                state="attached", timeout=10_000
            )
        except PlaywrightTimeout:
            wait_for_app(page)
            continue
        options = page.get_by_role("option").all_inner_texts()
        if options:  # the match comes first
            assert [o for o in options if option in o] == options[:1], options
        box.press("Enter")  # takes the first match, as the phone keyboard's 确定 does
        for _ in range(25):  # the box shows the choice (as its text or its input's value)
            if option in chosen.inner_text() or option in box.input_value():
                page.wait_for_timeout(300)  # the rerun this choice starts
                wait_for_app(page)
                return
            page.wait_for_timeout(200)
        wait_for_app(page)
    shown = page.get_by_role("option").all_inner_texts()
    screenshot(page, "journey_failed_pick")
    pytest.fail(
        f"“{label}”没有选中 {option!r}（输入 {typed!r} 后可选：{shown}；"
        f"显示：{chosen.inner_text()!r} {box.input_value()!r}）"
    )


def _form(page, button: str):
    """The st.form whose submit button is ``button``."""
    return page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name=button, exact=True)
    )


def _set_date(form, label: str, day: dt.date) -> None:
    """Type a date into a date field (year, month and day segments) as on a keyboard."""
    field = form.get_by_label(label, exact=True)
    field.get_by_role("spinbutton").first.click()
    field.page.keyboard.type(day.strftime("%Y%m%d"))
    shown = re.sub(r"\D", "", field.inner_text())
    assert shown == day.strftime("%Y%m%d"), (label, field.inner_text())


def _step(page, button: str, **dates: dt.date) -> str:
    """Submit one lifecycle form of 隐患台账 and return the page's message."""
    form = _form(page, button)
    for label, day in dates.items():
        _set_date(form, label, day)
    form.get_by_role("button", name=button, exact=True).click()
    wait_for_app(page)
    alert = page.get_by_test_id("stAlertContainer").filter(
        has_text=re.compile(f"{button}，已保存|未保存")
    ).first
    alert.wait_for()
    return alert.inner_text()


def _card_tab(page, tab: str):
    """Open a tab of the map's site card and return the tab's table."""
    card = page.locator(".st-key-site_card")
    card.get_by_role("tab", name=tab).click()
    panel = card.get_by_role("tabpanel").filter(visible=True)
    panel.wait_for()
    return panel


def _grid_text(where, header: str | None = None) -> str:
    """Text of the cells a Streamlit dataframe shows (the visible rows and columns); the first
    table in ``where``, or the one with a column ``header``."""
    grid = where.get_by_test_id("stDataFrame")
    if header is not None:
        grid = grid.filter(has=where.locator("th", has_text=header))
    grid = grid.first
    try:
        grid.wait_for(timeout=20_000)
    except PlaywrightTimeout:
        pytest.fail(f"没有表格，只见：{where.inner_text()!r}")
    grid.scroll_into_view_if_needed()
    cells = grid.locator("td[role=gridcell]")
    cells.first.wait_for(state="attached")
    # The grid is drawn on a canvas; its cells are also in an accessible (invisible) table.
    return " | ".join(c.strip() for c in cells.all_text_contents())


def _open_card(page, site_id: str, name: str):
    _pick(page, "查看单位（或在地图上点击）", site_id, f"{site_id} {name}")
    card = page.locator(".st-key-site_card")
    card.wait_for()
    assert name in card.inner_text()
    return card


def _photo(folder: Path) -> Path:
    path = folder / "灭火器.jpg"
    Image.new("RGB", (160, 120), (200, 40, 40)).save(path, "JPEG")
    return path


# -- the journey -------------------------------------------------------------------------------
def test_record_track_close_and_find_again_after_restart(journey_app, browser):
    server = journey_app
    store = SQLiteStore(server.store)
    sites = store.sites()
    unique = sites[~sites["name"].duplicated(keep=False)]
    site = unique[unique["category"].eq("厂房仓库")].iloc[2]
    sid, name = str(site["site_id"]), str(site["name"])
    today = dt.date.today()
    page = new_page(browser, WIDTH, HEIGHT)
    try:
        # 1. 检查登记 ------------------------------------------------------------------------
        open_app(page, f"{server.url}/record", INSPECTOR)
        page.get_by_role("heading", name="检查登记").wait_for()
        search = page.get_by_label("搜索单位", exact=True)
        search.fill(name)
        search.press("Enter")
        wait_for_app(page)
        page.get_by_label("被检查单位", exact=True).click()
        page.get_by_role("option", name=f"（{sid}）").click()
        wait_for_app(page)
        wait_for_app(page)
        page.get_by_text("发现隐患", exact=True).click()
        wait_for_app(page)

        page.get_by_label("隐患描述", exact=True).fill("灭火器压力不足")
        page.get_by_label("隐患部位", exact=True).fill("一楼仓库门口")
        page.get_by_label("整改措施", exact=True).fill("更换灭火器")
        page.get_by_label("整改措施", exact=True).blur()
        wait_for_app(page)  # a photo chosen while the page reruns can be dropped (see report)
        photo = _photo(server.folder)
        attach_file(page, photo)
        page.get_by_label("整改措施", exact=True).blur()
        wait_for_app(page)

        page.get_by_role("button", name="＋ 再添加一条隐患").click()
        wait_for_app(page)
        levels = page.get_by_test_id("stRadio").filter(has_text="隐患等级")
        levels.nth(1).get_by_text("重大", exact=True).click()
        wait_for_app(page)
        page.get_by_label("隐患描述", exact=True).nth(1).fill("仓库内违规设置员工宿舍")
        page.get_by_label("隐患部位", exact=True).nth(1).fill("二楼仓库")
        page.get_by_label("整改措施", exact=True).nth(1).fill("立即停止住人，拆除床铺")
        page.get_by_label("整改措施", exact=True).nth(1).blur()
        wait_for_app(page)
        _no_sideways_scroll(page, "检查登记（填写中）")

        page.get_by_role("button", name="保存检查记录").click()
        wait_for_app(page)
        outcome = page.get_by_test_id("stAlert").filter(has_text=re.compile("已保存检查记录|未保存"))
        outcome.first.wait_for()
        message = outcome.first.inner_text()
        assert "已保存检查记录" in message, message
        iid = re.search(r"I\d{7}", message).group(0)
        hids = re.findall(r"YH-\d{4}-\d{2}-\d{4}", message)
        assert len(hids) == 2 and name in message and "照片 1 张" in message, message
        new = store.hazards().set_index("hazard_id").loc[hids]
        assert new["level"].tolist() == ["一般", "重大"]
        assert set(new["status"]) == {"待整改"} and set(new["inspection_id"]) == {iid}
        general, major = hids
        screenshot(page, "journey_1_recorded")
        _no_sideways_scroll(page, "检查登记（已保存）")

        # 2. the map's card and 隐患台账 show both open hazards ------------------------------
        _go_to(page, "风险地图")
        _no_sideways_scroll(page, "风险地图")
        _open_card(page, sid, name)
        open_text = _grid_text(_card_tab(page, "未销号隐患"))
        assert general in open_text and major in open_text, open_text
        screenshot(page, "journey_2_card")
        _no_sideways_scroll(page, "风险地图（单位卡片）")

        _go_to(page, "隐患台账")
        _no_sideways_scroll(page, "隐患台账")
        wait_for_app(page)
        _pick(page, "选择隐患（按紧急程度排序）", major, f"{major} · {name} · 重大 · 待整改")
        for _ in range(50):  # the detail table is redrawn once the choice's rerun is done
            detail = _grid_text(page, header="项目")
            if name in detail:
                break
            page.wait_for_timeout(300)
        assert name in detail and "重大" in detail and "仓库内违规设置员工宿舍" in detail, detail
        _pick(page, "选择隐患（按紧急程度排序）", general, f"{general} · {name} · 一般 · 待整改")

        # 3. the 一般 hazard to 销号, one refused 复查 on the way ---------------------------
        msg = _step(page, "整改完成待复查", 整改完成日期=today)
        assert f"隐患 {general}" in msg and "待复查" in msg, msg
        new_deadline = today + dt.timedelta(days=5)
        msg = _step(page, "复查不合格退回整改", 复查日期=today, 新的整改期限=new_deadline)
        assert "整改中" in msg, msg
        assert store.hazards().set_index("hazard_id").loc[general, "deadline"].date() == new_deadline
        msg = _step(page, "整改完成待复查", 整改完成日期=today)
        assert "待复查" in msg, msg
        msg = _step(page, "复查合格并销号", 复查日期=today)
        assert "已销号" in msg, msg
        _no_sideways_scroll(page, "隐患台账（处理后）")
        screenshot(page, "journey_3_closed")
        closed = store.hazards().set_index("hazard_id").loc[general]
        assert (closed["status"], closed["reinspection_result"]) == ("已销号", "合格")
        assert closed["closed_date"].date() == today
        audit = store.audit_log()
        steps = audit[audit["entity_id"].eq(general) & audit["action"].eq("update_hazard")]
        assert steps["user"].tolist() == [OPERATOR] * 4
        assert not page.blocked_requests, page.blocked_requests
        assert not page.console_errors, page.console_errors
    finally:
        page.context.close()

    # 4. restart the app on the same store file ------------------------------------------
    server.restart()
    page = new_page(browser, WIDTH, HEIGHT)
    try:
        open_app(page, f"{server.url}/hazards", OPERATOR)
        page.get_by_role("heading", name="隐患台账").wait_for()
        status = page.get_by_label("状态", exact=True)
        status.click()
        page.get_by_role("option", name="已销号").click()
        wait_for_app(page)
        page.keyboard.press("Escape")
        _pick(page, "选择隐患（按紧急程度排序）", general, f"{general} · {name} · 一般 · 已销号")
        page.get_by_text("该隐患已复查合格并销号，闭环完成。").wait_for()
        _no_sideways_scroll(page, "隐患台账（重启后）")

        _go_to(page, "风险地图")
        _open_card(page, sid, name)
        open_text = _grid_text(_card_tab(page, "未销号隐患"))
        assert major in open_text and general not in open_text, open_text
        history = _grid_text(_card_tab(page, "检查记录"))
        assert today.isoformat() in history, history
        screenshot(page, "journey_4_after_restart")
        _no_sideways_scroll(page, "风险地图（重启后）")
        assert not page.blocked_requests, page.blocked_requests
        assert not page.console_errors, page.console_errors
    finally:
        page.context.close()
