"""数据导入 page (AppTest): upload → preview (新增/更新/不变/拒绝) → 确认导入 → 撤销.

Streamlit 1.67's AppTest can set the page's file uploader (``FileUploader.set_value``), so
these tests upload real CSV bytes through the widget. They work on a private copy of the small
store (``writable_store``).
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.registry.hostile_cases import store_hash

PAGE = "../../app_pages/import_data.py"
TIMEOUT = 120
OPERATOR = "导入员乙"


@pytest.fixture
def store(writable_store):
    return writable_store


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    operator = [t for t in at.text_input if t.key == "imp_operator"]
    if operator:  # before sign-in the 操作人 is typed; with sign-in it is the account
        operator[0].input(OPERATOR)
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="imp_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown(elements) -> str:
    return "\n".join(str(e.value) for e in elements).replace("\\", "")


#: A column only each preview table has (AppTest does not expose st.dataframe keys).
TABLES = {"imp_rejected": "原因", "imp_added": "内容", "imp_changed": "字段", "imp_batches": "批次"}


def frame(at: AppTest, key: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if TABLES[key] in d.value.columns)


def a_unit(store) -> dict:
    s = store.sites()
    return s.loc[s["uscc"].notna() & s["occupants"].notna()].iloc[0].to_dict()


def sites_csv(rows: dict[str, list[str]], encoding: str = "gbk") -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode(encoding)


def test_upload_preview_confirm_and_undo(store):
    unit = a_unit(store)
    new_occupants = int(unit["occupants"]) + 7
    data = sites_csv({
        "统一社会信用代码": [unit["uscc"], ""],
        "单位名称": [unit["name"], "<script>alert(1)</script>新单位"],
        "地址": [unit["address"], "真如路100号"],
        "经度": ["", "121.3905"], "纬度": ["", "31.2572"], "类别": ["", "群租"],
        "人员数": [str(new_occupants), "3"],
    })  # fmt: skip
    at = open_page()
    assert at.title[0].value == "数据导入"
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载单位名册模板（XLSX，中文表头）" in labels
    upload(at, "名册.csv", data)
    changed = frame(at, "imp_changed")
    assert changed[["编号", "字段", "新值"]].values.tolist() == [
        [unit["site_id"], "人员数", str(new_occupants)]
    ]
    added = frame(at, "imp_added")
    assert added["单位名称"].tolist() == ["<script>alert(1)</script>新单位"]  # text in a table
    assert "<script>" not in "".join(m.value for m in at.markdown)  # never as markup
    n_sites = len(store.sites())
    at.button(key="imp_apply").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "已导入批次 1" in shown(at.success)
    sites = store.sites().set_index("site_id")
    assert sites.loc[unit["site_id"], "occupants"] == new_occupants
    assert len(sites) == n_sites + 1
    # the same file again: nothing left to import, no second batch
    assert "没有需要导入的内容" in shown(at.info)
    assert [b.key for b in at.button if b.key == "imp_apply"] == []
    assert len(store.import_batches()) == 1
    batches = frame(at, "imp_batches")
    assert batches[["批次", "状态"]].values.tolist() == [[1, "有效"]]
    # undo needs the confirmation, then restores the store
    at.button(key="imp_undo").click().run()
    assert "请先勾选" in shown(at.error)
    assert len(store.sites()) == n_sites + 1
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "已撤销导入批次 1" in shown(at.success)
    assert store.sites().set_index("site_id").loc[unit["site_id"], "occupants"] == unit["occupants"]
    assert len(store.sites()) == n_sites
    assert frame(at, "imp_batches")["状态"].tolist() == ["已撤销"]


def test_a_rejected_row_is_listed_and_nothing_can_be_imported(store):
    before = store_hash(store.path)
    data = sites_csv({"单位名称": ["新单位甲", "新单位乙"], "地址": ["真如路1号", "真如路2号"],
                      "经度": ["121.3905", "121.3905"], "纬度": ["31.2572", "91"],
                      "类别": ["群租", "群租"]})  # fmt: skip
    at = upload(open_page(), "名册.csv", data)
    rejected = frame(at, "imp_rejected")
    assert rejected[["行号", "列"]].values.tolist() == [[3, "纬度"]]
    assert "超出范围" in rejected.loc[0, "原因"]
    assert "本次不会导入任何内容" in shown(at.error)
    assert [b.key for b in at.button if b.key == "imp_apply"] == []
    assert store_hash(store.path) == before


def test_a_header_only_file_is_a_chinese_error(store):
    before = store_hash(store.path)
    at = upload(open_page(), "空表.csv", "单位名称,地址\n".encode())
    assert "空表.csv: 只有表头，没有数据行" in shown(at.error)
    assert store_hash(store.path) == before


def test_third_party_report_is_previewed_as_hazards_of_a_third_party_inspection(store):
    unit = a_unit(store)
    data = sites_csv({
        "单位名称": [unit["name"]], "地址": [unit["address"]], "统一社会信用代码": [unit["uscc"]],
        "检查日期": ["2024-06-03"], "隐患部位": ["配电箱"], "隐患描述": ["线路老化"],
        "隐患等级": ["一般"], "整改措施": ["更换线路"], "整改期限": ["7天"], "检查机构": ["某安全公司"],
    })  # fmt: skip
    at = open_page()
    at.selectbox(key="imp_kind").set_value("third_party").run()
    upload(at, "第三方.csv", data)
    added = frame(at, "imp_added")
    assert added[["对象", "单位名称"]].values.tolist() == [["隐患", unit["name"]]]
    assert "期限 2024-06-10" in added.loc[0, "内容"]
    n = len(store.inspections())
    at.button(key="imp_apply").click().run()
    insp = store.inspections().iloc[n:]
    assert insp[["site_id", "type", "team"]].values.tolist() == [
        [unit["site_id"], "第三方", "某安全公司"]
    ]
