"""Where the next facilities should go: a maximal-covering location model (MCLP).

Given the units (demand points with weights), the sites the office keeps (existing facilities
and pinned planned ones) and candidate sites, choose ``p`` new sites so that the weight of the
units reached within the response time (:class:`facilities.coverage.ResponseStandard`) is as
large as possible (Church & ReVelle 1974)::

    max Σ_i w_i y_i   s.t.   y_i ≤ Σ_{j reaches i} x_j,   Σ_j x_j ≤ p,   x_j ∈ {0, 1},  0 ≤ y_i ≤ 1

Units already reached by a kept site are covered whatever is chosen and leave the model; units
with the same set of reaching candidates are merged into one demand point. The integer program
is solved exactly by HiGHS (``scipy.optimize.milp``) within a time limit; HiGHS takes no start
solution, so the greedy answer improved by single swaps (Teitz–Bart interchange) is kept when
the solver stops at its limit with nothing better, and the result says how far from the proven
bound it may be. :func:`greedy_mclp` is the classic baseline (add the site with the largest
gain, ``p`` times; ≥ 1 − 1/e of the optimum), used by ``benchmarks/facility_siting.py``.

The weight of a unit is a mix of shares (``objective``): ``{"risk": 1.0}`` covers the most
standing risk; ``{"risk": 1.0, "people": 0.5}`` also values people at risk;
``{"ebikes": 1.0}`` (charging ports, garages) the e-bikes of :func:`facilities.charging.
ebike_demand`. Each column is divided by its total first, so the weights are unit-free.

Candidate sites (:func:`candidate_sites`): the 居委 anchors of ``layers.zones`` (a 社区微型消防站
usually sits at the 居委 or the estate's 物业), OSM places that can host one (parking, public
buildings, parks, markets, schools …) and the positions of the registry's units, thinned to one
per ``spacing_m`` grid cell.

Examples
--------
>>> import numpy as np
>>> reach = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=bool)
>>> w = np.array([5.0, 1.0, 1.0, 5.0])
>>> solve_mclp(reach, w, 2).chosen, greedy_mclp(reach, w, 2).chosen
([0, 2], [0, 2])
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from shapely.geometry.base import BaseGeometry

from facilities.coverage import ResponseStandard, reach_matrix
from layers.geodata import METRIC_CRS
from routes.travel import TravelProvider

__all__ = [
    "OSM_HOST_CLASSES",
    "SITING_STANDARDS",
    "MclpSolution",
    "SitingResult",
    "candidate_sites",
    "demand_weights",
    "greedy_mclp",
    "propose_sites",
    "site_pool",
    "solve_mclp",
]

#: Default response standard per facility kind: a 微型消防站 reaches a unit in a 3-minute
#: e-bike run; residents walk to a smart garage or a charging port in 5 minutes (≈ 290 m
#: straight line). Configurable defaults (docs/DOMAIN.md §4 "3分钟到场"; the walking time is [U]).
SITING_STANDARDS: Mapping[str, ResponseStandard] = {
    "微型消防站": ResponseStandard(3.0, "电动自行车"),
    "电动自行车智能车库": ResponseStandard(5.0, "步行"),
    "充电端口": ResponseStandard(5.0, "步行"),
}

#: OSM ``fclass`` values of places that can host a facility.
OSM_HOST_CLASSES: tuple[str, ...] = (
    "parking", "public_building", "community_centre", "townhall", "police", "fire_station",
    "park", "market_place", "mall", "supermarket", "school", "kindergarten", "hospital",
)

#: Order of the candidate sources when two fall in one grid cell (the first is kept).
_SOURCES = ("居委", "OSM", "单位")


@dataclass(frozen=True)
class MclpSolution:
    """The chosen candidates (indices, increasing), the covered weight and how it was found."""

    chosen: list[int]
    value: float
    method: str
    status: str
    seconds: float
    mip_gap: float = 0.0


@dataclass
class SitingResult:
    """A siting proposal.

    Attributes
    ----------
    proposals : DataFrame
        One row per proposed site in the order of its gain: ``order, candidate_id, name,
        source, gain_units``, per weight column (``risk``, ``people``, ``ebikes`` when
        present) ``gain_<col>`` (what it adds given the kept sites and the proposals before
        it), and ``lon, lat``.
    before, after : dict
        Covered units and covered total per weight column, with the kept sites only and with
        the proposals added (and ``high_risk_uncovered``, the 重大/较大 units still out of
        reach, when the demand has a ``high_risk`` column).
    solution : MclpSolution
        The solver's answer.
    """

    proposals: pd.DataFrame
    before: dict[str, float]
    after: dict[str, float]
    solution: MclpSolution
    columns: list[str] = field(default_factory=list)


def demand_weights(demand: pd.DataFrame, objective: Mapping[str, float]) -> np.ndarray:
    """Weight of each demand point: Σ_col factor × value / column total.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"risk": [30.0, 10.0], "people": [0.0, 50.0]})
    >>> demand_weights(d, {"risk": 1.0, "people": 0.5}).tolist()
    [0.75, 0.75]
    """
    w = np.zeros(len(demand))
    for col, factor in objective.items():
        if col not in demand:
            raise ValueError(f"需求表缺少列：{col}")
        v = pd.to_numeric(demand[col], errors="coerce").fillna(0.0).clip(lower=0.0).to_numpy(float)
        total = v.sum()
        if factor and total > 0:
            w += float(factor) * v / total
    return w


def _compress(reach: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge demand points with the same reaching candidates; drop unreachable/zero ones."""
    keep = (weights > 0) & reach.any(axis=0)
    r, w = reach[:, keep], weights[keep]
    if r.shape[1] == 0:
        return r, w
    packed = np.packbits(r, axis=0).T
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    merged_w = np.bincount(inverse.ravel(), weights=w, minlength=len(first))
    return r[:, first], merged_w


def _prune(reach: np.ndarray, weights: np.ndarray, covered: np.ndarray, chosen: list[int]) -> list[int]:
    """Drop chosen sites that add nothing (``Σ x ≤ p`` lets the solver pick idle ones)."""
    keep = sorted(chosen)
    for j in sorted(chosen, reverse=True):
        others = [k for k in keep if k != j]
        cov = covered | reach[others].any(axis=0) if others else covered
        if not (weights[reach[j] & ~cov] > 0).any():
            keep = others
    return keep


def solve_mclp(
    reach: np.ndarray, weights: np.ndarray, p: int, covered: np.ndarray | None = None,
    time_limit: float = 60.0,
) -> MclpSolution:
    """Choose at most ``p`` candidates maximising the weight of the demand they reach (HiGHS).

    Parameters
    ----------
    reach : bool array, n_candidates × n_demand
        Candidate *j* reaches demand point *i*.
    weights : array, n_demand
        Non-negative weights.
    p : int
        Number of new sites.
    covered : bool array, n_demand, optional
        Demand already reached by the kept sites (counted in ``value``, out of the model).
    time_limit : float
        Seconds HiGHS may take. On the limit the better of its incumbent and the greedy +
        interchange start is returned with ``status='时间上限'`` and ``mip_gap``, the share
        of the solver's proven bound (of the new weight) it may still miss.

    Examples
    --------
    >>> import numpy as np
    >>> reach = np.array([[1, 1, 0], [0, 1, 1]], dtype=bool)
    >>> s = solve_mclp(reach, np.array([1.0, 1.0, 3.0]), 1, covered=np.array([1, 0, 0], bool))
    >>> s.chosen, s.value, s.status
    ([1], 5.0, '最优')
    """
    t0 = time.perf_counter()
    reach = np.asarray(reach, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    covered = np.zeros(reach.shape[1], bool) if covered is None else np.asarray(covered, bool)
    base = float(weights[covered].sum())
    useful = np.flatnonzero(reach[:, ~covered].any(axis=1)) if reach.size else np.array([], int)
    r, w = _compress(reach[np.ix_(useful, ~covered)], weights[~covered])
    p = int(p)
    if p <= 0 or r.shape[1] == 0:
        return MclpSolution([], base, "MILP", "最优", time.perf_counter() - t0)
    if p >= len(useful):
        chosen = _prune(reach, weights, covered, useful.tolist())
        return MclpSolution(chosen, base + float(w.sum()), "MILP", "最优", time.perf_counter() - t0)
    m, k = r.shape
    # A start the solver must beat: greedy + interchange on the compressed instance (HiGHS
    # takes no start solution; on a time limit its incumbent can be worse than this).
    start = _interchange(r, w, greedy_mclp(r, w, p).chosen)
    start_value = float(w[r[start].any(axis=0)].sum()) if start else 0.0
    c = np.concatenate([np.zeros(m), -w])
    cover = sparse.hstack([-sparse.csr_matrix(r.T.astype(float)), sparse.identity(k)])
    count = sparse.hstack([sparse.csr_matrix(np.ones((1, m))), sparse.csr_matrix((1, k))])
    res = milp(
        c,
        integrality=np.concatenate([np.ones(m), np.zeros(k)]),
        bounds=Bounds(0.0, 1.0),
        constraints=[LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(count, 0.0, p)],
        options={"time_limit": float(time_limit), "mip_rel_gap": 0.0, "disp": False},
    )
    method, local = "MILP", start
    if res.x is not None:
        milp_pick = np.flatnonzero(res.x[:m] > 0.5).tolist()
        if milp_pick and float(w[r[milp_pick].any(axis=0)].sum()) >= start_value - 1e-12:
            local = milp_pick
        elif res.status != 0:
            method = "交换启发（MILP 未超过）"
    elif res.status != 0:
        method = "交换启发（MILP 无解）"
    else:
        raise RuntimeError(f"选址模型求解失败：{res.message}")
    chosen = _prune(reach, weights, covered, useful[local].tolist() if local else [])
    covered_after = covered | reach[chosen].any(axis=0) if chosen else covered
    value = float(weights[covered_after].sum())
    status = "最优" if res.status == 0 else "时间上限"
    gap = 0.0
    bound = getattr(res, "mip_dual_bound", None)
    if res.status != 0 and bound is not None and np.isfinite(bound) and -bound > 0:
        gap = max(0.0, (-float(bound) - (value - base)) / -float(bound))
    return MclpSolution(chosen, value, method, status, time.perf_counter() - t0, gap)


def _interchange(
    reach: np.ndarray, weights: np.ndarray, chosen: list[int], max_swaps: int | None = None,
) -> list[int]:
    """Improve a selection by single swaps (Teitz–Bart), best swap first, until none helps.

    Deterministic: a work budget of ``max_swaps`` (default 10 × the number chosen) ends it,
    never the clock.
    """
    chosen = list(chosen)
    if not chosen:
        return chosen
    sp = sparse.csr_matrix(reach.astype(float))
    dense = reach.astype(float)
    for _ in range(max_swaps if max_swaps is not None else 10 * len(chosen)):
        count = dense[chosen].sum(axis=0)
        best, swap = float(weights[count > 0].sum()) + 1e-12, None
        for pos, j in enumerate(chosen):
            rest = count - dense[j]
            gain = sp @ np.where(rest == 0, weights, 0.0)  # what each site adds without j
            gain[chosen] = -1.0
            i = int(np.argmax(gain))
            value = float(weights[rest > 0].sum()) + float(gain[i])
            if value > best:
                best, swap = value, (pos, i)
        if swap is None:
            break
        chosen[swap[0]] = swap[1]
    return sorted(chosen)


def greedy_mclp(
    reach: np.ndarray, weights: np.ndarray, p: int, covered: np.ndarray | None = None,
) -> MclpSolution:
    """Greedy baseline: ``p`` times add the candidate reaching the most uncovered weight.

    Examples
    --------
    >>> import numpy as np
    >>> reach = np.array([[0, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool)
    >>> g = greedy_mclp(reach, np.ones(6), 2)   # the optimum is [1, 2], covering all 6
    >>> g.chosen, g.value
    ([0, 1], 5.0)
    """
    t0 = time.perf_counter()
    reach = np.asarray(reach, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    cov = np.zeros(reach.shape[1], bool) if covered is None else np.asarray(covered, bool).copy()
    chosen: list[int] = []
    for _ in range(int(p)):
        gain = reach[:, ~cov].astype(float) @ weights[~cov] if reach.size else np.array([])
        if chosen:
            gain[chosen] = -1.0
        if gain.size == 0 or gain.max() <= 0:
            break
        j = int(np.argmax(gain))
        chosen.append(j)
        cov |= reach[j]
    return MclpSolution(sorted(chosen), float(weights[cov].sum()), "贪心", "贪心解",
                        time.perf_counter() - t0)


def candidate_sites(
    units: pd.DataFrame | None = None, *, anchors: pd.DataFrame | None = None,
    osm: pd.DataFrame | None = None, within: BaseGeometry | None = None, spacing_m: float = 100.0,
) -> pd.DataFrame:
    """Candidate sites: 居委 anchors, OSM host places and registry units, one per grid cell.

    Parameters
    ----------
    units : DataFrame, optional
        Registry units (``site_id, name, lon, lat``).
    anchors : DataFrame, optional
        ``layers.zones.anchors()`` (``name, lon, lat, placeholder``).
    osm : DataFrame, optional
        ``layers.geodata.pois()`` (``fclass, name, lon, lat``); rows of
        :data:`OSM_HOST_CLASSES` are used.
    within : shapely geometry, optional
        Keep candidates inside this area (EPSG:4326), e.g. the subdistrict boundary.
    spacing_m : float
        Grid cell size (metres, ``METRIC_CRS``); per cell the first of 居委, OSM, 单位 is kept.

    Returns
    -------
    DataFrame
        ``candidate_id (C0001…), name, source (居委/OSM/单位), ref, lon, lat``.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"site_id": ["S1", "S2"], "name": ["甲", "乙"],
    ...                   "lon": [121.3900, 121.3950], "lat": [31.25, 31.25]})
    >>> a = pd.DataFrame({"name": ["某居委会"], "lon": [121.39001], "lat": [31.25001],
    ...                   "placeholder": [False]})
    >>> candidate_sites(u, anchors=a)[["candidate_id", "source", "name"]].values.tolist()
    [['C0001', '居委', '某居委会'], ['C0002', '单位', '乙']]
    """
    parts = []
    if anchors is not None and len(anchors):
        a = anchors[~anchors.get("placeholder", pd.Series(False, index=anchors.index))
                    .astype(bool)]
        parts.append(pd.DataFrame({"name": a["name"].astype(str), "source": "居委",
                                   "ref": a["name"].astype(str), "lon": a["lon"], "lat": a["lat"]}))
    if osm is not None and len(osm):
        o = osm[osm["fclass"].isin(OSM_HOST_CLASSES)]
        label = o["name"].where(o["name"].notna() & (o["name"].astype(str) != ""),
                                "OSM " + o["fclass"].astype(str))
        parts.append(pd.DataFrame({"name": label.astype(str), "source": "OSM",
                                   "ref": "osm:" + o["osm_id"].astype(str) if "osm_id" in o
                                   else "", "lon": o["lon"], "lat": o["lat"]}))
    if units is not None and len(units):
        parts.append(pd.DataFrame({"name": units["name"].astype(str), "source": "单位",
                                   "ref": units["site_id"].astype(str), "lon": units["lon"],
                                   "lat": units["lat"]}))
    cols = ["candidate_id", "name", "source", "ref", "lon", "lat"]
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce")
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    df = df.dropna(subset=["lon", "lat"])
    if within is not None:
        df = df[shapely.contains_xy(within, df["lon"].to_numpy(), df["lat"].to_numpy())]
    xy = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs=4326).to_crs(METRIC_CRS)
    cell = pd.Series(list(zip((xy.x // spacing_m).astype(int), (xy.y // spacing_m).astype(int),
                              strict=True)), index=df.index)
    rank = df["source"].map({s: i for i, s in enumerate(_SOURCES)})
    df = df.assign(_cell=cell, _rank=rank).sort_values("_rank", kind="stable")
    df = df.drop_duplicates("_cell").sort_values("_rank", kind="stable").reset_index(drop=True)
    df["candidate_id"] = [f"C{k:04d}" for k in range(1, len(df) + 1)]
    return df[cols]


def site_pool(
    existing: pd.DataFrame, keep_ids: Sequence[str], candidates: pd.DataFrame,
    planned: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split existing and planned sites into the kept ones and the candidate pool.

    Kept sites (``keep_ids``: ``asset_id`` of an existing facility or ``candidate_id`` of a
    planned one) are fixed; existing facilities the office did not keep become candidates
    again (source ``已建``), so the model may keep or move them.

    Returns
    -------
    (fixed, pool) : tuple of DataFrame
        ``fixed``: ``site_id, name, source, lon, lat``; ``pool``: the candidate columns.

    Examples
    --------
    >>> import pandas as pd
    >>> ex = pd.DataFrame({"asset_id": ["A1", "A2"], "name": ["甲站", "乙站"],
    ...                    "lon": [121.39, 121.40], "lat": [31.25, 31.25]})
    >>> cand = pd.DataFrame({"candidate_id": ["C0001"], "name": ["某地"], "source": ["OSM"],
    ...                      "ref": [""], "lon": [121.395], "lat": [31.25]})
    >>> fixed, pool = site_pool(ex, ["A1"], cand)
    >>> fixed["site_id"].tolist(), pool["candidate_id"].tolist()
    (['A1'], ['C0001', 'A2'])
    """
    keep = {str(k) for k in keep_ids}
    ex = pd.DataFrame({"site_id": existing["asset_id"].astype(str), "name": existing["name"],
                       "source": "已建", "lon": existing["lon"], "lat": existing["lat"]})
    frames = [ex]
    if planned is not None and len(planned):
        frames.append(pd.DataFrame({"site_id": planned["candidate_id"].astype(str),
                                    "name": planned["name"], "source": "拟建",
                                    "lon": planned["lon"], "lat": planned["lat"]}))
    sites = pd.concat(frames, ignore_index=True).drop_duplicates("site_id")
    fixed = sites[sites["site_id"].isin(keep)].reset_index(drop=True)
    freed = ex[~ex["site_id"].isin(keep)]
    freed_pool = pd.DataFrame({"candidate_id": freed["site_id"], "name": freed["name"],
                               "source": "已建", "ref": freed["site_id"], "lon": freed["lon"],
                               "lat": freed["lat"]})
    rest = candidates[~candidates["candidate_id"].astype(str).isin(keep)]
    pool = pd.concat([rest, freed_pool], ignore_index=True) if len(freed_pool) else rest
    return fixed, pool.reset_index(drop=True)


def _totals(demand: pd.DataFrame, cols: list[str], mask: np.ndarray) -> dict[str, float]:
    out = {"units": int(mask.sum())}
    for c in cols:
        out[c] = float(demand[c].to_numpy(float)[mask].sum())
    if "high_risk" in demand:
        out["high_risk_uncovered"] = int((demand["high_risk"].to_numpy(bool) & ~mask).sum())
    return out


def propose_sites(
    demand: pd.DataFrame, candidates: pd.DataFrame, fixed: pd.DataFrame, p: int,
    standard: ResponseStandard, objective: Mapping[str, float] | None = None,
    provider: TravelProvider | None = None, time_limit: float = 60.0,
) -> SitingResult:
    """Propose ``p`` new sites among ``candidates`` given the ``fixed`` ones (MCLP, HiGHS).

    Parameters
    ----------
    demand : DataFrame
        Demand points with ``lon, lat`` and the weight columns (e.g.
        :func:`facilities.coverage.unit_weights`: ``risk``, ``people``).
    candidates : DataFrame
        ``candidate_id, name, source, lon, lat`` (:func:`candidate_sites`, :func:`site_pool`).
    fixed : DataFrame
        Sites kept whatever is proposed (``lon, lat``).
    p : int
        Number of new sites.
    standard : ResponseStandard
        Response time (:data:`SITING_STANDARDS` has one per facility kind).
    objective : mapping, optional
        Weight column → factor (default ``{"risk": 1.0}``), see :func:`demand_weights`.
    provider : TravelProvider, optional
        Travel times other than the standard's straight line.
    time_limit : float
        Seconds for HiGHS.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"lon": [121.390, 121.400, 121.410], "lat": [31.25] * 3,
    ...                   "risk": [10.0, 50.0, 20.0], "people": [0.0, 0.0, 100.0]})
    >>> cand = pd.DataFrame({"candidate_id": ["C1", "C2", "C3"], "name": ["甲", "乙", "丙"],
    ...     "source": ["OSM"] * 3, "lon": [121.390, 121.400, 121.410], "lat": [31.25] * 3})
    >>> r = propose_sites(d, cand, cand.iloc[:0], 2, ResponseStandard(3))
    >>> r.proposals[["candidate_id", "gain_risk", "gain_people"]].values.tolist()
    [['C2', 50.0, 0.0], ['C3', 20.0, 100.0]]
    >>> r.before["risk"], r.after["risk"]
    (0.0, 70.0)
    """
    objective = dict(objective or {"risk": 1.0})
    cols = [c for c in ("risk", "people", "ebikes") if c in demand] or list(objective)
    weights = demand_weights(demand, objective)
    reach = reach_matrix(candidates, demand, standard, provider)
    fixed_reach = reach_matrix(fixed, demand, standard, provider)
    covered = fixed_reach.any(axis=0) if len(fixed) else np.zeros(len(demand), bool)
    sol = solve_mclp(reach, weights, p, covered, time_limit=time_limit)
    before = _totals(demand, cols, covered)
    rows = []
    cov = covered.copy()
    remaining = list(sol.chosen)
    values = {c: demand[c].to_numpy(float) for c in cols}
    while remaining:  # order the proposals by their gain, largest first
        gains = [float(weights[reach[j] & ~cov].sum()) for j in remaining]
        j = remaining.pop(int(np.argmax(gains)))
        new = reach[j] & ~cov
        row = candidates.iloc[j][["candidate_id", "name", "source", "lon", "lat"]].to_dict()
        row["gain_units"] = int(new.sum())
        row.update({f"gain_{c}": round(float(values[c][new].sum()), 1) for c in cols})
        rows.append(row)
        cov |= reach[j]
    proposals = pd.DataFrame(rows, columns=["candidate_id", "name", "source", "gain_units",
                                            *[f"gain_{c}" for c in cols], "lon", "lat"])
    proposals.insert(0, "order", range(1, len(proposals) + 1))
    return SitingResult(proposals, before, _totals(demand, cols, cov), sol, cols)
