"""The 36 居民委员会 (居委) zones of 真如镇街道 and point-in-zone assignment.

No legal 居委 boundaries are public. The zones built here are **plausible, approximate**
areas that tile the OSM subdistrict boundary exactly (no gaps, no overlaps): a Voronoi
partition around one anchor per 居委 (``data/geo/committee_anchors.csv``, each row with its
evidence in ``basis``). Where OSM has the residential estate of a 居委 (14 of the 17 真光块
members) the whole estate outline seeds the partition, so the estate lies inside its zone.
The elevated 中环路/真北路 corridor is a barrier: the subdistrict is first cut along it into
blocks and each zone stays in the block of its anchor.
Every zone is flagged ``approximate=True``; two zones are honest placeholders for the 居委
whose names are not public (``placeholder=True``).

Examples
--------
>>> from layers import zones
>>> z = zones.committee_zones()
>>> len(z), z["short_name"].is_unique
(36, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from layers import geodata

__all__ = [
    "ANCHORS_FILE",
    "N_COMMITTEES",
    "anchors",
    "assign_committee",
    "assign_committee_xy",
    "committee_zones",
]

ANCHORS_FILE = geodata.DATA_DIR / "committee_anchors.csv"
_ESTATES_FILE = geodata.DATA_DIR / "zhenguang_block_residential_osm.geojson"

#: Number of 居委会 in 真如镇街道 (2021 count, zh.wikipedia / 解放日报).
N_COMMITTEES = 36

#: Major roads treated as barriers that 居委 zones do not cross (elevated 中环路 over 真北路).
_BARRIER_ROADS = ("中环路", "真北路")

#: Spacing (m) of the seed points sampled along OSM estate outlines.
_SEED_SPACING_M = 10.0

_ZONE_COLUMNS = [
    "code",
    "name",
    "short_name",
    "approximate",
    "placeholder",
    "name_verified",
    "basis",
    "anchor_lon",
    "anchor_lat",
    "area_km2",
    "geometry",
]


@cache
def _anchors() -> pd.DataFrame:
    if not ANCHORS_FILE.exists():
        raise FileNotFoundError(f"缺少居委锚点文件 / missing anchors file: {ANCHORS_FILE}")
    df = pd.read_csv(ANCHORS_FILE, dtype={"code": "string"}, keep_default_na=False)
    df["code"] = df["code"].replace("", pd.NA)
    for col in ("placeholder", "name_verified"):
        df[col] = df[col].astype(str).str.lower().map({"true": True, "false": False})
        if df[col].isna().any():
            raise ValueError(f"锚点文件列 {col} 只能是 True/False / column {col} must be bool")
    if not df["short_name"].is_unique:
        raise ValueError("锚点文件居委简称重复 / duplicate short_name in committee_anchors.csv")
    if len(df) != N_COMMITTEES:
        raise ValueError(
            f"锚点文件应有 {N_COMMITTEES} 个居委，实际 {len(df)} / "
            f"expected {N_COMMITTEES} anchors, got {len(df)}"
        )
    return df


def anchors() -> gpd.GeoDataFrame:
    """The 36 committee anchor points with the evidence for each position.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``short_name, name, code, lon, lat, basis, placeholder, name_verified,
        geometry`` (Point, EPSG:4326). All positions are approximate.

    Examples
    --------
    >>> a = anchors()
    >>> a.set_index("short_name").loc["真一", "code"]
    '310107022031'
    """
    df = _anchors().copy()
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=geodata.WGS84)


def _estate_outlines() -> dict[str, BaseGeometry]:
    """OSM estate polygons (EPSG:4326) keyed by committee short name."""
    with _ESTATES_FILE.open(encoding="utf-8") as fh:
        props = json.load(fh)["features"][0]["properties"]
    members = [m[0] for m in props["matched_members"]]
    parts = gpd.read_file(_ESTATES_FILE).geometry.iloc[0].geoms
    if len(parts) != len(members):
        raise ValueError("真光块住宅面数量与成员表不符 / estate parts do not match member list")
    return dict(zip(members, parts, strict=True))


def _seeds(anchor_df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi seed points (metric CRS) and the anchor row each seed belongs to.

    Every anchor is a seed; for 居委 with an OSM estate polygon the estate outline, sampled
    every ``_SEED_SPACING_M`` metres, is added so that the estate ends up inside its zone.
    """
    estates = _estate_outlines()
    anchor_m = gpd.GeoSeries(
        gpd.points_from_xy(anchor_df["lon"], anchor_df["lat"]), crs=geodata.WGS84
    ).to_crs(geodata.METRIC_CRS)
    xy_parts = [shapely.get_coordinates(np.asarray(anchor_m.values))]
    label_parts = [np.arange(len(anchor_df))]
    for i, short in enumerate(anchor_df["short_name"]):
        if short not in estates:
            continue
        poly_m = gpd.GeoSeries([estates[short]], crs=geodata.WGS84).to_crs(geodata.METRIC_CRS)
        ring = shapely.segmentize(poly_m.iloc[0].exterior, _SEED_SPACING_M)
        xy = np.asarray(ring.coords)[:-1, :2]
        xy_parts.append(xy)
        label_parts.append(np.full(len(xy), i))
    xy = np.vstack(xy_parts)
    label = np.concatenate(label_parts)
    # a Voronoi generator must be unique: drop duplicates (keep the first occurrence)
    _, first = np.unique(np.round(xy, 3), axis=0, return_index=True)
    first.sort()
    return xy[first], label[first]


def _label_cells(xy: np.ndarray, label: np.ndarray, owners: np.ndarray) -> list[BaseGeometry]:
    """Voronoi cells of metric seeds merged per owner label, returned in lon/lat."""
    if owners.size == 1:
        huge = shapely.box(*(xy.min(axis=0) - 1e5), *(xy.max(axis=0) + 1e5))
        merged = [huge]
    else:
        envelope = shapely.box(*(xy.min(axis=0) - 5000.0), *(xy.max(axis=0) + 5000.0))
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=envelope, ordered=True)
        )
        if len(cells) != len(xy):
            raise RuntimeError("Voronoi 单元数与种子点数不符 / Voronoi cell count mismatch")
        merged = [shapely.union_all(cells[label == i]) for i in owners]
    return list(gpd.GeoSeries(merged, crs=geodata.METRIC_CRS).to_crs(geodata.WGS84).values)


def _blocks(boundary: BaseGeometry) -> list[BaseGeometry]:
    """Split the boundary along barrier roads (中环路/真北路 corridor) into blocks.

    居委 rarely straddle an elevated expressway, so each anchor's zone is confined to the block
    of the subdistrict it lies in. Lines that do not cut the polygon through are ignored.
    """
    roads = geodata.roads()
    barrier = roads[roads["name"].isin(_BARRIER_ROADS)].geometry
    clipped = [g.intersection(boundary.buffer(1e-4)) for g in barrier]
    noded = shapely.node(shapely.union_all([*clipped, boundary.exterior]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = [f for f in faces if boundary.contains(f.representative_point())]
    return faces or [boundary]


@cache
def _zones() -> gpd.GeoDataFrame:
    anchor_df = _anchors()
    boundary = geodata.boundary_geometry()
    anchor_pts = gpd.points_from_xy(anchor_df["lon"], anchor_df["lat"])
    outside = ~shapely.contains(boundary, np.asarray(anchor_pts))
    if outside.any():
        names = ", ".join(anchor_df.loc[outside, "short_name"])
        raise ValueError(f"锚点在街道边界外 / anchors outside the boundary: {names}")

    xy, label = _seeds(anchor_df)
    blocks = _blocks(boundary)
    anchor_block = np.full(len(anchor_df), -1)
    for k, block in enumerate(blocks):
        anchor_block[shapely.contains(block, np.asarray(anchor_pts)) & (anchor_block < 0)] = k
    pieces: list[list[BaseGeometry]] = [[] for _ in range(len(anchor_df))]
    all_owners = np.arange(len(anchor_df))
    global_cells: list[BaseGeometry] | None = None
    for k, block in enumerate(blocks):
        members = np.flatnonzero(anchor_block == k)
        if members.size:  # a block with anchors is shared among them only
            owners = members
            use = np.isin(label, members)
            cells = _label_cells(xy[use], label[use], owners)
        else:  # an empty block (e.g. between carriageways) is split among all anchors
            owners = all_owners
            if global_cells is None:
                global_cells = _label_cells(xy, label, all_owners)
            cells = global_cells
        for i, cell in zip(owners, cells, strict=True):
            part = shapely.intersection(cell, block)
            if not part.is_empty:
                pieces[i].append(part)
    geoms = [shapely.union_all(p) if p else shapely.Polygon() for p in pieces]
    # floating-point seams between reprojected cells: remove overlaps by ordered difference
    taken = None
    clean: list[BaseGeometry] = []
    for g in geoms:
        g = shapely.make_valid(g) if taken is None else shapely.make_valid(g.difference(taken))
        g = _polygonal(g)
        clean.append(g)
        taken = g if taken is None else shapely.union(taken, g)
    # close any seam gap by giving the leftover slivers to their nearest zone
    leftover = _polygonal(shapely.make_valid(boundary.difference(taken)))
    if not leftover.is_empty:
        tree = shapely.STRtree(clean)
        for piece in shapely.get_parts(leftover):
            j = int(tree.query_nearest(piece)[0])
            clean[j] = _polygonal(shapely.union(clean[j], piece))

    out = anchor_df.rename(columns={"lon": "anchor_lon", "lat": "anchor_lat"}).copy()
    out["approximate"] = True
    gdf = gpd.GeoDataFrame(out, geometry=clean, crs=geodata.WGS84)
    gdf["area_km2"] = gdf.to_crs(geodata.METRIC_CRS).area / 1e6
    return gdf[_ZONE_COLUMNS].reset_index(drop=True)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygon parts of a geometry (drop seam lines/points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
    parts = [q for p in parts for q in shapely.get_parts(p)]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def committee_zones() -> gpd.GeoDataFrame:
    """The 36 approximate 居委 zones tiling the 真如镇街道 boundary.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (12-digit NBS code or NA), ``name``, ``short_name`` (the value used
        in ``sites.committee``), ``approximate`` (always True: no legal boundaries are
        public), ``placeholder`` (True for the 2 居委 whose names are unknown),
        ``name_verified``, ``basis`` (evidence for the anchor), ``anchor_lon``,
        ``anchor_lat``, ``area_km2`` and ``geometry`` (EPSG:4326).

    Examples
    --------
    >>> z = committee_zones()
    >>> round(float(z["area_km2"].sum()), 2)
    5.97
    >>> int(z["placeholder"].sum())
    2
    """
    return _zones().copy()


# --- assignment ---------------------------------------------------------------------------

#: Latitude used to scale longitude so that planar distances are roughly isotropic.
_REF_LAT = 31.257
_KX = float(np.cos(np.radians(_REF_LAT)))


#: Cell size (m) of the lookup grid that resolves points far from any zone edge.
_GRID_CELL_M = 25.0

#: Spacing (m) of the outer-boundary samples used to find the nearest zone of outside points.
_EDGE_SPACING_M = 2.0


@dataclass(frozen=True)
class _ZoneIndex:
    """Pre-computed lookup structures for :func:`assign_committee_xy`."""

    geoms: np.ndarray  # zone geometries, lon scaled by _KX, prepared
    bounds: np.ndarray  # (n_zones, 4) bounding boxes in the same scaled space
    names: np.ndarray  # short names
    edge_tree: cKDTree  # samples of the outer boundary (scaled space)
    edge_zone: np.ndarray  # zone index of each boundary sample
    grid_origin: tuple[float, float]  # (x0, y0) of the lookup grid, scaled space
    grid_cell: float  # cell size of the lookup grid, scaled degrees
    grid_zone: np.ndarray  # (ny, nx) zone whose interior holds the whole cell, else -1


@cache
def _index() -> _ZoneIndex:
    z = _zones()
    scaled = shapely.transform(np.asarray(z.geometry.values), lambda c: c * [_KX, 1.0])
    shapely.prepare(scaled)
    # sample the subdistrict outline densely and label each sample with its zone
    spacing_deg = _EDGE_SPACING_M / 111_320.0
    outline = shapely.transform(geodata.boundary_geometry(), lambda c: c * [_KX, 1.0])
    samples = shapely.get_coordinates(shapely.segmentize(outline.exterior, spacing_deg))
    tree = shapely.STRtree(scaled)
    edge_zone = tree.query_nearest(shapely.points(samples), all_matches=False)[1]
    bounds = shapely.bounds(scaled)
    # lookup grid: cells lying in the interior of one zone resolve points by indexing alone
    cell = _GRID_CELL_M / 111_320.0
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    nx = int(np.ceil((bounds[:, 2].max() - x0) / cell))
    ny = int(np.ceil((bounds[:, 3].max() - y0) / cell))
    gx, gy = np.meshgrid(x0 + cell * np.arange(nx), y0 + cell * np.arange(ny))
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell, gy.ravel() + cell)
    grid_zone = np.full(boxes.size, -1, dtype=np.int64)
    for j, (geom, (bx0, by0, bx1, by1)) in enumerate(zip(scaled, bounds, strict=True)):
        cand = np.flatnonzero(
            (gx.ravel() >= bx0) & (gx.ravel() + cell <= bx1)
            & (gy.ravel() >= by0) & (gy.ravel() + cell <= by1)
        )
        if cand.size:
            grid_zone[cand[shapely.contains_properly(geom, boxes[cand])]] = j
    return _ZoneIndex(
        geoms=scaled,
        bounds=bounds,
        names=z["short_name"].to_numpy(dtype=object),
        edge_tree=cKDTree(samples),
        edge_zone=edge_zone,
        grid_origin=(float(x0), float(y0)),
        grid_cell=cell,
        grid_zone=grid_zone.reshape(ny, nx),
    )


def assign_committee_xy(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Committee short name for WGS-84 lon/lat arrays (vectorised).

    Points inside the boundary get the zone that contains them (a point exactly on a shared
    edge gets the first zone in :func:`committee_zones` order). Points outside get the
    nearest zone (found via the outer boundary sampled every 2 m, so a point almost
    equidistant from two zones may get either). NaN coordinates give ``None``.

    Parameters
    ----------
    lon, lat : array_like
        WGS-84 degrees, same shape.

    Returns
    -------
    numpy.ndarray
        1-D object array of short names.

    Examples
    --------
    >>> assign_committee_xy([121.3965], [31.2519]).tolist()  # 真如寺
    ['南大街']
    """
    lon_a = np.asarray(lon, dtype=float).ravel()
    lat_a = np.asarray(lat, dtype=float).ravel()
    if lon_a.shape != lat_a.shape:
        raise ValueError("经纬度数组长度不一致 / lon and lat must have the same shape")
    ix = _index()
    x = lon_a * _KX
    y = lat_a
    result = np.full(lon_a.size, -1, dtype=np.int64)
    ny, nx = ix.grid_zone.shape
    with np.errstate(invalid="ignore"):
        col = np.floor((x - ix.grid_origin[0]) / ix.grid_cell)
        row = np.floor((y - ix.grid_origin[1]) / ix.grid_cell)
    on_grid = np.flatnonzero((col >= 0) & (col < nx) & (row >= 0) & (row < ny))
    result[on_grid] = ix.grid_zone[row[on_grid].astype(np.int64), col[on_grid].astype(np.int64)]
    rest = np.flatnonzero(result < 0)  # near an edge, outside the grid, or NaN
    rx, ry = x[rest], y[rest]
    for j, (geom, (x0, y0, x1, y1)) in enumerate(zip(ix.geoms, ix.bounds, strict=True)):
        cand = np.flatnonzero((rx >= x0) & (rx <= x1) & (ry >= y0) & (ry <= y1))
        cand = cand[result[rest[cand]] < 0]
        if cand.size:
            hit = shapely.intersects_xy(geom, rx[cand], ry[cand])
            result[rest[cand[hit]]] = j
    miss = np.flatnonzero((result < 0) & np.isfinite(x) & np.isfinite(y))
    if miss.size:
        _, nearest = ix.edge_tree.query(np.column_stack([x[miss], y[miss]]))
        result[miss] = ix.edge_zone[nearest]
    out = np.full(lon_a.size, None, dtype=object)
    ok = result >= 0
    out[ok] = ix.names[result[ok]]
    return out


def assign_committee(points: pd.DataFrame) -> pd.Series:
    """Committee (居委 short name) of each point: spatial join with :func:`committee_zones`.

    Parameters
    ----------
    points : geopandas.GeoDataFrame or pandas.DataFrame
        A GeoDataFrame (any CRS; a missing CRS is taken as WGS-84; non-point geometries use
        their representative point), or a DataFrame with WGS-84 ``lon`` and ``lat`` columns.

    Returns
    -------
    pandas.Series
        Named ``committee`` (string dtype), aligned with ``points.index``; NA for missing
        positions.
        Points outside the subdistrict get the nearest zone.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lon": [121.3965, 121.30], "lat": [31.2519, 31.26]})
    >>> assign_committee(df).tolist()[0]
    '南大街'
    """
    geom_col = getattr(points, "_geometry_column_name", None)
    if isinstance(points, gpd.GeoDataFrame) and geom_col in points.columns:
        geom = points.geometry
        if geom.crs is not None and geom.crs.to_epsg() != 4326:
            geom = geom.to_crs(geodata.WGS84)
        arr = np.asarray(geom.values)
        missing = shapely.is_missing(arr) | shapely.is_empty(arr)
        non_point = ~missing & (shapely.get_type_id(arr) != 0)
        if non_point.any():
            arr = arr.copy()
            arr[non_point] = shapely.point_on_surface(arr[non_point])
        lon = np.full(len(arr), np.nan)
        lat = np.full(len(arr), np.nan)
        lon[~missing] = shapely.get_x(arr[~missing])
        lat[~missing] = shapely.get_y(arr[~missing])
    elif {"lon", "lat"} <= set(points.columns):
        lon = pd.to_numeric(points["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(points["lat"], errors="coerce").to_numpy(dtype=float)
    else:
        raise ValueError(
            "需要带点几何的 GeoDataFrame 或含 lon/lat 列的表 / "
            "expected a GeoDataFrame with geometry or a DataFrame with lon/lat columns"
        )
    return pd.Series(assign_committee_xy(lon, lat), index=points.index, name="committee")
