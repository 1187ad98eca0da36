"""ledger.kpis on the tables of legal but sparse stores (no sites; sites without any ledger).

The store reads text columns with pandas' string dtype, so an empty hazards table is not the
same as a hand-made empty frame: these tests go through ``registry.store.SQLiteStore``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ledger import (
    coverage,
    coverage_by,
    coverage_summary,
    hazard_summary,
    hazards_by,
    monthly_trend,
    overdue_hazards,
)

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module", params=["empty", "sites_only"])
def tables(request, tmp_path_factory) -> tuple[str, dict[str, pd.DataFrame]]:
    from registry.schema import SITE_COLUMNS
    from registry.store import SQLiteStore

    store = SQLiteStore(tmp_path_factory.mktemp("kpis") / f"{request.param}.db")
    if request.param == "empty":
        store.replace_all({"sites": pd.DataFrame(columns=[c.name for c in SITE_COLUMNS])})
    else:
        store.add_sites(
            pd.DataFrame(
                {
                    "name": ["真如某仓库", "真如某群租房"],
                    "lon": [121.390, 121.402],
                    "lat": [31.255, 31.262],
                    "category": ["厂房仓库", "群租"],
                }
            )
        )
    return request.param, store.tables()


@pytest.mark.parametrize("by", ["committee", "department"])
def test_hazards_by_without_hazards_lists_every_group_with_zeros(tables, by):
    kind, t = tables
    out = hazards_by(t["hazards"], t["sites"], by, AS_OF, start=dt.date(2025, 1, 1), end=AS_OF)
    assert sorted(out[by]) == sorted(t["sites"][by].unique())
    assert len(out) == (0 if kind == "empty" else t["sites"][by].nunique())
    for col in ("found", "major_found", "closed", "overdue_now"):
        assert (out[col] == 0).all()
        assert pd.api.types.is_integer_dtype(out[col])
    assert out["rate"].isna().all()  # no hazard found: 整改率 undefined, not 0 %


def test_coverage_counts_every_site_as_not_yet_inspected(tables):
    kind, t = tables
    autumn = dt.date(2025, 9, 30)  # past mid-year: every 基本单位 owes one inspection
    cov = coverage(t["sites"], t["inspections"], autumn.year, autumn)
    assert len(cov) == len(t["sites"])
    assert (cov["done"] == 0).all()
    summary = coverage_summary(cov)
    assert int(summary.loc["合计", "units"]) == len(t["sites"])
    if kind == "sites_only":
        # two 基本单位, each due once by now, none inspected
        assert summary.loc["合计", "on_track_share"] == 0
        assert int(summary.loc["合计", "missing_to_date"]) == 2
    by = coverage_by(cov, "committee")
    assert len(by) == t["sites"]["committee"].nunique()


def test_hazard_summaries_and_trend_are_zero(tables):
    _, t = tables
    hz = hazard_summary(t["hazards"], AS_OF, start=dt.date(2025, 1, 1), end=AS_OF)
    assert hz["found"].tolist() == [0, 0, 0]
    assert hz["rate"].isna().all()
    assert overdue_hazards(t["hazards"], AS_OF).empty
    trend = monthly_trend(t["inspections"], t["hazards"], dt.date(2025, 1, 1), AS_OF)
    assert len(trend) == 6
    counts = ["inspections", "hazards_general", "hazards_major", "hazards_closed"]
    assert trend[counts].eq(0).all().all()
