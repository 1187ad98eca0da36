"""周期计划 page: plan a period for the teams, see the shortfall, the team calendar, open a day's
route, download the team workbook and the weekly sheet."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

PAGE = "../../app_pages/period_plan.py"
TIMEOUT = 180


def page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def run_plan(at: AppTest) -> AppTest:
    at.button(key="period_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_before_planning_the_page_explains_what_to_do():
    at = page()
    assert "生成周期计划" in at.info[0].value
    assert at.radio(key="period_span").value == "一月"


def test_month_plan_shows_shortfall_calendar_and_a_day_route():
    at = page()
    at.number_input(key="period_n").set_value(1).run()
    at.number_input(key="period_team_cap_0").set_value(3)
    at.text_input(key="period_team_name_0").set_value("<b>一组</b>")
    at = run_plan(at)
    plan = at.session_state["period_plan"]
    sf = plan.shortfall
    # one small team cannot meet the statute: the page says so and by how much
    assert sf.missed > 0
    assert metric(at, "无法按期") == str(sf.missed)
    assert metric(at, "需增加组日") == str(sf.team_days_needed)
    assert any("无法按期完成" in w.value for w in at.warning)
    by_committee = next(d.value for d in at.dataframe if "居委" in d.value.columns)
    assert by_committee["未按期"].sum() == sf.missed
    # calendar: one row per team, the counts of the plan (the raw name, not rendered HTML)
    cal = next(d.value for d in at.dataframe if "小组" in d.value.columns)
    assert cal["小组"].tolist() == ["<b>一组</b>"]
    cells = pd.to_numeric(cal.drop(columns="小组").iloc[0], errors="coerce").fillna(0)
    assert int(cells.sum()) == len(plan.planned) and cells.max() <= 3
    # open a day: its route, with the units the period plan gave that day
    day = at.selectbox(key="period_day").value
    at.button(key="period_route_day").click().run()
    assert not at.exception, [e.message for e in at.exception]
    routed = at.session_state["period_day_plan"]
    want = set(plan.planned.loc[plan.planned["date"] == day, "site_id"])
    assert set(routed.all_stops()["site_id"]) <= want and len(routed.all_stops()) > 0
    assert metric(at, "安排单位") == f"{routed.totals['sites_visited']} 家"


def test_exports_have_a_sheet_per_team_and_a_safe_weekly_sheet(small_store):
    from registry.store import SQLiteStore
    from routes.period.export import to_xlsx, weekly_sheet_html

    at = page()
    at.radio(key="period_span").set_value("一周")
    at.number_input(key="period_n").set_value(2).run()
    at.text_input(key="period_team_name_0").set_value("<script>x</script>")
    at.text_input(key="period_team_name_1").set_value("=二组")
    at = run_plan(at)
    plan = at.session_state["period_plan"]
    assert plan.end - plan.start == pd.Timedelta(days=6)
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(x.startswith("各小组计划") for x in labels)
    assert any(x.startswith("打印版周任务单") for x in labels)
    sites = SQLiteStore(small_store).sites()
    wb = load_workbook(io.BytesIO(to_xlsx(plan, sites)))
    assert wb.sheetnames[0] == "汇总" and wb.sheetnames[-1] == "未能安排"
    assert len(wb.sheetnames) == 4
    team_sheet = wb[wb.sheetnames[2]]
    assert team_sheet["A1"].value == "日期"
    summary_names = [c.value for c in wb["汇总"]["A"]][1:3]
    assert summary_names == ["<script>x</script>", "'=二组"]  # formula guarded
    rows = team_sheet.max_row - 1
    assert rows == len(plan.planned[plan.planned["team"] == "=二组"].drop_duplicates(["date", "site_id"]))
    html = weekly_sheet_html(plan, sites, plan.start)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
