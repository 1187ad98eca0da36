"""Benchmark the route planner on the product workload against OR-Tools and VROOM.

What users run (``routes.planning.plan_routes`` from the 巡查路线 and 节前检查 pages) is
richer than Team Orienteering: two shifts with a lunch break, three travel modes, skills
(特种设备 / 建筑施工 / 领导带队), opening hours, service minutes by sector and must-visits.
This script builds realistic Zhenru days with :func:`routes.planning.build_problem` from the
sample registry (``synthdata``, seed 20261129, 3,000 sites, scored by ``risk.score_sites`` as
of the last ledger day, exactly what the app shows), solves each with our planner, OR-Tools
routing and VROOM under the same time limit, side by side in one run, and judges every
answer with **our** rules: the per-team visit sequences are re-timed by our schedule
(:mod:`routes._schedule`, earliest start), turned into a :class:`routes.model.Solution` by
:func:`routes.solver.build_solution` and checked by :func:`routes.feasibility.check`.

Usage::

    .venv/bin/python benchmarks/routes_workload.py [--time-limit 2] [--seeds 3]
        [--solvers ours,ortools,vroom] [--scenarios a,b] [--workers 1]
        [--max-iterations N] [--store FILE] [--out benchmarks/RESULTS_workload.md]

A route that breaks our rules is reported *infeasible* with what it violates, and is then
repaired greedily (the stop where our schedule first fails is dropped, or, when the team is
late back at its depot, its lowest-priority stop, must-visits last; repeated until feasible);
the figures after repair are marked † in the table.

Comparing variants of our solver (importable; run from the repository root)::

    import sys; sys.path.insert(0, "benchmarks")
    from routes_workload import build_scenarios, evaluate, load_scored, run_ours
    scored, as_of = load_scored()
    for sc in build_scenarios(scored, as_of):
        pp = sc.build()
        out = evaluate(pp.problem, lambda p: run_ours(p, 2.0, seed=0, solve_fn=my_solve))
        print(sc.name, out.verdict.priority, out.verdict.must_served)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from routes_bench import write_keeping_notes
from workload_peers import MUST_LOW, OPT_HIGH, run_ortools, run_vroom

from routes._schedule import EPS, advance, earliest_start, start_intervals
from routes._search import Engine
from routes.feasibility import check
from routes.model import Problem, Solution
from routes.planning import PlanningProblem, TeamSpec, build_problem
from routes.solver import build_solution, solve

#: Opening hours added to sites by subcategory in scenario d (the sample registry has none).
OPENING_HOURS: dict[str, tuple[str, str]] = {
    "餐饮": ("10:00", "21:00"),
    "销售维修": ("10:00", "21:00"),
    "地下商铺": ("10:00", "21:00"),
    "住宿与经营": ("10:00", "21:00"),
    "住宿与生产": ("08:30", "17:30"),
    "住宿与仓储": ("08:30", "17:30"),
    "商场": ("10:00", "22:00"),
    "外卖站点": ("10:00", "22:00"),
    "快递网点": ("08:00", "20:00"),
    "菜市场": ("06:00", "12:00"),
    "综合市场": ("06:00", "12:00"),
    "学校": ("08:00", "16:00"),
    "幼儿园": ("08:00", "16:00"),
    "日间照料中心": ("08:00", "16:30"),
    "社区卫生服务中心": ("08:00", "16:30"),
    "诊所": ("08:30", "17:00"),
    "公共娱乐": ("14:00", "02:00"),  # KTV, games: afternoon and night only
    "厂房": ("08:30", "17:30"),
    "仓库": ("08:30", "17:30"),
    "研发办公": ("09:00", "18:00"),
    "软件信息": ("09:00", "18:00"),
}
#: Sectors of scenario d (the ranking page filtered to places with business hours).
HOURS_SECTORS = ("人员密集场所", "三合一场所", "商贸市场", "学校幼儿园", "快递外卖点", "厂房仓库",
                 "医疗机构", "养老机构")
#: Must-visit reason that makes a site leader-led in scenarios b and d (挂牌督办 hazards).
LEADER_REASON = "挂牌督办"
HOLIDAY_LEADERS = ("街道党工委书记", "街道办事处主任", "分管安全副主任")  # 节前检查 page defaults


# ---------------------------------------------------------------------------- data
def load_scored(store: str | os.PathLike[str] | None = None) -> tuple[pd.DataFrame, dt.date]:
    """Sites joined with ``risk.score_sites`` as of the last ledger day, sorted by rank.

    Parameters
    ----------
    store : path, optional
        A registry store file; default the sample registry generated in memory
        (``synthdata.generate(seed=20261129, n_sites=3000)``, the tables of ``make store``).

    Returns
    -------
    scored : DataFrame
        What the app's pages get from ``app_pages._data.scored_sites`` (without geometry).
    as_of : datetime.date
        The 评估日期 (last inspection date).
    """
    from risk import join_scores, score_sites

    if store is None:
        from registry.store import DEFAULT_N_SITES, DEFAULT_SEED
        from synthdata import generate

        tables = generate(seed=DEFAULT_SEED, n_sites=DEFAULT_N_SITES)
    else:
        from registry.store import SQLiteStore

        st = SQLiteStore(Path(store))
        tables = {name: getattr(st, name)() for name in ("sites", "inspections", "hazards", "assets")}
    sites = pd.DataFrame(tables["sites"]).drop(columns="geometry", errors="ignore")
    as_of = pd.to_datetime(tables["inspections"]["date"]).max().date()
    scores = score_sites(sites, tables["inspections"], tables["hazards"], as_of, assets=tables["assets"])
    return join_scores(sites, scores), as_of


@dataclass(frozen=True)
class Scenario:
    """One planning day as a user would set it up."""

    name: str
    title: str
    candidates: pd.DataFrame
    teams: tuple[TeamSpec, ...]
    date: dt.date
    priority: str = "score"
    note: str = ""

    def build(self) -> PlanningProblem:
        """The routing problem, exactly as :func:`routes.planning.plan_routes` builds it."""
        return build_problem(self.candidates, self.teams, self.date, priority=self.priority)


def _next_working_day(after: dt.date) -> dt.date:
    from risk.calendar import is_off_day

    day = after + dt.timedelta(days=1)
    while is_off_day(day):
        day += dt.timedelta(days=1)
    return day


def _leader_led(df: pd.DataFrame) -> pd.DataFrame:
    reasons = df["must_reasons"].fillna("").astype(str)
    return df.assign(leader_led=reasons.str.contains(LEADER_REASON))


def _with_hours(df: pd.DataFrame) -> pd.DataFrame:
    sub = df["subcategory"].fillna("").astype(str)
    hours = sub.map(OPENING_HOURS)
    return df.assign(
        open_time=hours.map(lambda h: h[0] if isinstance(h, tuple) else None),
        close_time=hours.map(lambda h: h[1] if isinstance(h, tuple) else None),
    )


def build_scenarios(scored: pd.DataFrame, as_of: dt.date) -> list[Scenario]:
    """The benchmark days (deterministic given ``scored``).

    a. 巡查路线 page default source (the best 60 by rank plus every must-visit), 3 e-bike teams.
    b. The 150 best-ranked sites, 4 teams: walking, e-bike with a leader, car with
       真如市场监管所 (特种设备), e-bike; 挂牌督办 sites are leader-led.
    c. Tight day: the 300 best-ranked sites, 2 e-bike teams.
    d. Opening hours: the 120 best-ranked sites of the sectors :data:`HOURS_SECTORS` (shops,
       restaurants, 三合一, markets, schools, workshops, clinics, care homes) with hours by
       subcategory (:data:`OPENING_HOURS`), 3 teams (2 e-bike, 1 car with 真如市场监管所,
       社区管理办 and a leader); 挂牌督办 sites are leader-led.
    e. 节前检查 page default: the next key node, 3 leader teams by car, 13:30-17:00,
       8 candidates per team, priority ``holiday_priority`` (no must-visits).
    f. One 居委会 (the one with most sites), every site in it, 3 e-bike teams.
    """
    from routes.holiday import check_date, holiday_candidates, leader_teams

    day = _next_working_day(as_of)
    must = scored["must_visit"].fillna(False).astype(bool)
    out: list[Scenario] = []

    top60 = scored.index < 60
    ebike3 = tuple(TeamSpec(f"巡查{i}组") for i in (1, 2, 3))
    out.append(Scenario("a", "page default: top 60 + all must-visits, 3 e-bike teams",
                        scored[top60 | must], ebike3, day))

    mixed = (
        TeamSpec("步行组", mode="步行"),
        TeamSpec("领导组", leader="王主任"),
        TeamSpec("市场监管组", mode="汽车", skills=("真如市场监管所",)),
        TeamSpec("电瓶车组"),
    )
    out.append(Scenario("b", "top 150, 4 teams: walk / e-bike + leader / car + 市场监管所 / e-bike",
                        _leader_led(scored.head(150)), mixed, day,
                        note="挂牌督办 sites leader-led"))

    out.append(Scenario("c", "tight day: top 300, 2 e-bike teams", scored.head(300),
                        ebike3[:2], day))

    hours_teams = (
        TeamSpec("巡查1组"),
        TeamSpec("巡查2组"),
        TeamSpec("专业组", mode="汽车", leader="李主任", skills=("真如市场监管所", "社区管理办")),
    )
    in_hours = scored[scored["category"].isin(HOURS_SECTORS)].head(120)
    out.append(Scenario("d", "opening hours: top 120 of shops/三合一/markets/schools/workshops/care, "
                        "2 e-bike + 1 car (specialist, leader)",
                        _with_hours(_leader_led(in_hours)), hours_teams, day,
                        note="hours by subcategory; 挂牌督办 sites leader-led"))

    from risk.calendar import upcoming_key_nodes

    nodes = upcoming_key_nodes(as_of, horizon_days=150)
    node = nodes[nodes["days_until"] > 0].iloc[0]
    leaders = leader_teams(HOLIDAY_LEADERS, mode="汽车", shifts="13:30-17:00")
    cands = holiday_candidates(scored, node, n_sites=8 * len(leaders))
    out.append(Scenario("e", f"节前检查 {node['name']}: 24 candidates, 3 leader teams by car, 13:30-17:00",
                        cands, tuple(leaders), check_date(node["start"], as_of),
                        priority="holiday_priority"))

    sizes = scored.groupby("committee")["site_id"].count()
    committee = sorted(sizes.index, key=lambda c: (-sizes[c], str(c)))[0]
    out.append(Scenario("f", f"one 居委会 ({committee}): all its sites, 3 e-bike teams",
                        scored[scored["committee"] == committee], ebike3, day))
    return out


# ---------------------------------------------------------------------------- judging
@dataclass
class Verdict:
    """Our judgement of one solver's routes (figures of the repaired routes, which are the
    routes as returned when ``violations`` is empty)."""

    violations: list[str]
    raw_priority: float
    raw_must: int
    seqs: list[list[int]]
    dropped: int
    priority: float
    must_served: int
    must_total: int
    travel: float
    stops: int
    must_fit: int  # must-visits left out that check() says fit into a route as planned
    check_errors: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """True when the routes as returned keep every rule."""
        return not self.violations


def first_failure(problem: Problem, k: int, seq: Sequence[int]) -> tuple[int, str] | None:
    """Where team ``k``'s route ``seq`` first breaks our rules, or ``None`` if it is feasible.

    Returns ``(position, kind)``: ``position`` indexes ``seq`` (``len(seq)`` = the return to
    the end depot); ``kind`` is ``skill``, ``window`` (no start inside a visit window after
    arrival), ``shift`` (the window allows it, but no shift interval does: a service across
    the break or after the shift), ``late`` (back at the depot after the last interval).
    Times follow :mod:`routes._schedule`: earliest start, travel pauses over breaks.
    """
    team = problem.teams[k]
    d = np.asarray(problem.travel[team.matrix], dtype=float)
    t, prev = team.shifts[0][0], team.start
    for pos, i in enumerate(seq):
        v = problem.visits[i]
        if not v.skills <= team.skills:
            return pos, "skill"
        arrival = advance(team.shifts, t, float(d[prev, v.loc]))
        start = earliest_start(start_intervals(v.windows, team.shifts, v.service), arrival)
        if start == float("inf"):
            alone = earliest_start(start_intervals(v.windows, ((0.0, 1440.0),), v.service), arrival)
            return pos, "window" if alone == float("inf") else "shift"
        t, prev = start + v.service, v.loc
    back = advance(team.shifts, t, float(d[prev, team.end]))
    if back > team.shifts[-1][1] + EPS:
        return len(seq), "late"
    return None


def repair(problem: Problem, k: int, seq: Sequence[int]) -> tuple[list[int], list[str]]:
    """Drop stops from ``seq`` until team ``k`` can drive it under our rules.

    The stop where the schedule first fails is dropped; when only the return is late, the
    lowest-priority stop (must-visits last) is. Returns the route and one finding per drop.
    """
    seq = list(seq)
    found: list[str] = []
    while (fail := first_failure(problem, k, seq)) is not None:
        pos, kind = fail
        if pos == len(seq):
            pos = min(range(len(seq)), key=lambda p: (problem.visits[seq[p]].must, problem.visits[seq[p]].prize))
        found.append(f"team {k}: {kind} at visit {seq[pos]}")
        del seq[pos]
    return seq, found


def judge(problem: Problem, seqs: Sequence[Sequence[int]], engine: Engine | None = None) -> Verdict:
    """Judge per-team visit sequences with our rules (see the module docstring)."""
    visits = problem.visits
    violations: list[str] = []
    seen: set[int] = set()
    clean: list[list[int]] = []
    for k, seq in enumerate(seqs):
        kept = []
        for i in seq:
            if not 0 <= i < len(visits) or i in seen:
                violations.append(f"team {k}: unknown or repeated visit {i}")
                continue
            seen.add(i)
            kept.append(i)
        clean.append(kept)
    raw = [i for seq in clean for i in seq]
    fixed = []
    for k, seq in enumerate(clean):
        route, found = repair(problem, k, seq)
        fixed.append(route)
        violations += found
    engine = engine or Engine(problem)
    sol: Solution = build_solution(engine, engine.from_seqs(fixed))
    errors = check(problem, sol)
    must_fit = sum(1 for e in errors if e.startswith("must-visit "))
    return Verdict(
        violations=violations,
        raw_priority=float(sum(visits[i].prize for i in raw)),
        raw_must=sum(1 for i in raw if visits[i].must),
        seqs=fixed,
        dropped=len(raw) - sum(len(s) for s in fixed),
        priority=sol.prize,
        must_served=sum(1 for v in visits if v.must) - sol.must_missed,
        must_total=sum(1 for v in visits if v.must),
        travel=sol.travel,
        stops=sum(len(r.stops) for r in sol.routes),
        must_fit=must_fit,
        check_errors=[e for e in errors if not e.startswith("must-visit ")],
    )


# ---------------------------------------------------------------------------- solvers
SolverFn = Callable[[Problem], tuple[list[list[int]], str]]


def run_ours(
    problem: Problem,
    time_limit: float,
    *,
    seed: int = 0,
    workers: int = 1,
    max_iterations: int | None = None,
    solve_fn: Callable[..., Solution] = solve,
) -> tuple[list[list[int]], str]:
    """Our planner (``solve_fn``, default :func:`routes.solver.solve`); visit sequences per team.

    Parameters
    ----------
    problem : Problem
    time_limit : float
        Passed to ``solve_fn`` (a hard cap; with ``max_iterations`` the budget ends the search).
    seed, workers, max_iterations
        Passed to ``solve_fn``.
    solve_fn : callable
        A solver with the signature of :func:`routes.solver.solve` (to compare variants).
    """
    sol = solve_fn(problem, time_limit=time_limit, seed=seed, workers=workers, max_iterations=max_iterations)
    by_team = {r.team: [s.visit for s in r.stops] for r in sol.routes}
    return [by_team.get(k, []) for k in range(len(problem.teams))], ""


@dataclass
class Outcome:
    """One solver run: our verdict and the wall time (model building included)."""

    verdict: Verdict
    seconds: float
    note: str = ""


def evaluate(problem: Problem, fn: SolverFn, engine: Engine | None = None) -> Outcome:
    """Run ``fn(problem)`` (timed) and judge its routes with :func:`judge`."""
    t0 = time.perf_counter()
    seqs, note = fn(problem)
    secs = time.perf_counter() - t0
    return Outcome(judge(problem, seqs, engine), secs, note)


# ---------------------------------------------------------------------------- report
@dataclass
class Row:
    """Results of one scenario: the problem size and every solver's outcomes (ours: per seed)."""

    scenario: Scenario
    n_visits: int
    n_must: int
    n_windows: int
    results: dict[str, list[Outcome]]


def _kinds(violations: list[str]) -> str:
    counts: dict[str, int] = {}
    for v in violations:
        kind = v.split(": ", 1)[1].split(" ")[0] if ": " in v else v
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


def _cell(outs: list[Outcome]) -> list[str]:
    """Feasible, must, priority, travel, stops, must-fit, wall cells of one solver."""
    vs = [o.verdict for o in outs]
    secs = statistics.median(o.seconds for o in outs)
    extra = sorted({o.note for o in outs if o.note})
    if any(v.check_errors for v in vs):  # repaired routes failing check = a bug of the judge
        extra.append(f"check: {sum(len(v.check_errors) for v in vs)} findings")
    tail = f" ({'; '.join(extra)})" if extra else ""
    if len(outs) > 1:
        pr = sorted(v.priority for v in vs)
        ok = sum(v.feasible for v in vs)
        feas = f"yes ({ok}/{len(vs)} seeds)" if ok == len(vs) else f"no ({len(vs) - ok}/{len(vs)} seeds)"
        mark = "" if ok == len(vs) else "†"
        must = sorted(v.must_served for v in vs)
        must_s = f"{must[0]}" if must[0] == must[-1] else f"{must[0]}–{must[-1]}"
        return [
            feas + tail,
            f"{must_s}{mark} / {vs[0].must_total}",
            f"{pr[0]:.1f} / {statistics.median(pr):.1f} / {pr[-1]:.1f}{mark}",
            f"{statistics.median(v.travel for v in vs):.0f}{mark}",
            f"{statistics.median(v.stops for v in vs):.0f}{mark}",
            f"{max(v.must_fit for v in vs)}",
            f"{secs:.2f}",
        ]
    v = vs[0]
    if v.feasible:
        return ["yes" + tail, f"{v.must_served} / {v.must_total}", f"{v.priority:.1f}",
                f"{v.travel:.0f}", f"{v.stops}", f"{v.must_fit}", f"{secs:.2f}"]
    return [
        f"no: {_kinds(v.violations)}{tail}",
        f"{v.must_served}† / {v.must_total} (raw {v.raw_must})",
        f"{v.priority:.1f}† (raw {v.raw_priority:.1f})",
        f"{v.travel:.0f}†",
        f"{v.stops}† (−{v.dropped})",
        f"{v.must_fit}",
        f"{secs:.2f}",
    ]


def _median_priority(outs: list[Outcome]) -> float:
    return float(statistics.median(o.verdict.priority for o in outs))


def _median_must(outs: list[Outcome]) -> float:
    return float(statistics.median(o.verdict.must_served for o in outs))


def markdown(rows: list[Row], names: list[str], args: argparse.Namespace, argv, started) -> str:
    """The results file: setup, the per-scenario table, ratios."""
    cmd = "python benchmarks/routes_workload.py " + " ".join(argv if argv is not None else sys.argv[1:])
    ours_how = (
        f"`routes.solver.solve(problem, time_limit={args.time_limit:g}, seed=s, workers={args.workers}"
        + (f", max_iterations={args.max_iterations}` (deadline {args.iteration_cap:g} s)"
           if args.max_iterations else ")`")
        + f", seeds 0..{args.seeds - 1} (priority: lowest / median / highest)"
    )
    lines = [
        "# Route planner benchmark: the product workload (shifts, break, modes, skills, hours, must-visits)",
        "",
        f"- Command: `{cmd.strip()}`",
        f"- Date (UTC): {started:%Y-%m-%d %H:%M}; time limit {args.time_limit:g} s per solver and "
        "scenario, solvers run one after the other in the same process.",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs "
        f"(load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}); wall times are noisy.",
        "- Data: the sample registry (`synthdata`, seed 20261129, 3,000 sites) scored by "
        "`risk.score_sites` as of the last ledger day; problems built by "
        "`routes.planning.build_problem` (what `plan_routes` solves): default shifts 09:00-11:30 "
        "and 13:30-17:00 unless stated, straight-line travel times per mode (步行 4.5, 电动自行车 15, "
        "汽车 20 km/h), service minutes by sector, skills, must-visits.",
        "- The registry has no opening hours and no leader-led flags. Scenario d takes the best-ranked "
        "sites of sectors with business hours (as if the ranking page were filtered to 人员密集场所, "
        "三合一场所, 商贸市场, 学校幼儿园, 快递外卖点, 厂房仓库, 医疗机构, 养老机构) and adds hours by "
        "subcategory (shops/restaurants/三合一 shops 10:00-21:00, markets 06:00-12:00, schools "
        "08:00-16:00, KTV/games 14:00-02:00, workshops/warehouses 08:30-17:30, ...; table `OPENING_HOURS` in the "
        f"script); scenarios b and d make the sites with a `{LEADER_REASON}` must-visit reason leader-led.",
        f"- ours: {ours_how}.",
        "- OR-Tools 9.15: PATH_CHEAPEST_ARC and SAVINGS first solutions, each followed by "
        "GUIDED_LOCAL_SEARCH for half the time limit, the lower OR-Tools objective kept (the best "
        "portfolio of six strategies tried; PATH_CHEAPEST_ARC alone serves nothing on d); "
        "time dimension in seconds (minutes × 60; legs and services rounded up, windows inwards), one "
        "transit matrix per travel mode, breaks as fixed mandatory intervals that may not overlap a "
        "service, the visit's vehicle variable restricted to the teams with the skills (what "
        "`SetAllowedVehiclesForIndex` does; that call is unusable from Python in 9.15), disjunction penalty round(100·priority)·M per "
        "visit plus, for a must-visit, more than all optional penalties together (our lexicographic "
        "objective).",
        f"- VROOM (pyvroom 1.15.2): exploration 5, 2 threads, timeout = time limit; seconds as for "
        "OR-Tools, one profile per travel mode, breaks with a zero-width window at the break start, "
        "integer skills, job windows on the service start. VROOM priorities are integers 0-100 "
        f"summed, so must-visits cannot be forced: must-visits get {MUST_LOW}-100, optional visits "
        f"0-{OPT_HIGH} (each band scaled to its highest priority).",
        "- **Judged by our code**: each solver's per-team sequences are re-timed with our schedule "
        "(earliest start, travel pauses over the break), built into a `Solution` by "
        "`routes.solver.build_solution` and checked with `routes.feasibility.check`. `feasible` = the "
        "routes as returned keep every rule; otherwise what broke (`shift` = a service across the break "
        "or past the shift, `window` = outside opening hours, `late` = back after 17:00, `skill`). "
        "Figures marked † are **after a greedy repair** (drop the stop where our schedule first "
        "fails; if only the return is late, the lowest-priority stop), `raw` = as returned.",
        "- `must fit` = must-visits left out although `check` finds they fit into a planned route "
        "as is (our rule: must-visits before any optional priority whenever feasible).",
        "",
        "## Results",
        "",
        "| scenario | visits (must, with hours) | solver | feasible | must served | priority | "
        "travel min | stops | must fit | wall s |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        first = True
        for s in names:
            head = (f"{row.scenario.name}: {row.scenario.title}",
                    f"{row.n_visits} ({row.n_must}, {row.n_windows})") if first else ("", "")
            first = False
            lines.append("| " + " | ".join([*head, s, *_cell(row.results[s])]) + " |")
    peers = [s for s in names if s != "ours"]
    if "ours" in names and peers:
        lines += ["", "## Ours / peer (ours: median over seeds; peers: after repair when infeasible)", ""]
        lines.append("| scenario | " + " | ".join(
            f"priority ours / {p} | must served ours / {p}" for p in peers) + " |")
        lines.append("|---|" + "---:|---:|" * len(peers))
        ratios: dict[str, list[float]] = {p: [] for p in peers}
        for row in rows:
            ours_p, ours_m = _median_priority(row.results["ours"]), _median_must(row.results["ours"])
            cells = []
            for p in peers:
                pp, pm = _median_priority(row.results[p]), _median_must(row.results[p])
                r = ours_p / pp if pp else float("nan")
                if pp:
                    ratios[p].append(r)
                cells += [f"{r:.3f}" if pp else "n/a", f"{ours_m:.0f} / {pm:.0f}"]
            lines.append(f"| {row.scenario.name} | " + " | ".join(cells) + " |")
        lines.append("| mean | " + " | ".join(
            f"{statistics.mean(ratios[p]):.3f} | " if ratios[p] else "n/a | " for p in peers) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- main
SOLVER_NAMES = ("ours", "ortools", "vroom")


def run_scenarios(
    scenarios: Sequence[Scenario],
    names: Sequence[str],
    time_limit: float,
    *,
    seeds: int = 1,
    workers: int = 1,
    max_iterations: int | None = None,
    iteration_cap: float = 60.0,
    echo: Callable[[str], None] | None = print,
) -> list[Row]:
    """Build every scenario's problem, run the solvers ``names`` on it and judge them.

    Parameters
    ----------
    scenarios : sequence of Scenario
    names : sequence of str
        Solvers among ``ours``, ``ortools``, ``vroom`` (run in this order).
    time_limit : float
        Seconds per solver and scenario (ours: per seed).
    seeds : int
        Our planner runs with seeds ``0 .. seeds - 1``.
    workers, max_iterations
        Passed to :func:`run_ours`; with ``max_iterations`` our deadline is ``iteration_cap``.
    echo : callable, optional
        Progress lines go here (``None``: silent).
    """
    rows: list[Row] = []
    cap = iteration_cap if max_iterations else time_limit
    for sc in scenarios:
        problem = sc.build().problem
        engine = Engine(problem)
        results: dict[str, list[Outcome]] = {}
        for s in names:
            if s == "ours":
                results[s] = [
                    evaluate(problem, lambda p, seed=seed: run_ours(
                        p, cap, seed=seed, workers=workers, max_iterations=max_iterations), engine)
                    for seed in range(seeds)
                ]
            elif s == "ortools":
                results[s] = [evaluate(problem, lambda p: run_ortools(p, time_limit), engine)]
            elif s == "vroom":
                results[s] = [evaluate(problem, lambda p: run_vroom(p, time_limit), engine)]
            else:
                raise ValueError(f"unknown solver {s!r}")
        rows.append(Row(
            sc,
            len(problem.visits),
            sum(v.must for v in problem.visits),
            sum(v.windows != ((0.0, float("inf")),) for v in problem.visits),
            results,
        ))
        if echo is not None:
            echo(f"\n{sc.name}: {sc.title} — {len(problem.visits)} visits")
            for s in names:
                echo(f"  {s:8s} " + " | ".join(_cell(results[s])))
    return rows


def parser() -> argparse.ArgumentParser:
    """Command-line options (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-limit", type=float, default=2.0, help="seconds per solver and scenario")
    ap.add_argument("--solvers", default=",".join(SOLVER_NAMES))
    ap.add_argument("--scenarios", default="", help="comma-separated scenario names (default all)")
    ap.add_argument("--seeds", type=int, default=3, help="our planner runs with seeds 0..N-1")
    ap.add_argument("--workers", type=int, default=1, help="parallel searches of our planner")
    ap.add_argument("--max-iterations", type=int, help="fixed iteration budget for our planner "
                    "(load-independent; its deadline becomes --iteration-cap)")
    ap.add_argument("--iteration-cap", type=float, default=60.0,
                    help="deadline of our planner with --max-iterations (seconds)")
    ap.add_argument("--store", help="registry store file (default: the sample generated in memory)")
    ap.add_argument("--out", help="write the markdown here (a '## Notes (added by hand' section is kept)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in names if s not in SOLVER_NAMES]
    if unknown or not names:
        ap.error(f"unknown solvers {unknown}; choose from {', '.join(SOLVER_NAMES)}")
    if args.seeds < 1 or args.workers < 1:
        ap.error("--seeds and --workers must be >= 1")

    t0 = time.perf_counter()
    scored, as_of = load_scored(args.store)
    scenarios = build_scenarios(scored, as_of)
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if wanted:
        scenarios = [s for s in scenarios if s.name in wanted]
        if not scenarios:
            ap.error(f"no scenario named {wanted}")
    print(f"data: {len(scored)} sites scored as of {as_of} in {time.perf_counter() - t0:.1f} s", flush=True)
    if "ours" in names:  # untimed: compile/load the numba kernels used for plain TOP days
        from routes import _fast

        _fast.warmup()
    started = dt.datetime.now(dt.UTC)
    rows = run_scenarios(
        scenarios, names, args.time_limit, seeds=args.seeds, workers=args.workers,
        max_iterations=args.max_iterations, iteration_cap=args.iteration_cap,
        echo=lambda line: print(line, flush=True),
    )
    md = markdown(rows, names, args, argv, started)
    print("\n" + md)
    if args.out:
        write_keeping_notes(Path(args.out), md)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
