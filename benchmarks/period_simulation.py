"""Replay a year of the sample day by day under four inspection policies, side by side.

Each working day of the replayed year (default 2025) the office inspects what its policy says;
the sample's hidden truth (``truth``: propensity and management quality, as in
:mod:`synthdata.ledger`) decides what an inspection finds; findings enter the ledger, units
rectify on their own hidden schedule, and the next day is planned from the updated ledger.

Policies, all with the same teams and capacity (``--teams`` × ``--capacity`` visits a day):

* **(a) period planner** — :func:`routes.period.plan_period` over a rolling horizon
  (``--horizon`` days), redone every working day with the previous plan kept where it can be
  (least change); the office inspects that day's visits;
* **(b) due date first** — the same owed visits (:func:`routes.period.visit_needs`), released
  ones in order of due date, greedily into the teams (skills respected);
* **(c) risk first** — the same, in order of risk score;
* **(d) history** — what the sample's own ledger did that year (its own, larger, number of
  visits: every department's teams and 节前/专项/第三方 checks).

Scores (:func:`risk.score_sites`) are refreshed every ``--rescore`` working days from each
policy's own ledger. Outcomes use common random numbers: the same unit inspected on the same
day finds the same hazards under every policy.

The model of the findings is the generator's (Poisson count with the sector's season factor,
the time-since-last-visit factor, the year factor; 重大 by :mod:`synthdata.severity`); the
unit's rectification and the 复查 outcome are the benchmark's own simple model (documented in
``benchmarks/RESULTS_period.md``); hazards open at the start keep the rectification dates the
generator recorded for them.

Usage::

    .venv/bin/python benchmarks/period_simulation.py                  # 3,000 units, 2025
    .venv/bin/python benchmarks/period_simulation.py --sites 600 --days 40   # quick look
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import risk  # noqa: E402
import synthdata  # noqa: E402
from ledger.hazard_ledger import lateness  # noqa: E402
from registry.sectors import SECTORS  # noqa: E402
from risk.calendar import is_off_day  # noqa: E402
from risk.frequency import NOT_COUNTED_TYPES, period_ends, required_per_year  # noqa: E402
from routes.period import PeriodTeam, Weights, plan_period, visit_needs  # noqa: E402
from routes.period.plan import _nearest_next  # noqa: E402
from routes.planning import TeamSpec, _office, _service_min  # noqa: E402
from routes.travel import StraightLineProvider  # noqa: E402
from synthdata import severity  # noqa: E402
from synthdata.ledger import YEAR_HAZARD, _season_mult  # noqa: E402
from synthdata.profiles import PROFILES  # noqa: E402

#: 复查 passes with this probability (else back to the unit with 7 more days).
REINSPECTION_PASS = 0.85
INSP_COLS = ["site_id", "date", "type", "team", "hazard_found", "major_found", "n_hazards"]
HZ_COLS = ["hazard_id", "site_id", "found_date", "level", "deadline", "status", "rectified_date",
           "reinspection_date", "closed_date"]


def _teams(n: int, capacity: int) -> list[PeriodTeam]:
    return [PeriodTeam(TeamSpec(f"巡查{i}组", skills=("真如市场监管所", "社区管理办") if i == 1 else ()),
                       capacity=capacity) for i in range(1, n + 1)]


def _start_state(tables: dict, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ledger as it stood on 31 December before ``year`` (later dates rolled back)."""
    cut = pd.Timestamp(year - 1, 12, 31)
    insp = tables["inspections"]
    insp = insp[insp["date"] <= cut][INSP_COLS].copy()
    h = tables["hazards"]
    h = h[h["found_date"] <= cut].copy()
    truth_rect = pd.to_datetime(h["rectified_date"])
    for col in ("rectified_date", "reinspection_date", "closed_date"):
        d = pd.to_datetime(h[col])
        h[col] = d.where(d <= cut)
    h["status"] = np.where(h["closed_date"].notna(), "已销号",
                           np.where(h["rectified_date"].notna(), "待复查", "整改中"))
    # the unit's own (hidden) rectification day: what the generator recorded
    h["rect_due"] = truth_rect.where(truth_rect > cut, cut + pd.Timedelta(days=30))
    h = h[[*HZ_COLS, "rect_due"]].reset_index(drop=True)
    return insp.reset_index(drop=True), h


class World:
    """The hidden truth: what an inspection of a unit on a day finds, and how units rectify."""

    def __init__(self, sites: pd.DataFrame, truth: pd.DataFrame, seed: int):
        self.idx = {s: i for i, s in enumerate(sites["site_id"])}
        self.cat = sites["category"].to_numpy()
        t = truth.set_index("site_id").loc[sites["site_id"]]
        self.prop = t["propensity"].to_numpy(float)
        self.mgmt = t["management_quality"].to_numpy(float)
        self.seed = seed

    def rng(self, site: str, day: pd.Timestamp, salt: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.idx[site], day.toordinal(), salt])

    def inspect(self, site: str, day: pd.Timestamp, days_since: float) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
        """Hazards found: (level, deadline, the day the unit will rectify)."""
        i = self.idx[site]
        prof = PROFILES[self.cat[i]]
        rng = self.rng(site, day, 1)
        acc = min(max((days_since / 182.0) ** 0.5, 0.35), 1.7)
        lam = self.prop[i] * _season_mult(day.month, prof.seasons) * acc * YEAR_HAZARD.get(day.year, 1.0)
        draws = min(int(rng.poisson(lam)), 6)
        templates = list(SECTORS[self.cat[i]].hazards)
        out = []
        for k in rng.permutation(len(templates))[:draws]:
            major = rng.random() < severity.major_probability(templates[k], prof.major_share, self.mgmt[i], False)
            span = int(rng.integers(30, 91)) if major else int(rng.choice((7, 15, 30), p=(0.35, 0.4, 0.25)))
            deadline = day + pd.Timedelta(days=span)
            if rng.random() < min(0.5, 0.2 / self.mgmt[i]):  # late rectification
                rect = deadline + pd.Timedelta(days=int(rng.integers(1, 21)))
            else:
                rect = day + pd.Timedelta(days=max(1, math.ceil(span * rng.uniform(0.2, 1.0))))
            out.append(("重大" if major else "一般", deadline, rect))
        return out

    def reinspect_passes(self, site: str, day: pd.Timestamp) -> bool:
        return bool(self.rng(site, day, 2).random() < REINSPECTION_PASS)


def _greedy(jobs: pd.DataFrame, teams: list[PeriodTeam], order: list[str], ascending: list[bool]):
    left = {t.name: t.day_capacity for t in teams}
    taken, out = set(), []
    for r in jobs.sort_values(order, ascending=ascending, kind="stable").itertuples(index=False):
        if (r.site_id, r.kind) in taken:
            continue
        for t in teams:
            if left[t.name] > 0 and set(r.skills) <= t.skills:
                left[t.name] -= 1
                taken.add((r.site_id, r.kind))
                out.append((r.site_id, r.kind, t.name))
                break
        if not any(left.values()):
            break
    return out


def simulate(policy: str, tables: dict, year: int, n_days: int, teams, horizon: int, rescore: int,
             seed: int) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    sites = tables["sites"]
    world = World(sites, tables["truth"], seed)
    insp, hz = _start_state(tables, year)
    counted = insp[~insp["type"].isin(NOT_COUNTED_TYPES)]
    last_full = counted.groupby("site_id")["date"].max().to_dict()
    new_insp: list[tuple] = []
    new_hz: list[dict] = []
    start = pd.Timestamp(year, 1, 1)
    days = [start + pd.Timedelta(days=i) for i in range(n_days)]
    days = [d for d in days if not is_off_day(d.date())]
    year_end = pd.Timestamp(year, 12, 31)
    scored, prev, plan_s = None, None, 0.0
    for n, day in enumerate(days):
        if new_hz:
            hz = pd.concat([hz, pd.DataFrame(new_hz)], ignore_index=True)
            new_hz = []
        # units rectify on their own schedule
        fix = hz["status"].isin(("待整改", "整改中")) & (hz["rect_due"] <= day)
        hz.loc[fix, "rectified_date"] = hz.loc[fix, "rect_due"]
        hz.loc[fix, "status"] = "待复查"
        ledger = pd.concat([insp, pd.DataFrame(new_insp, columns=insp.columns)], ignore_index=True)
        if scored is None or n % rescore == 0:
            s = risk.score_sites(sites, ledger, hz[HZ_COLS], day - pd.Timedelta(days=1),
                                 assets=tables["assets"])
            scored = pd.DataFrame(risk.join_scores(sites, s).drop(columns="geometry", errors="ignore"))
        t0 = time.perf_counter()
        if policy == "planner":
            plan = plan_period(scored, ledger, hz[HZ_COLS], teams, day, horizon, previous=prev,
                               weights=Weights(geo_passes=1))
            prev = plan.visits[["job_id", "date", "team"]]
            today = plan.planned[plan.planned["date"] == day]
            visits = list(zip(today["site_id"], today["kind"], today["team"], strict=True))
        else:
            jobs = visit_needs(scored, ledger, hz[HZ_COLS], day, year_end)
            jobs = jobs[jobs["release"] <= day]
            if policy == "due_first":
                visits = _greedy(jobs, teams, ["due", "priority"], [True, False])
            else:
                visits = _greedy(jobs, teams, ["priority", "due"], [False, True])
        plan_s += time.perf_counter() - t0
        for site, kind, team in visits:
            if kind == "复查":
                new_insp.append((site, day, "复查", team, 0, 0, 0))
                waiting = hz.index[(hz["site_id"] == site) & (hz["status"] == "待复查")]
                if len(waiting) and world.reinspect_passes(site, day):
                    hz.loc[waiting, ["status", "reinspection_date", "closed_date"]] = ["已销号", day, day]
                elif len(waiting):
                    hz.loc[waiting, ["status", "reinspection_date", "deadline", "rect_due"]] = [
                        "整改中", day, day + pd.Timedelta(days=7), day + pd.Timedelta(days=5)]
                continue
            since = (day - last_full[site]).days if site in last_full else 182
            last_full[site] = day
            found = world.inspect(site, day, since)
            new_insp.append((site, day, "日常", team, int(bool(found)),
                             int(any(f[0] == "重大" for f in found)), len(found)))
            for k, (level, deadline, rect) in enumerate(found):
                new_hz.append({"hazard_id": f"SIM-{site}-{day:%m%d}-{k}", "site_id": site,
                               "found_date": day, "level": level, "deadline": deadline,
                               "status": "整改中", "rectified_date": pd.NaT,
                               "reinspection_date": pd.NaT, "closed_date": pd.NaT, "rect_due": rect})
        if n % 20 == 0 or len(visits) < sum(t.day_capacity for t in teams):
            print(f"  {policy} {day:%Y-%m-%d} visits {len(visits)} hazards {len(hz)} "
                  f"plan {plan_s:.0f}s", file=sys.stderr, flush=True)
    if new_hz:
        hz = pd.concat([hz, pd.DataFrame(new_hz)], ignore_index=True)
    sim = pd.DataFrame(new_insp, columns=insp.columns)
    return pd.concat([insp, sim], ignore_index=True), hz, plan_s / max(len(days), 1)


def _travel_per_visit(insp: pd.DataFrame, sites: pd.DataFrame, year: int) -> float:
    office = _office()
    pos = sites.set_index("site_id")[["lon", "lat", "category", "subcategory"]]
    mat_of = StraightLineProvider("电动自行车")
    total, n = 0.0, 0
    rows = insp[insp["date"].dt.year == year]
    for _, g in rows.groupby(["date", "team"]):
        ids = g["site_id"].drop_duplicates()
        p = pos.loc[ids]
        mat = mat_of.matrix(np.r_[office.lon, p["lon"]], np.r_[office.lat, p["lat"]])
        service = [_service_min(r) for r in p.assign(site_id=ids.to_numpy()).to_dict("records")]
        order, _ = _nearest_next(mat, service, [(0.0, 1e9)])
        path = [0, *[k + 1 for k in order]]
        total += float(sum(mat[a, b] for a, b in itertools.pairwise(path)))
        n += len(ids)
    return total / max(n, 1)


def metrics(insp: pd.DataFrame, hz: pd.DataFrame, sites: pd.DataFrame, year: int, last_day: pd.Timestamp) -> dict:
    """Statutory compliance, days behind, hazards found, 重大 open days, 复查 on time, travel."""
    y0 = pd.Timestamp(year, 1, 1)
    in_year = insp[(insp["date"] >= y0) & (insp["date"] <= last_day)]
    counted = in_year[~in_year["type"].isin(NOT_COUNTED_TYPES)]
    req = required_per_year(sites).to_numpy()
    visit_days = counted.groupby("site_id")["date"].apply(lambda d: sorted(set(d)))
    owed, late_days, on_pace, full = 0, 0, 0, 0
    for sid, r in zip(sites["site_id"], req, strict=True):
        if r < 1:
            continue
        done = visit_days.get(sid, [])
        ends = [e for e in period_ends(int(r), year) if e <= last_day]
        full += len(done) >= len(ends)
        for k, due in enumerate(ends):
            owed += 1
            if k < len(done):
                late = max(0, (done[k] - due).days)
            else:
                late = (last_day - due).days + 1
            late_days += late
            on_pace += late == 0
    active = int((req > 0).sum())
    found = hz[(hz["found_date"] >= y0) & (hz["found_date"] <= last_day)]
    major = found[found["level"] == "重大"]
    closed = pd.to_datetime(major["closed_date"])
    open_days = (closed.where(closed <= last_day, last_day) - major["found_date"]).dt.days
    rect = hz[(pd.to_datetime(hz["rectified_date"]) >= y0) & (pd.to_datetime(hz["rectified_date"]) <= last_day)]
    rect = rect.assign(reinspection_date=pd.to_datetime(rect["reinspection_date"]).where(
        pd.to_datetime(rect["reinspection_date"]) <= last_day))
    late = lateness(rect, last_day)
    due = late["office_deadline"] <= last_day
    return {
        "visits": len(counted),
        "reinspections": int((in_year["type"] == "复查").sum()),
        "compliance": full / max(active, 1),
        "on_pace": on_pace / max(owed, 1),
        "days_behind": late_days / max(owed, 1),
        "hazards": len(found),
        "per_inspection": len(found) / max(len(counted), 1),
        "major": len(major),
        "major_open_days": float(open_days.mean()) if len(major) else 0.0,
        "reinsp_on_time": float((~late.loc[due, "office_late"]).mean()) if due.any() else float("nan"),
        "travel_min": _travel_per_visit(in_year, sites, year),
    }


LABELS = {
    "planner": "(a) period planner", "due_first": "(b) due date first",
    "risk_first": "(c) risk first", "history": "(d) sample history",
}
COLUMNS = {
    "visits": ("statutory visits", "{:.0f}"), "reinspections": ("复查 visits", "{:.0f}"),
    "compliance": ("units with 2/4 done", "{:.1%}"), "on_pace": ("owed visits on pace", "{:.1%}"),
    "days_behind": ("days behind / owed visit", "{:.1f}"), "hazards": ("hazards found", "{:.0f}"),
    "per_inspection": ("hazards / inspection", "{:.3f}"), "major": ("重大 found", "{:.0f}"),
    "major_open_days": ("重大 days open", "{:.1f}"), "reinsp_on_time": ("复查 on time", "{:.1%}"),
    "travel_min": ("travel min / visit", "{:.1f}"), "plan_s_per_day": ("plan s / day", "{:.2f}"),
}


def _markdown(table: pd.DataFrame) -> str:
    head = "| policy | " + " | ".join(COLUMNS[c][0] for c in table.columns) + " |"
    rule = "|---|" + "---:|" * len(table.columns)
    lines = [head, rule]
    for name, row in table.iterrows():
        cells = ["–" if pd.isna(row[c]) else COLUMNS[c][1].format(row[c]) for c in table.columns]
        lines.append(f"| {LABELS.get(name, name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=synthdata.DEFAULT_SEED)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--days", type=int, default=365, help="calendar days replayed from 1 January")
    ap.add_argument("--teams", type=int, default=3)
    ap.add_argument("--capacity", type=int, default=10, help="visits per team a day")
    ap.add_argument("--horizon", type=int, default=63, help="planner's rolling horizon (days)")
    ap.add_argument("--rescore", type=int, default=20, help="re-score every N working days")
    ap.add_argument("--policies", default="planner,due_first,risk_first,history")
    args = ap.parse_args(argv)
    tables = synthdata.generate(seed=args.seed, n_sites=args.sites)
    for name in ("inspections",):
        tables[name]["date"] = pd.to_datetime(tables[name]["date"])
    for col in ("found_date", "deadline", "rectified_date", "reinspection_date", "closed_date"):
        tables["hazards"][col] = pd.to_datetime(tables["hazards"][col])
    sites = tables["sites"]
    last_day = pd.Timestamp(args.year, 1, 1) + pd.Timedelta(days=args.days - 1)
    teams = _teams(args.teams, args.capacity)
    rows = {}
    for policy in args.policies.split(","):
        t = time.perf_counter()
        if policy == "history":
            insp = tables["inspections"][INSP_COLS]
            hz = tables["hazards"]
            per_day = float("nan")
        else:
            insp, hz, per_day = simulate(policy, tables, args.year, args.days, teams, args.horizon,
                                         args.rescore, args.seed)
        rows[policy] = {**metrics(insp, hz, sites, args.year, last_day), "plan_s_per_day": per_day}
        print(f"{policy}: {time.perf_counter() - t:.0f}s {rows[policy]}", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows).T
    print(f"# {args.sites} units, seed {args.seed}, {args.year} from 1 Jan for {args.days} days; "
          f"{args.teams} teams x {args.capacity} visits/day; planner horizon {args.horizon} days")
    print(_markdown(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
