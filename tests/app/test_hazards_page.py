"""隐患台账 page: worklist on the small store, filters, every lifecycle step, stale edits, bulk 销号.

Tests that write work on a copy of the small session store (SQLite backup), so the other app
tests keep reading the unchanged sample.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ledger.hazard_ledger import HazardFilter, filter_hazards, ledger_table, next_actions
from registry.accounts import Account

PAGE = "../../app_pages/hazards.py"
TIMEOUT = 120
OPERATOR = "pingan"  # the signed-in demo 平安办 account (tests/app/conftest.py)


@pytest.fixture
def store_copy(writable_store):
    return writable_store


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def text(elements) -> str:
    """Shown text of st.error/st.success elements without markdown escapes."""
    return "\n".join(e.value for e in elements).replace("\\", "")


def frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column`` (worklist: 等级; history: 操作人; bulk: 结果)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def status_of(store, hid: str) -> str:
    return store.hazards().set_index("hazard_id").loc[hid, "status"]


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def date_key(status: str, label: str, field: str, hid: str) -> str:
    action = next(a for a in next_actions(status) if a.label == label)
    return f"hz_{action.key}_{field}_{hid}"


def pick(at: AppTest, hid: str) -> AppTest:
    at.multiselect(key="hz_f_status").set_value(["待整改", "整改中", "待复查", "已销号"])
    at.run()
    at.selectbox(key="hz_pick").set_value(hid).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def a_hazard(store, status: str, level: str | None = "一般", min_age_days: int = 3) -> str:
    h = store.hazards()
    old = h["found_date"] < pd.Timestamp(dt.date.today() - dt.timedelta(days=min_age_days))
    of_level = h["level"].eq(level) if level else True
    return str(h.loc[h["status"].eq(status) & old & of_level, "hazard_id"].iloc[0])


def test_opens_on_the_small_store_with_open_hazards_most_urgent_first(small_store):
    from registry.store import SQLiteStore

    tables = SQLiteStore(small_store).tables()
    as_of = tables["inspections"]["date"].max().date()
    at = open_page()
    assert at.title[0].value == "隐患台账"
    expected = filter_hazards(
        ledger_table(tables["hazards"], tables["sites"], as_of),
        HazardFilter(statuses=("待整改", "整改中", "待复查")),
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["筛选结果"] == f"{len(expected)} 条"
    assert metrics["单位逾期"] == f"{int(expected['unit_late'].sum())} 条"
    assert metrics["平安办逾期"] == f"{int(expected['office_late'].sum())} 条"
    view = frame(at, "等级")
    assert view["隐患编号"].tolist() == expected["hazard_id"].tolist()
    late = (view["单位逾期（天）"] > 0) | (view["平安办逾期（工作日）"] > 0)
    assert late.iloc[0] and late.tolist() == sorted(late, reverse=True)  # late ones first
    # the most urgent hazard is selected, with its detail, steps and downloads
    assert at.selectbox(key="hz_pick").value == expected["hazard_id"].iloc[0]
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"下载台账（XLSX）", "下载本单位整改通知书（HTML，可打印）"}
    assert {b.label for b in at.button} >= {"批量复查合格并销号"}


def test_filter_by_status_and_office_lateness(store_copy):
    # one hazard rectified 30 days ago and still waiting for its 复查: the office is late
    hid = a_hazard(store_copy, "待整改", level=None, min_age_days=31)
    store_copy.update_hazard(
        hid,
        user="jiancha",
        status="待复查",
        rectified_date=dt.date.today() - dt.timedelta(days=30),
    )
    hazards = store_copy.hazards()
    at = open_page()
    at.multiselect(key="hz_f_status").set_value(["待复查"]).run()
    view = frame(at, "等级")
    assert len(view) == int(hazards["status"].eq("待复查").sum())
    assert set(view["状态"]) == {"待复查"} and hid in set(view["隐患编号"])
    at.multiselect(key="hz_f_late").set_value(["平安办逾期"]).run()
    view = frame(at, "等级")
    assert hid in set(view["隐患编号"]) and (view["平安办逾期（工作日）"] > 0).all()
    assert {m.label: m.value for m in at.metric}["平安办逾期"] == f"{len(view)} 条"
    at.multiselect(key="hz_f_late").set_value(["单位逾期"]).run()
    assert (frame(at, "等级")["单位逾期（天）"] > 0).all()
    at.multiselect(key="hz_f_status").set_value(["已销号"]).run()
    at.multiselect(key="hz_f_late").set_value([]).run()
    assert set(frame(at, "等级")["状态"]) == {"已销号"}


def test_every_step_to_closing_including_a_refused_one(store_copy):
    hid = a_hazard(store_copy, "待整改")
    today = dt.date.today()
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["account"] = Account("fenxi", "演示分析", "分析")
    at.run()
    at = pick(at, hid)

    # an analyst may read the ledger but not change it: no step is offered (the store would
    # refuse it too: tests/registry/test_accounts.py)
    assert not [b for b in at.button if b.label == "开始整改"]
    assert "只读" in " ".join(c.value for c in at.caption)
    assert status_of(store_copy, hid) == "待整改"

    at.session_state["account"] = Account("pingan", "演示平安办", "平安办")
    at.run()
    click(at, "开始整改")
    assert "开始整改" in text(at.success) and status_of(store_copy, hid) == "整改中"

    at.date_input(key=date_key("整改中", "整改完成待复查", "rectified_date", hid)).set_value(today)
    click(at, "整改完成待复查")
    assert status_of(store_copy, hid) == "待复查"

    # refused: 复查 before the rectification — the store's Chinese message, nothing written
    key = date_key("待复查", "复查合格并销号", "reinspection_date", hid)
    at.date_input(key=key).set_value(today - dt.timedelta(days=2))
    click(at, "复查合格并销号")
    assert "复查合格日期早于整改完成日期" in text(at.error)
    assert status_of(store_copy, hid) == "待复查"

    # 复查不合格: asks for the 复查日期 and a new deadline
    label = "复查不合格退回整改"
    at.date_input(key=date_key("待复查", label, "reinspection_date", hid)).set_value(today)
    click(at, label)
    assert "请填写新的整改期限" in text(at.error)
    at.date_input(key=date_key("待复查", label, "deadline", hid)).set_value(
        today + dt.timedelta(days=14)
    )
    click(at, label)
    row = store_copy.hazards().set_index("hazard_id").loc[hid]
    assert (row["status"], row["reinspection_result"]) == ("整改中", "不合格")
    assert row["deadline"].date() == today + dt.timedelta(days=14)

    at.date_input(key=date_key("整改中", "整改完成待复查", "rectified_date", hid)).set_value(today)
    click(at, "整改完成待复查")
    at.date_input(key=key).set_value(today)
    click(at, "复查合格并销号")
    row = store_copy.hazards().set_index("hazard_id").loc[hid]
    assert (row["status"], row["reinspection_result"]) == ("已销号", "合格")
    assert row["closed_date"].date() == today
    assert "该隐患已复查合格并销号" in text(at.success)

    log = store_copy.audit_log()
    mine = log[log["entity_id"].eq(hid) & log["action"].eq("update_hazard")]
    assert len(mine) == 5 and set(mine["user"]) == {OPERATOR}
    history = frame(at, "操作人")
    assert history["操作人"].tolist()[-5:] == [OPERATOR] * 5


def test_a_stale_status_shows_changed_by_someone_else(store_copy):
    hid = a_hazard(store_copy, "待整改")
    at = pick(open_page(), hid)
    # another user starts the rectification after the page was shown
    store_copy.update_hazard(hid, user="jiancha", status="整改中")
    click(at, "开始整改")
    assert "已被他人修改" in text(at.error)
    log = store_copy.audit_log()
    assert OPERATOR not in set(log.loc[log["entity_id"].eq(hid), "user"])
    # after the refresh the page offers the steps of the new status
    assert {b.label for b in at.button} >= {"整改完成待复查"}
    assert "开始整改" not in {b.label for b in at.button}


def test_bulk_close_reports_each_hazard(store_copy):
    h = store_copy.hazards()
    ids = h.loc[h["status"].eq("待复查") & h["level"].eq("一般"), "hazard_id"].tolist()[:3]
    assert len(ids) == 3
    at = open_page()
    at.multiselect(key="hz_f_status").set_value(["待复查"]).run()
    at.multiselect(key="hz_bulk_ids").set_value(ids)
    at.date_input(key="hz_bulk_date").set_value(dt.date.today())
    # meanwhile another user sends the second one back
    store_copy.update_hazard(
        ids[1], user="jiancha", status="整改中", reinspection_result="不合格",
        reinspection_date=dt.date.today(), deadline=dt.date.today() + dt.timedelta(days=7),
    )  # fmt: skip
    click(at, "批量复查合格并销号")
    assert "成功 2 条，失败 1 条" in text(at.warning)
    result = frame(at, "结果")
    assert result["隐患编号"].tolist() == ids
    assert result["结果"].tolist() == ["成功", "失败", "成功"]
    assert "已被他人修改" in result["说明"].iloc[1]
    status = store_copy.hazards().set_index("hazard_id")["status"]
    assert status[ids].tolist() == ["已销号", "整改中", "已销号"]
    # the closed ones left the 待复查 list
    assert not set(ids) & set(frame(at, "等级")["隐患编号"])


def test_hostile_ledger_text_is_shown_only_as_plain_text(store_copy):
    payload = (
        "[点我](http://evil.example) ![x](http://evil.example/x.png) <script>alert(1)</script>"
    )
    [sid] = store_copy.add_sites(
        pd.DataFrame({"name": [payload], "address": [payload], "lon": [121.39], "lat": [31.255],
                      "category": ["厂房仓库"]})
    )  # fmt: skip
    _, [hid] = store_copy.add_inspection(
        {"site_id": sid, "date": dt.date.today() - dt.timedelta(days=20), "type": "日常",
         "team": "平安办一组"},
        [{"level": "重大", "hazard_type": "消防", "part": payload, "description": payload,
          "responsible_unit": payload, "measures": payload,
          "deadline": dt.date.today() - dt.timedelta(days=10)}],
    )  # fmt: skip
    at = pick(open_page(), hid)
    card = frame(at, "项目").set_index("项目")["内容"]
    assert card["单位"] == payload and card["整改措施（清楚3）"] == payload
    assert at.selectbox(key="hz_pick").value == hid
    markdown = [
        e.value for kind in ("markdown", "caption", "title", "subheader") for e in at.get(kind)
    ]
    markdown += [e.value for e in (*at.error, *at.success, *at.warning, *at.info)]
    assert not any("evil.example" in m or "<script" in m for m in markdown)
    # an action on it still works and its message is plain
    click(at, "开始整改")
    assert status_of(store_copy, hid) == "整改中"
    assert not any("evil.example" in e.value for e in (*at.error, *at.success))


def test_a_major_hazard_is_closed_only_after_its_record_is_complete(store_copy):
    h = store_copy.hazards()
    waiting = h["status"].eq("待复查") & h["level"].eq("重大") & h["major_basis"].isna()
    if not waiting.any():  # the small store may have none waiting: make one
        hid = a_hazard(store_copy, "整改中", "重大") if (
            h["status"].eq("整改中") & h["level"].eq("重大")).any() else a_hazard(
            store_copy, "待整改", "重大")
        store_copy.update_hazard(hid, status="待复查", rectified_date=dt.date.today())
    else:
        hid = str(h.loc[waiting, "hazard_id"].iloc[0])
    rectified = store_copy.hazards().set_index("hazard_id").loc[hid, "rectified_date"].date()
    at = pick(open_page(), hid)
    assert any("销号前尚缺" in e.label for e in at.expander)
    key = date_key("待复查", "复查合格并销号", "reinspection_date", hid)
    at.date_input(key=key).set_value(max(rectified, dt.date.today()))
    click(at, "复查合格并销号")
    assert "重大隐患销号前须登记" in text(at.error) and status_of(store_copy, hid) == "待复查"

    record = {
        "major_basis": "GB 35181-2025 5.3.2", "determined_by": "王某、李某、张某",
        "plan": "拆除封堵，恢复疏散楼梯", "reported_to": "区应急管理局",
        "supervised_by": "街道安委办",
    }  # fmt: skip
    for name, value in record.items():
        at.text_input(key=f"hz_major_{name}_{hid}").input(value)
    for name in ("reported_date", "supervised_since"):
        at.date_input(key=f"hz_major_{name}_{hid}").set_value(rectified)
    at.checkbox(key=f"hz_major_suspension_{hid}").check()
    click(at, "保存重大隐患登记")
    assert "重大隐患登记已保存" in text(at.success)
    row = store_copy.hazards().set_index("hazard_id").loc[hid]
    assert row["plan"] == record["plan"] and bool(row["suspension"]) and bool(row["supervised"])
    at.date_input(key=key).set_value(max(rectified, dt.date.today()))
    click(at, "复查合格并销号")
    assert status_of(store_copy, hid) == "已销号"


def test_the_photos_of_a_hazard_are_shown_with_it(store_copy):
    import io

    from PIL import Image

    hid = a_hazard(store_copy, "待整改")
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buf, "JPEG")
    store_copy.add_attachment(buf.getvalue(), kind="before", filename="现场[1].jpg",
                              user="jiancha", hazard_id=hid)
    at = pick(open_page(), hid)
    images = [el for el in at.main if getattr(el, "type", "") == "image"]
    assert len(images) == 1, [getattr(el, "type", "") for el in at.main]
