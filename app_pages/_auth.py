"""Sign-in for the app: the form, the wall screen's token, inactivity and sign-out.

``app.py`` calls :func:`session_account` before it reads any data and :func:`sign_in_page`
when nobody is signed in: an anonymous visitor of any URL sees the sign-in form and nothing
else (the URL is kept, so the page asked for opens after sign-in). The account lives in this browser session
(``st.session_state``); reloading the page or 30 minutes without any action sign the user
out. The wall screen opens ``/screen?kiosk=<token>`` and stays signed in.
"""

from __future__ import annotations

import time

import streamlit as st

from app_pages._data import ACCOUNT_KEY, get_store
from app_pages._site_card import md_text
from registry.accounts import Account, SignInError

__all__ = ["IDLE_SECONDS", "KIOSK_PARAM", "session_account", "sign_in_page", "sign_out"]

#: Inactivity after which a (non-kiosk) session is signed out.
IDLE_SECONDS = 30 * 60
#: Query parameter carrying the wall screen's token.
KIOSK_PARAM = "kiosk"
_SEEN = "account_seen"
_NOTICE = "auth_notice"


def sign_out(notice: str | None = None) -> None:
    """Forget the signed-in account (and the rest of this session's state)."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if notice:
        st.session_state[_NOTICE] = notice


def _sign_in() -> None:
    """Form callback: check the password and keep the account in the session."""
    ss = st.session_state
    try:
        account = get_store().sign_in(ss.get("auth_user", ""), ss.get("auth_password", ""))
    except SignInError as err:
        ss[_NOTICE] = str(err)
        return
    finally:
        ss["auth_password"] = ""  # never kept in the session
    ss[ACCOUNT_KEY] = account
    ss[_SEEN] = time.monotonic()


def _form() -> None:
    st.title("真如安全风险地图")
    st.caption("真如镇街道社区平安办 · 请登录")
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.error(md_text(notice))
    with st.form("auth_form"):
        st.text_input("用户名", key="auth_user", max_chars=64, autocomplete="username")
        st.text_input(
            "密码", key="auth_password", type="password", max_chars=128,
            autocomplete="current-password",
        )  # fmt: skip
        st.form_submit_button("登录", type="primary", on_click=_sign_in, width="stretch")
    st.caption("忘记密码请联系管理员重设。连续 5 次密码错误将锁定账户 15 分钟。")


def session_account() -> Account | None:
    """The signed-in account of this session, or None.

    Signs the wall screen in from its token (``?kiosk=``) and signs out a session idle for
    :data:`IDLE_SECONDS`.
    """
    ss = st.session_state
    account = ss.get(ACCOUNT_KEY)
    token = st.query_params.get(KIOSK_PARAM)
    if account is None and token:
        try:
            account = get_store().sign_in_kiosk(token)
        except SignInError as err:
            ss[_NOTICE] = str(err)
        else:
            ss[ACCOUNT_KEY] = account
    if account is not None and not account.spec.kiosk:
        seen = ss.get(_SEEN, time.monotonic())
        if time.monotonic() - seen > IDLE_SECONDS:
            sign_out("长时间未操作，已自动退出，请重新登录")
            account = None
        else:
            ss[_SEEN] = time.monotonic()
    return account


def sign_in_page() -> None:
    """Show the sign-in form (or, on a store without accounts, how to create the first
    administrator) and stop the script: nothing else is shown to an anonymous visitor."""
    if not get_store().has_accounts():
        st.error(
            "该台账数据库还没有任何账户。请管理员在服务器上创建第一个管理员账户："
            "`python -m registry users add 用户名 --role 管理员`"
        )
        st.stop()
    _form()
    st.stop()
