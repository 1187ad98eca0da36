"""Keeping the registry true: correcting a unit through the one write path."""

from __future__ import annotations

import pandas as pd
import pytest

from registry.committees import OUTSIDE
from registry.store import ConcurrentEditError, build_store
from registry.validate import RegistryValidationError
from risk.frequency import required_per_year
from routes.planning import PlanningError, _prepare_candidates
from tests.registry._tables import make_tables


@pytest.fixture
def store(tmp_path):
    s = build_store(tmp_path / "u.db", tables=make_tables())
    yield s
    s.close()


def _row(store, sid):
    return store.sites().set_index("site_id").loc[sid]


def test_a_correction_is_validated_audited_and_derives_what_follows(store):
    sid = "S000001"
    store.update_site(sid, user="王平安", name="新名称", key_list=True)
    row = _row(store, sid)
    assert (row["name"], bool(row["key_list"]), row["required_per_year"]) == ("新名称", True, 4)
    log = store.audit_log()
    last = log.iloc[-1]
    assert (last["action"], last["user"], last["entity_id"]) == ("update_site", "王平安", sid)
    assert "新名称" in last["after"]


def test_moving_the_point_reassigns_the_committee(store):
    sid = "S000001"
    store.update_site(sid, lon=121.3965, lat=31.2519)  # 真如寺, 南大街
    assert _row(store, sid)["committee"] == "南大街"
    store.update_site(sid, lon=121.3872, lat=31.2351)  # 天地软件园, outside the boundary
    row = _row(store, sid)
    assert row["committee"] == OUTSIDE and bool(row["outside_boundary"])


def test_a_closed_unit_stays_but_leaves_plans_and_the_statutory_count(store):
    store.update_site("S000002", operating_state="注销")
    sites = store.sites()
    assert "S000002" in set(sites["site_id"])  # history kept
    req = required_per_year(sites).set_axis(sites["site_id"])
    assert req["S000002"] == 0 and req["S000001"] > 0
    kept = _prepare_candidates(sites.assign(priority=1.0), "priority")
    assert "S000002" not in set(kept["site_id"])
    with pytest.raises(PlanningError, match="停业或注销"):
        _prepare_candidates(sites[sites["site_id"] == "S000002"].assign(priority=1.0), "priority")


def test_bad_corrections_are_refused_and_write_nothing(store):
    before = store.sites()
    with pytest.raises(RegistryValidationError, match="经营状态"):
        store.update_site("S000001", operating_state="倒闭")
    with pytest.raises(RegistryValidationError, match="不能修改字段"):
        store.update_site("S000001", source="synthetic")
    with pytest.raises(RegistryValidationError, match=r"纬度|坐标"):
        store.update_site("S000001", lat=1e308)
    with pytest.raises(ConcurrentEditError, match="已被他人修改"):
        store.update_site("S000001", name="乙", expected={"name": "不是现在的名称"})
    pd.testing.assert_frame_equal(store.sites().drop(columns="geometry"),
                                  before.drop(columns="geometry"))


def test_an_empty_field_as_the_editor_saw_it_is_not_a_concurrent_change(store):
    # S000001 has no 园区 (stored NULL, read back as NaN): an editor who saw it empty may save
    store.update_site("S000001", name="甲", expected={"park": None})
    # ... but not after another user filled it meanwhile
    store.update_site("S000001", park="铁三角科技园", user="另一用户")
    with pytest.raises(ConcurrentEditError, match=r"园区|park"):
        store.update_site("S000001", park="天地软件园", expected={"park": None})
    assert _row(store, "S000001")["park"] == "铁三角科技园"


def test_a_unit_without_a_position_is_a_chinese_error_not_a_crash(store):
    with pytest.raises(RegistryValidationError, match="缺少必需列 经度"):
        store.add_sites(pd.DataFrame({"name": ["甲"], "category": ["群租"]}))
