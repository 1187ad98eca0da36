"""真如安全风险地图 — Streamlit entry point: page config, sidebar 评估日期 and the page router.

Run with ``make run`` (or ``streamlit run app.py``). The pages live in ``app_pages/``; the
large screen opens directly at ``/screen``.
"""

from __future__ import annotations

import streamlit as st

from app_pages import PAGES
from app_pages._auth import session_account, sign_in_page, sign_out
from app_pages._data import StoreUnavailable, as_of_input, is_demo_store, load_tables, store_path
from app_pages._site_card import md_text

st.set_page_config(
    page_title="真如安全风险地图",
    page_icon="🛡️",  # emoji → data: URL favicon (a :material: icon is fetched from Google)
    layout="wide",
    initial_sidebar_state="auto",  # collapsed on phones (inspectors), open on desktops
)


def _pages(account) -> list[st.Page]:
    """The pages this account opens, its role's landing page the default (where its day
    starts). While nobody is signed in: the sign-in form at ``/`` and every page under its
    own URL, so that the URL asked for is valid and survives the form."""
    if account is None:
        return [st.Page(sign_in_page, title="登录", url_path="login", default=True)] + [
            st.Page(path, title=title, url_path=url_path, icon=icon)
            for path, title, url_path, icon in PAGES
        ]
    allowed = [p for p in PAGES if account.opens(p[2])]
    landing = account.spec.landing
    if landing not in {p[2] for p in allowed}:
        landing = allowed[0][2]
    return [
        st.Page(path, title=title, url_path=url_path, icon=icon, default=url_path == landing)
        for path, title, url_path, icon in allowed
    ]


try:
    account = session_account()
    demo = is_demo_store()
except StoreUnavailable as err:
    st.error(f"台账数据库无法打开：{err}")
    st.info(f"当前数据库路径：{store_path()}")
    st.stop()

hidden = account is None or account.spec.kiosk
pages = _pages(account)
page = st.navigation(pages, position="hidden" if hidden else "sidebar")
if account is None:
    st.session_state["auth_asked_root"] = page.url_path == ""  # "/" rather than a page's URL
    sign_in_page()  # the form only: no page runs, no data is read
if st.session_state.pop("auth_asked_root", False):
    st.switch_page(next(p for p in pages if p.url_path == ""))  # where this role's day starts

try:
    load_tables()
except StoreUnavailable as err:
    st.error(f"台账数据库无法打开：{err}")
    st.info(f"当前数据库路径：{store_path()}")
    st.stop()

if not account.spec.kiosk:
    if demo:
        st.warning("演示数据：本系统当前使用生成的示例台账，单位、隐患与人员均为虚构。", icon="⚠️")
    as_of_input()
    side = st.sidebar
    side.caption(f"当前用户：{md_text(account.display_name)}（{account.spec.label}）")
    side.button("退出登录", on_click=sign_out, key="auth_sign_out")
    side.caption(
        "界面语言：中文。Interface in Chinese; data columns and exports use ASCII column names "
        "(see docs/ARCHITECTURE.md)."
    )

page.run()
