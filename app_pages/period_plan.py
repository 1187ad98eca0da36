"""周期计划: a week / month / rest-of-year plan that meets the statutory frequency, risk first.

Widgets and calls only: the plan is :func:`routes.period.plan_period`; a day opened from the
calendar is routed by the day planner (:meth:`routes.period.PeriodPlan.route_day`) and shown
with the 巡查路线 view (:func:`app_pages._route_view.show_plan`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._data import (
    current_as_of,
    page_tables,
    scored_sites,
)
from app_pages._export import audited
from app_pages._route_view import next_working_day, show_plan
from app_pages._site_card import md_text
from registry.sectors import DEPARTMENTS
from routes.period import PeriodTeam, estimate_capacity, plan_period
from routes.period.calendar import SPANS, parse_dates, span_days
from routes.period.export import to_xlsx, weekly_sheet_html
from routes.planning import DEFAULT_SHIFTS, PlanningError, TeamSpec
from routes.travel import MODE_SPEEDS_KMH

PLAN_KEY = "period_plan"
INPUTS_KEY = "period_plan_inputs"
DAY_PLAN_KEY = "period_day_plan"
PICK_KEY = "period_calendar_pick"
MODES = list(MODE_SPEEDS_KMH)
DEFAULT_SHIFT_TEXT = ",".join(f"{a}-{b}" for a, b in DEFAULT_SHIFTS)
_WEEKDAYS = "一二三四五六日"

st.title("周期计划")
st.caption("按法定频次（重点单位每年 4 次、其他 2 次，按季度/半年进度）和隐患复查期限，"
           "把每家应检单位排到具体日期和小组；风险高的先查，相邻单位同日检查。")
as_of = current_as_of()
tables = page_tables()
scored = scored_sites(as_of)


with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    start = c1.date_input("开始日期", value=next_working_day(as_of), min_value=as_of,
                          format="YYYY-MM-DD", key="period_start")
    span = c2.radio("计划周期", SPANS, index=1, horizontal=True, key="period_span")
    n_teams = int(c3.number_input("小组数量", min_value=1, max_value=8, value=3, step=1,
                                  key="period_n"))
    st.markdown("**小组设置**（每日检查量按班次与交通方式估算，可修改；请假日期用逗号分隔）")
    teams: list[PeriodTeam] = []
    errors: list[str] = []
    for i in range(n_teams):
        cols = st.columns([2, 2, 2, 1, 2, 3, 3])
        name = cols[0].text_input("小组名称", value=f"巡查{i + 1}组", key=f"period_team_name_{i}")
        shift = cols[1].text_input("班次", value=DEFAULT_SHIFT_TEXT, key=f"period_team_shift_{i}")
        mode = cols[2].selectbox("交通方式", MODES, index=1, key=f"period_team_mode_{i}")
        try:
            spec = TeamSpec(name=name.strip() or f"巡查{i + 1}组", mode=mode, shifts=shift)
            default_cap = estimate_capacity(spec)
        except PlanningError as err:
            errors.append(str(err))
            spec, default_cap = TeamSpec(f"巡查{i + 1}组", mode=mode), 10
        cap = int(cols[3].number_input("每日检查量", min_value=0, max_value=40, value=default_cap,
                                       step=1, key=f"period_team_cap_{i}"))
        leader = cols[4].text_input("带队领导", value="", key=f"period_team_leader_{i}")
        skills = cols[5].multiselect("专业资质（部门）", list(DEPARTMENTS), key=f"period_team_skills_{i}",
                                     placeholder="无")
        leave = cols[6].text_input("请假日期", value="", key=f"period_team_leave_{i}",
                                   placeholder="2026-12-03, 2026-12-04")
        try:
            teams.append(PeriodTeam(
                TeamSpec(spec.name, mode=mode, shifts=spec.shifts, skills=tuple(skills),
                         leader=leader.strip() or None),
                capacity=cap, off_days=parse_dates(leave, spec.name, "请假日期")))
        except PlanningError as err:
            errors.append(str(err))
    run = st.button("生成周期计划", type="primary", key="period_run")

n_days = span_days(start, span)
inputs = (start, n_days, tuple(teams), as_of)
if run:
    if errors:
        for e in errors:
            st.error(md_text(e))
    else:
        try:
            with st.spinner("正在排定周期计划…"):
                plan = plan_period(
                    pd.DataFrame(scored.drop(columns="geometry", errors="ignore")),
                    tables["inspections"], tables["hazards"], teams, start, n_days)
        except PlanningError as err:
            st.error(f"无法生成周期计划：{md_text(err)}")
        else:
            st.session_state[PLAN_KEY] = plan
            st.session_state[INPUTS_KEY] = inputs
            st.session_state.pop(DAY_PLAN_KEY, None)

plan = st.session_state.get(PLAN_KEY)
if plan is None:
    st.info("设置好开始日期、周期和小组后，点击“生成周期计划”。")
    st.stop()
if st.session_state.get(INPUTS_KEY) != inputs:
    st.warning("设置已修改，下面是上一次生成的周期计划；点击“生成周期计划”重新计算。")

sf = plan.shortfall
(st.warning if sf.missed else st.success)(md_text(plan.summary_zh()))
m1, m2, m3, m4 = st.columns(4)
m1.metric("应检家次", f"{sf.mandatory}", help="本期内到期的法定检查与隐患复查（含已逾期）")
m2.metric("计划家次", f"{len(plan.planned)}")
m3.metric("无法按期", f"{sf.missed}", help="未能安排或晚于应完成日期（已逾期的补检不计）")
m4.metric("需增加组日", f"{sf.team_days_needed}")

st.subheader("检查能力与应检量")
bal = plan.balance.set_index("date")[["capacity_cum", "need_cum", "planned_cum"]].rename(
    columns={"capacity_cum": "累计检查能力", "need_cum": "累计应检（到期）", "planned_cum": "累计计划"})
st.line_chart(bal, height=260)
if sf.missed:
    t1, t2 = st.columns(2)
    with t1:
        st.markdown("**无法按期（按居委）**")
        st.dataframe(sf.by_committee.reset_index().rename(columns={"committee": "居委"}),
                     hide_index=True, width="stretch", key="period_by_committee")
    with t2:
        st.markdown("**无法按期（按行业）**")
        st.dataframe(sf.by_sector.reset_index().rename(columns={"category": "行业"}),
                     hide_index=True, width="stretch", key="period_by_sector")

st.subheader("小组日历")
cal = plan.calendar()
labels = {d: f"{d:%m-%d} {_WEEKDAYS[d.weekday()]}" for d in cal.columns}
shown = cal.rename(columns=labels).astype(str)
shown.insert(0, "小组", shown.index)
picked = st.dataframe(shown, hide_index=True, width="stretch", key="period_calendar",
                      on_select="rerun", selection_mode="single-column")
days = list(cal.columns)
by_label = {v: k for k, v in labels.items()}
cols = list(getattr(getattr(picked, "selection", None), "columns", []) or [])
if cols and cols[0] in by_label and st.session_state.get(PICK_KEY) != cols[0]:
    st.session_state[PICK_KEY] = cols[0]  # a click on a day column opens that day
    st.session_state["period_day"] = by_label[cols[0]]
counts = plan.planned.groupby("date").size()
day = st.selectbox("打开某日的路线与任务单", days, key="period_day",
                   format_func=lambda d: f"{labels[d]}（{int(counts.get(d, 0))} 家）")

day_plan = st.session_state.get(DAY_PLAN_KEY)
if st.button("生成当日路线", key="period_route_day"):
    try:
        with st.spinner("正在计算当日路线…"):
            routed = plan.route_day(day, pd.DataFrame(scored.drop(columns="geometry", errors="ignore")),
                                    time_limit=2.0)
    except PlanningError as err:
        st.error(f"无法生成当日路线：{md_text(err)}")
    else:
        st.session_state[DAY_PLAN_KEY] = day_plan = routed
if day_plan is not None and pd.Timestamp(day_plan.date) == pd.Timestamp(day):
    show_plan(day_plan, key="period_day_view", title=f"周期计划_{pd.Timestamp(day):%m%d}")

st.subheader("下载")
week_start = pd.Timestamp(day) - pd.Timedelta(days=pd.Timestamp(day).weekday())
sites_plain = pd.DataFrame(scored.drop(columns="geometry", errors="ignore"))
d1, d2 = st.columns(2)
d1.download_button(
    "各小组计划（XLSX）",
    data=audited("周期计划 XLSX", lambda: to_xlsx(plan, sites_plain)),
    file_name=f"周期计划_{plan.start:%Y%m%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="period_dl_xlsx",
    on_click="ignore",
)
d2.download_button(
    f"打印版周任务单（{week_start:%m-%d} 起一周，HTML）",
    data=audited("周任务单", lambda: weekly_sheet_html(plan, sites_plain, week_start)),
    file_name=f"周任务单_{week_start:%Y%m%d}.html",
    mime="text/html",
    key="period_dl_week",
    on_click="ignore",
)
