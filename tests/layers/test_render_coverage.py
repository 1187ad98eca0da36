"""The coverage map: user text escaped everywhere, level colours from the one table, numbered
proposals, offline assets only."""

from __future__ import annotations

import pandas as pd

from facilities.coverage import ResponseStandard, coverage_areas
from layers.coverage import PROPOSAL_COLOUR, coverage_map
from layers.offline import remote_urls
from registry.enums import RISK_LEVELS

EVIL = "<img src=x onerror=alert(1)>${alert(2)}`"


def render() -> str:
    stations = pd.DataFrame({"asset_id": ["A1", "A2"], "name": [EVIL + "站", "乙站"],
                             "lon": [121.39, 121.40], "lat": [31.25, 31.255],
                             "approximate": [False, True]})
    uncovered = pd.DataFrame({"site_id": ["S1"], "name": [EVIL + "单位"], "level": ["重大"],
                              "lon": [121.385], "lat": [31.262]})
    proposals = pd.DataFrame({"order": [1], "candidate_id": ["C0001"], "name": [EVIL + "点位"],
                              "lon": [121.386], "lat": [31.261]})
    std = ResponseStandard()
    m = coverage_map(coverage_areas(stations, std), stations, uncovered, proposals,
                     coverage_areas(proposals, std), title="微型消防站")
    return m.get_root().render()


def test_user_text_is_escaped():
    html = render()
    assert "<img src=x" not in html
    assert "${alert(2)}" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;站" in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;单位" in html


def test_levels_proposals_and_offline_assets():
    html = render()
    major = next(lvl.hex for lvl in RISK_LEVELS if lvl.name == "重大")
    assert major in html  # the uncovered 重大 unit in its official colour
    assert PROPOSAL_COLOUR in html and "建议 1：" in html
    assert "单位 · 重大 · 未覆盖" in html  # the uncovered unit, named and levelled
    assert "位置近似" in html or "近似" in html  # the approximate station is marked
    assert remote_urls(html) == []
