"""巡查路线: plan one day of inspections for several teams and hand out the route sheets.

(The file is not called ``routes.py``: a page run on its own puts ``app_pages/`` first on
``sys.path``, where a ``routes.py`` would shadow the ``routes`` package.)
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._data import (
    StoreUnavailable,
    current_as_of,
    load_tables,
    require_sites,
    scored_sites,
)
from app_pages._route_view import next_working_day, show_plan
from registry.sectors import DEPARTMENTS
from routes.planning import DEFAULT_SHIFTS, PlanningError, TeamSpec, plan_routes
from routes.travel import MODE_SPEEDS_KMH

ROUTE_CANDIDATES_KEY = "route_candidates"
PLAN_KEY = "route_plan"
PLAN_INPUTS_KEY = "route_plan_inputs"
DEFAULT_SHIFT_TEXT = ",".join(f"{a}-{b}" for a, b in DEFAULT_SHIFTS)
MODES = list(MODE_SPEEDS_KMH)
SOURCE_SELECTED = "优先排名中勾选的单位"
SOURCE_TOP = "按风险评分前 N 名（含全部必查单位）"

st.title("巡查路线")
as_of = current_as_of()
try:
    require_sites(load_tables())
    scored = scored_sites(as_of)
except StoreUnavailable as err:
    st.error(str(err))
    st.stop()

handed = [s for s in st.session_state.get(ROUTE_CANDIDATES_KEY, []) if isinstance(s, str)]

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 1, 1])
    plan_date = c1.date_input(
        "巡查日期",
        value=next_working_day(as_of),
        min_value=as_of,
        format="YYYY-MM-DD",
        key="routes_date",
    )
    n_teams = int(
        c2.number_input("小组数量", min_value=1, max_value=8, value=2, step=1, key="routes_n")
    )
    time_limit = float(
        c3.number_input(
            "求解时间上限（秒）",
            min_value=1,
            max_value=60,
            value=5,
            step=1,
            key="routes_time_limit",
            help="时间越长，路线越优；同样的输入和时间得到同样的结果。",
        )
    )

    sources = [SOURCE_SELECTED, SOURCE_TOP] if handed else [SOURCE_TOP]
    s1, s2 = st.columns([3, 1])
    source = s1.radio(
        "候选单位",
        sources,
        key="routes_source",
        horizontal=True,
        format_func=lambda s: f"{s}（{len(handed)} 家）" if s == SOURCE_SELECTED else s,
    )
    top_n = int(
        s2.number_input(
            "前 N 名",
            min_value=5,
            max_value=500,
            value=60,
            step=5,
            key="routes_top_n",
            disabled=source != SOURCE_TOP,
        )
    )

    st.markdown("**小组设置**（班次写成 09:00-11:30,13:30-17:00；专业资质可选部门）")
    teams: list[TeamSpec] = []
    for i in range(n_teams):
        cols = st.columns([2, 3, 2, 3, 2])
        name = cols[0].text_input("小组名称", value=f"巡查{i + 1}组", key=f"routes_team_name_{i}")
        shift = cols[1].text_input("班次", value=DEFAULT_SHIFT_TEXT, key=f"routes_team_shift_{i}")
        mode = cols[2].selectbox("交通方式", MODES, index=1, key=f"routes_team_mode_{i}")
        skills = cols[3].multiselect(
            "专业资质（部门）", list(DEPARTMENTS), key=f"routes_team_skills_{i}", placeholder="无"
        )
        leader = cols[4].text_input("带队领导", value="", key=f"routes_team_leader_{i}")
        teams.append(
            TeamSpec(
                name=name.strip() or f"巡查{i + 1}组",
                mode=mode,
                shifts=shift,
                skills=tuple(skills),
                leader=leader.strip() or None,
            )
        )
    run = st.button("生成路线", type="primary", key="routes_run")


def _candidates(source: str) -> pd.DataFrame:
    if source == SOURCE_SELECTED:
        return scored.loc[scored["site_id"].isin(handed)]
    must = scored["must_visit"].fillna(False).astype(bool) if "must_visit" in scored else False
    top = scored.sort_values("rank", kind="stable").head(top_n).index
    return scored.loc[must | scored.index.isin(top)]


candidates = _candidates(source)
n_must = int(candidates["must_visit"].fillna(False).astype(bool).sum()) if len(candidates) else 0
st.caption(f"评估日期 {as_of:%Y-%m-%d}；候选 {len(candidates)} 家，其中必查 {n_must} 家。")

inputs = (
    plan_date,
    tuple(teams),
    source,
    top_n,
    tuple(sorted(candidates["site_id"])),
    time_limit,
    as_of,
)
if run:
    try:
        with st.spinner("正在计算路线…"):
            plan = plan_routes(
                pd.DataFrame(candidates.drop(columns="geometry", errors="ignore")),
                teams,
                plan_date,
                time_limit=time_limit,
            )
    except PlanningError as err:
        st.error(f"无法生成路线：{err}")
    else:
        st.session_state[PLAN_KEY] = plan
        st.session_state[PLAN_INPUTS_KEY] = inputs

plan = st.session_state.get(PLAN_KEY)
if plan is None:
    st.info("设置好日期、小组和候选单位后，点击“生成路线”。")
else:
    if st.session_state.get(PLAN_INPUTS_KEY) != inputs:
        st.warning("设置已修改，下面是上一次生成的路线；点击“生成路线”重新计算。")
    show_plan(plan, key="routes", title="巡查路线")
