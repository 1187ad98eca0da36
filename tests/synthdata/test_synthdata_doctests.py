"""The examples in the synthdata docstrings run and give the shown results."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "synthdata",
    "synthdata.naming",
    "synthdata.placement",
    "synthdata.profiles",
    "synthdata.sites",
    "synthdata.truth",
    "synthdata.assets",
    "synthdata.ledger",
    "synthdata.severity",
    "synthdata.workdays",
    "synthdata.committee",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
