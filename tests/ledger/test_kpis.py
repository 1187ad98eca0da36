"""ledger.kpis on tiny hand-made ledgers whose answers are known."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ledger import (
    coverage,
    coverage_by,
    coverage_summary,
    expected_to_date,
    hazard_state,
    hazard_summary,
    hazards_by,
    monthly_trend,
    overdue_hazards,
    rectification_rate,
)

D = pd.Timestamp


@pytest.fixture
def sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["K1", "K2", "B1", "B2", "B3"],
            "key_list": [True, True, False, False, False],
            "required_per_year": [4, 4, 2, 2, 2],
            "committee": ["东", "西", "东", "东", "西"],
            "department": ["平安办", "平安办", "居委会", "居委会", "居委会"],
        }
    )


@pytest.fixture
def inspections() -> pd.DataFrame:
    rows = [
        # K1: four distinct days in 2025 -> met
        ("K1", "2025-01-10", "日常"),
        ("K1", "2025-04-10", "日常"),
        ("K1", "2025-07-10", "专项"),
        ("K1", "2025-10-10", "日常"),
        # K2: two visits, one of them logged twice on the same day, plus a 复查
        ("K2", "2025-02-01", "日常"),
        ("K2", "2025-02-01", "领导带队"),
        ("K2", "2025-05-01", "复查"),
        ("K2", "2025-08-01", "日常"),
        # B1: two visits -> met
        ("B1", "2025-03-01", "日常"),
        ("B1", "2025-09-01", "节前"),
        # B2: one visit in 2025, one in 2024 (other year)
        ("B2", "2025-06-15", "日常"),
        ("B2", "2024-12-30", "日常"),
        # B3: nothing
    ]
    return pd.DataFrame(rows, columns=["site_id", "date", "type"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


def test_expected_to_date_counts_passed_quarters_and_half_years():
    # the k-th visit is due by the end of the k-th quarter / half-year; behind from the day after
    assert expected_to_date(4, 2025, "2025-01-01") == 0
    assert expected_to_date(4, 2025, "2025-03-31") == 0  # Q1 still due today
    assert expected_to_date(4, 2025, "2025-04-01") == 1
    assert expected_to_date(4, 2025, "2025-10-01") == 3
    assert expected_to_date(4, 2025, "2025-12-31") == 3
    assert expected_to_date(4, 2025, "2026-01-01") == 4
    assert expected_to_date(2, 2025, "2025-06-30") == 0
    assert expected_to_date(2, 2025, "2025-07-01") == 1
    assert expected_to_date(2, 2025, "2026-01-01") == 2
    assert expected_to_date(2, 2025, "2024-06-01") == 0  # before the year


def test_coverage_on_the_last_day_of_a_quarter_and_the_day_after(sites, inspections):
    due_day = coverage(sites, inspections, 2025, as_of="2025-06-30").set_index("site_id")
    day_after = coverage(sites, inspections, 2025, as_of="2025-07-01").set_index("site_id")
    assert due_day.loc["B3", "expected_to_date"] == 0 and bool(due_day.loc["B3", "on_track"])
    assert day_after.loc["B3", "expected_to_date"] == 1
    assert not bool(day_after.loc["B3", "on_track"])


def test_coverage_full_year(sites, inspections):
    cov = coverage(sites, inspections, 2025).set_index("site_id")
    assert cov["done"].to_dict() == {"K1": 4, "K2": 2, "B1": 2, "B2": 1, "B3": 0}
    assert cov["met"].to_dict() == {"K1": True, "K2": False, "B1": True, "B2": False, "B3": False}
    assert (cov["expected_to_date"] == cov["required"]).all()
    assert cov.loc["K2", "missing_to_date"] == 2
    # columns of the sites table are carried over
    assert cov.loc["B3", "committee"] == "西"


def test_coverage_year_to_date_ignores_later_inspections(sites, inspections):
    cov = coverage(sites, inspections, 2025, as_of="2025-07-05").set_index("site_id")
    assert cov["done"].to_dict() == {"K1": 2, "K2": 1, "B1": 1, "B2": 1, "B3": 0}
    # key units expect 2 by early July, basic units 1
    assert cov["expected_to_date"].to_dict() == {"K1": 2, "K2": 2, "B1": 1, "B2": 1, "B3": 1}
    assert cov["on_track"].to_dict() == {
        "K1": True,
        "K2": False,
        "B1": True,
        "B2": True,
        "B3": False,
    }


def test_coverage_counts_reinspection_when_asked(sites, inspections):
    cov = coverage(sites, inspections, 2025, exclude_types=()).set_index("site_id")
    assert cov.loc["K2", "done"] == 3


def test_coverage_summary_shares(sites, inspections):
    summary = coverage_summary(coverage(sites, inspections, 2025))
    assert summary.loc["重点单位", "units"] == 2
    assert summary.loc["重点单位", "met"] == 1
    assert summary.loc["重点单位", "met_share"] == pytest.approx(0.5)
    assert summary.loc["基本单位", "met_share"] == pytest.approx(1 / 3)
    assert summary.loc["合计", "met_share"] == pytest.approx(2 / 5)
    assert summary.loc["重点单位", "required"] == 4
    assert summary.loc["合计", "missing_to_date"] == 0 + 2 + 0 + 1 + 2


def test_coverage_summary_empty_group_is_nan(sites, inspections):
    cov = coverage(sites.iloc[2:], inspections, 2025)
    summary = coverage_summary(cov)
    assert summary.loc["重点单位", "units"] == 0
    assert math.isnan(summary.loc["重点单位", "met_share"])


def test_coverage_by_committee(sites, inspections):
    by = coverage_by(coverage(sites, inspections, 2025), "committee").set_index("committee")
    assert by.loc["东", "units"] == 3
    assert by.loc["东", "met"] == 2  # K1, B1
    assert by.loc["西", "met"] == 0  # K2, B3
    assert by.loc["西", "key_units"] == 1
    assert by.index.tolist() == ["西", "东"]  # worst first
    with pytest.raises(KeyError, match="居委"):
        coverage_by(coverage(sites, inspections, 2025), "居委")


@pytest.fixture
def hazards() -> pd.DataFrame:
    rows = [
        # id, site, found, level, deadline, status, closed, supervised
        ("H1", "K1", "2025-01-10", "一般", "2025-01-20", "已销号", "2025-01-18", False),
        ("H2", "K1", "2025-04-10", "重大", "2025-05-10", "已销号", "2025-06-01", True),
        ("H3", "K2", "2025-02-01", "一般", "2025-02-15", "整改中", None, False),
        ("H4", "B1", "2025-03-01", "一般", "2025-04-01", "待复查", None, False),
        ("H5", "B2", "2025-06-15", "重大", "2025-07-15", "待整改", None, True),
        ("H6", "B2", "2024-11-01", "一般", "2024-11-30", "整改中", None, False),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "hazard_id",
            "site_id",
            "found_date",
            "level",
            "deadline",
            "status",
            "closed_date",
            "supervised",
        ],
    )
    for col in ("found_date", "deadline", "closed_date"):
        df[col] = pd.to_datetime(df[col])
    return df


def test_hazard_state_at_a_past_date(hazards):
    # On 2025-05-20 H2 was not yet closed (closed 06-01) and past its deadline; H5 not found yet.
    st = hazard_state(hazards, "2025-05-20").set_index("hazard_id")
    assert "H5" not in st.index
    assert st["closed"].to_dict() == {
        "H1": True,
        "H2": False,
        "H3": False,
        "H4": False,
        "H6": False,
    }
    assert st.loc["H2", "overdue"]
    assert st.loc["H2", "days_overdue"] == 10
    assert st.loc["H1", "days_to_close"] == 8
    assert math.isnan(st.loc["H3", "days_to_close"])


def test_hazard_summary_by_level(hazards):
    s = hazard_summary(hazards, "2025-12-31", start="2025-01-01", end="2025-12-31")
    assert s.loc["一般", "found"] == 3  # H1, H3, H4 (H6 is from 2024)
    assert s.loc["一般", "closed"] == 1
    assert s.loc["重大", "found"] == 2
    assert s.loc["重大", "closed"] == 1
    assert s.loc["合计", "rate"] == pytest.approx(2 / 5)
    assert s.loc["重大", "mean_days_to_close"] == pytest.approx(52)  # 04-10 -> 06-01
    # stock at as-of over the whole ledger: H3, H4, H5, H6 open and all past deadline
    assert s.loc["合计", "open_now"] == 4
    assert s.loc["合计", "overdue_now"] == 4
    assert s.loc["重大", "supervised_open_now"] == 1


def test_rectification_rate_and_period(hazards):
    assert rectification_rate(hazards, "2025-12-31", "2025-01-01", "2025-03-31") == pytest.approx(
        1 / 3
    )
    assert math.isnan(rectification_rate(hazards, "2025-12-31", "2023-01-01", "2023-12-31"))
    with pytest.raises(ValueError, match="统计区间无效"):
        rectification_rate(hazards, "2025-01-01", "2025-06-01", "2025-12-31")


def test_overdue_hazards_sorted(hazards):
    od = overdue_hazards(hazards, "2025-07-01")
    # H5 deadline 07-15 not yet due; H2 closed 06-01
    assert od["hazard_id"].tolist() == ["H6", "H3", "H4"]
    assert od["days_overdue"].tolist() == [213, 136, 91]


def test_hazards_by_committee(sites, hazards):
    by = hazards_by(hazards, sites, "committee", "2025-12-31", "2025-01-01", "2025-12-31")
    by = by.set_index("committee")
    assert by.loc["东", "found"] == 4  # H1, H2 (K1), H4 (B1), H5 (B2)
    assert by.loc["东", "major_found"] == 2
    assert by.loc["东", "closed"] == 2
    assert by.loc["东", "rate"] == pytest.approx(0.5)
    assert by.loc["东", "overdue_now"] == 3  # H4, H5, H6
    assert by.loc["西", "found"] == 1
    assert by.loc["西", "rate"] == 0


def test_hazards_by_lists_groups_without_hazards(sites, hazards):
    extra = pd.concat(
        [sites, pd.DataFrame({"site_id": ["X"], "committee": ["北"], "required_per_year": [2]})]
    )
    by = hazards_by(hazards, extra, "committee", "2025-12-31").set_index("committee")
    assert by.loc["北", "found"] == 0
    assert math.isnan(by.loc["北", "rate"])


def test_monthly_trend(inspections, hazards):
    tr = monthly_trend(inspections, hazards, "2025-01-01", "2025-06-30")
    assert tr["month"].tolist() == list(pd.date_range("2025-01-01", periods=6, freq="MS"))
    assert tr["inspections"].tolist() == [1, 2, 1, 1, 1, 1]  # records, incl. 复查
    assert tr["hazards_general"].tolist() == [1, 1, 1, 0, 0, 0]
    assert tr["hazards_major"].tolist() == [0, 0, 0, 1, 0, 1]
    assert tr["hazards_closed"].tolist() == [1, 0, 0, 0, 0, 1]
    assert tr["hit_rate"].iloc[0] == 1.0
    assert tr["hit_rate"].iloc[1] == 0.5
