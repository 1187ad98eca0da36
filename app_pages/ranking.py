"""优先排名: the risk-ranked list of units, filters, hand-over to route planning, downloads."""

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
from app_pages._export import audited, to_csv_bytes, to_xlsx_bytes
from app_pages._filters import sidebar_filters
from app_pages._links import record_link
from registry.enums import RISK_LEVELS
from registry.filters import apply_filters

ROUTE_CANDIDATES_KEY = "route_candidates"
LEVELS = [lvl.name for lvl in RISK_LEVELS]
LEVEL_COLOURS = [lvl.hex for lvl in RISK_LEVELS]

# display column -> source column
COLUMNS: dict[str, str] = {
    "排名": "rank",
    "编号": "site_id",
    "单位名称": "name",
    "类别": "category",
    "居委": "committee",
    "风险等级": "level",
    "等级依据": "level_basis",
    "评分": "score",
    "隐患概率": "p_hazard",
    "重大隐患概率": "p_major",
    "下次应检日期": "next_due",
    "逾期天数": "days_overdue",
    "未整改隐患": "open_hazards",
    "必查原因": "must_reasons",
    "主要原因": "reasons_text",
}


def _join(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        parts = [str(v[0] if isinstance(v, list | tuple) else v) for v in value]
        return "；".join(p for p in parts if p)
    if value is None or pd.isna(value):
        return ""
    return str(value)


def ranking_table(df: pd.DataFrame) -> pd.DataFrame:
    """Display/export frame of a scored sites table (Chinese column names, plain text)."""
    out = pd.DataFrame(index=df.index)
    for label, col in COLUMNS.items():
        if col not in df.columns:
            continue
        s = df[col]
        if col in ("must_reasons", "reasons_text", "level_basis"):
            s = s.map(_join)
        elif col == "next_due":
            s = pd.to_datetime(s).dt.date
        elif col in ("p_hazard", "p_major"):
            s = pd.to_numeric(s, errors="coerce")
        out[label] = s
    return out.reset_index(drop=True)


st.title("优先排名")
as_of = current_as_of()
try:
    require_sites(load_tables())
    scored = scored_sites(as_of)
except StoreUnavailable as err:
    st.error(str(err))
    st.stop()

flt = sidebar_filters(scored, key="ranking")
view = apply_filters(scored, flt)

st.caption(
    f"评估日期 {as_of:%Y-%m-%d}；筛选：{flt.describe_zh()}。按风险评分从高到低排列；"
    "勾选左侧方框可多选单位加入路线规划。"
)

levels = view["level"].value_counts() if "level" in view.columns else pd.Series(dtype=int)
must = int(view["must_visit"].fillna(False).astype(bool).sum()) if "must_visit" in view else 0
overdue = int(pd.to_numeric(view.get("days_overdue"), errors="coerce").fillna(0).gt(0).sum())
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("单位数", f"{len(view)}", help=f"全部 {len(scored)} 家")
m2.metric("重大风险", int(levels.get("重大", 0)))
m3.metric("较大风险", int(levels.get("较大", 0)))
m4.metric("必查单位", must)
m5.metric("检查逾期", overdue)

table = ranking_table(view)  # plain text: also the download
shown = table.assign(  # the level as a coloured label (a one-element list)
    风险等级=table["风险等级"].map(lambda v: [v] if isinstance(v, str) and v else [])
) if "风险等级" in table.columns else table
event = st.dataframe(
    shown,
    key="ranking_table",
    on_select="rerun",
    selection_mode="multi-row",
    hide_index=True,
    width="stretch",
    height=560,
    column_config={
        "排名": st.column_config.NumberColumn("排名", format="%d", width="small"),
        "编号": st.column_config.TextColumn("编号", width="small"),
        "单位名称": st.column_config.TextColumn("单位名称", width="medium"),
        "风险等级": st.column_config.MultiselectColumn(
            "风险等级", options=LEVELS, color=LEVEL_COLOURS, width="small"
        ),
        "等级依据": st.column_config.TextColumn(
            "等级依据", width="medium", help="为什么是这个等级（风险值D或未销号重大隐患）"
        ),
        "评分": st.column_config.ProgressColumn(
            "评分", min_value=0, max_value=100, format="%.0f",
            help="风险评分 0-100：今日的检查优先程度",
        ),
        "隐患概率": st.column_config.NumberColumn(
            "隐患概率", format="percent", help="下次检查发现隐患的概率"
        ),
        "重大隐患概率": st.column_config.NumberColumn(
            "重大隐患概率", format="percent", help="下次检查发现重大隐患的概率"
        ),
        "下次应检日期": st.column_config.DateColumn("下次应检日期", format="YYYY-MM-DD"),
        "逾期天数": st.column_config.NumberColumn("逾期天数", format="%d"),
        "未整改隐患": st.column_config.NumberColumn("未整改隐患", format="%d"),
        "必查原因": st.column_config.TextColumn("必查原因", width="medium"),
        "主要原因": st.column_config.TextColumn("主要原因", width="large"),
    },
)

selected_rows = list(event.selection.rows) if event is not None else []
selected_ids = table.iloc[selected_rows]["编号"].tolist() if selected_rows else []
if len(selected_ids) == 1:
    record_link(selected_ids[0], f"登记检查：{table.iloc[selected_rows[0]]['单位名称']}")
queued = list(st.session_state.get(ROUTE_CANDIDATES_KEY, []))

c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
with c1:
    if st.button(
        f"加入路线规划（已选 {len(selected_ids)} 家）",
        type="primary",
        disabled=not selected_ids,
        key="ranking_add",
    ):
        merged = list(dict.fromkeys([*queued, *selected_ids]))
        st.session_state[ROUTE_CANDIDATES_KEY] = merged
        queued = merged
        st.toast(f"已加入 {len(selected_ids)} 家，路线候选共 {len(merged)} 家")
with c2:
    if st.button("清空路线候选", disabled=not queued, key="ranking_clear"):
        st.session_state[ROUTE_CANDIDATES_KEY] = []
        queued = []
with c3:
    if st.button("前往巡查路线", disabled=not queued, key="ranking_goto"):
        st.switch_page("app_pages/route_planning.py")
with c4:
    st.caption(f"路线候选：{len(queued)} 家" + ("（在“巡查路线”页面生成路线）" if queued else ""))

d1, d2, _ = st.columns([2, 2, 5])
stamp = f"{as_of:%Y%m%d}"
d1.download_button(
    "下载 Excel（XLSX）",
    data=audited("优先排名 XLSX", lambda: to_xlsx_bytes(table, sheet="优先排名")),
    file_name=f"优先排名_{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="ranking_xlsx",
)
d2.download_button(
    "下载 CSV",
    data=audited("优先排名 CSV", lambda: to_csv_bytes(table)),
    file_name=f"优先排名_{stamp}.csv",
    mime="text/csv",
    key="ranking_csv",
)
