"""Travel-time providers for route planning.

Every provider answers one question: given the WGS-84 positions of the stops (and, optionally,
their ids), how many minutes does it take to go from each stop to each other stop? The answer
is a square ``numpy`` array, row = from, column = to.

Three providers share that interface (:class:`TravelProvider`):

* :class:`StraightLineProvider` — great-circle distance × circuity factor / mode speed.
  Needs no data and no network; the default.
* :class:`StreetGraphProvider` — shortest paths on a road-network file (GeoJSON/GeoPackage
  lines, e.g. the OSM major roads in ``data/geo`` or the user's own street file).
* :class:`MatrixProvider` — an external matrix (a routing server's output, a CSV id × id).

Examples
--------
>>> p = StraightLineProvider("步行")
>>> m = p.matrix([121.39, 121.40], [31.25, 31.25])
>>> m.shape, bool(m[0, 1] == m[1, 0])
((2, 2), True)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""

MODE_SPEEDS_KMH: dict[str, float] = {"步行": 4.5, "电动自行车": 15.0, "汽车": 20.0}
"""Door-to-door average speeds by travel mode (km/h). 汽车 is urban speed including parking."""

MODE_ALIASES: dict[str, str] = {
    "walk": "步行",
    "walking": "步行",
    "foot": "步行",
    "ebike": "电动自行车",
    "e-bike": "电动自行车",
    "bike": "电动自行车",
    "电瓶车": "电动自行车",
    "电动车": "电动自行车",
    "car": "汽车",
    "drive": "汽车",
    "driving": "汽车",
    "车": "汽车",
}

DEFAULT_CIRCUITY = 1.3
"""Street distance ÷ straight-line distance, typical of a dense urban grid."""


class TravelError(ValueError):
    """A provider cannot serve the requested matrix (message in Chinese)."""


@runtime_checkable
class TravelProvider(Protocol):
    """Common interface of all travel-time providers."""

    mode: str

    def matrix(
        self, lons: Sequence[float], lats: Sequence[float], ids: Sequence[str] | None = None
    ) -> np.ndarray:
        """Return an n × n array of travel minutes between the n given points."""
        ...


def normalise_mode(mode: str) -> str:
    """Return the canonical Chinese mode name (步行 / 电动自行车 / 汽车).

    Examples
    --------
    >>> normalise_mode("car"), normalise_mode("步行")
    ('汽车', '步行')
    """
    key = str(mode).strip()
    if key in MODE_SPEEDS_KMH:
        return key
    alias = MODE_ALIASES.get(key.lower())
    if alias is None:
        known = "、".join(MODE_SPEEDS_KMH)
        raise TravelError(f"未知的交通方式「{mode}」，可选：{known}")
    return alias


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres; arguments broadcast like numpy arrays.

    Examples
    --------
    >>> round(float(haversine_m(121.39, 31.25, 121.39, 31.26)))
    1112
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    a = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _coords(lons: Sequence[float], lats: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lons, dtype=float).ravel()
    lat = np.asarray(lats, dtype=float).ravel()
    if lon.shape != lat.shape:
        raise TravelError(f"经度与纬度个数不一致（{lon.size} 与 {lat.size}）")
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        raise TravelError(f"有 {int(bad.sum())} 个点缺少坐标，无法计算路程")
    if ((np.abs(lon) > 180) | (np.abs(lat) > 90)).any():
        raise TravelError("坐标超出经纬度范围（应为 WGS-84 经度、纬度）")
    return lon, lat


def distance_matrix_m(lons: Sequence[float], lats: Sequence[float]) -> np.ndarray:
    """Square matrix of great-circle distances (metres) between the given points.

    Examples
    --------
    >>> distance_matrix_m([121.39, 121.39], [31.25, 31.26]).round()[0, 1]
    np.float64(1112.0)
    """
    lon, lat = _coords(lons, lats)
    return haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])


def _speed_m_per_min(mode: str, speed_kmh: float | None) -> float:
    speed = MODE_SPEEDS_KMH[mode] if speed_kmh is None else float(speed_kmh)
    if not (speed > 0 and math.isfinite(speed)):
        raise TravelError(f"速度必须为正数（收到 {speed_kmh}）")
    return speed * 1000.0 / 60.0


class StraightLineProvider:
    """Great-circle distance × circuity factor ÷ mode speed.

    Parameters
    ----------
    mode : str
        步行 (4.5 km/h), 电动自行车 (15 km/h) or 汽车 (20 km/h, urban incl. parking);
        English aliases ``walk``, ``ebike``, ``car`` are accepted.
    circuity : float
        Street distance ÷ straight-line distance (default 1.3).
    speed_kmh : float, optional
        Override the mode's speed.

    Examples
    --------
    >>> p = StraightLineProvider("汽车")
    >>> m = p.matrix([121.39, 121.40], [31.25, 31.25])
    >>> 2.5 < m[0, 1] < 4.0   # ~950 m × 1.3 at 20 km/h
    np.True_
    """

    def __init__(
        self, mode: str = "电动自行车", *, circuity: float = DEFAULT_CIRCUITY, speed_kmh: float | None = None
    ) -> None:
        self.mode = normalise_mode(mode)
        if not (circuity >= 1.0 and math.isfinite(circuity)):
            raise TravelError(f"绕行系数应不小于 1（收到 {circuity}）")
        self.circuity = float(circuity)
        self.m_per_min = _speed_m_per_min(self.mode, speed_kmh)

    def __repr__(self) -> str:
        return f"StraightLineProvider({self.mode!r}, circuity={self.circuity})"

    def with_mode(self, mode: str) -> StraightLineProvider:
        """Same circuity, another travel mode (and its default speed)."""
        return StraightLineProvider(mode, circuity=self.circuity)

    def metres(self, lons: Sequence[float], lats: Sequence[float]) -> np.ndarray:
        """Estimated street distance (metres) between every pair of points."""
        return distance_matrix_m(lons, lats) * self.circuity

    def matrix(
        self, lons: Sequence[float], lats: Sequence[float], ids: Sequence[str] | None = None
    ) -> np.ndarray:
        """Travel minutes between every pair of points (``ids`` is ignored)."""
        return self.metres(lons, lats) / self.m_per_min


class StreetGraphProvider:
    """Shortest paths on a road network read from line geometries.

    The lines are noded at their intersections (``node_intersections``), turned into a
    ``networkx`` graph whose edges carry their length in metres, and every stop is snapped to
    its nearest graph node. The trip from stop *i* to stop *j* is the access leg (straight line
    × ``access_circuity``) + the shortest network path between the two nodes + the access leg
    at the other end.

    Parameters
    ----------
    lines : GeoDataFrame, GeoSeries or sequence of shapely lines
        Road centre-lines in WGS-84 (non-line geometries are ignored).
    mode : str
        Travel mode (sets the speed, see :data:`MODE_SPEEDS_KMH`).
    speed_kmh : float, optional
        Override the mode's speed.
    access_circuity : float
        Circuity of the access legs and of the straight-line estimate (default 1.3).
    direct_cap : bool
        If True (default) a pair never costs more than the straight-line estimate. A file of
        major roads only omits the small streets, and without the cap two neighbouring shops
        would be routed out to the main road and back.
    on_disconnected : {"fallback", "raise"}
        Pairs whose nodes lie in different components of the graph, and stops farther than
        ``max_snap_m`` from any node, are estimated at straight line ("fallback", counted in
        :attr:`fallback_pairs`) or rejected with :class:`TravelError` ("raise").
    max_snap_m : float
        Farthest accepted distance from a stop to its nearest node.
    node_intersections : bool
        Split lines where they cross (True) or join them only at shared vertices (False, for
        files where flyovers must not connect to the streets below).
    join_m : float
        Connect line vertices closer than this (metres): simplified or clipped road files
        often leave small gaps at junctions. 0 disables it.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> g = StreetGraphProvider([LineString([(121.39, 31.25), (121.40, 31.25)])], "步行",
    ...                         direct_cap=False)
    >>> round(float(g.matrix([121.39, 121.40], [31.25, 31.25])[0, 1]))  # 951 m at 75 m/min
    13
    """

    def __init__(
        self,
        lines,
        mode: str = "电动自行车",
        *,
        speed_kmh: float | None = None,
        access_circuity: float = DEFAULT_CIRCUITY,
        direct_cap: bool = True,
        on_disconnected: str = "fallback",
        max_snap_m: float = 1500.0,
        node_intersections: bool = True,
        join_m: float = 25.0,
    ) -> None:
        self.mode = normalise_mode(mode)
        self.m_per_min = _speed_m_per_min(self.mode, speed_kmh)
        if on_disconnected not in ("fallback", "raise"):
            raise TravelError("on_disconnected 只能是 'fallback' 或 'raise'")
        self.on_disconnected = on_disconnected
        self.access_circuity = float(access_circuity)
        self.direct_cap = bool(direct_cap)
        self.max_snap_m = float(max_snap_m)
        self.fallback_pairs = 0
        self.graph = self._build_graph(lines, node_intersections)
        self._node_lon = np.array([d["lon"] for _, d in self.graph.nodes(data=True)])
        self._node_lat = np.array([d["lat"] for _, d in self.graph.nodes(data=True)])
        self._lat0 = float(np.mean(self._node_lat))
        self._tree = cKDTree(self._project(self._node_lon, self._node_lat))
        if join_m > 0:
            for u, v in sorted(self._tree.query_pairs(float(join_m))):
                if not self.graph.has_edge(u, v):
                    d = float(
                        haversine_m(
                            self._node_lon[u], self._node_lat[u], self._node_lon[v], self._node_lat[v]
                        )
                    )
                    self.graph.add_edge(u, v, length_m=d, joined=True)
        self._adj = nx.to_scipy_sparse_array(
            self.graph, nodelist=range(self.graph.number_of_nodes()), weight="length_m", format="csr"
        )

    def __repr__(self) -> str:
        g = self.graph
        return (
            f"StreetGraphProvider({self.mode!r}, nodes={g.number_of_nodes()}, "
            f"edges={g.number_of_edges()})"
        )

    def with_mode(self, mode: str, *, speed_kmh: float | None = None) -> StreetGraphProvider:
        """A provider sharing this graph, for another travel mode (and its default speed).

        Examples
        --------
        >>> from shapely.geometry import LineString
        >>> car = StreetGraphProvider([LineString([(121.39, 31.25), (121.40, 31.25)])], "汽车")
        >>> car.with_mode("步行").m_per_min
        75.0
        """
        other = copy.copy(self)
        other.mode = normalise_mode(mode)
        other.m_per_min = _speed_m_per_min(other.mode, speed_kmh)
        other.fallback_pairs = 0
        return other

    @classmethod
    def from_file(
        cls, path: str | Path, mode: str = "电动自行车", *, query: str | None = None, layer: str | None = None, **kwargs
    ) -> StreetGraphProvider:
        """Read a GeoJSON/GeoPackage of lines; ``query`` filters rows (``DataFrame.query``).

        Examples
        --------
        >>> p = StreetGraphProvider.from_file(
        ...     "data/geo/zhenru_area_transport_osm.geojson", "汽车",
        ...     query="kind == 'elevated_or_major_road'")  # doctest: +SKIP
        """
        import geopandas as gpd  # heavy import, only needed here

        path = Path(path)
        if not path.exists():
            raise TravelError(f"找不到路网文件：{path}")
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        if query:
            gdf = gdf.query(query)
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        return cls(gdf, mode, **kwargs)

    @staticmethod
    def _line_parts(lines) -> np.ndarray:
        geoms = getattr(lines, "geometry", lines)
        arr = np.asarray(list(geoms), dtype=object)
        if arr.size == 0:
            raise TravelError("路网文件中没有线要素")
        arr = arr[~shapely.is_missing(arr)]
        types = shapely.get_type_id(arr)
        arr = arr[(types == 1) | (types == 5)]  # LineString, MultiLineString
        if arr.size == 0:
            raise TravelError("路网文件中没有线要素（只找到点或面）")
        return shapely.get_parts(arr)

    def _build_graph(self, lines, node_intersections: bool) -> nx.Graph:
        parts = self._line_parts(lines)
        if node_intersections:
            parts = shapely.get_parts(shapely.union_all(parts))
        coords, index = shapely.get_coordinates(parts, return_index=True)
        keys = np.round(coords, 7)
        uniq, node_of = np.unique(keys, axis=0, return_inverse=True)
        node_of = node_of.ravel()
        same_line = index[1:] == index[:-1]
        a = node_of[:-1][same_line]
        b = node_of[1:][same_line]
        keep = a != b
        a, b = a[keep], b[keep]
        length = haversine_m(uniq[a, 0], uniq[a, 1], uniq[b, 0], uniq[b, 1])
        graph = nx.Graph()
        graph.add_nodes_from(
            (i, {"lon": float(x), "lat": float(y)}) for i, (x, y) in enumerate(uniq)
        )
        for u, v, w in zip(a.tolist(), b.tolist(), length.tolist(), strict=True):
            if not graph.has_edge(u, v) or graph[u][v]["length_m"] > w:
                graph.add_edge(u, v, length_m=w)
        return graph

    def _project(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        k = math.pi / 180 * EARTH_RADIUS_M
        return np.column_stack([lon * k * math.cos(math.radians(self._lat0)), lat * k])

    def snap(self, lons: Sequence[float], lats: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Nearest graph node of each point and the straight-line distance to it (metres)."""
        lon, lat = _coords(lons, lats)
        _, node = self._tree.query(self._project(lon, lat))
        node = np.asarray(node, dtype=int)
        dist = haversine_m(lon, lat, self._node_lon[node], self._node_lat[node])
        return node, dist

    def metres(self, lons: Sequence[float], lats: Sequence[float]) -> np.ndarray:
        """Street distance (metres) between every pair of points."""
        lon, lat = _coords(lons, lats)
        node, snap_m = self.snap(lon, lat)
        uniq, inv = np.unique(node, return_inverse=True)
        net = dijkstra(self._adj, directed=False, indices=uniq)[:, uniq]
        net = net[inv][:, inv]
        access = snap_m * self.access_circuity
        total = access[:, None] + net + access[None, :]
        straight = distance_matrix_m(lon, lat) * self.access_circuity
        off_network = snap_m > self.max_snap_m
        unusable = ~np.isfinite(total) | off_network[:, None] | off_network[None, :]
        np.fill_diagonal(unusable, False)
        n_bad = int(unusable.sum())
        if n_bad and self.on_disconnected == "raise":
            bad_pts = sorted(set(np.nonzero(unusable)[0].tolist()))
            far = [i for i in bad_pts if off_network[i]]
            if far:
                raise TravelError(
                    f"第 {', '.join(str(i + 1) for i in far[:10])} 个点距最近道路超过 "
                    f"{self.max_snap_m:.0f} 米，路网文件未覆盖该处"
                )
            raise TravelError(
                f"路网不连通：第 {', '.join(str(i + 1) for i in bad_pts[:10])} 个点之间没有道路相连，"
                "请检查路网文件或改用直线估算"
            )
        self.fallback_pairs = n_bad
        total = np.where(unusable, straight, total)
        if self.direct_cap:
            total = np.minimum(total, straight)
        np.fill_diagonal(total, 0.0)
        return total

    def matrix(
        self, lons: Sequence[float], lats: Sequence[float], ids: Sequence[str] | None = None
    ) -> np.ndarray:
        """Travel minutes between every pair of points (``ids`` is ignored)."""
        return self.metres(lons, lats) / self.m_per_min


_UNIT_TO_MIN = {"min": 1.0, "s": 1.0 / 60.0, "h": 60.0}


class MatrixProvider:
    """An external travel-time matrix (e.g. a routing server's output).

    Parameters
    ----------
    data : DataFrame or ndarray
        A DataFrame indexed and labelled by stop id (rows = from, columns = to) or a plain
        square array whose order is the order of the points passed to :meth:`matrix`.
    unit : {"min", "s", "h"}
        Unit of the values (routing servers usually return seconds).
    mode : str
        Label of the travel mode this matrix describes.
    fallback : TravelProvider, optional
        Fills pairs whose ids are missing or empty in ``data`` (e.g. the office); without it
        missing ids raise :class:`TravelError`.

    Examples
    --------
    >>> df = pd.DataFrame([[0, 120], [150, 0]], index=["A", "B"], columns=["A", "B"])
    >>> MatrixProvider(df, unit="s").matrix([0, 0], [0, 0], ids=["B", "A"]).tolist()
    [[0.0, 2.5], [2.0, 0.0]]
    """

    def __init__(
        self,
        data: pd.DataFrame | np.ndarray,
        *,
        unit: str = "min",
        mode: str = "外部矩阵",
        fallback: TravelProvider | None = None,
    ) -> None:
        if unit not in _UNIT_TO_MIN:
            raise TravelError(f"矩阵单位只能是 min、s 或 h（收到 {unit}）")
        self.mode = mode
        self.fallback = fallback
        self.fallback_pairs = 0
        factor = _UNIT_TO_MIN[unit]
        if isinstance(data, pd.DataFrame):
            df = data.copy()
            df.index = df.index.map(str)
            df.columns = df.columns.map(str)
            if df.index.has_duplicates or df.columns.has_duplicates:
                raise TravelError("外部矩阵的编号有重复")
            self.frame: pd.DataFrame | None = df.apply(pd.to_numeric, errors="coerce") * factor
            self.array = None
            values = self.frame.to_numpy()
        else:
            arr = np.asarray(data, dtype=float)
            if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
                raise TravelError(f"外部矩阵必须是方阵（收到形状 {arr.shape}）")
            self.frame = None
            self.array = arr * factor
            values = self.array
        if (values[np.isfinite(values)] < 0).any():
            raise TravelError("外部矩阵中有负的行程时间")

    @classmethod
    def from_csv(cls, path: str | Path, **kwargs) -> MatrixProvider:
        """Read an id × id CSV (first column = row ids, header = column ids).

        Examples
        --------
        >>> MatrixProvider.from_csv("matrix.csv", unit="s")  # doctest: +SKIP
        """
        path = Path(path)
        if not path.exists():
            raise TravelError(f"找不到矩阵文件：{path}")
        df = pd.read_csv(path, index_col=0, dtype={0: str})
        return cls(df, **kwargs)

    def __repr__(self) -> str:
        n = len(self.frame) if self.frame is not None else self.array.shape[0]
        return f"MatrixProvider({self.mode!r}, n={n})"

    def matrix(
        self, lons: Sequence[float], lats: Sequence[float], ids: Sequence[str] | None = None
    ) -> np.ndarray:
        """Sub-matrix for the given ids (or the whole array, in order, when built from one)."""
        n = len(lons)
        if self.array is not None:
            if self.array.shape[0] != n:
                raise TravelError(
                    f"外部矩阵为 {self.array.shape[0]}×{self.array.shape[0]}，但需要 {n} 个点；"
                    "请改用带编号的表格"
                )
            out = self.array.copy()
        else:
            if ids is None:
                raise TravelError("带编号的外部矩阵需要提供点位编号（ids）")
            keys = [str(i) for i in ids]
            rows = self.frame.index.get_indexer(keys)
            cols = self.frame.columns.get_indexer(keys)
            values = self.frame.to_numpy()
            out = np.full((n, n), np.nan)
            ok_r = rows >= 0
            ok_c = cols >= 0
            sub = values[np.ix_(rows[ok_r], cols[ok_c])]
            out[np.ix_(np.nonzero(ok_r)[0], np.nonzero(ok_c)[0])] = sub
        np.fill_diagonal(out, 0.0)
        missing = ~np.isfinite(out)
        self.fallback_pairs = int(missing.sum())
        if missing.any():
            if self.fallback is None:
                labels = list(ids) if ids is not None else [str(i + 1) for i in range(n)]
                bad = sorted({labels[i] for i in np.nonzero(missing.any(axis=1) | missing.any(axis=0))[0]})
                raise TravelError(
                    f"外部矩阵缺少以下点位的行程时间：{'、'.join(bad[:10])}"
                    + (f" 等 {len(bad)} 个" if len(bad) > 10 else "")
                )
            out = np.where(missing, self.fallback.matrix(lons, lats, ids), out)
        return out
