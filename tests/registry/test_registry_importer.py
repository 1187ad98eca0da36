"""Importing a user's own registry: encodings, Chinese headers, validation, atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest

from registry.__main__ import main
from registry.importer import ImportErrorZh, import_registry, load_tables, read_table
from registry.store import SQLiteStore
from registry.validate import RegistryValidationError

SITES_ZH = pd.DataFrame(
    {
        "单位名称": ["真如某仓库", "兰溪路群租房", "某加油站"],
        "统一社会信用代码": ["91350100M000100Y43", "", ""],
        "地址": ["真如路1号", "兰溪路2号", "真北路3号"],
        "经度": ["121.3905", "121.3965", "121.3812"],
        "纬度": ["31.2572", "31.2520", "31.2562"],
        "类别": ["厂房仓库", "群租", "加油站"],
        "子类": ["仓库", "群租房", ""],
        "重点检查名单": ["是", "否", "是"],
    }
)
INSPECTIONS_ZH = pd.DataFrame(
    {
        "检查编号": ["J1", "J2"],
        "单位名称": ["真如某仓库", "兰溪路群租房"],
        "检查日期": ["2024/6/3", "2024年6月5日"],
        "检查类型": ["日常", "专项"],
        "检查组": ["平安办一组", "平安办二组"],
    }
)
HAZARDS_ZH = pd.DataFrame(
    {
        "检查编号": ["J2"],
        "隐患等级": ["重大"],
        "隐患类别": ["其他"],
        "部位": ["隔断间/厨房"],
        "隐患描述": ["违规分隔搭建"],
        "责任单位": ["二房东"],
        "整改措施": ["拆除隔断，恢复原状"],
        "整改期限": ["2024-06-20"],
    }
)


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, df in (("sites", SITES_ZH), ("inspections", INSPECTIONS_ZH), ("hazards", HAZARDS_ZH)):
        p = tmp_path / f"{name}.csv"
        df.to_csv(p, index=False, encoding="gbk")
        paths[name] = p
    return paths


def test_gbk_csv_with_chinese_headers(files, tmp_path):
    store = import_registry(
        files["sites"], files["inspections"], files["hazards"], path=tmp_path / "my.db"
    )
    sites = store.sites().set_index("name")
    assert len(sites) == 3
    assert sites.loc["真如某仓库", "uscc"] == "91350100M000100Y43"
    assert sites.loc["某加油站", "department"] == "社区平安办"
    assert sites.loc["某加油站", "required_per_year"] == 4
    assert sites.loc["兰溪路群租房", "required_per_year"] == 2
    assert sites.loc["兰溪路群租房", "department"] == "居委会"
    assert sites["committee"].notna().all()
    assert (sites["source"] == "import").all()
    insp = store.inspections().set_index("inspection_id")
    assert insp.loc["J2", "date"] == pd.Timestamp("2024-06-05")
    assert insp.loc["J2", "site_id"] == sites.loc["兰溪路群租房", "site_id"]
    assert (insp.loc["J2", "n_hazards"], insp.loc["J2", "major_found"]) == (1, 1)
    assert insp.loc["J1", "n_hazards"] == 0
    haz = store.hazards()
    assert haz.loc[0, "hazard_id"] == "YH-2024-06-0001"
    assert haz.loc[0, "site_id"] == sites.loc["兰溪路群租房", "site_id"]
    assert haz.loc[0, "found_date"] == pd.Timestamp("2024-06-05")
    assert store.meta()["source"] == "import"


def test_utf8_bom_and_xlsx(tmp_path):
    csv = tmp_path / "s.csv"
    SITES_ZH.to_csv(csv, index=False, encoding="utf-8-sig")
    assert read_table(csv).columns[0] == "单位名称"
    xlsx = tmp_path / "s.xlsx"
    SITES_ZH.to_excel(xlsx, index=False)
    tables = load_tables(xlsx, assign_committee=False)
    # codes stay text (no float mangling), flags parsed
    assert tables["sites"]["uscc"].iloc[0] == "91350100M000100Y43"
    assert tables["sites"]["key_list"].tolist()[:2] == ["是", "否"]


def test_errors_name_spreadsheet_row_and_column(tmp_path):
    bad = SITES_ZH.copy()
    bad.loc[1, "经度"] = "221.39"  # spreadsheet row 3 (header is row 1)
    bad.loc[2, "统一社会信用代码"] = "91350100M000100Y44"
    bad.loc[0, "类别"] = "火箭发射场"
    p = tmp_path / "bad.csv"
    bad.to_csv(p, index=False, encoding="gbk")
    with pytest.raises(RegistryValidationError) as info:
        load_tables(p, assign_committee=False)
    errors = info.value.errors
    assert any(e.startswith("单位 第3行: 经度（lon）超出范围") for e in errors), errors
    assert any("第4行" in e and "统一社会信用代码校验失败" in e for e in errors), errors
    assert any("第2行" in e and "未知 '火箭发射场'" in e for e in errors), errors


def test_nothing_written_on_error(files, tmp_path):
    target = tmp_path / "keep.db"
    import_registry(files["sites"], path=target)
    before = SQLiteStore(target).sites()
    bad = INSPECTIONS_ZH.copy()
    bad.loc[1, "单位名称"] = "不存在的单位"
    p = tmp_path / "bad_insp.csv"
    bad.to_csv(p, index=False)
    with pytest.raises(RegistryValidationError, match="找不到单位"):
        import_registry(files["sites"], p, path=target)
    pd.testing.assert_frame_equal(SQLiteStore(target).sites(), before)
    # a failing import to a new path creates no file at all
    with pytest.raises(RegistryValidationError):
        import_registry(files["sites"], p, path=tmp_path / "new.db")
    assert not (tmp_path / "new.db").exists()
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]


def test_gcj02_coordinates_are_converted(tmp_path):
    p = tmp_path / "gcj.csv"
    SITES_ZH.assign(坐标系="GCJ02").to_csv(p, index=False)
    sites = load_tables(p, assign_committee=False)["sites"]
    lon = pd.to_numeric(sites["lon"])
    # GCJ-02 is ~0.00465° east of WGS-84 here, so the stored WGS-84 lon is smaller
    assert ((SITES_ZH["经度"].astype(float) - lon).between(0.0044, 0.0049)).all()


def test_unreadable_inputs(tmp_path):
    with pytest.raises(ImportErrorZh, match="找不到文件"):
        read_table(tmp_path / "nope.csv")
    odd = tmp_path / "x.json"
    odd.write_text("{}")
    with pytest.raises(ImportErrorZh, match="不支持的文件类型"):
        read_table(odd)


def test_cli_import_check_and_exit_codes(files, tmp_path, capsys):
    assert main(["import", "--sites", str(files["sites"]), "--check"]) == 0
    assert "校验通过" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    SITES_ZH.assign(纬度="91").to_csv(bad, index=False)
    assert main(["import", "--sites", str(bad), "--path", str(tmp_path / "x.db")]) == 2
    assert "纬度" in capsys.readouterr().err
    target = tmp_path / "cli.db"
    assert main(["import", "--sites", str(files["sites"]), "--path", str(target)]) == 0
    assert main(["info", "--path", str(target)]) == 0
    assert "单位 3 条" in capsys.readouterr().out
