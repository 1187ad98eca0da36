"""The examples in the routes docstrings run and give the shown results."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "routes.model",
    "routes.solver",
    "routes._schedule",
    "routes._tsp",
    "routes.instances",
    "routes.planning",
    "routes.travel",
    "routes.navlinks",
    "routes.gpx",
    "routes.export",
    "routes.explain",
    "routes.feasibility",
    "routes.holiday",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
