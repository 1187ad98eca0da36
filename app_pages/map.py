"""风险地图: every supervised site on an offline map, coloured by risk level, with a detail card.

Widgets and calls only: the map is built by :func:`layers.folium_map.risk_map`, the click is
read by :func:`layers.map_events.handle_map_event`, the card by :mod:`app_pages._site_card`.

Speed: what the browser receives for one (store version, 评估日期, filters, view options) is
computed once and cached — the folium map *and* the streamlit-folium component arguments
(``st_folium`` would re-render the whole folium tree and regenerate its Leaflet script on
every rerun: ~0.5 s at 3,000 sites; :mod:`layers.folium_component` is the adapter). A rerun
with the same inputs (a click, the card list)
only sends the cached strings; the browser keeps the map because the component key (a hash
of the script, as in ``st_folium``) is unchanged. The filtered table is cached the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._data import (
    NO_SITES,
    current_account,
    current_as_of,
    load_tables,
    scored_sites,
    store_version,
)
from app_pages._filters import sidebar_filters
from app_pages._site_card import md_text, render_site_card
from layers import basemaps, folium_component
from layers.folium_map import risk_map
from layers.geodata import OSM_ATTRIBUTION
from layers.legend import legend_items, legend_markdown
from layers.map_events import RETURNED_OBJECTS, handle_map_event
from registry.filters import SiteFilter, apply_filters

SELECTED_KEY = "map_selected_site"
MAP_HEIGHT = 680
COMPONENT_KEY = "risk_map"


@st.cache_resource(show_spinner=False, max_entries=12)
def _filtered(
    store: tuple[str, float], as_of: dt.date, site_filter: SiteFilter, scope: tuple
) -> pd.DataFrame:
    """The scored sites that pass the filters (shared object: callers must not mutate it).

    ``scope`` (``Account.scope_key``) is in the key: a cache shared by all sessions must not
    hand one account's units to another (a 居委 sees only its own).
    """
    return apply_filters(scored_sites(as_of), site_filter)


@st.cache_resource(show_spinner="正在绘制地图…", max_entries=12)
def _cached_map(
    store: tuple[str, float],
    as_of: dt.date,
    site_filter: SiteFilter,
    basemap: str,
    cluster: bool,
    heat: bool,
    scope: tuple,
) -> dict[str, Any]:
    """Component arguments of the map for one combination of inputs and account scope
    (never mutated)."""
    sites = _filtered(store, as_of, site_filter, scope)
    assets = load_tables()["assets"]
    fmap = risk_map(sites, assets, basemap=basemap, cluster=cluster, heat=heat, height=MAP_HEIGHT)
    return folium_component.component_args(fmap, COMPONENT_KEY)


def _show_map(args: dict[str, Any]) -> dict[str, Any] | None:
    """Draw the cached map (the streamlit-folium component) and return its click event."""
    return folium_component.show(
        args, COMPONENT_KEY, MAP_HEIGHT, RETURNED_OBJECTS,
        default={"last_object_clicked_count": 0, "last_object_clicked_tooltip": None},
    )  # fmt: skip


def _view_options() -> tuple[str, bool, bool]:
    box = st.sidebar.expander("地图显示", expanded=True)
    with box:
        view = st.radio("视图", ["点位", "热力"], horizontal=True, key="map_view")
        cluster = st.checkbox("密集点位聚合显示", value=True, key="map_cluster")
        names = [n for n in basemaps.list_providers() if not basemaps.get(n).overlay]
        basemap = st.selectbox(
            "底图",
            names,
            format_func=lambda n: basemaps.get(n).name_zh,
            key="map_basemap",
            help="默认离线矢量底图，不访问互联网；在线底图需要外网（天地图需密钥）。",
        )
    return basemap, cluster, view == "热力"


st.title("风险地图")
as_of = current_as_of()
scored = scored_sites(as_of)
if scored.empty:
    st.info(NO_SITES)  # the map of the area still shows: go on with zero points
site_filter = sidebar_filters(scored, key="map")
basemap, cluster, heat = _view_options()
scope = current_account().scope_key
shown = _filtered(store_version(), as_of, site_filter, scope)

items = legend_items(shown)
counts = {i.label: i.count for i in items}
kpi = st.columns(5)
kpi[0].metric("地图上单位", f"{len(shown):,}", help=f"全部 {len(scored):,} 处；筛选：{md_text(site_filter.describe_zh())}")
for col, level in zip(kpi[1:], ("重大", "较大", "一般", "低"), strict=True):
    col.metric(f"{level}风险", f"{counts.get(level, 0):,}")
st.caption(f"{legend_markdown(items)} ｜ 评估日期 {as_of:%Y-%m-%d} ｜ 底图数据 {OSM_ATTRIBUTION}")

map_col, card_col = st.columns([3, 1.25], gap="small")
with map_col:
    try:
        map_args = _cached_map(store_version(), as_of, site_filter, basemap, cluster, heat, scope)
    except ValueError as err:  # e.g. 天地图 without a key: basemaps explains in Chinese
        st.error(str(err))
        map_args = _cached_map(store_version(), as_of, site_filter, "offline", cluster, heat, scope)
    event = _show_map(map_args)
    st.caption("点击地图上的点位查看详情；右上角图层按钮（鼠标移上展开）可显示危险源、园区、市场、工地、各行业和消防站/充电设施。")

known = set(shown["site_id"])
clicked = handle_map_event(event, known_ids=known)
click_no = (event or {}).get("last_object_clicked_count")
if clicked is not None and (clicked, click_no) != st.session_state.get("_map_last_click"):
    st.session_state["_map_last_click"] = (clicked, click_no)  # only a new click selects
    st.session_state[SELECTED_KEY] = clicked

with card_col:
    options = shown["site_id"].head(500).tolist()
    selected = st.session_state.get(SELECTED_KEY)
    if selected is not None and selected not in known:
        st.info("所选单位不在当前筛选结果中。")
        selected = None
    if selected is not None and selected not in options:
        options = [selected, *options]
    labels = dict(zip(shown["site_id"], shown["name"].astype(str), strict=True))
    if selected is not None:
        st.session_state["map_pick"] = selected  # keep the list in step with map clicks
    elif st.session_state.get("map_pick") not in options:
        st.session_state.pop("map_pick", None)

    def _on_pick() -> None:
        st.session_state[SELECTED_KEY] = st.session_state.get("map_pick")

    st.selectbox(
        "查看单位（或在地图上点击）",
        options,
        format_func=lambda sid: f"{sid} {labels.get(sid, '')}",
        placeholder="按风险排序，选择一个单位",
        key="map_pick",
        on_change=_on_pick,
        **({} if "map_pick" in st.session_state else {"index": None}),
    )
    if selected is None:
        st.info("在地图上点击一个点位，或从上方列表选择，查看评分原因、检查记录和未销号隐患。")
    else:
        tables = load_tables()
        row = shown.loc[shown["site_id"] == selected].iloc[0].to_dict()
        render_site_card(row, tables["inspections"], tables["hazards"], as_of)
