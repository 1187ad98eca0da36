"""统计考核 page: the metrics shown equal ledger.kpis on the same store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ledger.kpis import coverage, coverage_summary, hazard_summary, overdue_hazards

PAGE = "../../app_pages/stats.py"
TIMEOUT = 120


@pytest.fixture(scope="module")
def tables(small_store) -> dict[str, pd.DataFrame]:
    from registry.store import SQLiteStore

    return SQLiteStore(small_store).tables()


def pct(x: float) -> str:
    return "—" if pd.isna(x) else f"{x:.1%}"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected(tables, year: int, eff: dt.date, as_of: dt.date | None = None) -> dict[str, str]:
    """The page's figures: coverage at the 评估日期 (a finished year expects its full count),
    hazards up to ``eff`` (the year's end at the latest)."""
    cov = coverage_summary(coverage(tables["sites"], tables["inspections"], year, as_of or eff))
    hz = hazard_summary(tables["hazards"], eff, start=dt.date(year, 1, 1), end=eff)
    return {
        "重点单位进度达标率": pct(cov.loc["重点单位", "on_track_share"]),
        "基本单位进度达标率": pct(cov.loc["基本单位", "on_track_share"]),
        "重点单位全年达标（≥4次）": pct(cov.loc["重点单位", "met_share"]),
        "基本单位全年达标（≥2次）": pct(cov.loc["基本单位", "met_share"]),
        "本年发现隐患": f"{int(hz.loc['合计', 'found'])} 条",
        "已销号": f"{int(hz.loc['合计', 'closed'])} 条",
        "整改率": pct(hz.loc["合计", "rate"]),
        "逾期未整改": f"{int(hz.loc['合计', 'overdue_now'])} 条",
        "重大隐患未销号": f"{int(hz.loc['重大', 'open_now'])} 条",
    }


def test_current_year_metrics_equal_ledger_kpis(tables):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    as_of = tables["inspections"]["date"].max().date()
    assert at.selectbox(key="stats_year").value == as_of.year
    assert metrics(at) == expected(tables, as_of.year, as_of)
    # the standing level per sector: every unit once, 重大 a minority
    levels = next(d.value for d in at.dataframe if "行业" in d.value.columns)
    total = levels.set_index("行业").loc["合计"]
    assert total["单位数"] == len(tables["sites"])
    assert total["重大占比"] < 0.10
    # the overdue list has one row per overdue hazard
    od = overdue_hazards(tables["hazards"], as_of)
    listed = [d.value for d in at.dataframe if "逾期天数" in d.value.columns]
    assert len(listed[0]) == len(od)
    assert listed[0]["逾期天数"].is_monotonic_decreasing
    # charts rather than tables for coverage/trends
    assert len(at.get("vega_lite_chart")) >= 5


def test_previous_year_is_a_full_year(tables):
    as_of = tables["inspections"]["date"].max().date()
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    at.selectbox(key="stats_year").set_value(as_of.year - 1).run()
    assert not at.exception, [e.message for e in at.exception]
    year = as_of.year - 1
    assert metrics(at) == expected(tables, year, dt.date(year, 12, 31), as_of)


def test_as_of_in_session_state_is_used(tables):
    as_of = tables["inspections"]["date"].max().date()
    earlier = dt.date(as_of.year, 3, 31)
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["as_of"] = earlier
    at.run()
    assert not at.exception
    assert metrics(at) == expected(tables, earlier.year, earlier)


def test_a_new_ledger_entry_shows_up_without_restart(small_store, tmp_path, monkeypatch):
    """Writing to the store changes its file, which invalidates the cached tables."""
    import sqlite3

    from registry.store import SQLiteStore

    copy = tmp_path / "copy.db"
    # SQLite's backup, not a file copy: the store writes in WAL mode, so the file alone
    # may lack the latest pages (a copy of it once came out with no sites at all)
    src, dst = sqlite3.connect(small_store), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    monkeypatch.setenv("ZHENRU_STORE", str(copy))
    store = SQLiteStore(copy)
    as_of = store.inspections()["date"].max().date()
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["as_of"] = as_of
    at.run()
    before = metrics(at)["本年发现隐患"]
    assert int(before.split()[0]) > 0  # the copy holds the sample ledger
    site = store.sites()["site_id"].iloc[0]
    store.add_inspection(
        {"site_id": site, "date": as_of, "type": "日常", "team": "平安办一组"},
        [
            {
                "level": "一般",
                "hazard_type": "消防",
                "part": "疏散通道",
                "description": "疏散通道堆放杂物",
                "responsible_unit": "测试单位",
                "responsible_person": "张三",
                "measures": "清理杂物",
                "deadline": as_of + dt.timedelta(days=7),
                "supervised": False,
            }
        ],
    )
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert metrics(at)["本年发现隐患"] == f"{int(before.split()[0]) + 1} 条"
