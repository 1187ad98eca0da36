"""AppTest of the 风险地图 page: map component, counts follow the filters, legend, detail card."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages._site_card import md_text, open_hazard_table, reasons_table

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "map.py")
TIMEOUT = 300  # the machine is shared; the first run scores the whole store


@pytest.fixture(scope="module")
def store_tables(small_store):
    from registry.store import SQLiteStore

    store = SQLiteStore(small_store)
    return {"sites": store.sites(), "inspections": store.inspections(), "hazards": store.hazards()}


def _run(at: AppTest | None = None) -> AppTest:
    if at is None:  # (an AppTest with no elements yet is falsy)
        at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> int:
    value = next(m.value for m in at.metric if m.label == label)
    return int(str(value).replace(",", ""))


def _map_args(at: AppTest) -> dict:
    comps = at.get("component_instance")
    folium = [c for c in comps if "st_folium" in c.proto.component_name]
    assert len(folium) == 1, [c.proto.component_name for c in comps]
    return json.loads(folium[0].proto.json_args)


def _site_rows_in_main_layer(script: str) -> int:
    # The 风险点 layer embeds every site once and shares it as window["zr_site_rows"].
    marker = 'window["zr_site_rows"] = rows;'
    end = script.index(marker)
    start = script.rindex("var rows = ", 0, end) + len("var rows = ")
    return len(json.loads(script[start:end].strip().rstrip(";")))


def test_map_page_renders_every_site_offline(store_tables) -> None:
    at = _run()
    n_sites = len(store_tables["sites"])
    assert _metric(at, "地图上单位") == n_sites
    args = _map_args(at)
    assert _site_rows_in_main_layer(args["script"]) == n_sites
    links = args["js_links"] + args["css_links"]
    assert links and all(u.startswith("/app/static/vendor/") for u in links), links
    assert args["returned_objects"] == ["last_object_clicked_tooltip", "last_object_clicked_count"]
    captions = " ".join(c.value for c in at.caption)
    assert "风险等级：重大" in captions and "© OpenStreetMap contributors" in captions
    assert "虚线边框 = 位置为近似" in captions


def test_level_filter_changes_the_counts(store_tables) -> None:
    at = _run()
    total = _metric(at, "地图上单位")
    major = _metric(at, "重大风险")
    level_box = next(w for w in at.multiselect if w.label == "风险等级")
    level_box.set_value(["重大"])
    at = _run(at)
    assert _metric(at, "地图上单位") == major < total
    assert _metric(at, "较大风险") == 0
    assert _site_rows_in_main_layer(_map_args(at)["script"]) == major


def test_heat_view_and_web_basemap_switch() -> None:
    at = _run()
    script = _map_args(at)["script"]
    assert "L.heatLayer(" in script and "L.tileLayer" not in script
    at.radio(key="map_view").set_value("热力")
    at = _run(at)
    script = _map_args(at)["script"]
    # Heat layer added to the map; the 风险点 layer stays in the layer control but hidden.
    heat_var = re.search(r"var (heat_map_\w+) = L\.heatLayer", script).group(1)
    assert f"{heat_var}.addTo(map_div)" in script
    at.selectbox(key="map_basemap").set_value("osm")
    at = _run(at)
    assert "tile.openstreetmap.org" in _map_args(at)["script"]


def test_selected_site_shows_the_card(store_tables) -> None:
    sites = store_tables["sites"]
    hazards = store_tables["hazards"]
    with_hazard = hazards.loc[hazards["status"] != "已销号", "site_id"]
    site_id = with_hazard.iloc[0] if len(with_hazard) else sites["site_id"].iloc[0]
    name = sites.loc[sites["site_id"] == site_id, "name"].iloc[0]

    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["map_selected_site"] = site_id
    at = _run(at)
    headings = " ".join(m.value for m in at.markdown)
    assert f"#### {md_text(name)}" in headings
    labels = [m.label for m in at.metric]
    assert "风险等级" in labels and "风险分" in labels
    assert [t.label for t in at.tabs] == ["评分原因", "基本信息", "检查记录", "未销号隐患", "现场照片"]
    frames = [df.value for df in at.dataframe]
    reasons = next(f for f in frames if list(f.columns) == ["原因", "贡献"])
    assert len(reasons) >= 1
    attributes = next(f for f in frames if list(f.columns) == ["项目", "内容"])
    assert site_id in attributes["内容"].tolist()
    # 整改责任人 is personal data and is not on the card.
    assert not any("责任人" in " ".join(map(str, f.columns)) for f in frames)
    # the inspector goes from the card to 检查登记 with this unit chosen
    assert f"(record?site={site_id})" in headings


def test_card_says_why_the_unit_has_its_level(store_tables) -> None:
    """The level is the unit's standing level; the card says why (level_basis), escaped."""
    hazards = store_tables["hazards"]
    open_major = hazards[(hazards["status"] != "已销号") & (hazards["level"] == "重大")]
    assert len(open_major), "the small store has an open 重大隐患"
    site_id = open_major["site_id"].iloc[0]
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["map_selected_site"] = site_id
    at = _run(at)
    assert next(m.value for m in at.metric if m.label == "风险等级") == "重大"
    basis = [c.value for c in at.caption if c.value.startswith("等级依据：")]
    assert len(basis) == 1, [c.value for c in at.caption]
    assert basis[0].startswith("等级依据：未销号重大隐患")
    assert "风险值D=" in basis[0]


def _card_with_basis(basis: str) -> None:
    import datetime as dt

    import pandas as pd

    from app_pages._site_card import render_site_card

    site = {"site_id": "S1", "name": "甲", "level": "一般", "score": 40.0, "level_basis": basis}
    render_site_card(site, pd.DataFrame(), pd.DataFrame(), dt.date(2025, 3, 1))


def test_card_basis_is_escaped() -> None:
    xss = '<img src=x onerror="window.__xss=1">[点我](http://example.com)'
    at = AppTest.from_function(_card_with_basis, args=(xss,), default_timeout=TIMEOUT)
    at = _run(at)
    basis = [c.value for c in at.caption if c.value.startswith("等级依据：")]
    assert basis == ["等级依据：" + md_text(xss)]


def test_no_selection_shows_a_hint() -> None:
    at = _run()
    assert any("在地图上点击一个点位" in i.value for i in at.info)


def test_card_text_is_escaped_and_overdue_is_derived() -> None:
    xss = '<img src=x onerror="window.__xss=1">[点我](http://example.com)'
    escaped = md_text(xss)
    assert re.search(r"(?<!\\)[<>\[\]()]", escaped) is None  # every special char escaped
    assert "](http" not in escaped
    hazards = pd.DataFrame(
        {
            "hazard_id": ["H1", "H2", "H3"],
            "site_id": ["S1", "S1", "S1"],
            "found_date": pd.to_datetime(["2025-01-02", "2025-02-01", "2025-03-01"]),
            "level": ["一般", "重大", "一般"],
            "hazard_type": ["消防"] * 3,
            "part": ["楼道"] * 3,
            "description": ["堆物"] * 3,
            "responsible_unit": ["物业"] * 3,
            "responsible_person": ["张三"] * 3,
            "deadline": pd.to_datetime(["2025-01-20", "2025-04-01", "2025-03-10"]),
            "status": ["已销号", "整改中", "待整改"],
            "closed_date": pd.to_datetime(["2025-01-15", None, None]),
        }
    )
    table = open_hazard_table(hazards, "S1", dt.date(2025, 3, 15))
    assert table["编号"].tolist() == ["H3", "H2"]
    assert table.set_index("编号")["逾期"].to_dict() == {"H3": "是", "H2": "否"}
    assert "张三" not in table.to_string()
    reasons = reasons_table({"reasons": [("逾期未检", 12.0), ("重大隐患待复查", 25.0)]})
    assert reasons["原因"].tolist() == ["重大隐患待复查", "逾期未检"]


def test_rerun_with_the_same_inputs_keeps_the_map() -> None:
    """Picking a site reruns the page; the map (component key and script) stays as it was."""
    at = _run()
    comp = next(c for c in at.get("component_instance") if "st_folium" in c.proto.component_name)
    args = json.loads(comp.proto.json_args)
    # The browser compares its state with this default (same key order, count 0): equal
    # means the map's first move does not trigger another run of the page.
    assert list(args["default"].items()) == [
        ("last_object_clicked_count", 0), ("last_object_clicked_tooltip", None),
    ]
    site_id = at.selectbox(key="map_pick").options[0].split(" ")[0]  # labels "<id> <name>"
    at.selectbox(key="map_pick").set_value(site_id)
    at = _run(at)
    again = next(
        c for c in at.get("component_instance") if "st_folium" in c.proto.component_name
    )
    assert again.proto.id == comp.proto.id
    assert json.loads(again.proto.json_args)["script"] == args["script"]
    assert at.session_state["map_selected_site"] == site_id
    assert any(m.label == "风险分" for m in at.metric)


def test_the_card_says_when_a_unit_is_suspended_or_closed() -> None:
    import datetime as dt

    import pandas as pd

    from app_pages._site_card import operating_note

    hazards = pd.DataFrame({
        "site_id": ["S1"], "status": ["整改中"], "suspension": [True],
        "found_date": pd.to_datetime(["2024-05-01"]), "closed_date": pd.to_datetime([None]),
    })  # fmt: skip
    day = dt.date(2024, 6, 1)
    assert "责令停产停业" in operating_note({"site_id": "S1"}, hazards, day)
    assert operating_note({"site_id": "S2", "operating_state": "正常"}, hazards, day) == ""
    assert "停业" in operating_note({"site_id": "S2", "operating_state": "停业"}, hazards, day)


def test_the_site_card_shows_the_units_photos(writable_store) -> None:
    import io

    from PIL import Image

    site = writable_store.sites()["site_id"].iloc[5]
    _iid, (hid,) = writable_store.add_inspection(
        {"site_id": site, "date": dt.date.today(), "type": "日常"},
        [{"level": "一般", "hazard_type": "消防", "description": "灭火器过期", "part": "一楼",
          "measures": "更换", "deadline": dt.date.today() + dt.timedelta(days=7)}],
        user="pingan",
    )  # fmt: skip
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(jpeg, "JPEG")
    writable_store.add_attachment(jpeg.getvalue(), kind="before", filename="<b>灭火器</b>.jpg",
                                  user="pingan", hazard_id=hid)  # fmt: skip
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["map_selected_site"] = site
    at = _run(at)
    images = [el for el in at.main if getattr(el, "type", "") == "image"]
    assert len(images) == 1, [getattr(el, "type", "") for el in at.main]
    caption = str(images[0].proto)
    assert hid.split("-")[-1] in caption and "整改前" in caption
    assert "<b>" not in caption  # the file name is shown as text
