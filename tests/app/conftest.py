"""Every app test reads the small session store (see tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _use_small_store(small_store):
    return small_store
