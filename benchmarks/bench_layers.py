"""Timing of the geography layer: zone build, committee assignment, coordinate conversion.

Run: ``.venv/bin/python benchmarks/bench_layers.py``. Targets (foundation issue): assigning
3,000 points < 0.1 s; 1,000,000 points vectorised (a few seconds at most).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(label: str, fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<55s} {best * 1000:9.1f} ms")
    return best


def main() -> None:
    t0 = time.perf_counter()
    from layers import coords, geodata, zones

    zones.committee_zones()
    zones.assign_committee_xy([121.39], [31.25])
    print(f"{'import + first committee_zones() + index (cold)':<55s} "
          f"{(time.perf_counter() - t0) * 1000:9.1f} ms")
    _timed("geodata.no_build_mask() (cached)", geodata.no_build_mask)

    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = geodata.boundary_geometry().bounds
    for n in (3_000, 1_000_000):
        lon = rng.uniform(x0, x1, n)
        lat = rng.uniform(y0, y1, n)
        _timed(
            f"assign_committee_xy, {n:,} points in bbox",
            lambda lon=lon, lat=lat: zones.assign_committee_xy(lon, lat),
        )
    lon = rng.uniform(121.30, 121.50, 1_000_000)
    lat = rng.uniform(31.20, 31.32, 1_000_000)
    _timed("assign_committee_xy, 1,000,000 points (most outside)",
           lambda: zones.assign_committee_xy(lon, lat))
    _timed("wgs84_to_gcj02, 1,000,000 points", lambda: coords.wgs84_to_gcj02(lon, lat))
    g = coords.wgs84_to_gcj02(lon, lat)
    _timed("gcj02_to_wgs84 (iterative), 1,000,000 points", lambda: coords.gcj02_to_wgs84(*g))


if __name__ == "__main__":
    main()
