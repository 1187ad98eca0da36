"""The 居委 a unit is counted under: a real 居委, 辖区外 or 居委待核实 — never a placeholder."""

from __future__ import annotations

import pandas as pd

from layers import zones
from registry.committees import OUTSIDE, UNVERIFIED, known_committees
from registry.validate import complete_sites, validate_sites


def test_added_units_outside_the_boundary_are_their_own_group():
    df = pd.DataFrame({
        "name": ["寺", "园区租户"], "lon": [121.3965, 121.3872], "lat": [31.2519, 31.2351],
        "category": ["文物古建筑", "厂房仓库"],
    })  # fmt: skip
    out = complete_sites(df)
    assert out["committee"].tolist() == ["南大街", OUTSIDE]
    assert bool(out["outside_boundary"].iloc[1])
    assert validate_sites(out.assign(site_id=["S1", "S2"])) == []


def test_units_in_an_unnamed_zone_are_unverified_not_a_made_up_name():
    z = zones.committee_zones()
    placeholder = z[z["placeholder"].astype(bool)].iloc[0]
    p = placeholder.geometry.representative_point()
    out = complete_sites(pd.DataFrame({"name": ["某店"], "lon": [p.x], "lat": [p.y],
                                       "category": ["三合一场所"]}))  # fmt: skip
    assert out["committee"].iloc[0] == UNVERIFIED
    assert placeholder["short_name"] not in known_committees()
    bad = out.assign(committee=placeholder["short_name"])
    assert any("不是真如的居委" in m for m in validate_sites(bad))
