"""Period plans (a week, a month, the rest of the year) that meet the statutory frequency.

Modules, one concept each:

* :mod:`routes.period.calendar` — the teams' working days and capacity (team-days);
* :mod:`routes.period.needs` — the visits owed in the period (法定 by due date, 复查);
* :mod:`routes.period.assign` — the assignment of visits to team-days (min-cost flow);
* :mod:`routes.period.report` — the shortfall report and capacity against need;
* :mod:`routes.period.plan` — :func:`plan_period`, :class:`PeriodPlan` (sequence, day routes),
  :func:`replan_period`.

Command line: ``python -m routes plan-period --store S --from D --days N --teams teams.csv
--out plan.csv``.
"""

from __future__ import annotations

from routes.period.assign import Weights, assign_visits
from routes.period.calendar import PeriodTeam, estimate_capacity, read_teams, team_days
from routes.period.needs import visit_needs
from routes.period.plan import PeriodPlan, plan_period, replan_period
from routes.period.report import Shortfall, capacity_vs_need, shortfall

__all__ = [
    "PeriodPlan",
    "PeriodTeam",
    "Shortfall",
    "Weights",
    "assign_visits",
    "capacity_vs_need",
    "estimate_capacity",
    "plan_period",
    "read_teams",
    "replan_period",
    "shortfall",
    "team_days",
    "visit_needs",
]
