"""Travel-time providers: straight line, street graph, external matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from routes.travel import (
    MODE_SPEEDS_KMH,
    MatrixProvider,
    StraightLineProvider,
    StreetGraphProvider,
    TravelError,
    TravelProvider,
    haversine_m,
    normalise_mode,
)

ROOT = Path(__file__).resolve().parents[2]
TRANSPORT = ROOT / "data" / "geo" / "zhenru_area_transport_osm.geojson"

RNG = np.random.default_rng(3)
LONS = RNG.uniform(121.375, 121.405, 25)
LATS = RNG.uniform(31.247, 31.270, 25)


# ------------------------------------------------------------------ straight line


def test_haversine_known_distance() -> None:
    # 0.01° of latitude is 1111.95 m on the mean sphere
    assert float(haversine_m(121.39, 31.25, 121.39, 31.26)) == pytest.approx(1111.95, abs=0.5)
    # 0.01° of longitude at 31.25° N is shorter by cos(lat)
    assert float(haversine_m(121.39, 31.25, 121.40, 31.25)) == pytest.approx(
        1111.95 * np.cos(np.radians(31.25)), rel=1e-4
    )


def test_straight_line_is_symmetric_with_zero_diagonal_and_triangle_inequality() -> None:
    m = StraightLineProvider("电动自行车").matrix(LONS, LATS)
    assert m.shape == (25, 25)
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_array_equal(np.diag(m), 0.0)
    # d(i,k) <= d(i,j) + d(j,k) for every triple
    assert (m[:, None, :] <= m[:, :, None] + m[None, :, :] + 1e-9).all()


def test_straight_line_speeds_and_circuity() -> None:
    d = float(haversine_m(121.39, 31.25, 121.39, 31.26))
    for mode, kmh in MODE_SPEEDS_KMH.items():
        m = StraightLineProvider(mode).matrix([121.39, 121.39], [31.25, 31.26])
        assert m[0, 1] == pytest.approx(d * 1.3 / (kmh * 1000 / 60))
    direct = StraightLineProvider("步行", circuity=1.0).matrix([121.39, 121.39], [31.25, 31.26])
    assert direct[0, 1] == pytest.approx(d / 75.0)
    walk = StraightLineProvider("walk").matrix(LONS, LATS)
    car = StraightLineProvider("car").matrix(LONS, LATS)
    off = ~np.eye(len(LONS), dtype=bool)
    np.testing.assert_allclose(walk[off] / car[off], 20.0 / 4.5)


def test_mode_aliases_and_unknown_mode() -> None:
    assert normalise_mode("ebike") == "电动自行车"
    assert normalise_mode(" 汽车 ") == "汽车"
    with pytest.raises(TravelError, match="未知的交通方式"):
        StraightLineProvider("飞机")


def test_straight_line_rejects_missing_coordinates() -> None:
    with pytest.raises(TravelError, match="缺少坐标"):
        StraightLineProvider().matrix([121.39, np.nan], [31.25, 31.26])
    with pytest.raises(TravelError, match="不一致"):
        StraightLineProvider().matrix([121.39, 121.4], [31.25])


def test_providers_share_the_protocol() -> None:
    lines = [LineString([(121.39, 31.25), (121.40, 31.25)])]
    for p in (
        StraightLineProvider(),
        StreetGraphProvider(lines),
        MatrixProvider(np.zeros((2, 2))),
    ):
        assert isinstance(p, TravelProvider)


# ------------------------------------------------------------------ street graph

# Toy grid, 0.002° apart: two horizontal streets (y0, y1) crossed by three vertical ones
# (x0, x1, x2). Lines are drawn whole and cross each other, so the provider must node them.
X = (121.380, 121.382, 121.384)
Y = (31.250, 31.252)


def _toy_grid() -> list[LineString]:
    return [
        LineString([(X[0], Y[0]), (X[2], Y[0])]),  # bottom street, full length
        LineString([(X[1], Y[1]), (X[2], Y[1])]),  # top street, only from x1 to x2
        LineString([(X[0], Y[0]), (X[0], Y[1])]),  # west street: a dead end up to (x0, y1)
        LineString([(X[1], Y[0] - 0.001), (X[1], Y[1])]),  # middle street, crosses the bottom one
        LineString([(X[2], Y[0]), (X[2], Y[1])]),  # east street
    ]


def _leg(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


def test_street_graph_toy_grid_equals_hand_computed_shortest_path() -> None:
    p = StreetGraphProvider(_toy_grid(), "步行", direct_cap=False, join_m=0)
    # from the top of the west dead end (x0, y1) to the top-east corner (x2, y1):
    # there is no top street between x0 and x1, so the path is
    # down the west street, along the bottom to x1, up the middle street, along the top to x2.
    a, c = (X[0], Y[1]), (X[2], Y[1])
    expected_m = (
        _leg((X[0], Y[1]), (X[0], Y[0]))
        + _leg((X[0], Y[0]), (X[1], Y[0]))
        + _leg((X[1], Y[0]), (X[1], Y[1]))
        + _leg((X[1], Y[1]), (X[2], Y[1]))
    )
    m = p.matrix([a[0], c[0]], [a[1], c[1]])
    assert m[0, 1] == pytest.approx(expected_m / 75.0, rel=1e-6)
    assert m[1, 0] == pytest.approx(m[0, 1])
    # (going round by the east street is exactly as long); the straight line is much shorter
    assert expected_m > _leg(a, c) * 1.3
    assert p.fallback_pairs == 0


def test_street_graph_access_leg_and_direct_cap() -> None:
    grid = _toy_grid()
    # a stop 0.0005° (≈55.6 m) south of the bottom-west corner; access leg × 1.3
    stop = (X[0], Y[0] - 0.0005)
    corner_top = (X[0], Y[1])
    p = StreetGraphProvider(grid, "步行", direct_cap=False, join_m=0)
    m = p.matrix([stop[0], corner_top[0]], [stop[1], corner_top[1]])
    expected = (_leg(stop, (X[0], Y[0])) * 1.3 + _leg((X[0], Y[0]), corner_top)) / 75.0
    assert m[0, 1] == pytest.approx(expected, rel=1e-6)
    # with the cap, the network estimate never exceeds straight line × circuity
    capped = StreetGraphProvider(grid, "步行", join_m=0)
    mc = capped.matrix([X[0], X[2]], [Y[1], Y[1]])
    straight = _leg((X[0], Y[1]), (X[2], Y[1])) * 1.3 / 75.0
    assert mc[0, 1] == pytest.approx(straight, rel=1e-6)


def test_crossing_lines_are_joined_only_when_noding() -> None:
    # two streets crossing at (121.381, 31.251) without a shared vertex
    cross = [
        LineString([(121.380, 31.251), (121.382, 31.251)]),
        LineString([(121.381, 31.250), (121.381, 31.252)]),
    ]
    lons, lats = [121.380, 121.381], [31.251, 31.252]
    noded = StreetGraphProvider(cross, "步行", direct_cap=False, join_m=0)
    expected = (_leg((121.380, 31.251), (121.381, 31.251)) + _leg((121.381, 31.251), (121.381, 31.252)))
    assert noded.matrix(lons, lats)[0, 1] == pytest.approx(expected / 75.0, rel=1e-6)
    flyover = StreetGraphProvider(
        cross, "步行", node_intersections=False, direct_cap=False, on_disconnected="raise", join_m=0
    )
    with pytest.raises(TravelError, match="不连通"):
        flyover.matrix(lons, lats)


def test_street_graph_disconnected_falls_back_or_raises() -> None:
    lines = [
        LineString([(121.380, 31.250), (121.382, 31.250)]),
        LineString([(121.390, 31.260), (121.392, 31.260)]),
    ]
    lons, lats = [121.380, 121.392], [31.250, 31.260]
    p = StreetGraphProvider(lines, "汽车", direct_cap=False)
    m = p.matrix(lons, lats)
    assert p.fallback_pairs == 2
    np.testing.assert_allclose(m, StraightLineProvider("汽车").matrix(lons, lats))
    strict = StreetGraphProvider(lines, "汽车", on_disconnected="raise")
    with pytest.raises(TravelError, match="路网不连通"):
        strict.matrix(lons, lats)


def test_street_graph_far_from_any_road() -> None:
    lines = [LineString([(121.380, 31.250), (121.382, 31.250)])]
    strict = StreetGraphProvider(lines, on_disconnected="raise", max_snap_m=500)
    with pytest.raises(TravelError, match="距最近道路超过"):
        strict.matrix([121.380, 121.40], [31.250, 31.27])


def test_street_graph_rejects_files_without_lines(tmp_path: Path) -> None:
    from shapely.geometry import Point

    with pytest.raises(TravelError, match="没有线要素"):
        StreetGraphProvider([Point(121.38, 31.25)])
    with pytest.raises(TravelError, match="找不到路网文件"):
        StreetGraphProvider.from_file(tmp_path / "nope.geojson")


def test_street_graph_on_osm_major_roads() -> None:
    p = StreetGraphProvider.from_file(
        TRANSPORT, "汽车", query="kind == 'elevated_or_major_road'"
    )
    assert p.graph.number_of_nodes() > 100
    assert all(d["length_m"] > 0 for _, _, d in p.graph.edges(data=True))
    m = p.matrix(LONS, LATS)
    assert np.isfinite(m).all() and (m >= 0).all()
    np.testing.assert_array_equal(np.diag(m), 0.0)
    np.testing.assert_allclose(m, m.T)
    straight = StraightLineProvider("汽车").matrix(LONS, LATS)
    assert (m <= straight + 1e-9).all()  # direct cap
    # without the cap, network routes are at least as long as the straight line
    raw = StreetGraphProvider.from_file(
        TRANSPORT, "汽车", query="kind == 'elevated_or_major_road'", direct_cap=False
    ).matrix(LONS, LATS)
    direct = StraightLineProvider("汽车", circuity=1.0).matrix(LONS, LATS)
    assert (raw >= direct - 1e-9).all()
    assert (raw > straight).any()


# ------------------------------------------------------------------ external matrix


def _frame() -> pd.DataFrame:
    ids = ["OFFICE", "S1", "S2"]
    return pd.DataFrame(
        [[0, 300, 600], [360, 0, 240], [660, 180, 0]], index=ids, columns=ids
    )


def test_matrix_provider_selects_by_id_and_converts_units() -> None:
    p = MatrixProvider(_frame(), unit="s")
    m = p.matrix([0, 0, 0], [0, 0, 0], ids=["S2", "OFFICE", "S1"])
    np.testing.assert_allclose(m, [[0, 11, 3], [10, 0, 5], [4, 6, 0]])


def test_matrix_provider_missing_ids_error_or_fallback() -> None:
    p = MatrixProvider(_frame(), unit="s")
    with pytest.raises(TravelError, match="S9"):
        p.matrix([121.39, 121.40], [31.25, 31.25], ids=["S1", "S9"])
    fb = StraightLineProvider("汽车")
    p2 = MatrixProvider(_frame(), unit="s", fallback=fb)
    lons, lats = [121.39, 121.40, 121.395], [31.25, 31.25, 31.26]
    m = p2.matrix(lons, lats, ids=["S1", "S9", "S2"])
    est = fb.matrix(lons, lats)
    assert m[0, 2] == pytest.approx(4.0) and m[2, 0] == pytest.approx(3.0)
    assert m[0, 1] == pytest.approx(est[0, 1]) and m[1, 2] == pytest.approx(est[1, 2])
    assert p2.fallback_pairs == 4


def test_matrix_provider_array_and_validation(tmp_path: Path) -> None:
    arr = np.array([[0.0, 4.0], [5.0, 0.0]])
    assert MatrixProvider(arr).matrix([0, 0], [0, 0]).tolist() == arr.tolist()
    with pytest.raises(TravelError, match="需要 3 个点"):
        MatrixProvider(arr).matrix([0, 0, 0], [0, 0, 0])
    with pytest.raises(TravelError, match="方阵"):
        MatrixProvider(np.zeros((2, 3)))
    with pytest.raises(TravelError, match="负"):
        MatrixProvider(np.array([[0, -1], [1, 0]]))
    with pytest.raises(TravelError, match="ids"):
        MatrixProvider(_frame()).matrix([0, 0], [0, 0])
    path = tmp_path / "m.csv"
    _frame().to_csv(path)
    m = MatrixProvider.from_csv(path, unit="s").matrix([0, 0], [0, 0], ids=["S1", "S2"])
    np.testing.assert_allclose(m, [[0, 4], [3, 0]])


def test_with_mode_shares_the_graph_and_changes_the_speed() -> None:
    car = StreetGraphProvider(_toy_grid(), "汽车", join_m=0)
    walk = car.with_mode("步行")
    assert walk.graph is car.graph and walk.mode == "步行"
    lons, lats = [X[0], X[2]], [Y[1], Y[1]]
    np.testing.assert_allclose(walk.matrix(lons, lats) * 4.5, car.matrix(lons, lats) * 20.0)
    assert StraightLineProvider("汽车", circuity=1.1).with_mode("步行").circuity == 1.1
