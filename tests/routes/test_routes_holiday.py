"""routes.holiday: node focus + season pick the leader-led candidates; teams; check day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from routes.holiday import (
    check_date,
    holiday_candidates,
    leader_teams,
    node_keywords,
    season_keywords,
    site_focus,
)
from routes.planning import PlanningError, TeamSpec, plan_routes


@pytest.fixture
def scored() -> pd.DataFrame:
    rows = [
        # site_id, category, subcategory, score, rank, level, must_visit
        ("F1", "厂房仓库", "仓库", 90.0, 1, "重大", True),
        ("G1", "群租", "群租房", 70.0, 2, "较大", False),
        ("U1", "地下空间", "地下车库", 65.0, 3, "较大", False),
        ("M1", "人员密集场所", "商场", 55.0, 4, "一般", False),
        ("E1", "电动自行车", "集中充电", 50.0, 5, "一般", False),
        ("C1", "建筑施工", "限额以下", 45.0, 6, "一般", False),
        ("T1", "三合一场所", "住宿与经营", 20.0, 7, "低", False),
    ]
    df = pd.DataFrame(
        rows, columns=["site_id", "category", "subcategory", "score", "rank", "level", "must_visit"]
    )
    df["lon"] = 121.39 + 0.002 * df.index
    df["lat"] = 31.25 + 0.001 * df.index
    df["name"] = "单位" + df["site_id"]
    return df


def node(name, start, focus):
    return {"name": name, "start": dt.date.fromisoformat(start), "focus": list(focus)}


def test_season_keywords_follow_the_season_table():
    winter = season_keywords("2026-01-20")
    summer = season_keywords("2026-07-20")
    assert {"群租", "三合一", "电动自行车"} <= set(winter)
    assert "地下空间" not in winter
    assert {"地下空间", "建筑施工"} <= set(summer)
    assert "群租" not in summer


def test_node_keywords_merge_focus_then_season_without_duplicates():
    kw = node_keywords(node("春节", "2026-02-15", ["群租", "商贸"]))
    assert kw[:2] == ("群租", "商贸")
    assert "电动自行车" in kw  # 冬春防火
    assert len(kw) == len(set(kw))
    assert node_keywords(node("春节", "2026-02-15", ["群租"]), include_season=False) == ("群租",)
    # focus may come as the CSV text form
    assert node_keywords({"start": "2026-07-01", "focus": "地下空间;高层"}, include_season=False) == (
        "地下空间",
        "高层",
    )


def test_site_focus_matches_sector_subcategory_and_layer_group(scored):
    focus = site_focus(scored, ["群租", "居住", "商场", "限额以下"]).tolist()
    assert focus[0] == ()  # 厂房仓库
    assert focus[1] == ("群租", "居住")  # sector + layer group 居住安全
    assert focus[3] == ("商场",)  # subcategory
    assert focus[5] == ("限额以下",)
    assert focus[6] == ("居住",)  # 三合一场所 is in layer group 居住安全


def test_winter_node_lifts_fire_sectors_above_a_higher_scored_factory(scored):
    spring = node("春节", "2026-02-15", ["群租", "三合一", "电动自行车"])
    c = holiday_candidates(scored, spring, n_sites=3, seasonal=())
    assert c["site_id"].tolist() == ["G1", "F1", "E1"]  # 105, 90, 75
    assert c.loc[0, "holiday_priority"] == pytest.approx(105.0)
    assert "春节重点：群租" in c.loc[0, "holiday_reason"]
    assert "风险排名第 2" in c.loc[0, "holiday_reason"]
    # the statutory must-visit flag is kept aside, not forced into the leaders' plan
    assert not c["must_visit"].any()
    assert c.set_index("site_id").loc["F1", "statutory_must_visit"]


def test_flood_season_favours_underground_and_construction(scored):
    c = holiday_candidates(scored, node("中秋节", "2026-09-25", ["人员密集"]), n_sites=5)
    # default seasonal keywords on 09-25: 汛期 → 地下空间, 建筑施工; 节前 → 人员密集 ...
    assert c["site_id"].tolist() == ["U1", "F1", "M1", "G1", "C1"]  # 97.5 90 82.5 70 67.5


def test_bonus_zero_is_pure_risk_order(scored):
    c = holiday_candidates(scored, node("x", "2026-02-15", ["群租"]), n_sites=7, focus_bonus=0)
    assert c["site_id"].tolist() == scored.sort_values("rank")["site_id"].tolist()


def test_min_score_and_bad_input(scored):
    c = holiday_candidates(scored, node("x", "2026-02-15", []), n_sites=10, min_score=50)
    assert set(c["site_id"]) == {"F1", "G1", "U1", "M1", "E1"}
    with pytest.raises(PlanningError, match="候选单位数"):
        holiday_candidates(scored, node("x", "2026-02-15", []), n_sites=0)
    with pytest.raises(PlanningError, match="score"):
        holiday_candidates(scored.drop(columns="score"), node("x", "2026-02-15", []), n_sites=3)


def test_node_as_series_row(scored):
    row = pd.Series({"name": "国庆节", "start": dt.date(2026, 10, 1), "focus": ["人员密集"]}, name=5)
    c = holiday_candidates(scored, row, n_sites=1, seasonal=())
    assert c.loc[0, "site_id"] == "F1"  # 90 vs 人员密集 55 × 1.5 = 82.5
    assert "国庆节" not in c.loc[0, "holiday_reason"]
    c2 = holiday_candidates(scored, row, n_sites=2, seasonal=())
    assert c2.loc[1, "holiday_reason"].startswith("国庆节重点")


def test_leader_teams():
    teams = leader_teams(["王书记", "李主任", "赵科长"], mode="步行")
    assert [t.name for t in teams] == ["领导带队一组", "领导带队二组", "领导带队三组"]
    assert all(isinstance(t, TeamSpec) and t.mode == "步行" for t in teams)
    assert "领导带队" in teams[0].skill_set()
    with pytest.raises(PlanningError):
        leader_teams([])
    with pytest.raises(PlanningError):
        leader_teams(["王书记", " "])


def test_check_date_is_a_working_day_before_the_node():
    assert check_date("2026-10-01", "2026-09-01") == dt.date(2026, 9, 28)  # Mon
    # 09-26 is a Saturday and 中秋 (09-25→09-27) is off: the Thursday before
    assert check_date("2026-10-01", "2026-09-01", lead=5) == dt.date(2026, 9, 24)
    # 2026-09-20 (Sunday) is a 调休 work day before 国庆
    assert check_date("2026-09-23", "2026-09-01", lead=2) == dt.date(2026, 9, 21)
    assert check_date("2026-02-15", "2026-02-13") == dt.date(2026, 2, 14)


def test_candidates_plan_end_to_end(scored):
    spring = node("春节", "2026-02-15", ["群租", "三合一", "电动自行车"])
    c = holiday_candidates(scored, spring, n_sites=6)
    plan = plan_routes(
        c,
        leader_teams(["王书记"], shifts=(("09:00", "11:30"),)),
        dt.date(2026, 2, 12),
        priority="holiday_priority",
        time_limit=0.5,
    )
    visited = plan.all_stops()["site_id"].tolist()
    assert visited
    assert "G1" in visited  # the top node-focus site is in the leader's morning
    assert set(visited) | set(plan.left_out["site_id"]) == set(c["site_id"])


def test_briefing_has_no_active_content_for_any_stored_text(scored):
    from html.parser import HTMLParser

    from routes.holiday import briefing_html

    bad = "${alert(1)}`<img src=x onerror=alert(2)></script><script>alert(3)</script>\x00\x1b"
    hostile = scored.assign(name=bad, address=bad, committee=bad)
    plan = plan_routes(
        hostile,
        leader_teams([bad], shifts=(("09:00", "11:30"),)),
        dt.date(2026, 2, 12),
        time_limit=0.5,
    )
    assert plan.totals["sites_visited"] > 0
    points = hostile.assign(colour=['red" onload="alert(4)', "url(//evil.example/x)"] + ["#E60012"] * 5,
                            label=bad)
    page = briefing_html(
        plan,
        {"name": bad, "start": dt.date(2026, 2, 15)},
        {bad: bad},
        hotspot_table=pd.DataFrame([{"committee": bad, "high_risk": 1, "major": 1,
                                     "focus_high_risk": 0, "units": 2}]),
        boundary_rings=[[(121.38, 31.25), (121.40, 31.25), (121.40, 31.27)]],
        map_points=points,
    )

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: set[str] = set()
            self.attrs: list[tuple[str, str | None]] = []

        def handle_starttag(self, tag, attrs) -> None:
            self.tags.add(tag)
            self.attrs += attrs

    parsed = Tags()
    parsed.feed(page)
    assert not parsed.tags & {"script", "img", "iframe", "object", "embed"}
    assert not [a for a, _ in parsed.attrs if a.startswith("on")]
    fills = {v for a, v in parsed.attrs if a == "fill"}
    assert fills <= {"#E60012", "#f4f2ec"}  # free-text colours fall back to the default
    assert "\x00" not in page and "\x1b" not in page and "${" not in page and "`" not in page
    assert page.count("&lt;img src=x onerror=alert(2)&gt;") >= 5  # title, figure, name, ...
