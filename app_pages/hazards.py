"""隐患台账: drive every hidden danger to 销号 — filters, worklist, detail, lifecycle steps, exports.

Widgets and calls only: lateness, next steps, filters, export and the 整改通知书 are
:mod:`ledger.hazard_ledger`; every write is ``store.update_hazard`` (lifecycle, validation,
audit record, and ``expected=`` — the status the user saw — against overwriting another user's
change). Actions run as form callbacks bound to what was on screen when the user clicked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._data import (
    StoreUnavailable,
    current_account,
    current_as_of,
    get_store,
    page_tables,
)
from app_pages._export import audited, exportable, to_xlsx_bytes
from app_pages._feedback import flash, operator_input, show_flash
from app_pages._site_card import md_text
from ledger.hazard_ledger import (
    ACTION_FIELD_LABELS,
    LATE_BY,
    MAJOR_RECORD_LABELS,
    OFFICE_LIMIT_DAYS,
    Action,
    HazardFilter,
    action_fields,
    check_operator,
    close_hazards,
    export_table,
    filter_hazards,
    hazard_detail,
    hazard_history,
    ledger_table,
    major_missing,
    major_record,
    next_actions,
    rectification_notice,
)
from registry.attachments import photos_of
from registry.enums import HAZARD_LEVELS, HAZARD_STATUSES, OPEN_STATUSES
from registry.store import StoreBusyError
from registry.unit_form import messages
from registry.validate import RegistryValidationError

_OPERATOR_WIDGET = "hz_operator"
_FLASH = "hz_flash"
_BULK_RESULT = "hz_bulk_result"
_BULK_IDS = "hz_bulk_ids"
_BULK_DATE = "hz_bulk_date"
_PICK = "hz_pick"

#: Worklist columns and their Chinese headers.
_VIEW = {
    "hazard_id": "隐患编号",
    "site_name": "单位",
    "committee": "居委",
    "level": "等级",
    "hazard_type": "类别",
    "part": "隐患部位",
    "status": "状态",
    "supervised": "挂牌督办",
    "deadline": "整改期限",
    "unit_days_late": "单位逾期（天）",
    "rectified_date": "整改完成",
    "office_deadline": "复查期限",
    "office_days_late": "平安办逾期（工作日）",
}


def _field_key(action: Action, name: str, hazard_id: str) -> str:
    return f"hz_{action.key}_{name}_{hazard_id}"


def _apply(hazard_id: str, action: Action, seen_status: str) -> None:
    """Form callback: one lifecycle step, refused when the hazard changed since it was shown."""
    ss = st.session_state
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        values = {n: ss.get(_field_key(action, n, hazard_id)) for n in action.needs}
        fields = action_fields(action, **values)
        get_store().update_hazard(hazard_id, user=user, expected={"status": seen_status}, **fields)
    except (RegistryValidationError, StoreBusyError, StoreUnavailable) as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    st.cache_data.clear()
    if action.target in (ss.get("hz_f_status") or HAZARD_STATUSES):
        # Still listed: stay on it. The step changed its label (状态) and its place in the
        # list, and the box alone would then show, and the next step act on, another hazard.
        ss[_PICK] = hazard_id
    flash(_FLASH, "success", [f"隐患 {hazard_id}：{action.label}，已保存（状态：{action.target}）"])


def _major_key(name: str, hazard_id: str) -> str:
    return f"hz_major_{name}_{hazard_id}"


def _save_major(hazard_id: str, seen_status: str) -> None:
    """Form callback: the 重大隐患 record (判定、方案、报告、督办、停产停业、联合整治)."""
    ss = st.session_state
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        fields = major_record(**{n: ss.get(_major_key(n, hazard_id)) for n in MAJOR_RECORD_LABELS})
        get_store().update_hazard(hazard_id, user=user, expected={"status": seen_status}, **fields)
    except (RegistryValidationError, StoreBusyError, StoreUnavailable) as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    st.cache_data.clear()
    ss[_PICK] = hazard_id
    flash(_FLASH, "success", [f"隐患 {hazard_id}：重大隐患登记已保存"])


def _major_form(row: dict[str, Any]) -> None:
    """The 重大隐患 record: what must be on file before it can be 销号 (16号令)."""
    hid = str(row["hazard_id"])
    missing = major_missing(row)
    title = "重大隐患登记" + (f"（销号前尚缺：{'、'.join(missing)}）" if missing else "（齐全）")
    with st.expander(title, expanded=bool(missing) and row["status"] != "已销号"):
        with st.form(f"hz_major_{hid}"):
            for name, label in MAJOR_RECORD_LABELS.items():
                key, current = _major_key(name, hid), row.get(name)
                if name == "suspension":
                    st.checkbox(label, value=bool(current) if pd.notna(current) else False, key=key)
                elif name in ("reported_date", "supervised_since"):
                    value = pd.Timestamp(current).date() if pd.notna(current) else None
                    st.date_input(label, value=value, key=key, format="YYYY-MM-DD")
                else:
                    text = "" if current is None or pd.isna(current) else str(current)
                    st.text_input(label, value=text, key=key)
            st.form_submit_button("保存重大隐患登记", on_click=_save_major, args=(hid, row["status"]))


def _bulk_close() -> None:
    """Form callback: 复查合格并销号 for the selected hazards, each its own write."""
    ss = st.session_state
    ids = list(ss.get(_BULK_IDS) or [])
    if not ids:
        flash(_FLASH, "error", ["请先选择要复查销号的隐患"])
        return
    try:
        result = close_hazards(
            get_store(), ids, user=ss.get(_OPERATOR_WIDGET), reinspection_date=ss.get(_BULK_DATE)
        )
    except (RegistryValidationError, StoreUnavailable) as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    if result["ok"].any():
        st.cache_data.clear()
    ss[_BULK_IDS] = []
    ss[_BULK_RESULT] = result


def _show_bulk_result() -> None:
    result = st.session_state.pop(_BULK_RESULT, None)
    if result is None:
        return
    n_ok = int(result["ok"].sum())
    n_bad = len(result) - n_ok
    summary = f"批量复查销号：成功 {n_ok} 条，失败 {n_bad} 条。"
    (st.success if n_bad == 0 else st.warning)(summary)
    st.dataframe(
        result.assign(ok=result["ok"].map({True: "成功", False: "失败"})).rename(
            columns={"hazard_id": "隐患编号", "ok": "结果", "message": "说明"}
        ),
        hide_index=True,
        key="hz_bulk_table",
    )


def _options(df: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v) for v in df[column].dropna().unique() if str(v).strip()})


def _label(table: pd.DataFrame) -> dict[str, str]:
    return {
        r.hazard_id: f"{r.hazard_id} · {r.site_name} · {r.level} · {r.status}"
        for r in table[["hazard_id", "site_name", "level", "status"]].itertuples()
    }


# -- page --------------------------------------------------------------------------------------
st.title("隐患台账")
as_of = current_as_of()
tables = page_tables()
sites, hazards = tables["sites"], tables["hazards"]
today = dt.date.today()

show_flash(_FLASH)
_show_bulk_result()

top = st.columns([2, 2, 5])
operator_input(_OPERATOR_WIDGET, top[0])
account = current_account()
can_write = "hazard" in account.spec.writes  # the store refuses the others anyway
limit = top[1].number_input(
    "平安办复查时限（工作日）",
    min_value=1,
    max_value=60,
    value=OFFICE_LIMIT_DAYS,
    step=1,
    key="hz_office_limit",
    help="整改完成后，平安办应在这么多个工作日内复查（按节假日与调休安排计算工作日）。",
)
top[2].caption(
    f"评估日期 {as_of:%Y-%m-%d}。**单位逾期**：期限已过仍未整改，或整改完成晚于期限（自然日）。"
    f"**平安办逾期**：整改完成后 {int(limit)} 个工作日内未复查。两者分开统计，互不混算。"
)

if hazards.empty:
    st.info("暂无隐患记录：台账中还没有登记隐患。")
    st.stop()

table = ledger_table(hazards, sites, as_of, int(limit))

with st.container(border=True):
    bar = st.columns([4, 2, 3, 3, 3, 2], vertical_alignment="bottom")
    flt = HazardFilter(
        statuses=bar[0].multiselect(
            "状态", HAZARD_STATUSES, default=list(OPEN_STATUSES), key="hz_f_status",
            placeholder="全部状态",
        ),
        levels=bar[1].multiselect("等级", HAZARD_LEVELS, key="hz_f_level", placeholder="全部"),
        committees=bar[2].multiselect(
            "居委", _options(table, "committee"), key="hz_f_committee", placeholder="全部居委"
        ),
        departments=bar[3].multiselect(
            "部门", _options(table, "department"), key="hz_f_department", placeholder="全部部门"
        ),
        late_by=bar[4].multiselect("逾期", list(LATE_BY), key="hz_f_late", placeholder="不限"),
        supervised_only=bar[5].checkbox("仅挂牌督办", key="hz_f_supervised"),
    )  # fmt: skip
shown = filter_hazards(table, flt)
labels = _label(shown)

m = st.columns(4)
m[0].metric("筛选结果", f"{len(shown)} 条")
m[1].metric("重大隐患", f"{int(shown['level'].eq('重大').sum())} 条")
m[2].metric("单位逾期", f"{int(shown['unit_late'].sum())} 条")
m[3].metric("平安办逾期", f"{int(shown['office_late'].sum())} 条")

view = shown[list(_VIEW)].copy()
for col in ("deadline", "rectified_date", "office_deadline"):
    view[col] = view[col].dt.strftime("%Y-%m-%d").fillna("—")
st.dataframe(view.rename(columns=_VIEW), hide_index=True, key="hz_table")
st.download_button(
    "下载台账（XLSX）",
    audited("隐患台账", lambda: to_xlsx_bytes(export_table(exportable(shown, "hazards")), "隐患台账")),
    file_name=f"隐患台账_{as_of:%Y%m%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
    key="hz_xlsx",
    help="当前筛选结果，按平安办台账格式（序号、单位、地址、隐患部位……销号日期）。",
)

# -- one hazard: detail, history, next step ----------------------------------------------------
st.subheader("隐患详情与处理")
if shown.empty:
    st.info("当前筛选条件下没有隐患。")
else:
    hid = st.selectbox(
        "选择隐患（按紧急程度排序）", list(labels), format_func=labels.get, key=_PICK
    )
    row: dict[str, Any] = shown.loc[shown["hazard_id"].eq(hid)].iloc[0].to_dict()
    left, right = st.columns([1, 1])
    with left:
        card = hazard_detail(row)
        st.dataframe(card, hide_index=True, key="hz_detail", height=35 * (len(card) + 1) + 3)
        st.download_button(
            "下载本单位整改通知书（HTML，可打印）",
            audited(f"整改通知书 {row['site_id']}",
                    lambda site=row["site_id"]: rectification_notice(table, site, as_of)),
            file_name=f"整改通知书_{row['site_id']}.html",
            mime="text/html",
            on_click="ignore",
            key="hz_notice",
        )
    with right:
        actions = next_actions(row["status"])
        if not actions:
            st.success("该隐患已复查合格并销号，闭环完成。")
        if not can_write:
            st.caption(f"当前账户（{account.spec.label}）只读：不能更改隐患状态。")
            actions = []
        elif row.get("level") == "重大":
            _major_form(row)
        for act in actions:
            with st.form(f"hz_form_{act.key}_{hid}"):
                for name in act.needs:
                    st.date_input(
                        ACTION_FIELD_LABELS[name],
                        value=None if name == "deadline" else today,
                        key=_field_key(act, name, hid),
                        format="YYYY-MM-DD",
                    )
                st.form_submit_button(
                    act.label,
                    on_click=_apply,
                    args=(hid, act, row["status"]),
                    type="primary" if act.forward else "secondary",
                )
        photos = photos_of(get_store().attachments(hazard_id=hid), get_store().path, hazard_id=hid)
        if len(photos):
            st.markdown("**现场照片**")
            st.image([str(p) for p in photos["path"]], width=160,
                     caption=[md_text(x) for x in photos["label"]])  # captions render markdown
        st.markdown("**修改记录**")
        history = hazard_history(get_store().audit_log(entity_id=hid), hid)
        if history.empty:
            st.caption("暂无修改记录（现状为导入台账时的状态）。")
        else:
            st.dataframe(history, hide_index=True, key="hz_history")

# -- bulk: 复查合格并销号 -----------------------------------------------------------------------
st.subheader("批量复查销号")
waiting = shown.loc[shown["status"].eq("待复查")]
if not can_write:
    st.caption("当前账户只读。")
elif waiting.empty:
    st.caption("当前筛选结果中没有待复查的隐患。")
else:
    with st.form("hz_bulk"):
        st.multiselect(
            f"复查合格的隐患（待复查 {len(waiting)} 条）",
            waiting["hazard_id"].tolist(),
            format_func=labels.get,
            key=_BULK_IDS,
            placeholder="选择一条或多条",
        )
        st.date_input("复查日期（同为销号日期）", value=today, key=_BULK_DATE, format="YYYY-MM-DD")
        st.form_submit_button("批量复查合格并销号", on_click=_bulk_close, type="primary")
