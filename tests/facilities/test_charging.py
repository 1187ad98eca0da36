"""Charging-port demand per 居委 and the split of the port target."""

from __future__ import annotations

import pandas as pd
import pytest

from facilities.charging import (
    EBIKES_PER_INCIDENT,
    EBIKES_PER_RESIDENT,
    ebike_demand,
    ebike_hazards,
    installed_ports,
    largest_remainder,
    port_split,
)

AS_OF = "2026-11-28"


@pytest.fixture
def sites() -> pd.DataFrame:
    return pd.DataFrame({
        "site_id": ["S1", "S2", "S3", "S4", "S5", "S6", "S7"],
        "name": list("甲乙丙丁戊己庚"),
        "category": ["群租", "高层建筑", "高层建筑", "快递外卖点", "厂房仓库", "群租", "群租"],
        "subcategory": ["群租房", "高层住宅", "高层公共建筑", "外卖站点", "厂房", "集体宿舍", "群租房"],
        "committee": ["真一", "真一", "真一", "真二", "真二", "辖区外", "真二"],
        "lon": 121.39, "lat": 31.25,
        "occupants": [20, 1000, 500, 6, 80, 10, 10],
        "ebike_capacity": [None, 50, 10, 30, 0, None, None],
        "operating_state": ["正常"] * 6 + ["停业"],
    })


@pytest.fixture
def hazards() -> pd.DataFrame:
    return pd.DataFrame({
        "site_id": ["S5", "S5", "S1", "S2"],
        "part": ["楼道", "充电区", "厨房", "楼道"],
        "description": ["电动自行车上楼入户充电", "飞线充电", "燃气软管老化", "楼道停放电动自行车"],
        "found_date": pd.to_datetime(["2026-01-10", "2025-06-01", "2026-02-01", "2022-01-01"]),
    })


def test_ebike_hazards_by_text_and_window(hazards):
    # S1's gas hose is no e-bike hazard; S2's is older than three years
    assert ebike_hazards(hazards, AS_OF).to_dict() == {"S5": 2}


def test_demand_per_unit(sites, hazards):
    d = ebike_demand(sites, hazards, AS_OF).set_index("site_id")
    assert d.loc["S1", "ebikes"] == pytest.approx(20 * EBIKES_PER_RESIDENT, abs=0.05)
    assert d.loc["S2", "ebikes"] == pytest.approx(1000 * EBIKES_PER_RESIDENT, abs=0.05)
    assert "S3" not in d.index  # an office tower is no home
    assert d.loc["S4", "ebikes"] == 30.0  # the riders' fleet
    assert d.loc["S5", "ebikes"] == 2 * EBIKES_PER_INCIDENT  # a factory with e-bike hazards
    assert "S7" not in d.index  # 停业
    assert bool(d.loc["S1", "group_rental"]) and bool(d.loc["S4", "courier"])


def test_installed_ports_count_garages_when_asked():
    a = pd.DataFrame({"kind": ["充电端口", "充电端口", "电动自行车智能车库", "微型消防站"],
                      "committee": ["真一", "真二", "真二", "真二"], "capacity": [40, 20, 100, 8]})
    assert installed_ports(a).to_dict() == {"真一": 40, "真二": 120}
    assert installed_ports(a, garages=False).to_dict() == {"真一": 40, "真二": 20}


def test_split_follows_demand_minus_installed(sites, hazards):
    d = ebike_demand(sites, hazards, AS_OF)
    assets = pd.DataFrame({"kind": ["充电端口", "充电端口"], "committee": ["真二", "辖区外"],
                           "capacity": [500, 70]})
    split = port_split(d, assets, target=1000).set_index("committee")
    assert "辖区外" not in split.index  # neither its demand nor its ports
    share = split["demand_share"]
    assert share.sum() == pytest.approx(1.0, abs=1e-3)
    # 真一 has 95 % of the demand and no port: it gets everything still to build
    assert split.loc["真一", "proposed_new"] == 500 and split.loc["真二", "proposed_new"] == 0
    assert split["proposed_new"].sum() == 1000 - 500
    assert (split["after"] == split["installed"] + split["proposed_new"]).all()
    assert split.loc["真一", "residential"] == 2 and split.loc["真二", "courier"] == 1
    assert split.loc["真二", "incidents"] == 2


def test_split_of_the_default_target_adds_up(sites, hazards):
    d = ebike_demand(sites, hazards, AS_OF)
    split = port_split(d, pd.DataFrame(columns=["kind", "committee", "capacity"]))
    assert split["proposed_new"].sum() == 18_000
    assert split.iloc[0]["committee"] == "真一"


def test_largest_remainder_is_whole_and_exact():
    out = largest_remainder(pd.Series([2.5, 1.5, 1.0], index=list("abc")), 7)
    assert out.sum() == 7 and out.tolist() == [4, 2, 1]
    assert largest_remainder(pd.Series([0.0, 0.0]), 5).tolist() == [0, 0]
