"""When a hazard found by the sample's inspectors is 重大 (the grading rule of the generator).

A defect is 重大 only in its serious form: 安监总局令第16号 第三条 calls 重大 a hazard that is
hard to fix and needs a full or partial 停产停业 and time to remove (or that the unit cannot
remove itself); GB 35181-2025 总则 4.5 (and GB 35181-2017 alike) says a defect that can be
fixed on the spot is not a 重大火灾隐患; 应急管理部令第10号 lists 64 closed items for 工贸企业.
重大 is a collective decision (≥ 3 people) after a check against those lists. Most defects an
inspector records are therefore 一般, and 重大 stays rare.

The rule here:

* only templates that :mod:`registry.sectors` marks ``can_be_major`` can be 重大 (defects fixed
  on the spot, or not a 重大 item by themselves, are not marked there, with the reason);
* such a defect is found in its serious form with probability
  ``min(MAX_P, major_share × SERIOUS_FORM_SCALE / √m × (RECUR if the last fix failed))``, where
  ``major_share`` is the sector's :attr:`synthdata.profiles.Profile.major_share` and ``m`` the
  unit's hidden management quality.

With the default sample about 2–3 % of hazards are 重大 (docs/SAMPLE_DATA.md §3).

Examples
--------
>>> from registry.sectors import SECTORS
>>> exit_locked = next(h for h in SECTORS["医疗机构"].hazards if h.part == "安全出口")
>>> can_be_major(exit_locked), major_probability(exit_locked, 0.1, 1.0, False)
(False, 0.0)
>>> scaffold = SECTORS["建筑施工"].hazards[0]
>>> round(major_probability(scaffold, 0.16, 1.0, False), 3)
0.16
"""

from __future__ import annotations

from registry.sectors import HazardTemplate

#: Scale of the sector's ``major_share`` for an eligible defect (calibration, see docs).
SERIOUS_FORM_SCALE = 1.0
#: Factor when the unit's previous hazard was not properly fixed (recurrence).
RECUR = 1.5
#: Upper bound of the probability.
MAX_P = 0.5


def can_be_major(template: HazardTemplate) -> bool:
    """Whether a defect of this template can be graded 重大 at all.

    Examples
    --------
    >>> from registry.sectors import SECTORS
    >>> [can_be_major(h) for h in SECTORS["群租"].hazards][:2]
    [False, False]
    """
    return bool(template.can_be_major)


def major_probability(
    template: HazardTemplate, major_share: float, mgmt: float, recur: bool
) -> float:
    """Probability that a found defect of ``template`` is in its serious (重大) form.

    Parameters
    ----------
    template : HazardTemplate
        The defect found.
    major_share : float
        The sector's ``Profile.major_share``.
    mgmt : float
        Hidden management quality of the unit (1 = average, higher = better).
    recur : bool
        The unit's most recent hazard was not properly fixed.

    Examples
    --------
    >>> from registry.sectors import SECTORS
    >>> t = SECTORS["危化品"].hazards[0]
    >>> major_probability(t, 0.2, 0.25, True) == MAX_P
    True
    """
    if not can_be_major(template):
        return 0.0
    p = major_share * SERIOUS_FORM_SCALE / mgmt**0.5 * (RECUR if recur else 1.0)
    return float(min(p, MAX_P))
