"""设施覆盖: 微型消防站 coverage, siting of new facilities (MCLP) and the charging-port split.

Widgets and calls only: the computations are :mod:`facilities.coverage`,
:mod:`facilities.siting`, :mod:`facilities.charging`; the map is :mod:`layers.coverage`. The
sites the office keeps (已建 and 拟建) are the page's session state and the library's
arguments; nothing is written to the store.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._data import (
    current_as_of,
    page_tables,
    scored_sites,
)
from app_pages._export import audited, to_xlsx_bytes
from facilities.charging import PORT_TARGET, ebike_demand, port_split
from facilities.coverage import (
    ResponseStandard,
    coverage_areas,
    coverage_summary,
    station_coverage,
    uncovered_high_risk,
    unit_coverage,
    unit_weights,
)
from facilities.siting import SITING_STANDARDS, candidate_sites, propose_sites, site_pool
from layers import geodata, zones
from layers.coverage import coverage_map
from layers.safe_text import plain_text

STATION = "微型消防站"
#: session_state keys: the last proposal per kind, the planned sites per kind.
RESULT_KEY = "fac_result"
#: Seconds the siting model may take on the page (the answer then says how close it is).
SOLVE_SECONDS = 15.0
PLANNED_KEY = "fac_planned"

STATION_COLUMNS = {
    "asset_id": "设施编号", "name": "名称", "committee": "居委", "approximate": "位置近似",
    "units": "覆盖单位", "high_risk_units": "其中重大/较大", "risk": "覆盖风险值D",
    "people": "覆盖人员", "only_here_units": "仅此站覆盖单位", "only_here_risk": "仅此站覆盖风险值",
    "area_km2": "覆盖面积（km²）",
}
UNCOVERED_COLUMNS = {
    "site_id": "单位编号", "name": "单位名称", "category": "行业", "committee": "居委",
    "level": "风险等级", "risk": "常态风险值D", "people": "涉及人员",
    "nearest_station": "最近微型消防站", "nearest_minutes": "最近站用时（分钟）",
}
PROPOSAL_COLUMNS = {
    "order": "序号", "candidate_id": "点位编号", "name": "点位（附近）", "source": "来源",
    "gain_units": "新增覆盖单位", "gain_risk": "新增覆盖风险值D", "gain_people": "新增覆盖人员",
    "gain_ebikes": "新增覆盖电动自行车（辆）", "lon": "经度", "lat": "纬度",
}
SPLIT_COLUMNS = {
    "committee": "居委", "residential": "居住类单位", "group_rental": "群租", "courier": "快递外卖点",
    "incidents": "电动自行车隐患（近3年）", "ebikes": "充电需求（辆）", "demand_share": "需求占比",
    "target_share": "按需求应有端口", "installed": "已建端口", "proposed_new": "建议新增端口",
    "after": "建成后端口",
}

st.title("设施覆盖")
st.caption(
    "微型消防站能在设定的响应时间内到达哪些单位（按常态风险值 D 与养老、学校、高层、群租、人员密集场所的人数计）；"
    "下一批微型消防站、电动自行车智能车库、充电端口建在哪里覆盖的风险最多（最大覆盖选址模型）；"
    "1.8万个充电端口按各居委需求的分配建议。路程按直线距离×绕行系数估算（项目没有街巷级路网）。"
)
as_of = current_as_of()
tables = page_tables()
assets = tables["assets"]
scored = scored_sites(as_of)
units = unit_weights(scored)
boundary = geodata.boundary_geometry()

# ---- 1. 微型消防站覆盖 ------------------------------------------------------------------------
st.header("微型消防站覆盖")
c1, c2, c3 = st.columns(3)
minutes = c1.number_input("响应时间（分钟）", min_value=0.5, max_value=15.0, value=3.0, step=0.5,
                          key="fac_minutes", help="“3分钟到场”：社区微型消防站的到场时间要求。")
mode = c2.selectbox("出行方式", ["电动自行车", "步行"], key="fac_mode")
speed = c3.number_input("速度（km/h，0 = 按出行方式默认）", min_value=0.0, max_value=40.0,
                        value=0.0, step=0.5, key="fac_speed",
                        help="电动自行车默认 15 km/h，步行 4.5 km/h；队员跑步可填 8–10。")
standard = ResponseStandard(float(minutes), mode, speed_kmh=float(speed) or None)
st.caption(f"响应标准：{standard.label}，直线覆盖半径约 {standard.radius_m:.0f} 米。")

stations = assets[assets["kind"] == STATION].reset_index(drop=True)
covered = unit_coverage(stations, units, standard)
summary = coverage_summary(covered)


def pct(x: float) -> str:
    """Percentage text; “—” when undefined."""
    return "—" if pd.isna(x) else f"{x:.1%}"


m1, m2, m3, m4 = st.columns(4)
m1.metric("覆盖单位", f"{summary['covered_units']}/{summary['units']}",
          help=f"占 {pct(summary['unit_share'])}")
m2.metric("覆盖风险", pct(summary["risk_share"]), help="按常态风险值 D 加权")
m3.metric("覆盖人员", pct(summary["people_share"]),
          help="养老、学校、高层、群租、人员密集场所的人数")
m4.metric("未覆盖重大/较大单位", f"{summary['high_risk_uncovered']} 家")

if stations.empty:
    st.info("台账中没有微型消防站：请在设施表中导入（`python -m registry import --assets 设施.csv`）。")
uncovered = uncovered_high_risk(covered)
areas = coverage_areas(stations, standard, within=boundary)


def show_map(m, key: str, height: int = 560) -> None:
    """Render a folium map without round trips."""
    from streamlit_folium import st_folium

    st_folium(m, height=height, use_container_width=True, returned_objects=[], key=key)


show_map(coverage_map(areas, stations, uncovered, title=STATION), "fac_cov_map")

per_station = station_coverage(stations, units, standard, within=boundary)
st.subheader("各站覆盖")
station_view = per_station.rename(columns=STATION_COLUMNS)
st.dataframe(station_view, hide_index=True, width="stretch", key="fac_station_table")
st.subheader(f"未覆盖的重大/较大单位（{len(uncovered)} 家）")
uncovered_view = uncovered.drop(columns=["lon", "lat"]).rename(columns=UNCOVERED_COLUMNS)
if uncovered.empty:
    st.success("所有重大/较大单位都在响应时间内。")
else:
    st.dataframe(uncovered_view, hide_index=True, width="stretch", key="fac_uncovered_table")
d1, d2 = st.columns(2)
d1.download_button("下载各站覆盖（XLSX）", data=audited("各站覆盖", lambda: to_xlsx_bytes(station_view, sheet="各站覆盖")),
                   file_name="微型消防站覆盖.xlsx", key="fac_dl_stations",
                   on_click="ignore")
d2.download_button("下载未覆盖重大/较大单位（XLSX）",
                   data=audited("未覆盖单位", lambda: to_xlsx_bytes(uncovered_view, sheet="未覆盖单位")),
                   file_name="未覆盖重大较大单位.xlsx", key="fac_dl_uncovered", on_click="ignore")

# ---- 2. 选址建议 --------------------------------------------------------------------------------
st.header("选址建议")
s1, s2, s3 = st.columns(3)
kind = s1.selectbox("设施类型", list(SITING_STANDARDS), key="fac_kind")
p = s2.number_input("新增个数", min_value=1, max_value=30, value=4, step=1, key="fac_p")
if kind == STATION:
    people_weight = s3.slider("人员权重（相对风险）", 0.0, 2.0, 0.5, 0.1, key="fac_people_w",
                              help="0 = 只看风险；1 = 风险与人员同等重要。")
    kind_standard = standard
    demand = units
    objective = {"risk": 1.0, "people": float(people_weight)}
    st.caption(f"目标：覆盖的风险值（常态 D）+ 人员 × {people_weight:g}；响应标准同上（{standard.label}）。")
else:
    kind_standard = SITING_STANDARDS[kind]
    demand = ebike_demand(tables["sites"], tables["hazards"], as_of)
    objective = {"ebikes": 1.0}
    s3.caption(f"步行可达：{kind_standard.label}")
    st.caption("目标：覆盖的电动自行车充电需求（居住类单位人数、快递外卖点车辆、台账中的电动自行车隐患）。")

existing = assets[assets["kind"] == kind].reset_index(drop=True)
planned_all = st.session_state.setdefault(PLANNED_KEY, {})
results = st.session_state.setdefault(RESULT_KEY, {})
pin_key = f"fac_pins_{kind}"
if pin_key not in st.session_state:
    st.session_state[pin_key] = list(existing["asset_id"].astype(str))


def params_of(keep: list[str]) -> tuple:
    """What a proposal depends on (to say when it is out of date)."""
    return (kind_standard, int(p), tuple(sorted(objective.items())), tuple(sorted(keep)),
            str(as_of))


def propose(keep: list[str]) -> None:
    """Solve with these pins; remember the result and offer its sites as 拟建 pins."""
    planned = planned_all.get(kind)
    candidates = candidate_sites(units, anchors=zones.anchors(), osm=geodata.pois(),
                                 within=boundary)
    fixed, pool = site_pool(existing, keep, candidates, planned=planned)
    result = propose_sites(demand, pool, fixed, int(p), kind_standard, objective,
                           time_limit=SOLVE_SECONDS)
    results[kind] = (params_of(keep), result, fixed, pool)
    # 拟建 = the planned sites kept in this run and the new proposals
    kept_planned = planned[planned["candidate_id"].isin(keep)] if planned is not None else None
    new = result.proposals[["candidate_id", "name", "lon", "lat"]]
    planned_all[kind] = pd.concat([kept_planned, new]).drop_duplicates("candidate_id") \
        .reset_index(drop=True)


if kind not in results:
    propose(list(st.session_state[pin_key]))
planned = planned_all.get(kind)
options = existing["asset_id"].astype(str).tolist()
labels = {a: f"{plain_text(n)}（已建）" for a, n in zip(existing["asset_id"].astype(str),
                                                     existing["name"], strict=True)}
if planned is not None and len(planned):
    options += planned["candidate_id"].astype(str).tolist()
    labels.update({c: f"{plain_text(n)}（拟建 {c}）" for c, n in zip(
        planned["candidate_id"].astype(str), planned["name"], strict=True)})
st.session_state[pin_key] = [o for o in st.session_state[pin_key] if o in options]
keep = st.multiselect(
    "保留的已建/拟建点位", options, key=pin_key, format_func=lambda o: labels.get(o, o),
    help="选中的点位固定保留；未选中的已建点位重新作为候选，由模型决定是否保留。"
         "上一次的建议点位会列为“拟建”，选中后再计算即在其基础上继续选址。",
)
if st.button("重新计算选址", key="fac_run", type="primary"):
    propose(list(keep))
    st.rerun()  # the new proposals become 拟建 options of the pins above
params_used, result, fixed, pool = results[kind]
if params_used != params_of(list(keep)):
    st.info("参数或保留点位已改变：点击“重新计算选址”更新建议。")

cols = result.columns
names = {"risk": "风险值D", "people": "人员", "ebikes": "电动自行车（辆）"}
extra = ["high_risk_uncovered"] if "high_risk_uncovered" in result.after else []
mc = st.columns(len(cols) + 1 + len(extra))
mc[0].metric("选址后覆盖单位",
             f"{result.before['units']} → {result.after['units']}", help="保留点位 → 加上建议点位")
if extra:
    mc[-1].metric("选址后未覆盖重大/较大单位",
                  f"{result.before['high_risk_uncovered']} → {result.after['high_risk_uncovered']}",
                  help="保留点位 → 加上建议点位")
for box, c in zip(mc[1:], cols, strict=False):
    box.metric(f"选址后覆盖{names.get(c, c)}", f"{result.after[c]:,.0f}",
               delta=f"+{result.after[c] - result.before[c]:,.0f}")
sol = result.solution
gap_note = f"，距已证明的上界最多差 {sol.mip_gap:.1%}" if sol.status != "最优" else "（已证明最优）"
st.caption(f"求解：{sol.method}（HiGHS），{sol.status}{gap_note}，用时 {sol.seconds:.2f} 秒；候选点位 "
           f"{len(pool)} 个（居委、OpenStreetMap 地点、台账单位位置，每 100 米格网取一个）。")
freed = existing[~existing["asset_id"].astype(str).isin(set(fixed["site_id"]))]
prop_areas = coverage_areas(result.proposals, kind_standard, within=boundary) \
    if len(result.proposals) else None
show_map(
    coverage_map(coverage_areas(fixed, kind_standard, within=boundary), fixed, None,
                 result.proposals, prop_areas, freed, title=kind),
    f"fac_site_map_{kind}",
)
proposal_view = result.proposals.rename(columns=PROPOSAL_COLUMNS)
if result.proposals.empty:
    st.success("保留点位已覆盖所有可覆盖的需求，无需新增。")
else:
    st.dataframe(proposal_view, hide_index=True, width="stretch", key="fac_proposals")
st.download_button("下载选址建议（XLSX）", data=audited("选址建议", lambda: to_xlsx_bytes(proposal_view, sheet="选址建议")),
                   file_name=f"{kind}选址建议.xlsx", key="fac_dl_proposals", on_click="ignore")

# ---- 3. 充电端口 -------------------------------------------------------------------------------
st.header("充电端口分配（按居委）")
t1, t2 = st.columns(2)
target = t1.number_input("全街道端口目标", min_value=0, max_value=200_000, value=PORT_TARGET,
                         step=500, key="fac_target")
garages = t2.checkbox("智能车库车位计入已建端口", value=True, key="fac_garages")
split = port_split(ebike_demand(tables["sites"], tables["hazards"], as_of), assets,
                   target=int(target), garages=garages)
installed_total = int(split["installed"].sum())
k1, k2, k3 = st.columns(3)
k1.metric("已建端口", f"{installed_total:,}")
k2.metric("建议新增", f"{int(split['proposed_new'].sum()):,}")
k3.metric("建成后", f"{int(split['after'].sum()):,}")
st.caption(
    "按各居委的充电需求占比分配目标，扣除已建端口；尚需新建的端口按各居委的缺口比例分配（整数，合计等于目标减已建）。"
    "需求 = 居住类单位人数×0.43 辆/人 + 快递外卖点车辆 + 近3年电动自行车隐患每条 10 辆。"
)
split_view = split.rename(columns=SPLIT_COLUMNS)
st.dataframe(split_view, hide_index=True, width="stretch", key="fac_split")
st.download_button("下载端口分配（XLSX）", data=audited("端口分配", lambda: to_xlsx_bytes(split_view, sheet="端口分配")),
                   file_name="充电端口分配.xlsx", key="fac_dl_split", on_click="ignore")
st.caption("地图数据 © OpenStreetMap contributors（ODbL）。")
