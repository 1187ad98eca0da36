"""The store's one write path: audit record, repeated submissions, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sqlite3
import sys
import types

import pandas as pd
import pytest

from registry.audit import SYSTEM_USER
from registry.store import (
    ConcurrentEditError,
    SQLiteStore,
    StoreBusyError,
    build_store,
    clean_orphans,
)
from registry.validate import RegistryValidationError
from tests.registry._tables import make_tables

HAZARD = {
    "level": "一般", "hazard_type": "消防", "part": "疏散通道", "description": "堆放杂物",
    "responsible_unit": "某仓库", "measures": "清理", "deadline": "2024-06-10",
}  # fmt: skip


def _inspection(site_id: str, **extra) -> dict:
    return {"site_id": site_id, "date": "2024-06-03", "type": "日常", "team": "平安办一组", **extra}


@pytest.fixture
def store(tmp_path):
    s = build_store(tmp_path / "w.db", tables=make_tables())
    yield s
    s.close()


def test_every_write_leaves_one_audit_record_with_its_user(store):
    before = len(store.audit_log())
    (sid,) = store.add_sites(
        pd.DataFrame({"name": ["新仓库"], "lon": [121.39], "lat": [31.255], "category": ["厂房仓库"]}),
        user="王平安",
    )
    iid, (hid,) = store.add_inspection(_inspection(sid), [HAZARD], user="李检查")
    store.update_hazard(hid, status="整改中", user="赵办公")
    log = store.audit_log().iloc[before:]
    assert log[["user", "action", "entity_id"]].values.tolist() == [
        ["王平安", "add_sites", sid],
        ["李检查", "add_inspection", iid],
        ["李检查", "add_hazard", hid],
        ["赵办公", "update_hazard", hid],
    ]
    change = log.iloc[-1]
    assert '"status": "待整改"' in change["before"] and '"status": "整改中"' in change["after"]
    # only what changed: empty fields (复查结果 …) are not recorded as "changed from empty to empty"
    assert set(json.loads(change["after"])) == {"status"}


def test_writes_without_a_user_are_recorded_as_the_system(store):
    assert set(store.audit_log()["user"]) == {SYSTEM_USER}  # the build (replace_all)


def test_audit_trail_cannot_be_changed_or_deleted(store):
    con = sqlite3.connect(store.path)
    try:
        for sql in ("UPDATE audit SET user = 'x'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError, match="只能追加"):
                con.execute(sql)
    finally:
        con.close()
    assert len(store.audit_log()) >= 1


def test_rebuilding_an_existing_store_keeps_its_audit_trail(store, tmp_path):
    store.add_inspection(_inspection("S000001"), user="李检查")
    again = build_store(store.path, tables=make_tables(), user="管理员")
    log = again.audit_log()
    again.close()
    assert "李检查" in set(log["user"])
    last = log.iloc[-1]
    assert (last["action"], last["user"]) == ("replace_all", "管理员")
    assert '"inspections": 6' in last["before"]  # five of the sample + the one recorded


def test_a_repeated_submission_is_recorded_once(store):
    n = store.counts()
    first = store.add_inspection(_inspection("S000001"), [HAZARD], request_id="form-1")
    second = store.add_inspection(_inspection("S000001"), [HAZARD], request_id="form-1")
    assert first == second
    assert store.counts()["inspections"] == n["inspections"] + 1
    assert store.counts()["hazards"] == n["hazards"] + 1
    other = store.add_inspection(_inspection("S000001"), [HAZARD], request_id="form-2")
    assert other[0] != first[0]


def test_an_edit_of_a_changed_hazard_is_refused_and_overwrites_nothing(store):
    _, (hid,) = store.add_inspection(_inspection("S000001"), [HAZARD])
    seen = store.hazards().set_index("hazard_id").loc[hid]
    store.update_hazard(hid, status="整改中", user="甲")  # another user, meanwhile
    with pytest.raises(ConcurrentEditError, match="已被他人修改"):
        store.update_hazard(
            hid, status="待复查", user="乙", expected={"status": seen["status"]}
        )
    assert store.hazards().set_index("hazard_id").loc[hid, "status"] == "整改中"
    # with what is there now, the edit goes through
    store.update_hazard(hid, status="待复查", user="乙", expected={"status": "整改中"})


def test_a_locked_store_gives_a_chinese_message_and_saves_nothing(store):
    n = store.counts()["inspections"]
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        store.busy_seconds = 0.3
        with pytest.raises(StoreBusyError, match="没有保存任何内容"):
            store.add_inspection(_inspection("S000001"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.counts()["inspections"] == n


def test_invalid_writes_are_refused_before_anything_is_written(store):
    n = store.counts()
    with pytest.raises(RegistryValidationError, match="不存在的单位"):
        store.add_inspection(_inspection("S999999"), [HAZARD])
    bad = {**HAZARD, "level": "特大"}
    with pytest.raises(RegistryValidationError, match="等级"):
        store.add_inspection(_inspection("S000001"), [bad])
    assert store.counts() == n


def test_ids_continue_after_the_largest_even_with_foreign_ids(store):
    store.add_sites(pd.DataFrame({
        "site_id": ["S-外部", "S000090"], "name": ["甲", "乙"], "lon": [121.39] * 2,
        "lat": [31.255] * 2, "category": ["厂房仓库"] * 2,
    }))  # fmt: skip
    (sid,) = store.add_sites(
        pd.DataFrame({"name": ["丙"], "lon": [121.39], "lat": [31.255], "category": ["厂房仓库"]})
    )
    assert sid == "S000091"


def _writer(path: str, worker: int, n: int, queue) -> None:
    store = SQLiteStore(path)
    ids = []
    for k in range(n):
        iid, hids = store.add_inspection(
            _inspection("S000001"), [HAZARD], user=f"w{worker}", request_id=f"{worker}-{k}"
        )
        ids.append(iid)
        store.update_hazard(hids[0], status="整改中", user=f"w{worker}")
    store.close()
    queue.put(ids)


def test_concurrent_writers_lose_nothing_and_never_share_an_id(store, monkeypatch):
    n_before = store.counts()["inspections"]
    # A spawned child imports the parent's __main__ first; after an AppTest in this worker
    # that is a page script, which the child must not run. The writers need no __main__.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(store.path), w, 6, queue)) for w in range(6)]
    for p in procs:
        p.start()
    got = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    ids = [i for chunk in got for i in chunk]
    assert len(ids) == len(set(ids)) == 36
    insp = store.inspections()
    assert len(insp) == n_before + 36 and set(ids) <= set(insp["inspection_id"])
    assert store.hazards()["status"].eq("整改中").sum() >= 36


def test_orphaned_temporary_files_of_dead_imports_are_removed(tmp_path):
    target = tmp_path / "zhenru.db"
    dead = tmp_path / ".zhenru.db.999999999.tmp"
    dead_wal = tmp_path / ".zhenru.db.999999999.tmp-wal"
    live = tmp_path / f".zhenru.db.{os.getpid()}.tmp"
    other = tmp_path / ".other.db.999999999.tmp"
    for p in (dead, dead_wal, live, other):
        p.write_bytes(b"x" * 1024)
    SQLiteStore(target).close()  # opening a store cleans up beside it
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert left == [".other.db.999999999.tmp", live.name]
    assert clean_orphans(target) == []


def test_store_is_in_write_ahead_log_mode(store):
    con = sqlite3.connect(store.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_a_backup_holds_what_is_still_in_the_write_ahead_log(store, tmp_path):
    iid, _ = store.add_inspection(_inspection("S000001"), user="李检查")
    copy = store.backup(tmp_path / "copy.db")
    with SQLiteStore(copy) as again:
        assert iid in set(again.inspections()["inspection_id"])
        assert len(again.audit_log()) == len(store.audit_log())
    with pytest.raises(FileExistsError, match="不会覆盖"):
        store.backup(copy)
