"""Sidebar filter widgets (Chinese labels) producing a :class:`registry.filters.SiteFilter`.

Used by the map and the ranking page; the filtering itself is the pure
:func:`registry.filters.apply_filters`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from registry.enums import RISK_LEVELS
from registry.filters import SiteFilter

__all__ = ["sidebar_filters"]


def _options(df: pd.DataFrame, column: str, order: tuple[str, ...] = ()) -> list[str]:
    if column not in df.columns:
        return []
    present = {str(v) for v in df[column].dropna().unique() if str(v)}
    ordered = [v for v in order if v in present]
    return ordered + sorted(present - set(ordered))


def sidebar_filters(df: pd.DataFrame, key: str, *, expanded: bool = True) -> SiteFilter:
    """Render the site filters in the sidebar and return the selection.

    Parameters
    ----------
    df : DataFrame
        The (scored) sites table whose values fill the choices; a condition whose column
        is missing (e.g. ``level`` of an unscored table) is not offered.
    key : str
        Widget-key prefix, unique per page (e.g. ``"map"``, ``"ranking"``): each page keeps
        its own selection.
    expanded : bool
        Whether the filter expander starts open.

    Returns
    -------
    SiteFilter
    """
    from registry.sectors import DEPARTMENTS, SECTORS

    box = st.sidebar.expander("筛选条件", expanded=expanded)
    with box:
        text = st.text_input(
            "搜索（名称 / 地址 / 信用代码）", key=f"{key}_f_text", placeholder="例如：铜川路"
        )
        categories = st.multiselect(
            "类别",
            _options(df, "category", tuple(SECTORS)),
            key=f"{key}_f_categories",
            placeholder="全部类别",
        )
        levels: list[str] = []
        if "level" in df.columns:
            levels = st.multiselect(
                "风险等级",
                _options(df, "level", tuple(lvl.name for lvl in RISK_LEVELS)),
                key=f"{key}_f_levels",
                placeholder="全部等级",
            )
        committees = st.multiselect(
            "居委", _options(df, "committee"), key=f"{key}_f_committees", placeholder="全部居委"
        )
        departments = st.multiselect(
            "责任部门",
            _options(df, "department", DEPARTMENTS),
            key=f"{key}_f_departments",
            placeholder="全部部门",
        )
        parks: list[str] = []
        park_options = _options(df, "park")
        if park_options:
            parks = st.multiselect(
                "园区", park_options, key=f"{key}_f_parks", placeholder="不限园区"
            )
        key_only = st.checkbox("仅重点检查名单单位", key=f"{key}_f_key_only")
        overdue_only = False
        if "days_overdue" in df.columns:
            overdue_only = st.checkbox("仅检查逾期单位", key=f"{key}_f_overdue_only")
        open_hazards_only = False
        if "open_hazards" in df.columns:
            open_hazards_only = st.checkbox("仅有未整改隐患", key=f"{key}_f_open_hazards_only")
    return SiteFilter(
        categories=tuple(categories),
        committees=tuple(committees),
        departments=tuple(departments),
        levels=tuple(levels),
        parks=tuple(parks),
        key_only=key_only,
        overdue_only=overdue_only,
        open_hazards_only=open_hazards_only,
        text=text,
    )
