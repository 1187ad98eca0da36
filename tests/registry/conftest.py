"""Small hand-built registry tables for the registry tests (no generator, fast)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.registry._tables import make_tables


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return make_tables()


@pytest.fixture
def store(tmp_path, tables):
    from registry.store import SQLiteStore

    s = SQLiteStore(tmp_path / "t.db")
    s.replace_all(tables, meta={"seed": 1})
    yield s
    s.close()
