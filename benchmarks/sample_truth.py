"""Print the figures that say whether the sample tells the truth about a place like Zhenru.

Figures (default sample: seed 20261129, 3,000 units, ledger ending 2026-11-28):

* 重大 share of hazards and share of units that ever had a 重大 hazard;
* inspections on non-working days (``risk.calendar.is_off_day``: weekends and public holidays,
  调休 make-up days count as working days), overall and per type, and Mondays' load against
  the other weekdays';
* sites inside railway land / river channels (:func:`synthdata.placement.rail_water_mask`);
* sites and assets labelled with a placeholder 居委 (``layers.zones`` ``placeholder``) and
  units outside the boundary not in the "辖区外" group;
* 特种设备 units whose name shows the host the plan puts the equipment in;
* the year of the 4 new 微型消防站; 节前/领导带队 visits before the combined 中秋国庆 blocks.

Usage::

    .venv/bin/python benchmarks/sample_truth.py                 # generate and measure
    .venv/bin/python benchmarks/sample_truth.py --csv DIR       # measure CSVs of `python -m synthdata`
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import synthdata  # noqa: E402
from layers import zones  # noqa: E402
from risk import calendar  # noqa: E402
from synthdata.placement import rail_water_mask  # noqa: E402

#: Words in a 特种设备 unit's name that show the host of the equipment (the plan's placement).
PLAN_HOSTS = {
    "老旧电梯(15年以上)": ("商厦", "大厦", "商场", "办公", "商务楼"),
    "起重机械": ("工程", "仓储", "仓库"),
    "叉车": ("仓储", "仓库", "物流"),
    "锅炉": ("浴室", "干洗"),
}


def _load(csv_dir: str | None) -> dict[str, pd.DataFrame]:
    if csv_dir is None:
        return synthdata.generate(seed=synthdata.DEFAULT_SEED, n_sites=3000)
    out = {}
    for name in synthdata.TABLES:
        out[name] = pd.read_csv(Path(csv_dir) / f"{name}.csv", encoding="utf-8")
    for col in ("date",):
        out["inspections"][col] = pd.to_datetime(out["inspections"][col])
    out["hazards"]["found_date"] = pd.to_datetime(out["hazards"]["found_date"])
    out["assets"]["built_date"] = pd.to_datetime(out["assets"]["built_date"])
    return out


def measure(t: dict[str, pd.DataFrame]) -> dict[str, object]:
    """The figures as a flat dict (label → value)."""
    s, ins, hz, assets = t["sites"], t["inspections"], t["hazards"], t["assets"]
    fig: dict[str, object] = {}
    major = hz["level"] == "重大"
    fig["hazards"] = len(hz)
    fig["重大 hazards"] = int(major.sum())
    fig["重大 share of hazards %"] = round(100 * major.mean(), 2)
    fig["units with a 重大 %"] = round(100 * hz.loc[major, "site_id"].nunique() / len(s), 2)
    by_desc = hz.loc[major, "description"].value_counts()
    for d in ("安全出口上锁或封堵", "违规分隔搭建"):
        fig[f"重大 '{d}'"] = int(by_desc.get(d, 0))

    days = pd.to_datetime(ins["date"]).dt.date
    off = {d: calendar.is_off_day(d) for d in sorted(set(days))}
    is_off = days.map(off)
    fig["inspections"] = len(ins)
    fig["inspections on non-working days %"] = round(100 * is_off.mean(), 2)
    for typ, share in is_off.groupby(ins["type"]).mean().items():
        fig[f"  {typ} on non-working days %"] = round(100 * share, 2)
    # Weekday load: the off days' visits must spread over the week, not pile on Mondays
    # (moving each off-day visit to the next working day gave Mondays 2.3x Tuesday-Friday).
    weekday = pd.to_datetime(ins["date"]).dt.day_of_week
    for label, part in (("all", weekday), ("non-复查", weekday[ins["type"] != "复查"])):
        per_day = part.value_counts()
        fig[f"Monday / mean Tue-Fri inspections ({label})"] = round(
            float(per_day.get(0, 0) / per_day.reindex([1, 2, 3, 4]).fillna(0).mean()), 2
        )

    mask = rail_water_mask()
    shapely.prepare(mask)
    hit = shapely.contains_xy(mask, s["lon"].to_numpy(float), s["lat"].to_numpy(float))
    fig["sites in railway land / river channels"] = int(hit.sum())
    fig["  of which 学校幼儿园"] = int((hit & (s["category"] == "学校幼儿园")).sum())

    z = zones.committee_zones()
    placeholder = set(z.loc[z["placeholder"], "short_name"]) | set(z.loc[z["placeholder"], "name"])
    bad = s["committee"].isin(placeholder) | s["committee"].astype(str).str.startswith("未知")
    fig["sites with a placeholder 居委"] = int(bad.sum())
    bad_a = assets["committee"].isin(placeholder) | assets["committee"].astype(str).str.startswith("未知")
    fig["assets with a placeholder 居委"] = int(bad_a.sum())
    out = s["outside_boundary"].astype(bool)
    fig["outside-boundary units"] = int(out.sum())
    fig["  of which committee 辖区外"] = int((s.loc[out, "committee"] == "辖区外").sum())

    eq = s[s["category"] == "特种设备"]
    for sub, words in PLAN_HOSTS.items():
        part = eq[eq["subcategory"] == sub]
        ok = part["name"].str.contains("|".join(words), regex=True)
        fig[f"特种设备 {sub}: units / at the plan's host"] = f"{len(part)} / {int(ok.sum())}"
    for col in ("boilers", "cranes", "forklifts"):
        has = s[s[col].fillna(0) > 0]
        fig[f"units with {col} by category"] = has["category"].value_counts().to_dict()

    st = assets[assets["kind"] == "微型消防站"]
    new = st[st["approximate"].astype(bool)]
    fig["new 微型消防站 built years"] = sorted(set(pd.to_datetime(new["built_date"]).dt.year))
    fig["new 微型消防站 names"] = sorted(new["name"])

    pre = ins[ins["type"].isin(["节前", "领导带队"])]
    pdays = pd.to_datetime(pre["date"])
    for h in calendar.holidays():
        if "中秋" in h.name and "国庆" in h.name:
            start = pd.Timestamp(h.start)
            n = int(((pdays < start) & (pdays >= start - pd.Timedelta(days=21))).sum())
            fig[f"节前/领导带队 in the 21 days before {h.name} {h.start}"] = n
            kn = calendar.key_nodes(h.start.year)
            row = kn[kn["start"] == h.start]
            if len(row):
                fig[f"  key_nodes lead_days / focus {h.start.year}"] = (
                    f"{row['lead_days'].tolist()} / {row['focus'].tolist()}"
                )
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", help="directory with the CSVs written by `python -m synthdata`")
    args = ap.parse_args(argv)
    t0 = dt.datetime.now()
    tables = _load(args.csv)
    for k, v in measure(tables).items():
        print(f"{k}: {v}")
    print(f"(measured in {(dt.datetime.now() - t0).total_seconds():.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
