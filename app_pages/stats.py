"""统计考核: statutory inspection coverage, hazards found/closed, 整改率, overdue, trends."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._assessment import render_assessment
from app_pages._data import (
    NO_INSPECTIONS,
    current_as_of,
    get_store,
    page_tables,
    scored_sites,
)
from app_pages._export import audited, to_xlsx_bytes
from ledger.kpis import (
    coverage,
    coverage_by,
    coverage_summary,
    hazard_summary,
    hazards_by,
    monthly_trend,
    overdue_hazards,
)
from risk.level import level_distribution

st.title("统计考核")
as_of = current_as_of()
tables = page_tables()
sites, inspections, hazards = tables["sites"], tables["inspections"], tables["hazards"]
if inspections.empty:
    st.info(NO_INSPECTIONS)


def pct(value: float) -> str:
    """Percentage text; “—” when undefined (no units / no hazards)."""
    return "—" if pd.isna(value) else f"{value:.1%}"


years = sorted({d.year for d in pd.to_datetime(inspections["date"]).dropna()} | {as_of.year})
years = [y for y in years if y <= as_of.year]
c1, c2 = st.columns([1, 3])
year = c1.selectbox("统计年度", years[::-1], index=0, key="stats_year")
eff = min(as_of, dt.date(year, 12, 31))
c2.caption(
    f"统计截至 {eff:%Y-%m-%d}（评估日期 {as_of:%Y-%m-%d}）。检查频次：重点检查名单单位每年不少于 4 次，"
    "基本信息库单位每年不少于 2 次；同一单位同一天多次记录按 1 次计，复查不计入。"
    "“进度达标”指截至统计日已完成按时间进度应完成的次数（重点单位每季度 1 次、基本单位每半年 1 次）。"
)

cov = coverage(sites, inspections, year, as_of)  # a finished year expects its full count
summary = coverage_summary(cov)
hz = hazard_summary(hazards, eff, start=dt.date(year, 1, 1), end=eff)

st.subheader("法定检查频次")
k, b = summary.loc["重点单位"], summary.loc["基本单位"]
m = st.columns(4)
m[0].metric(
    "重点单位进度达标率",
    pct(k["on_track_share"]),
    help=f"{int(k['on_track'])}/{int(k['units'])} 家已完成截至今日应检的 "
    f"{0 if pd.isna(k['expected_to_date']) else int(k['expected_to_date'])} 次",
)
m[1].metric(
    "基本单位进度达标率",
    pct(b["on_track_share"]),
    help=f"{int(b['on_track'])}/{int(b['units'])} 家已完成截至今日应检的 "
    f"{0 if pd.isna(b['expected_to_date']) else int(b['expected_to_date'])} 次",
)
m[2].metric(
    "重点单位全年达标（≥4次）",
    pct(k["met_share"]),
    help=f"{int(k['met'])}/{int(k['units'])} 家本年度已检查 4 次及以上",
)
m[3].metric(
    "基本单位全年达标（≥2次）",
    pct(b["met_share"]),
    help=f"{int(b['met'])}/{int(b['units'])} 家本年度已检查 2 次及以上",
)

st.subheader("隐患排查治理")
total, major = hz.loc["合计"], hz.loc["重大"]
m = st.columns(5)
m[0].metric("本年发现隐患", f"{int(total['found'])} 条", help=f"其中重大隐患 {int(major['found'])} 条")
m[1].metric("已销号", f"{int(total['closed'])} 条")
m[2].metric("整改率", pct(total["rate"]), help="本年发现的隐患中，截至统计日已销号的比例")
m[3].metric("逾期未整改", f"{int(total['overdue_now'])} 条", help="未销号且已过整改期限（全部台账）")
m[4].metric(
    "重大隐患未销号",
    f"{int(major['open_now'])} 条",
    help=f"其中挂牌督办 {int(major['supervised_open_now'])} 条",
)

level_rows = hz.drop(index="合计").reset_index()
level_long = pd.concat(
    [
        pd.DataFrame({"等级": level_rows["level"], "指标": "发现", "条数": level_rows["found"]}),
        pd.DataFrame({"等级": level_rows["level"], "指标": "已销号", "条数": level_rows["closed"]}),
        pd.DataFrame(
            {"等级": level_rows["level"], "指标": "逾期未整改", "条数": level_rows["overdue_now"]}
        ),
    ],
    ignore_index=True,
)
lc, rc = st.columns([3, 2])
with lc:
    st.altair_chart(
        alt.Chart(level_long)
        .mark_bar()
        .encode(
            x=alt.X("条数:Q"),
            y=alt.Y("指标:N", title=None, sort=["发现", "已销号", "逾期未整改"]),
            color=alt.Color(
                "指标:N",
                scale=alt.Scale(
                    domain=["发现", "已销号", "逾期未整改"], range=["#1F4E79", "#009E73", "#E60012"]
                ),
                legend=None,
            ),
            row=alt.Row("等级:N", title=None, header=alt.Header(labelAngle=0)),
            tooltip=["等级", "指标", "条数"],
        )
        .properties(height=90, width=420),
    )
with rc:
    st.dataframe(
        hz.reset_index().rename(
            columns={
                "level": "等级",
                "found": "本年发现",
                "closed": "已销号",
                "rate": "整改率",
                "mean_days_to_close": "平均整改天数",
                "open_now": "未销号",
                "overdue_now": "逾期",
                "supervised_open_now": "挂牌督办未销号",
            }
        ),
        hide_index=True,
        column_config={
            "整改率": st.column_config.NumberColumn("整改率", format="percent"),
            "平均整改天数": st.column_config.NumberColumn("平均整改天数", format="%.1f"),
        },
    )

st.subheader("按居委 / 部门")
tab_c, tab_d = st.tabs(["按居委", "按责任部门"])
for tab, by, label in ((tab_c, "committee", "居委"), (tab_d, "department", "责任部门")):
    with tab:
        cb = coverage_by(cov, by)
        hb = hazards_by(hazards, sites, by, eff, start=dt.date(year, 1, 1), end=eff)
        merged = cb.merge(hb, on=by, how="left")
        left, right = st.columns(2)
        with left:
            st.markdown(f"**检查进度达标率（按{label}，低者在前）**")
            st.altair_chart(
                alt.Chart(merged)
                .mark_bar()
                .encode(
                    x=alt.X("on_track_share:Q", title="进度达标率", axis=alt.Axis(format="%"),
                            scale=alt.Scale(domain=[0, 1])),
                    y=alt.Y(f"{by}:N", title=None, sort="x"),
                    color=alt.Color(
                        "on_track_share:Q",
                        scale=alt.Scale(scheme="redyellowgreen", domain=[0.5, 1]),
                        legend=None,
                    ),
                    tooltip=[
                        alt.Tooltip(f"{by}:N", title=label),
                        alt.Tooltip("units:Q", title="单位数"),
                        alt.Tooltip("on_track_share:Q", title="进度达标率", format=".1%"),
                        alt.Tooltip("missing_to_date:Q", title="欠检次数"),
                    ],
                )
                .properties(height=max(160, 16 * len(merged))),
                width="stretch",
            )
        with right:
            st.markdown(f"**隐患发现与逾期（按{label}）**")
            hz_long = merged.melt(
                id_vars=[by], value_vars=["found", "overdue_now"], var_name="指标", value_name="条数"
            )
            hz_long["指标"] = hz_long["指标"].map({"found": "本年发现", "overdue_now": "逾期未整改"})
            st.altair_chart(
                alt.Chart(hz_long)
                .mark_bar()
                .encode(
                    x=alt.X("条数:Q"),
                    y=alt.Y(f"{by}:N", title=None, sort="-x"),
                    color=alt.Color("指标:N", legend=alt.Legend(orient="top", title=None)),
                    yOffset="指标:N",
                    tooltip=[alt.Tooltip(f"{by}:N", title=label), "指标", "条数"],
                )
                .properties(height=max(160, 22 * len(merged))),
                width="stretch",
            )
        with st.expander(f"按{label}明细表"):
            st.dataframe(
                merged.rename(
                    columns={
                        by: label,
                        "units": "单位数",
                        "key_units": "重点单位",
                        "met": "全年达标",
                        "met_share": "全年达标率",
                        "on_track": "进度达标",
                        "on_track_share": "进度达标率",
                        "missing_to_date": "欠检次数",
                        "found": "发现隐患",
                        "major_found": "重大隐患",
                        "closed": "已销号",
                        "rate": "整改率",
                        "overdue_now": "逾期未整改",
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    c: st.column_config.NumberColumn(c, format="percent")
                    for c in ("全年达标率", "进度达标率", "整改率")
                },
            )

st.subheader("风险等级分布（按行业）")
st.caption(
    "四色等级是单位的常态风险（行业固有风险、规模、管控与隐患记录），不随季节和节日变化；"
    "季节、节日和逾期只影响当前的检查优先级。存在未销号重大隐患的单位在销号前为重大风险。"
)
levels = level_distribution(scored_sites(as_of), "category").rename(
    columns={"category": "行业", "units": "单位数"}
)
st.dataframe(
    levels,
    hide_index=True,
    width="stretch",
    column_config={
        "重大占比": st.column_config.NumberColumn(format="percent"),
        "较大占比": st.column_config.NumberColumn(format="percent"),
    },
)

st.subheader("月度趋势")
trend = monthly_trend(inspections, hazards, dt.date(year, 1, 1), eff)
t1, t2 = st.columns(2)
with t1:
    st.markdown("**每月检查次数**")
    st.altair_chart(
        alt.Chart(trend)
        .mark_bar(color="#1F4E79")
        .encode(
            x=alt.X("yearmonth(month):T", title="月份", axis=alt.Axis(format="%m月")),
            y=alt.Y("inspections:Q", title="检查次数"),
            tooltip=[alt.Tooltip("yearmonth(month):T", title="月份"),
                     alt.Tooltip("inspections:Q", title="检查次数")],
        ),
        width="stretch",
    )
with t2:
    st.markdown("**每月隐患发现与销号**")
    found_long = trend.melt(
        id_vars=["month"], value_vars=["hazards_general", "hazards_major"],
        var_name="等级", value_name="条数",
    )
    found_long["等级"] = found_long["等级"].map({"hazards_general": "一般", "hazards_major": "重大"})
    bars = (
        alt.Chart(found_long)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title="月份", axis=alt.Axis(format="%m月")),
            y=alt.Y("条数:Q", title="隐患条数"),
            color=alt.Color("等级:N", scale=alt.Scale(domain=["一般", "重大"],
                                                     range=["#FFB000", "#E60012"])),
            tooltip=[alt.Tooltip("yearmonth(month):T", title="月份"), "等级", "条数"],
        )
    )
    closed_line = (
        alt.Chart(trend)
        .mark_line(point=True, color="#009E73")
        .encode(
            x="yearmonth(month):T",
            y="hazards_closed:Q",
            tooltip=[alt.Tooltip("yearmonth(month):T", title="月份"),
                     alt.Tooltip("hazards_closed:Q", title="销号")],
        )
    )
    st.altair_chart(bars + closed_line, width="stretch")
    st.caption("柱：当月发现（一般/重大）；绿线：当月销号。")

st.subheader("逾期未整改隐患")
od = overdue_hazards(hazards, eff)
names = sites.set_index("site_id")["name"]
od_view = pd.DataFrame(
    {
        "隐患编号": od["hazard_id"].astype(str),
        "单位名称": od["site_id"].map(names).astype(str),
        "等级": od["level"].astype(str),
        "类别": od["hazard_type"].astype(str) if "hazard_type" in od else "",
        "部位": od["part"].astype(str) if "part" in od else "",
        "发现日期": pd.to_datetime(od["found_date"]).dt.date,
        "整改期限": pd.to_datetime(od["deadline"]).dt.date,
        "逾期天数": od["days_overdue"].astype(int),
        "状态": od["status"].astype(str),
        "责任单位": od["responsible_unit"].astype(str) if "responsible_unit" in od else "",
        "挂牌督办": od["supervised"].fillna(False).astype(bool) if "supervised" in od else False,
    }
)
st.caption(f"共 {len(od_view)} 条，按逾期天数从长到短。")
st.dataframe(od_view, hide_index=True, width="stretch", height=320)

behind = cov.loc[cov["missing_to_date"] > 0]
behind_view = pd.DataFrame(
    {
        "编号": behind["site_id"],
        "单位名称": behind["name"] if "name" in behind else "",
        "类别": behind["category"] if "category" in behind else "",
        "居委": behind["committee"] if "committee" in behind else "",
        "责任部门": behind["department"] if "department" in behind else "",
        "应检次数/年": behind["required"],
        "截至今日应检": behind["expected_to_date"],
        "已检": behind["done"],
        "欠检": behind["missing_to_date"],
    }
).sort_values(["欠检", "应检次数/年"], ascending=False)
d1, d2, _ = st.columns([2, 2, 4])
d1.download_button(
    f"下载欠检单位清单（{len(behind_view)} 家，XLSX）",
    data=audited("欠检单位清单", lambda: to_xlsx_bytes(behind_view, sheet="欠检单位")),
    file_name=f"欠检单位_{eff:%Y%m%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="stats_dl_behind",
)
d2.download_button(
    f"下载逾期隐患清单（{len(od_view)} 条，XLSX）",
    data=audited("逾期隐患清单", lambda: to_xlsx_bytes(od_view, sheet="逾期隐患")),
    file_name=f"逾期隐患_{eff:%Y%m%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="stats_dl_overdue",
)

st.subheader("年度目标考核")
st.caption("部门和居委按年度目标的时间进度完成情况考核（定量），加上定性评分；目标与进展见“年度目标”页。")
render_assessment(
    get_store().targets(year), get_store().target_events(year), sites, eff, year, key="stats_assess"
)
