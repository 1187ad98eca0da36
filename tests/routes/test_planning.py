"""Day planning end to end on a synthetic set of sites around 真如."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from routes.feasibility import check
from routes.planning import (
    PlanningError,
    RoutePlan,
    TeamSpec,
    build_problem,
    fmt_hhmm,
    parse_hhmm,
    plan_routes,
)
from routes.travel import MatrixProvider, StraightLineProvider

DAY = dt.date(2026, 12, 1)
CATS = ["群租", "快递外卖点", "人员密集场所", "厂房仓库", "特种设备", "建筑施工", "三合一场所", "电动自行车"]
# Fast, and deterministic: the iteration budget (not the deadline) ends the search.
FAST = {"time_limit": 20.0, "max_iterations": 150}


def synthetic_sites(n: int = 40, seed: int = 1) -> pd.DataFrame:
    """~40 sites inside the 真如 bbox with must-visits, closed, leader-led and specialist sites."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "name": [f"测试单位{i}" for i in range(n)],
            "address": [f"真如路{i}号" for i in range(n)],
            "lon": rng.uniform(121.376, 121.404, n),
            "lat": rng.uniform(31.248, 31.269, n),
            "category": [CATS[i % len(CATS)] for i in range(n)],
            "score": rng.uniform(10, 95, n).round(1),
            "level": "一般",
        }
    )
    df["must_visit"] = False
    df["must_reasons"] = None
    for i in (0, 1, 2, 3):  # 群租, 快递, 人员密集, 厂房 — no specialist skill needed
        df.loc[i, "must_visit"] = True
        df.loc[i, "must_reasons"] = "重大隐患逾期未整改"
    df["leader_led"] = False
    df.loc[8, "leader_led"] = True  # 群租
    df["open_time"] = None
    df["close_time"] = None
    df.loc[6, ["open_time", "close_time"]] = ["19:00", "23:00"]  # 三合一, evening only
    df.loc[9, ["open_time", "close_time"]] = ["22:00", "06:00"]  # overnight
    df.loc[10, ["open_time", "close_time"]] = ["14:00", "16:00"]  # afternoon only
    return df


def teams() -> list[TeamSpec]:
    return [
        TeamSpec("平安办一组", leader="王主任", members=("李四", "张三")),
        TeamSpec("平安办二组", mode="步行"),
        TeamSpec("市场监管组", mode="汽车", skills={"真如市场监管所"}),
    ]


@pytest.fixture(scope="module")
def sites() -> pd.DataFrame:
    return synthetic_sites()


@pytest.fixture(scope="module")
def plan(sites: pd.DataFrame) -> RoutePlan:
    return plan_routes(sites, teams(), DAY, **FAST)


def _team_of(plan: RoutePlan) -> dict[str, str]:
    return {sid: r.team.name for r in plan.routes for sid in r.stops["site_id"]}


def test_every_route_passes_the_feasibility_check(plan: RoutePlan) -> None:
    assert plan.check_messages == []
    assert check(plan.problem, plan.solution) == []
    assert plan.feasible


def test_every_candidate_is_either_planned_or_explained(plan: RoutePlan, sites) -> None:
    planned = [sid for r in plan.routes for sid in r.stops["site_id"]]
    left = plan.left_out["site_id"].tolist()
    assert len(planned) == len(set(planned))
    assert sorted(planned + left) == sorted(sites["site_id"])
    assert plan.left_out["reason"].str.len().gt(0).all()
    assert plan.totals["sites_visited"] == len(planned)
    assert plan.totals["left_out"] == len(left)


def test_must_visits_are_served(plan: RoutePlan, sites) -> None:
    musts = set(sites.loc[sites["must_visit"], "site_id"])
    assert musts <= set(_team_of(plan))
    assert plan.totals["must_total"] == 4
    assert plan.totals["must_served"] == 4 and plan.totals["must_missed"] == 0
    stops = plan.all_stops()
    assert (stops.loc[stops["must_visit"], "must_reasons"] == "重大隐患逾期未整改").all()


def test_closed_sites_are_reported_with_the_chinese_reason(plan: RoutePlan) -> None:
    left = plan.left_out.set_index("site_id")
    for sid in ("S000006", "S000009"):
        assert left.loc[sid, "reason_code"] == "closed"
        assert left.loc[sid, "reason"].startswith("营业时间与班次不重叠")
    assert "19:00-23:00" in left.loc["S000006", "reason"]


def test_opening_hours_are_respected(plan: RoutePlan) -> None:
    stops = plan.all_stops().set_index("site_id")
    if "S000010" in stops.index:  # afternoon-only site
        assert parse_hhmm(stops.loc["S000010", "start"]) >= 14 * 60
        assert parse_hhmm(stops.loc["S000010", "leave"]) <= 16 * 60


def test_skills_are_respected(plan: RoutePlan, sites) -> None:
    team_of = _team_of(plan)
    special = sites.loc[sites["category"] == "特种设备", "site_id"]
    assert any(sid in team_of for sid in special)
    for sid in special:
        if sid in team_of:
            assert team_of[sid] == "市场监管组"
    # nobody holds 建筑施工: every construction site is left out, naming the department
    left = plan.left_out.set_index("site_id")
    for sid in sites.loc[sites["category"] == "建筑施工", "site_id"]:
        assert left.loc[sid, "reason_code"] == "skill"
        assert "无具备该专业资质的队伍(需社区管理办)" in left.loc[sid, "reason"]


def test_leader_led_sites_only_go_to_teams_with_a_leader(plan: RoutePlan) -> None:
    team_of = _team_of(plan)
    assert team_of.get("S000008") == "平安办一组"
    stops = plan.all_stops()
    assert set(stops.loc[stops["leader_led"], "team"]) <= {"平安办一组"}
    assert "领导带队" in stops.set_index("site_id").loc["S000008", "focus"]


def test_stop_times_are_consistent(plan: RoutePlan) -> None:
    shifts = [(540, 690), (810, 1020)]
    for r in plan.routes:
        s = r.stops
        assert s["seq"].tolist() == list(range(1, len(s) + 1))
        arrival = s["arrival"].map(parse_hhmm)
        start = s["start"].map(parse_hhmm)
        leave = s["leave"].map(parse_hhmm)
        assert (start >= arrival).all()
        assert ((leave - start - s["service_min"]).abs() <= 1).all()
        assert (start.iloc[1:].to_numpy() >= leave.iloc[:-1].to_numpy()).all()
        for a, b in zip(start, leave, strict=True):  # inside one shift, ±1 min rounding
            assert any(lo - 1 <= a and b <= hi + 1 for lo, hi in shifts)
        assert parse_hhmm(r.end_time) <= 17 * 60 + 1
        waits = s[s["note"].str.startswith("午休后")]
        assert (waits["start"] == "13:30").all()


def test_service_minutes_come_from_the_sector_table(plan: RoutePlan) -> None:
    stops = plan.all_stops()
    by_cat = stops.groupby("category")["service_min"].first().to_dict()
    assert by_cat.get("群租") == 20
    assert by_cat.get("厂房仓库") == 45


def test_totals_and_summary(plan: RoutePlan) -> None:
    t = plan.totals
    assert t["teams"] == 3 and t["candidates"] == 40
    assert t["priority_collected"] == pytest.approx(plan.all_stops()["priority"].sum())
    text = plan.summary_zh()
    assert "2026年12月01日" in text
    assert f"安排 {t['sites_visited']} 家" in text
    assert "必查单位 4 家全部安排" in text
    assert "近似" in text  # the office position is approximate
    assert "平安办一组" in text


def test_deterministic_for_a_seed(sites) -> None:
    a = plan_routes(sites, teams(), DAY, seed=5, **FAST)
    b = plan_routes(sites, teams(), DAY, seed=5, **FAST)
    assert [r.stops["site_id"].tolist() for r in a.routes] == [
        r.stops["site_id"].tolist() for r in b.routes
    ]


def test_too_many_must_visits_get_the_capacity_reason() -> None:
    df = synthetic_sites(12, seed=4)
    df["category"] = "厂房仓库"  # 45 min each
    df["leader_led"] = False
    df["must_visit"] = True
    df["open_time"] = None
    df["close_time"] = None
    team = TeamSpec("独组", mode="步行", shifts=("09:00-11:30",))
    plan = plan_routes(df, [team], DAY, **FAST)
    assert plan.totals["must_missed"] > 0
    missed = plan.left_out[plan.left_out["must_visit"]]
    assert len(missed) == plan.totals["must_missed"]
    assert (missed["reason"] == "必查单位超出当日可用时间，建议增派一组或次日优先").all()
    assert "未能安排" in plan.summary_zh()


def test_max_candidates_keeps_must_visits(sites) -> None:
    plan = plan_routes(sites, teams(), DAY, max_candidates=10, **FAST)
    cut = plan.left_out[plan.left_out["reason_code"] == "cut"]
    assert len(cut) == 30
    assert not cut["must_visit"].any()
    assert cut["reason"].str.contains("未进入本日候选").all()
    kept = sites[~sites["site_id"].isin(cut["site_id"])]
    assert kept["must_visit"].sum() == 4
    assert cut["priority"].max() <= kept.loc[~kept["must_visit"], "score"].min()


def test_other_priority_column_and_external_matrix(sites) -> None:
    df = sites.drop(columns=["score"]).assign(p=np.arange(len(sites), dtype=float))
    ids = ["OFFICE", *df["site_id"]]
    from layers.geodata import office

    o = office().iloc[0]
    lons = np.concatenate([[o["lon"]], df["lon"]])
    lats = np.concatenate([[o["lat"]], df["lat"]])
    minutes = StraightLineProvider("汽车").matrix(lons, lats)
    ext = MatrixProvider(pd.DataFrame(minutes * 60, index=ids, columns=ids), unit="s", mode="汽车")
    team = TeamSpec("车组", mode="汽车", skills={"特种设备"}, leader="刘")
    plan = plan_routes(df, [team], DAY, provider={"汽车": ext}, priority="p", **FAST)
    assert plan.feasible
    stops = plan.routes[0].stops
    assert stops["priority"].tolist() == [float(s[1:]) for s in stops["site_id"]]
    first = stops.iloc[0]
    assert first["travel_min"] == pytest.approx(
        minutes[0, ids.index(first["site_id"])], abs=0.06
    )


def test_custom_start_point_and_no_office_note(sites) -> None:
    team = TeamSpec("一组", start_lon=121.3925, start_lat=31.2535, start_label="铜川路站")
    plan = plan_routes(sites.head(8), [team], DAY, **FAST)
    assert plan.routes[0].start.label == "铜川路站"
    assert plan.routes[0].end.label == "铜川路站"
    assert "近似" not in plan.summary_zh()


def test_time_helpers() -> None:
    assert parse_hhmm("9:05") == 545
    assert parse_hhmm("13：30") == 810  # full-width colon from a phone keyboard
    assert fmt_hhmm(545.4) == "09:05"
    with pytest.raises(PlanningError, match="HH:MM"):
        parse_hhmm("九点")
    with pytest.raises(PlanningError, match="不存在"):
        parse_hhmm("25:00")


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"teams": []}, "没有可用的检查队伍"),
        ({"teams": [TeamSpec("一组", shifts=("11:30-09:00",))]}, "结束时间 09:00 不晚于开始时间 11:30"),
        ({"teams": [TeamSpec("一组", shifts=())]}, "没有班次"),
        ({"teams": [TeamSpec("一组", mode="飞机")]}, "未知的交通方式"),
        ({"teams": [TeamSpec("一组"), TeamSpec("一组")]}, "队伍名称重复"),
        ({"teams": [TeamSpec("一组", start_lon=121.39)]}, "只给了经度或纬度"),
        ({"candidates": "empty"}, "没有候选单位"),
        ({"candidates": "no_coords"}, "缺少有效坐标"),
        ({"candidates": "dup"}, "编号重复"),
        ({"priority": "风险"}, "缺少优先级列"),
        ({"max_candidates": 0}, "上限"),
        ({"candidates": "bad_hours"}, "营业时间有误"),
    ],
)
def test_bad_input_raises_planning_error_in_chinese(sites, kwargs, message) -> None:
    args = {"candidates": sites.head(6).copy(), "teams": [TeamSpec("一组")], "priority": "score"}
    args.update(kwargs)
    special = args["candidates"]
    if isinstance(special, str):
        df = sites.head(6).copy()
        if special == "empty":
            df = df.iloc[0:0]
        elif special == "no_coords":
            df.loc[df.index[2], "lon"] = np.nan
        elif special == "dup":
            df.loc[df.index[1], "site_id"] = df.loc[df.index[0], "site_id"]
        elif special == "bad_hours":
            df.loc[df.index[0], ["open_time", "close_time"]] = ["8点", "17:00"]
        args["candidates"] = df
    with pytest.raises(PlanningError, match=message) as info:
        plan_routes(args.pop("candidates"), args.pop("teams"), DAY, **args, **FAST)
    if kwargs.get("candidates") == "no_coords":
        assert "S000002" in str(info.value)  # names the site


# ------------------------------------------------------------------ build_problem


def test_built_problem_carries_what_the_plan_honours(sites) -> None:
    pp = build_problem(sites, teams(), DAY)
    visits = {v.id: v for v in pp.problem.visits}
    assert len(visits) == len(sites) and pp.n_dep == 1  # every team starts at the office
    assert {sid for sid, v in visits.items() if v.must} == set(sites.loc[sites["must_visit"], "site_id"])
    assert visits["S000006"].windows == ((19 * 60, 23 * 60),)
    assert visits["S000009"].windows == ((0.0, 6 * 60), (22 * 60, 1440.0))  # overnight
    assert visits["S000010"].windows == ((14 * 60, 16 * 60),)
    assert visits["S000008"].skills == {"领导带队"}
    for sid, cat in zip(sites["site_id"], sites["category"], strict=True):
        if cat in ("特种设备", "建筑施工"):
            assert cat in visits[sid].skills
    assert visits["S000003"].service == 45  # 厂房仓库, from the sector table
    lead, walk, market = pp.problem.teams
    assert lead.shifts == walk.shifts == ((540.0, 690.0), (810.0, 1020.0))  # lunch break
    assert (lead.matrix, walk.matrix, market.matrix) == ("电动自行车", "步行", "汽车")
    assert "领导带队" in lead.skills and market.skills == {"特种设备"}
    assert pp.record_of(0)["site_id"] == pp.problem.visits[0].id


def test_solving_the_built_problem_gives_the_routes_of_plan_routes(sites, plan: RoutePlan) -> None:
    from routes.solver import solve

    pp = build_problem(sites, teams(), DAY)
    sol = solve(pp.problem, seed=0, **FAST)  # the plan fixture: seed 0, same budget
    assert check(pp.problem, sol) == []
    got = [[pp.record_of(s.visit)["site_id"] for s in r.stops] for r in sol.routes]
    assert got == [r.stops["site_id"].tolist() for r in plan.routes]
    assert sol.prize == pytest.approx(plan.totals["priority_collected"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"teams": []}, "没有可用的检查队伍"),
        ({"teams": [TeamSpec("一组"), TeamSpec("一组")]}, "队伍名称重复"),
        ({"max_candidates": 0}, "上限"),
        ({"priority": "风险"}, "缺少优先级列"),
    ],
)
def test_build_problem_rejects_bad_input_like_plan_routes(sites, kwargs, message) -> None:
    args = {"teams": [TeamSpec("一组")], **kwargs}
    with pytest.raises(PlanningError, match=message):
        build_problem(sites.head(6), args.pop("teams"), DAY, **args)


def test_plan_days_carries_left_out_sites_forward() -> None:
    from routes.planning import multi_day_summary_zh, plan_days

    df = synthetic_sites(24, seed=8)
    df["open_time"] = None
    df["close_time"] = None
    df["leader_led"] = False
    df["category"] = "厂房仓库"  # 45 min: one morning shift takes ~3 sites
    df["must_visit"] = False
    df.loc[df["score"].idxmin(), "must_visit"] = True  # lowest priority, but must
    team = [TeamSpec("一组", shifts=("09:00-11:30",))]
    days = [DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)]
    plans = plan_days(df, team, days, **FAST)
    assert [p.date for p in plans] == days
    visited = [sid for p in plans for sid in p.all_stops()["site_id"]]
    assert len(visited) == len(set(visited))  # nobody visited twice
    must_id = df.loc[df["must_visit"], "site_id"].item()
    assert must_id in set(plans[0].all_stops()["site_id"])
    assert plans[1].totals["candidates"] == 24 - plans[0].totals["sites_visited"]
    assert all(p.feasible for p in plans)
    text = multi_day_summary_zh(plans)
    assert f"共安排 {len(visited)} 家" in text
    assert f"仍未安排 {24 - len(visited)} 家" in text
    with pytest.raises(PlanningError, match="日期重复"):
        plan_days(df, team, [DAY, DAY], **FAST)


def test_a_single_provider_is_adapted_to_each_team_mode(sites) -> None:
    from shapely.geometry import LineString

    from routes.travel import StreetGraphProvider

    grid = [LineString([(121.37, 31.25 + k * 0.002), (121.41, 31.25 + k * 0.002)]) for k in range(11)]
    grid += [LineString([(121.37 + k * 0.002, 31.245), (121.37 + k * 0.002, 31.272)]) for k in range(21)]
    streets = StreetGraphProvider(grid, "电动自行车")
    two = [TeamSpec("步行组", mode="步行"), TeamSpec("汽车组", mode="汽车")]
    plan = plan_routes(sites.head(10), two, DAY, provider=streets, **FAST)
    walk, car = plan.problem.travel["步行"], plan.problem.travel["汽车"]
    off = ~np.eye(len(walk), dtype=bool)
    np.testing.assert_allclose(walk[off] / car[off], 20.0 / 4.5)
    assert plan.feasible


def test_left_out_reasons_in_chinese() -> None:
    from routes.explain import focus_points, left_out_reason, must_reason_text

    assert left_out_reason("capacity", must=True) == "必查单位超出当日可用时间，建议增派一组或次日优先"
    assert left_out_reason("low_priority") == "优先级较低，本日容量已满"
    assert left_out_reason("skill", skills={"特种设备"}) == "无具备该专业资质的队伍(需真如市场监管所)"
    assert left_out_reason("skill", skills={"建筑施工", "领导带队"}).endswith("且须领导带队")
    assert "未进入本日候选" in left_out_reason("cut", top_n=30)
    assert "30" in left_out_reason("cut", top_n=30)
    assert must_reason_text(["法定检查逾期", "挂牌督办"]) == "法定检查逾期；挂牌督办"
    assert must_reason_text(None) == ""
    # risk reasons come as (text, contribution) pairs
    text = focus_points({"category": "特种设备", "leader_led": True,
                         "reasons": [("电梯使用超15年", 0.4), ("近一年隐患2处", 0.2), ("x", 0.1)]})
    assert text.startswith("领导带队；电梯使用超15年；近一年隐患2处；重点查看：")
    assert "x；" not in text


def test_team_skills_expand_departments() -> None:
    assert TeamSpec("a", skills={"真如市场监管所"}).skill_set() == frozenset({"特种设备"})
    assert TeamSpec("b", skills=("社区管理办",), leader="李").skill_set() == frozenset(
        {"建筑施工", "领导带队"}
    )
    assert TeamSpec("c", skills="特种设备").skill_set() == frozenset({"特种设备"})
    assert TeamSpec("d").shift_minutes() == ((540.0, 690.0), (810.0, 1020.0))
    assert TeamSpec("e", shifts="08:30-12:00，13:00-17:30").shift_minutes() == (
        (510.0, 720.0),
        (780.0, 1050.0),
    )
    with pytest.raises(PlanningError, match="重叠"):
        TeamSpec("f", shifts=("09:00-12:00", "11:00-13:00")).shift_minutes()


def test_approximate_site_coordinates_are_flagged_on_the_stop(sites) -> None:
    df = sites.head(5).assign(coord_quality=["osm", "approximate", "geocoded", "osm", "osm"])
    df["open_time"] = None
    df["close_time"] = None
    plan = plan_routes(df, [TeamSpec("一组", leader="王")], DAY, **FAST)
    stops = plan.all_stops().set_index("site_id")
    assert "坐标为近似" in stops.loc["S000001", "note"]
    assert "坐标为近似" not in stops.loc["S000000", "note"]
