"""真如安全风险地图 — Streamlit entry point: page config, sidebar 评估日期 and the page router.

Run with ``make run`` (or ``streamlit run app.py``). The pages live in ``app_pages/``; the
large screen opens directly at ``/screen``.
"""

from __future__ import annotations

import streamlit as st

from app_pages import PAGES
from app_pages._data import StoreUnavailable, as_of_input, load_tables, store_path

st.set_page_config(
    page_title="真如安全风险地图",
    page_icon="🛡️",  # emoji → data: URL favicon (a :material: icon is fetched from Google)
    layout="wide",
    initial_sidebar_state="auto",  # collapsed on phones (inspectors), open on desktops
)


def _pages() -> list[st.Page]:
    return [
        st.Page(path, title=title, url_path=url_path, icon=icon, default=i == 0)
        for i, (path, title, url_path, icon) in enumerate(PAGES)
    ]


page = st.navigation(_pages(), position="sidebar")

try:
    load_tables()
except StoreUnavailable as err:
    st.error(f"台账数据库无法打开：{err}")
    st.info(f"当前数据库路径：{store_path()}")
    st.stop()

as_of_input()
st.sidebar.caption(
    "界面语言：中文。Interface in Chinese; data columns and exports use ASCII column names "
    "(see docs/ARCHITECTURE.md)."
)

page.run()
