"""Validation messages (Chinese, naming row and column) and derived site columns."""

from __future__ import annotations

import pandas as pd
import pytest

from registry.validate import (
    MAX_MESSAGES,
    RegistryValidationError,
    complete_sites,
    flag_outside_boundary,
    validate_hazards,
    validate_inspections,
    validate_sites,
    validate_tables,
)
from tests.registry._tables import make_tables


def test_valid_fixture_has_no_problems():
    t = make_tables()
    assert validate_sites(t["sites"]) == []
    assert validate_inspections(t["inspections"], t["sites"]["site_id"], t["hazards"]) == []
    assert validate_hazards(t["hazards"], t["inspections"]) == []
    validate_tables(t)


def test_row_number_and_column_in_message():
    sites = pd.concat([make_tables()["sites"]] * 3, ignore_index=True)
    sites["site_id"] = [f"S{i:06d}" for i in range(1, len(sites) + 1)]
    sites.loc[10, "lon"] = 12.39
    errors = validate_sites(sites)
    assert errors == ["第11行: 经度（lon）超出范围（12.39 不在 120.85–122.2 之间，上海市）"]
    # the importer numbers spreadsheet rows (header = row 1)
    assert validate_sites(sites, row_offset=2)[0].startswith("第12行: 经度")


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("uscc", "91350100M000100Y44", "第2行: 统一社会信用代码校验失败"),
        ("category", "游乐园", "第2行: 类别（category）未知 '游乐园'"),
        ("subcategory", "写字楼", "第2行: 类别“群租”没有子类 '写字楼'"),
        ("department", "消防队", "第2行: 责任部门（department）未知 '消防队'"),
        ("site_id", "S000001", "第2行: 单位编号（site_id）重复（S000001）"),
        ("lat", "北纬31度", "第2行: 纬度（lat） 不是数字"),
        ("name", "  ", "第2行: 单位名称（name）为空"),
        ("park", "张江高科", "第2行: 园区（park）未知 '张江高科'"),
        ("coord_quality", "gps", "第2行: 坐标质量（coord_quality）无效 'gps'"),
        ("required_per_year", 0, "第2行: 年度检查次数（required_per_year）应为 1–52 的整数"),
        ("required_per_year", 100000, "第2行: 年度检查次数（required_per_year）应为 1–52 的整数"),
        ("committee", "月球居委", "第2行: 居委（committee）不是真如的居委 '月球居委'"),
        ("uscc", "000000000000000000", "第2行: 统一社会信用代码登记管理部门码无效"),
        ("name", "真如\x00仓库", "第2行: 单位名称（name）含不可见的控制字符 U+0000"),
        ("address", "x" * 201, "第2行: 地址（address）过长（201 字，最多 200 字）"),
        ("floor_area_m2", float("inf"), "第2行: 建筑面积（floor_area_m2） 不是数字"),
        ("storeys", 1000, "第2行: 层数（storeys）不合理（1000 大于 200）"),
        ("occupants", -3, "第2行: 人员数（occupants）不能为负数"),
    ],
)
def test_site_messages(column, value, expected):
    sites = make_tables()["sites"].astype({column: object})
    sites.loc[1, column] = value
    errors = validate_sites(sites)
    assert any(e.startswith(expected) for e in errors), errors


def test_missing_required_column_reported_once():
    sites = make_tables()["sites"].drop(columns=["category", "department"])
    errors = validate_sites(sites)
    assert "sites: 缺少必需列 类别（category）" in errors
    assert "sites: 缺少列 责任部门（department）" in errors
    assert len([e for e in errors if "类别" in e]) == 1


def test_inspection_messages():
    t = make_tables()
    insp = t["inspections"].copy()
    insp.loc[0, "site_id"] = "S777777"
    insp.loc[2, "n_hazards"] = 3
    insp.loc[4, "hazard_found"] = 1
    insp.loc[1, "type"] = "突击"
    errors = validate_inspections(insp, t["sites"]["site_id"], t["hazards"])
    assert "第1行: 检查记录引用了不存在的单位 S777777" in errors
    assert "第3行: 隐患数（n_hazards）为 3，但隐患台账中有 2 条" in errors
    assert "第5行: 发现隐患标志与隐患数不一致" in errors
    assert any(e.startswith("第2行: 检查类型（type）未知 '突击'") for e in errors)


def test_hazard_lifecycle_rules():
    t = make_tables()
    h = t["hazards"].copy()
    h.loc[0, "reinspection_result"] = "不合格"  # 已销号 without 复查合格
    h.loc[0, "measures"] = ""  # 三清楚 incomplete
    h.loc[2, "rectified_date"] = pd.NaT  # 待复查 without 整改完成
    h.loc[3, "closed_date"] = pd.Timestamp("2024-06-01")  # open but 销号日期
    h.loc[1, "site_id"] = "S000001"  # not the site of its inspection
    errors = validate_hazards(h, t["inspections"])
    assert "第1行: 已销号隐患须复查合格（复查结果: '不合格'）" in errors
    assert "第1行: 已销号隐患须“三清楚”，整改措施（measures）为空" in errors
    assert "第3行: 待复查隐患缺少整改完成日期" in errors
    assert "第4行: 未销号隐患不应有销号日期" in errors
    assert "第2行: 隐患的单位编号 S000001 与检查记录的单位 S000002 不一致" in errors


def test_failed_reinspection_then_rectified_again_is_valid():
    h = make_tables()["hazards"].copy()
    h.loc[2, ["reinspection_date", "reinspection_result"]] = [pd.Timestamp("2024-04-06"), "不合格"]
    h.loc[2, "rectified_date"] = pd.Timestamp("2024-04-08")  # after the failed 复查
    assert validate_hazards(h) == []
    h.loc[2, "reinspection_result"] = "合格"
    assert validate_hazards(h) == ["第3行: 复查合格日期早于整改完成日期"]


def test_error_text_is_truncated_but_errors_kept():
    err = RegistryValidationError([f"第{i}行: 问题" for i in range(1, 101)])
    assert len(err.errors) == 100
    text = str(err)
    assert "100 个问题" in text and f"另有 {100 - MAX_MESSAGES} 个问题" in text


def test_outside_boundary_flag_and_completion():
    df = pd.DataFrame(
        {
            "site_id": ["S1", "S2"],
            "name": ["园区某企业", "真如某店"],
            "lon": [121.3919, 121.3905],
            "lat": [31.2333, 31.2572],
            "category": ["园区企业", "人员密集场所"],
            "key_list": [None, "是"],
        }
    )
    assert flag_outside_boundary(df).tolist() == [True, False]
    full = complete_sites(df)
    assert full["outside_boundary"].tolist() == [True, False]
    assert full["required_per_year"].tolist() == [2, 4]
    assert full["department"].tolist() == ["社区平安办", "社区平安办"]
    assert full["committee"].notna().all()  # nearest 居委 even outside the boundary
    assert validate_sites(full) == []
