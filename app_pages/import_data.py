"""数据导入: append and update the registry from a file, see what it does first, undo a batch.

Widgets and calls only: reading, matching and the preview are :mod:`registry.batch_import`;
the write is ``store.apply_import(preview, user=..., request_id=...)`` (all or nothing, one
audited batch; the same confirmation tapped twice writes once) and ``store.undo_import``.
Templates come from :func:`registry.batch_import.template_workbook`. Every user string is
shown through ``st.dataframe`` (text, never HTML) or :func:`app_pages._site_card.md_text`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._data import StoreUnavailable, get_store, store_version
from app_pages._export import audited
from app_pages._feedback import flash, operator_input, show_flash
from app_pages._site_card import md_text
from ledger.hazard_ledger import check_operator
from registry.batch_import import (
    KINDS,
    ImportPreview,
    preview,
    preview_workbook,
    read_upload,
    summary_lines,
    template_workbook,
)
from registry.importer import ImportErrorZh
from registry.store import StoreBusyError
from registry.unit_form import messages, request_id
from registry.validate import RegistryValidationError

_OPERATOR_WIDGET = "imp_operator"
_FLASH = "imp_flash"
_KIND = "imp_kind"
_FILE = "imp_file"
_PREVIEW = "imp_preview"  # (key of file, kind and store version, ImportPreview)
_MEMO = "imp_request"
_DONE = "imp_done"
_UNDO_PICK = "imp_undo_pick"
_UNDO_CONFIRM = "imp_undo_confirm"
_SHOW_ROWS = 1000
_ERRORS = (RegistryValidationError, StoreBusyError, StoreUnavailable, ImportErrorZh)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _current_preview(data: bytes, name: str, kind: str) -> ImportPreview:
    """The preview of the uploaded file against the store as it is now (kept per session
    until the file, the kind or the store changes)."""
    key = (hashlib.sha256(data).hexdigest(), name, kind, store_version())
    kept = st.session_state.get(_PREVIEW)
    if kept is not None and kept[0] == key:
        return kept[1]
    with st.spinner("正在读取并比对文件…"):
        raw = read_upload(data, name)
        result = preview(raw, kind, get_store().tables(), source_name=name)
    st.session_state[_PREVIEW] = (key, result)
    return result


def _apply(file_id: str) -> None:
    """Button callback: write the previewed file as one batch (a double tap writes once)."""
    ss = st.session_state
    kept = ss.get(_PREVIEW)
    if kept is None:
        flash(_FLASH, "error", ["未导入：请重新上传文件"])
        return
    p: ImportPreview = kept[1]
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        rid = request_id(ss.setdefault(_MEMO, {}), {"file": file_id, "digest": p.digest()})
        batch = get_store().apply_import(p, user=user, request_id=rid)
    except _ERRORS as err:
        flash(_FLASH, "error", [f"未导入：{m}" for m in messages(err)])
        return
    st.cache_data.clear()
    if ss.get(_DONE) == batch:
        flash(_FLASH, "info", [f"该文件已导入（批次 {batch}），重复提交未再次写入"])
        return
    ss[_DONE] = batch
    counts = p.counts()
    flash(_FLASH, "success", [
        f"已导入批次 {batch}：{p.source_name}，新增 {counts['新增']} 行、更新 {counts['更新']} 行"
        "（可在“导入批次”中撤销）"
    ])  # fmt: skip


def _undo(batch_id: int) -> None:
    """Button callback: take a batch back (refused, with the reasons, when its records changed)."""
    ss = st.session_state
    try:
        user = check_operator(ss.get(_OPERATOR_WIDGET))
        if not ss.get(_UNDO_CONFIRM):
            raise RegistryValidationError([f"请先勾选“确认撤销批次 {batch_id}”"])
        done = get_store().undo_import(int(batch_id), user=user)
    except _ERRORS as err:
        flash(_FLASH, "error", [f"未撤销：{m}" for m in messages(err)])
        return
    st.cache_data.clear()
    ss.pop(_MEMO, None)  # the same file may be imported again as a new request
    ss.pop(_DONE, None)
    ss[_UNDO_CONFIRM] = False
    flash(_FLASH, "success", [
        f"已撤销导入批次 {batch_id}：删除新增的 {done['removed']} 条，恢复更新前的 {done['restored']} 条"
    ])  # fmt: skip


def _table(frame: pd.DataFrame, key: str, empty: str) -> None:
    if frame.empty:
        st.caption(empty)
        return
    if len(frame) > _SHOW_ROWS:
        st.caption(f"共 {len(frame)} 行，仅显示前 {_SHOW_ROWS} 行；完整清单请下载预览清单。")
    st.dataframe(frame.head(_SHOW_ROWS), hide_index=True, key=key, width="stretch")


def _batch_label(row: dict[str, Any]) -> str:
    return (f"批次 {row['batch_id']}｜{row['ts']}｜{row['user']}｜{KINDS.get(row['kind'], row['kind'])}"
            f"｜{row['source_name']}")  # fmt: skip


# -- page --------------------------------------------------------------------------------------
st.title("数据导入")
try:
    store = get_store()
except StoreUnavailable as err:
    st.error(md_text(str(err)))
    st.stop()
ss = st.session_state

show_flash(_FLASH)
operator_input(_OPERATOR_WIDGET)

import_tab, batches_tab = st.tabs(["导入文件", "导入批次"])

with import_tab:
    st.caption(
        "追加和更新：单位先按统一社会信用代码、再按单位名称+地址匹配已登记单位；检查记录、隐患和"
        "第三方检查报告挂到已登记的单位上。导入前先预览；有任何一行被拒绝时不导入任何内容；"
        "每次导入是一个批次，可以撤销。"
    )
    kind = st.selectbox("导入内容", list(KINDS), format_func=KINDS.get, key=_KIND)
    st.download_button(
        f"下载{KINDS[kind]}模板（XLSX，中文表头）", data=template_workbook(kind),
        file_name=f"{KINDS[kind]}模板.xlsx", mime=_XLSX, key=f"imp_template_{kind}",
        on_click="ignore",
    )  # fmt: skip
    upload = st.file_uploader(
        "上传文件（CSV 或 XLSX，UTF-8 或 GBK，第1行为表头）",
        type=["csv", "xlsx", "xlsm", "tsv", "txt"], key=_FILE,
    )  # fmt: skip
    if upload is not None:
        try:
            p = _current_preview(upload.getvalue(), upload.name, kind)
        except (ImportErrorZh, RegistryValidationError) as err:
            lines = messages(err)
            st.error("\n".join(f"- {md_text(m)}" for m in lines) if len(lines) > 1
                     else md_text(lines[0]))  # fmt: skip
            st.stop()
        lines = summary_lines(p)
        st.markdown("\n".join(f"- {md_text(line)}" for line in lines))
        counts = p.counts()
        cols = st.columns(4)
        for col, (label, n) in zip(cols, counts.items(), strict=True):
            col.metric(label, f"{n} 行")
        tabs = st.tabs([f"拒绝（{counts['拒绝']}）", f"新增（{counts['新增']}）",
                        f"更新（{counts['更新']}）", f"不变（{counts['不变']}）"])  # fmt: skip
        with tabs[0]:
            _table(p.rejected, "imp_rejected", "没有被拒绝的行。")
        with tabs[1]:
            _table(p.added, "imp_added", "没有新增的记录。")
        with tabs[2]:
            _table(p.changed, "imp_changed", "没有更新的记录。")
        with tabs[3]:
            _table(p.unchanged, "imp_unchanged", "没有与台账相同的行。")
        st.download_button(
            "下载预览清单（XLSX）", data=audited("导入预览", lambda: preview_workbook(p)), file_name="导入预览.xlsx", mime=_XLSX,
            key="imp_preview_xlsx", on_click="ignore",
        )  # fmt: skip
        if not p.rejected.empty:
            st.error(
                f"有 {p.rejected['行号'].nunique()} 行被拒绝（见“拒绝”中的行号、列和原因）。"
                "请修改文件后重新上传；本次不会导入任何内容。"
            )
        elif not p.ok:
            st.info("文件内容与台账一致，没有需要导入的内容。")
        else:
            st.button(
                "确认导入", key="imp_apply", type="primary", on_click=_apply,
                args=(str(upload.file_id),),
            )  # fmt: skip

with batches_tab:
    batches = store.import_batches()
    if batches.empty:
        st.caption("还没有导入批次。")
    else:
        shown = batches.assign(
            kind=batches["kind"].map(lambda k: KINDS.get(k, k)),
            状态=batches["undone_at"].map(lambda v: "已撤销" if v else "有效"),
        ).rename(columns={
            "batch_id": "批次", "ts": "导入时间", "user": "操作人", "kind": "内容",
            "source_name": "文件", "n_added": "新增", "n_changed": "更新",
            "undone_at": "撤销时间", "undone_by": "撤销人",
        })  # fmt: skip
        st.dataframe(shown, hide_index=True, key="imp_batches", width="stretch")
        active = [r for r in batches.to_dict("records") if not r["undone_at"]]
        if active:
            labels = {int(r["batch_id"]): _batch_label(r) for r in active}
            pick = st.selectbox("撤销批次", list(labels), format_func=labels.get, key=_UNDO_PICK)
            chosen = next(r for r in active if int(r["batch_id"]) == pick)
            st.checkbox(
                f"确认撤销批次 {pick}：删除其新增的 {chosen['n_added']} 条，"
                f"把其更新的 {chosen['n_changed']} 条恢复为导入前的值",
                key=_UNDO_CONFIRM,
            )
            st.button("撤销", key="imp_undo", on_click=_undo, args=(pick,))
