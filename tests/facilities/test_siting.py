"""The maximal-covering model against brute force, the greedy baseline, pins and proposals."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from facilities.coverage import ResponseStandard
from facilities.siting import (
    candidate_sites,
    demand_weights,
    greedy_mclp,
    propose_sites,
    site_pool,
    solve_mclp,
)
from routes.travel import EARTH_RADIUS_M

LON0, LAT0 = 121.39, 31.25


def lat_at(metres_north: float) -> float:
    return LAT0 + math.degrees(metres_north / EARTH_RADIUS_M)


def brute_force(reach: np.ndarray, w: np.ndarray, p: int, covered: np.ndarray) -> float:
    best = float(w[covered].sum())
    for k in range(1, p + 1):
        for combo in itertools.combinations(range(reach.shape[0]), k):
            cov = covered | reach[list(combo)].any(axis=0)
            best = max(best, float(w[cov].sum()))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_mclp_equals_brute_force_on_small_instances(seed):
    rng = np.random.default_rng(seed)
    n_cand, n_dem = 9, 30
    reach = rng.random((n_cand, n_dem)) < 0.2
    w = rng.integers(1, 20, n_dem).astype(float)
    covered = rng.random(n_dem) < 0.15
    for p in (1, 2, 3, 4):
        sol = solve_mclp(reach, w, p, covered)
        assert len(sol.chosen) <= p
        # the reported value is what the chosen sites really cover …
        cov = covered | (reach[sol.chosen].any(axis=0) if sol.chosen else False)
        assert sol.value == pytest.approx(float(w[cov].sum()))
        # … and no choice of p sites covers more
        assert sol.value == pytest.approx(brute_force(reach, w, p, covered))
        assert sol.status == "最优"
        assert greedy_mclp(reach, w, p, covered).value <= sol.value + 1e-9


def test_greedy_can_be_beaten():
    reach = np.array([[0, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool)
    w = np.ones(6)
    assert greedy_mclp(reach, w, 2).value == 5.0  # takes the big middle site first
    assert solve_mclp(reach, w, 2).chosen == [1, 2]
    assert solve_mclp(reach, w, 2).value == 6.0 == brute_force(reach, w, 2, np.zeros(6, bool))


def test_idle_sites_are_not_proposed():
    reach = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=bool)
    sol = solve_mclp(reach, np.array([1.0, 1.0, 1.0]), 3)
    assert sol.chosen == [0]


def demand_and_candidates():
    north = [0, 100, 1500, 1600, 3000]
    demand = pd.DataFrame({"site_id": [f"U{k}" for k in range(5)], "lon": LON0,
                           "lat": [lat_at(m) for m in north],
                           "risk": [100.0, 50.0, 80.0, 10.0, 500.0],
                           "people": [0.0, 300.0, 0.0, 0.0, 0.0]})
    cands = pd.DataFrame({"candidate_id": ["C1", "C2", "C3"], "name": ["北", "中", "南"],
                          "source": ["OSM", "居委", "单位"], "ref": ["", "", ""], "lon": LON0,
                          "lat": [lat_at(50), lat_at(1550), lat_at(3000)]})
    return demand, cands


def test_proposals_report_gain_given_kept_sites():
    demand, cands = demand_and_candidates()
    kept = pd.DataFrame({"site_id": ["A1"], "name": ["已建"], "lon": [LON0], "lat": [lat_at(3000)]})
    r = propose_sites(demand, cands, kept, 1, ResponseStandard())
    # U4 (risk 500) is already covered by the kept station: its risk is no gain
    assert r.proposals["candidate_id"].tolist() == ["C1"]
    assert r.proposals.loc[0, "gain_risk"] == 150.0
    assert r.proposals.loc[0, "gain_people"] == 300.0
    assert r.before["risk"] == 500.0 and r.after["risk"] == 650.0
    # with people valued, the same budget is spent where they are
    assert propose_sites(demand, cands, kept, 1, ResponseStandard(),
                         objective={"risk": 1.0}).after["people"] == 300.0
    two = propose_sites(demand, cands, kept, 2, ResponseStandard())
    assert two.proposals["candidate_id"].tolist() == ["C1", "C2"]
    gains = two.proposals["gain_risk"].sum()
    assert gains == pytest.approx(two.after["risk"] - two.before["risk"])


def test_objective_weights_people():
    demand, cands = demand_and_candidates()
    demand.loc[2, "people"] = 10.0
    none = cands.iloc[:0]
    by_risk = propose_sites(demand.assign(people=0.0), cands.iloc[[0, 1]], none, 1,
                            ResponseStandard(), objective={"risk": 1.0})
    by_people = propose_sites(demand.assign(risk=[1.0, 1.0, 200.0, 1.0, 1.0]),
                              cands.iloc[[0, 1]], none, 1, ResponseStandard(),
                              objective={"people": 1.0})
    assert by_risk.proposals["candidate_id"].tolist() == ["C1"]   # 150 vs 90
    assert by_people.proposals["candidate_id"].tolist() == ["C1"]  # 300 people vs 10
    mixed = demand_weights(demand, {"risk": 1.0, "people": 1.0})
    assert mixed.sum() == pytest.approx(2.0)


def test_pins_fix_sites_and_unpinned_existing_become_candidates():
    demand, cands = demand_and_candidates()
    existing = pd.DataFrame({"asset_id": ["A1", "A2"], "name": ["南站", "北站"],
                             "lon": [LON0, LON0], "lat": [lat_at(3000), lat_at(60)]})
    fixed, pool = site_pool(existing, ["A1"], cands.iloc[[1]])
    assert fixed["site_id"].tolist() == ["A1"]
    assert pool["candidate_id"].tolist() == ["C2", "A2"]
    r = propose_sites(demand, pool, fixed, 1, ResponseStandard())
    assert r.proposals["candidate_id"].tolist() == ["A2"]  # keeping the northern station wins
    # a planned site (an earlier proposal) pinned with the existing ones
    planned = cands.iloc[[1]]
    fixed, pool = site_pool(existing, ["A1", "A2", "C2"], cands, planned=planned)
    assert sorted(fixed["site_id"]) == ["A1", "A2", "C2"]
    assert "C2" not in set(pool["candidate_id"])
    r = propose_sites(demand, pool, fixed, 2, ResponseStandard())
    assert r.proposals.empty and r.after == r.before  # everything is covered already


def test_candidate_sites_one_per_cell_inside_boundary():
    from shapely.geometry import box

    units = pd.DataFrame({"site_id": ["S1", "S2", "S3"], "name": ["甲", "乙", "丙"],
                          "lon": [LON0, LON0, 121.50], "lat": [lat_at(0), lat_at(3), LAT0]})
    osm = pd.DataFrame({"osm_id": [1, 2], "fclass": ["parking", "bench"], "name": [None, "椅"],
                        "lon": [LON0, LON0], "lat": [lat_at(1000), lat_at(2000)]})
    c = candidate_sites(units, osm=osm, within=box(121.3, 31.2, 121.45, 31.3))
    assert c["source"].tolist() == ["OSM", "单位"]  # bench is no host; S3 is outside
    assert c["name"].tolist() == ["OSM parking", "甲"]
    assert c["candidate_id"].tolist() == ["C0001", "C0002"]


def test_a_time_limited_solve_is_never_worse_than_greedy():
    """HiGHS stopped at once: the answer is still at least the greedy one (its start is greedy
    improved by single swaps), says so, and reports what it covers truthfully."""
    rng = np.random.default_rng(3)
    pts = rng.random((400, 2)) * 3000.0
    sites = rng.random((150, 2)) * 3000.0
    reach = np.hypot(*(sites[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) < 350.0
    w = rng.gamma(0.5, 10.0, 400)
    for p in (5, 12):
        greedy = greedy_mclp(reach, w, p)
        quick = solve_mclp(reach, w, p, time_limit=0.0)
        assert len(quick.chosen) <= p
        assert quick.value >= greedy.value - 1e-9
        assert quick.value == pytest.approx(float(w[reach[quick.chosen].any(axis=0)].sum()))
        assert quick.status in ("最优", "时间上限")
        if quick.status == "时间上限":
            assert 0.0 <= quick.mip_gap <= 1.0
        assert solve_mclp(reach, w, p).value >= quick.value - 1e-9


def test_interchange_repairs_the_greedy_trap():
    reach = np.array([[0, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool)
    quick = solve_mclp(reach, np.ones(6), 2, time_limit=0.0)
    assert quick.chosen == [1, 2] and quick.value == 6.0
