"""巡查路线 page: candidates from the ranking hand-over or top-N, plan, tables, reasons, map."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "../../app_pages/route_planning.py"
TIMEOUT = 120
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sites(small_store):
    from registry.store import SQLiteStore

    return SQLiteStore(small_store).sites()


def page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plan(at: AppTest) -> AppTest:
    at.number_input(key="routes_time_limit").set_value(1)
    at.button(key="routes_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_before_planning_the_page_explains_what_to_do():
    at = page()
    assert "生成路线" in at.info[0].value
    assert at.radio(key="routes_source").value.startswith("按风险评分前 N 名")
    assert not at.get("component_instance")  # no map yet


def test_top_n_plan_shows_team_tables_map_and_chinese_reasons():
    at = plan(page())
    result = at.session_state["route_plan"]
    n_teams = at.number_input(key="routes_n").value
    assert len(result.routes) == n_teams
    assert metric(at, "安排单位") == f"{result.totals['sites_visited']} 家"
    assert result.totals["sites_visited"] > 0
    # one stop table per team with stops, plus the left-out table
    stop_tables = [d.value for d in at.dataframe if "开始检查" in d.value.columns]
    assert len(stop_tables) == sum(1 for r in result.routes if r.n_stops)
    for df, r in zip(stop_tables, [r for r in result.routes if r.n_stops], strict=True):
        assert df["单位名称"].tolist() == r.stops["name"].tolist()
        assert df["导航"].str.startswith("https://uri.amap.com/").all()
    left = [d.value for d in at.dataframe if "未安排原因" in d.value.columns]
    if result.totals["left_out"]:
        assert len(left[0]) == result.totals["left_out"]
        assert left[0]["未安排原因"].map(lambda s: bool(CJK.search(s))).all()
    # the route map (streamlit-folium component) is drawn
    assert len(at.get("component_instance")) == 1
    # the summary is Chinese and names each team
    summary = at.info[0].value
    assert "巡查计划" in summary and all(r.team.name in summary for r in result.routes)


def test_handed_over_selection_is_the_candidate_set(sites):
    chosen = sites["site_id"].iloc[[3, 10, 20, 30, 40, 50]].tolist()
    at = page(route_candidates=chosen)
    assert at.radio(key="routes_source").value == "优先排名中勾选的单位"
    at.number_input(key="routes_n").set_value(1)
    plan(at)
    result = at.session_state["route_plan"]
    assert result.totals["candidates"] == len(chosen)
    planned = set(result.all_stops()["site_id"]) | set(result.left_out["site_id"])
    assert planned == set(chosen)


def test_team_settings_reach_the_plan():
    at = page()
    at.number_input(key="routes_n").set_value(3).run()
    at.text_input(key="routes_team_name_2").set_value("夜查组")
    at.text_input(key="routes_team_shift_2").set_value("13:00-16:00")
    at.selectbox(key="routes_team_mode_2").set_value("步行")
    at.text_input(key="routes_team_leader_2").set_value("李主任")
    plan(at)
    result = at.session_state["route_plan"]
    team = result.routes[2].team
    assert (team.name, team.mode, team.leader) == ("夜查组", "步行", "李主任")
    for r in result.routes:
        for t in r.stops["start"]:
            if r.team.name == "夜查组":
                assert "13:00" <= t <= "16:00"


def test_bad_shift_gives_a_chinese_error_and_no_plan():
    at = page()
    at.text_input(key="routes_team_shift_0").set_value("9点到11点")
    plan(at)
    assert at.error and "无法生成路线" in at.error[0].value
    assert "route_plan" not in at.session_state


def test_changed_settings_mark_the_plan_as_stale():
    at = plan(page())
    assert not at.warning
    at.number_input(key="routes_top_n").set_value(30).run()
    assert any("设置已修改" in w.value for w in at.warning)
