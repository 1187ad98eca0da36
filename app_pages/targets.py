"""年度目标: the yearly plan's targets, their progress vs the calendar, and recording progress.

Widgets and calls only: the statistics are :mod:`ledger.targets` (progress, pace, by 居委 /
department, 考核, unit status), the targets and their rules :mod:`registry.targets`, and every
write ``store.add_target_event`` / ``store.add_targets`` (validated, audited with the 操作人, a
double tap written once). Residents are recorded as counts per 居委, never by name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages._assessment import render_assessment
from app_pages._data import StoreUnavailable, current_as_of, get_store, load_tables
from app_pages._export import audited, to_xlsx_bytes
from app_pages._feedback import flash, operator_input, show_flash
from ledger.hazard_ledger import check_operator
from ledger.inspection_form import find_sites, site_label
from ledger.targets import progress_by, progress_table, target_progress, unit_status
from registry.attachments import AttachmentError
from registry.committees import OUTSIDE, known_committees
from registry.sectors import DEPARTMENTS
from registry.store import StoreBusyError
from registry.targets import FOUR_ONES, KIND_SCOPE, default_targets, evidence_path
from registry.unit_form import messages, request_id
from registry.validate import RegistryValidationError

_OPERATOR_WIDGET = "tg_operator"
_FLASH = "tg_flash"
_MEMO = "tg_request"
_ERRORS = (RegistryValidationError, StoreBusyError, StoreUnavailable, AttachmentError)
_RED = "color: #c62828; font-weight: 600"
_NONE = "（不指定）"


def _red_gaps(table: pd.DataFrame, behind: pd.Series):
    """The table with the 差距 (and 状态) of targets behind the calendar in red."""
    flags = behind.reset_index(drop=True).astype(bool)

    def paint(col: pd.Series) -> list[str]:
        if col.name not in ("差距", "状态"):
            return [""] * len(col)
        return [_RED if flags.iloc[i] else "" for i in range(len(col))]

    return table.style.apply(paint).format(precision=1, subset=[
        c for c in ("计划", "已完成", "按进度应完成", "差距") if c in table.columns
    ])  # fmt: skip


def _load_defaults(year: int) -> None:
    """Button callback: the plan's default targets for the year, written once."""
    ss = st.session_state
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        rows = default_targets(year).drop(columns=["target_id"]).to_dict("records")
        ids = get_store().add_targets(rows, user=user, request_id=f"defaults-{year}")
    except _ERRORS as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    flash(_FLASH, "success", [f"已载入 {year} 年度工作要点的 {len(ids)} 项目标"])


def _save_event(targets: pd.DataFrame) -> None:
    """Button callback: one progress event of the chosen target (a double tap writes once)."""
    ss = st.session_state
    target_id = ss.get("tg_e_target")
    scope = KIND_SCOPE.get(
        str(targets.loc[targets["target_id"] == target_id, "kind"].squeeze()), "any"
    )
    row = {
        "target_id": target_id,
        "date": ss.get("tg_e_date"),
        "quantity": 1 if scope == "unit" else ss.get("tg_e_qty"),
        "attendees": ss.get("tg_e_attendees") or None,
        "site_id": ss.get("tg_e_site") if scope != "committee" else None,
        "committee": None if ss.get("tg_e_committee") in (None, _NONE) else ss["tg_e_committee"],
        "department": None if ss.get("tg_e_dept") in (None, _NONE) else ss["tg_e_dept"],
        "note": ss.get("tg_e_note") or "",
    }
    upload = ss.get("tg_e_evidence")
    evidence = upload.getvalue() if upload is not None else None
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        rid = request_id(ss.setdefault(_MEMO, {}), {**row, "evidence": upload.name if upload else ""})
        event_id = get_store().add_target_event(
            row, user=user, request_id=rid, evidence=evidence,
            evidence_name=upload.name if upload is not None else None,
        )  # fmt: skip
    except _ERRORS as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in messages(err)])
        return
    if ss.get("tg_last_event") == event_id:
        flash(_FLASH, "info", [f"该进展已登记（{event_id}），重复提交未再次写入"])
    else:
        flash(_FLASH, "success", [f"已登记进展 {event_id}"])
    ss["tg_last_event"] = event_id


def _event_form(targets: pd.DataFrame, events: pd.DataFrame, sites: pd.DataFrame,
                year: int) -> None:
    """The form recording one progress event (saved by :func:`_save_event`)."""
    labels = {r["target_id"]: f"{r['kind']} · {r['title']}" for r in targets.to_dict("records")}
    target_id = st.selectbox("目标", list(labels), format_func=labels.get, key="tg_e_target")
    kind = str(targets.loc[targets["target_id"] == target_id, "kind"].iloc[0])
    scope = KIND_SCOPE.get(kind, "any")
    unit = str(targets.loc[targets["target_id"] == target_id, "unit"].iloc[0])
    r1, r2 = st.columns(2)
    latest = min(dt.date.today(), dt.date(year, 12, 31))  # progress that has happened
    if latest < dt.date(year, 1, 1):
        st.info(f"{year} 年尚未开始，还不能登记进展。")
        return
    r1.date_input("日期", value=latest, min_value=dt.date(year, 1, 1), max_value=latest,
                  key="tg_e_date")  # fmt: skip
    if scope == "unit":
        r2.caption(f"{kind}按单位登记：每家单位记 1 {unit}。")
    else:
        r2.number_input(f"数量（{unit}）", min_value=1, max_value=100_000, value=1, step=1,
                        key="tg_e_qty")  # fmt: skip
    committees = sorted(known_committees() - {OUTSIDE})  # residents of 真如's 居委 only
    if scope == "committee":
        st.selectbox("居委", committees, key="tg_e_committee")
        st.caption("只登记户数，不登记居民姓名。")
    else:
        query = st.text_input("单位（按名称、地址或编号查找）", key="tg_e_query",
                              placeholder="按单位登记时必填")  # fmt: skip
        hits = find_sites(sites, query)
        options = {str(r["site_id"]): site_label(r) for _, r in hits.iterrows()}
        st.selectbox("选择单位", [None, *options], key="tg_e_site",
                     format_func=lambda s: "（不指定单位）" if s is None else options[s])
        if scope != "unit":
            st.selectbox("居委（不指定单位时可选）", [_NONE, *committees], key="tg_e_committee")
    if scope != "unit":
        st.selectbox("部门（默认牵头部门）", [_NONE, *DEPARTMENTS], key="tg_e_dept")
    if kind in ("安全培训", "应急演练", "安全宣传", "全员培训"):
        st.number_input("参加人数", min_value=0, max_value=100_000, value=0, step=1,
                        key="tg_e_attendees")  # fmt: skip
    st.text_input("说明", key="tg_e_note", max_chars=200, placeholder="如：签订单位、演练科目")
    st.file_uploader("佐证材料（照片或 PDF，可选）", type=["jpg", "jpeg", "png", "webp", "pdf"],
                     key="tg_e_evidence")  # fmt: skip
    st.button("保存进展", type="primary", key="tg_e_save", on_click=_save_event, args=(targets,))
    recent = events[events["target_id"] == target_id].tail(10).iloc[::-1]
    if not recent.empty:
        st.caption("该目标最近登记的进展")
        st.dataframe(
            recent[["event_id", "date", "quantity", "site_id", "committee", "department", "note",
                    "recorded_by"]].rename(columns={
                "event_id": "编号", "date": "日期", "quantity": "数量", "site_id": "单位编号",
                "committee": "居委", "department": "部门", "note": "说明", "recorded_by": "登记人",
            }),
            hide_index=True, width="stretch",
        )  # fmt: skip
        _evidence_download(recent)


def _evidence_download(recent: pd.DataFrame) -> None:
    """Download the evidence (photo or PDF) of one of the recent events."""
    with_files = recent[recent["evidence_sha256"].notna()]
    if with_files.empty:
        return
    names = {
        str(r["event_id"]): f"{r['event_id']} · "
        + (r["evidence_name"] if isinstance(r["evidence_name"], str) else "佐证材料")
        for r in with_files.to_dict("records")
    }
    chosen = st.selectbox("佐证材料", list(names), format_func=names.get, key="tg_e_evidence_pick")
    name = str(with_files.loc[with_files["event_id"] == chosen, "evidence_sha256"].iloc[0])
    try:
        data = evidence_path(get_store().path, name).read_bytes()
    except (OSError, AttachmentError):
        st.warning("佐证材料文件不在存储目录中（可能已被移走）。")
        return
    st.download_button(
        "下载佐证材料", data, f"{chosen}{Path(name).suffix}", key="tg_e_evidence_dl",
        mime="application/pdf" if name.endswith(".pdf") else "image/jpeg", on_click="ignore",
    )  # fmt: skip


# -- page --------------------------------------------------------------------------------------
st.title("年度目标")
as_of = current_as_of()
try:
    tables = load_tables()
    store = get_store()
except StoreUnavailable as err:
    st.error(str(err))
    st.stop()
sites = tables["sites"]
all_targets = store.targets()
years = sorted({int(y) for y in all_targets["year"]} | {as_of.year}, reverse=True)
c1, c2 = st.columns([1, 3])
year = int(c1.selectbox("年度", years, key="tg_year"))
day = min(as_of, dt.date(year, 12, 31))
c2.caption(
    f"统计截至 {day:%Y-%m-%d}。按时间进度应完成 = 目标数量 × 目标期限内已过去的天数比例；"
    "已完成少于按进度应完成即为“落后”，差距标红。"
)
show_flash(_FLASH)
operator_input(_OPERATOR_WIDGET)

targets = store.targets(year)
events = store.target_events(year)
if targets.empty:
    st.info(f"{year} 年尚未登记年度目标。可载入街道年度安全生产工作要点中的目标（之后可按实际调整）。")
    st.button("载入年度工作要点目标", key="tg_defaults", on_click=_load_defaults, args=(year,))
    st.stop()

progress = target_progress(targets, events, sites, day)
m1, m2, m3 = st.columns(3)
m1.metric("目标项数", len(progress))
m2.metric("已完成", int((progress["status"] == "完成").sum()))
m3.metric("落后于进度", int(progress["behind"].sum()))

tab_all, tab_by, tab_units, tab_record, tab_assess = st.tabs(
    ["目标进度", "按居委 / 部门", "单位承诺书与四个一", "登记进展", "考核"]
)

with tab_all:
    table = progress_table(progress)
    st.dataframe(_red_gaps(table, progress["behind"]), hide_index=True, width="stretch")
    st.download_button(
        "导出目标进度（XLSX）", audited("年度目标进度", lambda: to_xlsx_bytes(table, "年度目标")), f"年度目标_{year}.xlsx",
        key="tg_xlsx", on_click="ignore",
    )  # fmt: skip

with tab_by:
    b1, b2 = st.columns([1, 2])
    by = b1.radio("分组", ["committee", "department"], horizontal=True, key="tg_by",
                  format_func={"committee": "按居委", "department": "按部门"}.get)  # fmt: skip
    labels = {r["target_id"]: f"{r['kind']} · {r['title']}" for r in targets.to_dict("records")}
    chosen = b2.selectbox("目标", list(labels), format_func=labels.get, key="tg_by_target")
    grouped = progress_by(targets[targets["target_id"] == chosen], events, sites, day, by=by)
    if grouped.empty:
        st.info("该目标还没有登记进展。")
    else:
        gtable = progress_table(grouped.drop(columns=["target_id", "kind", "title"]))
        st.dataframe(_red_gaps(gtable, grouped["behind"]), hide_index=True, width="stretch")
        if grouped["planned"].isna().all():
            st.caption("该目标的计划没有按居委分解，只列出各居委已完成的数量。")

with tab_units:
    status = unit_status(sites, targets, events, day)
    u1, u2, u3 = st.columns(3)
    u1.metric("企业数", len(status))
    u2.metric("未签承诺书", int((~status["承诺书"]).sum()))
    u3.metric("四个一未全部完成", int((~status["四个一"]).sum()))
    which = st.radio("显示", ["全部", "未签承诺书", "未完成全员培训", "四个一未全部完成"],
                     horizontal=True, key="tg_units_filter")  # fmt: skip
    keep = {
        "全部": pd.Series(True, index=status.index),
        "未签承诺书": ~status["承诺书"],
        "未完成全员培训": ~status["全员培训"],
        "四个一未全部完成": ~status["四个一"],
    }[which]
    info = sites[["site_id", "name", "committee", "category"]].astype({"site_id": str})
    shown = status[keep].merge(info, on="site_id", how="left")
    shown = shown[["site_id", "name", "committee", "category", "承诺书",
                   *(k for k in FOUR_ONES if k != "承诺书"), "四个一", "missing"]].rename(columns={
        "site_id": "编号", "name": "单位名称", "committee": "居委", "category": "类别",
        "missing": "未完成",
    })  # fmt: skip
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(
        "导出单位状态（XLSX）", audited("承诺书与四个一", lambda: to_xlsx_bytes(shown, "承诺书与四个一")), f"承诺书与四个一_{year}.xlsx",
        key="tg_units_xlsx", on_click="ignore",
    )  # fmt: skip

with tab_record:
    _event_form(targets, events, sites, year)

with tab_assess:
    render_assessment(targets, events, sites, day, year, key="tg_assess")
