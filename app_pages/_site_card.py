"""Detail card of one site, shown beside the map: attributes, score, reasons, ledger, open hazards.

Everything user-supplied is shown as plain text: dataframes get plain strings (Streamlit renders
cells as text), the few markdown lines go through :func:`md_text`, and no ``unsafe_allow_html``
is used. 整改责任人 (personal data) is not shown here; the ledger pages have it.

The table builders are pure functions so they are tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._data import get_store
from app_pages._links import record_link
from ledger.kpis import hazard_state
from ledger.targets import site_status_text, unit_status
from registry.attachments import site_photos
from registry.enums import ACTIVE_STATES
from registry.hazard_status import suspended_sites

__all__ = [
    "attribute_table",
    "commitment_line",
    "history_table",
    "md_text",
    "open_hazard_table",
    "reasons_table",
    "render_site_card",
]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")

_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("site_id", "编号"),
    ("category", "类别"),
    ("subcategory", "子类"),
    ("industry", "行业"),
    ("address", "地址"),
    ("committee", "居委"),
    ("department", "责任部门"),
    ("park", "园区"),
    ("uscc", "统一社会信用代码"),
    ("floor_area_m2", "建筑面积（㎡）"),
    ("occupants", "从业/居住人数"),
    ("beds", "床位"),
    ("pupils", "学生/幼儿"),
    ("storeys", "层数"),
    ("building_year", "建成年份"),
    ("ebike_capacity", "电动自行车停放/充电数"),
    ("elevators", "电梯"),
    ("boilers", "锅炉"),
    ("hazchem_t", "危化品（吨）"),
)

_COORD_LABELS = {"osm": "OSM位置", "geocoded": "地址匹配", "approximate": "位置为近似（未核实）"}


def _blank(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return str(value).strip() in {"", "nan", "None", "NaT", "<NA>"}


def _text(value: Any) -> str:
    if _blank(value):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


def md_text(value: Any) -> str:
    """Text safe to put into ``st.markdown``: markdown and HTML characters backslash-escaped.

    Examples
    --------
    >>> md_text('<img src=x onerror="a()">[link](http://x)')
    '\\\\<img src=x onerror="a\\\\(\\\\)"\\\\>\\\\[link\\\\]\\\\(http\\\\://x\\\\)'
    """
    return _MD_SPECIAL.sub(r"\\\1", _text(value).replace("\n", " "))


def attribute_table(site: Mapping[str, Any]) -> pd.DataFrame:
    """Two-column table (项目, 内容) of the site's attributes that are present, as plain text."""
    rows = [
        (label, _text(site.get(col)))
        for col, label in _ATTRIBUTES
        if col in site and not _blank(site.get(col))
    ]
    if "key_list" in site:
        rows.append(("重点检查名单", "是（每年4次）" if bool(site.get("key_list")) else "否（每年2次）"))
    quality = str(site.get("coord_quality", ""))
    if quality:
        rows.append(("坐标来源", _COORD_LABELS.get(quality, quality)))
    return pd.DataFrame(rows, columns=["项目", "内容"])


def reasons_table(site: Mapping[str, Any]) -> pd.DataFrame:
    """The score's reasons with their contributions (largest first)."""
    reasons = site.get("reasons")
    rows: list[tuple[str, float]] = []
    if isinstance(reasons, list | tuple):
        for item in reasons:
            if isinstance(item, list | tuple) and len(item) >= 2:
                try:
                    rows.append((str(item[0]), round(float(item[1]), 1)))
                except (TypeError, ValueError):
                    rows.append((str(item[0]), float("nan")))
            elif isinstance(item, str):
                rows.append((item, float("nan")))
    elif isinstance(site.get("reasons_text"), str) and site["reasons_text"].strip():
        rows = [(part.strip(), float("nan")) for part in re.split("[；;]", site["reasons_text"])]
    out = pd.DataFrame(rows, columns=["原因", "贡献"])
    return out.sort_values("贡献", ascending=False, na_position="last", kind="stable").reset_index(
        drop=True
    )


def history_table(inspections: pd.DataFrame, site_id: str, limit: int = 12) -> pd.DataFrame:
    """The site's inspections, newest first (日期, 类型, 检查组, 发现隐患, 重大, 隐患数)."""
    if inspections is None or inspections.empty:
        return pd.DataFrame(columns=["日期", "类型", "检查组", "发现隐患", "重大隐患", "隐患数"])
    rows = inspections[inspections["site_id"] == site_id].copy()
    rows["date"] = pd.to_datetime(rows["date"])
    rows = rows.sort_values("date", ascending=False).head(limit)
    return pd.DataFrame(
        {
            "日期": rows["date"].dt.strftime("%Y-%m-%d"),
            "类型": rows.get("type", pd.Series("", index=rows.index)).astype(str),
            "检查组": rows.get("team", pd.Series("", index=rows.index)).fillna("").astype(str),
            "发现隐患": rows["hazard_found"].map(lambda v: "是" if int(v) else "否"),
            "重大隐患": rows.get("major_found", pd.Series(0, index=rows.index)).map(
                lambda v: "是" if int(v or 0) else "否"
            ),
            "隐患数": rows.get("n_hazards", pd.Series(0, index=rows.index)).fillna(0).astype(int),
        }
    ).reset_index(drop=True)


def open_hazard_table(hazards: pd.DataFrame, site_id: str, as_of: dt.date) -> pd.DataFrame:
    """Unclosed hazards of the site found by ``as_of``, with 逾期 derived (deadline < as_of)."""
    columns = ["编号", "发现日期", "等级", "类型", "部位", "描述", "责任单位", "整改期限", "状态", "逾期"]
    if hazards is None or hazards.empty:
        return pd.DataFrame(columns=columns)
    h = hazard_state(hazards[hazards["site_id"] == site_id], as_of)
    h = h[h["open"]].sort_values("found_date", ascending=False)
    h["found_date"] = pd.to_datetime(h["found_date"])
    h["deadline"] = pd.to_datetime(h["deadline"])
    return pd.DataFrame(
        {
            "编号": h["hazard_id"].astype(str),
            "发现日期": h["found_date"].dt.strftime("%Y-%m-%d"),
            "等级": h["level"].astype(str),
            "类型": h["hazard_type"].astype(str),
            "部位": h["part"].fillna("").astype(str),
            "描述": h["description"].fillna("").astype(str),
            "责任单位": h["responsible_unit"].fillna("").astype(str),
            "整改期限": h["deadline"].dt.strftime("%Y-%m-%d"),
            "状态": h["status"].astype(str),
            "逾期": h["overdue"].map({True: "是", False: "否"}),
        },
        columns=columns,
    ).reset_index(drop=True)


def operating_note(site: Mapping[str, Any], hazards: pd.DataFrame, as_of: dt.date) -> str:
    """The unit's operating state when it is not inspected as usual ('' when it is).

    停业 / 注销 (``operating_state``) or 责令停产停业 for an open 重大隐患
    (:func:`registry.hazard_status.suspended_sites`).

    Examples
    --------
    >>> operating_note({"site_id": "S1", "operating_state": "注销"}, pd.DataFrame(), dt.date(2024, 6, 1))
    '经营状态：注销。该单位保留历史记录，不列入检查计划和年度检查次数。'
    """
    state = site.get("operating_state")
    if isinstance(state, str) and state not in ACTIVE_STATES:
        return f"经营状态：{state}。该单位保留历史记录，不列入检查计划和年度检查次数。"
    if str(site.get("site_id")) in set(suspended_sites(hazards, as_of)):
        return "责令停产停业整改中（重大隐患未销号）：复查合格销号前不得恢复生产经营；日常检查请注明。"
    return ""


def commitment_line(site: Mapping[str, Any], as_of: dt.date) -> str | None:
    """The unit's 承诺书 / “四个一” status this year (None: not an enterprise, or no targets of
    the year on record) — :func:`ledger.targets.unit_status` of this one unit."""
    store = get_store()
    targets = store.targets(as_of.year)
    if targets.empty:
        return None
    unit = pd.DataFrame([{k: site.get(k) for k in ("site_id", "category", "operating_state")}])
    status = unit_status(unit, targets, store.target_events(as_of.year), as_of)
    return site_status_text(status, str(site.get("site_id")))


def render_site_card(
    site: Mapping[str, Any],
    inspections: pd.DataFrame,
    hazards: pd.DataFrame,
    as_of: dt.date,
) -> None:
    """Draw the card of one scored site (in the current Streamlit container)."""
    with st.container(border=True, key="site_card"):
        st.markdown(f"#### {md_text(site.get('name'))}")
        level = _text(site.get("level"))
        score = site.get("score")
        cols = st.columns(2)
        cols[0].metric("风险等级", level, help="单位的常态风险等级（四色分级），依据见下方")
        cols[1].metric(
            "风险分", "—" if _blank(score) else f"{float(score):.0f}",
            help="0-100，今日的检查优先程度（含季节、节日、距上次检查天数）",
        )
        basis = site.get("level_basis")
        if not _blank(basis):
            st.caption(f"等级依据：{md_text(basis)}")
        rank = site.get("rank")
        if not _blank(rank):
            st.caption(f"全街道风险排名第 {int(rank)} 位 · {md_text(site.get('category'))}")
        if str(site.get("coord_quality", "")) == "approximate":
            st.warning("位置为近似（地址未核实），现场请以门牌为准。")
        state = operating_note(site, hazards, as_of)
        if state:
            st.error(state)
        due = site.get("next_due")
        overdue = site.get("days_overdue")
        line = [f"下次应检：{md_text(due)}"]
        if not _blank(overdue) and float(overdue) > 0:
            line.append(f"**已逾期 {int(float(overdue))} 天**")
        if not _blank(site.get("open_hazards")):
            line.append(f"未整改隐患 {int(float(site.get('open_hazards')))} 条")
        st.markdown("　".join(line))
        must = site.get("must_reasons")
        if isinstance(must, list | tuple):
            must = "、".join(str(m) for m in must)
        if bool(site.get("must_visit")) and not _blank(must):
            st.error(f"必须检查：{md_text(must)}")
        commitment = commitment_line(site, as_of)
        if commitment:
            st.caption(md_text(commitment))
        record_link(str(site.get("site_id")), "登记检查（记录本次检查与隐患）")

        tabs = st.tabs(["评分原因", "基本信息", "检查记录", "未销号隐患", "现场照片"])
        with tabs[0]:
            reasons = reasons_table(site)
            if reasons.empty:
                st.caption("暂无评分原因。")
            else:
                st.dataframe(
                    reasons,
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "原因": st.column_config.TextColumn(width="large"),
                        "贡献": st.column_config.NumberColumn(format="%.1f", width="small"),
                    },
                )
        with tabs[1]:
            st.dataframe(attribute_table(site), hide_index=True, width="stretch")
        site_id = str(site.get("site_id"))
        with tabs[2]:
            hist = history_table(inspections, site_id)
            if hist.empty:
                st.caption("台账中没有该单位的检查记录。")
            else:
                st.dataframe(hist, hide_index=True, width="stretch")
        with tabs[3]:
            open_h = open_hazard_table(hazards, site_id, as_of)
            if open_h.empty:
                st.caption("没有未销号的隐患。")
            else:
                st.dataframe(open_h, hide_index=True, width="stretch")
        with tabs[4]:
            store = get_store()
            photos = site_photos(store.attachments(), hazards, inspections, store.path, site_id)
            if photos.empty:
                st.caption("该单位还没有现场照片（在“检查登记”中随隐患上传）。")
            else:
                st.image([str(p) for p in photos["path"]], width=140,
                         caption=[md_text(x) for x in photos["label"]])  # fmt: skip
