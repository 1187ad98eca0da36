"""Vectorised placement of synthetic sites inside 真如镇街道.

Candidate points are drawn in bulk from four modes and rejected in bulk with
``shapely.contains_xy`` (prepared geometries): outside the boundary, inside
:func:`layers.geodata.no_build_mask` (water, waterways, surface rail), inside
:func:`rail_water_mask` (railway land between and beside tracks, river channels with their
banks) or inside open-space footprints (parks, pitches, school grounds) are rejected. There is no per-site Python loop over
geometry, so a million points take seconds.

Modes
-----
0 road
    Uniform along major-road and metro centre lines (streets run above most metro lines
    here; the OSM extract has no street-level network), pushed 15–90 m to either side.
1 estate
    Gaussian blobs (σ 50–150 m) around estate centres drawn once per seed.
2 residential
    Uniform inside OSM residential-landuse polygons (真光块 estates).
3 uniform
    Uniform in the boundary's bounding box (rejection keeps the boundary).

Coordinates are handled in a local "scaled degree" plane (lon × cos 31.257°, lat) in which
planar distances are isotropic; one metre is :data:`DEG_PER_M` degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from layers import geodata

#: Reference latitude of the local plane.
REF_LAT = 31.257
_KX = float(np.cos(np.radians(REF_LAT)))
#: Degrees (of latitude) per metre.
DEG_PER_M = 1.0 / 111_195.0

MODES: tuple[str, ...] = ("road", "estate", "residential", "uniform")
#: Decimals of placed coordinates (1e-6 degree ≈ 0.1 m), rounded before the validity test.
COORD_DECIMALS = 6
_OPEN_SPACE = frozenset({"park", "pitch", "track", "stadium", "school", "kindergarten", "fountain"})
_RESIDENTIAL_FILE = "zhenguang_block_residential_osm.geojson"
#: Track centre line → outer edge of the railway land: half a formation and its embankment
#: (≈ 10–15 m) plus the 铁路线路安全保护区 of 《铁路安全管理条例》(国务院令第639号) 第二十七条
#: (城市市区: 高速铁路 10 m, 其他铁路 8 m from the embankment foot).
RAIL_LAND_M = 25.0
#: Parallel tracks closer than this form one railway corridor; the strip between them is
#: railway land (yards, 联络线), not a place for a shop or a kindergarten.
RAIL_CORRIDOR_GAP_M = 150.0
#: Half-channel plus bank of rivers and canals given as centre lines (真如港, 桃浦河, 曹杨环浜 are
#: 15–30 m wide); streams and drains keep :data:`layers.geodata.WATERWAY_BUFFER_M`.
RIVER_LAND_M = 15.0
_RIVER_CLASSES = frozenset({"river", "canal"})


def _scaled(geom: BaseGeometry | np.ndarray):
    return shapely.transform(geom, lambda c: c * np.array([_KX, 1.0]))


@dataclass
class Placer:
    """Prepared geometry for bulk placement (build with :func:`make_placer`)."""

    boundary: BaseGeometry
    mask: BaseGeometry
    open_space: BaseGeometry
    lines: np.ndarray
    line_names: np.ndarray
    line_len: np.ndarray
    residential: np.ndarray
    res_area: np.ndarray
    centres: np.ndarray
    centre_sigma: np.ndarray
    centre_w: np.ndarray

    def valid(
        self, lon: np.ndarray, lat: np.ndarray, inside: bool = True, open_space: bool = True
    ) -> np.ndarray:
        """Boolean mask of acceptable positions (inside boundary, off the no-build mask).

        ``open_space=False`` skips the park/pitch/school-ground test (for real OSM places).
        """
        ok = ~shapely.contains_xy(self.mask, lon, lat)
        if open_space:
            ok &= ~shapely.contains_xy(self.open_space, lon, lat)
        if inside:
            ok &= shapely.contains_xy(self.boundary, lon, lat)
        return ok

    def _candidates(self, rng: np.random.Generator, mode: int, k: int):
        names = np.full(k, None, dtype=object)
        if mode == 0:
            idx = rng.choice(len(self.lines), k, p=self.line_len / self.line_len.sum())
            d = rng.random(k) * self.line_len[idx]
            eps = 2.0 * DEG_PER_M
            p1 = shapely.line_interpolate_point(self.lines[idx], d)
            p2 = shapely.line_interpolate_point(
                self.lines[idx], np.minimum(d + eps, self.line_len[idx])
            )
            p0 = shapely.line_interpolate_point(self.lines[idx], np.maximum(d - eps, 0.0))
            x1, y1 = shapely.get_x(p1), shapely.get_y(p1)
            tx = shapely.get_x(p2) - shapely.get_x(p0)
            ty = shapely.get_y(p2) - shapely.get_y(p0)
            norm = np.hypot(tx, ty)
            norm[norm == 0] = 1.0
            off = (15.0 + np.abs(rng.normal(0.0, 35.0, k))) * DEG_PER_M
            off *= np.where(rng.random(k) < 0.5, -1.0, 1.0)
            xs = x1 - ty / norm * off
            ys = y1 + tx / norm * off
            names = self.line_names[idx]
        elif mode == 1:
            c = rng.choice(len(self.centres), k, p=self.centre_w)
            xs = self.centres[c, 0] + rng.normal(0.0, 1.0, k) * self.centre_sigma[c]
            ys = self.centres[c, 1] + rng.normal(0.0, 1.0, k) * self.centre_sigma[c]
        elif mode == 2:
            idx = rng.choice(len(self.residential), k, p=self.res_area / self.res_area.sum())
            b = shapely.bounds(self.residential[idx])
            xs = b[:, 0] + rng.random(k) * (b[:, 2] - b[:, 0])
            ys = b[:, 1] + rng.random(k) * (b[:, 3] - b[:, 1])
            keep = shapely.contains_xy(self.residential[idx], xs, ys)
            xs, ys, names = xs[keep], ys[keep], names[keep]
        else:
            x0, y0, x1, y1 = shapely.bounds(self.boundary)
            xs = x0 + rng.random(k) * (x1 - x0)  # boundary is stored unscaled
            ys = y0 + rng.random(k) * (y1 - y0)
            return xs, ys, names
        return xs / _KX, ys, names

    def sample(self, rng: np.random.Generator, modes: np.ndarray):
        """Place one point per entry of ``modes`` (codes 0-3, see :data:`MODES`).

        Returns
        -------
        lon, lat : numpy.ndarray
        road : numpy.ndarray
            Name of the road line a ``road``-mode point was drawn from, else None.

        Examples
        --------
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> lon, lat, road = make_placer(rng).sample(rng, np.array([0, 1, 2, 3]))
        >>> bool(make_placer(rng).valid(lon, lat).all())
        True
        """
        modes = np.asarray(modes, dtype=np.int64)
        n = modes.size
        lon = np.full(n, np.nan)
        lat = np.full(n, np.nan)
        road = np.full(n, None, dtype=object)
        for m in range(len(MODES)):
            slots = np.flatnonzero(modes == m)
            filled = 0
            for _ in range(200):
                need = slots.size - filled
                if need <= 0:
                    break
                xs, ys, names = self._candidates(rng, m, int(need * 1.6) + 16)
                xs, ys = np.round(xs, COORD_DECIMALS), np.round(ys, COORD_DECIMALS)
                ok = self.valid(xs, ys)
                xs, ys, names = xs[ok][:need], ys[ok][:need], names[ok][:need]
                take = slots[filled : filled + xs.size]
                lon[take], lat[take], road[take] = xs, ys, names
                filled += xs.size
            if filled < slots.size:
                raise RuntimeError(f"无法放置足够的点位 / could not place points in mode {MODES[m]}")
        return lon, lat, road

    def around(
        self,
        rng: np.random.Generator,
        lon0: float,
        lat0: float,
        n: int,
        sigma_m: float,
        inside: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Place ``n`` points in a Gaussian blob around one point (parks, campuses)."""
        lon = np.empty(0)
        lat = np.empty(0)
        for _ in range(200):
            if lon.size >= n:
                break
            k = 2 * (n - lon.size) + 8
            xs = lon0 + rng.normal(0.0, sigma_m * DEG_PER_M / _KX, k)
            ys = lat0 + rng.normal(0.0, sigma_m * DEG_PER_M, k)
            xs, ys = np.round(xs, COORD_DECIMALS), np.round(ys, COORD_DECIMALS)
            ok = self.valid(xs, ys, inside=inside)
            lon = np.concatenate([lon, xs[ok]])
            lat = np.concatenate([lat, ys[ok]])
        if lon.size < n:
            raise RuntimeError("无法在指定位置附近放置点位 / could not place points near anchor")
        return lon[:n], lat[:n]


def rail_water_mask() -> BaseGeometry:
    """Railway land and river channels (lon/lat) where no unit may stand.

    Surface (non-tunnel) tracks of :func:`layers.geodata.rail` are buffered by
    :data:`RAIL_LAND_M` and closed over gaps up to :data:`RAIL_CORRIDOR_GAP_M`, so the strips
    between parallel tracks are covered too; river and canal centre lines of
    :func:`layers.geodata.water` are buffered by max(width / 2 + 5 m, :data:`RIVER_LAND_M`),
    water areas are taken as they are. Buffers are computed in
    :data:`layers.geodata.METRIC_CRS`.

    Examples
    --------
    >>> mask = rail_water_mask()
    >>> import shapely
    >>> bool(shapely.contains_xy(mask, 121.3777, 31.2678))  # between the northern tracks
    True
    >>> bool(shapely.contains_xy(mask, 121.3965, 31.2519))  # 真如寺
    False
    """
    rail = geodata.rail()
    tracks = rail[~rail["tunnel"]].to_crs(geodata.METRIC_CRS).geometry
    half_gap = RAIL_CORRIDOR_GAP_M / 2.0
    corridor = shapely.union_all(np.asarray(tracks.values)).buffer(RAIL_LAND_M + half_gap)
    corridor = corridor.buffer(-half_gap)
    water = geodata.water().to_crs(geodata.METRIC_CRS)
    rivers = water[(water["kind"] == "line") & water["fclass"].isin(_RIVER_CLASSES)]
    width = rivers["width"].fillna(0.0).to_numpy(float)
    channel = rivers.geometry.buffer(np.maximum(width / 2.0 + 5.0, RIVER_LAND_M))
    areas = water.loc[water["kind"] == "area", "geometry"].make_valid()
    merged = shapely.union_all([corridor, *channel, *areas])
    return gpd.GeoSeries([merged], crs=geodata.METRIC_CRS).to_crs(geodata.WGS84).iloc[0]


def make_placer(
    rng: np.random.Generator, anchors: np.ndarray | None = None, n_centres: int = 60
) -> Placer:
    """Build the prepared geometry and draw the estate centres for one seed.

    Parameters
    ----------
    rng : numpy.random.Generator
    anchors : (k, 2) array, optional
        Extra estate centres (lon, lat), e.g. the 居委 anchors of :mod:`layers.zones`.
    n_centres : int
        Number of random estate centres drawn inside the boundary.
    """
    boundary = shapely.from_wkb(shapely.to_wkb(geodata.boundary_geometry()))
    mask = shapely.union_all([geodata.no_build_mask(), rail_water_mask()])
    polys = geodata.poi_polygons()
    open_geoms = polys.loc[polys["fclass"].isin(_OPEN_SPACE), "geometry"].make_valid()
    open_space = shapely.union_all(np.asarray(open_geoms.values))
    for g in (boundary, mask, open_space):
        shapely.prepare(g)

    area = boundary.buffer(150 * DEG_PER_M)
    layers = [
        geodata.roads()[["name", "geometry"]],
        geodata.metro_lines()[["name", "geometry"]].assign(name=None),
    ]
    parts = gpd.GeoDataFrame(
        np.concatenate([x["name"].to_numpy(dtype=object) for x in layers]),
        columns=["name"],
        geometry=np.concatenate([np.asarray(x.geometry.values) for x in layers]),
        crs=geodata.WGS84,
    )
    parts["geometry"] = parts.geometry.intersection(area)
    parts = parts[~parts.geometry.is_empty].explode(index_parts=False)
    parts = parts[parts.geom_type == "LineString"]
    lines = _scaled(np.asarray(parts.geometry.values))
    line_len = shapely.length(lines)
    keep = line_len > 20 * DEG_PER_M
    names = parts["name"].to_numpy(dtype=object)[keep]

    res = gpd.read_file(geodata.DATA_DIR / _RESIDENTIAL_FILE).explode(index_parts=False)
    res_geoms = _scaled(np.asarray(res.geometry.values))
    shapely.prepare(res_geoms)

    # estate centres: uniform valid points, weight ~ Gamma(2), sigma 50-150 m
    x0, y0, x1, y1 = boundary.bounds
    cx = np.empty(0)
    cy = np.empty(0)
    while cx.size < n_centres:
        xs = x0 + rng.random(4 * n_centres) * (x1 - x0)
        ys = y0 + rng.random(4 * n_centres) * (y1 - y0)
        ok = shapely.contains_xy(boundary, xs, ys) & ~shapely.contains_xy(mask, xs, ys)
        cx = np.concatenate([cx, xs[ok]])
        cy = np.concatenate([cy, ys[ok]])
    if anchors is not None and len(anchors):
        anchors = np.asarray(anchors, dtype=float)
        cx = np.concatenate([anchors[:, 0], cx[:n_centres]])
        cy = np.concatenate([anchors[:, 1], cy[:n_centres]])
    else:
        cx, cy = cx[:n_centres], cy[:n_centres]
    centres = np.column_stack([cx * _KX, cy])
    w = rng.gamma(2.0, 1.0, len(cx))
    sigma = rng.uniform(50.0, 150.0, len(cx)) * DEG_PER_M
    return Placer(
        boundary=boundary,
        mask=mask,
        open_space=open_space,
        lines=lines[keep],
        line_names=names,
        line_len=line_len[keep],
        residential=res_geoms,
        res_area=shapely.area(res_geoms),
        centres=centres,
        centre_sigma=sigma,
        centre_w=w / w.sum(),
    )
