"""What the pages that write show around a write: the 操作人 field and the outcome message.

A write runs in a button callback, before the page is drawn again; the callback leaves its
outcome with :func:`flash` and the next run shows it once with :func:`show_flash` (success,
information or the list of Chinese errors, escaped). :func:`operator_input` is the 操作人
field, kept in ``st.session_state[OPERATOR_KEY]`` so the same person carries over between the
pages until sign-in replaces it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages._data import OPERATOR_KEY
from app_pages._site_card import md_text

__all__ = ["flash", "operator_input", "show_flash"]


def flash(key: str, kind: str, lines: list[str]) -> None:
    """Leave a message (``success`` / ``info`` / ``error``) for the next run of the page."""
    st.session_state[key] = (kind, lines)


def show_flash(key: str) -> None:
    """Show (once) the message left by :func:`flash`; one line, or a list of lines."""
    left = st.session_state.pop(key, None)
    if not left:
        return
    kind, lines = left
    text = (
        "\n".join(f"- {md_text(line)}" for line in lines) if len(lines) > 1 else md_text(lines[0])
    )
    {"success": st.success, "info": st.info}.get(kind, st.error)(text)


def _remember(widget_key: str) -> None:
    st.session_state[OPERATOR_KEY] = str(st.session_state.get(widget_key) or "").strip()


def operator_input(widget_key: str, container: Any = st) -> None:
    """The 操作人（必填）field, filled with the name typed on another page."""
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state.get(OPERATOR_KEY, "")
    container.text_input(
        "操作人（必填）", key=widget_key, on_change=_remember, args=(widget_key,),
        placeholder="姓名，记入修改记录", max_chars=50,
    )  # fmt: skip
