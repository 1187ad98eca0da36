"""Deterministic sample registry and three-year ledger of 真如镇街道 (synthetic).

The office's real registry is not public, so the app ships this sample: real OSM places plus
synthetic units, protective assets, a hidden "true risk" per site and the inspection ledger
it produces. Same seed → byte-identical tables. See ``docs/SAMPLE_DATA.md``.

Examples
--------
>>> import synthdata
>>> t = synthdata.generate(seed=1, n_sites=300, ledger=False)
>>> sorted(t)
['assets', 'hazards', 'inspections', 'sites', 'truth']
>>> len(t["sites"])
300
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from layers import zones
from synthdata.assets import build_assets
from synthdata.ledger import HAZARD_COLUMNS, INSPECTION_COLUMNS, simulate
from synthdata.placement import make_placer
from synthdata.profiles import PROFILES
from synthdata.sites import SITE_COLUMNS, build_sites
from synthdata.truth import latent_risk

__all__ = ["DEFAULT_END", "DEFAULT_SEED", "TABLES", "generate", "table_hashes", "write_csv"]

DEFAULT_SEED = 20261129
DEFAULT_END = dt.date(2026, 11, 28)
#: Table names in output order.
TABLES: tuple[str, ...] = ("sites", "inspections", "hazards", "assets", "truth")

# Construction projects are only inspected while they run: start = end - U(lo, hi) days.
_CONSTRUCTION_AGE = {"限额以上": (60, 900), "限额以下": (10, 120), "综合修缮": (30, 400)}


def _key_list(rng: np.random.Generator, sites: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    base = sites["category"].map({c: p.base_rate for c, p in PROFILES.items()}).to_numpy(float)
    share = sites["category"].map({c: p.key_share for c, p in PROFILES.items()}).to_numpy(float)
    tilt = np.sqrt(truth["propensity"].to_numpy(float) / base)
    p = np.where(share >= 1.0, 1.0, np.clip(share * tilt, 0.0, 1.0))
    return rng.random(len(sites)) < p


def _active_from(rng: np.random.Generator, sites: pd.DataFrame, end: dt.date) -> np.ndarray:
    out = np.full(len(sites), 0, dtype=np.int64)
    e0 = end.toordinal()
    for sub, (lo, hi) in _CONSTRUCTION_AGE.items():
        m = ((sites["category"] == "建筑施工") & (sites["subcategory"] == sub)).to_numpy()
        out[m] = e0 - rng.integers(lo, hi + 1, int(m.sum()))
    return out


def generate(
    seed: int = DEFAULT_SEED,
    n_sites: int = 3000,
    end: dt.date = DEFAULT_END,
    years: int = 3,
    ledger: bool = True,
) -> dict[str, pd.DataFrame]:
    """Generate the sample tables (contracts in ``docs/ARCHITECTURE.md``).

    Parameters
    ----------
    seed : int
        Seed of the single ``numpy.random.default_rng`` stream; same seed → same tables.
    n_sites : int
        Number of registry units (at least 250; 1,000,000 works with ``ledger=False``).
    end : datetime.date
        Last day of the ledger; hazard statuses are as of this day.
    years : int
        Length of the ledger (years before ``end``).
    ledger : bool
        Simulate inspections and hazards (False → empty tables with the right columns).

    Returns
    -------
    dict of str to DataFrame
        Keys ``sites, inspections, hazards, assets, truth``.

    Examples
    --------
    >>> t = generate(seed=7, n_sites=300, years=1)
    >>> bool(t["inspections"]["site_id"].isin(t["sites"]["site_id"]).all())
    True
    """
    if not isinstance(end, dt.date):
        raise TypeError("end 必须是 datetime.date")
    if years < 1:
        raise ValueError("years 至少为 1")
    rng = np.random.default_rng(seed)
    anchors = zones.committee_zones()[["anchor_lon", "anchor_lat"]].to_numpy(float)
    placer = make_placer(rng, anchors)
    sites = build_sites(rng, placer, n_sites)
    sites.insert(0, "site_id", [f"S{k:06d}" for k in range(1, len(sites) + 1)])
    truth = latent_risk(rng, sites)
    sites["key_list"] = _key_list(rng, sites, truth)
    sites["required_per_year"] = np.where(sites["key_list"], 4, 2).astype("int64")
    sites = sites[list(SITE_COLUMNS)]
    assets = build_assets(rng, placer, end)
    if ledger:
        s0 = (end.replace(year=end.year - years) + dt.timedelta(days=1)).toordinal()
        active = _active_from(rng, sites, end)
        work = sites.assign(active_from=np.maximum(active, s0))
        inspections, hazards = simulate(rng, work, truth, end, years)
    else:
        inspections = pd.DataFrame({c: [] for c in INSPECTION_COLUMNS})
        hazards = pd.DataFrame({c: [] for c in HAZARD_COLUMNS})
    return {
        "sites": sites,
        "inspections": inspections,
        "hazards": hazards,
        "assets": assets,
        "truth": truth,
    }


def write_csv(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> dict[str, Path]:
    """Write each table as ``<out_dir>/<name>.csv`` (UTF-8, ``\\n`` line ends, ISO dates).

    Returns
    -------
    dict of str to Path

    Examples
    --------
    >>> import tempfile
    >>> t = generate(seed=1, n_sites=300, ledger=False)
    >>> sorted(p.name for p in write_csv(t, tempfile.mkdtemp()).values())[:2]
    ['assets.csv', 'hazards.csv']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in TABLES:
        path = out / f"{name}.csv"
        tables[name].to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                            date_format="%Y-%m-%d")
        paths[name] = path
    return paths


def table_hashes(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """SHA-256 of each table's CSV bytes (what :func:`write_csv` would write).

    Examples
    --------
    >>> a = table_hashes(generate(seed=1, n_sites=300, ledger=False))
    >>> a == table_hashes(generate(seed=1, n_sites=300, ledger=False))
    True
    """
    out = {}
    for name in TABLES:
        data = tables[name].to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
        out[name] = hashlib.sha256(data.encode("utf-8")).hexdigest()
    return out
