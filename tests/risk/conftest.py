"""Small synthetic ledgers with a planted signal, for the risk tests (independent of synthdata)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

SECTOR_EFFECT = {
    "群租": 0.9,
    "三合一场所": 0.7,
    "厂房仓库": 0.3,
    "商贸市场": 0.0,
    "园区企业": -0.8,
    "学校幼儿园": -0.5,
    "养老机构": -0.2,
}


def make_ledger(
    n_sites: int = 240,
    start: str = "2023-01-01",
    end: str = "2025-06-30",
    seed: int = 1,
    site_sd: float = 1.0,
) -> dict[str, pd.DataFrame]:
    """Sites, inspections, hazards, assets and the true per-site log-odds (``truth``).

    The hazard probability of an inspection is ``sigmoid(-1.1 + sector + site effect)`` plus a
    winter bump for residential sectors, so history and sector carry real signal.
    """
    rng = np.random.default_rng(seed)
    cats = list(SECTOR_EFFECT)
    category = rng.choice(cats, n_sites)
    site_ids = [f"S{i:06d}" for i in range(1, n_sites + 1)]
    effect = rng.normal(0, site_sd, n_sites)
    sites = pd.DataFrame(
        {
            "site_id": site_ids,
            "name": [f"单位{i}" for i in range(n_sites)],
            "lon": 121.40 + rng.normal(0, 0.01, n_sites),
            "lat": 31.25 + rng.normal(0, 0.008, n_sites),
            "category": category,
            "subcategory": "",
            "key_list": rng.random(n_sites) < 0.3,
            "occupants": rng.integers(2, 300, n_sites).astype(float),
            "floor_area_m2": rng.integers(50, 5000, n_sites).astype(float),
        }
    )
    sites["required_per_year"] = np.where(sites["key_list"], 4, 2)
    logit = -1.1 + np.array([SECTOR_EFFECT[c] for c in category]) + effect
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    rows = []
    for i, sid in enumerate(site_ids):
        day = t0 + pd.Timedelta(days=int(rng.integers(0, 60)))
        while day <= t1:
            winter = day.month in (11, 12, 1, 2, 3, 4) and category[i] in ("群租", "三合一场所")
            p = 1 / (1 + np.exp(-(logit[i] + 0.5 * winter)))
            k = 2 if rng.random() < 0.05 else 1  # occasionally two checks the same day
            for _ in range(k):
                h = int(rng.random() < p)
                rows.append((sid, day, h, int(h and rng.random() < 0.15)))
            day = day + pd.Timedelta(days=int(rng.integers(35, 140)))
    insp = pd.DataFrame(rows, columns=["site_id", "date", "hazard_found", "major_found"])
    insp = insp.sort_values(["date", "site_id"], kind="stable").reset_index(drop=True)
    insp.insert(0, "inspection_id", [f"I{i:07d}" for i in range(1, len(insp) + 1)])
    insp["type"] = np.where(rng.random(len(insp)) < 0.1, "专项", "日常")
    insp["n_hazards"] = insp["hazard_found"] * rng.integers(1, 4, len(insp))
    hz_rows = []
    for rec in insp[insp["hazard_found"] == 1].itertuples():
        for j in range(int(rec.n_hazards)):
            major = bool(rec.major_found and j == 0)
            deadline = rec.date + pd.Timedelta(days=30 if major else 15)
            closed = rng.random() < 0.85
            closed_date = deadline - pd.Timedelta(days=int(rng.integers(0, 10))) if closed else pd.NaT
            hz_rows.append(
                {
                    "hazard_id": f"YH-{rec.inspection_id}-{j}",
                    "inspection_id": rec.inspection_id,
                    "site_id": rec.site_id,
                    "found_date": rec.date,
                    "level": "重大" if major else "一般",
                    "hazard_type": "消防",
                    "deadline": deadline,
                    "status": "已销号" if closed else "整改中",
                    "supervised": major and rng.random() < 0.5,
                    "rectified_date": closed_date,
                    "reinspection_date": closed_date,
                    "closed_date": closed_date,
                }
            )
    hazards = pd.DataFrame(hz_rows)
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2", "A3"],
            "kind": ["微型消防站"] * 3,
            "lon": [121.39, 121.40, 121.41],
            "lat": [31.245, 31.25, 31.255],
        }
    )
    truth = pd.DataFrame({"site_id": site_ids, "logit": logit})
    return {"sites": sites, "inspections": insp, "hazards": hazards, "assets": assets,
            "truth": truth}


@pytest.fixture(scope="session")
def ledger() -> dict[str, pd.DataFrame]:
    return make_ledger()
