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


#: The account every AppTest is signed in as unless it says otherwise (``app.py`` signs users
#: in; a page file run on its own reads no data without an account).
OFFICE = ("pingan", "演示平安办", "平安办")


@pytest.fixture(autouse=True)
def _signed_in(monkeypatch):
    """Every ``AppTest.from_file`` starts signed in as :data:`OFFICE` (tests of sign-in and
    of other roles set ``at.session_state["account"]`` themselves)."""
    from streamlit.testing.v1 import AppTest

    from registry.accounts import Account

    original = AppTest.from_file.__func__

    def from_file(cls, *args, **kwargs):
        at = original(cls, *args, **kwargs)
        at.session_state["account"] = Account(*OFFICE)
        return at

    monkeypatch.setattr(AppTest, "from_file", classmethod(from_file))
