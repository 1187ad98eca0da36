"""The 居委 (residents' committee) names a registry may use, and full name → short name.

``sites.committee`` and ``assets.committee`` hold the short name of one of the 36 居委 of
``layers.zones`` (e.g. ``南大街``), or one of two groups that are not a 居委: :data:`OUTSIDE`
(辖区外: supervised by the office but outside the subdistrict's boundary, e.g. the 天地软件园
tenants in 长征镇) and :data:`UNVERIFIED` (居委待核实: inside the boundary, in a part whose 居委
is not yet verified). Users often type the full name (``南大街居委会``); it is mapped to the
short one. Any other value is refused by :mod:`registry.validate`.

The names come from ``layers.zones.anchors()`` (the anchors the zones are built from: same
``short_name`` and ``name`` as ``committee_zones()``, without building the zone geometry).
When ``layers`` cannot be imported the names are unknown and nothing is checked.

Examples
--------
>>> import pandas as pd
>>> to_short_names(pd.Series(["南大街居委会", "南大街", "月球", "真光新村第一居委会"])).tolist()
['南大街', '南大街', '月球', '真一']
>>> "真一" in known_committees(), OUTSIDE in known_committees()
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

__all__ = [
    "OUTSIDE",
    "UNVERIFIED",
    "committee_groups",
    "committee_lookup",
    "known_committees",
    "to_short_names",
]

#: The group of units supervised outside the boundary (not counted under any 居委).
OUTSIDE = "辖区外"
#: The group of units whose 居委 is not verified (never shown as a made-up 居委 name).
UNVERIFIED = "居委待核实"


@cache
def committee_lookup() -> Mapping[str, str] | None:
    """Full name or short name → short name; ``None`` when ``layers.zones`` is unavailable."""
    try:
        from layers.zones import anchors
    except ImportError:
        return None
    table = anchors()
    table = table[~table["placeholder"].astype(bool)]  # a placeholder zone is not a 居委
    lookup = {str(s): str(s) for s in table["short_name"]}
    lookup.update({OUTSIDE: OUTSIDE, UNVERIFIED: UNVERIFIED})
    lookup.update({str(n): str(s) for n, s in zip(table["name"], table["short_name"], strict=True)})
    return MappingProxyType(lookup)


def known_committees() -> frozenset[str]:
    """The short names and the two groups (empty when ``layers.zones`` is unavailable)."""
    lookup = committee_lookup()
    return frozenset(lookup.values()) if lookup is not None else frozenset()


def to_short_names(values: pd.Series) -> pd.Series:
    """Map full 居委 names to short names (spaces stripped); other values are kept as given."""
    lookup = committee_lookup() or {}

    def one(v: object) -> object:
        if not isinstance(v, str):
            return v
        key = "".join(v.split())
        return lookup.get(key, v)

    return values.astype(object).map(one)


def committee_groups(lon: np.ndarray, lat: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """The 居委 a unit is counted under: a short name, :data:`OUTSIDE` or :data:`UNVERIFIED`.

    ``layers.zones`` gives every point a zone (the nearest one for points outside the
    subdistrict), and two zones are placeholders for 居委 whose names are not public. A
    placeholder is never shown as a 居委 name (→ :data:`UNVERIFIED`), and a unit supervised
    outside the boundary belongs to no 真如 居委 (→ :data:`OUTSIDE`).

    Parameters
    ----------
    lon, lat : numpy.ndarray
        WGS-84 positions.
    outside : numpy.ndarray of bool
        The unit is supervised although outside the boundary (``sites.outside_boundary``).

    Returns
    -------
    numpy.ndarray
        Object array of names (None for a missing position).

    Examples
    --------
    >>> committee_groups(np.array([121.3965, 121.3872]), np.array([31.2519, 31.2351]),
    ...                  np.array([False, True])).tolist()
    ['南大街', '辖区外']
    """
    from layers import zones

    points = pd.DataFrame({"lon": np.asarray(lon, float), "lat": np.asarray(lat, float)})
    short = zones.assign_committee(points).to_numpy(object)
    z = zones.anchors()
    placeholder = list(z.loc[z["placeholder"].astype(bool), "short_name"])
    out = np.where(np.isin(short, placeholder), UNVERIFIED, short)
    return np.where(np.asarray(outside, bool), OUTSIDE, out).astype(object)
