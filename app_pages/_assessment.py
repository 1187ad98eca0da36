"""The 考核 section shared by 年度目标 and 统计考核: editable weights and qualitative scores, the
table by department or 居委 (:func:`ledger.targets.assessment`), XLSX and a printable summary.

Widgets and calls only; the weights and qualitative scores live in the session (the office
enters them for the 考核 it prints).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages._export import audited, to_xlsx_bytes
from ledger.targets import DEFAULT_QUANT_SHARE, GROUP_LABELS, assessment, assessment_html

__all__ = ["render_assessment"]

_COLUMNS = {"rank": "名次", "group": "", "targets": "考核目标数", "behind": "落后项",
            "quantitative": "定量得分", "qualitative": "定性得分", "total": "总分"}  # fmt: skip


def render_assessment(
    targets: pd.DataFrame,
    events: pd.DataFrame,
    sites: pd.DataFrame,
    as_of: dt.date,
    year: int,
    key: str,
) -> None:
    """Draw the 考核 section (``key`` prefixes the widget keys of the calling page)."""
    if targets.empty:
        st.info(f"{year} 年尚未登记年度目标，无法生成考核表（请在“年度目标”页载入目标）。")
        return
    c1, c2 = st.columns([1, 2])
    by = c1.radio("考核对象", ["department", "committee"], format_func=GROUP_LABELS.get,
                  horizontal=True, key=f"{key}_by")  # fmt: skip
    share = c2.slider("定量部分占比", 0.0, 1.0, DEFAULT_QUANT_SHARE, 0.05,
                      key=f"{key}_share")  # fmt: skip
    kinds = list(dict.fromkeys(targets["kind"].astype(str)))
    with st.expander("权重（按目标类型，0 = 不计入）", expanded=False):
        wframe = st.data_editor(
            pd.DataFrame({"目标类型": kinds, "权重": [1.0] * len(kinds)}),
            disabled=["目标类型"], hide_index=True, key=f"{key}_weights",
            column_config={"权重": st.column_config.NumberColumn(min_value=0.0, max_value=10.0,
                                                                step=0.5)},
        )  # fmt: skip
    weights = {str(k): float(w) for k, w in zip(wframe["目标类型"], wframe["权重"].fillna(0),
                                                 strict=True)}  # fmt: skip
    base = assessment(targets, events, sites, as_of, by=by, weights=weights, quant_share=share)
    with st.expander(f"定性评分（0–100，按{GROUP_LABELS[by]}）", expanded=False):
        qframe = st.data_editor(
            pd.DataFrame({GROUP_LABELS[by]: base["group"].astype(str), "定性得分": 0.0}),
            disabled=[GROUP_LABELS[by]], hide_index=True, key=f"{key}_qual_{by}",
            column_config={"定性得分": st.column_config.NumberColumn(min_value=0.0,
                                                                    max_value=100.0, step=1.0)},
        )  # fmt: skip
    qualitative = dict(zip(qframe[GROUP_LABELS[by]], qframe["定性得分"].fillna(0), strict=True))
    try:
        table = assessment(targets, events, sites, as_of, by=by, weights=weights,
                           qualitative=qualitative, quant_share=share)  # fmt: skip
    except ValueError as err:
        st.error(str(err))
        return
    shown = table.rename(columns={**_COLUMNS, "group": GROUP_LABELS[by]})
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption("定量 = 该对象各项目标按时间进度完成率（封顶 100%）的加权平均；"
               "按居委只计能按居委分解计划的目标（承诺书、四个一）。")  # fmt: skip
    d1, d2 = st.columns(2)
    d1.download_button(
        "下载考核表（XLSX）", audited("考核表", lambda: to_xlsx_bytes(shown, "考核")), f"考核_{year}_{GROUP_LABELS[by]}.xlsx",
        key=f"{key}_xlsx", on_click="ignore",
    )  # fmt: skip
    d2.download_button(
        "下载可打印考核汇总（HTML）",
        assessment_html(table, by, year, as_of, weights, share).encode("utf-8"),
        f"考核汇总_{year}_{GROUP_LABELS[by]}.html", mime="text/html", key=f"{key}_html",
        on_click="ignore",
    )  # fmt: skip
