"""单位管理: keep the registry true — find a unit, correct it, move its point, add a new unit.

Widgets and calls only: the form's rules (what changed, a confirmed 注销, a clicked point, the
居委 of a position, the submission id) are :mod:`registry.unit_form`; every write is
``store.update_site(..., expected=...)`` (the values the user saw: a unit changed meanwhile is
not overwritten) or ``store.add_sites(..., request_id=...)`` (a double tap writes once), both
validated with the importer's rules and audited with the 操作人. Saves run as button callbacks
bound to what was on screen when the user clicked; on an error every field keeps its value.
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages._data import (
    StoreUnavailable,
    current_account,
    current_as_of,
    get_store,
    load_tables,
)
from app_pages._feedback import flash, operator_input, show_flash
from app_pages._site_card import attribute_table, md_text, operating_note
from layers.folium_map import base_map
from layers.offline import make_offline
from layers.safe_text import html_text
from ledger.hazard_ledger import check_operator
from ledger.inspection_form import find_sites, site_label
from registry.enums import COORD_QUALITIES, COORD_QUALITY_LABELS, OPERATING_STATES, PARKS
from registry.sectors import DEPARTMENTS, SECTORS
from registry.store import ConcurrentEditError, StoreBusyError
from registry.unit_form import (
    FIELD_LABELS,
    FORM_FIELDS,
    NO_PARK,
    check_state_change,
    clicked_point,
    committee_at,
    edit_fields,
    messages,
    new_unit_frame,
    position_fields,
    request_id,
    shown_values,
    subcategory_options,
    unit_history,
)
from registry.validate import RegistryValidationError

_OPERATOR_WIDGET = "un_operator"
_FLASH = "un_flash"
_PICK = "un_pick"
_QUERY = "un_q"
_NEW_MEMO = "un_new_request"
_NEW_DONE = "un_new_done"
_NEW_FIELDS = ("name", "address", "category", "key_list", "park", "uscc", "lon", "lat", "cq")
_MAP_HEIGHT = 360
_ERRORS = (RegistryValidationError, StoreBusyError, StoreUnavailable)


# -- edit: widget keys, initial values, callbacks ---------------------------------------------
def _key(field: str, site_id: str) -> str:
    return f"un_e_{field}_{site_id}"


def _sub_key(site_id: str, category: Any) -> str:
    return f"un_e_subcategory_{site_id}_{category}"


def _widget_value(field: str, value: Any) -> Any:
    if field == "park":
        return value if value in PARKS else NO_PARK
    if field == "key_list":
        return bool(value)
    return "" if value is None else value


def _init_edit(site: dict[str, Any], shown: dict[str, Any]) -> None:
    """Fill the edit widgets of a unit with its stored values (only those not yet on screen)."""
    ss, sid = st.session_state, str(site["site_id"])
    for field in FORM_FIELDS:
        if field != "subcategory" and _key(field, sid) not in ss:
            ss[_key(field, sid)] = _widget_value(field, shown[field])
    sub = _sub_key(sid, shown["category"])
    if sub not in ss:
        ss[sub] = subcategory_options(shown["category"], shown["subcategory"])[0]
    for field in ("lon", "lat"):
        if _key(field, sid) not in ss:
            ss[_key(field, sid)] = float(site[field])
    if _key("cq", sid) not in ss:
        quality = site.get("coord_quality")
        ss[_key("cq", sid)] = quality if quality in COORD_QUALITIES else "approximate"


def _reset_edit(site_id: str, keep: tuple[str, ...] = ()) -> None:
    """Forget the edit widgets of a unit (they reload from the store), except ``keep``."""
    ss = st.session_state
    prefix_sub = f"un_e_subcategory_{site_id}_"
    for name in list(ss):
        name = str(name)
        field = next((f for f in (*FORM_FIELDS, "confirm") if name == _key(f, site_id)), None)
        if name.startswith(prefix_sub):
            field = "subcategory"
        if field is not None and field not in keep:
            del ss[name]


def _edited(site_id: str) -> dict[str, Any]:
    ss = st.session_state
    values = {f: ss.get(_key(f, site_id)) for f in FORM_FIELDS if f != "subcategory"}
    values["subcategory"] = ss.get(_sub_key(site_id, values["category"]))
    return values


def _save_edit(site_id: str, shown: dict[str, Any]) -> None:
    """Button callback: the unit's fields, refused when it changed since it was shown."""
    ss = st.session_state
    edited = _edited(site_id)
    fields = edit_fields(shown, edited)
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        check_state_change(shown["operating_state"], edited["operating_state"],
                           bool(ss.get(_key("confirm", site_id))))  # fmt: skip
        if not fields:
            flash(_FLASH, "info", ["没有修改任何内容"])
            return
        get_store().update_site(site_id, user=user, expected=shown, **fields)
    except ConcurrentEditError as err:
        # Keep what this user changed; the fields he did not touch show the other user's values.
        _reset_edit(site_id, keep=tuple(fields))
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    except _ERRORS as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    st.cache_data.clear()
    _reset_edit(site_id)
    flash(_FLASH, "success", [f"单位 {site_id} 已保存（{'、'.join(_labels(fields))}）"])


def _labels(fields: dict[str, Any]) -> list[str]:
    return [FIELD_LABELS.get(f, f) for f in fields]


def _save_position(site_id: str, shown: dict[str, Any]) -> None:
    """Button callback: the unit's new point (its 居委 follows in the store)."""
    ss = st.session_state
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        fields = position_fields(
            ss.get(_key("lon", site_id)), ss.get(_key("lat", site_id)),
            ss.get(_key("cq", site_id)), shown,
        )  # fmt: skip
        if not fields:
            flash(_FLASH, "info", ["位置和坐标来源都没有改变"])
            return
        record = get_store().update_site(
            site_id, user=user, expected=shown, **fields
        )
    except _ERRORS as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    st.cache_data.clear()
    flash(_FLASH, "success", [f"单位 {site_id} 的位置已保存（居委：{record.get('committee') or '—'}）"])


# -- new unit ----------------------------------------------------------------------------------
def _new_key(field: str) -> str:
    return f"un_n_{field}"


def _new_values() -> dict[str, Any]:
    ss = st.session_state
    values = {f: ss.get(_new_key(f)) for f in _NEW_FIELDS if f != "cq"}
    values["subcategory"] = ss.get(f"un_n_subcategory_{values['category']}")
    values["coord_quality"] = ss.get(_new_key("cq"))
    return values


def _add_unit() -> None:
    """Button callback: register the new unit; the same form submitted again writes once."""
    ss = st.session_state
    values = _new_values()
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        if not values.get("category"):
            raise RegistryValidationError(["请选择类别"])
        frame = new_unit_frame(values)
        rid = request_id(ss.setdefault(_NEW_MEMO, {}), values)
        ids = get_store().add_sites(frame, user=user, request_id=rid)
    except _ERRORS as err:
        flash(_FLASH, "error", [f"未登记：{m}" for m in messages(err)])
        return
    st.cache_data.clear()
    if ss.get(_NEW_DONE) == ids:
        flash(_FLASH, "info", [f"该单位已登记（{'、'.join(ids)}），重复提交未再次写入"])
    else:
        flash(_FLASH, "success", [f"已登记新单位 {'、'.join(ids)}：{values['name']}"])
    ss[_NEW_DONE] = ids


def _clear_new() -> None:
    ss = st.session_state
    for name in list(ss):
        if str(name).startswith("un_n_") or name in (_NEW_MEMO, _NEW_DONE):
            del ss[name]


# -- map -------------------------------------------------------------------------------------
def _pick_map(
    current: tuple[float, float, str] | None, proposed: tuple[float, float] | None
) -> folium.Map:
    """Offline map with the unit's point (blue) and the proposed point (red)."""
    m = base_map("offline", height=_MAP_HEIGHT)
    centre = proposed or (current[:2] if current else None)
    if centre is not None:
        m.location = [centre[1], centre[0]]
        m.options["zoom"] = 17
    if current is not None:
        folium.CircleMarker(
            [current[1], current[0]], radius=8, color="#1F4E79", fill=True, fill_opacity=0.8,
            tooltip=f"当前位置：{html_text(current[2])}",
        ).add_to(m)  # fmt: skip
    if proposed is not None:
        folium.CircleMarker(
            [proposed[1], proposed[0]], radius=10, color="#C62828", weight=3, fill=True,
            fill_opacity=0.4, tooltip="新位置（保存后生效）",
        ).add_to(m)  # fmt: skip
    return make_offline(m)


def _map_input(map_key: str, lon_key: str, lat_key: str, current: Any, proposed: Any) -> None:
    """The pick map; a new click writes its point into the lon/lat inputs below it."""
    event = st_folium(
        _pick_map(current, proposed), key=map_key, height=_MAP_HEIGHT,
        use_container_width=True, returned_objects=["last_clicked"],
    )  # fmt: skip
    point = clicked_point(event)
    seen = f"{map_key}_seen"
    if point is not None and st.session_state.get(seen) != point:
        st.session_state[seen] = point
        st.session_state[lon_key], st.session_state[lat_key] = point
        st.rerun()  # draw the proposed point and its 居委


def _coord_inputs(lon_key: str, lat_key: str, cq_key: str) -> None:
    c = st.columns(3)
    c[0].number_input("经度（WGS-84）", key=lon_key, format="%.6f", step=0.0001)
    c[1].number_input("纬度（WGS-84）", key=lat_key, format="%.6f", step=0.0001)
    c[2].selectbox(
        "坐标来源", COORD_QUALITIES, key=cq_key, format_func=COORD_QUALITY_LABELS.get,
        help="地址匹配：按门牌或现场核实的位置；近似位置：尚未核实。",
    )  # fmt: skip


def _where(lon: float, lat: float) -> str:
    # A moved point is judged by the point alone (the store resets 辖区外 for a move too).
    return committee_at(float(lon), float(lat))


# -- page --------------------------------------------------------------------------------------
st.title("单位管理")
try:
    tables = load_tables()
except StoreUnavailable as err:
    st.error(str(err))
    st.stop()
sites, hazards = tables["sites"], tables["hazards"]
ss = st.session_state

show_flash(_FLASH)
operator_input(_OPERATOR_WIDGET)
if "site" not in current_account().spec.writes:  # the store refuses its writes anyway
    st.info("当前账户只能查看单位信息；新增或修改单位请联系平安办。")

edit_tab, new_tab = st.tabs(["查找与修改", "新增单位"])

with edit_tab:
    wanted = st.query_params.get("site")
    if wanted and _QUERY not in ss:
        ss[_QUERY] = str(wanted)
    query = st.text_input("查找单位", key=_QUERY, placeholder="名称、地址、统一社会信用代码或编号")
    hits = find_sites(sites, query)
    if sites.empty:
        st.info(
            "暂无单位：台账数据库中还没有监管单位。请在“新增单位”中逐个登记，"
            "或导入单位名册（`python -m registry import 文件`）。"
        )
    elif not str(query or "").strip():
        st.caption("输入名称、地址、统一社会信用代码或编号查找单位（最多列出 30 家）。")
    elif hits.empty:
        st.info("没有找到匹配的单位。")
    else:
        labels = {str(r["site_id"]): site_label(r) for _, r in hits.iterrows()}
        site_id = st.selectbox("选择单位", list(labels), format_func=labels.get, key=_PICK)
        site: dict[str, Any] = sites.loc[sites["site_id"].eq(site_id)].iloc[0].to_dict()
        shown = shown_values(site)
        _init_edit(site, shown)

        note = operating_note(site, hazards, current_as_of())  # the site card's rule
        if note:
            st.warning(note)

        with st.expander("当前登记信息", expanded=False):
            card = pd.concat([
                pd.DataFrame([("单位名称", str(site["name"]))], columns=["项目", "内容"]),
                attribute_table(site),
                pd.DataFrame([("经营状态", shown["operating_state"] or "正常")],
                             columns=["项目", "内容"]),
            ], ignore_index=True)  # fmt: skip
            st.dataframe(card, hide_index=True, key="un_card", height=35 * (len(card) + 1) + 3)

        st.subheader("修改登记信息")
        st.text_input("单位名称", key=_key("name", site_id), max_chars=200)
        st.text_input("地址", key=_key("address", site_id), max_chars=300)
        row = st.columns(2)
        category = row[0].selectbox("类别", list(SECTORS), key=_key("category", site_id))
        sub_options = subcategory_options(
            category, shown["subcategory"] if category == shown["category"] else None
        )
        row[1].selectbox("子类", sub_options, key=_sub_key(site_id, category))
        row = st.columns(2)
        row[0].selectbox(
            "责任部门", DEPARTMENTS, key=_key("department", site_id),
            help="改了类别而未改责任部门时，保存后按新类别的默认部门设置。",
        )  # fmt: skip
        row[1].selectbox("园区", [NO_PARK, *PARKS], key=_key("park", site_id))
        st.text_input("统一社会信用代码（可空）", key=_key("uscc", site_id), max_chars=18)
        st.checkbox("列入重点检查名单（每年检查4次，否则2次）", key=_key("key_list", site_id))
        new_state = st.radio(
            "经营状态", OPERATING_STATES, key=_key("operating_state", site_id), horizontal=True,
            help="停业、注销的单位保留历史记录，不再列入检查计划和法定频次统计。",
        )  # fmt: skip
        if new_state == "注销" and shown["operating_state"] != "注销":
            st.checkbox(
                "确认注销：该单位将不再列入检查计划和法定频次，历史记录保留",
                key=_key("confirm", site_id),
            )
        st.button(
            "保存修改", key=f"un_save_{site_id}", type="primary",
            on_click=_save_edit, args=(site_id, shown),
        )  # fmt: skip

        st.subheader("位置")
        st.caption("在地图上点击新位置（或直接填写经纬度），确认所属居委后保存。")
        lon_key, lat_key = _key("lon", site_id), _key("lat", site_id)
        here = (float(site["lon"]), float(site["lat"]))
        typed = (ss.get(lon_key), ss.get(lat_key))
        moved = None if typed == here or None in typed else (float(typed[0]), float(typed[1]))
        _map_input(f"un_map_{site_id}", lon_key, lat_key, (*here, str(site["name"])), moved)
        _coord_inputs(lon_key, lat_key, _key("cq", site_id))
        if moved is not None:
            st.info(
                f"新位置 {moved[0]:.6f}, {moved[1]:.6f} 属于居委："
                f"{md_text(_where(*moved))}（当前：{md_text(site.get('committee') or '—')}）"
            )
        position_shown = {
            "lon": here[0],
            "lat": here[1],
            "coord_quality": site.get("coord_quality"),
        }
        st.button(
            "保存位置", key=f"un_save_pos_{site_id}", on_click=_save_position,
            args=(site_id, position_shown),
        )  # fmt: skip

        st.markdown("**修改记录**")
        history = unit_history(get_store().audit_log(entity_id=site_id), site_id)
        if history.empty:
            st.caption("暂无修改记录（现状为导入名册时的登记）。")
        else:
            st.dataframe(history, hide_index=True, key="un_history")

with new_tab:
    ss.setdefault(_new_key("cq"), "approximate")
    st.text_input("单位名称（必填）", key=_new_key("name"), max_chars=200)
    st.text_input("地址", key=_new_key("address"), max_chars=300)
    row = st.columns(2)
    new_cat = row[0].selectbox(
        "类别（必填）", list(SECTORS), index=None, key=_new_key("category"),
        placeholder="请选择类别",
    )  # fmt: skip
    row[1].selectbox(
        "子类", subcategory_options(new_cat), key=f"un_n_subcategory_{new_cat}",
        disabled=new_cat is None,
    )  # fmt: skip
    row = st.columns(2)
    row[0].selectbox("园区", [NO_PARK, *PARKS], key=_new_key("park"))
    row[1].text_input("统一社会信用代码（可空）", key=_new_key("uscc"), max_chars=18)
    st.checkbox("列入重点检查名单（每年检查4次，否则2次）", key=_new_key("key_list"))
    st.caption("位置：在地图上点击单位所在处，或填写经纬度。责任部门按类别自动设置。")
    nlon, nlat = ss.get(_new_key("lon")), ss.get(_new_key("lat"))
    picked = None if nlon is None or nlat is None else (float(nlon), float(nlat))
    _map_input("un_map_new", _new_key("lon"), _new_key("lat"), None, picked)
    if _new_key("lon") not in ss:
        ss[_new_key("lon")] = None
        ss[_new_key("lat")] = None
    _coord_inputs(_new_key("lon"), _new_key("lat"), _new_key("cq"))
    if picked is not None:
        st.info(f"位置 {picked[0]:.6f}, {picked[1]:.6f} 属于居委：{md_text(_where(*picked))}")
    row = st.columns(2)
    row[0].button("登记新单位", key="un_add", type="primary", on_click=_add_unit)
    row[1].button("清空表单", key="un_clear", on_click=_clear_new)
