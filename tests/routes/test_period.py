"""Period plans (routes.period): small hand-made calendars with a known best plan (brute force),
the statute's pace, risk first, nearby units together, shortfall reporting, re-plans with the
least change, day routes and the ``plan-period`` command line."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import itertools

import numpy as np
import pandas as pd
import pytest

from routes.period import (
    PeriodTeam,
    Weights,
    assign_visits,
    plan_period,
    read_teams,
    replan_period,
    team_days,
    visit_needs,
)
from routes.period.assign import _edges, plan_cost
from routes.planning import TeamSpec

MODULES = ["routes.period.calendar", "routes.period.needs", "routes.period.assign",
           "routes.period.report", "routes.period.plan"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0


def _jobs(rows) -> pd.DataFrame:
    """Jobs table from (id, kind, release, due, priority, lon, lat, skills, behind)."""
    df = pd.DataFrame(rows, columns=["job_id", "kind", "release", "due", "priority", "lon", "lat",
                                     "skills", "behind"])
    df["site_id"] = df["job_id"]
    df["k"] = np.where(df["kind"] == "复查", -1, 0)
    df["release"] = pd.to_datetime(df["release"])
    df["due"] = pd.to_datetime(df["due"])
    df["mandatory"] = df["due"] <= pd.Timestamp("2026-12-04")
    df["committee"] = "真西"
    df["category"] = "群租"
    return df


def _td(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "team", "capacity"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


def _brute_force(jobs, td, skills, w):
    """Least plan cost over every assignment respecting release, skills and capacity."""
    j, t, _ = _edges(jobs, td, skills, w)
    options = [[None] + [int(tt) for jj, tt in zip(j, t, strict=True) if jj == k]
               for k in range(len(jobs))]
    best = None
    for choice in itertools.product(*options):
        used = pd.Series([c for c in choice if c is not None]).value_counts()
        if any(used.get(i, 0) > cap for i, cap in enumerate(td["capacity"])):
            continue
        assigned = jobs.assign(
            date=[td["date"].iloc[c] if c is not None else pd.NaT for c in choice],
            team=[td["team"].iloc[c] if c is not None else None for c in choice],
        )
        cost = plan_cost(jobs, assigned, td, "2026-12-01", "2026-12-04", w)
        best = cost if best is None else min(best, cost)
    return best


CASES = {
    "tight": (
        [("r1", "复查", "2026-12-02", "2026-12-02", 10, 121.39, 31.25, frozenset(), False),
         ("a", "法定", "2026-12-01", "2026-12-01", 10, 121.40, 31.25, frozenset(), False),
         ("b", "法定", "2026-12-01", "2026-12-04", 90, 121.41, 31.26, frozenset(), False),
         ("c", "法定", "2026-12-01", "2026-11-20", 40, 121.39, 31.26, frozenset(), True),
         ("d", "法定", "2026-12-01", "2027-06-30", 95, 121.40, 31.24, frozenset(), False)],
        [("2026-12-01", "一组", 1), ("2026-12-02", "一组", 1), ("2026-12-03", "一组", 1)],
    ),
    "skills": (
        [("e1", "法定", "2026-12-01", "2026-12-01", 50, 121.39, 31.25, frozenset({"特种设备"}), False),
         ("e2", "法定", "2026-12-01", "2026-12-02", 70, 121.40, 31.25, frozenset({"特种设备"}), False),
         ("f", "法定", "2026-12-01", "2026-12-01", 20, 121.41, 31.26, frozenset(), False),
         ("g", "复查", "2026-12-01", "2026-12-03", 30, 121.39, 31.26, frozenset(), False),
         ("h", "法定", "2026-12-01", "2027-03-31", 80, 121.40, 31.24, frozenset(), False),
         ("i", "法定", "2026-12-01", "2026-12-02", 60, 121.42, 31.24, frozenset(), False)],
        [("2026-12-01", "一组", 1), ("2026-12-01", "二组", 1), ("2026-12-02", "一组", 1),
         ("2026-12-03", "二组", 1)],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_assignment_is_the_brute_force_optimum(case):
    rows, tdays = CASES[case]
    jobs, td = _jobs(rows), _td(tdays)
    skills = {"一组": frozenset({"特种设备"}), "二组": frozenset()}
    w = Weights(geo=0.0)
    plan = assign_visits(jobs, td, "2026-12-01", "2026-12-04", team_skills=skills, weights=w)
    assert plan_cost(jobs, plan, td, "2026-12-01", "2026-12-04", w) == pytest.approx(
        _brute_force(jobs, td, skills, w))
    # no team-day over capacity, no specialist visit by a team without the skill
    per_td = plan.dropna(subset=["date"]).groupby(["date", "team"]).size()
    cap = td.set_index(["date", "team"])["capacity"]
    assert (per_td <= cap.reindex(per_td.index)).all()
    special = plan[plan["skills"].map(bool) & plan["date"].notna()]
    assert set(special["team"]) <= {"一组"}


def test_known_best_plan_reinspection_by_deadline_statute_on_time_then_risk():
    jobs = _jobs(CASES["tight"][0])
    td = _td([("2026-12-01", "一组", 1), ("2026-12-02", "一组", 1), ("2026-12-03", "一组", 2)])
    plan = assign_visits(jobs, td, "2026-12-01", "2026-12-04").set_index("job_id")
    # a is only on time on Tuesday: it takes Tuesday although the overdue c and the riskier b
    # would go first by lateness or risk; the 复查 on its day; the optional d finds no room
    assert plan["date"].dt.strftime("%m-%d").fillna("-").to_dict() == {
        "r1": "12-02", "a": "12-01", "b": "12-03", "c": "12-03", "d": "-"}
    # one slot less: every plan misses one statutory visit; the lowest risk (a) is the one
    short = td.assign(capacity=1)
    plan = assign_visits(jobs, short, "2026-12-01", "2026-12-04").set_index("job_id")
    assert plan["date"].dt.strftime("%m-%d").fillna("-").to_dict() == {
        "r1": "12-02", "a": "-", "b": "12-03", "c": "12-01", "d": "-"}
    from routes.period import shortfall

    sf = shortfall(plan.reset_index(), short)
    assert (sf.missed, sf.left_out, sf.late, sf.team_days_needed) == (1, 1, 0, 1)
    assert sf.by_committee.loc["真西"].tolist() == [4, 1]


def test_spare_capacity_goes_to_the_riskiest_units_first():
    rows = [(f"u{p}", "法定", "2026-12-01", "2027-06-30", p, 121.39 + p / 10000, 31.25, frozenset(), False)
            for p in (10, 80, 30, 95, 60)]
    td = _td([("2026-12-01", "一组", 1), ("2026-12-02", "一组", 1), ("2026-12-03", "一组", 1)])
    plan = assign_visits(_jobs(rows), td, "2026-12-01", "2026-12-04").dropna(subset=["date"])
    assert plan.sort_values("date")["job_id"].tolist() == ["u95", "u80", "u60"]


def test_nearby_units_share_a_day():
    west = [(f"w{i}", "法定", "2026-12-01", "2027-06-30", 50, 121.37 + i * 1e-4, 31.25, frozenset(), False)
            for i in range(3)]
    east = [(f"e{i}", "法定", "2026-12-01", "2027-06-30", 50, 121.42 + i * 1e-4, 31.25, frozenset(), False)
            for i in range(3)]
    rows = [r for pair in zip(west, east, strict=True) for r in pair]  # interleaved input
    td = _td([("2026-12-01", "一组", 3), ("2026-12-02", "一组", 3)])
    plan = assign_visits(_jobs(rows), td, "2026-12-01", "2026-12-04")
    days = plan.groupby(plan["job_id"].str[0])["date"].nunique()
    assert days.to_dict() == {"e": 1, "w": 1}


def test_owed_visits_follow_the_statutory_pace_on_distinct_spread_days():
    sites = pd.DataFrame({"site_id": ["K"], "lon": [121.39], "lat": [31.25], "key_list": [True],
                          "score": [50.0]})
    insp = pd.DataFrame({"site_id": ["K"], "date": pd.to_datetime(["2026-02-01"]), "type": ["日常"]})
    jobs = visit_needs(sites, insp, pd.DataFrame(), "2026-12-01", "2026-12-31")
    assert jobs["due"].dt.strftime("%m-%d").tolist() == ["06-30", "09-30", "12-31"]
    assert jobs["behind"].tolist() == [True, True, False]
    plan = plan_period(sites, insp, pd.DataFrame(), [PeriodTeam(TeamSpec("一组"), capacity=5)],
                       "2026-12-01", 31)
    days = plan.planned.sort_values("k")["date"].tolist()
    assert len(set(days)) == 3 and days == sorted(days)
    assert min(np.diff(days)) >= pd.Timedelta(days=5)  # not three visits in one week
    # in March the next visit owed may be made at once (spare capacity goes ahead of the pace);
    # a key unit's visit after that waits for its quarter
    march = visit_needs(sites.assign(key_list=[False]), insp, pd.DataFrame(), "2026-03-02", "2026-03-31")
    assert march[["k", "release", "mandatory"]].astype(str).values.tolist() == [["1", "2026-03-02", "False"]]
    key = visit_needs(sites, insp, pd.DataFrame(), "2026-03-02", "2026-07-31")
    assert key["release"].dt.strftime("%m-%d").tolist() == ["03-02", "07-01"]
    # 停业 owes nothing
    closed = sites.assign(operating_state="停业")
    assert visit_needs(closed, insp, pd.DataFrame(), "2026-12-01", "2026-12-31").empty


def test_reinspection_jobs_use_the_office_limit_and_the_deadline():
    sites = pd.DataFrame({"site_id": ["A", "B"], "lon": [121.39, 121.40], "lat": [31.25, 31.25],
                          "score": [10.0, 20.0], "key_list": False})
    insp = pd.DataFrame({"site_id": ["A", "B"], "date": pd.to_datetime(["2026-11-01"] * 2)})
    hz = pd.DataFrame({
        "site_id": ["A", "B"], "status": ["待复查", "整改中"], "level": ["重大", "一般"],
        "found_date": pd.to_datetime(["2026-11-01", "2026-11-01"]),
        "deadline": pd.to_datetime(["2026-12-20", "2026-12-10"]),
        "rectified_date": pd.to_datetime(["2026-11-27", None]),
        "reinspection_date": pd.NaT, "closed_date": pd.NaT,
    })
    jobs = visit_needs(sites, insp, hz, "2026-12-01", "2026-12-31").set_index("site_id")
    re_ = jobs[jobs["kind"] == "复查"]
    # rectified Fri 11-27: 5 working days → 12-04; B still with the unit: from its deadline
    # (Thu 12-10) to 5 working days later (Thu 12-17)
    assert re_.loc["A", "due"] == pd.Timestamp("2026-12-04") and bool(re_.loc["A", "major"])
    assert re_.loc["B", "release"] == pd.Timestamp("2026-12-10")
    assert re_.loc["B", "due"] == pd.Timestamp("2026-12-17")


def test_team_days_follow_holidays_leave_duty_and_pre_holiday_reserve():
    lead = PeriodTeam(TeamSpec("领导组", leader="张明"), capacity=10)
    plain = PeriodTeam(TeamSpec("一组"), capacity=10, off_days=(dt.date(2026, 4, 28),),
                       work_days=(dt.date(2026, 5, 2),))
    td = team_days([lead, plain], dt.date(2026, 4, 27), 14)
    one = td[td["team"] == "一组"]["date"].dt.strftime("%m-%d").tolist()
    # 劳动节 05-01..05-05 off, 05-09 (Saturday) 调休 work day; leave on 04-28, on call 05-02
    assert one == ["04-27", "04-29", "04-30", "05-02", "05-06", "05-07", "05-08", "05-09"]
    # the week before the holiday: the leader's team keeps half its day for 节前检查
    led = td[td["team"] == "领导组"]
    lead_cap = led.set_index(led["date"].dt.strftime("%m-%d"))["capacity"]
    assert lead_cap["04-27"] == 5 and lead_cap["05-06"] == 10


def test_read_teams_reports_bad_rows_in_chinese(tmp_path):
    f = tmp_path / "teams.csv"
    f.write_text("小组,交通方式,每日检查量,请假\n一组,汽车,12,2026-12-03\n二组,步行,,\n", encoding="utf-8")
    teams = read_teams(f)
    assert [(t.name, t.day_capacity, t.off_days) for t in teams] == [
        ("一组", 12, (dt.date(2026, 12, 3),)), ("二组", 7, ())]
    f.write_text("小组,请假\n一组,明天\n", encoding="utf-8")
    from routes.planning import PlanningError

    with pytest.raises(PlanningError, match="不是日期"):
        read_teams(f)


# -- the small sample store ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables(small_store):
    from registry.store import SQLiteStore
    from risk import join_scores, score_sites

    with SQLiteStore(small_store) as store:
        sites, insp, hz, assets = store.sites(), store.inspections(), store.hazards(), store.assets()
    start = pd.Timestamp("2026-12-01")
    before = start - pd.Timedelta(days=1)
    insp = insp[insp["date"] <= before]
    hz = hz[hz["found_date"] <= before]
    scored = pd.DataFrame(join_scores(sites, score_sites(sites, insp, hz, before, assets=assets))
                          .drop(columns="geometry"))
    return scored, insp, hz


def _teams(n, capacity=None):
    return [PeriodTeam(TeamSpec(f"巡查{i}组", skills=("真如市场监管所", "社区管理办") if i == 1 else ()),
                       capacity=capacity) for i in range(1, n + 1)]


def test_shortfall_is_reported_by_committee_and_sector_and_closes_with_team_days(tables):
    scored, insp, hz = tables
    short = plan_period(scored, insp, hz, _teams(1, capacity=4), "2026-12-01", 31)
    sf = short.shortfall
    assert sf.missed > 0 and sf.missed == sf.left_out + sf.late
    assert sf.by_committee["未按期"].sum() == sf.missed == sf.by_sector["未按期"].sum()
    assert sf.team_days_needed == -(-sf.missed // 4)
    assert pd.notna(sf.first_short_day)
    assert f"{sf.missed} 家次无法按期完成" in sf.summary_zh()
    # the team-days it asks for close most of the gap
    extra = -(-sf.team_days_needed // len(short.team_days)) + 1
    more = plan_period(scored, insp, hz, _teams(extra, capacity=4), "2026-12-01", 31)
    assert more.shortfall.missed < sf.missed / 4
    # all 复查 that fit are made by their deadline before any statutory visit is
    re_ = short.visits[(short.visits["kind"] == "复查") & short.visits["mandatory"]]
    assert re_["date"].notna().mean() > 0.9


def test_replan_after_a_day_keeps_the_other_days(tables):
    scored, insp, hz = tables
    teams = _teams(2)
    plan = plan_period(scored, insp, hz, teams, "2026-12-01", 14)
    first = plan.planned[plan.planned["date"] == "2026-12-01"]
    done = pd.DataFrame({"site_id": first["site_id"], "date": pd.Timestamp("2026-12-01"),
                         "type": np.where(first["kind"] == "复查", "复查", "日常")})
    insp2 = pd.concat([insp, done], ignore_index=True)
    hz2 = hz.copy()
    reinspected = hz2["site_id"].isin(first.loc[first["kind"] == "复查", "site_id"]) & (
        hz2["status"] == "待复查")
    hz2.loc[reinspected, ["status", "closed_date"]] = ["已销号", pd.Timestamp("2026-12-01")]
    later = replan_period(plan, scored, insp2, hz2, "2026-12-02")
    fresh = plan_period(scored, insp2, hz2, teams, "2026-12-02", 13)

    def kept(p):
        old = plan.planned.set_index("job_id")[["date", "team"]]
        new = p.planned.set_index("job_id")[["date", "team"]]
        both = old.index.intersection(new.index)
        return (old.loc[both] == new.loc[both]).all(axis=1).mean()

    assert kept(later) >= 0.9
    assert kept(later) > kept(fresh)
    # a unit visited on day one is not planned again for the visit it just had
    done_ids = set(first.loc[first["kind"] == "法定", "site_id"] + ":法定:" + first.loc[first["kind"] == "法定", "k"].astype(str))
    assert not later.visits["job_id"].isin(done_ids).any()
    assert later.shortfall.missed <= plan.shortfall.missed


def test_a_month_of_the_sample_plans_within_capacity(tables):
    scored, insp, hz = tables
    plan = plan_period(scored, insp, hz, _teams(3), "2026-12-01", 31)
    per_td = plan.planned.groupby(["date", "team"]).size()
    cap = plan.team_days.set_index(["date", "team"])["capacity"]
    assert (per_td <= cap.reindex(per_td.index)).all()
    cal = plan.calendar()
    assert list(cal.index) == ["巡查1组", "巡查2组", "巡查3组"]
    assert int(cal.replace("休", 0).to_numpy().sum()) == len(plan.planned)
    seq = plan.sequence()
    assert len(seq) == len(plan.planned.drop_duplicates(["date", "team", "site_id"]))
    for _, g in seq.groupby(["date", "team"]):
        assert g["order"].tolist() == list(range(1, len(g) + 1))
        assert g["planned_arrival"].tolist() == sorted(g["planned_arrival"])


def test_route_day_keeps_each_unit_with_its_team(tables):
    scored, insp, hz = tables
    plan = plan_period(scored, insp, hz, _teams(2), "2026-12-01", 7)
    routed = plan.route_day("2026-12-02", scored, time_limit=0.3)
    stops = routed.all_stops()
    want = plan.planned[plan.planned["date"] == "2026-12-02"].drop_duplicates("site_id")
    team_of = dict(zip(want["site_id"], want["team"], strict=True))
    assert len(stops) > 0
    assert all(team_of[s] == t for s, t in zip(stops["site_id"], stops["team"], strict=True))


def test_cli_plan_period_writes_one_row_per_visit(small_store, tmp_path, capsys):
    from routes.__main__ import main

    teams = tmp_path / "teams.csv"
    teams.write_text("小组,交通方式,每日检查量\n=巡查1组,电动自行车,8\n巡查2组,汽车,9\n", encoding="utf-8")
    out, short = tmp_path / "plan.csv", tmp_path / "short.csv"
    code = main(["plan-period", "--store", str(small_store), "--from", "2026-12-01", "--days", "14",
                 "--teams", str(teams), "--out", str(out), "--shortfall", str(short)])
    assert code == 0
    assert "计划检查" in capsys.readouterr().out
    df = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(df.columns[:5]) == ["date", "team", "order", "site_id", "planned_arrival"]
    assert df["date"].between("2026-12-01", "2026-12-14").all()
    assert set(df["team"]) == {"'=巡查1组", "巡查2组"}  # a formula-like name is guarded
    per = df.groupby(["date", "team"]).size()
    assert per.xs("巡查2组", level="team").max() <= 9
    assert not df.duplicated(["date", "site_id"]).any()
    assert set(pd.read_csv(short, encoding="utf-8-sig")["维度"]) <= {"居委", "行业"}
    # errors: a missing teams file is a Chinese message and exit code 2
    code = main(["plan-period", "--store", str(small_store), "--from", "2026-12-01", "--days", "7",
                 "--teams", str(tmp_path / "none.csv"), "--out", str(out)])
    assert code == 2
    assert "找不到队伍文件" in capsys.readouterr().err


def test_a_period_across_new_year_makes_this_years_visit_first():
    sites = pd.DataFrame({"site_id": ["B"], "lon": [121.39], "lat": [31.25], "key_list": [False],
                          "score": [40.0]})
    insp = pd.DataFrame({"site_id": ["B"], "date": pd.to_datetime(["2026-02-01"]), "type": ["日常"]})
    plan = plan_period(sites, insp, pd.DataFrame(), [PeriodTeam(TeamSpec("一组"), capacity=1)],
                       "2026-11-02", 92)
    got = plan.planned.sort_values("date")[["due", "date"]].astype(str).values.tolist()
    assert got[0] == ["2026-12-31", "2026-11-02"]  # this year's visit at once, not after New Year
    assert all(d >= "2027-01-01" for due, d in got[1:])
