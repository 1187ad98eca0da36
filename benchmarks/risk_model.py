"""Risk model figures on the sample ledger and timings at scale.

Prints a Markdown report (and writes ``benchmarks/RESULTS_risk.md`` with ``--write``):

1. Backtest on the deterministic sample (``synthdata.generate(seed=20261129, n_sites=3000)``):
   per model family and for the automatic choice, ROC AUC, average precision, precision/recall
   at 10 %, days earlier (model / random / perfect / normalised gain), beside the AUC and days
   earlier of the hidden true propensity (the ceiling the ledger allows).
2. Time of ``score_sites`` on the sample (cold = training included, warm = cached models),
   and the level / priority / frequency figures of issue 17 (level distribution, 重大 by
   rule and by D, season independence, head of the ranking, ranking-vs-statistics agreement).
3. Time to train and to score 1,000,000 synthetic sites (``--million-sites`` to change).
4. With ``--seed-spread N``: the first window's AUC and days earlier (logistic) beside the
   ceiling on the default seed and on seeds 1..N of the same generator, so a change of the
   generator is judged on its mean over samples, not on one draw of the default seed.

Usage::

    .venv/bin/python benchmarks/risk_model.py [--write] [--million-sites 1000000]
        [--skip-million] [--skip-cli] [--first-window-only] [--seed-spread 11]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import risk  # noqa: E402
from risk.backtest import days_earlier  # noqa: E402
from risk.scoring import fit_site_models, score_sites  # noqa: E402

SEED, N_SITES = 20261129, 3000
FAMILIES = {
    "logistic": ("logistic",),
    "hist_gradient_boosting": ("hist_gradient_boosting",),
    "random_forest": ("random_forest",),
    "auto (all three, time-ordered selection)": ("logistic", "hist_gradient_boosting",
                                                 "random_forest"),
}


def _fmt(x: object) -> str:
    if isinstance(x, float):
        return "–" if not np.isfinite(x) else f"{x:.3f}"
    return str(x)


def sample_backtests(tables: dict[str, pd.DataFrame], windows: list[tuple[str, str]]) -> str:
    sites, insp, truth = tables["sites"], tables["inspections"], tables["truth"]
    prop = truth.set_index("site_id")["propensity"]
    lines = []
    for test_from, test_to in windows:
        lines.append(f"\n### Test window {test_from} → {test_to} (复查 rows excluded)\n")
        cols = ["model", "auc", "average_precision", "precision_at_10pct", "recall_at_10pct",
                "days_earlier_mean", "days_earlier_median", "first_half_share_model",
                "random_days_earlier", "perfect_days_earlier", "normalised_gain", "seconds"]
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        ceiling = None
        for label, fams in FAMILIES.items():
            t0 = time.perf_counter()
            res = risk.backtest(sites, insp, test_from, test_to, config={"families": fams},
                                exclude_types=("复查",), hazards=tables["hazards"])
            secs = time.perf_counter() - t0
            rep = res.report
            name = label if len(fams) == 1 else f"{label} → {rep['model_candidate']}"
            row = [name] + [_fmt(rep[k]) for k in cols[1:-1]] + [f"{secs:.1f}"]
            lines.append("| " + " | ".join(row) + " |")
            if ceiling is None:
                sc = res.scores
                p = sc["site_id"].map(prop).to_numpy()
                y = sc["hazard_found"].to_numpy()
                de = days_earlier(sc["date"], y, p, test_from, test_to, n_random=0)
                ceiling = {"auc": roc_auc_score(y, p), **de}
                first = rep
        row = ["**true propensity (ceiling)**", _fmt(ceiling["auc"]), "", "", "",
               _fmt(ceiling["days_earlier_mean"]), _fmt(ceiling["days_earlier_median"]),
               _fmt(ceiling["first_half_share_model"]), _fmt(ceiling["random_days_earlier"]),
               _fmt(ceiling["perfect_days_earlier"]), _fmt(ceiling["normalised_gain"]), ""]
        lines.append("| " + " | ".join(row) + " |")
        lines.append(
            f"\nn_train = {first['n_train']}, n_test = {first['n_test']}, hazard rate in "
            f"window = {first['base_rate_test']:.3f}, first-half share of hazards in the real "
            f"order = {first['first_half_share_actual']:.3f}."
        )
    return "\n".join(lines)


def first_window(tables: dict[str, pd.DataFrame]) -> tuple[str, str]:
    """The first test window: the 6 months that end 6 months before the last inspection."""
    last = pd.Timestamp(tables["inspections"]["date"].max())
    return (str((last - pd.DateOffset(months=12) + pd.Timedelta(days=1)).date()),
            str((last - pd.DateOffset(months=6)).date()))


def seed_spread(n_seeds: int) -> str:
    """First-window logistic AUC / days earlier beside the ceiling over several samples.

    The default seed is one draw: the same generator gives first-window AUCs about ±0.01
    apart from seed to seed, so the mean over seeds is what a generator change is judged by.
    """
    import synthdata

    rows = []
    for seed in [SEED, *range(1, n_seeds + 1)]:
        tables = synthdata.generate(seed=seed, n_sites=N_SITES)
        w1 = first_window(tables)
        res = risk.backtest(tables["sites"], tables["inspections"], *w1,
                            config={"families": ("logistic",)}, exclude_types=("复查",),
                            hazards=tables["hazards"])
        prop = tables["truth"].set_index("site_id")["propensity"]
        sc = res.scores
        p = sc["site_id"].map(prop).to_numpy()
        y = sc["hazard_found"].to_numpy()
        ceiling = days_earlier(sc["date"], y, p, *w1, n_random=0)
        rows.append({"seed": seed, "auc": res.report["auc"],
                     "days_earlier": res.report["days_earlier_mean"],
                     "ceiling_auc": roc_auc_score(y, p),
                     "ceiling_days_earlier": ceiling["days_earlier_mean"]})
    df = pd.DataFrame(rows)
    others = df[df["seed"] != SEED]
    lines = ["| seed | AUC | days earlier | ceiling AUC | ceiling days earlier |",
             "|---|---|---|---|---|"]
    lines += [f"| {r.seed} | {r.auc:.3f} | {r.days_earlier:.1f} | {r.ceiling_auc:.3f} | "
              f"{r.ceiling_days_earlier:.1f} |" for r in df.itertuples()]
    for label, part in ((f"mean of all {len(df)}", df),
                        (f"mean of seeds 1–{n_seeds}", others)):
        lines.append(
            f"| **{label}** (± sd) | {part['auc'].mean():.3f} ± {part['auc'].std():.3f} | "
            f"{part['days_earlier'].mean():.1f} ± {part['days_earlier'].std():.1f} | "
            f"{part['ceiling_auc'].mean():.3f} ± {part['ceiling_auc'].std():.3f} | "
            f"{part['ceiling_days_earlier'].mean():.1f} ± "
            f"{part['ceiling_days_earlier'].std():.1f} |"
        )
    gap = df["ceiling_auc"] - df["auc"]
    lines.append(f"\nCeiling − model AUC: {gap.mean():.3f} ± {gap.std():.3f} (sd over samples).")
    return "\n".join(lines)


def sample_scoring(tables: dict[str, pd.DataFrame], as_of: str) -> str:
    from risk import scoring

    scoring._CACHE.clear()
    args = (tables["sites"], tables["inspections"], tables["hazards"], as_of)
    t0 = time.perf_counter()
    out = score_sites(*args, assets=tables["assets"])
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    score_sites(*args, assets=tables["assets"])
    warm = time.perf_counter() - t0
    prop = tables["truth"].set_index("site_id")["propensity"]
    rho = pd.Series(out["p_hazard"].to_numpy()).corr(
        pd.Series(out["site_id"].map(prop).to_numpy()), method="spearman"
    )
    levels = out["level"].value_counts(normalize=True).reindex(["重大", "较大", "一般", "低"])
    return (
        f"| score_sites, {len(out)} sites, as of {as_of} | cold (training incl.) "
        f"{cold:.1f} s | warm (cached models) {warm:.2f} s |\n|---|---|---|\n"
        f"\nChosen model: {out.attrs['model']['candidate']}; Spearman(p_hazard, true propensity) "
        f"= {rho:.3f}; levels 重大/较大/一般/低 = "
        + " / ".join(f"{v:.1%}" for v in levels.fillna(0))
        + f"; must-visit {out['must_visit'].mean():.1%}.\n\n"
        + level_figures(tables, as_of, out)
    )


def level_figures(tables: dict[str, pd.DataFrame], as_of: str, out: pd.DataFrame) -> str:
    """Level distribution, season independence, head of the ranking, frequency agreement."""
    from ledger.kpis import coverage
    from risk.calendar import season_table
    from risk.config import RiskConfig
    from risk.inherent import inherent_lec
    from risk.level import level_distribution

    sites = tables["sites"]
    cfg = RiskConfig()
    n = len(out)
    major = out["level"] == "重大"
    by_rule = major & (out["major_open"] > 0)
    cat = out["site_id"].map(sites.set_index("site_id")["category"])
    high = cat == "高层建筑"
    prior = cfg.levels_for(inherent_lec(sites, cfg)["D"])
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        table = season_table()
        table["factor"] = 3.0
        path = Path(tmp) / "seasons.csv"
        table.to_csv(path, index=False, encoding="utf-8")
        loud = score_sites(sites, tables["inspections"], tables["hazards"], as_of,
                           assets=tables["assets"], config={"season_path": path})
    loud = loud.set_index("site_id").loc[out["site_id"]]
    season_changed = int((loud["level"].to_numpy() != out["level"].to_numpy()).sum())
    in_season = int((out["season_factor"] > 1).sum())
    day = pd.Timestamp(as_of)
    cov = coverage(sites, tables["inspections"], day.year, day).set_index("site_id")
    row = out.set_index("site_id").loc[cov.index]
    disagree = int(((row["days_overdue"] > 0) != ~cov["on_track"]).sum())
    top = out["score"].head(30)
    shown = top.map(lambda x: f"{x:.0f}")
    dist = level_distribution(out.assign(category=cat.to_numpy()), "category")
    dist = dist[dist["units"] >= 100].copy()
    for c in ("重大占比", "较大占比"):
        dist[c] = dist[c].map(lambda v: f"{v:.1%}")
    rows = ["| " + " | ".join(str(v) for v in r) + " |" for r in dist.itertuples(index=False)]
    return "\n".join(
        [
            "### Levels, priority and statutory frequency",
            "",
            f"- 重大 {int(major.sum())} units ({major.mean():.1%}): {int(by_rule.sum())} because "
            f"of an open 重大隐患 ({by_rule.mean():.1%}), {int((major & ~by_rule).sum())} by the "
            f"standing D ({(major & ~by_rule).mean():.1%}); 较大 "
            f"{(out['level'] == '较大').mean():.1%}.",
            f"- High-rises 重大: {(out.loc[high.to_numpy(), 'level'] == '重大').mean():.1%} of "
            f"{int(high.sum())}; 重大 on the sector prior alone (empty ledger): "
            f"{(prior == '重大').mean():.1%}.",
            f"- Season: every season factor tripled (same windows, same model) changes the "
            f"level of {season_changed} of {n} units ({in_season} units in season today).",
            f"- Head of the ranking: top 30 scores {top.iloc[0]:.1f} … {top.iloc[-1]:.1f}, "
            f"{top.round(1).nunique()} distinct to 0.1, {shown.nunique()} distinct as shown "
            f"(integers), {int((shown == '100').sum())} shown as 100.",
            f"- Statutory frequency, ranking (days_overdue > 0) vs statistics "
            f"(ledger.kpis.coverage not on track): {disagree} units disagree "
            f"({int((~cov['on_track']).sum())} behind).",
            "",
            "| " + " | ".join(dist.columns) + " |",
            "|" + "---|" * len(dist.columns),
            *rows,
        ]
    )


def million_sites(n: int, seed: int = 7) -> str:
    """Synthetic registry of ``n`` sites with ~1.2 inspections each over two years."""
    rng = np.random.default_rng(seed)
    cats = np.array(["群租", "厂房仓库", "人员密集场所", "电动自行车", "园区企业", "高层建筑"])
    sites = pd.DataFrame(
        {
            "site_id": [f"S{i:07d}" for i in range(n)],
            "category": cats[rng.integers(0, len(cats), n)],
            "lon": 121.40 + rng.normal(0, 0.02, n),
            "lat": 31.25 + rng.normal(0, 0.015, n),
            "occupants": rng.integers(1, 400, n).astype(float),
            "key_list": rng.random(n) < 0.3,
        }
    )
    effect = rng.normal(-1.4, 0.8, n)
    m = int(n * 1.2)
    site_idx = rng.integers(0, n, m)
    dates = pd.Timestamp("2024-12-01") + pd.to_timedelta(rng.integers(0, 730, m), unit="D")
    p = 1 / (1 + np.exp(-effect[site_idx]))
    insp = pd.DataFrame(
        {
            "inspection_id": [f"I{i:08d}" for i in range(m)],
            "site_id": sites["site_id"].to_numpy()[site_idx],
            "date": dates,
            "hazard_found": (rng.random(m) < p).astype(int),
        }
    )
    as_of = "2026-11-30"
    t0 = time.perf_counter()
    fit_site_models(sites, insp, as_of)
    train = time.perf_counter() - t0
    t0 = time.perf_counter()
    score_sites(sites, insp, None, as_of, config={"explain": False})
    score_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    score_sites(sites, insp, None, as_of)
    score_explained = time.perf_counter() - t0
    return (
        f"| {n:,} sites, {m:,} inspections | seconds |\n|---|---|\n"
        f"| train (feature build + 4-candidate time-ordered selection + refit) | {train:.1f} |\n"
        f"| score all sites, models cached, without reasons | {score_plain:.1f} |\n"
        f"| score all sites, models cached, with reasons | {score_explained:.1f} |"
    )


def cli_evaluate(n_inspections: int = 100_000, seed: int = 11) -> str:
    """Time the exact CLI on a foreign-style ledger of ``n_inspections`` rows (CSV, GBK sites)."""
    import subprocess
    import tempfile

    rng = np.random.default_rng(seed)
    n_sites = n_inspections // 12
    kinds = np.array(["restaurant", "grocery", "school", "bakery", "daycare"])
    sites = pd.DataFrame(
        {
            "site_id": [f"F{i:06d}" for i in range(n_sites)],
            "lon": -87.7 + rng.normal(0, 0.05, n_sites),
            "lat": 41.85 + rng.normal(0, 0.05, n_sites),
            "category": kinds[rng.integers(0, len(kinds), n_sites)],
            "seats": rng.integers(0, 200, n_sites),
            "licence_years": rng.integers(0, 30, n_sites),
        }
    )
    effect = rng.normal(-1.2, 0.9, n_sites)
    idx = rng.integers(0, n_sites, n_inspections)
    date = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n_inspections),
                                                         unit="D")
    temp = 12 + 12 * np.sin(2 * np.pi * (date.day_of_year.to_numpy() - 100) / 365)
    p = 1 / (1 + np.exp(-(effect[idx] + 0.03 * (temp - 12))))
    insp = pd.DataFrame(
        {
            "inspection_id": [f"X{i:07d}" for i in range(n_inspections)],
            "site_id": sites["site_id"].to_numpy()[idx],
            "date": date.strftime("%Y-%m-%d"),
            "hazard_found": (rng.random(n_inspections) < p).astype(int),
            "temperature": temp.round(1),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        sites.to_csv(d / "S.csv", index=False, encoding="gbk")
        insp.to_csv(d / "I.csv", index=False)
        cmd = [sys.executable, "-m", "risk", "evaluate", "--sites", str(d / "S.csv"),
               "--inspections", str(d / "I.csv"), "--test-from", "2023-07-01",
               "--report", str(d / "out.json"), "--scores-out", str(d / "scores.csv")]
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        secs = time.perf_counter() - t0
        import json

        rep = json.loads((d / "out.json").read_text(encoding="utf-8"))
    return (
        f"`python -m risk evaluate --sites S.csv --inspections I.csv --test-from 2023-07-01 "
        f"--report out.json --scores-out scores.csv` on {n_sites:,} sites (GBK CSV) and "
        f"{n_inspections:,} inspections with a context column: **{secs:.0f} s** wall clock "
        f"(process start and CSV reading included); chosen {rep['model_candidate']}, "
        f"AUC {rep['auc']:.3f}, normalised gain {rep['normalised_gain']:.3f}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS_risk.md")
    parser.add_argument("--million-sites", type=int, default=1_000_000)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--skip-cli", action="store_true",
                        help="leave out the 100,000-inspection CLI timing")
    parser.add_argument("--first-window-only", action="store_true",
                        help="backtest only the first test window (faster on a loaded machine)")
    parser.add_argument("--seed-spread", type=int, default=0, metavar="N",
                        help="also backtest the first window (logistic) on seeds 1..N")
    args = parser.parse_args(argv)
    import synthdata

    t0 = time.perf_counter()
    tables = synthdata.generate(seed=SEED, n_sites=N_SITES)
    gen = time.perf_counter() - t0
    last = pd.Timestamp(tables["inspections"]["date"].max())
    w2 = (str((last - pd.DateOffset(months=6) + pd.Timedelta(days=1)).date()), str(last.date()))
    w1 = first_window(tables)
    parts = [
        "# Risk model benchmark",
        "",
        f"Command: `.venv/bin/python benchmarks/risk_model.py {' '.join(argv or sys.argv[1:])}`"
        f" — run {dt.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
        "2 shared cores (other jobs running: timings are upper bounds).",
        "",
        f"Sample: `synthdata.generate(seed={SEED}, n_sites={N_SITES})` ({gen:.1f} s): "
        f"{len(tables['sites'])} sites, {len(tables['inspections'])} inspections "
        f"({int((tables['inspections']['type'] == '复查').sum())} of them 复查), "
        f"{len(tables['hazards'])} hazards.",
        "",
        "## Backtest on the sample (Chicago-style)",
        "",
        "Train before the window, score each inspection from what was known before it. "
        "`days_earlier` = mean real date − assigned date over inspections that found a hazard "
        "when the window's inspections are re-ordered by score on the real calendar; `random` is "
        "the exact mean over all shuffles; the ceiling row scores by the hidden true propensity "
        "(which ignores season, time since the last visit and recurrence, so a model can beat "
        "it on days earlier).",
        sample_backtests(tables, [w1] if args.first_window_only else [w1, w2]),
        "",
        "## score_sites on the sample",
        "",
        sample_scoring(tables, str(last.date())),
    ]
    if args.seed_spread:
        parts += ["", f"## First window over {args.seed_spread + 1} samples of the generator", "",
                  seed_spread(args.seed_spread)]
    if not args.skip_cli:
        parts += ["", "## CLI on a foreign ledger of 100,000 inspections", "", cli_evaluate()]
    if not args.skip_million:
        parts += ["", "## Scale: training and scoring a million synthetic sites", "",
                  million_sites(args.million_sites)]
    text = "\n".join(parts) + "\n"
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "RESULTS_risk.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
