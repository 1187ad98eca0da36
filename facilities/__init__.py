"""Protective facilities (issue 18): coverage of 微型消防站, siting of new facilities, and the
charging-port demand per 居委.

* :mod:`facilities.coverage` — which units each facility reaches within the response time the
  office sets (default: a 3-minute e-bike run, straight line × circuity), weighted by the
  unit's standing risk ``D`` and by people in 养老/学校/高层/群租/人员密集; uncovered 重大/较大
  units; the reach areas for the map.
* :mod:`facilities.siting` — a maximal-covering location model (MCLP, solved with HiGHS through
  ``scipy.optimize.milp``) proposing where the next stations, smart garages or charging ports go,
  with pinned existing/planned sites, the gain of each proposal, and a greedy baseline.
* :mod:`facilities.charging` — e-bike charging demand per unit and per 居委 (residents, 群租,
  快递外卖点, e-bike hazards in the ledger) against installed ports, and the split of the
  subdistrict's port target (1.8万) into a proposal by 居委.

Pure functions on (Geo)DataFrames: the 设施覆盖 page, the notebook and the benchmark share them.
"""

from __future__ import annotations
