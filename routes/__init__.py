"""Inspection-route planning: data model, solver, feasibility check, field outputs."""

from __future__ import annotations

from routes.model import REASONS, Problem, Route, Solution, Stop, Team, Visit

__all__ = ["REASONS", "Problem", "Route", "Solution", "Stop", "Team", "Visit"]
