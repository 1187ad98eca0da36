"""Hostile user text on every map: shown as text, never run (stored-XSS regression tests).

folium 0.20 pastes ``Tooltip`` text into a JavaScript template literal (`` `...` ``), where
``${...}`` and a backtick are code; Leaflet shows tooltips, popups and layer names with
``innerHTML``. Every text field a user can set (site name, address, 居委, category, park, team
and leader names, start-point labels, asset names) carries the payloads below, and each map's
generated HTML is checked: no payload survives raw, every template literal folium emitted is
still one literal without ``${``, and the text the browser shows is the user's text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from layers.safe_text import cell_text, html_text, plain_text, safe_json

DAY = dt.date(2026, 12, 1)

#: Payloads that ran script before the fix (template literal, HTML, script end, quotes).
PAYLOADS: tuple[str, ...] = (
    "${alert(1)}",
    "`+(window.__xss=2)+`",
    "</script><script>window.__xss=3</script>",
    '<img src=x onerror="window.__xss=4">',
    "'\"\\",
    "{n}{name}$&$'",
    "控制\x00字符\x1b[31m\x0c\x08",
)

#: Raw fragments that must not appear anywhere in generated map HTML.
RAW_FRAGMENTS: tuple[str, ...] = (
    "${alert",
    "`+(window",
    "</script><script>window",
    "<img src=x",
    "\x00",
    "\x1b",
)


def _payload(i: int, field: str) -> str:
    return f"{field}{i}·{PAYLOADS[i % len(PAYLOADS)]}"


def _assert_no_raw_payload(page: str) -> None:
    for fragment in RAW_FRAGMENTS:
        assert fragment not in page, fragment


def _tooltip_literals(page: str) -> list[str]:
    """Contents of folium's ``bindTooltip(`...`, {...})`` template literals.

    The regex only accepts a literal that ends where folium's template ends (backtick, comma,
    options object), so a payload backtick that closed the literal early makes the counts differ.
    """
    opened = len(re.findall(r"bindTooltip\(\s*`", page))
    literals = re.findall(r"bindTooltip\(\s*`([^`]*)`\s*,\s*\{", page)
    assert len(literals) == opened
    for text in literals:
        assert "${" not in text and "\\" not in text
    return literals


def _shown(literal: str) -> str:
    """Text a browser shows for tooltip HTML (tags dropped, references decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", literal)).strip()


@pytest.fixture(scope="module")
def hostile_sites() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    n = 2 * len(PAYLOADS)
    return pd.DataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "name": [_payload(i, "名") for i in range(n)],
            "address": [_payload(i + 1, "址") for i in range(n)],
            "committee": [_payload(i + 2, "居委") for i in range(n)],
            "category": [_payload(i + 3, "类") for i in range(n)],
            "subcategory": [_payload(i + 4, "子类") for i in range(n)],
            "park": [_payload(i, "园区") for i in range(n)],
            "lon": rng.uniform(121.380, 121.400, n),
            "lat": rng.uniform(31.250, 31.265, n),
            "score": rng.uniform(10, 95, n).round(1),
            "level": ["重大", "较大", "一般", "低"] * (n // 4) + ["重大"] * (n % 4),
            "colour": ["#E60012", 'red" onmouseover="x', "url(//evil)", "#1E90FF"] * (n // 4)
            + ["#E60012"] * (n % 4),
            "coord_quality": ["approximate", "osm"] * (n // 2),
        }
    )


@pytest.fixture(scope="module")
def hostile_plan(hostile_sites):
    from routes.planning import TeamSpec, plan_routes
    from routes.travel import StraightLineProvider

    teams = [
        TeamSpec(_payload(0, "组"), leader=_payload(1, "领导"), start_label=_payload(2, "起点"),
                 members=(_payload(3, "组员"),)),
        TeamSpec(_payload(1, "组"), mode="步行", leader=_payload(5, "领导"),
                 start_label=_payload(6, "起点")),
    ]
    sites = hostile_sites.drop(columns=["colour"])
    return plan_routes(
        sites, teams, DAY, provider=StraightLineProvider(), time_limit=10.0, max_iterations=60
    )


def test_html_text_is_inert_in_html_js_strings_and_templates() -> None:
    for payload in PAYLOADS:
        out = html_text(payload)
        assert not set(out) & set("<>\"'`${}\\\n\r")
        assert html.unescape(out) == plain_text(payload)
    assert plain_text("a\x00b\x1bc\x0cd\x08e\tf\ng\rh\ud800i\ufffe") == "abcde\tf\ng\rhi"
    assert html_text(None, "（无名称）") == "（无名称）"


def test_cell_text_is_the_one_formula_guard() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell_text(text) == "'" + text
    assert cell_text("真如\x00路") == "真如路"
    from app_pages._export import guard_formulas
    from routes import export

    assert "_safe_text" not in vars(export) and "_FORMULA_START" not in vars(export)
    df = pd.DataFrame({"名称": ["\t=cmd|' /C calc'!A0", "甲\x1b厂"], "分": [1.0, -2.0]})
    assert guard_formulas(df)["名称"].tolist() == ["'\t=cmd|' /C calc'!A0", "甲厂"]


def test_app_table_downloads_open_with_control_characters() -> None:
    import io

    from openpyxl import load_workbook

    from app_pages._export import to_csv_bytes, to_xlsx_bytes

    df = pd.DataFrame({"单位名称": list(PAYLOADS), "评分": np.arange(len(PAYLOADS), dtype=float)})
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(df)))
    names = [c.value for c in wb.active["A"][1:]]
    assert names == [cell_text(p) for p in PAYLOADS]
    assert all(c.data_type == "s" for c in wb.active["A"][1:])
    assert b"\x00" not in to_csv_bytes(df)


def test_safe_json_data_cannot_close_the_script() -> None:
    text = safe_json(list(PAYLOADS))
    assert "</script" not in text and "<" not in text
    assert json.loads(text) == list(PAYLOADS)


def test_risk_map_shows_hostile_text_as_text(hostile_sites) -> None:
    from layers.folium_map import risk_map

    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2"],
            "kind": ["微型消防站", _payload(0, "种类")],
            "name": [_payload(1, "站"), _payload(2, "库")],
            "committee": [_payload(3, "居委"), _payload(4, "居委")],
            "lon": [121.39, 121.395],
            "lat": [31.255, 31.26],
            "capacity": [3, 5],
            "approximate": [False, True],
        }
    )
    page = risk_map(hostile_sites, assets).get_root().render()
    _assert_no_raw_payload(page)
    _tooltip_literals(page)
    assert 'onmouseover="x' not in page and "url(//evil)" not in page
    # the site rows: JSON with escaped texts; the browser shows exactly the user's text
    rows = [r for m in re.finditer(r"var rows = (\[.*?\]);\n", page)
            for r in json.loads(m.group(1)) if isinstance(r[5], list)]
    fields = {r[5][0]: r[5] for r in rows}
    assert len(fields) == len(hostile_sites)
    for _, site in hostile_sites.iterrows():
        _sid, name, _level, _score, cat, sub, address, committee = fields[site["site_id"]]
        for shown, original in ((name, site["name"]), (address, site["address"]),
                                (cat, site["category"]), (sub, site["subcategory"]),
                                (committee, site["committee"])):
            assert not set(shown) & set("<>\"'`${}\\")
            assert html.unescape(shown) == plain_text(original)
    assert {r[2] for r in rows} <= {"#E60012", "#1E90FF", "#9E9E9E", "#FF7F00", "#FFD700"}


def test_route_map_tooltips_are_single_literals_with_the_users_text(hostile_plan) -> None:
    from layers.route_lines import route_map

    page = route_map(hostile_plan).get_root().render()
    _assert_no_raw_payload(page)
    shown = " ".join(_shown(t) for t in _tooltip_literals(page))
    for r in hostile_plan.routes:
        assert plain_text(r.team.name) in shown
        assert plain_text(r.start.label) in shown
        for name in r.stops["name"]:
            assert plain_text(name) in shown
    assert sum(len(r.stops) for r in hostile_plan.routes) > 0


def test_holiday_route_map_with_hotspots_is_inert(hostile_plan, hostile_sites) -> None:
    from app_pages._route_view import route_map

    hot = hostile_sites[["lon", "lat", "name", "level"]].copy()
    hot.loc[0, "level"] = PAYLOADS[0]
    page = route_map(hostile_plan, height=480, hotspots=hot).get_root().render()
    _assert_no_raw_payload(page)
    shown = " ".join(_shown(t) for t in _tooltip_literals(page))
    for name in hot["name"]:
        assert plain_text(name) in shown
    for r in hostile_plan.routes:
        assert plain_text(r.start.label) in shown and plain_text(r.team.name) in shown


def test_wall_screen_deck_carries_no_site_text(hostile_sites) -> None:
    from layers.deck import risk_cells, screen_deck

    page = screen_deck(risk_cells(hostile_sites)).to_html(as_string=True, notebook_display=False)
    for marker in ("名", "址", "居委", "园区", "alert", "__xss", "onerror"):
        assert marker not in page
    tooltip = re.search(r"const tooltip = (.*);\n", page).group(1)
    # only numeric aggregate fields are interpolated into the deck.gl tooltip HTML
    assert set(re.findall(r"\{(\w+)\}", tooltip)) == {"n", "n_major", "n_high", "n_medium",
                                                       "n_low"}
