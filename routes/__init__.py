"""Inspection-route planning: data model, solver, feasibility check, field outputs."""

from __future__ import annotations

from routes.model import REASONS, Problem, Route, Solution, Stop, Team, Visit

__all__ = ["REASONS", "Problem", "Route", "Solution", "Stop", "Team", "Visit"]

# Day planning and field outputs, imported on first use (PEP 562) so that the solver stays
# light: `routes.plan_routes`, `routes.TeamSpec`, ... come from routes.planning / routes.travel.
_LAZY = {
    "PlanningError": "routes.planning",
    "RoutePlan": "routes.planning",
    "TeamRoute": "routes.planning",
    "TeamSpec": "routes.planning",
    "plan_days": "routes.planning",
    "plan_routes": "routes.planning",
    "MatrixProvider": "routes.travel",
    "StraightLineProvider": "routes.travel",
    "StreetGraphProvider": "routes.travel",
    "TravelError": "routes.travel",
}
__all__ += sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'routes' has no attribute {name!r}")


# Solver and feasibility check (light: numpy only).
from routes.feasibility import check  # noqa: E402
from routes.solver import solve  # noqa: E402

__all__ += ["check", "solve"]
