"""大屏: kiosk view for the wall display (dark, no sidebar/toolbar, auto-refresh).

Shows only aggregates: four big KPIs, risk counts per 居委 and a 3D column map of risk per
~180 m cell (layers.deck). No site names, tenants, elderly people or responsible persons.
Open it directly at ``/screen``; it refreshes every :data:`REFRESH` without a page reload.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages._data import (
    NO_INSPECTIONS,
    current_account,
    current_as_of,
    load_tables,
    require_sites,
    scored_sites,
    store_version,
)
from layers.deck import risk_cells, screen_deck
from layers.safe_text import html_text
from ledger.kpis import coverage, coverage_summary, hazard_summary
from registry.enums import RISK_LEVELS
from routes.holiday import hotspots

#: Auto-refresh interval of the board.
REFRESH = dt.timedelta(seconds=60)

_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"], footer { display: none !important; }
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: radial-gradient(ellipse at top, #0d2440 0%, #050d18 70%) !important;
  color: #e6f1ff; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 1.2vh 1.6vw 0.8vh 1.6vw !important; max-width: 100% !important; }
.zr-title { font-size: clamp(1.4rem, 2.2vw, 5.5rem); font-weight: 700; letter-spacing: .12em;
  color: #7fdbff; text-align: center; margin: 0 0 .6vh 0; text-shadow: 0 0 1vw #00b4ff88; }
.zr-sub { font-size: clamp(.8rem, .85vw, 2.2rem); color: #8fb3d9; text-align: center;
  margin-bottom: 1vh; }
.zr-kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1vw; margin-bottom: 1.2vh; }
.zr-kpi { border: 1px solid #1f4f7a; border-radius: .6vw; padding: 1vh 1vw;
  background: linear-gradient(180deg, #0e2a4a 0%, #09182b 100%); box-shadow: 0 0 1vw #00000088; }
.zr-kpi .label { font-size: clamp(.9rem, 1.05vw, 2.6rem); color: #9cc3ea; }
.zr-kpi .value { font-size: clamp(2rem, 3.6vw, 9rem); font-weight: 800; line-height: 1.1;
  font-variant-numeric: tabular-nums; }
.zr-kpi .note { font-size: clamp(.7rem, .75vw, 1.9rem); color: #6f93b8; }
.zr-side h3 { font-size: clamp(1rem, 1.2vw, 3rem); color: #7fdbff; margin: .4vh 0 .8vh 0; }
.zr-row { display: flex; justify-content: space-between; align-items: center;
  font-size: clamp(.8rem, .95vw, 2.4rem); padding: .35vh .3vw; border-bottom: 1px solid #16324f; }
.zr-dot { display: inline-block; width: .8em; height: .8em; border-radius: 50%;
  margin-right: .4em; vertical-align: -.05em; }
.zr-legend { font-size: clamp(.75rem, .8vw, 2rem); color: #9cc3ea; margin-top: 1vh; }
[data-testid="stDeckGlJsonChart"] { height: 68vh !important; }
[data-testid="stDeckGlJsonChart"] > div { height: 100% !important; }
</style>
"""

_LEVELS = tuple((lvl.name, lvl.hex) for lvl in RISK_LEVELS)


def _kpi(label: str, value: str, note: str, colour: str) -> str:
    return (
        f'<div class="zr-kpi"><div class="label">{html_text(label)}</div>'
        f'<div class="value" style="color:{colour}">{html_text(value)}</div>'
        f'<div class="note">{html_text(note)}</div></div>'
    )


def _kpi_values(as_of: dt.date) -> dict[str, str]:
    tables = load_tables()
    summary = hazard_summary(tables["hazards"], as_of)
    cov = coverage_summary(coverage(tables["sites"], tables["inspections"], as_of.year, as_of))
    share = cov.loc["合计", "on_track_share"]
    return {
        "major_open": f"{int(summary.loc['重大', 'open_now'])}",
        "overdue": f"{int(summary.loc['合计', 'overdue_now'])}",
        "coverage": "—" if pd.isna(share) else f"{100 * float(share):.1f}%",
        "coverage_note": f"按进度应检 {int(cov.loc['合计', 'units']):,} 家，"
        f"欠检 {int(cov.loc['合计', 'missing_to_date']):,} 次",
    }


def _committee_rows(scored: pd.DataFrame, top: int = 10) -> str:
    """The 居委 with the most 重大/较大 units (``routes.holiday.hotspots``, the briefing's rule)."""
    if "committee" not in scored.columns or "level" not in scored.columns:
        return ""
    red, orange = (lvl.hex for lvl in RISK_LEVELS[:2])
    return "".join(
        f'<div class="zr-row"><span>{html_text(str(r.committee))}</span><span>'
        f'<span class="zr-dot" style="background:{red}"></span>{int(r.major)}　'
        f'<span class="zr-dot" style="background:{orange}"></span>{int(r.high_risk - r.major)}'
        "</span></div>"
        for r in hotspots(scored, (), top=top).itertuples()
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _cells(store: tuple[str, float], as_of: dt.date, scope: tuple) -> pd.DataFrame:
    return risk_cells(scored_sites(as_of))  # scope (Account.scope_key): part of the cache key


@st.fragment(run_every=REFRESH)
def board() -> None:
    """The whole board; re-run every :data:`REFRESH` (new ledger data shows up on its own)."""
    as_of = current_as_of()
    tables = load_tables()
    require_sites(tables)
    scored = scored_sites(as_of)
    values = _kpi_values(as_of)
    counts = scored["level"].value_counts() if "level" in scored.columns else pd.Series(dtype=int)
    red_orange = int(counts.get("重大", 0)) + int(counts.get("较大", 0))
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    st.markdown(
        '<div class="zr-title">真如镇街道 安全生产风险态势</div>'
        f'<div class="zr-sub">评估日期 {as_of:%Y-%m-%d} ｜ 监管单位 {len(scored):,} 家 ｜ '
        f"刷新于 {now}（每 {int(REFRESH.total_seconds())} 秒自动刷新）</div>"
        '<div class="zr-kpis">'
        + _kpi("重大隐患 未销号", values["major_open"], "挂牌督办、限期整改", "#FF4D5E")
        + _kpi("逾期未整改隐患", values["overdue"], "超过整改期限仍未销号", "#FFA940")
        + _kpi("本年检查覆盖率", values["coverage"], values["coverage_note"], "#5CDBD3")
        + _kpi(
            "红/橙 风险单位",
            f"{red_orange:,}",
            f"重大 {int(counts.get('重大', 0)):,} · 较大 {int(counts.get('较大', 0)):,}",
            "#FF7F00",
        )
        + "</div>",
        unsafe_allow_html=True,
    )
    if tables["inspections"].empty:
        st.info(NO_INSPECTIONS)
    map_col, side_col = st.columns([3.2, 1], gap="small")
    with map_col:
        st.pydeck_chart(screen_deck(_cells(store_version(), as_of, current_account().scope_key)), height=760, key="screen_deck")
    with side_col:
        legend = "".join(
            f'<span class="zr-dot" style="background:{c}"></span>{name} {int(counts.get(name, 0)):,}　'
            for name, c in _LEVELS
        )
        st.markdown(
            '<div class="zr-side"><h3>各居委 重大/较大 单位数</h3>'
            + _committee_rows(scored)
            + f'<div class="zr-legend">风险等级：{legend}</div>'
            '<div class="zr-legend">柱高 = 网格内风险分合计，颜色 = 网格内最高风险等级；'
            "只显示汇总，不含单位名称和个人信息。</div>"
            '<div class="zr-legend">底图数据 © OpenStreetMap contributors</div></div>',
            unsafe_allow_html=True,
        )


st.markdown(_CSS, unsafe_allow_html=True)
board()
