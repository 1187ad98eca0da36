"""Field outputs: Excel, CSV, printable HTML, GPX and navigation links."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from html import escape

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from routes.export import STOP_HEADERS, nav_links, to_csv, to_gpx, to_printable_html, to_xlsx
from routes.gpx import GPX_NS
from routes.planning import RoutePlan, TeamSpec, plan_routes

DAY = dt.date(2026, 9, 30)
SCRIPT_NAME = "<script>alert('x')</script>小吃店"
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'
AMP_NAME = "A&B <仓库> \"一号\""


@pytest.fixture(scope="module")
def plan() -> RoutePlan:
    rng = np.random.default_rng(11)
    n = 10
    names = [f"单位{i}" for i in range(n)]
    names[0], names[1], names[2] = SCRIPT_NAME, FORMULA_NAME, AMP_NAME
    sites = pd.DataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "name": names,
            "address": [f"真北路{i}号" for i in range(n)],
            "lon": rng.uniform(121.380, 121.400, n),
            "lat": rng.uniform(31.250, 31.265, n),
            "category": ["群租", "快递外卖点", "厂房仓库", "人员密集场所", "群租"] * 2,
            "subcategory": "",
            "score": np.linspace(90, 40, n),
            "level": ["重大", "较大", "一般", "低", "一般"] * 2,
            "must_visit": [True, True, True] + [False] * (n - 3),
            "must_reasons": ["逾期未检查", "重大隐患未销号", "节前必查"] + [None] * (n - 3),
            "open_time": [None] * (n - 1) + ["20:00"],
            "close_time": [None] * (n - 1) + ["23:00"],
        }
    )
    morning = ("09:00-11:30",)  # short shifts, so both teams get work
    teams = [
        TeamSpec("一组", leader="王主任", shifts=morning),
        TeamSpec("二组/夜班?", mode="步行", shifts=morning),
    ]
    return plan_routes(sites, teams, DAY, time_limit=20.0, max_iterations=100)


def test_plan_fixture_has_stops_for_both_teams(plan: RoutePlan) -> None:
    assert all(r.n_stops > 0 for r in plan.routes)
    assert len(plan.left_out) >= 1  # the evening-only site


def test_xlsx_opens_with_headers_rows_and_safe_text(plan: RoutePlan) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(plan)))
    assert wb.sheetnames == ["汇总", "一组", "二组_夜班_", "未安排"]
    for r, title in zip(plan.routes, ["一组", "二组_夜班_"], strict=True):
        ws = wb[title]
        headers = [c.value for c in ws[1]]
        assert headers == list(STOP_HEADERS)
        assert ws.max_row == r.n_stops + 1
        names = [ws.cell(row=i + 2, column=2).value for i in range(r.n_stops)]
        # formula-like text is kept with the apostrophe guard, like every spreadsheet export
        assert names == [("'" + n if n == FORMULA_NAME else n) for n in r.stops["name"]]
        arrivals = [ws.cell(row=i + 2, column=6).value for i in range(r.n_stops)]
        assert arrivals == r.stops["arrival"].tolist()
        assert ws.freeze_panes == "B2"
        assert ws["A1"].font.bold
        link = ws.cell(row=2, column=STOP_HEADERS.index("导航链接") + 1)
        assert link.hyperlink is not None and "uri.amap.com" in link.hyperlink.target
    # the formula-like site name stays text, never becomes a formula
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and FORMULA_NAME in c.value]
    assert cells and all(c.data_type == "s" and c.value == "'" + FORMULA_NAME for c in cells)
    left = wb["未安排"]
    assert [c.value for c in left[1]][-1] == "原因"
    assert left.max_row == len(plan.left_out) + 1
    reasons = [left.cell(row=i, column=9).value for i in range(2, left.max_row + 1)]
    assert reasons == plan.left_out["reason"].tolist()
    assert any(r.startswith("营业时间与班次不重叠") for r in reasons)
    summary = wb["汇总"]
    assert summary.cell(row=2, column=1).value == "一组"
    assert summary.cell(row=2, column=8).value == plan.routes[0].n_stops


def test_csv_has_all_stops_and_neutralises_formulas(plan: RoutePlan) -> None:
    raw = to_csv(plan)
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert len(df) == plan.totals["sites_visited"]
    assert {"小组", "单位名称", "预计到达", "导航链接", "导航(geo)"} <= set(df.columns)
    assert ("'" + FORMULA_NAME) in df["单位名称"].tolist()


def test_printable_html_escapes_and_has_one_page_per_team(plan: RoutePlan) -> None:
    html_text = to_printable_html(plan, DAY)
    assert "<script" not in html_text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;小吃店" in html_text
    assert "A&amp;B &lt;仓库&gt; &quot;一号&quot;" in html_text
    assert html_text.count('<section class="page">') == len(plan.routes) + 1
    assert "page-break-after: always" in html_text and "size: A4" in html_text
    # self-contained: no external stylesheet, script, image or font
    assert not re.search(r"<(link|img|iframe|script)\b|\ssrc=|@import|url\(", html_text)
    assert "2026年09月30日 安全巡查路线单 · 一组" in html_text
    assert "带队领导：王主任" in html_text
    assert "位置为近似" in html_text
    for r in plan.routes:
        for name in r.stops["name"]:
            assert escape(name) in html_text


def test_gpx_parses_with_one_route_per_team(plan: RoutePlan) -> None:
    text = to_gpx(plan)
    assert "<script>" not in text and "&lt;script&gt;" in text
    root = ET.fromstring(text.encode("utf-8"))
    ns = {"g": GPX_NS}
    assert root.tag == f"{{{GPX_NS}}}gpx" and root.get("version") == "1.1"
    routes = root.findall("g:rte", ns)
    assert [r.findtext("g:name", namespaces=ns) for r in routes] == ["一组", "二组/夜班?"]
    for rte, r in zip(routes, plan.routes, strict=True):
        pts = rte.findall("g:rtept", ns)
        assert len(pts) == r.n_stops + 2  # start, stops, end
        for pt, (_, s) in zip(pts[1:-1], r.stops.iterrows(), strict=True):
            assert float(pt.get("lat")) == pytest.approx(s["lat"], abs=1e-6)
            assert float(pt.get("lon")) == pytest.approx(s["lon"], abs=1e-6)
            assert pt.findtext("g:name", namespaces=ns) == f"{s['seq']}. {s['name']}"
        assert float(pts[0].get("lon")) == pytest.approx(r.start.lon, abs=1e-6)
    names = [e.text for e in root.iter(f"{{{GPX_NS}}}name")]
    assert any(n and n.endswith(SCRIPT_NAME) for n in names)  # escaped in XML, intact when parsed


def test_nav_links_carry_gcj02_coordinates() -> None:
    stops = pd.DataFrame({"name": ["真如寺", "A&B"], "lon": [121.3965, 121.385], "lat": [31.2519, 31.26]})
    links = nav_links(stops)
    dlon = links["gcj_lon"] - stops["lon"]
    dlat = links["gcj_lat"] - stops["lat"]
    assert ((dlon - 0.0046).abs() < 0.0003).all()
    assert ((dlat + 0.0018).abs() < 0.0003).all()
    for (_, row), (_, s) in zip(links.iterrows(), stops.iterrows(), strict=True):
        assert f"position={row['gcj_lon']:.6f},{row['gcj_lat']:.6f}" in row["amap_url"]
        assert row["geo_url"].startswith(f"geo:{s['lat']:.6f},{s['lon']:.6f}")  # WGS-84
    assert "A%26B" in links.loc[1, "amap_url"]
    assert nav_links(stops.iloc[0:0]).empty


#: Stored text that made every XLSX download fail and the GPX not well-formed, plus markup.
HOSTILE = (
    "NUL\x00单位",
    "ESC\x1b[31m红字",
    "换页\x0c退格\x08",
    "\t=cmd|' /C calc'!A0",
    "${alert(1)}`<img src=x onerror=alert(2)>",
    "</script><script>alert(3)</script>",
)


@pytest.fixture(scope="module")
def hostile_plan() -> RoutePlan:
    from layers.safe_text import plain_text

    n = len(HOSTILE)
    sites = pd.DataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "name": list(HOSTILE),
            "address": [HOSTILE[(i + 1) % n] for i in range(n)],
            "lon": np.linspace(121.382, 121.398, n),
            "lat": np.linspace(31.251, 31.263, n),
            "category": "群租",
            "subcategory": "",
            "score": np.linspace(90, 40, n),
            "level": "重大",
            "must_visit": [True] + [False] * (n - 1),
            "must_reasons": [HOSTILE[2]] + [None] * (n - 1),
        }
    )
    teams = [
        TeamSpec("控制\x1b组\x00", leader="领导\x0c", members=("组员\x00",), start_label="起点\x1b",
                 start_lon=121.39, start_lat=31.256),
        TeamSpec("=组二", leader="${alert(4)}", start_label="<b>起点</b>\x00",
                 start_lon=121.392, start_lat=31.257),
    ]
    plan = plan_routes(sites, teams, DAY, time_limit=5.0, max_iterations=60)
    assert plan.totals["sites_visited"] > 0
    assert plain_text(teams[0].name) == "控制组"
    return plan


def test_xlsx_opens_for_any_stored_text(hostile_plan: RoutePlan) -> None:
    from layers.safe_text import cell_text

    wb = load_workbook(io.BytesIO(to_xlsx(hostile_plan)))
    assert wb.sheetnames[:3] == ["汇总", "控制组", "'=组二"[1:]]
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str)]
    assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", v) for v in values)
    for text in hostile_plan.all_stops()["name"]:
        assert cell_text(text) in values
    assert "'\t=cmd|' /C calc'!A0" in values and "'=组二" in values
    assert "领导" in values and "起点" in values  # summary: leader and start point, cleaned


def test_csv_and_gpx_survive_control_characters(hostile_plan: RoutePlan) -> None:
    from layers.safe_text import cell_text, plain_text

    raw = to_csv(hostile_plan)
    assert not re.search(b"[\x00-\x08\x0b\x0c\x0e-\x1f]", raw)
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert sorted(df["单位名称"]) == sorted(cell_text(n) for n in hostile_plan.all_stops()["name"])
    root = ET.fromstring(to_gpx(hostile_plan).encode("utf-8"))
    ns = {"g": GPX_NS}
    names = [e.text for e in root.iter(f"{{{GPX_NS}}}name")]
    assert [r.findtext("g:name", namespaces=ns) for r in root.findall("g:rte", ns)] == [
        plain_text(r.team.name) for r in hostile_plan.routes if r.n_stops
    ]
    for _, s in hostile_plan.all_stops().iterrows():
        assert f"{s['seq']}. {plain_text(s['name'])}" in names
    assert "起点：起点" in names


def test_printable_html_has_no_active_content_from_data(hostile_plan: RoutePlan) -> None:
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: set[str] = set()
            self.attrs: list[tuple[str, str | None]] = []

        def handle_starttag(self, tag, attrs) -> None:
            self.tags.add(tag)
            self.attrs += attrs

    page = to_printable_html(hostile_plan, DAY)
    parsed = Tags()
    parsed.feed(page)
    assert not parsed.tags & {"script", "img", "iframe", "object", "embed", "svg"}
    assert not [a for a, _ in parsed.attrs if a.startswith("on")]
    assert all(v.startswith(("https://uri.amap.com/", "geo:")) for a, v in parsed.attrs
               if a == "href")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", page)
    assert "${" not in page and "`" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "&lt;b&gt;起点&lt;/b&gt;" in page
