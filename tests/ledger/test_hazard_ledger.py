"""ledger.hazard_ledger: the two kinds of lateness, next steps, filters, export and 整改通知书."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from app_pages._export import to_xlsx_bytes
from ledger.hazard_ledger import (
    EXPORT_COLUMNS,
    HazardFilter,
    action_fields,
    add_working_days,
    close_hazards,
    count_working_days,
    export_table,
    filter_hazards,
    hazard_detail,
    hazard_history,
    lateness,
    ledger_table,
    next_actions,
    rectification_notice,
)
from registry.enums import HAZARD_STATUSES, STATUS_TRANSITIONS
from registry.validate import RegistryValidationError

NaT = pd.NaT


def hazard(status, deadline, rectified=None, reinspected=None, result=None, **extra) -> dict:
    return {
        "status": status,
        "deadline": pd.Timestamp(deadline),
        "rectified_date": pd.Timestamp(rectified) if rectified else NaT,
        "reinspection_date": pd.Timestamp(reinspected) if reinspected else NaT,
        "reinspection_result": result,
        **extra,
    }


def late_row(h: dict, as_of, limit: int = 5) -> dict:
    return lateness(pd.DataFrame([h]), as_of, limit).iloc[0].to_dict()


# -- working days ------------------------------------------------------------------------------
def test_working_days_follow_the_holiday_calendar_with_makeup_days():
    # 2024 国庆: 10-01…10-07 off, Sunday 09-29 and Saturday 10-12 are 调休 work days
    assert add_working_days(["2024-09-27"], 5).dt.date.tolist() == [dt.date(2024, 10, 10)]
    assert add_working_days(["2024-10-10"], 2).dt.date.tolist() == [dt.date(2024, 10, 12)]
    assert count_working_days(["2024-09-27"], ["2024-10-08"]).tolist() == [3]
    # an ordinary week: Friday → next Friday = 5
    assert count_working_days(["2024-06-14"], ["2024-06-21"]).tolist() == [5]
    assert count_working_days(["2024-06-21"], ["2024-06-14"]).tolist() == [0]
    assert add_working_days([None], 5).isna().all()


# -- lateness ----------------------------------------------------------------------------------
def test_open_hazard_past_its_deadline_is_unit_late_by_calendar_days():
    r = late_row(hazard("整改中", "2024-06-10"), "2024-06-13")
    assert (r["unit_late"], r["unit_days_late"]) == (True, 3)
    assert (r["office_late"], r["office_days_late"]) == (False, 0)
    assert pd.isna(r["office_deadline"])


def test_due_today_or_later_is_not_late():
    for as_of in ("2024-06-10", "2024-06-01"):
        r = late_row(hazard("待整改", "2024-06-10"), as_of)
        assert (r["unit_late"], r["unit_days_late"], r["office_late"]) == (False, 0, False)


def test_fixed_on_time_but_reinspected_late_is_office_late_not_unit_late():
    # rectified Friday 06-07 before the deadline; 5 working days end Monday 06-17 (端午 06-10)
    h = hazard("已销号", "2024-06-10", "2024-06-07", "2024-06-19", "合格")
    r = late_row(h, "2024-12-31")
    assert (r["unit_late"], r["unit_days_late"]) == (False, 0)
    assert r["office_deadline"] == pd.Timestamp("2024-06-17")
    assert (r["office_late"], r["office_days_late"]) == (True, 2)


def test_fixed_and_reinspected_on_time_is_late_for_nobody():
    h = hazard("已销号", "2024-06-10", "2024-06-07", "2024-06-17", "合格")
    r = late_row(h, "2024-12-31")
    assert (r["unit_late"], r["office_late"]) == (False, False)


def test_rectified_after_the_deadline_is_unit_late_only():
    h = hazard("待复查", "2024-06-10", "2024-06-14")
    r = late_row(h, "2024-06-17")  # one working day after the rectification
    assert (r["unit_late"], r["unit_days_late"]) == (True, 4)
    assert (r["office_late"], r["office_days_late"]) == (False, 0)


def test_waiting_for_reinspection_past_the_office_limit_counts_working_days():
    # rectified 09-27; limit of 5 working days ends 10-10 (国庆 and 调休 in between)
    h = hazard("待复查", "2024-10-31", "2024-09-27")
    assert not late_row(h, "2024-10-10")["office_late"]
    r = late_row(h, "2024-10-14")  # 10-11 Fri, 10-12 Sat 调休, 10-14 Mon
    assert (r["office_late"], r["office_days_late"]) == (True, 3)
    assert not r["unit_late"]


def test_office_limit_is_configurable_and_validated():
    h = hazard("待复查", "2024-06-30", "2024-06-03")  # +3 working days = 06-06
    assert late_row(h, "2024-06-07", limit=3)["office_late"]
    assert not late_row(h, "2024-06-07", limit=10)["office_late"]
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="平安办复查时限"):
            lateness(pd.DataFrame([h]), "2024-06-07", bad)
    with pytest.raises(ValueError, match="评估日期"):
        lateness(pd.DataFrame([h]), "not a date")


def test_after_a_failed_reinspection_the_unit_is_measured_against_the_new_deadline():
    # 不合格 on 06-12 (in time for the office), sent back with deadline 06-20
    back = hazard("整改中", "2024-06-20", "2024-06-07", "2024-06-12", "不合格")
    r = late_row(back, "2024-06-19")
    assert (r["unit_late"], r["office_late"]) == (False, False)
    r = late_row(back, "2024-06-24")
    assert (r["unit_late"], r["unit_days_late"], r["office_late"]) == (True, 4, False)
    # rectified again 06-18: the office clock restarts (the old 复查 of 06-12 does not count)
    again = hazard("待复查", "2024-06-20", "2024-06-18", "2024-06-12", "不合格")
    r = late_row(again, "2024-06-26")  # 06-19, 20, 21, 24, 25 = limit; 06-26 is one more
    assert r["office_deadline"] == pd.Timestamp("2024-06-25")
    assert (r["unit_late"], r["office_late"], r["office_days_late"]) == (False, True, 1)


def test_lateness_keeps_the_index_of_the_input():
    df = pd.DataFrame(
        [hazard("整改中", "2024-06-10"), hazard("待整改", "2024-07-10")], index=[10, 3]
    )
    out = lateness(df, "2024-06-20")
    assert out.index.tolist() == [10, 3]
    assert out["unit_late"].tolist() == [True, False]


# -- next actions ------------------------------------------------------------------------------
EXPECTED_ACTIONS = {
    "待整改": [("开始整改", "整改中", ()), ("整改完成待复查", "待复查", ("rectified_date",))],
    "整改中": [("整改完成待复查", "待复查", ("rectified_date",))],
    "待复查": [
        ("复查合格并销号", "已销号", ("reinspection_date",)),
        ("复查不合格退回整改", "整改中", ("reinspection_date", "deadline")),
    ],
    "已销号": [],
}


@pytest.mark.parametrize("status", HAZARD_STATUSES)
def test_next_actions_of_every_status(status):
    got = [(a.label, a.target, a.needs) for a in next_actions(status)]
    assert got == EXPECTED_ACTIONS[status]
    assert {a.target for a in next_actions(status)} == set(STATUS_TRANSITIONS[status])


def test_next_actions_of_an_unknown_status_is_a_chinese_error():
    with pytest.raises(ValueError, match="未知隐患状态"):
        next_actions("已关闭")


def test_action_fields_ask_only_what_each_step_needs():
    start, fixed = next_actions("待整改")
    passed, failed = next_actions("待复查")
    assert action_fields(start, rectified_date="2024-06-01") == {"status": "整改中"}
    assert action_fields(fixed, rectified_date="2024-06-05") == {
        "status": "待复查",
        "rectified_date": dt.date(2024, 6, 5),
    }
    assert action_fields(passed, reinspection_date="2024-06-07") == {
        "status": "已销号",
        "reinspection_date": dt.date(2024, 6, 7),
        "reinspection_result": "合格",
        "closed_date": dt.date(2024, 6, 7),
    }
    with pytest.raises(RegistryValidationError, match="请填写整改完成日期"):
        action_fields(fixed)
    with pytest.raises(RegistryValidationError, match="请填写新的整改期限"):
        action_fields(failed, reinspection_date="2024-06-07")
    with pytest.raises(RegistryValidationError, match="须晚于复查日期"):
        action_fields(failed, reinspection_date="2024-06-07", deadline="2024-06-07")


# -- against a real store ----------------------------------------------------------------------
@pytest.fixture
def store(tmp_path):
    from registry.store import SQLiteStore

    s = SQLiteStore(tmp_path / "ledger.db")
    s.add_sites(
        pd.DataFrame(
            {"name": ["=HYPERLINK(\"http://x\")<script>alert(1)</script>仓库", "乙厂"],
             "address": ["真如路1号", "铜川路2号"], "lon": [121.39, 121.40],
             "lat": [31.255, 31.256], "category": ["厂房仓库", "厂房仓库"]}
        )
    )  # fmt: skip
    base = {"level": "一般", "hazard_type": "消防", "responsible_unit": "仓库",
            "responsible_person": "张三", "deadline": "2024-06-10"}  # fmt: skip
    s.add_inspection(
        {"site_id": "S000001", "date": "2024-06-03", "type": "日常", "team": "平安办一组"},
        [
            {**base, "part": "<img src=x onerror=alert(1)>疏散通道", "description": "堆放杂物",
             "measures": "=1+1 清理杂物"},
            {**base, "part": "配电箱", "description": "私拉电线", "measures": "整改线路",
             "level": "重大"},
            {**base, "part": "灭火器", "description": "过期", "measures": "更换"},
        ],
    )  # fmt: skip
    s.add_inspection(
        {"site_id": "S000002", "date": "2024-06-03", "type": "日常", "team": "平安办一组"},
        [{**base, "part": "仓库", "description": "堆垛过高", "measures": "降低"}],
    )
    yield s
    s.close()


def take(store, hid: str, label: str, **values) -> dict:
    current = store.hazards().set_index("hazard_id").loc[hid, "status"]
    action = next(a for a in next_actions(current) if a.label == label)
    return store.update_hazard(
        hid, user="李四", expected={"status": current}, **action_fields(action, **values)
    )


def test_every_step_is_accepted_by_the_store_and_recorded(store):
    hid = "YH-2024-06-0001"
    take(store, hid, "开始整改")
    take(store, hid, "整改完成待复查", rectified_date="2024-06-07")
    take(store, hid, "复查不合格退回整改", reinspection_date="2024-06-12", deadline="2024-06-30")
    take(store, hid, "整改完成待复查", rectified_date="2024-06-20")
    row = take(store, hid, "复查合格并销号", reinspection_date="2024-06-21")
    assert (row["status"], row["reinspection_result"]) == ("已销号", "合格")
    assert next_actions(row["status"]) == ()
    hist = hazard_history(store.audit_log(), hid)
    assert hist["操作"].tolist() == ["登记"] + ["修改"] * 5
    assert set(hist["操作人"].iloc[1:]) == {"李四"}
    assert "状态: 待整改 → 整改中" in hist["内容"].iloc[1]
    assert "复查结果: — → 不合格" in hist["内容"].iloc[3]
    # another hazard's records are not mixed in
    assert len(hazard_history(store.audit_log(), "YH-2024-06-0002")) == 1


def test_a_refused_step_writes_nothing(store):
    hid = "YH-2024-06-0001"
    take(store, hid, "整改完成待复查", rectified_date="2024-06-07")
    with pytest.raises(RegistryValidationError, match="复查合格日期早于整改完成日期"):
        take(store, hid, "复查合格并销号", reinspection_date="2024-06-05")
    assert store.hazards().set_index("hazard_id").loc[hid, "status"] == "待复查"


def test_bulk_close_reports_each_hazard(store):
    for hid in ("YH-2024-06-0001", "YH-2024-06-0002"):
        take(store, hid, "整改完成待复查", rectified_date="2024-06-07")
    # the third is still 待整改 (the list was stale): refused, the others closed
    out = close_hazards(
        store,
        ["YH-2024-06-0001", "YH-2024-06-0003", "YH-2024-06-0002"],
        user="王五",
        reinspection_date="2024-06-12",
    )
    # the second is 重大: it cannot be closed before its 判定依据, 整改方案, 报告, 督办 are on record
    assert out["ok"].tolist() == [True, False, False]
    assert "已被他人修改" in out["message"].iloc[1]
    assert "重大隐患销号前须登记" in out["message"].iloc[2]
    status = store.hazards().set_index("hazard_id")["status"]
    assert status[["YH-2024-06-0001", "YH-2024-06-0002", "YH-2024-06-0003"]].tolist() == [
        "已销号", "待复查", "待整改",
    ]  # fmt: skip
    with pytest.raises(RegistryValidationError, match="操作人"):
        close_hazards(store, ["YH-2024-06-0001"], user="  ", reinspection_date="2024-06-12")


# -- worklist, filters, export, notice ---------------------------------------------------------
@pytest.fixture
def table(store):
    take(store, "YH-2024-06-0001", "整改完成待复查", rectified_date="2024-06-07")
    sites = store.sites()
    sites.loc[1, "committee"] = "另一居委"
    return ledger_table(store.hazards(), sites, "2024-06-24")


def test_ledger_table_is_most_urgent_first(table):
    # 0002 重大 and unit late; 0003/0004 unit late; 0001 rectified on time, office late
    assert table["hazard_id"].tolist()[0] == "YH-2024-06-0002"
    assert table["site_name"].iloc[0].startswith("=HYPERLINK")
    assert table[["unit_late", "office_late"]].any(axis=1).all()


def test_filters(table):
    def ids(**kw):
        return sorted(filter_hazards(table, HazardFilter(**kw))["hazard_id"])

    assert ids(statuses=("待复查",)) == ["YH-2024-06-0001"]
    assert ids(levels=("重大",)) == ["YH-2024-06-0002"]
    assert ids(late_by=("平安办逾期",)) == ["YH-2024-06-0001"]
    assert ids(late_by=("单位逾期",)) == ["YH-2024-06-0002", "YH-2024-06-0003", "YH-2024-06-0004"]
    assert ids(committees=("另一居委",)) == ["YH-2024-06-0004"]
    dept = table["department"].iloc[0]
    assert len(ids(departments=(dept,))) == int(table["department"].eq(dept).sum())
    assert ids(supervised_only=True) == []
    assert len(ids()) == 4
    with pytest.raises(ValueError, match="未知的逾期类型"):
        HazardFilter(late_by=("谁都逾期",))


def test_export_columns_and_formula_cells_are_neutralised(table):
    out = export_table(table)
    assert list(out.columns) == [
        "序号", "单位", "地址", "隐患部位", "隐患描述", "等级", "责任单位", "整改责任人",
        "整改措施", "期限", "状态", "复查日期", "复查结果", "销号日期",
    ]  # fmt: skip
    assert list(out.columns) == list(EXPORT_COLUMNS)
    assert out["序号"].tolist() == [1, 2, 3, 4]
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(out, "隐患台账"))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(out.columns)
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = [r[1] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")<script>alert(1)</script>仓库' in names
    assert any(r[8] == "'=1+1 清理杂物" for r in rows[1:])
    assert {r[9] for r in rows[1:]} == {"2024-06-10"}


def test_notice_escapes_user_text_and_lists_open_hazards(store, table):
    take(store, "YH-2024-06-0003", "整改完成待复查", rectified_date="2024-06-07")
    take(store, "YH-2024-06-0003", "复查合格并销号", reinspection_date="2024-06-11")
    table = ledger_table(store.hazards(), store.sites(), "2024-06-24")
    doc = rectification_notice(table, "S000001", "2024-06-24")
    assert "<script" not in doc.lower()
    assert "<img" not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "&lt;img src=x onerror=alert(1)&gt;疏散通道" in doc
    for needed in (
        "安全隐患整改通知书",
        "私拉电线",
        "整改线路",
        "2024-06-10",
        "已逾期 14 天",
        "三清楚",
    ):
        assert needed in doc
    assert "过期" not in doc  # 已销号 hazards are not on the notice
    assert "http" not in doc.replace("http://x", "") and "src=" not in doc.replace("src=x", "")
    assert "<link" not in doc and "@import" not in doc
    with pytest.raises(ValueError, match="没有隐患记录"):
        rectification_notice(table, "S999999", "2024-06-24")


def test_hazard_detail_shows_three_clears_and_lateness(table):
    row = table.set_index("hazard_id").loc["YH-2024-06-0001"].to_dict()
    card = hazard_detail(row).set_index("项目")["内容"]
    assert card["整改措施（清楚3）"] == "=1+1 清理杂物"
    assert card["整改完成日期"] == "2024-06-07"
    assert card["单位逾期"] == "否"
    assert card["平安办逾期"].startswith("逾期 ") and card["平安办逾期"].endswith("个工作日")
