"""Sign-in and roles as users meet them: what each role opens and sees (AppTest).

The table ``EXPECTED_PAGES`` is the role × page contract; every other test checks a rule a
user relies on: an anonymous visitor sees no data, a 居委 sees only its own units (also when
it types another zone's unit id), personal fields are masked for roles that do not need
them, and only the 管理员 manages accounts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import PAGES
from registry.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, MASK, Account
from registry.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
APP = "../../app.py"
TIMEOUT = 240

#: role → url paths of the pages it opens (the rest of PAGES it must not).
EXPECTED_PAGES = {
    "管理员": {p[2] for p in PAGES},
    "平安办": {p[2] for p in PAGES} - {"admin"},
    "检查员": {"map", "record", "hazards", "units", "ranking", "routes", "period", "account"},
    "居委": {"map", "record", "hazards", "units", "ranking", "routes", "period", "account"},
    "领导": {"map", "record", "hazards", "ranking", "routes", "period", "holiday", "stats",
             "targets", "facilities", "screen", "account"},
    "分析": {"map", "hazards", "ranking", "routes", "period", "holiday", "stats", "targets",
             "facilities", "screen", "account"},
    "大屏": {"screen"},
}  # fmt: skip
LANDING = {"管理员": "风险地图", "平安办": "隐患台账", "检查员": "巡查路线", "领导": "节前检查",
           "分析": "优先排名"}  # fmt: skip


def account(username: str, small_store: Path) -> Account:
    with SQLiteStore(small_store) as store:
        return store.account(username)


def anonymous() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["account"] = None
    return at


def shown_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "header", "subheader",
                                  "error", "info", "warning", "success") for e in at.get(kind)]
    parts += [df.value.to_string() for df in at.dataframe]
    return " ".join(str(p) for p in parts)


def test_an_anonymous_visitor_sees_the_sign_in_form_and_no_data(small_store):
    at = anonymous()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.dataframe and not at.get("deck_gl_json_chart")
    names = SQLiteStore(small_store).sites()["name"].astype(str)
    text = shown_text(at)
    assert not any(n in text for n in names if len(n) >= 4)


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_landing_page(small_store):
    at = anonymous()
    at.run()
    at.text_input(key="auth_user").input("pingan")
    at.text_input(key="auth_password").input("wrong-password")
    at.button[0].click().run()
    assert "用户名或密码错误" in " ".join(e.value for e in at.error)
    assert at.text_input(key="auth_password").value == ""  # the password is not kept
    at.text_input(key="auth_user").input("pingan")
    at.text_input(key="auth_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "隐患台账"  # the office starts on the ledger
    assert "演示数据" in " ".join(w.value for w in at.warning)


@pytest.mark.parametrize("role", list(EXPECTED_PAGES))
def test_each_role_opens_exactly_its_pages_and_lands_where_its_day_starts(role, small_store):
    username = next(u for u, (r, _) in DEMO_ACCOUNTS.items() if r == role)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["account"] = account(username, small_store)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if role in LANDING:
        assert at.title[0].value == LANDING[role]
    for path, _title, url_path, _icon in PAGES:
        if url_path in EXPECTED_PAGES[role]:
            at.switch_page(path)  # registered: the role may open it
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)


def test_a_committee_sees_only_its_own_units_even_by_a_typed_id(small_store):
    juwei = account("juwei", small_store)
    sites = SQLiteStore(small_store).sites()
    zone = juwei.committees[0]
    other = sites.loc[sites["committee"].ne(zone), "site_id"].iloc[0]

    at = AppTest.from_file(str(ROOT / "app_pages" / "ranking.py"), default_timeout=TIMEOUT)
    at.session_state["account"] = juwei
    at.run()
    ranked = at.dataframe[0].value
    assert len(ranked) == int(sites["committee"].eq(zone).sum())
    assert set(ranked["居委"]) == {zone}

    at = AppTest.from_file(str(ROOT / "app_pages" / "record.py"), default_timeout=TIMEOUT)
    at.session_state["account"] = juwei
    at.query_params["site"] = other
    at.run()
    assert f"链接中的单位编号 {other} 不存在" in " ".join(e.value for e in at.error)


def test_an_analyst_sees_the_ledger_with_personal_fields_masked(small_store):
    hazards = SQLiteStore(small_store).hazards()
    persons = hazards["responsible_person"].dropna().astype(str).unique()
    assert len(persons)
    at = AppTest.from_file(str(ROOT / "app_pages" / "hazards.py"), default_timeout=TIMEOUT)
    at.session_state["account"] = account("fenxi", small_store)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.multiselect(key="hz_f_status").set_value(["待整改", "整改中", "待复查", "已销号"]).run()
    first = at.selectbox(key="hz_pick").options[0]
    at.selectbox(key="hz_pick").set_value(at.selectbox(key="hz_pick").value).run()
    text = shown_text(at)
    assert first and MASK in text
    assert not any(p in text for p in persons if len(p) >= 2)


def test_the_wall_screen_shows_no_personal_field(small_store):
    store = SQLiteStore(small_store)
    hazards, inspections = store.hazards(), store.inspections()
    personal = pd.concat([
        hazards["responsible_person"], hazards["determined_by"], inspections["leader"],
    ]).dropna().astype(str)  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["account"] = account("dapin", small_store)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1  # the screen itself
    text = shown_text(at) + decks[0].proto.json
    assert not any(p in text for p in personal.unique() if len(p) >= 2)
    assert not at.sidebar.button  # no sign-out or date widgets on the kiosk


def test_only_the_administrator_manages_accounts_and_reads_the_audit_trail(small_store):
    page = str(ROOT / "app_pages" / "admin.py")
    at = AppTest.from_file(page, default_timeout=TIMEOUT)  # 平安办 (tests/app/conftest.py)
    at.run()
    assert "只有管理员" in " ".join(e.value for e in at.error) and not at.dataframe
    at = AppTest.from_file(page, default_timeout=TIMEOUT)
    at.session_state["account"] = account("admin", small_store)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    accounts = at.dataframe[0].value
    assert set(accounts["用户名"]) >= set(DEMO_ACCOUNTS)
    assert not any("argon2" in str(v) for v in accounts.to_numpy().ravel())


def test_the_administrator_creates_an_account_that_can_sign_in(writable_store):
    zone = writable_store.account("juwei").committees[0]
    at = AppTest.from_file(str(ROOT / "app_pages" / "admin.py"), default_timeout=TIMEOUT)
    at.session_state["account"] = writable_store.account("admin")
    at.run()
    at.text_input(key="adm_username").input("zhangsan")
    at.text_input(key="adm_name").input("张三")
    at.selectbox(key="adm_role").set_value("居委")
    at.multiselect(key="adm_zones").set_value([zone])
    at.text_input(key="adm_password").input("short")
    at.button(key="FormSubmitter:adm_new-创建").click().run()
    assert "至少 10 个字符" in " ".join(e.value for e in at.error)
    assert writable_store.account("zhangsan") is None
    at.text_input(key="adm_username").input("zhangsan")
    at.text_input(key="adm_name").input("张三")
    at.selectbox(key="adm_role").set_value("居委")
    at.multiselect(key="adm_zones").set_value([zone])
    at.text_input(key="adm_password").input("zhangsan-pass-1")
    at.button(key="FormSubmitter:adm_new-创建").click().run()
    assert "已创建账户 zhangsan" in " ".join(s.value for s in at.success)
    assert writable_store.sign_in("zhangsan", "zhangsan-pass-1").committees == (zone,)
    log = writable_store.audit_log()
    assert log.loc[log["action"].eq("add_account"), "user"].iloc[-1] == "admin"


def test_the_maps_cache_never_hands_one_accounts_units_to_another(small_store):
    """The map page caches its filtered table and map for all sessions: the account's scope is
    part of the key (a 居委 after the office sees its own units, the office after a 居委 all)."""
    sites = SQLiteStore(small_store).sites()
    juwei = account("juwei", small_store)
    own = int(sites["committee"].eq(juwei.committees[0]).sum())
    shown = []
    for who in (account("pingan", small_store), juwei, account("pingan", small_store)):
        at = AppTest.from_file(str(ROOT / "app_pages" / "map.py"), default_timeout=TIMEOUT)
        at.session_state["account"] = who
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        value = next(m.value for m in at.metric if m.label == "地图上单位")
        shown.append(int(str(value).replace(",", "")))
    assert shown == [len(sites), own, len(sites)]
