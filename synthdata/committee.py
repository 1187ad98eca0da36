"""The 居委 group a sample unit is counted under.

:func:`layers.zones.assign_committee` gives every point a zone, the nearest one for points
outside the subdistrict, and two zones are placeholders for 居委 whose names are not public
(``placeholder=True`` in ``data/geo/committee_anchors.csv``). A user must never read a
placeholder as a 居委 name, and a unit supervised outside the boundary (the 天地软件园 tenants in
长征镇) belongs to no 真如 居委. So the sample labels

* units outside the boundary ``OUTSIDE`` ("辖区外"), their own group;
* units in a placeholder zone ``UNVERIFIED`` ("居委待核实"): the 居委 is not known.

Both group names are defined in :mod:`registry.committees` (which the validator accepts).

Examples
--------
>>> import numpy as np
>>> committee_groups(np.array([121.3965, 121.3872]), np.array([31.2519, 31.2351]),
...                  np.array([False, True])).tolist()
['南大街', '辖区外']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers import zones
from registry.committees import OUTSIDE, UNVERIFIED

__all__ = ["OUTSIDE", "UNVERIFIED", "committee_groups"]


def committee_groups(lon: np.ndarray, lat: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """居委 short name per point, or ``OUTSIDE`` / ``UNVERIFIED`` (object array).

    Parameters
    ----------
    lon, lat : numpy.ndarray
        WGS-84 positions.
    outside : numpy.ndarray of bool
        The unit is supervised although outside the boundary (``sites.outside_boundary``).
    """
    points = pd.DataFrame({"lon": np.asarray(lon, float), "lat": np.asarray(lat, float)})
    short = zones.assign_committee(points).to_numpy(object)
    z = zones.committee_zones()
    placeholder = set(z.loc[z["placeholder"].astype(bool), "short_name"])
    out = np.where(np.isin(short, list(placeholder)), UNVERIFIED, short)
    return np.where(np.asarray(outside, bool), OUTSIDE, out).astype(object)
