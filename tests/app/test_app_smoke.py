"""app.py: router, sidebar 评估日期, every page opens without an exception; clear store error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = "../../app.py"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180


def app_pages() -> list[str]:
    from app_pages import PAGES

    return [p for p, *_ in PAGES]


def test_router_lists_the_contract_pages():
    paths = app_pages()
    assert paths[0] == "app_pages/map.py"  # default page
    for required in ("ranking.py", "route_planning.py", "holiday.py", "stats.py", "screen.py"):
        assert f"app_pages/{required}" in paths


ADMIN = ("admin", "演示管理员", "管理员")  # opens every page; lands on the map


def test_every_page_opens_without_exception():
    from registry.accounts import Account

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["account"] = Account(*ADMIN)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.date_input(key="as_of").label == "评估日期"
    opened = []
    for path in app_pages():
        assert (ROOT / path).is_file(), path
        at.switch_page(path)
        at.run()
        assert not at.exception, (path, [e.message for e in at.exception])
        assert not at.error, (path, [e.value for e in at.error])
        opened.append(path)
    assert opened == app_pages()


def test_sidebar_date_is_shared_with_the_pages():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    default = at.date_input(key="as_of").value
    at.switch_page("app_pages/stats.py")
    at.run()
    earlier = dt.date(default.year, 1, 31)
    at.date_input(key="as_of").set_value(earlier).run()
    assert not at.exception
    assert at.session_state["as_of"] == earlier
    assert any(f"统计截至 {earlier:%Y-%m-%d}" in c.value for c in at.caption)


def test_missing_store_gives_a_chinese_error(monkeypatch, tmp_path):
    missing = tmp_path / "nope" / "none.db"
    monkeypatch.setenv("ZHENRU_STORE", str(missing))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert at.error and "台账数据库无法打开" in at.error[0].value
    assert "找不到台账数据库文件" in at.error[0].value
    assert not missing.exists()  # nothing created behind the user's back


@pytest.mark.parametrize("content", [b"this is not sqlite" * 100])
def test_corrupt_store_gives_a_chinese_error(monkeypatch, tmp_path, content):
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    monkeypatch.setenv("ZHENRU_STORE", str(bad))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error and "台账数据库" in at.error[0].value


def test_the_site_card_links_to_record_with_the_unit_inside_the_app(small_store):
    from registry.store import SQLiteStore

    with SQLiteStore(small_store) as store:
        site_id = store.sites()["site_id"].iloc[0]
    from registry.accounts import Account

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["account"] = Account(*ADMIN)
    at.session_state["map_selected_site"] = site_id
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    links = [el.proto for el in at.main if getattr(el, "type", "") == "page_link"]
    assert any(
        p.page == "record" and f"site={site_id}" in p.query_string for p in links
    ), [(p.page, p.query_string) for p in links]
