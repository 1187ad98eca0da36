"""Risk scoring model of 真如安全风险地图.

Public API
----------
score_sites(sites, inspections, hazards, as_of, assets=None, config=None)
    Ranked table per site (score 0-100, rank, four-colour level, probabilities, statutory and
    ledger status, must-visit flags, reasons).
join_scores(sites, scores)
    The sites with those columns added, sorted by rank (what the pages show).
fit_site_models(sites, inspections, as_of, config=None)
    The fitted likelihood models behind a ``score_sites`` call.
backtest(sites, inspections, test_from, test_to=None, config=None)
    Chicago-style evaluation (AUC, AP, precision/recall at 10 %, days earlier).
RiskConfig
    Cut-points, LEC table, weights, model families.
risk.calendar
    Holidays 2023-2026, key nodes, seasons (editable data in ``risk/config``).
"""

from __future__ import annotations

from risk.backtest import backtest, days_earlier
from risk.config import RiskConfig
from risk.scoring import OUTPUT_COLUMNS, fit_site_models, join_scores, score_sites
from risk.tables import InputError

__all__ = [
    "OUTPUT_COLUMNS",
    "InputError",
    "RiskConfig",
    "backtest",
    "days_earlier",
    "fit_site_models",
    "join_scores",
    "score_sites",
]
