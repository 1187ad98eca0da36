"""年度目标 page: loading the plan's targets, progress with gaps in red, recording an event
(audited, a double tap written once, bad input refused in Chinese with nothing written), the
unit filter and the 考核 section. Every test writes to a private copy of the small store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from synthdata.targets import sample_targets

PAGE = "../../app_pages/targets.py"
TIMEOUT = 120
END = dt.date(2026, 11, 28)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    return run(at)


def set_operator(at: AppTest, name: str = "测试员") -> str:
    """The 操作人: typed where the page has the field, else the signed-in account."""
    field = [t for t in at.text_input if t.key == "tg_operator"]
    if field:
        field[0].input(name)
        run(at)
        return name
    return str(at.session_state["tg_operator"])


def shown(elements) -> str:
    return "\n".join(e.value for e in elements).replace("\\", "")


@pytest.fixture
def planned(writable_store):
    """The small store with the sample's 2026 targets and events."""
    targets, events = sample_targets(writable_store.sites(), seed=7, end=END)
    writable_store.replace_targets(targets, events)
    return writable_store


def test_a_year_without_targets_loads_the_plan_once(writable_store):
    at = open_page()
    year = at.selectbox(key="tg_year").value
    assert "尚未登记年度目标" in shown(at.info)
    user = set_operator(at)
    at.button(key="tg_defaults").click()
    run(at)
    assert "已载入" in shown(at.success)
    stored = writable_store.targets(year)
    assert len(stored) == 22 and "充电端口" in set(stored["kind"])
    log = writable_store.audit_log()
    assert (log.loc[log["action"] == "add_target", "user"] == user).sum() == 22


def test_progress_marks_the_targets_behind_in_red(planned):
    at = open_page()
    at.selectbox(key="tg_year").set_value(2026)
    run(at)
    table = next(d for d in at.dataframe if "差距" in d.value.columns)
    frame = table.value
    behind = frame[frame["状态"] == "落后"]
    assert len(behind) > 0 and (behind["差距"] > 0).all()
    on_pace = frame[frame["状态"] != "落后"]
    assert (on_pace["差距"] == 0).all()
    styles = str(table.proto.arrow_data.styler.styles)
    assert "c62828" in styles  # the gap of a target behind is painted red
    assert at.metric[2].value == str(len(behind))


def test_recording_an_event_is_audited_and_written_once(planned):
    at = open_page()
    at.selectbox(key="tg_year").set_value(2026)
    run(at)
    user = set_operator(at)
    drill = planned.targets(2026).query("kind == '应急演练'")["target_id"].iloc[0]
    before = len(planned.target_events())
    at.selectbox(key="tg_e_target").set_value(drill)
    run(at)
    at.number_input(key="tg_e_qty").set_value(2)
    at.number_input(key="tg_e_attendees").set_value(45)
    at.text_input(key="tg_e_note").input("<b>消防</b>演练 =1+1")
    run(at)
    at.button(key="tg_e_save").click()
    run(at)
    assert "已登记进展" in shown(at.success)
    at.button(key="tg_e_save").click()  # a double tap
    run(at)
    assert "重复提交未再次写入" in shown(at.info)
    events = planned.target_events()
    assert len(events) == before + 1
    new = events.loc[events["event_id"] == events["event_id"].max()].iloc[0]
    assert new["target_id"] == drill and new["quantity"] == 2 and new["attendees"] == 45
    assert new["recorded_by"] == user and new["note"] == "<b>消防</b>演练 =1+1"
    assert new["department"] == "社区平安办"  # the target's lead department
    log = planned.audit_log(new["event_id"])
    assert list(log["action"]) == ["add_target_event"] and log["user"].iloc[0] == user


def test_a_unit_target_without_a_unit_is_refused_and_nothing_written(planned):
    at = open_page()
    at.selectbox(key="tg_year").set_value(2026)
    run(at)
    set_operator(at)
    letter = planned.targets(2026).query("kind == '承诺书'")["target_id"].iloc[0]
    at.selectbox(key="tg_e_target").set_value(letter)
    run(at)
    before = len(planned.target_events())
    at.button(key="tg_e_save").click()
    run(at)
    assert "承诺书按单位登记：请选择单位" in shown(at.error)
    assert len(planned.target_events()) == before


def test_units_filter_lists_those_without_a_commitment(planned):
    at = open_page()
    at.selectbox(key="tg_year").set_value(2026)
    run(at)
    at.radio(key="tg_units_filter").set_value("未签承诺书")
    run(at)
    table = next(d.value for d in at.dataframe if "四个一" in d.value.columns)
    assert len(table) > 0 and not table["承诺书"].any()
    assert at.metric[4].value == str(len(table))


def test_assessment_weights_change_the_scores(planned):
    at = open_page()
    at.selectbox(key="tg_year").set_value(2026)
    run(at)
    table = next(d.value for d in at.dataframe if "总分" in d.value.columns)
    assert set(table["部门"]) <= {"社区平安办", "社区管理办", "社区服务办", "城运中心",
                                "真如市场监管所", "居委会"}
    at.slider(key="tg_assess_share").set_value(0.0)  # only the qualitative part: all 0
    run(at)
    table = next(d.value for d in at.dataframe if "总分" in d.value.columns)
    assert (table["总分"] == 0).all()


def test_statistics_page_shows_the_same_assessment(planned):
    at = AppTest.from_file("../../app_pages/stats.py", default_timeout=TIMEOUT)
    run(at)
    year = at.selectbox(key="stats_year").value
    table = next(d.value for d in at.dataframe if "总分" in d.value.columns)
    from ledger.targets import assessment

    sites = planned.sites()
    last_inspection = planned.inspections()["date"].max().date()  # the page's 评估日期
    eff = min(last_inspection, dt.date(year, 12, 31))
    expected = assessment(planned.targets(year), planned.target_events(year), sites, eff)
    assert list(table["部门"]) == list(expected["group"])
    assert list(table["总分"]) == pytest.approx(list(expected["total"]))
    at.radio(key="stats_assess_by").set_value("committee")
    run(at)
    by_committee = next(d.value for d in at.dataframe if "总分" in d.value.columns)
    assert "居委" in by_committee.columns and len(by_committee) > 10


def test_site_card_line_shows_the_units_commitment_and_four_ones(planned):
    from app_pages._site_card import commitment_line
    from ledger.targets import unit_status

    sites = planned.sites()
    status = unit_status(sites, planned.targets(2026), planned.target_events(2026), END)
    unsigned = status[~status["承诺书"]].iloc[0]
    complete = status[status["四个一"]].iloc[0]
    row = sites.set_index("site_id")
    line = commitment_line({"site_id": unsigned["site_id"], **row.loc[unsigned["site_id"]]}, END)
    assert line.startswith("承诺书：未签")
    line = commitment_line({"site_id": complete["site_id"], **row.loc[complete["site_id"]]}, END)
    assert line == "承诺书：已签 · 四个一：全部完成"
    other = sites[sites["category"] == "群租"].iloc[0]
    assert commitment_line(other.to_dict(), END) is None  # not an enterprise


def test_residents_are_recorded_as_a_count_for_a_committee(planned):
    at = open_page()
    at.selectbox(key="tg_year").set_value(2026)
    run(at)
    set_operator(at)
    check = planned.targets(2026).query("kind == '独居老人安全检查'")["target_id"].iloc[0]
    at.selectbox(key="tg_e_target").set_value(check)
    run(at)
    assert not [t for t in at.text_input if t.key == "tg_e_query"]  # no unit, no name field
    committee = at.selectbox(key="tg_e_committee").options[3]
    at.selectbox(key="tg_e_committee").set_value(committee)
    at.number_input(key="tg_e_qty").set_value(12)
    run(at)
    at.button(key="tg_e_save").click()
    run(at)
    assert "已登记进展" in shown(at.success)
    new = planned.target_events().sort_values("event_id").iloc[-1]
    assert new["target_id"] == check and new["quantity"] == 12
    assert new["committee"] == committee and pd.isna(new["site_id"])


def test_the_evidence_of_an_event_can_be_downloaded(planned):
    garage = planned.targets(2026).query("kind == '智能车库'")["target_id"].iloc[0]
    eid = planned.add_target_event(
        {"target_id": garage, "date": "2026-10-01", "quantity": 1, "committee": "南大街"},
        user="pingan", evidence=b"%PDF-1.4 acceptance report", evidence_name="<验收>.pdf",
        today=END,
    )  # fmt: skip
    at = open_page()
    at.selectbox(key="tg_year").set_value(2026)
    at.selectbox(key="tg_e_target").set_value(garage)
    run(at)
    pick = at.selectbox(key="tg_e_evidence_pick")
    assert pick.value == eid and "<验收>.pdf" in pick.format_func(eid)
    assert [b for b in at.get("download_button") if "下载佐证材料" in str(b.proto.label)]


def test_a_role_without_the_right_is_refused_and_nothing_written(planned):
    from registry.accounts import Account

    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["account"] = Account("fenxi", "演示分析", "分析")
    run(at)
    at.selectbox(key="tg_year").set_value(2026)
    drill = planned.targets(2026).query("kind == '应急演练'")["target_id"].iloc[0]
    at.selectbox(key="tg_e_target").set_value(drill)
    run(at)
    before = len(planned.target_events())
    at.button(key="tg_e_save").click()
    run(at)
    assert "无权登记年度目标进展" in shown(at.error)
    assert len(planned.target_events()) == before
