"""One rule of open / overdue, the same in the statistics and the ranking."""

from __future__ import annotations

import pandas as pd

from ledger.kpis import hazard_state
from registry.hazard_status import hazard_status_at
from risk.urgency import ledger_status

AS_OF = "2024-06-20"
HAZARDS = pd.DataFrame({
    "hazard_id": ["fixed-on-time", "not-fixed", "failed-reinspection", "closed", "future"],
    "site_id": ["S1", "S1", "S2", "S2", "S2"],
    "level": ["一般"] * 5,
    "found_date": pd.to_datetime(["2024-06-01"] * 4 + ["2024-07-01"]),
    "deadline": pd.to_datetime(["2024-06-10"] * 4 + ["2024-07-10"]),
    "status": ["待复查", "整改中", "整改中", "已销号", "待整改"],
    "rectified_date": pd.to_datetime(["2024-06-08", None, "2024-06-08", "2024-06-08", None]),
    "closed_date": pd.to_datetime([None, None, None, "2024-06-12", None]),
})  # fmt: skip


def test_rectified_on_time_and_waiting_for_the_office_is_not_the_units_lateness():
    s = hazard_status_at(HAZARDS, AS_OF).set_axis(HAZARDS["hazard_id"])
    assert s["overdue"].to_dict() == {
        "fixed-on-time": False, "not-fixed": True, "failed-reinspection": True,
        "closed": False, "future": False,
    }  # fmt: skip
    assert s.loc["not-fixed", "days_overdue"] == 10
    assert s["open"].tolist() == [True, True, True, False, False]
    assert not s.loc["future", "known"]


def test_statistics_and_ranking_count_the_same_overdue_hazards():
    stats = hazard_state(HAZARDS, AS_OF).set_index("hazard_id")["overdue"]
    sites = pd.DataFrame({"site_id": ["S1", "S2"]})
    rank = ledger_status(sites, HAZARDS, AS_OF).set_axis(["S1", "S2"])["open_overdue"]
    by_site = stats.groupby(HAZARDS.set_index("hazard_id")["site_id"]).sum()
    assert by_site.to_dict() == rank.to_dict() == {"S1": 1, "S2": 1}
