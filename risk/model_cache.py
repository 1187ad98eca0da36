"""On-disk cache of fitted site models, so a restarted app scores at once.

The in-process cache in :mod:`risk.scoring` makes repeated calls fast; this module keeps the
fitted models between processes (the app after a restart, ``python -m risk score`` run by
``make run`` to warm the app). Entries are keyed on a fingerprint of the training data, the
as-of date and the settings, plus the scikit-learn version and :data:`FORMAT`, so a changed
ledger, a changed setting or an upgraded library never reuses a stale model. Only files this
library wrote itself are read (pickle): point the cache at a directory you control.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import sklearn

__all__ = ["FORMAT", "beside", "load", "save", "store_config"]

#: Bump when the pickled structure of ``SiteModels`` or the features its models read change
#: (2: rectification features from the 隐患台账).
FORMAT = "site-models-2"

_READ_ERRORS = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError,
                ValueError)


def _path(directory: Path, key: str) -> Path:
    return Path(directory) / f"{key}-{FORMAT}-sklearn{sklearn.__version__}.pkl"


def beside(store_path: Path | str) -> Path:
    """The model-cache directory that belongs to a store file (``zhenru.db`` → ``zhenru.models``).

    Examples
    --------
    >>> beside("data/generated/zhenru.db").as_posix()
    'data/generated/zhenru.models'
    """
    store_path = Path(store_path)
    return store_path.with_name(store_path.stem + ".models")


def store_config(store_path: Path | str) -> dict[str, Any]:
    """The scoring settings for a store: models kept beside it and refitted once a month.

    The app and ``python -m risk score --store`` use the same settings, so one warms the
    other; with ``refit="month"`` a recorded inspection changes the scores at once (history,
    open hazards, due dates) without refitting the models (see ``RiskConfig.refit``).

    Examples
    --------
    >>> cfg = store_config("data/generated/zhenru.db")
    >>> cfg["refit"], cfg["model_cache_dir"].name
    ('month', 'zhenru.models')
    """
    return {"model_cache_dir": beside(store_path), "refit": "month"}


def load(directory: Path | str | None, key: str) -> Any | None:
    """The models cached under ``key`` in ``directory``, or None (missing, unreadable, stale).

    Examples
    --------
    >>> load(None, "abc") is None
    True
    """
    if directory is None:
        return None
    path = _path(Path(directory), key)
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except _READ_ERRORS:
        return None  # a corrupt or foreign file: refit and overwrite


def save(directory: Path | str | None, key: str, models: Any) -> Path | None:
    """Write ``models`` under ``key`` atomically (temp file + rename); None when disabled.

    A failure to write (read-only directory, full disk) is not an error for scoring: the
    models stay in memory and the function returns None.
    """
    if directory is None:
        return None
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(models, fh, protocol=pickle.HIGHEST_PROTOCOL)
        target = _path(directory, key)
        os.replace(tmp, target)
        return target
    except OSError:
        return None
