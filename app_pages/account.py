"""我的账户: who is signed in, change the password, sign out."""

from __future__ import annotations

import streamlit as st

from app_pages._auth import sign_out
from app_pages._data import StoreUnavailable, current_account, get_store
from app_pages._feedback import flash, show_flash
from app_pages._site_card import md_text
from registry.accounts import SignInError
from registry.validate import RegistryValidationError

_FLASH = "acct_flash"


def _change_password() -> None:
    ss = st.session_state
    account = current_account()
    old, new, again = (ss.get(k, "") for k in ("acct_old", "acct_new", "acct_again"))
    if new != again:
        flash(_FLASH, "error", ["两次输入的新密码不一致"])
        return
    try:
        get_store().sign_in(account.username, old)  # the current password, checked and audited
        get_store().update_account(account.username, user=account.username, password=new)
    except SignInError:
        flash(_FLASH, "error", ["当前密码不正确"])
        return
    except (RegistryValidationError, StoreUnavailable) as err:
        flash(_FLASH, "error", list(getattr(err, "errors", [str(err)])))
        return
    flash(_FLASH, "success", ["密码已修改，下次登录请使用新密码"])


st.title("我的账户")
account = current_account()
show_flash(_FLASH)
zones = "、".join(account.committees) or "全街道"
st.markdown(
    f"**{md_text(account.display_name)}**（用户名 {md_text(account.username)}）  \n"
    f"角色：{account.spec.label} · 数据范围：{md_text(zones)}"
)
with st.form("acct_password", clear_on_submit=True):
    st.subheader("修改密码")
    st.text_input("当前密码", type="password", key="acct_old", autocomplete="current-password")
    st.text_input("新密码（至少 10 个字符）", type="password", key="acct_new",
                  autocomplete="new-password")  # fmt: skip
    st.text_input("再次输入新密码", type="password", key="acct_again", autocomplete="new-password")
    st.form_submit_button("修改密码", on_click=_change_password, type="primary")
st.button("退出登录", on_click=sign_out, key="acct_sign_out")
