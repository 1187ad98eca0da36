"""The store's 年度目标 tables: created on an old store, writes audited with the user and written
once per request, bad input refused in Chinese with nothing written, evidence cleaned, the
registry's rebuild keeping the year's events, the sample deterministic and without names."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3

import pandas as pd
import pytest
from PIL import Image

from registry.attachments import AttachmentError
from registry.store import SQLiteStore
from registry.targets import TARGET_EVENT_COLUMNS, default_targets, evidence_path
from registry.validate import RegistryValidationError
from synthdata.targets import sample_targets

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "t.db")
    s.add_sites(pd.DataFrame({
        "name": ["真如某仓库", "某厂"], "lon": [121.3965, 121.39], "lat": [31.2519, 31.255],
        "category": ["厂房仓库", "园区企业"],
    }))  # fmt: skip
    s.add_targets(default_targets(2026).to_dict("records"), user="张三")
    yield s
    s.close()


def kind_id(store: SQLiteStore, kind: str) -> str:
    t = store.targets(2026)
    return str(t.loc[t["kind"] == kind, "target_id"].iloc[0])


def test_an_old_store_gets_the_new_tables_on_open_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    with SQLiteStore(path) as s:
        s.add_sites(pd.DataFrame({"name": ["甲"], "lon": [121.39], "lat": [31.255],
                                  "category": ["群租"]}))  # fmt: skip
    con = sqlite3.connect(path)
    con.execute("DROP TABLE target_events")
    con.execute("DROP TABLE targets")
    con.commit()
    con.close()
    with SQLiteStore(path) as s:
        assert s.targets().empty and s.target_events().empty
        assert list(s.sites()["name"]) == ["甲"]
        s.add_targets(default_targets(2026).head(1).to_dict("records"), user="张三")
        assert len(s.targets()) == 1
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert {"targets", "target_events"} <= tables


def test_an_event_is_audited_with_its_user_and_written_once_per_request(store):
    row = {"target_id": kind_id(store, "承诺书"), "date": "2026-03-02", "quantity": 1,
           "site_id": "S000001", "committee": "星光"}  # fmt: skip
    first = store.add_target_event(row, user="李四", request_id="req-1", today=TODAY)
    again = store.add_target_event(row, user="李四", request_id="req-1", today=TODAY)
    assert first == again == "E000001"
    events = store.target_events()
    assert len(events) == 1
    e = events.iloc[0]
    # a unit's event takes the unit's 居委 and department, whatever was typed
    assert e["committee"] == "南大街" and e["department"] == "社区平安办"
    assert e["recorded_by"] == "李四"
    log = store.audit_log("E000001")
    assert list(log["action"]) == ["add_target_event"] and list(log["user"]) == ["李四"]
    assert list(log["request_id"]) == ["req-1"]


def test_targets_added_get_ids_and_an_audit_record_each(store):
    new = store.add_target(
        {"year": 2026, "kind": "应急演练", "title": "加演", "unit": "次", "amount": 2,
         "start_date": "2026-07-01", "deadline": "2026-12-31", "department": "城运中心"},
        user="王五",
    )  # fmt: skip
    assert new == "T2026-23"
    log = store.audit_log(new)
    assert list(log["action"]) == ["add_target"] and list(log["user"]) == ["王五"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2026-12-20"}, "晚于今天"),
        ({"date": "2025-05-01"}, "不在目标年度 2026 年内"),
        ({"quantity": 0}, "数量（quantity）须大于 0"),
        ({"quantity": "很多"}, "数量（quantity） 不是数字"),
        ({"target_id": "T1999-01"}, "目标 T1999-01 不存在"),
        ({"site_id": "S999999"}, "单位 S999999 不存在"),
        ({"committee": "不存在居委"}, "不是真如的居委"),
        ({"department": "财务科"}, "不是街道的部门"),
        ({"note": "签订\x07"}, "控制字符"),
    ],
)
def test_bad_events_are_refused_in_chinese_and_nothing_is_written(store, change, message):
    row = {"target_id": kind_id(store, "应急演练"), "date": "2026-05-01", "quantity": 1, **change}
    before = len(store.audit_log())
    with pytest.raises(RegistryValidationError, match=message):
        store.add_target_event(row, user="李四", today=TODAY)
    assert store.target_events().empty
    assert len(store.audit_log()) == before


def test_scopes_and_the_operator_are_required(store):
    with pytest.raises(RegistryValidationError, match="请选择单位"):
        store.add_target_event({"target_id": kind_id(store, "全员培训"), "date": "2026-05-01",
                                "quantity": 1}, user="李四", today=TODAY)  # fmt: skip
    with pytest.raises(RegistryValidationError, match="请选择居委"):
        store.add_target_event({"target_id": kind_id(store, "独居老人安全检查"),
                                "date": "2026-05-01", "quantity": 12}, user="李四", today=TODAY)
    with pytest.raises(RegistryValidationError, match="请填写操作人"):
        store.add_target_event({"target_id": kind_id(store, "应急演练"), "date": "2026-05-01",
                                "quantity": 1}, user="  ", today=TODAY)  # fmt: skip
    assert store.target_events().empty


def test_bad_targets_are_refused_and_nothing_is_written(store):
    before = store.targets()
    bad = default_targets(2026).head(2).drop(columns=["target_id"]).to_dict("records")
    bad[1] = {**bad[1], "department": "财务科", "deadline": "2027-01-05"}
    with pytest.raises(RegistryValidationError) as err:
        store.add_targets(bad, user="张三")
    assert any("第2行" in m and "财务科" in m for m in err.value.errors)
    assert any("起止日期须在 2026 年内" in m for m in err.value.errors)
    with pytest.raises(RegistryValidationError, match="已存在"):
        store.add_targets(default_targets(2026).head(1).to_dict("records"), user="张三")
    pd.testing.assert_frame_equal(store.targets(), before)


def test_evidence_photo_is_cleaned_a_pdf_kept_and_other_files_refused(store):
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (8, 6), "blue").save(buf, "JPEG", exif=exif.tobytes())
    row = {"target_id": kind_id(store, "微型消防站"), "date": "2026-06-01", "quantity": 1,
           "committee": "南大街"}  # fmt: skip
    eid = store.add_target_event(row, user="李四", evidence=buf.getvalue(),
                                 evidence_name="站.jpg", today=TODAY)  # fmt: skip
    e = store.target_events().set_index("event_id").loc[eid]
    saved = evidence_path(store.path, e["evidence_sha256"])
    assert e["evidence_name"] == "站.jpg" and saved.suffix == ".jpg"
    assert not Image.open(saved).getexif()  # no EXIF left
    pdf = store.add_target_event({**row, "date": "2026-06-02"}, user="李四",
                                 evidence=b"%PDF-1.4 letter", today=TODAY)  # fmt: skip
    name = store.target_events().set_index("event_id").loc[pdf, "evidence_sha256"]
    assert evidence_path(store.path, name).read_bytes() == b"%PDF-1.4 letter"
    with pytest.raises(AttachmentError, match="照片或 PDF"):
        store.add_target_event({**row, "date": "2026-06-03"}, user="李四",
                               evidence=b"MZ not a photo", today=TODAY)  # fmt: skip
    assert len(store.target_events()) == 2


def test_replacing_the_registry_keeps_the_years_targets_and_events(store):
    store.add_target_event({"target_id": kind_id(store, "承诺书"), "date": "2026-03-02",
                            "quantity": 1, "site_id": "S000002"}, user="李四", today=TODAY)
    store.replace_all({"sites": store.sites().drop(columns="geometry")})
    assert len(store.targets()) == 22 and len(store.target_events()) == 1


def test_the_sample_is_deterministic_and_counts_residents_without_names(store):
    sites = store.sites()
    end = dt.date(2026, 11, 28)
    t1, e1 = sample_targets(sites, seed=5, end=end)
    _, e2 = sample_targets(sites, seed=5, end=end)
    pd.testing.assert_frame_equal(e1, e2)
    assert not sample_targets(sites, seed=6, end=end)[1].equals(e1)
    kinds = e1["target_id"].map(t1.set_index("target_id")["kind"])
    residents = e1[kinds.isin(["独居老人安全检查", "外来租户安全检查", "安全告知"])]
    assert len(residents) > 0 and residents["site_id"].isna().all()
    assert residents["committee"].notna().all()
    assert list(e1.columns) == [c.name for c in TARGET_EVENT_COLUMNS]  # no field for a name
    store.replace_targets(t1, e1)
    assert len(store.target_events()) == len(e1)
    assert store.audit_log()["action"].iloc[-1] == "replace_targets"


def test_with_accounts_only_roles_that_record_targets_may_write(store):
    from registry.accounts import AccessDenied, add_demo_accounts

    add_demo_accounts(store)
    row = {"target_id": kind_id(store, "应急演练"), "date": "2026-05-01", "quantity": 1}
    for user in ("fenxi", "jiancha", "不存在的人"):
        with pytest.raises(AccessDenied):
            store.add_target_event(row, user=user, today=TODAY)
    with pytest.raises(AccessDenied, match="无权登记年度目标进展"):
        store.add_target_event(row, user="fenxi", today=TODAY)
    assert store.target_events().empty
    assert store.add_target_event(row, user="pingan", today=TODAY) == "E000001"
