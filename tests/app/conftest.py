"""Every app test reads the small session store (see tests/conftest.py); tests that write get
a private copy of it (``writable_store``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _use_small_store(small_store):
    return small_store


@pytest.fixture
def writable_store(small_store, tmp_path, monkeypatch):
    """A private copy of the small store (``SQLiteStore.backup``), served to the pages; yields
    the opened store."""
    from registry.store import SQLiteStore

    with SQLiteStore(small_store) as source:
        copy = source.backup(tmp_path / "writable.db")
    monkeypatch.setenv("ZHENRU_STORE", str(copy))
    store = SQLiteStore(copy)
    yield store
    store.close()
