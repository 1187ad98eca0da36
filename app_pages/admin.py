"""账户与审计 (管理员): create, change, disable and reset accounts; read and export the audit trail.

Every change goes through the store's account writes (audited, 管理员 only: the store
refuses anyone else); the audit trail is read-only here and everywhere (the table is
append-only in the database).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages._data import StoreUnavailable, current_account, get_store
from app_pages._export import to_xlsx_bytes
from app_pages._feedback import flash, show_flash
from ledger.audit_view import AUDIT_COLUMNS, audit_table
from registry.accounts import ROLES, new_kiosk_token
from registry.committees import known_committees
from registry.validate import RegistryValidationError

_FLASH = "adm_flash"
_TOKEN = "adm_new_token"


def _errors(err: Exception) -> list[str]:
    return list(getattr(err, "errors", None) or [str(err)])


def _add() -> None:
    ss = st.session_state
    role = ss.get("adm_role")
    spec = ROLES[role]
    token = new_kiosk_token() if spec.kiosk else None
    try:
        get_store().add_account(
            ss.get("adm_username", ""), role, display_name=ss.get("adm_name", ""),
            password=None if spec.kiosk else ss.get("adm_password", ""),
            committees=ss.get("adm_zones") or [], kiosk_token=token,
            user=current_account().username,
        )  # fmt: skip
    except (RegistryValidationError, StoreUnavailable) as err:
        flash(_FLASH, "error", [f"未创建：{m}" for m in _errors(err)])
        return
    if token:
        ss[_TOKEN] = token
    flash(_FLASH, "success", [f"已创建账户 {ss.get('adm_username', '').strip()}（{role}）"])


def _update(username: str, **fields) -> None:
    ss = st.session_state
    try:
        if fields.pop("kiosk", False):
            token = new_kiosk_token()
            fields["kiosk_token"] = token
        get_store().update_account(username, user=current_account().username, **fields)
    except (RegistryValidationError, StoreUnavailable) as err:
        flash(_FLASH, "error", [f"未保存：{m}" for m in _errors(err)])
        return
    if "kiosk_token" in fields:
        ss[_TOKEN] = fields["kiosk_token"]
    flash(_FLASH, "success", [f"账户 {username} 已保存"])


def _reset(username: str) -> None:
    _update(username, password=st.session_state.get(f"adm_reset_{username}", ""))


st.title("账户与审计")
account = current_account()
if "accounts" not in account.spec.writes:
    st.error("只有管理员可以管理账户和查看审计记录。")
    st.stop()
store = get_store()
show_flash(_FLASH)
token = st.session_state.pop(_TOKEN, None)
if token:
    st.info(f"大屏令牌（只显示这一次，请立即配置到大屏浏览器）：`/screen?kiosk={token}`")

tab_accounts, tab_audit = st.tabs(["账户", "审计记录"])
with tab_accounts:
    table = store.accounts()
    shown = table.rename(columns={
        "username": "用户名", "display_name": "姓名", "role": "角色", "committees": "居委",
        "disabled": "停用", "failed": "连续失败", "locked_until": "锁定至", "demo": "演示账户",
        "created": "创建时间", "password_changed": "密码修改时间",
    })  # fmt: skip
    st.dataframe(shown, hide_index=True, width="stretch")

    with st.expander("新建账户"), st.form("adm_new", clear_on_submit=True):
        st.text_input("用户名（英文字母、数字或 _ . -）", key="adm_username", max_chars=32)
        st.text_input("姓名", key="adm_name", max_chars=50)
        st.selectbox("角色", list(ROLES), key="adm_role")
        st.multiselect("所属居委（居委账户必选；检查员可选，不选为全街道）",
                       sorted(known_committees()), key="adm_zones")  # fmt: skip
        st.text_input("初始密码（至少 10 个字符；大屏账户不需要）", type="password",
                      key="adm_password", autocomplete="new-password")  # fmt: skip
        st.form_submit_button("创建", on_click=_add, type="primary")

    if len(table):
        who = st.selectbox("修改账户", table["username"].tolist(), key="adm_pick")
        row = table.set_index("username").loc[who]
        cols = st.columns(3)
        if row["disabled"]:
            cols[0].button("启用", key=f"adm_enable_{who}", on_click=_update, args=(who,),
                           kwargs={"disabled": False})  # fmt: skip
        elif who != account.username:
            cols[0].button("停用", key=f"adm_disable_{who}", on_click=_update, args=(who,),
                           kwargs={"disabled": True})  # fmt: skip
        if ROLES[row["role"]].kiosk:
            cols[1].button("生成新大屏令牌", key=f"adm_kiosk_{who}", on_click=_update,
                           args=(who,), kwargs={"kiosk": True})  # fmt: skip
        else:
            with cols[1].form(f"adm_reset_form_{who}", clear_on_submit=True):
                st.text_input("新密码", type="password", key=f"adm_reset_{who}",
                              autocomplete="new-password")  # fmt: skip
                st.form_submit_button("重设密码（并解除锁定）", on_click=_reset, args=(who,))

with tab_audit:
    log = store.audit_log()
    c = st.columns(4)
    users = c[0].multiselect("操作人", sorted(log["user"].dropna().unique()), key="adm_f_user")
    actions = c[1].multiselect("操作", sorted(log["action"].dropna().unique()), key="adm_f_action")
    record = c[2].text_input("记录编号（单位、隐患、检查…）", key="adm_f_entity", max_chars=64)
    today = dt.date.today()
    days = c[3].date_input("日期范围", (today - dt.timedelta(days=30), today), key="adm_f_days")
    start, end = (days[0], days[-1]) if isinstance(days, tuple) and days else (None, None)
    view = audit_table(log, users=users, actions=actions, entity_id=record, start=start, end=end)
    st.caption(f"共 {len(view)} 条（审计记录只能追加，任何页面都不能修改或删除）")
    st.dataframe(view, hide_index=True, width="stretch", height=420)
    st.download_button(
        "导出审计记录（XLSX）", to_xlsx_bytes(view if len(view) else pd.DataFrame(columns=AUDIT_COLUMNS)),
        file_name=f"审计记录_{today:%Y%m%d}.xlsx", on_click="ignore", key="adm_export",
    )  # fmt: skip
