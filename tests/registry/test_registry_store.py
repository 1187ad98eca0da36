"""SQLiteStore: round trips, dtypes, atomic writes, hazard lifecycle."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pandas as pd
import pytest

from registry.schema import TABLES, coerce
from registry.store import SQLiteStore, Store, StoreSchemaError, build_store, truth_path
from registry.validate import RegistryValidationError
from tests.registry._tables import make_tables


def _expected(name: str, df: pd.DataFrame) -> pd.DataFrame:
    frame, errors = coerce(name, df)
    assert errors == []
    return frame


def _snapshot(store: SQLiteStore) -> dict[str, pd.DataFrame]:
    return {
        name: pd.DataFrame(getattr(store, name)()).drop(columns="geometry", errors="ignore")
        for name in TABLES
    }


def _assert_unchanged(store: SQLiteStore, before: dict[str, pd.DataFrame]) -> None:
    after = _snapshot(store)
    for name in TABLES:
        pd.testing.assert_frame_equal(after[name], before[name])


@pytest.mark.parametrize("name", ["sites", "inspections", "hazards", "assets"])
def test_round_trip_every_table(store, tables, name):
    got = getattr(store, name)()
    expected = _expected(name, tables[name])
    pd.testing.assert_frame_equal(
        pd.DataFrame(got).drop(columns="geometry", errors="ignore"), expected
    )


def test_read_dtypes(store):
    sites = store.sites()
    assert isinstance(sites, gpd.GeoDataFrame)
    assert sites.crs.to_epsg() == 4326
    assert sites.geometry.x.tolist() == sites["lon"].tolist()
    assert sites["key_list"].dtype == bool and sites["outside_boundary"].dtype == bool
    assert sites["required_per_year"].dtype == "int64"
    assert sites["floor_area_m2"].dtype == "float64"
    assert pd.isna(sites.loc[1, "uscc"])
    insp = store.inspections()
    assert insp["date"].dtype == "datetime64[ns]"
    assert insp["n_hazards"].dtype == "int64"
    haz = store.hazards()
    for col in ("found_date", "deadline", "rectified_date", "reinspection_date", "closed_date"):
        assert haz[col].dtype == "datetime64[ns]", col
    assert haz["supervised"].dtype == bool
    assert haz["closed_date"].isna().sum() == 3
    assets = store.assets()
    assert isinstance(assets, gpd.GeoDataFrame) and assets["approximate"].dtype == bool
    assert isinstance(store, Store)


def test_meta_and_counts(store):
    meta = store.meta()
    assert meta["schema_version"] == "1"
    assert meta["seed"] == "1"
    assert meta["n_sites"] == "4"
    assert "generated_at" in meta
    assert store.counts() == {"sites": 4, "inspections": 5, "hazards": 4, "assets": 2}


def test_foreign_keys_and_indexes_exist(store):
    con = sqlite3.connect(store.path)
    fks = con.execute("PRAGMA foreign_key_list(hazards)").fetchall()
    assert {r[2] for r in fks} == {"inspections", "sites"}
    idx = {r[1] for r in con.execute("PRAGMA index_list(inspections)")}
    assert "ix_insp_site_date" in idx
    con.close()


def test_outside_boundary_is_flagged_not_rejected(tmp_path, tables):
    tables["sites"].loc[2, "outside_boundary"] = False  # 天地软件园 is outside 真如
    s = SQLiteStore(tmp_path / "b.db")
    s.replace_all(tables)
    assert s.sites().set_index("site_id").loc["S000003", "outside_boundary"]
    assert not s.sites().set_index("site_id").loc["S000001", "outside_boundary"]


@pytest.mark.parametrize(
    ("table", "column", "row", "value", "message"),
    [
        ("hazards", "level", 0, "特大", "隐患等级"),
        ("inspections", "site_id", 1, "S999999", "不存在的单位"),
        ("sites", "site_id", 1, "S000001", "重复"),
        ("hazards", "inspection_id", 3, "I0000009", "不存在的检查记录"),
        ("sites", "lat", 0, 39.9, "纬度"),
    ],
)
def test_failing_replace_all_leaves_db_unchanged(store, table, column, row, value, message):
    before = _snapshot(store)
    meta_before = store.meta()
    bad = make_tables()
    bad["sites"] = pd.concat([bad["sites"], bad["sites"].iloc[[0]].assign(site_id="S000009")])
    bad[table] = bad[table].copy()
    bad[table].loc[row, column] = value
    with pytest.raises(RegistryValidationError, match=message):
        store.replace_all(bad)
    _assert_unchanged(store, before)
    assert store.meta() == meta_before


def test_database_constraint_failure_rolls_back(store, monkeypatch):
    """Even when validation is bypassed, the transaction (FK ON) keeps the db unchanged."""
    import registry.store as store_mod

    before = _snapshot(store)
    bad = make_tables()
    bad["hazards"].loc[0, "site_id"] = "S000004"  # not the site of its inspection
    monkeypatch.setattr(store_mod, "validate_tables", lambda tables: None)
    with pytest.raises(RegistryValidationError, match="数据库约束"):
        store.replace_all(bad)
    _assert_unchanged(store, before)


def test_truth_is_refused(store, tables):
    tables["truth"] = pd.DataFrame({"site_id": ["S000001"], "propensity": [0.3]})
    with pytest.raises(RegistryValidationError, match="truth"):
        store.replace_all(tables)


def test_add_sites_fills_defaults_and_ids(store):
    ids = store.add_sites(
        pd.DataFrame(
            {
                "name": ["新开电动车行", "某加油站"],
                "lon": [121.3880, 121.3812],
                "lat": [31.2560, 31.2562],
                "category": ["电动自行车", "加油站"],
                "subcategory": ["销售维修", ""],
                "key_list": [False, True],
            }
        )
    )
    assert ids == ["S000005", "S000006"]
    sites = store.sites().set_index("site_id")
    assert sites.loc["S000005", "department"] == "社区平安办"
    assert sites.loc["S000006", "required_per_year"] == 4
    assert sites.loc["S000005", "required_per_year"] == 2
    assert sites.loc["S000005", "source"] == "import"
    assert isinstance(sites.loc["S000005", "committee"], str)
    assert store.meta().get("modified_at")


def test_add_sites_duplicate_or_invalid_leaves_nothing(store):
    before = _snapshot(store)
    new = pd.DataFrame(
        {
            "site_id": ["S000010", "S000001"],
            "name": ["甲", "乙"],
            "lon": [121.39, 121.39],
            "lat": [31.25, 31.25],
            "category": ["群租", "群租"],
        }
    )
    with pytest.raises(RegistryValidationError, match="已存在"):
        store.add_sites(new)
    new.loc[1, "site_id"] = "S000011"
    new.loc[1, "uscc"] = "91350100M000100Y44"
    with pytest.raises(RegistryValidationError, match="统一社会信用代码校验失败"):
        store.add_sites(new)
    _assert_unchanged(store, before)


def _hazard(**kw):
    base = {
        "level": "一般",
        "hazard_type": "消防",
        "part": "楼道",
        "description": "楼道堆物",
        "responsible_unit": "物业",
        "measures": "清理",
        "deadline": "2024-08-10",
    }
    return {**base, **kw}


def test_add_inspection_with_hazards(store):
    iid, hids = store.add_inspection(
        {"site_id": "S000002", "date": "2024-08-01", "type": "复查", "team": "平安办二组"},
        [_hazard(), _hazard(level="重大", found_date="2024-04-30")],
    )
    assert iid == "I0000006"
    # numbered per month of found_date, after the existing YH-2024-04-0001/0002
    assert hids == ["YH-2024-08-0001", "YH-2024-04-0003"]
    insp = store.inspections().set_index("inspection_id").loc[iid]
    assert (insp["n_hazards"], insp["hazard_found"], insp["major_found"]) == (2, 1, 1)
    haz = store.hazards().set_index("hazard_id")
    assert haz.loc["YH-2024-08-0001", "status"] == "待整改"
    assert haz.loc["YH-2024-08-0001", "site_id"] == "S000002"


def test_add_inspection_without_hazards(store):
    iid, hids = store.add_inspection(
        {"site_id": "S000003", "date": "2024-09-01", "type": "日常", "team": "平安办一组"}
    )
    assert hids == []
    row = store.inspections().set_index("inspection_id").loc[iid]
    assert (row["n_hazards"], row["hazard_found"]) == (0, 0)


@pytest.mark.parametrize(
    ("inspection", "hazards", "message"),
    [
        ({"site_id": "S404", "date": "2024-08-01", "type": "日常"}, [], "不存在的单位"),
        ({"site_id": "S000001", "date": "2024-08-01", "type": "巡游"}, [], "检查类型"),
        ({"site_id": "S000001", "date": "2024-08-01", "type": "日常"}, [_hazard(level="较重")], "隐患等级"),
        (
            {"inspection_id": "I0000001", "site_id": "S000001", "date": "2024-08-01", "type": "日常"},
            [],
            "检查编号已存在",
        ),
        (
            {"site_id": "S000001", "date": "2024-08-01", "type": "日常"},
            [_hazard(hazard_id="YH-2024-03-0001")],
            "隐患编号已存在",
        ),
        ({"site_id": "S000001", "date": "2024-08-01", "type": "日常"}, [_hazard(deadline="2024-07-01")], "整改期限早于发现日期"),
    ],
)
def test_failing_add_inspection_leaves_db_unchanged(store, inspection, hazards, message):
    before = _snapshot(store)
    with pytest.raises(RegistryValidationError, match=message):
        store.add_inspection(inspection, hazards)
    _assert_unchanged(store, before)


def test_status_lifecycle_to_closure(store):
    hid = "YH-2024-05-0001"  # 待整改
    store.update_hazard(hid, status="整改中")
    row = store.update_hazard(hid, status="待复查", rectified_date="2024-05-25")
    assert row["status"] == "待复查"
    with pytest.raises(RegistryValidationError, match="销号须复查合格"):
        store.update_hazard(hid, status="已销号")
    assert store.hazards().set_index("hazard_id").loc[hid, "status"] == "待复查"
    store.update_hazard(
        hid, status="已销号", reinspection_date="2024-05-28", reinspection_result="合格",
        closed_date="2024-05-28",
    )
    h = store.hazards().set_index("hazard_id").loc[hid]
    assert h["status"] == "已销号" and h["closed_date"] == pd.Timestamp("2024-05-28")


def test_reinspection_failed_goes_back(store):
    hid = "YH-2024-04-0002"  # 待复查
    with pytest.raises(RegistryValidationError, match="不合格"):
        store.update_hazard(hid, status="整改中")
    store.update_hazard(
        hid, status="整改中", reinspection_result="不合格", reinspection_date="2024-04-10",
        deadline="2024-04-20",
    )
    assert store.hazards().set_index("hazard_id").loc[hid, "status"] == "整改中"


def test_moving_to_reinspection_defaults_rectified_date(store):
    row = store.update_hazard("YH-2024-05-0001", status="待复查")
    assert row["rectified_date"] is not None


@pytest.mark.parametrize(
    ("hazard_id", "fields", "message"),
    [
        ("YH-2024-05-0001", {"status": "已销号"}, "不能从“待整改”直接变为“已销号”"),
        ("YH-2024-03-0001", {"measures": "改"}, "已销号隐患不能再修改"),
        ("YH-2099-01-0001", {"status": "整改中"}, "隐患编号不存在"),
        ("YH-2024-05-0001", {"site_id": "S000001"}, "不能修改字段"),
        ("YH-2024-05-0001", {"level": "特别重大"}, "隐患等级"),
        ("YH-2024-05-0001", {"deadline": "2024-01-01"}, "整改期限早于发现日期"),
    ],
)
def test_invalid_hazard_updates_change_nothing(store, hazard_id, fields, message):
    before = _snapshot(store)
    with pytest.raises(RegistryValidationError, match=message):
        store.update_hazard(hazard_id, **fields)
    _assert_unchanged(store, before)


def test_schema_version_mismatch(tmp_path):
    path = tmp_path / "old.db"
    SQLiteStore(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreSchemaError, match="结构版本"):
        SQLiteStore(path)


def test_empty_store_reads_empty_typed_frames(tmp_path):
    s = SQLiteStore(tmp_path / "empty.db")
    sites = s.sites()
    assert len(sites) == 0 and sites.crs.to_epsg() == 4326
    assert s.hazards()["deadline"].dtype == "datetime64[ns]"


def test_build_store_atomic_and_truth_separate(tmp_path, tables):
    target = tmp_path / "built.db"
    truth = pd.DataFrame({"site_id": ["S000001"], "propensity": [0.2], "management_quality": [0.5]})
    s = build_store(target, seed=5, n_sites=4, tables={**tables, "truth": truth})
    assert s.counts()["sites"] == 4
    assert pd.read_csv(truth_path(target))["site_id"].tolist() == ["S000001"]
    s.close()  # the write-ahead log of an open store sits beside it until it is closed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["built.db", "built.truth.csv"]
    # a failing rebuild leaves the previous store in place and no temp file behind
    bad = make_tables()
    bad["hazards"].loc[0, "level"] = "x"
    with pytest.raises(RegistryValidationError):
        build_store(target, tables=bad)
    with SQLiteStore(target) as again:
        assert again.counts()["hazards"] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["built.db", "built.truth.csv"]


def test_default_store_builds_once_from_generator(tmp_path, monkeypatch):
    import sys
    import types

    import registry.store as store_mod

    calls = []

    def fake_generate(seed, n_sites):
        calls.append((seed, n_sites))
        return {**make_tables(), "truth": pd.DataFrame({"site_id": ["S000001"], "propensity": [0.1]})}

    monkeypatch.setitem(sys.modules, "synthdata", types.SimpleNamespace(generate=fake_generate))
    target = tmp_path / "gen" / "zhenru.db"
    s = store_mod.default_store(target, seed=11, n_sites=4)
    assert calls == [(11, 4)]
    assert s.meta()["source"] == "synthdata" and s.meta()["seed"] == "11"
    assert "truth" not in s.tables()
    assert (tmp_path / "gen" / "zhenru.truth.csv").exists()
    store_mod.default_store(target)  # exists: opened, not rebuilt
    assert calls == [(11, 4)]


def test_default_store_path_is_in_repo_data_generated():
    from registry.store import default_store_path

    p = default_store_path()
    assert p.parts[-3:] == ("data", "generated", "zhenru.db")
    assert truth_path(p).name == "truth.csv"


def test_odd_paths_and_non_database_files(tmp_path):
    import sqlalchemy as sa

    odd = tmp_path / "我的 台账?#1" / "台账 2024.db"
    s = SQLiteStore(odd)
    assert odd.exists() and s.counts()["sites"] == 0
    junk = tmp_path / "junk.db"
    junk.write_text("not a database " * 200)
    with pytest.raises(sa.exc.DatabaseError):
        SQLiteStore(junk)
