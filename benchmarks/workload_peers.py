"""OR-Tools routing and VROOM models of a product :class:`routes.model.Problem`.

Used by ``benchmarks/routes_workload.py``. Both peers get the same integer data: times in
whole **seconds** (minutes × 60); travel legs and service durations rounded *up*, window
and shift bounds rounded inwards, so a schedule a peer accepts also holds in our unrounded
minutes (every solver's routes are re-timed and judged by our code anyway).

What is modelled, per peer
--------------------------
* Shifts and the lunch break (:class:`routes.model.Team`: travel and service only inside a
  shift interval, no service across a break, travel may pause over a break, back at the
  end depot by the end of the last interval):

  - OR-Tools: a time dimension with one transit evaluator per vehicle (service at the
    origin + that team's travel), vehicle start/end cumuls inside ``[first start, last end]``
    and one mandatory fixed interval per break (``SetBreakIntervalsOfVehicle`` with the
    node service times as visit transits: a break never overlaps a service; a break inside
    a leg delays the arrival by its length, i.e. travel pauses over it).
  - VROOM: vehicle time window ``[first start, last end]`` and one break per gap whose time
    window is exactly its start (``[b, b]``) with the gap as break service. VROOM splits a
    leg around a break (checked on a toy instance), which matches our rule.

* Opening hours: the start-time windows ``[w0, w1 - service]`` of every visit window (OR-Tools:
  cumul range with the gaps removed; VROOM: job time windows).
* Skills: OR-Tools restricts the visit's vehicle variable to the teams holding the skills
  (``VehicleVar(index).RemoveValues``: the constraint ``SetAllowedVehiclesForIndex`` sets, which
  the 9.15 Python wrapper cannot call: its ``absl::Span`` argument accepts no Python type);
  VROOM integer skills (one per skill name).
* Travel modes: OR-Tools one transit matrix per mode (``RegisterTransitMatrix``) and per-vehicle
  evaluators; VROOM one profile per mode with its own duration matrix.
* Optional visits and priorities:

  - OR-Tools: ``AddDisjunction`` per visit with penalty ``round(100 * prize) * M`` (``M`` larger
    than the total working time of all teams, so prize dominates travel) plus, for a must-visit,
    ``M_must`` = 1 + the sum of all optional penalties (a must-visit is worth more than every
    optional prize together: our lexicographic objective).
  - VROOM: priorities are integers 0-100 and the objective maximises their *sum*, so
    must-visits cannot be forced; they get the top band 90-100 (see :func:`vroom_priorities`;
    bands 51-100, 70-100, 90-100 and a flat 100 were tried on scenarios a-d and f: within
    ±3 must-visits of each other, 90-100 the best on the sum of must-visits and priority).

Visits no team could ever serve (no team holds the skills, or no window fits a shift) are
left out of both peer models (they are unserved in every solver's answer).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

import numpy as np

from routes._schedule import start_intervals
from routes.model import Problem

SCALE = 60  # seconds per minute
HORIZON = 24 * 60 * SCALE
#: VROOM priority bands: must-visits in ``[MUST_LOW, 100]``, optional visits in ``[0, OPT_HIGH]``.
MUST_LOW = 90
OPT_HIGH = 89


def _up(x: float) -> int:
    return min(HORIZON, math.ceil(x * SCALE - 1e-6))


def _down(x: float) -> int:
    return min(HORIZON, math.floor(x * SCALE + 1e-6))


@dataclass(frozen=True)
class IntModel:
    """Integer (seconds) view of a :class:`Problem` shared by the peer models.

    Nodes ``0 .. n_dep - 1`` are the team depots, then one node per servable visit.
    """

    visit_of_node: list[int]  # -1 for a depot node
    depot_node: dict[int, int]  # problem location -> node
    travel: dict[str, np.ndarray]  # matrix key -> (nodes x nodes) int64 seconds, rounded up
    service: np.ndarray  # int64 seconds per node, rounded up (0 at depots)
    start_windows: list[list[tuple[int, int]]]  # feasible service-start windows per node
    allowed: list[list[int]]  # teams that may serve each node (all teams at depots)
    shifts: list[list[tuple[int, int]]]  # per team, seconds

    @property
    def n_nodes(self) -> int:
        """Number of nodes (depots + servable visits)."""
        return len(self.visit_of_node)


def integer_model(problem: Problem) -> IntModel:
    """Seconds-scaled nodes, matrices, windows and skills of ``problem``."""
    teams = problem.teams
    depot_locs = sorted({t.start for t in teams} | {t.end for t in teams})
    depot_node = {loc: i for i, loc in enumerate(depot_locs)}
    locs = list(depot_locs)
    visit_of_node = [-1] * len(depot_locs)
    service = [0] * len(depot_locs)
    windows: list[list[tuple[int, int]]] = [[(0, HORIZON)] for _ in depot_locs]
    allowed: list[list[int]] = [list(range(len(teams))) for _ in depot_locs]
    for i, v in enumerate(problem.visits):
        able = [
            k
            for k, t in enumerate(teams)
            if v.skills <= t.skills and start_intervals(v.windows, t.shifts, v.service)
        ]
        if not able or (v.prize <= 0 and not v.must):
            continue
        sw = []
        for w0, w1 in v.windows:
            lo, hi = _up(max(w0, 0.0)), _down(min(w1, 1440.0) - v.service)
            if lo <= hi:
                sw.append((lo, hi))
        if not sw:
            continue
        locs.append(v.loc)
        visit_of_node.append(i)
        service.append(_up(v.service))
        windows.append(sorted(sw))
        allowed.append(able)
    idx = np.asarray(locs, dtype=np.int64)
    travel = {
        key: np.minimum(np.ceil(np.asarray(m, dtype=float)[np.ix_(idx, idx)] * SCALE - 1e-6), HORIZON)
        .clip(min=0)
        .astype(np.int64)
        for key, m in problem.travel.items()
    }
    shifts = [[(_up(a), _down(b)) for a, b in t.shifts] for t in teams]
    return IntModel(
        visit_of_node=visit_of_node,
        depot_node=depot_node,
        travel=travel,
        service=np.asarray(service, dtype=np.int64),
        start_windows=windows,
        allowed=allowed,
        shifts=shifts,
    )


# ---------------------------------------------------------------------------- OR-Tools
#: First-solution strategies of the OR-Tools portfolio (each gets its share of the time).
ORTOOLS_STRATEGIES = ("PATH_CHEAPEST_ARC", "SAVINGS")


def _ortools_model(problem: Problem, im: IntModel):
    """Routing index manager and model of ``problem`` (see the module docstring)."""
    from ortools.constraint_solver import pywrapcp

    teams = problem.teams
    K, n = len(teams), im.n_nodes
    manager = pywrapcp.RoutingIndexManager(
        n, K, [im.depot_node[t.start] for t in teams], [im.depot_node[t.end] for t in teams]
    )
    model = pywrapcp.RoutingModel(manager)
    keys = sorted({t.matrix for t in teams})
    svc = im.service
    travel_cb = {key: model.RegisterTransitMatrix(im.travel[key].tolist()) for key in keys}
    time_cb = {
        key: model.RegisterTransitMatrix((im.travel[key] + svc[:, None]).tolist()) for key in keys
    }
    for k, t in enumerate(teams):
        model.SetArcCostEvaluatorOfVehicle(travel_cb[t.matrix], k)
    model.AddDimensionWithVehicleTransits(
        [time_cb[t.matrix] for t in teams], HORIZON, HORIZON, False, "Time"
    )
    time = model.GetDimensionOrDie("Time")
    solver = model.solver()
    visit_transit = [int(svc[manager.IndexToNode(i)]) for i in range(model.Size())]
    for k, sh in enumerate(im.shifts):
        for idx in (model.Start(k), model.End(k)):
            time.CumulVar(idx).SetRange(sh[0][0], sh[-1][1])
        breaks = [
            solver.FixedDurationIntervalVar(b, b, a - b, False, f"break {k}.{g}")
            for g, ((_, b), (a, _)) in enumerate(itertools.pairwise(sh))
        ]
        if breaks:
            time.SetBreakIntervalsOfVehicle(breaks, k, visit_transit)
    # a must-visit outweighs every optional prize together; prize outweighs any travel
    m_opt = K * HORIZON + 1
    prizes = [0 if vi < 0 else round(100 * problem.visits[vi].prize) for vi in im.visit_of_node]
    m_must = sum(p * m_opt for p in prizes) + 1
    for node in range(len(im.depot_node), n):
        index = manager.NodeToIndex(node)
        lo, hi = im.start_windows[node][0][0], im.start_windows[node][-1][1]
        cumul = time.CumulVar(index)
        cumul.SetRange(lo, hi)
        for (_, b), (a, _) in itertools.pairwise(im.start_windows[node]):
            if a > b + 1:
                cumul.RemoveInterval(b + 1, a - 1)
        if len(im.allowed[node]) < K:  # = SetAllowedVehiclesForIndex (see the module docstring)
            model.VehicleVar(index).RemoveValues([k for k in range(K) if k not in im.allowed[node]])
        must = problem.visits[im.visit_of_node[node]].must
        model.AddDisjunction([index], prizes[node] * m_opt + (m_must if must else 0))
    return manager, model


def run_ortools(
    problem: Problem, time_limit: float, *, strategies: tuple[str, ...] = ORTOOLS_STRATEGIES
) -> tuple[list[list[int]], str]:
    """OR-Tools routing (GLS) on ``problem``; one visit sequence per team.

    For each first-solution strategy in ``strategies`` (an equal share of ``time_limit``
    each): first solution, then GUIDED_LOCAL_SEARCH; the answer with the lowest OR-Tools
    objective is kept (OR-Tools' own choice; its objective orders must-visits, prize and
    travel like ours). Model building is outside the limit but inside the reported wall.

    The default portfolio comes from 2-s runs of six strategies on the six scenarios:
    PATH_CHEAPEST_ARC was best on five but serves nothing on scenario d (its first solution
    leaves every visit out and the local search never recovers, even in 8 s), SAVINGS was
    best there; each reached the same result with 1 s as with 2 s.

    Parameters
    ----------
    problem : Problem
        The product problem (e.g. :func:`routes.planning.build_problem` ``.problem``).
    time_limit : float
        Search time in seconds, shared by the strategies.
    strategies : tuple of str
        Names of OR-Tools ``FirstSolutionStrategy`` values.

    Returns
    -------
    routes : list of list of int
        Visit indices of ``problem`` per team, in order.
    note : str
        Empty, or the strategies that found no solution.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    im = integer_model(problem)
    K = len(problem.teams)
    best: tuple[float, list[list[int]]] = (float("inf"), [[] for _ in range(K)])
    failed = []
    for strategy in strategies:
        manager, model = _ortools_model(problem, im)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000 / len(strategies))))
        sol = model.SolveWithParameters(params)
        if sol is None:
            failed.append(strategy)
            continue
        routes = []
        for k in range(K):
            idx, seq = sol.Value(model.NextVar(model.Start(k))), []
            while not model.IsEnd(idx):
                seq.append(im.visit_of_node[manager.IndexToNode(idx)])
                idx = sol.Value(model.NextVar(idx))
            routes.append(seq)
        if sol.ObjectiveValue() < best[0]:
            best = (sol.ObjectiveValue(), routes)
    return best[1], ("no solution: " + ", ".join(failed)) if failed else ""


# ---------------------------------------------------------------------------- VROOM
def vroom_priorities(problem: Problem, nodes: list[int]) -> list[int]:
    """VROOM priorities (integers 0-100) of the visits ``nodes`` (visit indices).

    VROOM maximises the *sum* of served priorities, so a must-visit cannot be forced:
    must-visits get ``MUST_LOW + round((100 - MUST_LOW) * prize / max must prize)``,
    optional visits ``round(OPT_HIGH * prize / max optional prize)``. One must-visit always
    outweighs one optional visit, but two optional visits can outweigh a must-visit, and
    different prizes may map to the same integer.

    Examples
    --------
    >>> import numpy as np
    >>> from routes.model import Problem, Team, Visit
    >>> p = Problem({"default": np.zeros((2, 2))},
    ...             (Visit(1, 50.0, must=True), Visit(1, 100.0), Visit(1, 20.0)),
    ...             (Team(0, 0, ((0.0, 60.0),)),))
    >>> vroom_priorities(p, [0, 1, 2])
    [100, 89, 18]
    """
    vs = problem.visits
    top_must = max((vs[i].prize for i in nodes if vs[i].must), default=0.0) or 1.0
    top_opt = max((vs[i].prize for i in nodes if not vs[i].must), default=0.0) or 1.0
    return [
        MUST_LOW + round((100 - MUST_LOW) * vs[i].prize / top_must)
        if vs[i].must
        else round(OPT_HIGH * vs[i].prize / top_opt)
        for i in nodes
    ]


def run_vroom(
    problem: Problem, time_limit: float, *, threads: int = 2, exploration: int = 5
) -> tuple[list[list[int]], str]:
    """VROOM (pyvroom) on ``problem``; one visit sequence per team.

    Parameters
    ----------
    problem : Problem
        The product problem.
    time_limit : float
        VROOM timeout in seconds.
    threads, exploration : int
        ``nb_threads`` and ``exploration_level`` (as in ``routes_bench.py``).

    Returns
    -------
    routes : list of list of int
        Visit indices of ``problem`` per team, in order.
    note : str
        Always empty (kept for the common solver signature).
    """
    import vroom

    im = integer_model(problem)
    teams = problem.teams
    profiles = {key: f"p{i}" for i, key in enumerate(sorted({t.matrix for t in teams}))}
    skill_id = {
        s: i + 1
        for i, s in enumerate(sorted(set().union(*(t.skills for t in teams), *(v.skills for v in problem.visits))))
    }
    vinput = vroom.Input()
    for key, name in profiles.items():
        vinput.set_durations_matrix(name, im.travel[key].astype(np.uint32))
    for k, t in enumerate(teams):
        sh = im.shifts[k]
        breaks = [
            vroom.Break(g + 1, time_windows=[vroom.TimeWindow(b, b)], service=a - b)
            for g, ((_, b), (a, _)) in enumerate(itertools.pairwise(sh))
        ]
        vinput.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=im.depot_node[t.start],
                end=im.depot_node[t.end],
                profile=profiles[t.matrix],
                skills={skill_id[s] for s in t.skills},
                time_window=vroom.TimeWindow(sh[0][0], sh[-1][1]),
                breaks=breaks,
            )
        )
    first = len(im.depot_node)
    nodes = list(range(first, im.n_nodes))
    prios = vroom_priorities(problem, [im.visit_of_node[node] for node in nodes])
    for node, prio in zip(nodes, prios, strict=True):
        v = problem.visits[im.visit_of_node[node]]
        vinput.add_job(
            vroom.Job(
                node,
                location=node,
                default_service=int(im.service[node]),
                skills={skill_id[s] for s in v.skills},
                priority=prio,
                time_windows=[vroom.TimeWindow(a, b) for a, b in im.start_windows[node]],
            )
        )
    sol = vinput.solve(
        exploration_level=exploration, nb_threads=threads, timeout=dt.timedelta(seconds=time_limit)
    )
    routes: dict[int, list[int]] = {k + 1: [] for k in range(len(teams))}
    for row in sol.routes.itertuples():
        if row.type == "job":
            routes[int(row.vehicle_id)].append(im.visit_of_node[int(row.id)])
    return [routes[k + 1] for k in range(len(teams))], ""
