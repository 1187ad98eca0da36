"""单位管理 page: find a unit, correct it (audited with the 操作人), 注销 with confirmation, stale
edits refused, invalid input refused with nothing written, a new unit written once, a moved point.

Tests that write work on a copy of the small session store (SQLite backup), so the other app
tests keep reading the unchanged sample.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from registry.accounts import Account
from registry.unit_form import committee_at

PAGE = "../../app_pages/units.py"
TIMEOUT = 120
OPERATOR = "pingan"  # the signed-in demo 平安办 account (tests/app/conftest.py)
#: A point in the 南大街 居委 (registry.committees doctest).
NANDAJIE = (121.3965, 31.2519)


@pytest.fixture
def store_copy(writable_store):
    return writable_store


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown(elements) -> str:
    """Shown text of st.error/st.success/st.info elements without markdown escapes."""
    return "\n".join(e.value for e in elements).replace("\\", "")


def frame(at: AppTest, column: str):
    """The first table on the page with ``column`` (card: 项目; history: 操作人)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def pick(at: AppTest, site_id: str) -> AppTest:
    at.text_input(key="un_q").input(site_id).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="un_pick").value == site_id
    return at


def a_unit(store, exclude_committee: str | None = None) -> dict:
    """An ordinary unit (正常, inside the boundary, with a USCC)."""
    s = store.sites()
    ok = s["operating_state"].eq("正常") & ~s["outside_boundary"] & s["uscc"].notna()
    if exclude_committee:
        ok &= s["committee"].ne(exclude_committee)
    return s.loc[ok].iloc[0].to_dict()


def site_row(store, site_id: str) -> dict:
    return store.sites().set_index("site_id").loc[site_id].to_dict()


def test_page_finds_a_unit_and_shows_its_fields(store_copy):
    unit = a_unit(store_copy)
    at = open_page()
    assert at.title[0].value == "单位管理"
    at.text_input(key="un_q").input(unit["uscc"]).run()  # by 统一社会信用代码
    assert at.selectbox(key="un_pick").value == unit["site_id"]
    card = frame(at, "项目")
    assert unit["name"] in card["内容"].tolist()
    assert at.text_input(key=f"un_e_name_{unit['site_id']}").value == unit["name"]
    assert at.radio(key=f"un_e_operating_state_{unit['site_id']}").value == "正常"
    at.text_input(key="un_q").input("没有这样的单位名称").run()
    assert "没有找到匹配的单位" in shown(at.info)


def test_edit_name_is_stored_and_audited_with_the_operator(store_copy):
    unit = a_unit(store_copy)
    sid = unit["site_id"]
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["account"] = Account("jiancha", "演示检查员", "检查员")
    at.run()
    at = pick(at, sid)
    at.text_input(key=f"un_e_name_{sid}").input("真如测试更名有限公司")
    click(at, f"un_save_{sid}")  # an inspector records checks but does not edit units
    assert "无权新增或修改单位" in shown(at.error)
    assert site_row(store_copy, sid)["name"] == unit["name"]
    assert at.text_input(key=f"un_e_name_{sid}").value == "真如测试更名有限公司"  # kept

    at.session_state["account"] = Account("pingan", "演示平安办", "平安办")
    at.run()
    click(at, f"un_save_{sid}")
    assert f"单位 {sid} 已保存（单位名称）" in shown(at.success)
    assert site_row(store_copy, sid)["name"] == "真如测试更名有限公司"
    log = store_copy.audit_log()
    last = log.loc[log["action"].eq("update_site")].iloc[-1]
    assert (last["user"], last["entity_id"]) == (OPERATOR, sid)
    assert json.loads(last["after"]) == {"name": "真如测试更名有限公司"}
    history = frame(at, "操作人")
    assert history.iloc[-1]["操作人"] == OPERATOR
    assert "真如测试更名有限公司" in history.iloc[-1]["内容"]


def test_deregistering_needs_a_confirmation(store_copy):
    sid = a_unit(store_copy)["site_id"]
    at = pick(open_page(), sid)
    at.radio(key=f"un_e_operating_state_{sid}").set_value("注销").run()
    click(at, f"un_save_{sid}")
    assert "确认注销" in shown(at.error)
    assert site_row(store_copy, sid)["operating_state"] == "正常"

    at.checkbox(key=f"un_e_confirm_{sid}").check()
    click(at, f"un_save_{sid}")
    assert "已保存（经营状态）" in shown(at.success)
    assert site_row(store_copy, sid)["operating_state"] == "注销"
    assert any("经营状态：注销" in w.value for w in at.warning)


def test_a_stale_edit_is_refused_and_keeps_both_changes(store_copy):
    unit = a_unit(store_copy)
    sid = unit["site_id"]
    at = pick(open_page(), sid)
    # Another user corrects the address while this one edits the name.
    store_copy.update_site(sid, user="admin", address="真如路1号")
    at.text_input(key=f"un_e_name_{sid}").input("改名甲")
    click(at, f"un_save_{sid}")
    assert "已被他人修改" in shown(at.error)
    assert site_row(store_copy, sid)["name"] == unit["name"]
    # This user's change is kept on the form; the other's shows where he changed nothing.
    assert at.text_input(key=f"un_e_name_{sid}").value == "改名甲"
    assert at.text_input(key=f"un_e_address_{sid}").value == "真如路1号"
    click(at, f"un_save_{sid}")
    row = site_row(store_copy, sid)
    assert (row["name"], row["address"]) == ("改名甲", "真如路1号")


def test_an_invalid_uscc_shows_the_chinese_error_and_writes_nothing(store_copy):
    sid = a_unit(store_copy)["site_id"]
    before, n_audit = store_copy.sites(), len(store_copy.audit_log())
    at = pick(open_page(), sid)
    at.text_input(key=f"un_e_uscc_{sid}").input("12345")
    at.text_input(key=f"un_e_name_{sid}").input("新名称也不保存")
    click(at, f"un_save_{sid}")
    assert "统一社会信用代码长度应为18位" in shown(at.error)
    assert "第1行" not in shown(at.error)
    assert store_copy.sites().equals(before)
    assert len(store_copy.audit_log()) == n_audit
    assert at.text_input(key=f"un_e_uscc_{sid}").value == "12345"  # nothing lost
    assert at.text_input(key=f"un_e_name_{sid}").value == "新名称也不保存"


def test_a_new_unit_is_written_once_on_a_repeated_submit(store_copy):
    n_sites = len(store_copy.sites())
    at = open_page()
    click(at, "un_add")  # empty form: refused
    assert "请选择类别" in shown(at.error)
    at.text_input(key="un_n_name").input("新开五金店")
    at.selectbox(key="un_n_category").set_value("快递外卖点").run()
    at.number_input(key="un_n_lon").set_value(NANDAJIE[0])
    at.number_input(key="un_n_lat").set_value(NANDAJIE[1]).run()
    assert "属于居委：南大街" in shown(at.info)
    click(at, "un_add")
    assert "已登记新单位" in shown(at.success)
    click(at, "un_add")  # a double tap / retried submit
    assert "重复提交未再次写入" in shown(at.info)
    sites = store_copy.sites()
    assert len(sites) == n_sites + 1
    new = sites.iloc[-1]
    assert (new["name"], new["committee"], new["category"]) == (
        "新开五金店",
        "南大街",
        "快递外卖点",
    )
    assert new["department"] and new["operating_state"] == "正常"
    log = store_copy.audit_log()
    added = log.loc[log["action"].eq("add_sites") & log["entity"].eq("sites")]
    assert added.iloc[-1]["user"] == OPERATOR and added.iloc[-1]["entity_id"] == new["site_id"]
    assert int(added["entity_id"].eq(new["site_id"]).sum()) == 1


def test_moving_a_point_assigns_its_committee_again(store_copy):
    unit = a_unit(store_copy, exclude_committee="南大街")
    sid = unit["site_id"]
    assert committee_at(*NANDAJIE) == "南大街"
    at = pick(open_page(), sid)
    at.number_input(key=f"un_e_lon_{sid}").set_value(NANDAJIE[0])
    at.number_input(key=f"un_e_lat_{sid}").set_value(NANDAJIE[1])
    at.selectbox(key=f"un_e_cq_{sid}").set_value("geocoded").run()
    assert "属于居委：南大街" in shown(at.info)
    click(at, f"un_save_pos_{sid}")
    assert "位置已保存（居委：南大街）" in shown(at.success)
    row = site_row(store_copy, sid)
    assert (row["lon"], row["lat"]) == pytest.approx(NANDAJIE)
    assert (row["committee"], row["coord_quality"]) == ("南大街", "geocoded")


def test_the_first_unit_of_an_empty_registry_is_added_here(tmp_path, monkeypatch):
    import pandas as pd

    from registry.schema import SITE_COLUMNS
    from registry.store import SQLiteStore

    path = tmp_path / "empty.db"
    with SQLiteStore(path) as store:
        store.replace_all({"sites": pd.DataFrame(columns=[c.name for c in SITE_COLUMNS])})
    monkeypatch.setenv("ZHENRU_STORE", str(path))
    at = open_page()
    assert "暂无单位" in shown(at.info)
    assert not at.error
    at.text_input(key="un_n_name").input("第一家单位")
    at.selectbox(key="un_n_category").set_value("厂房仓库")
    at.number_input(key="un_n_lon").set_value(NANDAJIE[0])
    at.number_input(key="un_n_lat").set_value(NANDAJIE[1]).run()
    click(at, "un_add")
    assert "已登记新单位 S000001" in shown(at.success)
    with SQLiteStore(path) as store:
        assert store.sites()["name"].tolist() == ["第一家单位"]


def test_a_unit_without_park_or_uscc_can_be_saved(store_copy):
    """Most units have neither; an empty field the user saw must not read as "changed"."""
    s = store_copy.sites()
    unit = s.loc[s["park"].isna() & s["uscc"].isna() & s["operating_state"].eq("正常")].iloc[0]
    sid = unit["site_id"]
    at = pick(open_page(), sid)
    at.text_input(key=f"un_e_address_{sid}").input("真如路2号")
    click(at, f"un_save_{sid}")
    assert not at.error, shown(at.error)
    assert site_row(store_copy, sid)["address"] == "真如路2号"


def test_a_new_category_brings_its_subcategories_and_department(store_copy):
    s = store_copy.sites()
    unit = s.loc[s["category"].eq("群租") & s["park"].isna()].iloc[0]
    sid = unit["site_id"]
    at = pick(open_page(), sid)
    at.selectbox(key=f"un_e_category_{sid}").set_value("特种设备").run()
    sub = at.selectbox(key=f"un_e_subcategory_{sid}_特种设备")
    assert "锅炉" in sub.options
    sub.set_value("锅炉")
    click(at, f"un_save_{sid}")
    row = site_row(store_copy, sid)
    assert (row["category"], row["subcategory"]) == ("特种设备", "锅炉")
    assert row["department"] == "真如市场监管所"  # the sector's department, not the old one
    # The form now shows what is stored, so a second save does not put the old department back.
    assert at.selectbox(key=f"un_e_department_{sid}").value == "真如市场监管所"
    at.text_input(key=f"un_e_name_{sid}").input("锅炉房甲")
    click(at, f"un_save_{sid}")
    assert site_row(store_copy, sid)["department"] == "真如市场监管所"
