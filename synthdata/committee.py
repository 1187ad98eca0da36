"""The 居委 group a sample unit is counted under: :func:`registry.committees.committee_groups`.

The rule lives in :mod:`registry.committees` (the importer and the store use the same one);
this module only names it for the generator.

Examples
--------
>>> import numpy as np
>>> committee_groups(np.array([121.3965, 121.3872]), np.array([31.2519, 31.2351]),
...                  np.array([False, True])).tolist()
['南大街', '辖区外']
"""

from __future__ import annotations

from registry.committees import OUTSIDE, UNVERIFIED, committee_groups

__all__ = ["OUTSIDE", "UNVERIFIED", "committee_groups"]
