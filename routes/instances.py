"""Readers for public routing benchmarks: Team Orienteering (Chao 1996) and TSPLIB.

Examples
--------
>>> import io
>>> inst = parse_top(io.StringIO("n 3\\nm 1\\ntmax 10\\n0 0 0\\n3 4 7\\n0 0 0\\n"))
>>> inst.n, inst.m, inst.tmax, inst.scores.tolist()
(3, 1, 10.0, [0.0, 7.0, 0.0])
>>> p = top_problem(inst)
>>> len(p.visits), p.teams[0].shifts
(1, ((0.0, 10.0),))
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from routes.model import Problem, Solution, Team, Visit

__all__ = [
    "InstanceError",
    "TopInstance",
    "TspInstance",
    "euclidean_matrix",
    "parse_top",
    "parse_tsplib",
    "parse_tsplib_tour",
    "read_scores",
    "read_top",
    "read_tsplib",
    "read_tsplib_tour",
    "top_problem",
    "top_routes_from_solution",
    "top_score",
    "tsp_length",
    "tsplib_matrix",
]


class InstanceError(ValueError):
    """A benchmark file is missing or malformed."""


@dataclass(frozen=True)
class TopInstance:
    """Team Orienteering instance: point 0 is the start, point ``n-1`` the end."""

    name: str
    n: int
    m: int
    tmax: float
    xy: np.ndarray  # (n, 2)
    scores: np.ndarray  # (n,)


@dataclass(frozen=True)
class TspInstance:
    """Symmetric EUC_2D TSPLIB instance (coordinates of cities 1..n)."""

    name: str
    xy: np.ndarray  # (n, 2)


def euclidean_matrix(xy: np.ndarray) -> np.ndarray:
    """Unrounded Euclidean distance matrix."""
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def _read_text(path: str | Path) -> tuple[str, str]:
    p = Path(path)
    try:
        return p.stem, p.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError as exc:
        raise InstanceError(f"file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise InstanceError(f"not a file: {p}") from exc
    except OSError as exc:
        raise InstanceError(f"cannot read {p}: {exc}") from exc


# ---------------------------------------------------------------------- TOP
def parse_top(lines: Iterable[str] | IO[str], name: str = "top") -> TopInstance:
    """Parse the Team Orienteering format (``n``, ``m``, ``tmax`` then ``x y score`` lines)."""
    header: dict[str, float] = {}
    rows: list[tuple[float, float, float]] = []
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split()
        if len(header) < 3:
            if len(parts) != 2 or parts[0] not in ("n", "m", "tmax"):
                raise InstanceError(f"{name}: line {lineno}: expected 'n', 'm' or 'tmax' header")
            try:
                header[parts[0]] = float(parts[1])
            except ValueError as exc:
                raise InstanceError(f"{name}: line {lineno}: bad number {parts[1]!r}") from exc
            continue
        if len(parts) < 3:
            raise InstanceError(f"{name}: line {lineno}: expected 'x y score'")
        try:
            rows.append((float(parts[0]), float(parts[1]), float(parts[2])))
        except ValueError as exc:
            raise InstanceError(f"{name}: line {lineno}: bad number in {line!r}") from exc
    if len(header) < 3:
        raise InstanceError(f"{name}: missing header (n, m, tmax)")
    for key in ("n", "m"):
        value = header[key]
        if not math.isfinite(value) or value != int(value):
            raise InstanceError(f"{name}: header {key} must be a whole number, got {value:g}")
    n, m, tmax = int(header["n"]), int(header["m"]), header["tmax"]
    if n < 2 or m < 1 or tmax < 0 or not math.isfinite(tmax):
        raise InstanceError(f"{name}: invalid header n={n} m={m} tmax={tmax}")
    if len(rows) != n:
        raise InstanceError(f"{name}: header says n={n} points, found {len(rows)}")
    arr = np.array(rows, dtype=float)
    if not np.isfinite(arr).all() or (arr[:, 2] < 0).any():
        raise InstanceError(f"{name}: non-finite coordinates or negative scores")
    return TopInstance(name=name, n=n, m=m, tmax=float(tmax), xy=arr[:, :2], scores=arr[:, 2])


def read_top(path: str | Path) -> TopInstance:
    """Read a Team Orienteering file (``pS.M.X.txt``); raises :class:`InstanceError`."""
    name, text = _read_text(path)
    return parse_top(text.splitlines(), name=name)


def read_scores(path: str | Path) -> dict[str, float]:
    """Reference scores (e.g. Chao et al. 1996) from a ``name score`` file, one per line.

    Names lose a trailing ``.txt`` so they match instance names (``p4.4.n``).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("p4.4.n.txt 977\\n\\np4.2.a.txt 206\\n")
    >>> read_scores(f.name)
    {'p4.4.n': 977.0, 'p4.2.a': 206.0}
    >>> os.unlink(f.name)
    """
    out: dict[str, float] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0].removesuffix(".txt")] = float(parts[1])
    return out


def top_problem(inst: TopInstance) -> Problem:
    """Team Orienteering instance as a :class:`Problem`.

    Visit ``i`` is point ``i + 1`` (0-based), i.e. line ``i + 2`` of the point list.
    """
    d = euclidean_matrix(inst.xy)
    visits = tuple(
        Visit(loc=j, prize=float(inst.scores[j]), id=str(j + 1)) for j in range(1, inst.n - 1)
    )
    team = Team(start=0, end=inst.n - 1, shifts=((0.0, inst.tmax),))
    teams = tuple(Team(start=team.start, end=team.end, shifts=team.shifts, id=str(k + 1)) for k in range(inst.m))
    return Problem(travel={"default": d}, visits=visits, teams=teams)


def top_routes_from_solution(solution: Solution) -> list[list[int]]:
    """1-based point numbers per team (start and end left out) from a solver Solution."""
    return [[s.visit + 2 for s in r.stops] for r in solution.routes]


def top_score(inst: TopInstance, routes: list[list[int]], tol: float = 1e-6) -> tuple[float, list[float], list[str]]:
    """Recompute score and route lengths of 1-based routes; returns (score, lengths, errors).

    Every non-empty route runs from point 1 to point n with unrounded Euclidean
    length ``<= tmax`` (an empty route = team not dispatched, length 0); a point may
    be visited once; start/end may not appear inside.

    Examples
    --------
    >>> import io
    >>> inst = parse_top(io.StringIO("n 3\\nm 1\\ntmax 10\\n0 0 0\\n3 4 7\\n0 0 0\\n"))
    >>> top_score(inst, [[2]])
    (7.0, [10.0], [])
    """
    errors: list[str] = []
    d = euclidean_matrix(inst.xy)
    seen: set[int] = set()
    total = 0.0
    lengths: list[float] = []
    if len(routes) > inst.m:
        errors.append(f"{len(routes)} routes for {inst.m} teams")
    for r, route in enumerate(routes):
        if not route:  # team not dispatched
            lengths.append(0.0)
            continue
        prev = 0
        length = 0.0
        for p in route:
            if not (isinstance(p, int | np.integer) and 2 <= p <= inst.n - 1):
                errors.append(f"route {r}: invalid point {p!r}")
                continue
            if p in seen:
                errors.append(f"route {r}: point {p} visited twice")
            seen.add(p)
            length += d[prev, p - 1]
            prev = p - 1
            total += inst.scores[p - 1]
        length += d[prev, inst.n - 1]
        lengths.append(float(length))
        if length > inst.tmax + tol:
            errors.append(f"route {r}: length {length:.4f} > tmax {inst.tmax}")
    return float(total), lengths, errors


# ---------------------------------------------------------------------- TSPLIB
def _tsplib_sections(text: str, name: str) -> tuple[dict[str, str], list[str]]:
    spec: dict[str, str] = {}
    body: list[str] = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        if section is None and ":" in line and not line[0].isdigit():
            key, _, value = line.partition(":")
            spec[key.strip().upper()] = value.strip()
            continue
        if line.upper().endswith("_SECTION"):
            section = line.upper()
            continue
        if section is None:
            raise InstanceError(f"{name}: unexpected line {line!r}")
        body.append(line)
    return spec, body


def parse_tsplib(text: str, name: str = "tsp") -> TspInstance:
    """Parse a TSPLIB ``TYPE: TSP`` file with ``EDGE_WEIGHT_TYPE: EUC_2D``."""
    spec, body = _tsplib_sections(text, name)
    if spec.get("EDGE_WEIGHT_TYPE", "").upper() != "EUC_2D":
        raise InstanceError(f"{name}: only EDGE_WEIGHT_TYPE EUC_2D is supported")
    try:
        n = int(spec["DIMENSION"])
    except (KeyError, ValueError) as exc:
        raise InstanceError(f"{name}: missing or bad DIMENSION") from exc
    coords: dict[int, tuple[float, float]] = {}
    for line in body:
        parts = line.split()
        if len(parts) < 3:
            raise InstanceError(f"{name}: bad coordinate line {line!r}")
        try:
            coords[int(parts[0])] = (float(parts[1]), float(parts[2]))
        except ValueError as exc:
            raise InstanceError(f"{name}: bad coordinate line {line!r}") from exc
    if sorted(coords) != list(range(1, n + 1)):
        raise InstanceError(f"{name}: expected nodes 1..{n}, found {len(coords)}")
    xy = np.array([coords[i] for i in range(1, n + 1)], dtype=float)
    return TspInstance(name=spec.get("NAME", name), xy=xy)


def read_tsplib(path: str | Path) -> TspInstance:
    """Read a TSPLIB EUC_2D ``.tsp`` file; raises :class:`InstanceError`."""
    name, text = _read_text(path)
    return parse_tsplib(text, name=name)


def parse_tsplib_tour(text: str, name: str = "tour") -> list[int]:
    """Parse a TSPLIB ``.tour`` file; returns the 1-based node order."""
    _, body = _tsplib_sections(text, name)
    tour: list[int] = []
    for line in body:
        for tok in line.split():
            try:
                node = int(tok)
            except ValueError as exc:
                raise InstanceError(f"{name}: bad tour entry {tok!r}") from exc
            if node == -1:
                return tour
            tour.append(node)
    return tour


def read_tsplib_tour(path: str | Path) -> list[int]:
    """Read a TSPLIB ``.opt.tour`` file (1-based node order)."""
    name, text = _read_text(path)
    return parse_tsplib_tour(text, name=name)


def tsplib_matrix(xy: np.ndarray) -> np.ndarray:
    """TSPLIB EUC_2D distances: ``nint(sqrt(dx² + dy²))`` as float."""
    return np.floor(euclidean_matrix(xy) + 0.5)


def tsp_length(xy: np.ndarray, tour: list[int]) -> int:
    """Closed-tour length of a 1-based ``tour`` with TSPLIB rounding.

    Examples
    --------
    >>> tsp_length(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]]), [1, 2, 3])
    12
    """
    n = len(xy)
    if sorted(tour) != list(range(1, n + 1)):
        raise ValueError(f"tour is not a permutation of 1..{n}")
    d = tsplib_matrix(xy)
    idx = np.asarray(tour) - 1
    return int(d[idx, np.roll(idx, -1)].sum())
