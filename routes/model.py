"""Data model shared by the route solver and the planning layer.

Times are minutes from 00:00 of the plan day (for Team Orienteering benchmark
instances they are distance units).  Locations are integer indices into the
square travel matrices held by :class:`Problem`.

Examples
--------
>>> import numpy as np
>>> d = np.array([[0.0, 5.0], [5.0, 0.0]])
>>> p = Problem(travel={"default": d},
...             visits=(Visit(loc=1, prize=3.0, service=10.0),),
...             teams=(Team(start=0, end=0, shifts=((540.0, 600.0),)),))
>>> p.n_locations
2
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "REASONS",
    "Problem",
    "Route",
    "Solution",
    "Stop",
    "Team",
    "Visit",
]

#: Reason codes used in :attr:`Solution.unassigned`.
REASONS: dict[str, str] = {
    "skill": "没有班组具备所需资质",
    "closed": "开放时间与任何班次都不重叠",
    "unreachable": "即使单独安排也无法在班次内完成",
    "capacity": "单独可行，但班次时间已排满",
    "low_priority": "优先级较低，未排入",
}


@dataclass(frozen=True)
class Visit:
    """A candidate stop.

    Parameters
    ----------
    loc : int
        Row/column index into the travel matrices.
    prize : float
        Priority collected when the visit is served (``>= 0``).
    service : float
        Service duration.
    windows : tuple of (float, float)
        Service must start and end inside one of these windows.
    skills : frozenset of str
        The serving team must hold all of them.
    must : bool
        Must-visit: served before any optional prize whenever feasible.
    id : str
        Caller's identifier (e.g. ``site_id``).
    """

    loc: int
    prize: float
    service: float = 0.0
    windows: tuple[tuple[float, float], ...] = ((0.0, math.inf),)
    skills: frozenset[str] = frozenset()
    must: bool = False
    id: str = ""

    def __post_init__(self) -> None:
        if self.prize < 0 or not math.isfinite(self.prize):
            raise ValueError(f"visit {self.id or self.loc}: prize must be finite and >= 0")
        if self.service < 0 or not math.isfinite(self.service):
            raise ValueError(f"visit {self.id or self.loc}: service must be finite and >= 0")
        if not self.windows:
            raise ValueError(f"visit {self.id or self.loc}: at least one time window is required")
        for a, b in self.windows:
            if not a <= b:
                raise ValueError(f"visit {self.id or self.loc}: window ({a}, {b}) has start > end")


@dataclass(frozen=True)
class Team:
    """An inspection team (vehicle).

    Parameters
    ----------
    start, end : int
        Location indices of the start and end depots.
    shifts : tuple of (float, float)
        Working intervals in increasing order, e.g. ``((540, 690), (810, 1020))``;
        breaks lie between them.  Travel and service happen only inside an
        interval; a service never straddles a break; travel may pause over a
        break; the team must reach ``end`` by the last interval's end.
    matrix : str
        Key into :attr:`Problem.travel` (travel mode).
    skills : frozenset of str
        Skills held by the team.
    id : str
        Caller's identifier.
    """

    start: int
    end: int
    shifts: tuple[tuple[float, float], ...]
    matrix: str = "default"
    skills: frozenset[str] = frozenset()
    id: str = ""

    def __post_init__(self) -> None:
        if not self.shifts:
            raise ValueError(f"team {self.id or '?'}: at least one shift interval is required")
        prev = -math.inf
        for a, b in self.shifts:
            if not (a <= b and a >= prev):
                raise ValueError(
                    f"team {self.id or '?'}: shifts must be ordered, non-overlapping (a <= b)"
                )
            prev = b


@dataclass(frozen=True, eq=False)
class Problem:
    """A routing problem: travel matrices, candidate visits and teams.

    Compared and hashed by identity (it holds numpy arrays).
    """

    travel: Mapping[str, np.ndarray]
    visits: tuple[Visit, ...]
    teams: tuple[Team, ...]

    def __post_init__(self) -> None:
        n = None
        for key, mat in self.travel.items():
            arr = np.asarray(mat)
            if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
                raise ValueError(f"travel matrix {key!r} must be square, got shape {arr.shape}")
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ValueError("all travel matrices must have the same size")
            if np.any(np.isnan(arr)) or np.any(arr < 0):
                raise ValueError(f"travel matrix {key!r} has NaN or negative entries")
        if n is None:
            raise ValueError("at least one travel matrix is required")
        for i, v in enumerate(self.visits):
            if not 0 <= v.loc < n:
                raise ValueError(f"visit {i} ({v.id}): loc {v.loc} outside the matrix (n={n})")
        for k, t in enumerate(self.teams):
            if t.matrix not in self.travel:
                raise ValueError(f"team {k} ({t.id}): unknown travel matrix {t.matrix!r}")
            if not (0 <= t.start < n and 0 <= t.end < n):
                raise ValueError(f"team {k} ({t.id}): depot outside the matrix (n={n})")

    @property
    def n_locations(self) -> int:
        """Number of locations (size of the travel matrices)."""
        return int(np.asarray(next(iter(self.travel.values()))).shape[0])


@dataclass
class Stop:
    """A served visit: ``visit`` indexes :attr:`Problem.visits`."""

    visit: int
    arrival: float
    start: float
    leave: float


@dataclass
class Route:
    """The route of one team (``team`` indexes :attr:`Problem.teams`)."""

    team: int
    stops: list[Stop] = field(default_factory=list)
    travel: float = 0.0
    service: float = 0.0
    prize: float = 0.0
    end_time: float = 0.0


@dataclass
class Solution:
    """Solver output.

    ``unassigned`` maps a visit index to a reason code (see :data:`REASONS`).
    """

    routes: list[Route]
    unassigned: dict[int, str]
    prize: float
    travel: float
    must_missed: int
