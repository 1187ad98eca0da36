"""Rendering of a :class:`routes.planning.RoutePlan` shared by 巡查路线 and 节前检查.

Map (folium via streamlit-folium, offline assets), a per-team timeline (altair), the stop
tables with AMap navigation links, the left-out list with Chinese reasons and the downloads.
User strings (site names, addresses, team names, start labels) reach the map only through
:func:`layers.safe_text.html_text` (folium tooltips sit in JavaScript template literals) and
are passed as plain text to tables.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import folium
import pandas as pd
import streamlit as st

from app_pages._export import audited
from app_pages._links import record_picker
from app_pages._site_card import md_text
from layers.safe_text import html_text
from registry.enums import RISK_LEVELS

__all__ = [
    "TEAM_COLOURS",
    "left_out_table",
    "route_map",
    "show_plan",
    "stops_table",
    "timeline_frame",
]

#: Distinct line colours of the teams (colour-blind friendly, Okabe–Ito + extras).
TEAM_COLOURS: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C564B",
)
_LEVEL_HEX = {lvl.name: lvl.hex for lvl in RISK_LEVELS}


def route_map(plan, *, height: int = 560, hotspots: pd.DataFrame | None = None) -> folium.Map:
    """Folium map of the plan: one coloured line per team, numbered stops, the start point.

    Parameters
    ----------
    plan : RoutePlan
    height : int
        Map height in pixels.
    hotspots : DataFrame, optional
        Extra sites drawn as small dots coloured by risk level (``lon, lat, name, level``),
        in their own layer “重大/较大风险单位” (the 节前检查 hotspot view).

    The map loads its scripts from the app's own static folder (no CDN) and has no tiles
    (offline); the boundary gives the orientation. When ``layers.route_lines.route_map``
    exists (the map package's route layer) it draws the plan, unless hotspots are asked for.
    """
    try:
        from layers import route_lines
    except ImportError:
        route_lines = None
    if hotspots is None and route_lines is not None and hasattr(route_lines, "route_map"):
        return route_lines.route_map(plan, height=height)

    from layers.fit_on_resize import fit_on_resize
    from layers.geodata import boundary
    from layers.offline import make_offline

    m = folium.Map(tiles=None, control_scale=True, height=height)
    folium.GeoJson(
        boundary().__geo_interface__,
        name="真如镇街道边界",
        style_function=lambda _f: {"color": "#666", "weight": 2, "fillOpacity": 0.04},
        control=False,
    ).add_to(m)
    bounds: list[tuple[float, float]] = []
    if hotspots is not None and len(hotspots):
        hot = folium.FeatureGroup(name=f"重大/较大风险单位（{len(hotspots)} 家）")
        for _, h in hotspots.iterrows():
            folium.CircleMarker(
                (float(h["lat"]), float(h["lon"])),
                radius=4,
                weight=1,
                color="#ffffff",
                fill=True,
                fill_color=_LEVEL_HEX.get(str(h.get("level")), "#999999"),
                fill_opacity=0.8,
                tooltip=f"{html_text(h.get('name'))}（{html_text(h.get('level'))}风险）",
            ).add_to(hot)
        hot.add_to(m)
    for i, r in enumerate(plan.routes):
        colour = TEAM_COLOURS[i % len(TEAM_COLOURS)]
        team = html_text(r.team.name)
        fg = folium.FeatureGroup(name=f"{team}（{r.n_stops} 家）")
        pts = [(r.start.lat, r.start.lon)]
        pts += list(zip(r.stops["lat"].astype(float), r.stops["lon"].astype(float), strict=True))
        pts.append((r.end.lat, r.end.lon))
        bounds.extend(pts)
        if r.n_stops:
            folium.PolyLine(pts, color=colour, weight=4, opacity=0.85, tooltip=team).add_to(fg)
        for _, s in r.stops.iterrows():
            tip = (
                f"{team} 第{int(s['seq'])}站：{html_text(s['name'])}<br>"
                f"{html_text(s['start'])}-{html_text(s['leave'])}"
                f"　{html_text(s['level'])}风险"
            )
            folium.CircleMarker(
                (float(s["lat"]), float(s["lon"])),
                radius=9,
                color=colour,
                weight=3,
                fill=True,
                fill_color=_LEVEL_HEX.get(str(s["level"]), "#999999"),
                fill_opacity=0.95,
                tooltip=tip,
            ).add_to(fg)
            folium.Marker(
                (float(s["lat"]), float(s["lon"])),
                icon=folium.DivIcon(
                    html=(
                        '<div style="font:bold 11px sans-serif;color:#fff;'
                        'text-shadow:0 0 2px #000;transform:translate(-4px,-8px)">'
                        f"{int(s['seq'])}</div>"
                    )
                ),
            ).add_to(fg)
        fg.add_to(m)
    starts = {(r.start.lat, r.start.lon): r.start.label for r in plan.routes}
    for (lat, lon), label in starts.items():
        folium.CircleMarker(
            (lat, lon),
            radius=7,
            color="#222",
            fill=True,
            fill_color="#fff",
            fill_opacity=1,
            tooltip=f"出发点：{html_text(label)}",
        ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    fit_on_resize(m, bounds, padding=(20, 20))  # fine zoom step, re-fitted when resized
    return make_offline(m)


def timeline_frame(plan) -> pd.DataFrame:
    """One row per stop: team, 单位, level, start/end datetimes on the plan date."""
    rows = []
    day = pd.Timestamp(plan.date)
    for r in plan.routes:
        for _, s in r.stops.iterrows():
            h1, m1 = (int(x) for x in str(s["start"]).split(":"))
            h2, m2 = (int(x) for x in str(s["leave"]).split(":"))
            rows.append(
                {
                    "小组": r.team.name,
                    "序号": int(s["seq"]),
                    "单位": str(s["name"]),
                    "风险等级": str(s["level"]) or "未评",
                    "开始": day + pd.Timedelta(hours=h1, minutes=m1),
                    "结束": day + pd.Timedelta(hours=h2, minutes=m2),
                    "到达": str(s["arrival"]),
                    "时段": f"{s['start']}-{s['leave']}",
                }
            )
    return pd.DataFrame(
        rows, columns=["小组", "序号", "单位", "风险等级", "开始", "结束", "到达", "时段"]
    )


def _timeline_chart(frame: pd.DataFrame, teams: list[str]) -> alt.Chart:
    levels = [lvl.name for lvl in RISK_LEVELS]
    return (
        alt.Chart(frame)
        .mark_bar(cornerRadius=3)
        .encode(
            x=alt.X("开始:T", title="时间", axis=alt.Axis(format="%H:%M")),
            x2="结束:T",
            y=alt.Y("小组:N", sort=teams, title=None),
            color=alt.Color(
                "风险等级:N",
                scale=alt.Scale(domain=levels, range=[_LEVEL_HEX[lv] for lv in levels]),
                legend=alt.Legend(title="风险等级", orient="top"),
            ),
            tooltip=["小组", "序号", "单位", "风险等级", "到达", "时段"],
        )
        .properties(height=alt.Step(34))
    )


def stops_table(route) -> pd.DataFrame:
    """Stop list of one team for display (Chinese headers, AMap link per stop)."""
    s = route.stops
    out = pd.DataFrame(
        {
            "序号": s["seq"].astype(int),
            "单位名称": s["name"].astype(str),
            "地址": s["address"].astype(str),
            "类别": s["category"].astype(str),
            "风险等级": s["level"].astype(str),
            "到达": s["arrival"].astype(str),
            "开始检查": s["start"].astype(str),
            "离开": s["leave"].astype(str),
            "路程(分钟)": s["travel_min"].astype(float).round(0),
            "检查(分钟)": s["service_min"].astype(float).round(0),
            "必查": s["must_visit"].astype(bool),
            "检查要点": s["focus"].astype(str),
            "备注": s["note"].astype(str),
        }
    )
    from routes.export import nav_links

    out["导航"] = nav_links(s)["amap_url"].to_numpy() if len(s) else []
    return out


def left_out_table(plan) -> pd.DataFrame:
    """Sites not planned, with the Chinese reason."""
    lo = plan.left_out
    cols = {
        "site_id": "编号",
        "name": "单位名称",
        "category": "类别",
        "level": "风险等级",
        "score": "评分",
        "must_visit": "必查",
        "reason": "未安排原因",
    }
    present = [c for c in cols if c in lo.columns]
    return lo[present].rename(columns=cols).reset_index(drop=True)


def _downloads(plan, key: str, title: str) -> None:
    from routes import export

    stamp = f"{plan.date:%Y%m%d}"
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "路线表（XLSX）",
        data=audited(f"{title} 路线表", lambda: export.to_xlsx(plan)),
        file_name=f"{title}_{stamp}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_dl_xlsx",
        on_click="ignore",  # a download does not rerun (and redraw) the plan
    )
    c2.download_button(
        "打印版任务单（HTML）",
        data=audited(f"{title} 任务单", lambda: export.to_printable_html(plan, plan.date)),
        file_name=f"{title}_{stamp}.html",
        mime="text/html",
        key=f"{key}_dl_html",
        on_click="ignore",  # a download does not rerun (and redraw) the plan
    )
    c3.download_button(
        "GPX 轨迹",
        data=audited(f"{title} GPX", lambda: export.to_gpx(plan)),
        file_name=f"{title}_{stamp}.gpx",
        mime="application/gpx+xml",
        key=f"{key}_dl_gpx",
        on_click="ignore",  # a download does not rerun (and redraw) the plan
    )
    c4.download_button(
        "导航链接（高德）",
        data=audited(f"{title} 导航链接", lambda: _nav_links_text(plan)),
        file_name=f"{title}_导航链接_{stamp}.txt",
        mime="text/plain",
        key=f"{key}_dl_nav",
        on_click="ignore",  # a download does not rerun (and redraw) the plan
    )


def _nav_links_text(plan) -> str:
    from routes.export import nav_links

    lines = [f"{plan.date:%Y-%m-%d} 巡查路线导航链接（高德地图，GCJ-02）", ""]
    for r in plan.routes:
        lines.append(f"【{r.team.name}】")
        links = nav_links(r.stops)
        for (_, s), url in zip(r.stops.iterrows(), links["amap_url"], strict=True):
            lines.append(f"{int(s['seq'])}. {s['name']}（{s['start']}）{url}")
        lines.append("")
    return "\n".join(lines)


def show_plan(plan, *, key: str, title: str = "巡查路线", map_height: int = 560) -> None:
    """Render a plan: metrics, map, timeline, per-team tables, left-out list, downloads."""
    from streamlit_folium import st_folium

    t = plan.totals
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("安排单位", f"{t['sites_visited']} 家", help=f"候选 {t['candidates']} 家")
    m2.metric(
        "必查单位",
        f"{t['must_served']}/{t['must_total']}",
        help="已安排 / 候选中的必查单位",
    )
    m3.metric("路途合计", f"{t['travel_min']:.0f} 分钟")
    m4.metric("现场检查", f"{t['service_min']:.0f} 分钟")
    m5.metric("未安排", f"{t['left_out']} 家")
    st.info(md_text(plan.summary_zh()).replace("\n", "  \n"))  # escaped; markdown line breaks
    if plan.check_messages:
        st.warning("路线校验提示：\n" + "\n".join(f"- {m}" for m in plan.check_messages))

    map_col, time_col = st.columns([3, 2])
    with map_col:
        st.subheader("路线地图")
        st_folium(
            route_map(plan, height=map_height),
            height=map_height,
            use_container_width=True,
            returned_objects=[],
            key=f"{key}_map",
        )
    with time_col:
        st.subheader("各组时间安排")
        frame = timeline_frame(plan)
        if frame.empty:
            st.caption("没有安排任何单位。")
        else:
            st.altair_chart(
                _timeline_chart(frame, [r.team.name for r in plan.routes]),
                width="stretch",
            )

    st.subheader("各组任务单")
    tabs = st.tabs([f"{r.team.name}（{r.n_stops} 家）" for r in plan.routes])
    for tab, r in zip(tabs, plan.routes, strict=True):
        with tab:
            lead = f"带队：{md_text(r.team.leader)}；" if r.team.leader else ""
            st.caption(
                f"{lead}{r.depart} 从 {md_text(r.start.label)} 出发，约 {r.end_time} 返回；"
                f"路途 {r.travel_min:.0f} 分钟，检查 {r.service_min:.0f} 分钟。"
            )
            if r.n_stops:
                st.dataframe(
                    stops_table(r),
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "导航": st.column_config.LinkColumn("导航", display_text="高德导航"),
                    },
                    key=f"{key}_stops_{r.team.name}",
                )
                record_picker(
                    [(str(sid), f"{int(q)}. {nm}") for sid, q, nm in
                     zip(r.stops["site_id"], r.stops["seq"], r.stops["name"], strict=True)],
                    key=f"{key}_record_{r.team.name}",
                )  # fmt: skip
            else:
                st.caption("本组当日无安排。")

    if len(plan.left_out):
        with st.expander(f"未安排的单位（{len(plan.left_out)} 家）及原因", expanded=False):
            counts = plan.left_out["reason"].value_counts()
            st.markdown("\n".join(f"- {k}：{v} 家" for k, v in counts.items()))
            st.dataframe(left_out_table(plan), hide_index=True, width="stretch")
    for note in plan.notes:
        st.caption(f"注：{note}")

    st.subheader("下载")
    _downloads(plan, key, title)


def next_working_day(after: dt.date) -> dt.date:
    """First working day after ``after`` (weekends/holidays skipped, 调休 days count)."""
    from risk.calendar import is_off_day

    day = after + dt.timedelta(days=1)
    for _ in range(30):
        if not is_off_day(day):
            return day
        day += dt.timedelta(days=1)
    return after + dt.timedelta(days=1)
