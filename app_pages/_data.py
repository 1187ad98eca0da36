"""Shared data access of the app pages: the store, its tables, the 评估日期 and scored sites.

Every page reads the registry through these cached functions so a page switch costs nothing
once the tables are loaded. The store path is the env var ``ZHENRU_STORE`` when set (tests,
a user's own registry), else ``registry.store.default_store_path()``.

The 评估日期 (as-of date) is one sidebar widget rendered by ``app.py`` (:func:`as_of_input`);
pages read it with :func:`current_as_of`, which falls back to the last inspection date in the
ledger when the widget has not been rendered (a page run on its own).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

__all__ = [
    "ACCOUNT_KEY",
    "AS_OF_KEY",
    "NO_INSPECTIONS",
    "NO_SITES",
    "STORE_ENV",
    "StoreUnavailable",
    "as_of_input",
    "current_account",
    "current_as_of",
    "default_as_of",
    "get_store",
    "is_demo_store",
    "load_tables",
    "page_tables",
    "require_sites",
    "scored_sites",
    "store_path",
    "store_version",
]

#: Environment variable naming the store file.
STORE_ENV = "ZHENRU_STORE"
#: ``st.session_state`` key of the shared 评估日期.
AS_OF_KEY = "as_of"
#: ``st.session_state`` key of the signed-in :class:`registry.accounts.Account` (app_pages/_auth).
ACCOUNT_KEY = "account"

_TABLES = ("sites", "inspections", "hazards", "assets")

#: What a page says on a store without sites (a new registry before its first import).
NO_SITES = (
    "暂无单位：台账数据库中还没有监管单位。请先导入单位名册"
    "（`python -m registry import 文件`），或运行 `python -m registry build` 生成示例数据。"
)
#: What a page says on a store with sites but no inspection yet (a sites-only import).
NO_INSPECTIONS = "暂无检查记录：台账中还没有检查记录，所有单位均按未检查计算，隐患统计为 0。"


class StoreUnavailable(RuntimeError):
    """The registry store cannot be opened (message in Chinese, shown with ``st.error``)."""


def store_path() -> Path:
    """Path of the registry store: ``$ZHENRU_STORE`` or the default store path."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from registry.store import default_store_path

    return Path(default_store_path())


def store_version() -> tuple[str, float]:
    """Cache key of the store: (path, last change); 0.0 when the file does not exist yet.

    The last change is the newer mtime of the database file and its write-ahead log: the
    store writes in WAL mode, where a write changes only ``<file>-wal`` until SQLite
    checkpoints it into the file, so the file's own mtime would miss new ledger entries.
    """
    path = store_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return str(path), 0.0
    try:
        mtime = max(mtime, path.with_name(path.name + "-wal").stat().st_mtime)
    except FileNotFoundError:
        pass  # no log: every write is in the file itself
    return str(path), mtime


@st.cache_resource(show_spinner="正在打开台账数据库…")
def _open_store(path: str):
    from registry import store as store_mod

    p = Path(path)
    if p.resolve() == Path(store_mod.default_store_path()).resolve():
        # The sample: built from the deterministic generator on first start; one built
        # before accounts existed gets its demo accounts.
        try:
            return store_mod.default_store()
        except (OSError, ValueError, SQLAlchemyError) as err:
            raise StoreUnavailable(f"无法打开台账数据库 {path}：{err}") from err
    if not p.exists():
        raise StoreUnavailable(
            f"找不到台账数据库文件：{path}。请检查环境变量 {STORE_ENV}，"
            "或运行 `python -m registry build --path <文件>` 生成示例数据。"
        )
    try:
        return store_mod.SQLiteStore(p)
    except (OSError, ValueError, SQLAlchemyError) as err:
        raise StoreUnavailable(f"无法打开台账数据库 {path}：{err}") from err


def get_store():
    """The opened registry store (cached per path; built from the sample generator if missing).

    Raises
    ------
    StoreUnavailable
        With a Chinese message when the file is missing (non-default path) or unreadable.
    """
    return _open_store(str(store_path()))


@st.cache_data(show_spinner="正在读取台账…", max_entries=4)
def _load_tables(path: str, mtime: float) -> dict[str, pd.DataFrame]:
    store = _open_store(path)
    try:
        return {name: getattr(store, name)() for name in _TABLES}
    except (OSError, ValueError, SQLAlchemyError) as err:
        raise StoreUnavailable(f"读取台账数据库 {path} 失败：{err}") from err


@st.cache_data(show_spinner=False, max_entries=4)
def _is_demo(path: str, mtime: float) -> bool:
    store = _open_store(path)
    return store.meta().get("source") == "synthdata" or bool(store.accounts()["demo"].any())


def is_demo_store() -> bool:
    """Whether the store holds demo data (the sample, or a store with the demo accounts):
    every page then says 演示数据. Read once per store version, not on every rerun."""
    return _is_demo(*store_version())


def current_account():
    """The signed-in :class:`registry.accounts.Account` of this session.

    Raises
    ------
    StoreUnavailable
        Nobody is signed in (a page run outside ``app.py``, which signs users in): no data
        is read without an account.
    """
    account = st.session_state.get(ACCOUNT_KEY)
    if account is None:
        raise StoreUnavailable("请先登录（未登录时不显示任何台账数据）")
    return account


def load_tables() -> dict[str, pd.DataFrame]:
    """Tables of the store as the signed-in account may see them: ``sites`` (GeoDataFrame),
    ``inspections``, ``hazards``, ``assets``.

    A 居委 account (or an inspector held to its 居委) sees its own units only, and roles
    without the need see personal fields masked (:func:`registry.accounts.scope_tables`).
    Cached on (path, file mtime), so editing the store invalidates the cache.
    Callers must not mutate the returned frames (copy first).

    Raises
    ------
    StoreUnavailable
        The store cannot be opened, or nobody is signed in.
    """
    from registry.accounts import scope_tables

    account = current_account()
    path, mtime = store_version()
    if mtime == 0.0:
        get_store()  # builds the default store or raises StoreUnavailable
        path, mtime = store_version()
    return scope_tables(_load_tables(path, mtime), account)


@st.cache_data(show_spinner=False, max_entries=4)
def _default_as_of(path: str, mtime: float) -> dt.date:
    insp = _load_tables(path, mtime)["inspections"]
    if insp.empty:
        return dt.date.today()
    return pd.to_datetime(insp["date"]).max().date()


def default_as_of() -> dt.date:
    """Last inspection date in the ledger (today when the ledger is empty)."""
    load_tables()
    return _default_as_of(*store_version())


def current_as_of() -> dt.date:
    """The 评估日期 chosen in the sidebar (``st.session_state["as_of"]``), else the default."""
    value = st.session_state.get(AS_OF_KEY)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return default_as_of()


def as_of_input() -> dt.date:
    """Render the sidebar date input “评估日期” (once per run, from ``app.py``) and return it."""
    default = default_as_of()
    if not isinstance(st.session_state.get(AS_OF_KEY), dt.date):
        st.session_state[AS_OF_KEY] = default
    value = st.sidebar.date_input(
        "评估日期",
        key=AS_OF_KEY,
        min_value=dt.date(2020, 1, 1),
        max_value=default + dt.timedelta(days=366),
        format="YYYY-MM-DD",
        help=f"风险评分、逾期和应检日期都按这一天计算。默认为台账中最后一次检查的日期（{default}）。",
    )
    return value if isinstance(value, dt.date) else default


@st.cache_data(show_spinner="正在计算风险评分…", max_entries=8)
def _scored_sites(path: str, mtime: float, as_of: dt.date) -> pd.DataFrame:
    from risk import join_scores, model_cache, score_sites

    tables = _load_tables(path, mtime)
    sites = tables["sites"]
    # Fitted models persist beside the store and are refitted once a month: a restarted app
    # (and one warmed by `make run`) scores in about a second, and so does the first page
    # after a recorded inspection (its scores change at once, the models do not).
    scores = score_sites(
        sites, tables["inspections"], tables["hazards"], as_of, assets=tables["assets"],
        config=model_cache.store_config(path),
    )
    return join_scores(sites, scores)


def require_sites(tables: dict[str, pd.DataFrame]) -> None:
    """Show :data:`NO_SITES` and stop the page when the store has no sites yet.

    Parameters
    ----------
    tables : dict
        The tables of :func:`load_tables`.
    """
    if tables["sites"].empty:
        st.info(NO_SITES)
        st.stop()


def page_tables() -> dict[str, pd.DataFrame]:
    """:func:`load_tables` for a page: on an unreadable store the Chinese error, on a store
    without sites :data:`NO_SITES`, and the page stops there."""
    try:
        tables = load_tables()
    except StoreUnavailable as err:
        st.error(str(err))
        st.stop()
    require_sites(tables)
    return tables


def scored_sites(as_of: dt.date | None = None) -> pd.DataFrame:
    """Sites (GeoDataFrame) joined with ``risk.score_sites`` output, sorted by rank.

    Parameters
    ----------
    as_of : date, optional
        Scoring date; defaults to :func:`current_as_of`.
    """
    from registry.accounts import scope_tables

    load_tables()
    scored = _scored_sites(*store_version(), as_of or current_as_of())
    return scope_tables({"sites": scored}, current_account())["sites"]
