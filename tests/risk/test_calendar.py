"""Holiday calendar, key nodes and seasons (editable data, docs/DOMAIN.md §3)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from risk import calendar


def test_official_holidays_2023_2026():
    blocks = {(h.name, h.start.year if h.name != "元旦" else h.end.year): h
              for h in calendar.holidays()}
    assert calendar.covered_years() == [2023, 2024, 2025, 2026]
    spring = blocks[("春节", 2024)]
    assert (spring.start, spring.end) == (dt.date(2024, 2, 10), dt.date(2024, 2, 17))
    assert dt.date(2024, 2, 4) in spring.makeup_days and dt.date(2024, 2, 18) in spring.makeup_days
    assert blocks[("元旦", 2023)].start == dt.date(2022, 12, 31)
    assert blocks[("国庆节、中秋节", 2025)].end == dt.date(2025, 10, 8)
    assert blocks[("春节", 2026)].end == dt.date(2026, 2, 23)
    assert calendar.lantern_festivals()[2026] == dt.date(2026, 3, 3)


def test_off_days_and_makeup_days():
    assert calendar.is_off_day("2025-01-29")  # 春节
    assert not calendar.is_off_day("2025-01-26")  # Sunday, 调休上班
    assert calendar.is_off_day("2025-03-01")  # ordinary Saturday
    assert not calendar.is_off_day("2025-03-03")


def test_pre_holiday_window():
    assert calendar.is_pre_holiday("2026-09-30")  # 国庆 starts the next day
    assert calendar.is_pre_holiday("2026-09-24", days=7)  # 中秋 09-25
    assert not calendar.is_pre_holiday("2026-10-02")  # during the holiday
    assert not calendar.is_pre_holiday("2026-08-01")
    assert calendar.is_pre_holiday("2026-09-10", days=20)


def test_upcoming_key_nodes():
    nodes = calendar.upcoming_key_nodes("2025-01-15", horizon_days=30)
    assert "春节" in nodes["name"].tolist()
    spring = nodes.set_index("name").loc["春节"]
    assert spring["start"] == dt.date(2025, 1, 28) and spring["days_until"] == 13
    assert spring["in_lead_window"]  # lead time 14 days
    during = calendar.upcoming_key_nodes("2025-11-07", horizon_days=5)
    assert {"进博会", "119消防宣传月"} <= set(during["name"])
    assert (during.set_index("name").loc["进博会", "days_until"]) == 0
    # beyond the calendar, fixed-date holidays still appear
    late = calendar.upcoming_key_nodes("2026-12-10", horizon_days=40)
    assert "元旦/岁末年初" in late["name"].tolist()


def test_season_flags_and_vectorised_frame():
    flags = calendar.season_flags("2025-07-20")
    assert flags["flood_season"] and flags["summer_heat"] and not flags["winter_spring_fire"]
    assert calendar.season_flags("2025-12-01")["winter_spring_fire"]  # wraps the new year
    dates = pd.Series(pd.date_range("2024-01-01", "2025-12-31", freq="13D"))
    frame = calendar.season_flag_frame(dates)
    for d, row in zip(dates, frame.to_dict("records"), strict=True):
        assert row == calendar.season_flags(d)


def test_calendar_is_editable(tmp_path):
    data = json.loads(calendar.HOLIDAYS_PATH.read_text(encoding="utf-8"))
    data["years"].append({"year": 2027, "lantern_festival": "2027-02-20", "days": [
        {"name": "春节", "date": f"2027-02-{d:02d}", "isOffDay": True} for d in range(6, 13)
    ]})
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert 2027 in calendar.covered_years(path)
    assert calendar.is_pre_holiday("2027-02-01", path=path)
    assert not calendar.is_pre_holiday("2027-02-01")
    seasons = calendar.season_table()
    seasons.loc[seasons["season"] == "flood_season", "start_md"] = "05-01"
    custom = tmp_path / "seasons.csv"
    seasons.to_csv(custom, index=False)
    assert calendar.season_flags("2025-05-10", path=str(custom))["flood_season"]
    assert not calendar.season_flags("2025-05-10")["flood_season"]


def test_combined_mid_autumn_national_day_keeps_national_days_window_and_focus():
    from risk.calendar import key_nodes

    for year in (2023, 2025):
        kn = key_nodes(year)
        both = kn[kn["name"].str.contains("国庆") & kn["name"].str.contains("中秋")]
        assert len(both) == 1, kn["name"].tolist()
        row = both.iloc[0]
        assert row["lead_days"] == 14  # 国庆's, not 中秋's 7
        assert {"公共娱乐", "宾馆"} <= set(row["focus"])
