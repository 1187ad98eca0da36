"""Independent feasibility check of a :class:`routes.model.Solution`.

This module deliberately does not reuse the solver's scheduling helpers: it
re-derives the rules of the model from scratch so that solver bugs show up.

Rules checked
-------------
* one route per team at most (an empty route = team not dispatched, zero totals), valid team and visit indices, no visit served twice;
* the team holds every skill the visit requires;
* reported times are consistent: a service ``[start, leave]`` lies inside one visit
  window and one shift interval, ``leave >= start + service``, ``arrival <= start``,
  and between two consecutive events the *working* time (time inside shift
  intervals) is enough for the travel; the team reaches its end depot by the end of
  its last shift interval;
* route and solution totals (travel, service, prize, ``must_missed``) match;
* every unserved visit has a reason code, and the codes ``skill``, ``closed`` and
  ``unreachable`` are true;
* a must-visit left out for ``capacity`` cannot simply be inserted into one of
  the routes as planned (otherwise the solver did not honour it).

Examples
--------
>>> import numpy as np
>>> from routes.model import Problem, Route, Solution, Stop, Team, Visit
>>> d = np.array([[0.0, 10.0], [10.0, 0.0]])
>>> p = Problem({"default": d}, (Visit(1, prize=2.0, service=5.0),),
...             (Team(0, 0, ((0.0, 30.0),)),))
>>> ok = Solution([Route(0, [Stop(0, 10.0, 10.0, 15.0)], 20.0, 5.0, 2.0, 25.0)], {}, 2.0, 20.0, 0)
>>> check(p, ok)
[]
>>> late = Solution([Route(0, [Stop(0, 10.0, 20.0, 25.0)], 20.0, 5.0, 2.0, 35.0)], {}, 2.0, 20.0, 0)
>>> check(p, late)
['route 0 (team 0): cannot reach the end depot by 30 (needs 10 working minutes after 25)']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from routes.model import REASONS, Problem, Solution, Team, Visit

__all__ = ["check", "route_feasible"]

TOL = 1e-6


def _working_time(shifts: Sequence[tuple[float, float]], t0: float, t1: float) -> float:
    """Length of ``[t0, t1]`` covered by shift intervals."""
    total = 0.0
    for a, b in shifts:
        lo, hi = max(a, t0), min(b, t1)
        if hi > lo:
            total += hi - lo
    return total


def _inside_one(intervals: Sequence[tuple[float, float]], t0: float, t1: float) -> bool:
    return any(a - TOL <= t0 and t1 <= b + TOL for a, b in intervals)


def _earliest_after(shifts, t: float, travel: float) -> float:
    """Earliest time by which ``travel`` working minutes starting at ``t`` are done."""
    if travel <= 0:
        return t
    remaining = travel
    for a, b in shifts:
        if b <= t:
            continue
        lo = max(a, t)
        if b - lo >= remaining - TOL:
            return lo + remaining
        remaining -= b - lo
    return math.inf


def route_feasible(problem: Problem, team: Team, seq: Sequence[int]) -> bool:
    """Whether ``team`` can serve visits ``seq`` in this order (earliest schedule).

    Examples
    --------
    >>> import numpy as np
    >>> from routes.model import Problem, Team, Visit
    >>> p = Problem({"default": np.array([[0.0, 4.0], [4.0, 0.0]])},
    ...             (Visit(1, 1.0, service=3.0, windows=((10.0, 20.0),)),),
    ...             (Team(0, 0, ((0.0, 12.0), (14.0, 30.0))),))
    >>> route_feasible(p, p.teams[0], [0])
    True
    """
    d = np.asarray(problem.travel[team.matrix], dtype=float)
    t = team.shifts[0][0]
    prev = team.start
    for i in seq:
        v = problem.visits[i]
        if not v.skills <= team.skills:
            return False
        t = _earliest_after(team.shifts, t, float(d[prev, v.loc]))
        start = _earliest_service(team, v, t)
        if start is None:
            return False
        t = start + v.service
        prev = v.loc
    t = _earliest_after(team.shifts, t, float(d[prev, team.end]))
    return t <= team.shifts[-1][1] + TOL


def _earliest_service(team: Team, v: Visit, t: float) -> float | None:
    best = None
    for w0, w1 in v.windows:
        for s0, s1 in team.shifts:
            lo = max(t, w0, s0)
            if lo + v.service <= min(w1, s1) + TOL and (best is None or lo < best):
                best = lo
    return best


def check(problem: Problem, solution: Solution) -> list[str]:
    """Check a solution against the model's rules; ``[]`` when feasible.

    Parameters
    ----------
    problem : Problem
    solution : Solution

    Returns
    -------
    list of str
        Human-readable violations (empty if none).
    """
    errs: list[str] = []
    visits, teams = problem.visits, problem.teams
    seen: dict[int, int] = {}
    team_used: set[int] = set()
    tot_prize = 0.0
    tot_travel = 0.0
    for r, route in enumerate(solution.routes):
        if not 0 <= route.team < len(teams):
            errs.append(f"route {r}: unknown team {route.team}")
            continue
        if route.team in team_used:
            errs.append(f"route {r}: team {route.team} has more than one route")
        team_used.add(route.team)
        team = teams[route.team]
        d = np.asarray(problem.travel[team.matrix], dtype=float)
        tag = f"route {r} (team {route.team})"
        if not route.stops:  # team not dispatched
            if abs(route.travel) > TOL or abs(route.prize) > TOL or abs(route.service) > TOL:
                errs.append(f"{tag}: empty route must report zero travel, service and prize")
            continue
        prev_loc, prev_t = team.start, team.shifts[0][0]
        travel = service = prize = 0.0
        for s in route.stops:
            if not 0 <= s.visit < len(visits):
                errs.append(f"{tag}: unknown visit {s.visit}")
                continue
            v = visits[s.visit]
            if s.visit in seen:
                errs.append(f"{tag}: visit {s.visit} already served in route {seen[s.visit]}")
            seen[s.visit] = r
            if not v.skills <= team.skills:
                errs.append(f"{tag}: visit {s.visit} needs skills {sorted(v.skills - team.skills)}")
            leg = float(d[prev_loc, v.loc])
            travel += leg
            service += v.service
            prize += v.prize
            if s.arrival > s.start + TOL:
                errs.append(f"{tag}: visit {s.visit} starts before arrival")
            if s.leave < s.start + v.service - TOL:
                errs.append(f"{tag}: visit {s.visit} service shorter than {v.service}")
            if _working_time(team.shifts, prev_t, s.arrival) < leg - TOL:
                errs.append(f"{tag}: visit {s.visit} reached too early (travel {leg:g} does not fit)")
            if not _inside_one(v.windows, s.start, s.start + v.service):
                errs.append(f"{tag}: visit {s.visit} served outside its time windows")
            if not _inside_one(team.shifts, s.start, s.start + v.service):
                errs.append(f"{tag}: visit {s.visit} service not inside one shift interval")
            prev_loc, prev_t = v.loc, s.leave
        leg = float(d[prev_loc, team.end])
        travel += leg
        last_end = team.shifts[-1][1]
        if _working_time(team.shifts, prev_t, last_end) < leg - TOL:
            errs.append(
                f"{tag}: cannot reach the end depot by {last_end:g} "
                f"(needs {leg:g} working minutes after {prev_t:g})"
            )
        for name, got, want in (
            ("travel", route.travel, travel),
            ("service", route.service, service),
            ("prize", route.prize, prize),
        ):
            if abs(got - want) > TOL * max(1.0, abs(want)):
                errs.append(f"{tag}: reported {name} {got:g} but recomputed {want:g}")
        tot_prize += prize
        tot_travel += travel
    if abs(solution.prize - tot_prize) > TOL * max(1.0, tot_prize):
        errs.append(f"solution prize {solution.prize:g} != sum of routes {tot_prize:g}")
    if abs(solution.travel - tot_travel) > TOL * max(1.0, tot_travel):
        errs.append(f"solution travel {solution.travel:g} != sum of routes {tot_travel:g}")
    missed = sum(1 for i, v in enumerate(visits) if v.must and i not in seen)
    if solution.must_missed != missed:
        errs.append(f"must_missed {solution.must_missed} but {missed} must-visits are unserved")
    errs.extend(_check_unassigned(problem, solution, seen))
    return errs


def _check_unassigned(problem: Problem, solution: Solution, seen: dict[int, int]) -> list[str]:
    errs: list[str] = []
    visits, teams = problem.visits, problem.teams
    for i in solution.unassigned:
        if i in seen:
            errs.append(f"visit {i} is served but also listed as unassigned")
    routes_by_team = {r.team: [s.visit for s in r.stops] for r in solution.routes}
    for i, v in enumerate(visits):
        if i in seen:
            continue
        reason = solution.unassigned.get(i)
        if reason is None:
            errs.append(f"visit {i} is neither served nor listed as unassigned")
            continue
        if reason not in REASONS:
            errs.append(f"visit {i}: unknown reason {reason!r}")
            continue
        able = [t for t in teams if v.skills <= t.skills]
        if reason == "skill":
            if able:
                errs.append(f"visit {i}: reason 'skill' but a team has the skills")
            continue
        open_for = [t for t in able if any(_earliest_service(t, v, s0) is not None for s0, _ in t.shifts)]
        if reason == "closed":
            if open_for:
                errs.append(f"visit {i}: reason 'closed' but a window fits a shift")
            continue
        alone = [t for t in open_for if route_feasible(problem, t, [i])]
        if reason == "unreachable":
            if alone:
                errs.append(f"visit {i}: reason 'unreachable' but a team can serve it alone")
            continue
        if not alone:
            errs.append(f"visit {i}: reason {reason!r} but no team can serve it even alone")
            continue
        if v.must:
            for k, t in enumerate(teams):
                if t not in alone:
                    continue
                seq = routes_by_team.get(k, [])
                if any(
                    route_feasible(problem, t, [*seq[:p], i, *seq[p:]]) for p in range(len(seq) + 1)
                ):
                    errs.append(f"must-visit {i} left out but fits into team {k}'s route")
                    break
    return errs
