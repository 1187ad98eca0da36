"""Protective assets of the sample: 微型消防站, e-bike smart garages, charging ports.

* 12 existing 社区微型消防站 (built 2016–2022, before the plan year) at estate positions;
* the 4 new 微型消防站 of the plan year (:data:`PLAN_YEAR`, 2023), spread over the subdistrict
  (one per quarter of the boundary, farthest from the existing ones), ``approximate=True``;
* 24 电动自行车智能车库 (capacity 40–300 bicycles, built 2021–2026);
* 60 charging-port groups (充电端口, capacity 10–80 ports, built 2020–2026).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from layers import zones
from synthdata.committee import committee_groups
from synthdata.placement import Placer
from synthdata.sites import estate_name

#: Year of the work plan whose 4 new 微型消防站 the sample shows.
PLAN_YEAR = 2023
N_EXISTING_STATIONS = 12
N_NEW_STATIONS = 4
N_GARAGES = 24
N_PORT_GROUPS = 60
ASSET_COLUMNS = (
    "asset_id", "kind", "name", "lon", "lat", "committee", "capacity", "built_date", "approximate",
)


def _dates(rng: np.random.Generator, first: dt.date, last: dt.date, n: int) -> pd.Series:
    a, b = first.toordinal(), last.toordinal()
    return pd.to_datetime([dt.date.fromordinal(int(x)) for x in rng.integers(a, b + 1, n)])


def _spread_new(rng: np.random.Generator, placer: Placer, existing: np.ndarray) -> np.ndarray:
    """One new station per quadrant of the boundary, the candidate farthest from the others."""
    x0, y0, x1, y1 = placer.boundary.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    lon, lat, _ = placer.sample(rng, np.full(4000, 3))
    chosen = [tuple(p) for p in existing]
    out = []
    for east, north in ((False, False), (True, False), (False, True), (True, True)):
        q = ((lon >= xm) == east) & ((lat >= ym) == north)
        cand = np.column_stack([lon[q], lat[q]])
        pts = np.asarray(chosen)
        d = np.min(np.hypot(*(cand[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)), axis=1)
        best = cand[int(np.argmax(d))]
        chosen.append(tuple(best))
        out.append(best)
    return np.asarray(out)


def build_assets(rng: np.random.Generator, placer: Placer, end: dt.date) -> pd.DataFrame:
    """Draw the assets table (columns :data:`ASSET_COLUMNS`), only assets built by ``end``.

    Examples
    --------
    >>> import datetime as dt, numpy as np
    >>> from synthdata.placement import make_placer
    >>> rng = np.random.default_rng(0)
    >>> a = build_assets(rng, make_placer(rng), dt.date(2026, 11, 28))
    >>> int(((a["kind"] == "微型消防站") & a["approximate"]).sum())
    4
    """
    lon_e, lat_e, _ = placer.sample(rng, np.full(N_EXISTING_STATIONS, 1))
    new = _spread_new(rng, placer, np.column_stack([lon_e, lat_e]))
    lon_g, lat_g, _ = placer.sample(rng, rng.choice([1, 2], N_GARAGES))
    lon_p, lat_p, _ = placer.sample(rng, rng.choice([0, 1, 2], N_PORT_GROUPS))
    frames = [
        pd.DataFrame({
            "kind": "微型消防站", "lon": lon_e, "lat": lat_e,
            "capacity": rng.integers(4, 9, N_EXISTING_STATIONS),
            "built_date": _dates(rng, dt.date(2016, 3, 1), dt.date(PLAN_YEAR - 1, 12, 31),
                                 N_EXISTING_STATIONS),
            "approximate": False, "suffix": "社区微型消防站",
        }),
        pd.DataFrame({
            "kind": "微型消防站", "lon": new[:, 0], "lat": new[:, 1],
            "capacity": rng.integers(4, 7, N_NEW_STATIONS),
            "built_date": _dates(rng, dt.date(PLAN_YEAR, 3, 1), dt.date(PLAN_YEAR, 10, 31),
                                 N_NEW_STATIONS),
            "approximate": True, "suffix": f"微型消防站（{PLAN_YEAR}年新建）",
        }),
        pd.DataFrame({
            "kind": "电动自行车智能车库", "lon": lon_g, "lat": lat_g,
            "capacity": rng.integers(4, 31, N_GARAGES) * 10,
            "built_date": _dates(rng, dt.date(2021, 1, 1), end, N_GARAGES),
            "approximate": False, "suffix": "电动自行车智能车库",
        }),
        pd.DataFrame({
            "kind": "充电端口", "lon": lon_p, "lat": lat_p,
            "capacity": rng.integers(1, 9, N_PORT_GROUPS) * 10,
            "built_date": _dates(rng, dt.date(2020, 1, 1), end, N_PORT_GROUPS),
            "approximate": False, "suffix": "非机动车充电桩",
        }),
    ]
    df = pd.concat(frames, ignore_index=True)
    df = df[df["built_date"] <= pd.Timestamp(end)].reset_index(drop=True)
    df["committee"] = committee_groups(
        df["lon"].to_numpy(float), df["lat"].to_numpy(float), np.zeros(len(df), dtype=bool)
    )
    full = zones.committee_zones().set_index("short_name")["name"]
    place = df["committee"].map(lambda c: estate_name(str(full.get(c, ""))))
    place = place.where(~place.isin(["真如"]), "真如镇")
    seq = df.groupby([place, df["suffix"]], sort=False).cumcount() + 1
    df["name"] = [
        f"{c}{s}" if k == 1 else f"{c}{s}{k}号"
        for c, s, k in zip(place, df["suffix"], seq, strict=True)
    ]
    df["asset_id"] = [f"A{k:04d}" for k in range(1, len(df) + 1)]
    df["capacity"] = df["capacity"].astype("int64")
    return df[list(ASSET_COLUMNS)]
