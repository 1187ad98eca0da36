"""节前检查 page: coming key node by default, leader teams, plan, briefing (on page + HTML)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from risk.calendar import upcoming_key_nodes
from routes.holiday import node_keywords, site_focus

PAGE = "../../app_pages/holiday.py"
TIMEOUT = 120


@pytest.fixture(scope="module")
def as_of(small_store) -> dt.date:
    from registry.store import SQLiteStore

    return SQLiteStore(small_store).inspections()["date"].max().date()


def page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def generate(at: AppTest) -> AppTest:
    at.number_input(key="holiday_time_limit").set_value(1)
    at.button(key="holiday_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_default_node_is_the_next_one_after_as_of(as_of):
    at = page()
    nodes = upcoming_key_nodes(as_of, horizon_days=150)
    box = at.selectbox(key="holiday_node")
    chosen = nodes.iloc[box.value]
    assert chosen["start"] > as_of
    assert (nodes.loc[nodes["start"] > as_of, "start"] >= chosen["start"]).all()
    assert chosen["name"] in box.options[box.index]
    # the check day is before the node and after the as-of date
    day = at.date_input(key=f"holiday_date_{box.value}").value
    assert as_of < day <= chosen["start"]


def test_briefing_for_leader_teams(small_store):
    at = page()
    at.number_input(key="holiday_n_teams").set_value(2).run()
    at.text_input(key="holiday_leader_0").set_value("王书记")
    at.text_input(key="holiday_leader_1").set_value("李主任<script>")
    generate(at)
    state = at.session_state["holiday_plan"]
    plan = state["plan"]
    assert [r.team.leader for r in plan.routes] == ["王书记", "李主任<script>"]
    assert all(r.team.name.startswith("领导带队") for r in plan.routes)
    assert plan.totals["sites_visited"] > 0
    assert any(m.label == "计划检查单位" and m.value == f"{plan.totals['sites_visited']} 家"
               for m in at.metric)
    # on-page briefing: key-figure table, hotspots, one stop list per team with stops, map
    figures = at.table[0].value
    assert "重点行业/领域" in figures["项目"].tolist()
    assert len(at.get("component_instance")) == 1
    stop_tables = [d.value for d in at.dataframe if "开始检查" in d.value.columns]
    assert len(stop_tables) == sum(1 for r in plan.routes if r.n_stops)
    # printable briefing: offered for download and previewed, user text escaped
    assert any("简报" in b.proto.label for b in at.get("download_button"))
    html_el = at.get("html")
    assert html_el
    body = html_el[0].proto.body
    assert "李主任&lt;script&gt;" in body and "<script>" not in body
    assert "节前安全检查工作简报" in body


def test_planned_sites_favour_the_nodes_focus_sectors(small_store):
    at = generate(page())
    state = at.session_state["holiday_plan"]
    from registry.store import SQLiteStore

    sites = SQLiteStore(small_store).sites()
    stops = state["plan"].all_stops()
    focus = site_focus(sites, state["keywords"]).map(bool)
    share_planned = stops["site_id"].isin(sites.loc[focus, "site_id"]).mean()
    assert share_planned >= focus.mean()  # at least as focused as the whole registry
    assert set(state["keywords"]) >= set(node_keywords(state["node"], include_season=False))


def test_another_node_marks_the_briefing_as_old():
    at = generate(page())
    box = at.selectbox(key="holiday_node")
    other = (box.value + 1) % len(box.options)
    box.set_value(other).run()
    assert any("上一次" in w.value for w in at.warning)
