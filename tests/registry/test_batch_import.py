"""Append/update imports (registry.batch_import + SQLiteStore.apply_import / undo_import).

Each test builds a small store (tests/registry/_tables.py), previews a file as a user would
upload it, and checks what the user relies on: the preview says what is added, changed (field
by field) and rejected (row, column, reason in Chinese); a write is all or nothing; a batch can
be undone unless its records changed since; a refused write leaves the store byte-for-byte as
it was (hash of the SQL dump).
"""

from __future__ import annotations

import io
import json
import sqlite3

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from layers.safe_text import html_text
from registry import batch_import as bi
from registry.__main__ import main
from registry.importer import ImportErrorZh
from registry.store import SQLiteStore
from registry.validate import RegistryValidationError
from tests.registry.hostile_cases import store_hash

USER = "导入员甲"
#: 真如某仓库 of the test tables (S000001) has this 统一社会信用代码.
WAREHOUSE_USCC = "91350100M000100Y43"


def sites_file(**columns) -> pd.DataFrame:
    return pd.DataFrame({k: [str(v) if v is not None else "" for v in vs] for k, vs in columns.items()})


def preview(store: SQLiteStore, raw: pd.DataFrame, kind: str = "sites", name: str = "名册.csv"):
    return bi.preview(raw.astype(object).where(raw.ne(""), None), kind, store.tables(),
                      source_name=name)  # fmt: skip


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    return df.to_csv(index=False).encode(encoding)


def rejected(p) -> list[tuple[int, str, str]]:
    return [tuple(r) for r in p.rejected.itertuples(index=False)]


# -- preview and matching ----------------------------------------------------------------------
def test_preview_matches_by_uscc_first_and_lists_added_changed_unchanged(store):
    raw = sites_file(
        单位名称=["真如某仓库（新名）", "兰溪路群租房", "真如新开超市"],
        统一社会信用代码=[WAREHOUSE_USCC.lower(), "", ""],
        地址=["别的地址1号", "兰溪路2号", "真如路88号"],
        经度=["", "", "121.3910"], 纬度=["", "", "31.2560"], 类别=["", "", "商贸市场"],
        人员数=["25", "14", "8"],
    )  # fmt: skip
    p = preview(store, raw)
    assert p.rejected.empty, rejected(p)
    assert p.counts() == {"新增": 1, "更新": 1, "不变": 1, "拒绝": 0}
    # matched by the code although name and address differ; every changed field listed
    changes = {r.字段: (r.原值, r.新值) for r in p.changed.itertuples() if r.编号 == "S000001"}
    assert changes["单位名称"] == ("真如某仓库", "真如某仓库（新名）")
    assert changes["地址"] == ("真如路1号", "别的地址1号")
    assert changes["人员数"] == ("20", "25")
    assert p.changed["行号"].unique().tolist() == [2]
    assert p.unchanged.values.tolist() == [[3, "单位", "S000002", "兰溪路群租房"]]
    assert p.added.loc[0, ["行号", "单位名称"]].tolist() == [4, "真如新开超市"]
    # blank cells never clear a stored value
    assert "15年以上电梯数" not in changes and "建筑面积" not in changes


def test_name_and_address_match_ignores_spaces_and_full_width(store):
    raw = sites_file(单位名称=["兰溪路 群租房"], 地址=["兰溪路２号"], 人员数=["16"])
    p = preview(store, raw)
    assert p.changed[["编号", "字段", "原值", "新值"]].values.tolist() == [
        ["S000002", "人员数", "14", "16"]
    ]


def test_duplicate_keys_in_the_file_are_rejected_with_the_first_row(store):
    raw = sites_file(
        单位名称=["甲厂", "乙厂", "丙厂", "丙厂"],
        统一社会信用代码=[WAREHOUSE_USCC, WAREHOUSE_USCC, "", ""],
        地址=["a", "b", "真如路5号", "真如路 5号"],
        经度=["121.39"] * 4, 纬度=["31.25"] * 4, 类别=["群租"] * 4,
    )  # fmt: skip
    p = preview(store, raw)
    assert (3, "统一社会信用代码", "与第2行重复（统一社会信用代码相同）") in rejected(p)
    assert (5, "单位名称", "与第4行重复（单位名称和地址相同）") in rejected(p)


def test_a_code_of_another_unit_under_a_known_name_is_rejected(store):
    from registry import uscc

    other = uscc.make("91310107MA1G5B8K1")
    raw = sites_file(单位名称=["兰溪路群租房"], 地址=["兰溪路2号"], 统一社会信用代码=[other])
    p = preview(store, raw)
    assert p.ok  # S000002 has no code yet: matched by name+address, the code is filled in
    assert p.changed[["字段", "新值"]].values.tolist() == [["统一社会信用代码", other]]
    with_code = sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 统一社会信用代码=[other])
    row, column, reason = rejected(preview(store, with_code))[0]
    assert (row, column) == (2, "统一社会信用代码")
    assert "统一社会信用代码不同" in reason


# -- apply, all or nothing, idempotent -----------------------------------------------------------
def test_apply_writes_one_batch_with_audit_and_a_repeated_request_writes_once(store):
    raw = sites_file(单位名称=["真如某仓库", "新单位丙"], 地址=["真如路1号", "真如路9号"],
                     经度=["", "121.3905"], 纬度=["", "31.2572"], 类别=["", "厂房仓库"],
                     建筑面积=["3000", ""])  # fmt: skip
    p = preview(store, raw)
    batch = store.apply_import(p, user=USER, request_id="tap-1")
    assert store.apply_import(p, user=USER, request_id="tap-1") == batch  # double tap
    assert len(store.import_batches()) == 1
    sites = store.sites().set_index("site_id")
    assert sites.loc["S000001", "floor_area_m2"] == 3000
    new = sites.loc[sites["name"].eq("新单位丙")]
    assert new.index.tolist() == ["S000005"]
    assert new["department"].tolist() == ["社区平安办"]  # derived like any new unit
    log = store.audit_log()
    assert set(log.loc[log["action"].str.startswith("import_"), "entity_id"]) == {"S000001", "S000005"}
    assert set(log.loc[log["action"].str.startswith("import_"), "user"]) == {USER}
    b = store.import_batches().iloc[0]
    assert (b["user"], b["kind"], b["n_added"], b["n_changed"]) == (USER, "sites", 1, 1)


def test_one_bad_row_rejects_the_whole_file_and_nothing_is_written(store):
    raw = sites_file(单位名称=["新单位丁", "新单位戊"], 地址=["真如路3号", "真如路4号"],
                     经度=["121.3905", "200"], 纬度=["31.2572", "31.2572"],
                     类别=["群租", "群租"])  # fmt: skip
    p = preview(store, raw)
    assert len(p.added) == 1
    ((row, column, reason),) = rejected(p)
    assert (row, column) == (3, "经度")
    assert "超出范围" in reason
    before = store_hash(store.path)
    with pytest.raises(RegistryValidationError, match="没有导入任何内容"):
        store.apply_import(p, user=USER)
    assert store_hash(store.path) == before


def test_apply_requires_an_operator(store):
    p = preview(store, sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["21"]))
    before = store_hash(store.path)
    with pytest.raises(RegistryValidationError, match="操作人"):
        store.apply_import(p, user="  ")
    assert store_hash(store.path) == before


def test_a_unit_changed_after_the_preview_refuses_the_batch(store):
    p = preview(store, sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["21"]))
    store.update_site("S000001", user="另一人", occupants=99)
    before = store_hash(store.path)
    with pytest.raises(RegistryValidationError, match="S000001 在预览后已被他人修改（人员数）"):
        store.apply_import(p, user=USER)
    assert store_hash(store.path) == before


# -- undo ---------------------------------------------------------------------------------------
def test_undo_removes_added_rows_and_restores_changed_values(store):
    before = store.tables()
    raw = sites_file(单位名称=["真如某仓库", "新单位己"], 地址=["真如路1号", "真如路6号"],
                     经度=["121.3950", "121.3905"], 纬度=["", "31.2572"],
                     类别=["群租", "厂房仓库"])  # fmt: skip
    batch = store.apply_import(preview(store, raw), user=USER)
    moved = store.sites().set_index("site_id").loc["S000001"]
    assert (moved["category"], moved["department"]) == ("群租", "居委会")  # derived
    assert store.undo_import(batch, user="撤销人") == {"removed": 1, "restored": 1}
    after = store.tables()
    for name in ("sites", "inspections", "hazards"):
        pd.testing.assert_frame_equal(
            pd.DataFrame(after[name]).drop(columns="geometry", errors="ignore"),
            pd.DataFrame(before[name]).drop(columns="geometry", errors="ignore"),
        )
    b = store.import_batches().iloc[0]
    assert b["undone_by"] == "撤销人"
    with pytest.raises(RegistryValidationError, match=r"已于 .* 由 撤销人 撤销"):
        store.undo_import(batch, user="撤销人")


def test_undo_is_refused_after_a_later_edit_and_changes_nothing(store):
    raw = sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["21"])
    batch = store.apply_import(preview(store, raw), user=USER)
    store.update_site("S000001", user="王五", address="真如路1号甲")
    before = store_hash(store.path)
    with pytest.raises(RegistryValidationError) as err:
        store.undo_import(batch, user=USER)
    text = "\n".join(err.value.errors)
    assert "单位 S000001 在本批导入后已被 王五 修改" in text and "没有撤销任何内容" in text
    assert store_hash(store.path) == before


def test_undo_is_refused_when_an_added_unit_has_a_new_inspection(store):
    raw = sites_file(单位名称=["新单位庚"], 地址=["真如路7号"], 经度=["121.3905"],
                     纬度=["31.2572"], 类别=["群租"])  # fmt: skip
    batch = store.apply_import(preview(store, raw), user=USER)
    sid = store.sites()["site_id"].iloc[-1]
    store.add_inspection({"site_id": sid, "date": "2024-06-03", "type": "日常"}, user="检查员")
    before = store_hash(store.path)
    with pytest.raises(RegistryValidationError, match=f"单位 {sid} 在导入后已登记检查"):
        store.undo_import(batch, user=USER)
    assert store_hash(store.path) == before


# -- inspections, hazards, third-party report ---------------------------------------------------
def third_party_file() -> pd.DataFrame:
    return sites_file(
        单位名称=["真如某仓库", "真如某仓库", "兰溪路群租房"],
        地址=["真如路1号", "真如路1号", "兰溪路2号"],
        统一社会信用代码=[WAREHOUSE_USCC, WAREHOUSE_USCC, ""],
        检查日期=["2024-06-03", "2024-06-03", "2024/6/4"],
        隐患部位=["疏散通道", "配电箱", ""],
        隐患描述=["堆放杂物", "<script>alert(1)</script>", ""],
        隐患等级=["一般", "重大隐患", ""],
        整改措施=["清理杂物", "更换", ""],
        整改期限=["3天", "", ""],
        检查机构=["某安全咨询公司"] * 3,
    )


def test_third_party_report_becomes_inspections_of_type_third_party_with_hazards(store):
    p = preview(store, third_party_file(), kind="third-party", name="第三方.xlsx")
    assert p.rejected.empty, rejected(p)
    n_insp, n_haz = len(store.inspections()), len(store.hazards())
    batch = store.apply_import(p, user=USER)
    insp = store.inspections().iloc[n_insp:]
    assert insp[["site_id", "type", "team", "n_hazards", "major_found"]].values.tolist() == [
        ["S000001", "第三方", "某安全咨询公司", 2, 1],
        ["S000002", "第三方", "某安全咨询公司", 0, 0],  # a unit with no hazard found
    ]
    haz = store.hazards().iloc[n_haz:].set_index("part")
    assert haz.loc["疏散通道", "deadline"] == pd.Timestamp("2024-06-06")  # 3天
    assert haz.loc["配电箱", "deadline"] == pd.Timestamp("2024-07-03")  # 重大: +30 days
    assert haz.loc["配电箱", "level"] == "重大"
    assert haz.loc["配电箱", "description"] == "<script>alert(1)</script>"  # stored as text
    assert haz.loc["疏散通道", "responsible_unit"] == "真如某仓库"
    # the same report again: nothing new
    again = preview(store, third_party_file(), kind="third-party")
    assert again.counts()["新增"] == 0 and not again.ok
    store.undo_import(batch, user=USER)
    assert (len(store.inspections()), len(store.hazards())) == (n_insp, n_haz)


def test_third_party_rows_of_an_unknown_unit_or_a_bad_date_are_rejected(store):
    raw = third_party_file()
    raw.loc[0, "检查日期"] = "2024-02-30"
    raw.loc[2, "单位名称"] = "不存在的单位"
    p = preview(store, raw, kind="third-party")
    found = {(r, c): reason for r, c, reason in rejected(p)}
    assert "不是有效日期" in found[(2, "检查日期")]
    assert "台账中找不到该单位" in found[(4, "单位名称")]


def test_hazards_file_updates_an_existing_hazard_through_its_lifecycle(store):
    h = store.hazards().set_index("status", drop=False).loc["待整改"]  # YH-2024-05-0001
    site = store.sites().set_index("site_id").loc[h["site_id"]]
    row = {"单位名称": site["name"], "地址": site["address"], "隐患编号": h["hazard_id"],
           "检查日期": f"{h['found_date']:%Y-%m-%d}", "隐患描述": h["description"],
           "隐患等级": h["level"], "整改期限": f"{h['deadline']:%Y-%m-%d}"}  # fmt: skip
    bad = preview(store, sites_file(**{k: [v] for k, v in {**row, "状态": "已销号"}.items()}),
                  kind="hazards")  # fmt: skip
    ((r, _, reason),) = rejected(bad)
    assert r == 2 and "状态不能从“待整改”直接变为“已销号”" in reason
    ok = preview(store, sites_file(**{k: [v] for k, v in {**row, "整改措施": "立即清理"}.items()}),
                 kind="hazards")  # fmt: skip
    assert ok.changed[["编号", "字段", "新值"]].values.tolist() == [
        [h["hazard_id"], "整改措施", "立即清理"]
    ]


def test_inspections_file_adds_new_and_reports_repeated_rows(store):
    raw = sites_file(单位名称=["真如某仓库", "真如某仓库", "真如某仓库"],
                     地址=["真如路1号"] * 3, 检查日期=["2024-03-01", "2024-08-01", "2024-08-01"],
                     检查类型=["日常", "专项", "专项"], 检查组=["平安办二组", "平安办一组", ""])  # fmt: skip
    p = preview(store, raw, kind="inspections")
    assert p.changed[["编号", "字段", "原值", "新值"]].values.tolist() == [
        ["I0000001", "检查组", "平安办一组", "平安办二组"]
    ]
    assert len(p.added) == 1
    assert rejected(p) == [(4, "检查日期", "与第3行重复（同一单位、检查日期和检查类型）")]


# -- files as users send them ---------------------------------------------------------------------
def test_empty_and_header_only_files_are_refused_and_never_empty_the_store(store):
    before = store_hash(store.path)
    for data in (b"", "单位名称,地址\n".encode()):
        with pytest.raises(ImportErrorZh, match=r"没有|空") as err:
            bi.read_upload(data, "名册.csv")
        assert "名册.csv" in str(err.value) and "/tmp" not in str(err.value)
    with pytest.raises(ImportErrorZh, match="没有数据行"):
        bi.preview(pd.DataFrame(columns=["单位名称"]), "sites", store.tables())
    assert store_hash(store.path) == before


def test_gbk_file_imports_and_undecodable_bytes_are_a_chinese_error(store):
    raw = sites_file(单位名称=["兰溪路群租房"], 地址=["兰溪路2号"], 人员数=["15"])
    p = bi.preview(bi.read_upload(csv_bytes(raw, "gbk"), "名册.csv"), "sites", store.tables())
    assert p.changed["新值"].tolist() == ["15"]
    with pytest.raises(ImportErrorZh, match="无法识别文件编码"):
        bi.read_upload(csv_bytes(raw) + "某单位".encode("gbk"), "名册.csv")


def test_formula_and_script_text_is_stored_as_text_and_guarded_on_export(store):
    formula, script = "=cmd|' /C calc'!A0", "<script>alert(1)</script>"
    raw = sites_file(单位名称=[formula, script], 地址=["真如路11号", "真如路12号"],
                     经度=["121.3905"] * 2, 纬度=["31.2572"] * 2, 类别=["群租"] * 2)  # fmt: skip
    p = preview(store, raw)
    store.apply_import(p, user=USER)
    names = store.sites()["name"].tolist()
    assert formula in names and script in names
    sheet = load_workbook(io.BytesIO(bi.preview_workbook(p)))["新增"]
    cells = [c.value for c in sheet["D"]]
    assert "'" + formula in cells and script in cells
    assert "<script>" not in html_text(script)


def test_a_formula_cell_in_an_xlsx_is_never_run_or_stored_as_a_formula(store, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "地址", "人员数"])
    ws.append(["兰溪路群租房", "兰溪路2号", "=1+1"])
    path = tmp_path / "公式.xlsx"
    wb.save(path)
    p = bi.preview_file(path, "sites", store.tables())
    # no cached value: the cell reads as empty, so the stored 人员数 stays; never "=1+1"
    assert p.changed.empty or "=1+1" not in p.changed["新值"].tolist()
    assert not any("=1+1" in str(v) for v in p.added.values.ravel())


def test_a_new_table_is_added_to_an_existing_store(tmp_path, tables):
    path = tmp_path / "old.db"
    with SQLiteStore(path) as s:
        s.replace_all(tables)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE import_batch_rows")
    con.execute("DROP TABLE import_batches")
    con.commit()
    con.close()
    with SQLiteStore(path) as s:
        assert s.import_batches().empty
        assert len(s.sites()) == len(tables["sites"])
        batch = s.apply_import(
            preview(s, sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["21"])),
            user=USER,
        )
        assert batch == 1


def test_templates_have_chinese_headers_the_reader_understands(tmp_path):
    for kind in bi.KINDS:
        wb = load_workbook(io.BytesIO(bi.template_workbook(kind)))
        headers = [c.value for c in wb.active[1]]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers)
        renamed = bi.rename_for(kind, pd.DataFrame(columns=headers))
        assert not set(renamed.columns) & set(headers), (kind, renamed.columns.tolist())
        assert wb["填写说明"]["A2"].value == headers[0]
    tp = [h for h, _, _ in bi.template_columns("third-party")]
    assert {"单位名称", "地址", "统一社会信用代码", "检查日期", "隐患部位", "隐患描述", "隐患等级",
            "整改措施", "整改期限", "检查机构"} <= set(tp)  # fmt: skip


# -- command line -----------------------------------------------------------------------------------
def test_cli_previews_applies_lists_and_undoes(store, tmp_path, capsys):
    f = tmp_path / "名册.csv"
    f.write_bytes(csv_bytes(sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["22"]), "gbk"))
    args = ["import-batch", "--store", str(store.path), "--kind", "sites", str(f)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "更新 1 行" in out and "人员数: 20 → 22" in out and "未写入" in out
    assert store.sites().set_index("site_id").loc["S000001", "occupants"] == 20
    assert main([*args, "--apply"]) == 2  # no --user
    assert "--user" in capsys.readouterr().err
    assert main([*args, "--apply", "--user", USER]) == 0
    assert "批次编号 1" in capsys.readouterr().out
    assert main(["import-batches", "--store", str(store.path)]) == 0
    assert "批次 1" in capsys.readouterr().out
    assert main(["undo-import", "1", "--store", str(store.path), "--user", USER]) == 0
    assert store.sites().set_index("site_id").loc["S000001", "occupants"] == 20
    bad = tmp_path / "坏.csv"
    bad.write_bytes(csv_bytes(sites_file(单位名称=["新单位"], 经度=["1"], 纬度=["31.25"], 类别=["群租"])))
    before = store_hash(store.path)
    assert main(["import-batch", "--store", str(store.path), "--kind", "sites", str(bad),
                 "--apply", "--user", USER]) == 2  # fmt: skip
    out = capsys.readouterr()
    assert "第2行  经度" in out.out and "没有导入任何内容" in out.err
    assert store_hash(store.path) == before
    t = tmp_path / "第三方.xlsx"
    assert main(["template", "third-party", "--out", str(t)]) == 0
    assert load_workbook(t).active["E1"].value == "隐患部位"


def test_batch_rows_record_before_and_after_of_changed_fields(store):
    p = preview(store, sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["23"]))
    batch = store.apply_import(p, user=USER)
    rows = store.import_batch_rows(batch)
    assert rows[["entity", "entity_id", "action"]].values.tolist() == [["sites", "S000001", "update"]]
    assert json.loads(rows.loc[0, "before"]) == {"occupants": 20.0}
    assert json.loads(rows.loc[0, "after"]) == {"occupants": 23.0}


def test_batches_are_undone_newest_first(store):
    def occupants() -> float:
        return store.sites().set_index("site_id").loc["S000001", "occupants"]

    first = store.apply_import(
        preview(store, sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["30"])), user=USER
    )
    second = store.apply_import(
        preview(store, sites_file(单位名称=["真如某仓库"], 地址=["真如路1号"], 人员数=["40"])), user=USER
    )
    with pytest.raises(RegistryValidationError, match="S000001 在本批导入后已被"):
        store.undo_import(first, user=USER)  # the newer batch changed the unit again
    assert occupants() == 40
    store.undo_import(second, user=USER)
    assert occupants() == 30
    store.undo_import(first, user=USER)  # the newer batch is undone: no longer a change
    assert occupants() == 20
