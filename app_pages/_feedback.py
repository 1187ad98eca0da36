"""What the pages that write show around a write: the 操作人 field and the outcome message.

A write runs in a button callback, before the page is drawn again; the callback leaves its
outcome with :func:`flash` and the next run shows it once with :func:`show_flash` (success,
information or the list of Chinese errors, escaped). :func:`operator_input` is the 操作人
line: the signed-in account, which the store records and checks on every write.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages._data import current_account
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


def operator_input(widget_key: str, container: Any = st) -> None:
    """Who writes: the signed-in account (shown, not typed), kept in ``widget_key`` for the
    page's callbacks; the store checks its role and 居委 on every write."""
    account = current_account()
    st.session_state[widget_key] = account.username
    container.caption(f"操作人：{md_text(account.display_name)}（{md_text(account.username)}，"
                      f"{account.spec.label}）")
