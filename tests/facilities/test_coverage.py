"""Coverage of 微型消防站 on a hand-made map with a known answer.

Every point lies on one meridian, so the great-circle distance between two points is exactly
R × Δlat: the map is drawn in metres north of an origin. The default standard is a 3-minute
e-bike run (15 km/h = 250 m/min) over streets of 1.3 × the straight line, i.e. a reach of
750 / 1.3 = 576.9 m.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from facilities.coverage import (
    ResponseStandard,
    coverage_areas,
    coverage_summary,
    station_coverage,
    uncovered_high_risk,
    unit_coverage,
    unit_weights,
)
from routes.travel import EARTH_RADIUS_M, StreetGraphProvider

LON0, LAT0 = 121.39, 31.25


def lat_at(metres_north: float) -> float:
    return LAT0 + math.degrees(metres_north / EARTH_RADIUS_M)


STATIONS = pd.DataFrame({
    "asset_id": ["A", "B"], "name": ["甲站", "乙站"], "lon": [LON0, LON0],
    "lat": [lat_at(0), lat_at(1000)], "approximate": [False, True],
})

# site, metres north, D, level, category, occupants, beds
ROWS = [
    ("U1", 200, 100.0, "较大", "群租", 12, None),      # A only (200 m; B 800 m)
    ("U2", 500, 50.0, "一般", "养老机构", 10, 40),     # A and B (500 m each)
    ("U3", 1400, 10.0, "低", "厂房仓库", 100, None),   # B only (400 m)
    ("U4", 2000, 300.0, "重大", "高层建筑", 200, None),  # none (B 1000 m → 5.2 min)
    ("U5", -600, 5.0, "低", "群租", 8, None),          # none (600 m > 576.9 m)
    ("U6", -570, 20.0, "较大", "人员密集场所", 60, None),  # A (570 m)
]


@pytest.fixture
def units() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=["site_id", "north", "D", "level", "category", "occupants",
                                     "beds"])
    df["lon"] = LON0
    df["lat"] = df["north"].map(lat_at)
    df["name"] = df["site_id"] + "单位"
    df["committee"] = "真一"
    return unit_weights(df)


def test_people_weight_counts_only_vulnerable_sectors(units):
    people = units.set_index("site_id")["people"].to_dict()
    # beds beat occupants in 养老; a factory's 100 workers are not in the people weight
    assert people == {"U1": 12.0, "U2": 40.0, "U3": 0.0, "U4": 200.0, "U5": 8.0, "U6": 60.0}
    assert units.loc[units["high_risk"], "site_id"].tolist() == ["U1", "U4", "U6"]


def test_unit_coverage_known_answer(units):
    cov = unit_coverage(STATIONS, units, ResponseStandard()).set_index("site_id")
    assert cov["covered"].to_dict() == {
        "U1": True, "U2": True, "U3": True, "U4": False, "U5": False, "U6": True}
    assert cov["n_stations"].to_dict() == {"U1": 1, "U2": 2, "U3": 1, "U4": 0, "U5": 0, "U6": 1}
    assert cov.loc["U4", "nearest_station"] == "B"
    assert cov.loc["U4", "nearest_minutes"] == pytest.approx(5.2, abs=0.05)


def test_station_coverage_known_answer(units):
    table = station_coverage(STATIONS, units, ResponseStandard()).set_index("asset_id")
    assert table.loc["A", ["units", "high_risk_units", "risk", "people"]].tolist() == [
        3, 2, 170.0, 112.0]
    assert table.loc["B", ["units", "high_risk_units", "risk", "people"]].tolist() == [
        2, 0, 60.0, 40.0]
    # what closing the station would leave uncovered (U2 is reached by both)
    assert table.loc["A", "only_here_risk"] == 120.0
    assert table.loc["B", "only_here_risk"] == 10.0
    assert bool(table.loc["B", "approximate"]) is True


def test_summary_and_uncovered_high_risk(units):
    cov = unit_coverage(STATIONS, units, ResponseStandard())
    s = coverage_summary(cov)
    assert s["covered_units"] == 4
    assert s["risk_share"] == pytest.approx(180.0 / 485.0)
    assert s["people_share"] == pytest.approx(112.0 / 320.0)
    assert s["high_risk_uncovered"] == 1
    listed = uncovered_high_risk(cov)
    assert listed["site_id"].tolist() == ["U4"]  # U5 is uncovered but low risk
    assert "responsible_person" not in listed.columns


def test_response_time_and_mode_change_the_answer(units):
    on_foot = unit_coverage(STATIONS, units, ResponseStandard(3, "步行"))
    assert not on_foot["covered"].any()  # 3 min at 4.5 km/h = 173 m straight line
    longer = unit_coverage(STATIONS, units, ResponseStandard(4.5, "电动自行车"))  # 865 m
    assert set(longer.loc[~longer["covered"], "site_id"]) == {"U4"}
    longest = unit_coverage(STATIONS, units, ResponseStandard(5.5, "电动自行车"))
    assert longest["covered"].all()


def test_street_network_replaces_the_straight_line(units):
    """Along a straight street the run is the street length itself (no ×1.3): U5 at 600 m is
    reached in 2.4 minutes, U4 at 1000 m from B still not."""
    street = LineString([(LON0, lat_at(m)) for m in range(-1000, 2510, 10)])  # a vertex every 10 m
    graph = StreetGraphProvider([street], "电动自行车", direct_cap=False, join_m=0)
    cov = unit_coverage(STATIONS, units, ResponseStandard(), provider=graph).set_index("site_id")
    assert bool(cov.loc["U5", "covered"]) and not bool(cov.loc["U4", "covered"])
    assert cov.loc["U5", "nearest_minutes"] == pytest.approx(2.4, abs=0.05)


def test_closed_units_are_left_out(units):
    df = pd.DataFrame({"site_id": ["S1", "S2"], "lon": [LON0] * 2, "lat": [LAT0] * 2,
                       "D": [10.0, 20.0], "level": ["低", "低"], "category": ["群租"] * 2,
                       "operating_state": ["正常", "注销"]})
    assert unit_weights(df)["site_id"].tolist() == ["S1"]


def test_areas_are_discs_clipped_to_the_boundary():
    std = ResponseStandard()
    full = coverage_areas(STATIONS.iloc[:1], std)
    assert full["area_km2"].iloc[0] == pytest.approx(math.pi * std.radius_m**2 / 1e6, rel=0.01)
    # a boundary that ends at the station's parallel keeps the northern half of the disc
    half = coverage_areas(STATIONS.iloc[:1], std, within=box(LON0 - 0.02, LAT0, LON0 + 0.02, 31.5))
    assert half["area_km2"].iloc[0] == pytest.approx(full["area_km2"].iloc[0] / 2, rel=0.02)
    lat = np.array(half.geometry.iloc[0].exterior.coords)[:, 1]
    assert lat.min() >= LAT0 - 1e-9
