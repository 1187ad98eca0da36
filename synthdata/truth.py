"""Hidden "true risk" of every site (the ``truth`` table; the model never reads it).

``propensity`` is the expected number of hazards an ordinary inspection finds at baseline
conditions (no season, no holiday, 182 days since the previous inspection, no recurrence):

    propensity = base_rate[sector] × m_age × m_size × m_occ × m_elev × m_ebike
                 × m_underground × m_hazchem / management_quality

with ``management_quality ~ LogNormal(0, 0.7)`` clipped to [0.3, 3.5] (1 = average, higher =
better, persistent over the three years). The multipliers are documented in
``docs/SAMPLE_DATA.md`` and implemented in :func:`attribute_multiplier`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthdata.profiles import PROFILES

#: Sigma of log management quality.
MGMT_SIGMA = 0.7
#: Reference year for building age.
REF_YEAR = 2026


def attribute_multiplier(sites: pd.DataFrame) -> np.ndarray:
    """Product of the attribute multipliers of each site (1 where attributes are missing).

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> old = pd.DataFrame({"building_year": [1960.0], "floor_area_m2": [np.nan],
    ...     "occupants": [np.nan], "elevators_15y": [np.nan], "ebike_capacity": [np.nan],
    ...     "underground": [False], "hazchem_t": [0.0]})
    >>> float(attribute_multiplier(old)[0]) > 1.0
    True
    """
    age = REF_YEAR - sites["building_year"].to_numpy(float)
    m_age = np.clip(1.0 + 0.012 * np.maximum(np.nan_to_num(age, nan=10.0) - 10.0, 0.0), 1.0, 1.6)
    area = sites["floor_area_m2"].to_numpy(float)
    m_size = np.where(np.isnan(area), 1.0, np.clip((np.nan_to_num(area) / 1000.0) ** 0.12, 0.7, 1.5))
    occ = sites["occupants"].to_numpy(float)
    m_occ = np.where(np.isnan(occ), 1.0, np.clip((np.nan_to_num(occ) / 50.0) ** 0.1, 0.8, 1.4))
    m_elev = np.minimum(1.0 + 0.08 * np.nan_to_num(sites["elevators_15y"].to_numpy(float)), 1.5)
    m_ebike = 1.0 + 0.25 * np.log1p(np.nan_to_num(sites["ebike_capacity"].to_numpy(float)) / 20.0)
    m_under = np.where(sites["underground"].to_numpy(bool), 1.3, 1.0)
    m_chem = 1.0 + 0.3 * np.log1p(np.nan_to_num(sites["hazchem_t"].to_numpy(float)))
    return m_age * m_size * m_occ * m_elev * m_ebike * m_under * m_chem


def latent_risk(rng: np.random.Generator, sites: pd.DataFrame) -> pd.DataFrame:
    """Draw management quality and compute the hidden propensity of each site.

    Parameters
    ----------
    rng : numpy.random.Generator
    sites : DataFrame
        Needs ``site_id``, ``category`` and the attribute columns.

    Returns
    -------
    DataFrame
        ``site_id, propensity, management_quality`` (the ``truth`` table).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> sites = pd.DataFrame({"site_id": ["S1"], "category": ["群租"], "building_year": [1980.0],
    ...     "floor_area_m2": [70.0], "occupants": [9.0], "elevators_15y": [np.nan],
    ...     "ebike_capacity": [2.0], "underground": [False], "hazchem_t": [0.0]})
    >>> t = latent_risk(np.random.default_rng(0), sites)
    >>> list(t.columns), bool(t.loc[0, "propensity"] > 0)
    (['site_id', 'propensity', 'management_quality'], True)
    """
    mgmt = np.clip(np.exp(rng.normal(0.0, MGMT_SIGMA, len(sites))), 0.3, 3.5)
    base = sites["category"].map({c: p.base_rate for c, p in PROFILES.items()}).to_numpy(float)
    prop = base * attribute_multiplier(sites) / mgmt
    return pd.DataFrame(
        {
            "site_id": sites["site_id"].to_numpy(object),
            "propensity": np.round(prop, 5),
            "management_quality": np.round(mgmt, 5),
        }
    )
