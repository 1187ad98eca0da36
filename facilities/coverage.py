"""Coverage of protective facilities: which units a facility reaches within the response time.

A 微型消防站 covers a unit when its crew reaches the unit within the response time the office
sets — by default the "3分钟到场" of a community station (公消〔2015〕301号, docs/DOMAIN.md §4) as an
e-bike run at 15 km/h over streets estimated as straight line × circuity 1.3
(:class:`routes.travel.StraightLineProvider`, the planner's own estimate). The project has
only a major-road file and no street-level network (``layers.geodata.roads``), so the straight
line is the default; any :class:`routes.travel.TravelProvider` (e.g. a
:class:`routes.travel.StreetGraphProvider` built from a street file) can be passed instead.

Each unit carries two weights (:func:`unit_weights`):

* ``risk`` — its standing risk ``D`` from :func:`risk.score_sites` (a standing property, not
  today's urgency: seasons must not move stations), and
* ``people`` — the people at risk in the sectors where a fire kills: 养老, 学校, 高层, 群租,
  人员密集 (:data:`PEOPLE_SECTORS`; the largest of occupants, beds and pupils).

A unit is *high-risk* when its four-colour level is 重大 or 较大 (:data:`HIGH_RISK_LEVELS`, from
``registry.enums.RISK_LEVELS``).

Examples
--------
>>> import pandas as pd
>>> std = ResponseStandard(minutes=3.0, mode="电动自行车")
>>> round(std.radius_m)      # 750 m of street = 577 m straight line
577
>>> stations = pd.DataFrame({"asset_id": ["A1"], "name": ["甲站"], "lon": [121.39], "lat": [31.25]})
>>> units = pd.DataFrame({"site_id": ["S1", "S2"], "lon": [121.392, 121.40], "lat": [31.25, 31.25],
...     "D": [200.0, 90.0], "level": ["较大", "一般"], "category": ["群租", "厂房仓库"],
...     "occupants": [12, 30]})
>>> cov = unit_coverage(stations, unit_weights(units), std)
>>> cov[["site_id", "covered", "nearest_station"]].values.tolist()
[['S1', True, 'A1'], ['S2', False, 'A1']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from layers.geodata import METRIC_CRS
from registry.enums import ACTIVE_STATES, RISK_LEVELS
from routes.travel import (
    DEFAULT_CIRCUITY,
    MODE_SPEEDS_KMH,
    StraightLineProvider,
    TravelProvider,
    haversine_m,
    normalise_mode,
)

__all__ = [
    "HIGH_RISK_LEVELS",
    "PEOPLE_SECTORS",
    "ResponseStandard",
    "coverage_areas",
    "coverage_summary",
    "reach_matrix",
    "station_coverage",
    "travel_minutes",
    "uncovered_high_risk",
    "unit_coverage",
    "unit_weights",
]

#: Levels whose units are listed when no station reaches them (重大 红, 较大 橙).
HIGH_RISK_LEVELS: tuple[str, ...] = tuple(lvl.name for lvl in RISK_LEVELS if lvl.grade <= 2)

#: Sectors whose people count toward the people weight (养老, 学校, 高层, 群租, 人员密集):
#: residents and crowds who cannot save themselves in the minutes before the fire brigade.
PEOPLE_SECTORS: tuple[str, ...] = ("养老机构", "学校幼儿园", "高层建筑", "群租", "人员密集场所")

_PEOPLE_COLUMNS = ("occupants", "beds", "pupils")


@dataclass(frozen=True)
class ResponseStandard:
    """The response time the office sets and how it is travelled.

    Parameters
    ----------
    minutes : float
        Time to reach a unit (default 3, "3分钟到场").
    mode : str
        ``电动自行车`` (15 km/h, default) or ``步行`` (4.5 km/h); see
        ``routes.travel.MODE_SPEEDS_KMH``.
    speed_kmh : float, optional
        Override the mode's speed (e.g. 9 km/h for a crew running on foot).
    circuity : float
        Street distance ÷ straight-line distance (default 1.3, as the route planner).

    Examples
    --------
    >>> ResponseStandard(5, "步行").label
    '5 分钟（步行 4.5 km/h，直线距离×1.3）'
    >>> round(ResponseStandard(3, "步行", speed_kmh=9).radius_m)
    346
    """

    minutes: float = 3.0
    mode: str = "电动自行车"
    speed_kmh: float | None = None
    circuity: float = DEFAULT_CIRCUITY

    def provider(self) -> StraightLineProvider:
        """The straight-line travel provider of this standard."""
        return StraightLineProvider(self.mode, circuity=self.circuity, speed_kmh=self.speed_kmh)

    @property
    def speed(self) -> float:
        """Travel speed in km/h."""
        return float(self.speed_kmh) if self.speed_kmh else MODE_SPEEDS_KMH[normalise_mode(self.mode)]

    @property
    def radius_m(self) -> float:
        """Straight-line distance reached within :attr:`minutes` (metres)."""
        p = self.provider()
        return float(self.minutes) * p.m_per_min / p.circuity

    @property
    def label(self) -> str:
        """Chinese description for pages and reports."""
        return (f"{self.minutes:g} 分钟（{normalise_mode(self.mode)} {self.speed:g} km/h，"
                f"直线距离×{self.circuity:g}）")


def unit_weights(units: pd.DataFrame) -> pd.DataFrame:
    """The demand of each active unit: position, risk ``D``, people at risk, high-risk flag.

    Parameters
    ----------
    units : DataFrame
        Scored sites (``risk.join_scores`` output, or any frame with ``site_id, lon, lat, D,
        level, category`` and optionally ``name, committee, occupants, beds, pupils,
        operating_state``). Units that are 停业/注销 are left out.

    Returns
    -------
    DataFrame
        ``site_id, name, category, committee, level, lon, lat, risk, people, high_risk``.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"site_id": ["S1", "S2"], "lon": [121.39, 121.4], "lat": [31.25, 31.25],
    ...     "D": [50.0, 400.0], "level": ["低", "重大"], "category": ["养老机构", "厂房仓库"],
    ...     "occupants": [20, 80], "beds": [35, None]})
    >>> unit_weights(u)[["site_id", "risk", "people", "high_risk"]].values.tolist()
    [['S1', 50.0, 35.0, False], ['S2', 400.0, 0.0, True]]
    """
    df = pd.DataFrame(units)
    missing = [c for c in ("site_id", "lon", "lat", "D", "level", "category") if c not in df]
    if missing:
        raise ValueError(f"单位表缺少列：{'、'.join(missing)}（请先用 risk.score_sites 计算风险）")
    if "operating_state" in df:
        df = df[df["operating_state"].isin(ACTIVE_STATES)]
    people_cols = [c for c in _PEOPLE_COLUMNS if c in df]
    if people_cols:
        most = df[people_cols].apply(pd.to_numeric, errors="coerce").max(axis=1).fillna(0.0)
    else:
        most = pd.Series(0.0, index=df.index)
    out = pd.DataFrame({
        "site_id": df["site_id"].astype(str),
        "name": df["name"] if "name" in df else df["site_id"].astype(str),
        "category": df["category"],
        "committee": df["committee"] if "committee" in df else "",
        "level": df["level"],
        "lon": pd.to_numeric(df["lon"]).astype(float),
        "lat": pd.to_numeric(df["lat"]).astype(float),
        "risk": pd.to_numeric(df["D"], errors="coerce").fillna(0.0).clip(lower=0.0).astype(float),
        "people": most.where(df["category"].isin(PEOPLE_SECTORS), 0.0).clip(lower=0.0)
        .astype(float),
        "high_risk": df["level"].isin(HIGH_RISK_LEVELS),
    })
    return out.reset_index(drop=True)


def travel_minutes(
    from_lon: Sequence[float], from_lat: Sequence[float], to_lon: Sequence[float],
    to_lat: Sequence[float], provider: TravelProvider,
) -> np.ndarray:
    """Travel minutes from each of n origins to each of m destinations (n × m array).

    A :class:`routes.travel.StraightLineProvider` is evaluated on the rectangle directly; any
    other provider answers its square matrix over origins + destinations.

    Examples
    --------
    >>> from routes.travel import StraightLineProvider
    >>> m = travel_minutes([121.39], [31.25], [121.39, 121.40], [31.25, 31.25],
    ...                    StraightLineProvider("步行", circuity=1.0))
    >>> m.shape, round(float(m[0, 1]), 1)   # 951 m at 75 m/min
    ((1, 2), 12.7)
    """
    flon, flat = np.asarray(from_lon, float), np.asarray(from_lat, float)
    tlon, tlat = np.asarray(to_lon, float), np.asarray(to_lat, float)
    if isinstance(provider, StraightLineProvider):
        d = haversine_m(flon[:, None], flat[:, None], tlon[None, :], tlat[None, :])
        return d * provider.circuity / provider.m_per_min
    n = flon.size
    full = provider.matrix(np.concatenate([flon, tlon]), np.concatenate([flat, tlat]))
    return np.asarray(full, float)[:n, n:]


def reach_matrix(
    facilities: pd.DataFrame, units: pd.DataFrame, standard: ResponseStandard,
    provider: TravelProvider | None = None,
) -> np.ndarray:
    """Boolean n_facilities × n_units: the facility reaches the unit within the response time.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"lon": [121.39], "lat": [31.25]})
    >>> u = pd.DataFrame({"lon": [121.39, 121.395, 121.40], "lat": [31.25, 31.25, 31.25]})
    >>> reach_matrix(f, u, ResponseStandard(3)).tolist()
    [[True, True, False]]
    """
    if len(facilities) == 0 or len(units) == 0:
        return np.zeros((len(facilities), len(units)), dtype=bool)
    minutes = travel_minutes(facilities["lon"], facilities["lat"], units["lon"], units["lat"],
                             provider or standard.provider())
    return minutes <= float(standard.minutes) + 1e-9


def unit_coverage(
    stations: pd.DataFrame, units: pd.DataFrame, standard: ResponseStandard,
    provider: TravelProvider | None = None,
) -> pd.DataFrame:
    """Each unit of :func:`unit_weights` with whether and by what it is covered.

    Returns
    -------
    DataFrame
        The columns of ``units`` plus ``covered`` (bool), ``n_stations`` (stations reaching
        it), ``nearest_station`` (``asset_id``) and ``nearest_minutes``.

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"asset_id": ["A1", "A2"], "lon": [121.39, 121.391], "lat": [31.25] * 2})
    >>> u = unit_weights(pd.DataFrame({"site_id": ["S1"], "lon": [121.3905], "lat": [31.25],
    ...     "D": [10.0], "level": ["低"], "category": ["群租"]}))
    >>> unit_coverage(st, u, ResponseStandard(3))[["covered", "n_stations"]].values.tolist()
    [[True, 2]]
    """
    out = pd.DataFrame(units).reset_index(drop=True).copy()
    provider = provider or standard.provider()
    if len(stations) == 0:
        out["covered"] = False
        out["n_stations"] = 0
        out["nearest_station"] = None
        out["nearest_minutes"] = np.nan
        return out
    minutes = travel_minutes(stations["lon"], stations["lat"], out["lon"], out["lat"], provider)
    reach = minutes <= float(standard.minutes) + 1e-9
    ids = stations["asset_id"].astype(str).to_numpy()
    out["covered"] = reach.any(axis=0)
    out["n_stations"] = reach.sum(axis=0).astype(int)
    nearest = np.argmin(minutes, axis=0)
    out["nearest_station"] = ids[nearest]
    out["nearest_minutes"] = minutes[nearest, np.arange(minutes.shape[1])].round(1)
    return out


def station_coverage(
    stations: pd.DataFrame, units: pd.DataFrame, standard: ResponseStandard,
    provider: TravelProvider | None = None, within: BaseGeometry | None = None,
) -> pd.DataFrame:
    """What each station covers: units, high-risk units, risk, people, and what only it covers.

    Parameters
    ----------
    stations : DataFrame
        ``asset_id, name, lon, lat`` (``approximate``, ``committee`` kept when present).
    units : DataFrame
        :func:`unit_weights` output.
    standard, provider
        The response time and (optionally) a travel provider other than the straight line.
    within : shapely geometry, optional
        Area (EPSG:4326) the reach area is clipped to, e.g. the subdistrict boundary.

    Returns
    -------
    DataFrame
        ``asset_id, name, committee, approximate, units, high_risk_units, risk, people,
        only_here_units, only_here_risk, area_km2`` — ``only_here_*`` are what no other
        station reaches (what closing this station would leave uncovered).

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"asset_id": ["A1", "A2"], "name": ["甲", "乙"],
    ...                    "lon": [121.39, 121.392], "lat": [31.25, 31.25]})
    >>> u = unit_weights(pd.DataFrame({"site_id": ["S1", "S2"], "lon": [121.391, 121.398],
    ...     "lat": [31.25, 31.25], "D": [100.0, 30.0], "level": ["较大", "低"],
    ...     "category": ["群租", "群租"], "occupants": [10, 4]}))
    >>> station_coverage(st, u, ResponseStandard(3))[["asset_id", "units", "risk",
    ...     "only_here_risk"]].values.tolist()
    [['A1', 1, 100.0, 0.0], ['A2', 2, 130.0, 30.0]]
    """
    reach = reach_matrix(stations, units, standard, provider)
    risk = units["risk"].to_numpy(float)
    people = units["people"].to_numpy(float)
    high = units["high_risk"].to_numpy(bool)
    only = reach & (reach.sum(axis=0) == 1)[None, :]
    st = pd.DataFrame(stations).reset_index(drop=True)
    out = pd.DataFrame({
        "asset_id": st["asset_id"].astype(str),
        "name": st["name"] if "name" in st else st["asset_id"],
        "committee": st["committee"] if "committee" in st else "",
        "approximate": st["approximate"].astype(bool) if "approximate" in st else False,
        "units": reach.sum(axis=1).astype(int),
        "high_risk_units": (reach & high[None, :]).sum(axis=1).astype(int),
        "risk": (reach * risk[None, :]).sum(axis=1).round(1),
        "people": (reach * people[None, :]).sum(axis=1).round(0),
        "only_here_units": only.sum(axis=1).astype(int),
        "only_here_risk": (only * risk[None, :]).sum(axis=1).round(1),
    })
    areas = coverage_areas(st, standard, within=within)
    out["area_km2"] = areas["area_km2"].to_numpy() if len(areas) else []
    return out


def coverage_summary(covered_units: pd.DataFrame) -> dict[str, float]:
    """Shares of units, risk and people covered, and the high-risk units left uncovered.

    Parameters
    ----------
    covered_units : DataFrame
        :func:`unit_coverage` output.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"covered": [True, False], "risk": [30.0, 10.0], "people": [0.0, 5.0],
    ...                   "high_risk": [True, True]})
    >>> s = coverage_summary(c)
    >>> s["risk_share"], s["people_share"], s["high_risk_uncovered"]
    (0.75, 0.0, 1)
    """
    c = covered_units["covered"].to_numpy(bool)
    risk = covered_units["risk"].to_numpy(float)
    people = covered_units["people"].to_numpy(float)
    high = covered_units["high_risk"].to_numpy(bool)

    def share(num: float, den: float) -> float:
        return float(num / den) if den > 0 else float("nan")

    return {
        "units": len(c),
        "covered_units": int(c.sum()),
        "unit_share": share(c.sum(), len(c)),
        "risk": float(risk.sum()),
        "covered_risk": float(risk[c].sum()),
        "risk_share": share(risk[c].sum(), risk.sum()),
        "people": float(people.sum()),
        "covered_people": float(people[c].sum()),
        "people_share": share(people[c].sum(), people.sum()),
        "high_risk_units": int(high.sum()),
        "high_risk_uncovered": int((high & ~c).sum()),
    }


def uncovered_high_risk(covered_units: pd.DataFrame) -> pd.DataFrame:
    """The 重大/较大 units no station reaches, highest risk first (no personal data).

    Returns
    -------
    DataFrame
        ``site_id, name, category, committee, level, risk, people, nearest_station,
        nearest_minutes, lon, lat``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"site_id": ["S1", "S2", "S3"], "name": ["甲", "乙", "丙"],
    ...     "category": ["群租"] * 3, "committee": ["真一"] * 3, "level": ["较大", "重大", "低"],
    ...     "risk": [100.0, 300.0, 5.0], "people": [3.0, 0.0, 0.0], "high_risk": [True, True, False],
    ...     "covered": [False, False, False], "nearest_station": ["A1"] * 3,
    ...     "nearest_minutes": [4.0, 6.5, 9.0], "lon": [121.39] * 3, "lat": [31.25] * 3})
    >>> uncovered_high_risk(c)["site_id"].tolist()
    ['S2', 'S1']
    """
    cols = ["site_id", "name", "category", "committee", "level", "risk", "people",
            "nearest_station", "nearest_minutes", "lon", "lat"]
    mask = covered_units["high_risk"].astype(bool) & ~covered_units["covered"].astype(bool)
    out = covered_units.loc[mask, cols]
    return out.sort_values(["risk", "site_id"], ascending=[False, True]).reset_index(drop=True)


def coverage_areas(
    facilities: pd.DataFrame, standard: ResponseStandard, within: BaseGeometry | None = None,
) -> gpd.GeoDataFrame:
    """Reach area of each facility: a disc of the straight-line reach :attr:`radius_m`.

    The disc is drawn in ``layers.geodata.METRIC_CRS`` (UTM 51N) and returned in EPSG:4326,
    clipped to ``within`` when given; ``area_km2`` is measured in the metric CRS.

    Examples
    --------
    >>> import pandas as pd
    >>> a = coverage_areas(pd.DataFrame({"asset_id": ["A1"], "name": ["甲"], "lon": [121.39],
    ...                                  "lat": [31.25]}), ResponseStandard(3))
    >>> round(float(a["area_km2"].iloc[0]), 2)    # ≈ π × 0.577² (a 64-gon)
    1.04
    """
    df = pd.DataFrame(facilities).reset_index(drop=True)
    keep = [c for c in ("asset_id", "name", "kind", "committee", "approximate") if c in df]
    pts = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs=4326).to_crs(METRIC_CRS)
    discs = pts.buffer(standard.radius_m, quad_segs=16)
    if within is not None:
        clip = gpd.GeoSeries([within], crs=4326).to_crs(METRIC_CRS).iloc[0]
        discs = gpd.GeoSeries(shapely.intersection(discs.values, clip), crs=METRIC_CRS)
    out = gpd.GeoDataFrame(df[keep].copy(), geometry=discs.to_crs(4326).values, crs=4326)
    out["area_km2"] = (discs.area / 1e6).round(3).to_numpy()
    return out
