"""risk.frequency: the one statutory-frequency rule (required, done, due, behind)."""

from __future__ import annotations

import pandas as pd
import pytest

from risk.frequency import (
    done_in_year,
    expected_to_date,
    period_ends,
    required_per_year,
    statutory_pace,
)


def _days(ends: list[pd.Timestamp]) -> list[str]:
    return [str(d.date()) for d in ends]


def test_periods_are_quarters_half_years_and_whole_years():
    assert _days(period_ends(4, 2024)) == ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]
    assert _days(period_ends(2, 2025)) == ["2025-06-30", "2025-12-31"]
    assert _days(period_ends(1, 2025)) == ["2025-12-31"]
    assert _days(period_ends(12, 2024))[1] == "2024-02-29"
    assert period_ends(0, 2025) == []
    # not a divisor of 12: equal days, the last period ends on 31 December
    assert _days(period_ends(5, 2024))[-1] == "2024-12-31"


@pytest.mark.parametrize(
    ("required", "day", "expected"),
    [(4, "2025-03-31", 0), (4, "2025-04-01", 1), (4, "2025-07-01", 2), (4, "2025-12-31", 3),
     (4, "2026-01-01", 4), (2, "2025-06-30", 0), (2, "2025-07-01", 1), (2, "2030-01-01", 2),
     (2, "2024-12-31", 0), (0, "2025-12-31", 0)],
)
def test_expected_to_date_counts_period_ends_before_the_day(required, day, expected):
    assert expected_to_date(required, 2025, day) == expected


def test_required_per_year_prefers_the_column_then_key_list_then_default():
    sites = pd.DataFrame({"required_per_year": [12, None, None], "key_list": [False, True, None]})
    assert required_per_year(sites).tolist() == [12, 4, 2]
    assert required_per_year(pd.DataFrame(index=range(2)), default=1).tolist() == [1, 1]


def test_done_counts_distinct_days_of_the_year_without_reinspections():
    insp = pd.DataFrame(
        {
            "site_id": ["a", "a", "a", "a", "a", "b"],
            "type": ["日常", "专项", "复查", "日常", "日常", "日常"],
            "date": pd.to_datetime(["2025-01-05", "2025-01-05", "2025-02-01", "2024-12-31",
                                    "2025-08-01", "2025-03-01"]),
        }
    )
    done = done_in_year(pd.Series(["a", "b", "c"]), insp, 2025, "2025-07-31")
    assert done.tolist() == [1, 1, 0]  # same day once, 复查 no, last year no, after as-of no
    assert done_in_year(pd.Series(["a"]), insp, 2025, "2025-12-31", exclude_types=()).tolist() == [3]


def test_pace_due_behind_and_days_overdue():
    sites = pd.DataFrame({"site_id": ["k0", "k1", "k4", "b0", "b2"],
                          "required_per_year": [4, 4, 4, 2, 2]})
    dates = {"k1": ["2025-02-01"], "k4": ["2025-01-10", "2025-02-10", "2025-03-10", "2025-04-10"],
             "b2": ["2025-01-10", "2025-05-10"]}
    insp = pd.DataFrame(
        [(s, d) for s, ds in dates.items() for d in ds], columns=["site_id", "date"]
    ).assign(date=lambda d: pd.to_datetime(d["date"]))
    st = statutory_pace(sites, insp, "2025-07-10").set_index("site_id")
    assert st["done"].tolist() == [0, 1, 4, 0, 2]
    assert st["expected_to_date"].tolist() == [2, 2, 2, 1, 1]
    assert st["behind"].tolist() == [True, True, False, True, False]
    assert _days(list(st["next_due"])) == ["2025-03-31", "2025-06-30", "2026-03-31",
                                           "2025-06-30", "2026-06-30"]
    assert st["days_overdue"].tolist() == [101, 10, 0, 10, 0]
    assert ((st["days_overdue"] > 0) == st["behind"]).all()
    assert str(st.loc["k4", "last_inspection"].date()) == "2025-04-10"
    assert pd.isna(st.loc["k0", "last_inspection"])


def test_a_past_year_is_judged_whole_and_overdue_only_when_behind():
    sites = pd.DataFrame({"site_id": ["a", "b"], "required_per_year": [2, 2]})
    insp = pd.DataFrame({"site_id": ["a", "a", "b"],
                         "date": pd.to_datetime(["2024-03-01", "2024-09-01", "2024-03-01"])})
    st = statutory_pace(sites, insp, "2025-05-01", year=2024).set_index("site_id")
    assert st["expected_to_date"].tolist() == [2, 2]
    assert st["behind"].tolist() == [False, True]
    assert st.loc["a", "days_overdue"] == 0 and st.loc["b", "days_overdue"] > 0


def test_new_year_restarts_the_count():
    sites = pd.DataFrame({"site_id": ["a", "z"], "required_per_year": [2, 2]})
    insp = pd.DataFrame({"site_id": ["a"], "date": pd.to_datetime(["2024-02-01"])})
    dec = statutory_pace(sites, insp, "2024-12-31").set_index("site_id")
    # a: H1 done, H2 still due today; z: H1 owed since 1 July
    assert dec["behind"].tolist() == [False, True]
    assert str(dec.loc["a", "next_due"].date()) == "2024-12-31"
    assert dec.loc["z", "days_overdue"] == 184
    jan = statutory_pace(sites, insp, "2025-01-02").set_index("site_id")
    assert not jan["behind"].any() and (jan["days_overdue"] == 0).all()
    assert {str(d.date()) for d in jan["next_due"]} == {"2025-06-30"}
