"""The product-workload benchmark: every solver's answer is judged by our rules."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import routes_workload as wl

from routes.feasibility import route_feasible
from routes.model import Problem, Team, Visit
from routes.planning import TeamSpec

SOLVERS = ["ours", "ortools", "vroom"]


def _tiny_scenario() -> wl.Scenario:
    """18 sites: must-visits, opening hours (one afternoon-only, one morning-only market),
    a leader-led site and two 特种设备 sites; two teams with different modes and skills."""
    rng = np.random.default_rng(3)
    n = 18
    cats = ["群租", "快递外卖点", "人员密集场所", "厂房仓库", "特种设备", "三合一场所"]
    df = pd.DataFrame(
        {
            "site_id": [f"T{i:03d}" for i in range(n)],
            "lon": rng.uniform(121.378, 121.402, n),
            "lat": rng.uniform(31.249, 31.267, n),
            "category": [cats[i % len(cats)] for i in range(n)],
            "score": rng.uniform(20, 95, n).round(1),
            "must_visit": [i in (0, 1, 2, 7) for i in range(n)],
            "leader_led": [i == 3 for i in range(n)],
            "open_time": [None] * n,
            "close_time": [None] * n,
        }
    )
    df.loc[5, ["open_time", "close_time"]] = ["14:00", "02:00"]
    df.loc[8, ["open_time", "close_time"]] = ["06:00", "12:00"]
    df.loc[9, ["open_time", "close_time"]] = ["10:00", "21:00"]
    teams = (
        TeamSpec("一组", leader="王主任"),
        TeamSpec("市场监管组", mode="汽车", skills=("真如市场监管所",)),
    )
    return wl.Scenario("t", "tiny", df, teams, dt.date(2026, 12, 1))


@pytest.fixture(scope="module")
def rows() -> list[wl.Row]:
    return wl.run_scenarios([_tiny_scenario()], SOLVERS, 0.2, echo=None)


def test_every_solver_is_judged_feasible_after_repair(rows) -> None:
    (row,) = rows
    problem = _tiny_scenario().build().problem
    assert row.n_must == 4 and row.n_windows == 3
    for name in SOLVERS:
        (out,) = row.results[name]
        v = out.verdict
        assert v.check_errors == [], name
        for k, seq in enumerate(v.seqs):
            assert route_feasible(problem, problem.teams[k], seq), name
        assert 0 < v.stops and 0 <= v.must_served <= v.must_total == 4
        assert v.priority == pytest.approx(sum(problem.visits[i].prize for s in v.seqs for i in s))


def test_the_table_has_every_solver(rows) -> None:
    args = wl.parser().parse_args(["--seeds", "1"])
    md = wl.markdown(rows, SOLVERS, args, [], dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    for name in SOLVERS:
        assert f"| {name} |" in md
    assert "priority ours / ortools" in md and "priority ours / vroom" in md


def test_judge_reports_a_service_across_the_break_and_repairs_it() -> None:
    d = np.full((3, 3), 10.0)
    np.fill_diagonal(d, 0.0)
    p = Problem(
        {"default": d},
        (
            Visit(1, prize=5.0, service=85.0),  # 09:10-10:35
            Visit(2, prize=9.0, service=60.0, windows=((600.0, 720.0),)),  # must end by 12:00
        ),
        (Team(0, 0, ((540.0, 690.0), (810.0, 1020.0))),),
    )
    assert wl.first_failure(p, 0, [0, 1]) == (1, "shift")  # 10:45 + 60 runs into lunch
    v = wl.judge(p, [[0, 1]])
    assert not v.feasible and v.violations == ["team 0: shift at visit 1"]
    assert v.seqs == [[0]] and v.dropped == 1
    assert v.raw_priority == 14.0 and v.priority == 5.0
    cells = wl._cell([wl.Outcome(v, 0.1)])
    assert cells[0] == "no: 1 shift" and cells[2] == "5.0† (raw 14.0)"  # repaired figure marked
    assert wl.judge(p, [[1, 0]]).feasible  # the other order keeps every rule
