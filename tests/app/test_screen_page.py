"""AppTest of the 大屏 page: dark kiosk CSS, KPIs, pydeck columns without personal data."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "screen.py")


def test_screen_page_shows_kpis_and_aggregated_3d_map(small_store) -> None:
    from registry.store import SQLiteStore

    sites = SQLiteStore(small_store).sites()
    hazards = SQLiteStore(small_store).hazards()
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    html = " ".join(m.value for m in at.markdown)
    assert "display: none !important" in html and "stSidebar" in html  # kiosk: no sidebar
    assert "clamp(" in html and "vw" in html  # font sizes scale with the screen
    for label in ("重大隐患 未销号", "逾期未整改隐患", "本年检查覆盖率", "红/橙 风险单位"):
        assert label in html

    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    spec = json.loads(decks[0].proto.json)
    types = [layer["@@type"] for layer in spec["layers"]]
    assert "ColumnLayer" in types and "GeoJsonLayer" in types and "PathLayer" in types
    # No basemap: Streamlit only skips its CARTO default for pydeck's "__MAP_STYLE__" sentinel.
    assert spec.get("mapStyle") == "__MAP_STYLE__" and spec.get("mapProvider") is None
    columns = next(layer for layer in spec["layers"] if layer["@@type"] == "ColumnLayer")
    assert sum(int(c["n"]) for c in columns["data"]) == sites[["lon", "lat"]].notna().all(1).sum()

    # No names, addresses or persons anywhere on the screen.
    text = decks[0].proto.json + html
    sample_names = sites["name"].dropna().astype(str)
    assert not any(n in text for n in sample_names.head(200) if len(n) >= 4)
    persons = hazards["responsible_person"].dropna().astype(str).unique()
    assert not any(p in text for p in persons[:200] if len(p) >= 2)


def test_the_committee_list_ranks_by_high_risk_units_as_the_briefing_does() -> None:
    """The wall screen and the 节前检查 briefing rank 居委 by one rule (routes.holiday.hotspots:
    most 重大+较大 units first), each row showing its 重大 and 较大 counts."""
    import re

    at = AppTest.from_file(PAGE, default_timeout=300)
    at.run()
    html = " ".join(m.value for m in at.markdown)
    rows = re.findall(
        r'<div class="zr-row"><span>([^<]+)</span><span><span class="zr-dot" '
        r'style="background:#E60012"></span>(\d+)　<span class="zr-dot" '
        r'style="background:#FF7F00"></span>(\d+)</span></div>', html)
    assert rows, html[:300]
    high = [int(red) + int(orange) for _name, red, orange in rows]
    assert high == sorted(high, reverse=True)
