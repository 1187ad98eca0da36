"""优先排名 page: ranked table, filters, selection → route candidates, guarded downloads."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from app_pages._export import guard_formulas, to_csv_bytes, to_xlsx_bytes

PAGE = "../../app_pages/ranking.py"
TIMEOUT = 120


@pytest.fixture(scope="module")
def sites(small_store):
    from registry.store import SQLiteStore

    return SQLiteStore(small_store).sites()


def run_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_ranked_table_lists_every_site_by_rank(sites):
    at = run_page()
    df = table(at)
    assert len(df) == len(sites)
    assert df["排名"].is_monotonic_increasing
    assert df["评分"].is_monotonic_decreasing
    assert set(df["编号"]) == set(sites["site_id"])
    for col in ("单位名称", "类别", "居委", "风险等级", "隐患概率", "重大隐患概率", "下次应检日期",
                "逾期天数", "未整改隐患", "必查原因", "主要原因"):
        assert col in df.columns
    assert df["风险等级"].map(lambda v: len(v) == 1 and v[0] in ("重大", "较大", "一般", "低")).all()
    assert metric(at, "单位数") == str(len(sites))


def test_level_basis_says_why_each_unit_has_its_level():
    at = run_page()
    df = table(at)
    cols = list(df.columns)
    assert cols.index("等级依据") == cols.index("风险等级") + 1  # beside the level
    basis = df["等级依据"]
    assert basis.map(lambda v: isinstance(v, str) and "风险值D=" in v).all()
    level = df["风险等级"].map(lambda v: v[0])
    by_rule = basis.str.startswith("未销号重大隐患")
    assert (level[by_rule] == "重大").all()  # an open 重大隐患 makes the unit 重大
    assert basis[~by_rule].str.endswith("（L×E×C×暴露，按LEC分级）").all()
    assert by_rule.any() and (~by_rule).any()


def test_category_filter_and_search_change_the_rows(sites):
    at = run_page()
    category = sites["category"].value_counts().index[0]
    at.multiselect(key="ranking_f_categories").set_value([category]).run()
    df = table(at)
    assert len(df) == int((sites["category"] == category).sum())
    assert (df["类别"] == category).all()
    assert metric(at, "单位数") == str(len(df))

    name = sites.loc[sites["category"] == category, "name"].iloc[0]
    at.text_input(key="ranking_f_text").set_value(name).run()
    df2 = table(at)
    assert 1 <= len(df2) < len(df)
    assert df2["单位名称"].str.contains(name, regex=False).all()


def test_level_filter_keeps_only_that_level():
    at = run_page()
    at.multiselect(key="ranking_f_levels").set_value(["重大"]).run()
    df = table(at)
    assert len(df) > 0
    assert df["风险等级"].map(lambda v: list(v) == ["重大"]).all()
    assert metric(at, "重大风险") == str(len(df))


def test_selected_rows_become_route_candidates():
    at = run_page()
    assert at.button(key="ranking_add").disabled  # nothing selected yet
    df = table(at)
    at.session_state["ranking_table"] = {"selection": {"rows": [0, 2, 5], "columns": [], "cells": []}}
    at.run()
    button = at.button(key="ranking_add")
    assert not button.disabled
    assert "3" in button.label
    button.click().run()
    expected = df["编号"].iloc[[0, 2, 5]].tolist()
    assert at.session_state["route_candidates"] == expected
    # a second selection is added without duplicates
    at.session_state["ranking_table"] = {"selection": {"rows": [2, 7], "columns": [], "cells": []}}
    at.run()
    at.button(key="ranking_add").click().run()
    assert at.session_state["route_candidates"] == [*expected, df["编号"].iloc[7]]
    at.button(key="ranking_clear").click().run()
    assert at.session_state["route_candidates"] == []


def test_downloads_are_offered():
    at = run_page()
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("XLSX" in label for label in labels)
    assert any("CSV" in label for label in labels)


@pytest.fixture
def evil() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "单位名称": ['=HYPERLINK("http://x","点我")', "+1+1", "-2", "@SUM(A1)", "正常单位"],
            "评分": [90.5, -3.0, 10.0, 5.0, 1.0],
            "下次应检日期": pd.to_datetime(["2025-01-02", None, "2025-03-04", None, None]),
            "必查原因": [["逾期未检", "重大隐患未整改"], [], [], [], []],
        }
    )


def test_guard_prefixes_formula_text_only(evil):
    safe = guard_formulas(evil)
    assert safe["单位名称"].tolist() == [
        "'=HYPERLINK(\"http://x\",\"点我\")",
        "'+1+1",
        "'-2",
        "'@SUM(A1)",
        "正常单位",
    ]
    assert safe["评分"].tolist() == [90.5, -3.0, 10.0, 5.0, 1.0]  # numbers stay numbers
    assert safe["下次应检日期"].tolist()[:2] == ["2025-01-02", ""]
    assert safe["必查原因"].iloc[0] == "逾期未检；重大隐患未整改"


def test_xlsx_cells_are_text_not_formulas(evil):
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(evil, sheet="优先排名")))
    ws = wb["优先排名"]
    assert [c.value for c in ws[1]] == list(evil.columns)
    names = [ws.cell(row=r, column=1) for r in range(2, 7)]
    assert all(c.data_type == "s" for c in names)
    assert names[0].value.startswith("'=")
    assert ws.cell(row=3, column=2).value == -3.0


def test_csv_has_bom_and_guarded_text(evil):
    data = to_csv_bytes(evil)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'@SUM(A1)" in text
    back = pd.read_csv(io.StringIO(text))
    assert back["单位名称"].iloc[4] == "正常单位"
