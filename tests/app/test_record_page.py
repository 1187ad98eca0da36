"""检查登记 page: record inspections on a copy of the small store, as an inspector would."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from registry.accounts import Account
from registry.store import SQLiteStore

PAGE = "../../app_pages/record.py"
TIMEOUT = 120


@pytest.fixture
def store_copy(small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the small store (these tests write), served to the page."""
    target = tmp_path / "record.db"
    with sqlite3.connect(small_store) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    monkeypatch.setenv("ZHENRU_STORE", str(target))
    return target


def run_page(site: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if site is not None:
        at.query_params["site"] = site
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def a_site(path: Path, category: str = "厂房仓库") -> pd.Series:
    sites = SQLiteStore(path).sites()
    return sites[sites["category"].eq(category)].iloc[3]


def choose_by_search(at: AppTest, text: str, site_id: str) -> None:
    at.text_input(key="rec_search").set_value(text).run()
    box = at.selectbox(key="rec_site")
    assert any(label.endswith(f"（{site_id}）") for label in box.options), box.options
    box.set_value(site_id).run()


def save(at: AppTest) -> AppTest:
    at.button(key="recbtn_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def counts(path: Path) -> tuple[int, int]:
    store = SQLiteStore(path)
    return len(store.inspections()), len(store.hazards())


def test_page_opens_with_today_and_defaults(store_copy):
    at = run_page()
    assert at.title[0].value == "检查登记"
    assert at.date_input(key="rec_date").value == dt.date.today()
    assert at.selectbox(key="rec_type").value == "日常"
    assert list(at.selectbox(key="rec_type").options) == ["日常", "专项", "节前", "领导带队", "第三方", "复查"]
    assert at.radio(key="rec_result").value == "未发现隐患"
    assert at.selectbox(key="rec_site").value is None
    # the teams of the ledger are offered
    teams = set(SQLiteStore(store_copy).inspections()["team"])
    assert set(at.selectbox(key="rec_team").options) == teams


def test_record_inspection_without_hazard(store_copy):
    site = a_site(store_copy)
    before = counts(store_copy)
    at = run_page()
    choose_by_search(at, site["name"][:6], site["site_id"])
    team = at.selectbox(key="rec_team").options[0]
    at.selectbox(key="rec_team").set_value(team)
    save(at)
    assert not at.error, [e.value for e in at.error]
    store = SQLiteStore(store_copy)
    insp = store.inspections()
    assert counts(store_copy) == (before[0] + 1, before[1])
    new = insp.iloc[-1]
    assert (new["site_id"], new["type"], new["team"], new["n_hazards"]) == (
        site["site_id"], "日常", team, 0
    )
    assert new["date"].date() == dt.date.today()
    assert new["inspection_id"] in at.success[0].value
    log = store.audit_log()
    assert log.iloc[-1]["user"] == "pingan" and log.iloc[-1]["action"] == "add_inspection"
    # ready for the next unit; who records and the team stay
    assert at.selectbox(key="rec_site").value is None
    assert at.selectbox(key="rec_team").value == team


def test_record_general_fixed_and_major_hazards(store_copy):
    site = a_site(store_copy)
    at = run_page(site=site["site_id"])
    at.radio(key="rec_result").set_value("发现隐患").run()
    # hazard 1: a quick pick of the sector, 一般, fixed on the spot
    assert at.text_input(key="rec_h0_unit").value == site["name"]
    at.selectbox(key="rec_h0_pick").set_value(0).run()
    assert at.text_area(key="rec_h0_desc").value == "疏散通道堆放杂物"
    assert at.text_area(key="rec_h0_measures").value == "清理杂物，保持畅通"
    assert at.date_input(key="rec_h0_deadline").value == dt.date.today() + dt.timedelta(days=7)
    at.checkbox(key="rec_h0_fixed").check()
    # hazard 2: typed by hand, 重大 → deadline follows to +30 days
    at.button(key="recbtn_add").click().run()
    at.radio(key="rec_h1_level").set_value("重大").run()
    assert at.date_input(key="rec_h1_deadline").value == dt.date.today() + dt.timedelta(days=30)
    assert at.checkbox(key="rec_h0_fixed").value is True  # still ticked after reruns
    at.selectbox(key="rec_h1_type").set_value("用电")
    at.text_area(key="rec_h1_desc").set_value("配电箱<b>线路</b>老化")
    at.text_input(key="rec_h1_part").set_value("配电间")
    at.text_area(key="rec_h1_measures").set_value("更换线路")
    at.text_input(key="rec_h1_person").set_value("王五")
    save(at)
    assert not at.error, [e.value for e in at.error]
    store = SQLiteStore(store_copy)
    new = store.inspections().iloc[-1]
    assert (new["n_hazards"], new["hazard_found"], new["major_found"]) == (2, 1, 1)
    haz = store.hazards()
    haz = haz[haz["inspection_id"].eq(new["inspection_id"])].sort_values("hazard_id")
    general, major = haz.iloc[0], haz.iloc[1]
    today = pd.Timestamp(dt.date.today())
    assert (general["level"], general["status"], general["rectified_date"]) == ("一般", "待复查", today)
    assert general["part"] == "疏散通道" and general["responsible_unit"] == site["name"]
    assert (major["level"], major["status"], major["hazard_type"]) == ("重大", "待整改", "用电")
    assert major["deadline"] == today + pd.Timedelta(days=30)
    assert pd.isna(major["rectified_date"]) and major["responsible_person"] == "王五"
    assert major["description"] == "配电箱<b>线路</b>老化"
    for hid in haz["hazard_id"]:
        assert hid in at.success[0].value
    # the form is cleared for the next record
    assert at.radio(key="rec_result").value == "未发现隐患"


def test_missing_fields_show_chinese_errors_and_write_nothing(store_copy):
    site = a_site(store_copy)
    before = counts(store_copy)
    at = run_page(site=site["site_id"])
    at.selectbox(key="rec_type").set_value("领导带队").run()
    at.radio(key="rec_result").set_value("发现隐患").run()
    at.text_area(key="rec_h0_desc").set_value("灭火器过期")
    save(at)
    errors = at.error[0].value
    assert "带队领导" in errors
    assert "隐患1：请填写隐患部位" in errors and "隐患1：请填写整改措施" in errors
    assert counts(store_copy) == before
    # nothing typed is lost
    assert at.selectbox(key="rec_site").value == site["site_id"]
    assert at.text_area(key="rec_h0_desc").value == "灭火器过期"
    # completing the form saves it
    at.text_input(key="rec_leader").set_value("赵主任")
    at.text_input(key="rec_h0_part").set_value("一楼大厅")
    at.text_area(key="rec_h0_measures").set_value("更换灭火器")
    save(at)
    assert not at.error, [e.value for e in at.error]
    new = SQLiteStore(store_copy).inspections().iloc[-1]
    assert (new["type"], new["leader"]) == ("领导带队", "赵主任")
    assert counts(store_copy) == (before[0] + 1, before[1] + 1)


def test_double_submit_with_the_same_request_id_writes_once(store_copy):
    site = a_site(store_copy)
    before = counts(store_copy)
    at = run_page(site=site["site_id"])
    rid = at.session_state["rec_request_id"]
    save(at)
    first = SQLiteStore(store_copy).inspections().iloc[-1]["inspection_id"]
    assert at.session_state["rec_request_id"] != rid  # renewed after the save
    # the same submission arrives again (double tap, retried request)
    at.session_state["rec_request_id"] = rid
    choose_by_search(at, site["site_id"], site["site_id"])
    save(at)
    assert counts(store_copy) == (before[0] + 1, before[1])
    assert not at.error, [e.value for e in at.error]
    assert first in at.success[0].value


def test_site_parameter_preselects_the_unit_and_a_bad_one_is_reported(store_copy):
    site = a_site(store_copy, category="群租")
    at = run_page(site=site["site_id"])
    assert at.selectbox(key="rec_site").value == site["site_id"]
    at.radio(key="rec_result").set_value("发现隐患").run()
    assert at.selectbox(key="rec_h0_pick").options[0] == "隔断间/厨房：违规分隔搭建"
    at = run_page(site="S999999")
    assert "S999999 不存在" in at.error[0].value
    assert at.selectbox(key="rec_site").value is None


def test_search_by_uscc_and_address(store_copy):
    sites = SQLiteStore(store_copy).sites()
    site = sites[sites["uscc"].notna() & sites["uscc"].ne("None")].iloc[0]
    at = run_page()
    at.text_input(key="rec_search").set_value(site["uscc"]).run()
    assert at.selectbox(key="rec_site").options[0].endswith(f"（{site['site_id']}）")
    at.text_input(key="rec_search").set_value("不存在的地址xyz").run()
    assert "没有找到匹配的单位" in [c.value for c in at.caption]


def test_a_half_filled_form_survives_a_page_switch(store_copy):
    """The inspector looks something up on 隐患台账 and comes back: nothing typed is lost."""
    site = a_site(store_copy)
    at = AppTest.from_file("../../app.py", default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/record.py")
    at.run()
    choose_by_search(at, site["name"], site["site_id"])
    at.radio(key="rec_result").set_value("发现隐患").run()
    at.radio(key="rec_h0_level").set_value("重大").run()
    at.text_area(key="rec_h0_desc").set_value("配电箱线路老化")
    at.text_input(key="rec_h0_part").set_value("配电间").run()

    at.switch_page("app_pages/hazards.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.switch_page("app_pages/record.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]

    assert at.text_input(key="rec_search").value == site["name"]
    assert at.selectbox(key="rec_site").value == site["site_id"]
    assert at.radio(key="rec_h0_level").value == "重大"
    assert at.text_area(key="rec_h0_desc").value == "配电箱线路老化"
    assert at.text_input(key="rec_h0_part").value == "配电间"
    assert at.date_input(key="rec_h0_deadline").value == dt.date.today() + dt.timedelta(days=30)


def test_the_recorder_is_the_signed_in_account_and_a_leader_only_records_led_checks(store_copy):
    site = a_site(store_copy)["site_id"]
    before = counts(store_copy)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["account"] = Account("lingdao", "演示领导", "领导")
    at.query_params["site"] = site
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "演示领导" in " ".join(c.value for c in at.caption)
    save(at)  # a 日常 check: not the leader's to record
    assert "只能登记领导带队检查" in " ".join(e.value for e in at.error)
    assert counts(store_copy) == before
    at.selectbox(key="rec_type").set_value("领导带队").run()
    at.text_input(key="rec_leader").set_value("演示领导")
    save(at)
    assert counts(store_copy) == (before[0] + 1, before[1])
    assert SQLiteStore(store_copy).audit_log().iloc[-1]["user"] == "lingdao"
