"""Ledger statistics (统计考核): statutory inspection coverage, hazard closure, trends.

Pure functions on the canonical ``sites`` / ``inspections`` / ``hazards`` tables
(docs/ARCHITECTURE.md), used by the 统计考核 page and by reports.
"""

from __future__ import annotations

from ledger.kpis import (
    COVERAGE_EXCLUDED_TYPES,
    coverage,
    coverage_by,
    coverage_summary,
    expected_to_date,
    hazard_state,
    hazard_summary,
    hazards_by,
    monthly_trend,
    overdue_hazards,
    rectification_rate,
)

__all__ = [
    "COVERAGE_EXCLUDED_TYPES",
    "coverage",
    "coverage_by",
    "coverage_summary",
    "expected_to_date",
    "hazard_state",
    "hazard_summary",
    "hazards_by",
    "monthly_trend",
    "overdue_hazards",
    "rectification_rate",
]
