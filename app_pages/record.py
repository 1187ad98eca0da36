"""检查登记: record one inspection (and the hazards found) on a phone, one thumb.

Direct link to a unit: ``/record?site=S000123`` opens the page with that unit chosen (the map's
site card, the ranking rows and route stops can link here). Without the parameter the unit is
found by searching its name, address, 统一社会信用代码 or 编号.

The form rules (required fields, default 整改期限, quick picks, rows written) are in
:mod:`ledger.inspection_form`; this page only holds widgets. Every field lives in
``st.session_state`` under a ``rec_`` key and its widget has ``persist_state="session"``
(:data:`KEEP`), so a rerun or a page switch loses nothing. Values are assigned to a widget's
key only when they change (a save, a quick pick, a default that follows the unit or level):
an assignment makes the browser take the server's value, which would erase what the user is
typing into that field while a rerun is on its way (a slow phone connection). Each form
instance carries a ``request_id`` (uuid4) sent to ``add_inspection``: a double tap or a
retried submission writes once; the id is renewed only after a successful save. After a save
the unit and the hazards are cleared for the next record; date, type, team, 带队领导 and
检查人员 stay.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import exc as sa_exc

from app_pages._data import (
    AS_OF_KEY,
    StoreUnavailable,
    default_as_of,
    get_store,
    load_tables,
    require_sites,
)
from app_pages._feedback import operator_input
from app_pages._site_card import md_text, operating_note
from ledger.inspection_form import (
    LEADER_TYPE,
    HazardDraft,
    InspectionDraft,
    default_deadline,
    find_sites,
    quick_picks,
    site_label,
    team_options,
    template_fields,
    to_records,
)
from registry.attachments import KIND_LABELS, AttachmentError, clean_photo
from registry.enums import HAZARD_LEVELS, HAZARD_TYPES, INSPECTION_TYPES
from registry.store import StoreBusyError
from registry.validate import RegistryValidationError

#: Query parameter naming the unit to record (``?site=S000123``).
SITE_PARAM = "site"

PREFIX = "rec_"
SEARCH, SITE, DATE, TYPE, TEAM = "rec_search", "rec_site", "rec_date", "rec_type", "rec_team"
LEADER, INSPECTOR, RESULT, N_HAZARDS = "rec_leader", "rec_inspector", "rec_result", "rec_n"
REQUEST_ID, OUTCOME, PARAM_APPLIED = "rec_request_id", "rec_outcome", "rec_param_applied"
NO_HAZARD, WITH_HAZARDS = "未发现隐患", "发现隐患"
#: Hazard fields: session-state suffix → HazardDraft field.
HAZARD_FIELDS = {
    "part": "part", "unit": "responsible_unit", "measures": "measures", "level": "level",
    "type": "hazard_type", "desc": "description", "person": "responsible_person",
    "deadline": "deadline", "fixed": "fixed_on_spot",
}  # fmt: skip
#: Widgets keep their value for the whole session (across page switches, and while hidden).
KEEP = {"persist_state": "session"}
#: Kept for the next record after a save.
KEEP_AFTER_SAVE = (DATE, TYPE, TEAM, LEADER, INSPECTOR, PARAM_APPLIED)


def hkey(i: int, name: str) -> str:
    """Session-state key of field ``name`` of hazard ``i``."""
    return f"{PREFIX}h{i}_{name}"


def _hazard_keys(i: int) -> list[str]:
    return [hkey(i, n) for n in (*HAZARD_FIELDS, "pick", "deadline_auto", "unit_auto", "uid")]


def _hazard_draft(i: int) -> HazardDraft:
    ss = st.session_state
    values = {field: ss.get(hkey(i, suffix)) for suffix, field in HAZARD_FIELDS.items()}
    return HazardDraft(**{k: v for k, v in values.items() if v is not None})


def _draft() -> InspectionDraft:
    ss = st.session_state
    n = int(ss.get(N_HAZARDS, 0)) if ss.get(RESULT) == WITH_HAZARDS else 0
    hazards = tuple(_hazard_draft(i) for i in range(n))
    return InspectionDraft(
        site_id=ss.get(SITE), date=ss.get(DATE), type=ss.get(TYPE) or INSPECTION_TYPES[0],
        team=ss.get(TEAM) or "", inspector=ss.get(INSPECTOR) or "", leader=ss.get(LEADER) or "",
        hazards=hazards,
    )


def _reset_after_save() -> None:
    ss = st.session_state
    for key in [k for k in ss if str(k).startswith(PREFIX) and k not in KEEP_AFTER_SAVE]:
        del ss[key]
    # Assigned (not only deleted) so the browser's widgets show the cleared values too.
    ss[SEARCH], ss[SITE], ss[RESULT] = "", None, NO_HAZARD
    ss[REQUEST_ID] = uuid.uuid4().hex


def photo_key(i: int, kind: str) -> str:
    """Key of the photo uploader of hazard ``i``: follows the hazard when one above it is
    removed, and is new per form instance, so it clears after a save."""
    ss = st.session_state
    uid = ss.setdefault(hkey(i, "uid"), uuid.uuid4().hex[:8])
    return f"recup_{ss.get(REQUEST_ID)}_{uid}_{kind}"


def _photos(n: int) -> list[tuple[int, str, Any]]:
    """Uploaded photos of the first ``n`` hazards: (hazard index, kind, file)."""
    ss = st.session_state
    return [
        (i, kind, f)
        for i in range(n)
        for kind in KIND_LABELS
        for f in (ss.get(photo_key(i, kind)) or [])
    ]


def _photo_errors(photos: list[tuple[int, str, Any]]) -> list[str]:
    errors = []
    for i, kind, f in photos:
        try:
            clean_photo(f.getvalue())
        except AttachmentError as err:
            errors.append(f"隐患{i + 1}{KIND_LABELS[kind]}照片“{f.name}”：{err}")
    return errors


def _save(names: Mapping[str, str]) -> None:
    """Button callback: write the form (runs before the widgets, so it may reset them)."""
    ss = st.session_state
    draft = _draft()
    photos = _photos(len(draft.hazards))
    try:
        as_of_default = default_as_of()  # before the write moves it
        inspection, hazards = to_records(draft, today=dt.date.today())
        photo_errors = _photo_errors(photos)  # checked before anything is written
        if photo_errors:
            raise RegistryValidationError(photo_errors)
        store = get_store()
        iid, hids = store.add_inspection(
            inspection, hazards, user=draft.inspector.strip(), request_id=ss[REQUEST_ID]
        )
    except RegistryValidationError as err:  # also ConcurrentEditError
        ss[OUTCOME] = {"ok": False, "errors": list(err.errors)}
        return
    except (StoreBusyError, StoreUnavailable) as err:
        ss[OUTCOME] = {"ok": False, "errors": [str(err)]}
        return
    st.cache_data.clear()  # the map, ranking and ledger pages read the new record
    _follow_as_of(as_of_default, inspection["date"])
    photo_problems = []
    for i, kind, f in photos:
        try:
            store.add_attachment(f.getvalue(), kind=kind, filename=f.name,
                                 user=draft.inspector.strip(), hazard_id=hids[i])
        except (AttachmentError, RegistryValidationError, StoreBusyError, OSError,
                sa_exc.SQLAlchemyError) as err:
            photo_problems.append(f"隐患 {hids[i]} 的照片“{f.name}”未能保存：{err}")
    _reset_after_save()
    if st.query_params.get(SITE_PARAM):
        del st.query_params[SITE_PARAM]
    ss[OUTCOME] = {
        "ok": True, "inspection_id": iid, "hazard_ids": hids,
        "name": names.get(str(inspection["site_id"]), ""),
        "photos": len(photos) - len(photo_problems), "photo_problems": photo_problems,
    }  # fmt: skip


def _follow_as_of(previous_default: dt.date, recorded: dt.date) -> None:
    """A 评估日期 the user has not changed follows the ledger to a newer record's date.

    The sidebar's 评估日期 starts at the last inspection in the ledger; left there, the map's
    card and the other pages would count the hazards just recorded as not yet found.
    """
    ss = st.session_state
    if ss.get(AS_OF_KEY) == previous_default and recorded > previous_default:
        ss[AS_OF_KEY] = recorded


def _add_hazard(unit_name: str) -> None:
    ss = st.session_state
    i = int(ss.get(N_HAZARDS, 0))
    ss[N_HAZARDS] = i + 1
    ss[hkey(i, "unit")] = unit_name
    ss[hkey(i, "unit_auto")] = unit_name


def _remove_hazard(i: int) -> None:
    ss = st.session_state
    n = int(ss.get(N_HAZARDS, 0))
    for j in range(i, n - 1):
        for src, dst in zip(_hazard_keys(j + 1), _hazard_keys(j), strict=True):
            if src in ss:
                ss[dst] = ss[src]
            else:
                ss.pop(dst, None)
    for key in _hazard_keys(n - 1):
        ss.pop(key, None)
    ss[N_HAZARDS] = max(n - 1, 0)


def _apply_pick(i: int, category: str | None) -> None:
    ss = st.session_state
    choice = ss.get(hkey(i, "pick"))
    picks = quick_picks(category)
    if choice is None or not 0 <= choice < len(picks):
        return
    for suffix, value in template_fields(picks[choice]).items():
        key = {"hazard_type": "type", "description": "desc"}.get(suffix, suffix)
        ss[hkey(i, key)] = value


def _init_state(sites: pd.DataFrame) -> None:
    ss = st.session_state
    ss.setdefault(REQUEST_ID, uuid.uuid4().hex)
    ss.setdefault(DATE, dt.date.today())
    ss.setdefault(TYPE, INSPECTION_TYPES[0])
    ss.setdefault(RESULT, NO_HAZARD)
    param = (st.query_params.get(SITE_PARAM) or "").strip()
    if param and ss.get(PARAM_APPLIED) != param:
        ss[PARAM_APPLIED] = param
        if param in set(sites["site_id"]):
            ss[SITE] = param
        else:
            ss[OUTCOME] = {"ok": False, "errors": [f"链接中的单位编号 {param} 不存在，请搜索单位"]}


def _show_outcome() -> None:
    outcome = st.session_state.pop(OUTCOME, None)
    if not outcome:
        return
    if outcome["ok"]:
        hids = outcome["hazard_ids"]
        hazards = f"，隐患 {len(hids)} 条：{'、'.join(hids)}" if hids else "，未发现隐患"
        st.toast(f"已保存检查记录 {outcome['inspection_id']}", icon="✅")  # seen at any scroll
        st.success(
            f"已保存检查记录 {outcome['inspection_id']}（{md_text(outcome['name'])}）{hazards}。"
            + (f"照片 {outcome['photos']} 张。" if outcome.get("photos") else "")
            + "可以登记下一家单位。",
            icon="✅",
        )
        for problem in outcome.get("photo_problems", []):
            st.warning(md_text(problem))
    else:
        lines = "\n".join(f"- {md_text(e)}" for e in outcome["errors"])
        st.error(f"未保存，请修改后重试：\n\n{lines}", icon="⚠️")


def _pick_site(sites: pd.DataFrame) -> dict[str, Any] | None:
    ss = st.session_state
    st.text_input(
        "搜索单位", key=SEARCH, **KEEP, placeholder="名称、地址或统一社会信用代码",
        help="输入单位名称、地址、统一社会信用代码或编号的一部分",
    )
    hits = find_sites(sites, ss.get(SEARCH, ""))
    by_id = sites.set_index("site_id", drop=False)
    options = list(hits["site_id"])
    current = ss.get(SITE)
    if current is not None and current not in by_id.index:
        ss[SITE] = current = None
    if current is not None and current not in options:
        options.insert(0, current)
    if ss.get(SEARCH, "").strip() and hits.empty:
        st.caption("没有找到匹配的单位")
    labels = {sid: site_label(by_id.loc[sid]) for sid in options}
    st.selectbox(
        "被检查单位", options, key=SITE, **KEEP, index=None, format_func=labels.get,
        placeholder="先在上方搜索，再选择单位",
    )
    return None if ss.get(SITE) is None else by_id.loc[ss[SITE]].to_dict()


def _hazard_form(i: int, site: Mapping[str, Any], date: dt.date) -> None:
    ss = st.session_state
    name = str(site.get("name", ""))
    # Defaults follow the unit and the level until the user edits the field.
    # Assigned only when different: an assignment overwrites what the browser shows.
    unit = ss.get(hkey(i, "unit"))
    if unit in (None, ss.get(hkey(i, "unit_auto"))) and unit != name:
        ss[hkey(i, "unit")] = name
    ss[hkey(i, "unit_auto")] = name
    ss.setdefault(hkey(i, "level"), HAZARD_LEVELS[0])
    ss.setdefault(hkey(i, "type"), HAZARD_TYPES[0])
    auto = default_deadline(date, ss[hkey(i, "level")])
    deadline = ss.get(hkey(i, "deadline"))
    if deadline in (None, ss.get(hkey(i, "deadline_auto"))) and deadline != auto:
        ss[hkey(i, "deadline")] = auto
    ss[hkey(i, "deadline_auto")] = auto
    with st.container(border=True):
        st.markdown(f"**隐患 {i + 1}**")
        picks = quick_picks(site.get("category"))
        if picks:
            st.selectbox(
                "常见隐患（快速填写，可不选）", range(len(picks)), key=hkey(i, "pick"), **KEEP, index=None,
                format_func=lambda j: f"{picks[j].part}：{picks[j].description}",
                on_change=_apply_pick, args=(i, site.get("category")),
                placeholder="选择本行业常见隐患，自动填写下列各项",
            )
        st.radio("隐患等级", HAZARD_LEVELS, key=hkey(i, "level"), **KEEP, horizontal=True)
        st.selectbox("隐患类别", HAZARD_TYPES, key=hkey(i, "type"), **KEEP)
        st.text_area("隐患描述", key=hkey(i, "desc"), **KEEP, height=80)
        st.text_input("隐患部位", key=hkey(i, "part"), **KEEP)
        st.text_input("责任单位", key=hkey(i, "unit"), **KEEP)
        st.text_area("整改措施", key=hkey(i, "measures"), **KEEP, height=80)
        st.text_input("整改责任人", key=hkey(i, "person"), **KEEP)
        st.date_input(
            "整改期限", key=hkey(i, "deadline"), **KEEP, min_value=date, format="YYYY-MM-DD",
            help="默认：一般隐患 7 天，重大隐患 30 天",
        )
        st.file_uploader(
            "整改前照片（可选，可拍照）", type=["jpg", "jpeg", "png", "webp"],
            accept_multiple_files=True, key=photo_key(i, "before"),
            help="照片保存前去除位置等元数据；单张不超过 10 MB",
        )
        if ss[hkey(i, "level")] == HAZARD_LEVELS[0]:
            st.checkbox(
                "立即整改（现场已整改，转待复查）", key=hkey(i, "fixed"), **KEEP,
                help="整改完成日期记为检查日期，状态直接为“待复查”",
            )
            if ss.get(hkey(i, "fixed")):
                st.file_uploader(
                    "整改后照片（可选）", type=["jpg", "jpeg", "png", "webp"],
                    accept_multiple_files=True, key=photo_key(i, "after"),
                )
        else:
            ss.pop(hkey(i, "fixed"), None)
        if int(ss.get(N_HAZARDS, 0)) > 1:
            st.button(
                "删除这条隐患", key=f"recbtn_remove_{i}", on_click=_remove_hazard, args=(i,),
                width="stretch",
            )


def main() -> None:
    st.title("检查登记")
    try:
        tables = load_tables()
    except StoreUnavailable as err:
        st.error(f"台账数据库无法打开：{err}")
        st.stop()
    require_sites(tables)
    sites = tables["sites"]
    _init_state(sites)
    _show_outcome()
    ss = st.session_state

    site = _pick_site(sites)
    if site is not None:
        st.caption(
            f"{md_text(site.get('category'))} · {md_text(site.get('committee'))} · "
            f"{md_text(site.get('address'))}"
        )
        note = operating_note(site, tables["hazards"], dt.date.today())
        if note:
            st.warning(note)  # an ordinary inspection of a suspended or closed unit is flagged
    today = dt.date.today()
    st.date_input(
        "检查日期", key=DATE, **KEEP, min_value=dt.date(2000, 1, 1), max_value=today, format="YYYY-MM-DD"
    )
    st.selectbox("检查类型", INSPECTION_TYPES, key=TYPE, **KEEP)
    st.selectbox(
        "检查组", team_options(tables["inspections"]), key=TEAM, **KEEP, index=None,
        accept_new_options=True, placeholder="选择或输入检查组",
    )
    if ss.get(TYPE) == LEADER_TYPE:
        st.text_input("带队领导", key=LEADER, **KEEP)
    operator_input(INSPECTOR)  # the signed-in account records (and is audited)
    st.radio("检查结果", (NO_HAZARD, WITH_HAZARDS), key=RESULT, **KEEP, horizontal=True)

    if ss.get(RESULT) == WITH_HAZARDS:
        if site is None:
            st.info("请先选择被检查单位，再填写隐患。")
        else:
            if int(ss.get(N_HAZARDS, 0)) == 0:
                _add_hazard(str(site.get("name", "")))
            date = ss.get(DATE) or today
            for i in range(int(ss[N_HAZARDS])):
                _hazard_form(i, site, date)
            st.button(
                "＋ 再添加一条隐患", key="recbtn_add", on_click=_add_hazard,
                args=(str(site.get("name", "")),), width="stretch",
            )

    names = {} if site is None else {str(site["site_id"]): str(site.get("name", ""))}
    st.button(
        "保存检查记录", key="recbtn_save", type="primary", on_click=_save, args=(names,),
        width="stretch",
    )


main()
