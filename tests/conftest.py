"""Session-wide fixtures: a small deterministic store every app test reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SMALL_SEED = 7
SMALL_N_SITES = 600


def _build_small_store(path: Path) -> None:
    from registry.accounts import add_demo_accounts
    from registry.store import SQLiteStore
    from synthdata import generate

    tables = generate(seed=SMALL_SEED, n_sites=SMALL_N_SITES)
    with SQLiteStore(path) as store:  # closed: the write-ahead log is folded into the file
        store.replace_all({k: v for k, v in tables.items() if k != "truth"})
        add_demo_accounts(store)  # as the sample store: one demo account per role


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a small sample store; also exported as ``ZHENRU_STORE`` for the app."""
    path = tmp_path_factory.mktemp("store") / "small.db"
    _build_small_store(path)
    previous = os.environ.get("ZHENRU_STORE")
    os.environ["ZHENRU_STORE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("ZHENRU_STORE", None)
    else:
        os.environ["ZHENRU_STORE"] = previous
