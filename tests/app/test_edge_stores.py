"""Every page opens on any legal store: empty, sites only, and one site with one inspection.

A user's own registry starts empty, then gets its sites imported, then its first inspection;
every page must open at each step and say in Chinese that there is nothing to show yet,
rather than crash on an empty table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import PAGES
from registry.accounts import Account

ADMIN = Account("admin", "管理员", "管理员")

TIMEOUT = 180
KINDS = ("empty", "sites_only", "one_unit")

SITES = pd.DataFrame(
    {
        "name": ["真如某仓库", "真如某群租房"],
        "lon": [121.390, 121.402],
        "lat": [31.255, 31.262],
        "category": ["厂房仓库", "群租"],
    }
)
HAZARD = {
    "level": "一般",
    "hazard_type": "消防",
    "part": "疏散通道",
    "description": "疏散通道堆放杂物",
    "responsible_unit": "真如某仓库",
    "measures": "清理杂物",
    "deadline": "2024-06-10",
}

#: Text each page shows where it has nothing to show, per store kind (None: no check).
NOTHING_TO_SHOW: dict[tuple[str, str], str] = {
    ("map", "empty"): "暂无单位",
    ("ranking", "empty"): "暂无单位",
    ("routes", "empty"): "暂无单位",
    ("holiday", "empty"): "暂无单位",
    ("stats", "empty"): "暂无单位",
    ("screen", "empty"): "暂无单位",
    ("stats", "sites_only"): "暂无检查记录",
    ("screen", "sites_only"): "暂无检查记录",
}


def build_store(path: Path, kind: str) -> Path:
    """Write an edge-case store of ``kind`` at ``path`` through the public store API."""
    from registry.schema import SITE_COLUMNS
    from registry.store import SQLiteStore

    store = SQLiteStore(path)
    if kind == "empty":
        store.replace_all({"sites": pd.DataFrame(columns=[c.name for c in SITE_COLUMNS])})
    elif kind == "sites_only":
        store.add_sites(SITES)
    elif kind == "one_unit":
        (site_id,) = store.add_sites(SITES.iloc[:1])
        store.add_inspection(
            {"site_id": site_id, "date": "2024-06-03", "type": "日常", "team": "平安办一组"},
            [HAZARD],
        )
    else:
        raise ValueError(kind)
    store.close()
    return path


@pytest.fixture(scope="module")
def edge_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("edge")
    return {kind: build_store(root / f"{kind}.db", kind) for kind in KINDS}


def test_edge_stores_have_the_intended_contents(edge_stores):
    from registry.store import SQLiteStore

    counts = {k: SQLiteStore(p).counts() for k, p in edge_stores.items()}
    assert counts["empty"] == {"sites": 0, "inspections": 0, "hazards": 0, "assets": 0}
    assert counts["sites_only"] == {"sites": 2, "inspections": 0, "hazards": 0, "assets": 0}
    assert counts["one_unit"] == {"sites": 1, "inspections": 1, "hazards": 1, "assets": 0}


def page_texts(at: AppTest) -> str:
    """All user-visible text of a run (markdown, captions, info/warning boxes, metrics)."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "success", "title", "subheader"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("page", [p for p, *_ in PAGES], ids=[u for _, _, u, _ in PAGES])
def test_page_opens_on_edge_store(page, kind, edge_stores, monkeypatch):
    monkeypatch.setenv("ZHENRU_STORE", str(edge_stores[kind]))
    at = AppTest.from_file(f"../../{page}", default_timeout=TIMEOUT)
    at.session_state["account"] = ADMIN  # opens every page, 账户与审计 included
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    url = next(u for p, _, u, _ in PAGES if p == page)
    expected = NOTHING_TO_SHOW.get((url, kind))
    if expected:
        assert expected in page_texts(at), page_texts(at)


def test_the_whole_app_opens_every_page_on_an_empty_store(edge_stores, monkeypatch):
    """Through the router too: the sidebar 评估日期 defaults to today on an empty ledger."""
    monkeypatch.setenv("ZHENRU_STORE", str(edge_stores["empty"]))
    at = AppTest.from_file("../../app.py", default_timeout=TIMEOUT)
    at.session_state["account"] = ADMIN
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    for page, *_ in PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])


@pytest.mark.parametrize("kind", ["sites_only", "one_unit"])
@pytest.mark.parametrize(
    ("page", "button"),
    [("app_pages/route_planning.py", "routes_run"), ("app_pages/holiday.py", "holiday_run")],
    ids=["routes", "holiday"],
)
def test_planning_runs_on_a_tiny_store(page, button, kind, edge_stores, monkeypatch):
    """Planning one or two units works (or says why not in Chinese); it never crashes."""
    monkeypatch.setenv("ZHENRU_STORE", str(edge_stores[kind]))
    at = AppTest.from_file(f"../../{page}", default_timeout=TIMEOUT)
    at.run()
    at.button(key=button).click().run()
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    assert all(e.startswith("无法生成") for e in errors), errors
    if not errors:
        assert at.dataframe, "a plan without a stops table"
