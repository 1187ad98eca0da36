"""Links between pages that carry a unit: "检查登记" for a unit, "隐患台账" for its hazards.

Inside the app (``app.py``'s ``st.navigation``) a link is an ``st.page_link``: the session, and so
the inspector's name and a half-filled form, come along. A page run on its own (``streamlit run
app_pages/map.py``, AppTest of one page file) has no navigation; there the same link is a plain
relative URL (``record?site=S000123``), which the app resolves the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

__all__ = ["HAZARDS_PAGE", "RECORD_PAGE", "page_link", "record_link", "record_picker"]

#: (file, url_path) of the pages a unit links to; the query parameter is ``site``.
RECORD_PAGE = ("app_pages/record.py", "record")
HAZARDS_PAGE = ("app_pages/hazards.py", "hazards")


def page_link(page: tuple[str, str], label: str, query: dict[str, str], icon: str | None = None) -> None:
    """A link to ``page`` with ``query`` (page link in the app, relative URL on its own)."""
    try:
        st.page_link(page[0], label=label, icon=icon, query_params=query, width="stretch")
    except StreamlitPageNotFoundError:
        from app_pages._site_card import md_text  # (the card itself links here)

        st.markdown(f"[{md_text(label)}]({page[1]}?{urlencode(query)})")


def record_link(site_id: str, label: str = "登记检查") -> None:
    """Link to 检查登记 with this unit chosen (``/record?site=<site_id>``)."""
    page_link(RECORD_PAGE, label, {"site": str(site_id)}, icon=":material/edit_note:")


def record_picker(stops: Sequence[tuple[str, str]], key: str) -> None:
    """Choose one of ``stops`` (site_id, label) and link to 检查登记 for it (one thumb on a phone)."""
    if not stops:
        return
    labels = dict(stops)
    site_id = st.selectbox(
        "登记检查结果", list(labels), format_func=labels.get, key=key, index=None,
        placeholder="选择已到达的单位，登记检查结果",
    )  # fmt: skip
    if site_id is not None:
        record_link(site_id, f"登记检查：{labels[site_id]}")
