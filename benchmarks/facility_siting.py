"""Siting model (MCLP, HiGHS via scipy.optimize.milp) vs the greedy baseline on the sample.

Both answer the same instances in the same run: the deterministic sample
(``synthdata.generate(seed=20261129, n_sites=3000)``), units weighted by their standing risk
``D`` (``risk.score_sites`` at the last ledger day), candidate sites from
``facilities.siting.candidate_sites`` (居委 anchors, OSM host places, unit positions; one per
grid cell). Per instance: wall time of each method (median of ``--repeats``), covered risk
(share of all risk), covered people, the ratio greedy / MILP, and how much of the risk the
greedy answer leaves uncovered the MILP covers.

Instances:

1. 微型消防站, 3-minute e-bike run, the 16 existing stations kept, p new;
2. 微型消防站 from scratch (nothing kept), 3-minute e-bike run — what p stations placed by the
   model cover beside the 16 existing ones;
3. 微型消防站 from scratch, 3 minutes on foot (4.5 km/h) — a tight radius, many candidates;
4. 充电端口, 5-minute walk, e-bike demand (``facilities.charging.ebike_demand``), existing
   port groups kept.

Usage::

    .venv/bin/python benchmarks/facility_siting.py [--repeats 3] [--time-limit 30] [--write]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import risk  # noqa: E402
from facilities.charging import ebike_demand  # noqa: E402
from facilities.coverage import (  # noqa: E402
    ResponseStandard,
    coverage_summary,
    reach_matrix,
    unit_coverage,
    unit_weights,
)
from facilities.siting import (  # noqa: E402
    SITING_STANDARDS,
    candidate_sites,
    demand_weights,
    greedy_mclp,
    site_pool,
    solve_mclp,
)
from layers import geodata, zones  # noqa: E402
from synthdata import generate  # noqa: E402

SEED, N_SITES = 20261129, 3000
OUT = ROOT / "benchmarks" / "RESULTS_facilities.md"


def timed(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def instance_rows(name, demand, value_col, candidates, fixed, standard, ps, repeats, limit):
    reach = reach_matrix(candidates, demand, standard)
    covered = (reach_matrix(fixed, demand, standard).any(axis=0) if len(fixed)
               else np.zeros(len(demand), bool))
    weights = demand_weights(demand, {value_col: 1.0})
    values = demand[value_col].to_numpy(float)
    people = demand["people"].to_numpy(float) if "people" in demand else None
    total = values.sum()
    rows = []
    for p in ps:
        exact, t_exact = timed(
            lambda p=p: solve_mclp(reach, weights, p, covered, time_limit=limit), repeats)
        greedy, t_greedy = timed(lambda p=p: greedy_mclp(reach, weights, p, covered), repeats)
        cov_e = covered | (reach[exact.chosen].any(axis=0) if exact.chosen else False)
        cov_g = covered | (reach[greedy.chosen].any(axis=0) if greedy.chosen else False)
        v_e, v_g = values[cov_e].sum(), values[cov_g].sum()
        left_g = total - v_g
        rows.append({
            "instance": name, "candidates": len(candidates), "demand": len(demand), "p": p,
            "milp_s": t_exact, "greedy_s": t_greedy, "status": exact.status,
            "method": exact.method, "gap": exact.mip_gap,
            "kept_share": values[covered].sum() / total,
            "milp_share": v_e / total, "greedy_share": v_g / total,
            "ratio": v_g / v_e if v_e > 0 else float("nan"),
            "closed_gap": (v_e - v_g) / left_g if left_g > 0 else 0.0,
            "milp_people": people[cov_e].sum() if people is not None else float("nan"),
            "greedy_people": people[cov_g].sum() if people is not None else float("nan"),
        })
        print(f"{name} p={p}: MILP {v_e / total:.4f} in {t_exact:.3f}s, greedy {v_g / total:.4f}"
              f" in {t_greedy:.3f}s", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=30.0, help="HiGHS seconds per solve")
    ap.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = ap.parse_args()

    t0 = time.perf_counter()
    tables = generate(seed=SEED, n_sites=N_SITES)
    sites, insp, hz, assets = (tables[k] for k in ("sites", "inspections", "hazards", "assets"))
    as_of = pd.to_datetime(insp["date"]).max().date()
    scored = risk.join_scores(sites, risk.score_sites(sites, insp, hz, as_of, assets=assets))
    units = unit_weights(scored)
    prep = time.perf_counter() - t0
    boundary = geodata.boundary_geometry()
    cands = candidate_sites(units, anchors=zones.anchors(), osm=geodata.pois(), within=boundary)
    stations = assets[assets["kind"] == "微型消防站"].reset_index(drop=True)
    ebike = SITING_STANDARDS["微型消防站"]
    existing = coverage_summary(unit_coverage(stations, units, ebike))

    rows = []
    fixed, pool = site_pool(stations, stations["asset_id"].tolist(), cands)
    rows += instance_rows("1 微型消防站 3分钟电动自行车，保留已建16站", units, "risk", pool, fixed,
                          ebike, [1, 2, 4, 8], args.repeats, args.time_limit)
    none, pool0 = site_pool(stations, [], cands)
    rows += instance_rows("2 微型消防站 3分钟电动自行车，从零选址", units, "risk", pool0, none,
                          ebike, [4, 8, 12, 16], args.repeats, args.time_limit)
    foot = ResponseStandard(3.0, "步行")
    fine = candidate_sites(units, anchors=zones.anchors(), osm=geodata.pois(), within=boundary,
                           spacing_m=50.0)
    rows += instance_rows("3 微型消防站 3分钟步行，从零选址（50米格网候选）", units, "risk", fine,
                          none, foot, [10, 20, 40, 80], args.repeats, args.time_limit)
    ports = assets[assets["kind"] == "充电端口"].reset_index(drop=True)
    demand = ebike_demand(sites, hz, as_of)
    pfixed, ppool = site_pool(ports, ports["asset_id"].tolist(), cands)
    rows += instance_rows("4 充电端口 5分钟步行，电动自行车需求，保留已建", demand, "ebikes", ppool,
                          pfixed, SITING_STANDARDS["充电端口"], [10, 20, 40], args.repeats,
                          args.time_limit)
    df = pd.DataFrame(rows)

    lines = [
        "# Facility siting: MCLP (HiGHS) vs greedy",
        "",
        f"`benchmarks/facility_siting.py` on {platform.node()} ({platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        f"Sample `synthdata.generate(seed={SEED}, n_sites={N_SITES})`, scored with "
        f"`risk.score_sites` as of {as_of} ({prep:.0f} s for generating and scoring, not part of "
        "the figures below). Both methods solve the same instance in the same run; times are the "
        f"median of {args.repeats} runs of the solver alone (reach matrix built once, outside the "
        "timing). Covered share = covered weight / all weight of the instance (risk `D` for "
        "1–3, e-bikes for 4), including what the kept sites cover.",
        "",
        f"The 16 existing 微型消防站 cover {existing['risk_share']:.1%} of the risk and "
        f"{existing['unit_share']:.1%} of the units within a 3-minute e-bike run "
        f"({existing['high_risk_uncovered']} 重大/较大 units uncovered).",
        "",
        "| instance | candidates | demand points | p | MILP s | greedy s | MILP status | answer "
        "from | gap to bound | kept only | MILP covered | greedy covered | greedy / MILP "
        "| of greedy's uncovered, MILP covers |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in df.itertuples():
        lines.append(
            f"| {r.instance} | {r.candidates} | {r.demand} | {r.p} | {r.milp_s:.3f} | "
            f"{r.greedy_s:.3f} | {r.status} | {r.method} | {r.gap:.2%} | {r.kept_share:.2%} | "
            f"{r.milp_share:.2%} | {r.greedy_share:.2%} | {r.ratio:.4f} | {r.closed_gap:.1%} |"
        )
    worst = df.loc[df["ratio"].idxmin()]
    proven = int((df["status"] == "最优").sum())
    lines += [
        "",
        f"Proven optimal on {proven} of {len(df)} rows; on the others HiGHS stopped at the "
        f"{args.time_limit:g}-s limit and the answer is the better of its incumbent and the "
        "greedy + interchange start, with the share of the proven bound it may still miss "
        "(gap). Greedy is never ahead: greedy / MILP ≥ "
        f"{df['ratio'].min():.4f} (worst: {worst['instance']}, p = {int(worst['p'])}). "
        f"Time per solve: MILP median {df['milp_s'].median():.3f} s, max {df['milp_s'].max():.1f} s;"
        f" greedy median {df['greedy_s'].median():.4f} s, max {df['greedy_s'].max():.2f} s.",
        "",
        "Reading: with the existing stations kept, a 3-minute e-bike run already reaches almost "
        "all the risk and both methods find the same few gains in milliseconds — this is the "
        "page's everyday case. The model matters on the tight instances (from scratch, on "
        "foot), where greedy commits early to sites that later picks make partly redundant; "
        "there the exact solve is slower by orders of magnitude, which is why the page gives it "
        "15 s and reports the gap.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.write:
        OUT.write_text(report, encoding="utf-8")
        print(f"written {OUT}")


if __name__ == "__main__":
    main()
