"""The independent feasibility checker must catch every kind of violation."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from routes.feasibility import check, route_feasible
from routes.model import Problem, Route, Solution, Stop, Team, Visit

# locations: 0 depot, 1..3 sites on a line, 10 minutes apart
D = np.array(
    [
        [0, 10, 20, 30],
        [10, 0, 10, 20],
        [20, 10, 0, 10],
        [30, 20, 10, 0],
    ],
    dtype=float,
)


def _problem(**team_kw) -> Problem:
    visits = (
        Visit(1, prize=5.0, service=5.0, id="a"),
        Visit(2, prize=3.0, service=5.0, windows=((0.0, 40.0),), id="b"),
        Visit(3, prize=4.0, service=5.0, skills=frozenset({"gas"}), id="c"),
    )
    kw = {"shifts": ((0.0, 100.0),), "skills": frozenset({"gas"})} | team_kw
    return Problem({"default": D}, visits, (Team(0, 0, **kw),))


def _good() -> Solution:
    stops = [Stop(0, 10.0, 10.0, 15.0), Stop(1, 25.0, 25.0, 30.0), Stop(2, 40.0, 40.0, 45.0)]
    r = Route(0, stops, travel=60.0, service=15.0, prize=12.0, end_time=75.0)
    return Solution([r], {}, prize=12.0, travel=60.0, must_missed=0)


def test_valid_solution_passes() -> None:
    assert check(_problem(), _good()) == []


def test_detects_visit_twice() -> None:
    sol = _good()
    sol.routes[0].stops.append(Stop(0, 60.0, 60.0, 65.0))
    assert any("already served" in e for e in check(_problem(), sol))


def test_detects_missing_skill() -> None:
    errs = check(_problem(skills=frozenset()), _good())
    assert any("skills" in e for e in errs)


def test_detects_window_violation() -> None:
    sol = _good()
    sol.routes[0].stops[1] = Stop(1, 25.0, 38.0, 43.0)  # window ends at 40
    sol.routes[0].stops[2] = Stop(2, 53.0, 53.0, 58.0)
    assert any("time windows" in e for e in check(_problem(), sol))


def test_detects_shift_overrun() -> None:
    errs = check(_problem(shifts=((0.0, 70.0),)), _good())
    assert any("end depot" in e for e in errs)


def test_detects_service_straddling_a_break() -> None:
    p = _problem(shifts=((0.0, 27.0), (35.0, 100.0)))
    errs = check(p, _good())  # visit b served 25-30 crosses the 27-35 break
    assert any("shift interval" in e for e in errs)


def test_travel_may_pause_over_a_break() -> None:
    p = _problem(shifts=((0.0, 18.0), (30.0, 100.0)))
    # leave a at 15, 3 working minutes before the break, 7 after: arrive b at 37 (window ends 40)
    stops = [Stop(0, 10.0, 10.0, 15.0), Stop(1, 37.0, 37.0, 42.0)]
    sol = Solution(
        [Route(0, stops, travel=40.0, service=10.0, prize=8.0, end_time=62.0)],
        {2: "low_priority"},
        prize=8.0,
        travel=40.0,
        must_missed=0,
    )
    errs = check(p, sol)
    assert any("time windows" in e for e in errs)  # 37-42 leaves the window at 40
    sol.routes[0].stops[1] = Stop(1, 30.0, 30.0, 35.0)  # too early: only 3 + 0 working minutes
    assert any("too early" in e for e in check(p, sol))


def test_detects_wrong_totals() -> None:
    for field, value in (("travel", 50.0), ("prize", 11.0), ("service", 0.0)):
        sol = _good()
        setattr(sol.routes[0], field, value)
        assert any(f"reported {field}" in e for e in check(_problem(), sol)), field
    sol = _good()
    sol.prize = 99.0
    assert check(_problem(), sol)
    sol = _good()
    sol.must_missed = 1
    assert any("must_missed" in e for e in check(_problem(), sol))


def test_unassigned_reasons_are_verified() -> None:
    p = _problem()
    sol = copy.deepcopy(_good())
    sol.routes[0].stops = sol.routes[0].stops[:2]
    sol.routes[0].travel, sol.routes[0].service, sol.routes[0].prize = 40.0, 10.0, 8.0
    sol.prize, sol.travel = 8.0, 40.0
    assert any("neither served" in e for e in check(p, sol))
    sol.unassigned = {2: "skill"}  # wrong: the team has gas
    assert any("reason 'skill'" in e for e in check(p, sol))
    sol.unassigned = {2: "closed"}
    assert any("reason 'closed'" in e for e in check(p, sol))
    sol.unassigned = {2: "unreachable"}
    assert any("reason 'unreachable'" in e for e in check(p, sol))
    sol.unassigned = {2: "low_priority"}
    assert check(p, sol) == []


def test_must_visit_left_out_but_insertable_is_reported() -> None:
    visits = (Visit(1, prize=1.0, must=True), Visit(2, prize=5.0))
    p = Problem({"default": D}, visits, (Team(0, 0, ((0.0, 100.0),)),))
    stops = [Stop(1, 20.0, 20.0, 20.0)]
    sol = Solution([Route(0, stops, 40.0, 0.0, 5.0, 40.0)], {0: "capacity"}, 5.0, 40.0, 1)
    assert any("must-visit 0" in e for e in check(p, sol))


def test_route_feasible_uses_earliest_schedule() -> None:
    p = _problem()
    assert route_feasible(p, p.teams[0], [0, 1, 2])
    assert not route_feasible(p, p.teams[0], [2, 0, 1])  # b reached at 30+5+20=55 > 40
    assert not route_feasible(p, Team(0, 0, ((0.0, 100.0),)), [2])  # no gas skill


@pytest.mark.parametrize("bad_team", [5, -1])
def test_unknown_team_reported(bad_team: int) -> None:
    sol = _good()
    sol.routes[0].team = bad_team
    assert any("unknown team" in e for e in check(_problem(), sol))
