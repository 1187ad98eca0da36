"""节前检查: leader-led checks before the coming key node, with a printable briefing."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages._data import (
    current_as_of,
    page_tables,
    scored_sites,
)
from app_pages._route_view import route_map, stops_table, timeline_frame
from layers.geodata import boundary
from ledger.kpis import hazard_state
from registry.enums import RISK_LEVELS
from risk.calendar import upcoming_key_nodes
from routes.holiday import (
    DEFAULT_FOCUS_BONUS,
    briefing_html,
    check_date,
    holiday_candidates,
    hotspots,
    leader_teams,
    node_keywords,
    site_focus,
)
from routes.planning import PlanningError, plan_routes
from routes.travel import MODE_SPEEDS_KMH

PLAN_KEY = "holiday_plan"
DEFAULT_LEADERS = ("街道党工委书记", "街道办事处主任", "分管安全副主任")
SITES_PER_TEAM = 8  # candidates offered to the planner per team (about twice a half day's visits)
_LEVEL_HEX = {lvl.name: lvl.hex for lvl in RISK_LEVELS}

st.title("节前检查")
as_of = current_as_of()
tables = page_tables()
scored = scored_sites(as_of)

nodes = upcoming_key_nodes(as_of, horizon_days=150)
if nodes.empty:
    st.info(f"{as_of:%Y-%m-%d} 之后 150 天内没有重要节点（可在 risk/config/key_nodes.csv 中添加）。")
    st.stop()


def _label(i: int) -> str:
    n = nodes.iloc[i]
    span = f"{n['start']:%m-%d}" + (f" 至 {n['end']:%m-%d}" if n["end"] != n["start"] else "")
    when = "进行中" if n["days_until"] == 0 else f"还有 {int(n['days_until'])} 天"
    return f"{n['name']}（{n['start']:%Y}年 {span}，{when}）"


upcoming = [i for i in range(len(nodes)) if nodes.iloc[i]["days_until"] > 0]
default_index = upcoming[0] if upcoming else 0
with st.container(border=True):
    c1, c2 = st.columns([3, 2])
    idx = c1.selectbox(
        "重要节点", range(len(nodes)), index=default_index, format_func=_label, key="holiday_node"
    )
    node = nodes.iloc[idx]
    keywords = node_keywords(node)
    c2.markdown(
        "**重点行业/领域**：" + "、".join(keywords) + (f"  \n{node['note']}" if node["note"] else "")
    )
    d1, d2, d3, d4 = st.columns(4)
    day = d1.date_input(
        "检查日期",
        value=check_date(node["start"], as_of),
        min_value=as_of,
        format="YYYY-MM-DD",
        key=f"holiday_date_{idx}",
    )
    n_teams = int(
        d2.number_input("带队小组数", min_value=1, max_value=8, value=3, key="holiday_n_teams")
    )
    mode = d3.selectbox("交通方式", list(MODE_SPEEDS_KMH), index=2, key="holiday_mode")
    shift = d4.text_input("时段", value="13:30-17:00", key="holiday_shift")
    cols = st.columns(min(n_teams, 4))
    leaders = []
    for i in range(n_teams):
        default = DEFAULT_LEADERS[i] if i < len(DEFAULT_LEADERS) else f"带队领导{i + 1}"
        leaders.append(
            cols[i % len(cols)].text_input(
                f"第{i + 1}组带队领导", value=default, key=f"holiday_leader_{i}"
            )
        )
    e1, e2 = st.columns([3, 1])
    bonus = e1.slider(
        "重点行业加权",
        min_value=0,
        max_value=200,
        value=int(DEFAULT_FOCUS_BONUS * 100),
        step=10,
        format="%d%%",
        key="holiday_bonus",
        help="重点行业/领域单位的优先级在风险评分基础上提高的比例。",
    )
    time_limit = float(
        e2.number_input("求解时间（秒）", 1, 60, value=5, key="holiday_time_limit")
    )
    run = st.button("生成节前检查方案", type="primary", key="holiday_run")

if run:
    try:
        teams = leader_teams(leaders, mode=mode, shifts=shift)
        cands = holiday_candidates(
            scored.drop(columns="geometry", errors="ignore"),
            node,
            n_sites=SITES_PER_TEAM * n_teams,
            focus_bonus=bonus / 100,
        )
        with st.spinner("正在安排带队检查路线…"):
            plan = plan_routes(
                cands, teams, day, priority="holiday_priority", time_limit=time_limit
            )
    except PlanningError as err:
        st.error(f"无法生成方案：{err}")
    else:
        st.session_state[PLAN_KEY] = {"plan": plan, "node": node.to_dict(), "keywords": keywords}

state = st.session_state.get(PLAN_KEY)
if state is None:
    st.info("选择节点和带队领导后，点击“生成节前检查方案”。")
    st.stop()

plan, snode, skeywords = state["plan"], state["node"], state["keywords"]
if snode["name"] != node["name"] or snode["start"] != node["start"]:
    st.warning(f"下面是上一次为“{snode['name']}”生成的方案；点击按钮为当前节点重新生成。")

# ---- key figures -------------------------------------------------------------------------
hz = hazard_state(tables["hazards"], as_of)
focus_mask = site_focus(scored, skeywords).map(bool)
high = scored["level"].isin(("重大", "较大"))
stops = plan.all_stops()
n_focus_planned = int(stops["site_id"].isin(scored.loc[focus_mask, "site_id"]).sum()) if len(
    stops
) else 0
figures = {
    "检查日期": f"{plan.date:%Y-%m-%d}",
    "带队小组": f"{len(plan.routes)} 个",
    "计划检查单位": f"{plan.totals['sites_visited']} 家（其中重点行业 {n_focus_planned} 家）",
    "全街道重大/较大风险单位": f"{int(high.sum())} 家（其中重点行业 {int((high & focus_mask).sum())} 家）",
    "未整改隐患": f"{int(hz['open'].sum())} 条（其中重大 {int((hz['open'] & hz['level'].eq('重大')).sum())} 条）",
    "逾期未整改隐患": f"{int(hz['overdue'].sum())} 条",
    "重点行业/领域": "、".join(skeywords),
}

st.subheader(f"{snode['name']}节前检查简报")
cols = st.columns(4)
cols[0].metric("计划检查单位", f"{plan.totals['sites_visited']} 家")
cols[1].metric("其中重点行业", f"{n_focus_planned} 家")
cols[2].metric("全街道重大/较大风险", f"{int(high.sum())} 家")
cols[3].metric("逾期未整改隐患", f"{int(hz['overdue'].sum())} 条")
st.table(pd.DataFrame({"项目": list(figures), "内容": list(figures.values())}))

hot = hotspots(scored, skeywords, top=10)
left, right = st.columns([3, 2])
with left:
    st.markdown("**检查路线与热点**")
    st_folium(
        route_map(plan, height=480, hotspots=scored.loc[high, ["lon", "lat", "name", "level"]]),
        height=480,
        use_container_width=True,
        returned_objects=[],
        key="holiday_map",
    )
with right:
    st.markdown("**风险热点居委**（重大/较大风险单位最多）")
    st.dataframe(
        hot.rename(
            columns={
                "committee": "居委",
                "high_risk": "重大/较大",
                "major": "其中重大",
                "focus_high_risk": "其中重点行业",
                "units": "单位总数",
            }
        ),
        hide_index=True,
        width="stretch",
    )
    tl = timeline_frame(plan)
    if not tl.empty:
        st.markdown("**各组时间**")
        st.dataframe(tl[["小组", "序号", "单位", "时段"]], hide_index=True, width="stretch")

st.markdown("**各组检查清单**")
for r in plan.routes:
    with st.expander(f"{r.team.name}（带队：{r.team.leader}，{r.n_stops} 家）", expanded=True):
        if r.n_stops:
            st.dataframe(
                stops_table(r),
                hide_index=True,
                width="stretch",
                column_config={
                    "导航": st.column_config.LinkColumn("导航", display_text="高德导航")
                },
            )
        else:
            st.caption("本组无安排。")
if len(plan.left_out):
    st.caption(f"另有 {len(plan.left_out)} 家候选未安排：" + "；".join(
        f"{k} {v} 家" for k, v in plan.left_out["reason"].value_counts().items()
    ))

# ---- printable briefing -----------------------------------------------------------------
rings = []
for geom in boundary().geometry:
    polys = getattr(geom, "geoms", [geom])
    rings.extend([list(p.exterior.coords) for p in polys])
hot_pts = scored.loc[high, ["lon", "lat", "level", "name"]].assign(
    colour=lambda d: d["level"].map(_LEVEL_HEX), r=3.0, label=lambda d: d["name"]
)
plan_pts = stops[["lon", "lat", "name"]].assign(colour="#0072B2", r=6.0, label=stops["name"]) if len(
    stops
) else pd.DataFrame(columns=["lon", "lat", "colour", "r", "label"])
page = briefing_html(
    plan,
    snode,
    figures,
    hotspot_table=hot,
    boundary_rings=rings,
    map_points=pd.concat([hot_pts, plan_pts], ignore_index=True),
)
st.download_button(
    "下载打印版简报（HTML）",
    data=page.encode("utf-8"),
    file_name=f"{snode['name']}节前检查简报_{plan.date:%Y%m%d}.html",
    mime="text/html",
    key="holiday_dl_brief",
    type="primary",
)
with st.expander("简报预览（打印时请在浏览器中打开下载的文件）"):
    st.html(page)
