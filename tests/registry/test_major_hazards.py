"""重大隐患: what must be on record before 销号, 停产停业, and stores that predate the fields."""

from __future__ import annotations

import sqlite3

import pytest

from registry.enums import MAJOR_CLOSE_FIELDS
from registry.hazard_status import suspended_sites
from registry.store import SQLiteStore, build_store
from registry.validate import RegistryValidationError
from tests.registry._tables import make_tables

MAJOR = {
    "level": "重大", "hazard_type": "消防", "part": "疏散楼梯", "description": "疏散楼梯被封堵",
    "responsible_unit": "某商场", "measures": "拆除封堵", "deadline": "2024-07-03",
}  # fmt: skip
RECORD = {
    "major_basis": "GB 35181-2025 5.3.2", "determined_by": "王某、李某、张某",
    "plan": "三日内拆除封堵，恢复疏散楼梯", "reported_to": "区应急管理局",
    "reported_date": "2024-06-04", "supervised_by": "街道安委办", "supervised_since": "2024-06-05",
}  # fmt: skip


@pytest.fixture
def store(tmp_path):
    s = build_store(tmp_path / "m.db", tables=make_tables())
    yield s
    s.close()


def _to_reinspected(store, hid):
    store.update_hazard(hid, status="待复查", rectified_date="2024-06-20")
    store.update_hazard(hid, reinspection_date="2024-06-21", reinspection_result="合格")


def test_a_major_hazard_cannot_be_closed_without_its_record(store):
    _, (hid,) = store.add_inspection(
        {"site_id": "S000001", "date": "2024-06-03", "type": "日常", "team": "一组"}, [MAJOR]
    )
    _to_reinspected(store, hid)
    with pytest.raises(RegistryValidationError) as err:
        store.update_hazard(hid, status="已销号")
    for label in MAJOR_CLOSE_FIELDS.values():
        assert label in str(err.value)
    assert store.hazards().set_index("hazard_id").loc[hid, "status"] == "待复查"
    partial = dict(RECORD)
    del partial["plan"]
    store.update_hazard(hid, **partial)
    with pytest.raises(RegistryValidationError, match="整改方案"):
        store.update_hazard(hid, status="已销号")
    store.update_hazard(hid, plan=RECORD["plan"], status="已销号")
    row = store.hazards().set_index("hazard_id").loc[hid]
    assert row["status"] == "已销号" and bool(row["supervised"])  # 督办单位 ⇒ 挂牌督办


def test_a_general_hazard_closes_without_that_record(store):
    _, (hid,) = store.add_inspection(
        {"site_id": "S000001", "date": "2024-06-03", "type": "日常", "team": "一组"},
        [{**MAJOR, "level": "一般"}],
    )
    _to_reinspected(store, hid)
    store.update_hazard(hid, status="已销号")


def test_a_unit_is_suspended_while_its_hazard_is_open(store):
    _, (hid,) = store.add_inspection(
        {"site_id": "S000002", "date": "2024-06-03", "type": "日常", "team": "一组"},
        [{**MAJOR, "suspension": True}],
    )
    assert "S000002" in suspended_sites(store.hazards(), "2024-06-10")
    _to_reinspected(store, hid)
    store.update_hazard(hid, **RECORD, status="已销号", closed_date="2024-06-22")
    assert "S000002" not in suspended_sites(store.hazards(), "2024-06-30")


def test_a_store_from_before_the_major_fields_gets_them_in_place(tmp_path):
    path = tmp_path / "old.db"
    build_store(path, tables=make_tables()).close()
    new = ["suspension", *MAJOR_CLOSE_FIELDS, "joint_departments"]
    con = sqlite3.connect(path)
    keep = [r[1] for r in con.execute("PRAGMA table_info(hazards)") if r[1] not in new]
    con.executescript(  # the hazards table as a store written before these fields had it
        f"CREATE TABLE old AS SELECT {', '.join(keep)} FROM hazards; DROP TABLE hazards; "
        "ALTER TABLE old RENAME TO hazards;"
    )
    before = con.execute("SELECT hazard_id, status FROM hazards ORDER BY 1").fetchall()
    con.close()
    with SQLiteStore(path) as store:
        hz = store.hazards()
        assert set(new) <= set(hz.columns)
        assert not hz["suspension"].any()
        assert sorted(zip(hz["hazard_id"], hz["status"], strict=True)) == before
    con = sqlite3.connect(path)
    cols = {r[1] for r in con.execute("PRAGMA table_info(hazards)")}
    con.close()
    assert set(new) <= cols
