"""The embedded registry store: a SQLite file behind the :class:`Store` protocol.

Reads return the canonical tables of docs/ARCHITECTURE.md with proper dtypes (``sites`` and
``assets`` as GeoDataFrames in EPSG:4326, dates as ``datetime64[ns]``, flags as ``bool``).
Every write validates first (:mod:`registry.validate`, Chinese messages) and runs in one
transaction with foreign keys ON, so a failing write — bad foreign key, duplicate id, invalid
level, forbidden status change — leaves the database unchanged.

The default store is ``<repo>/data/generated/zhenru.db``; :func:`default_store` builds it from
the deterministic sample generator (``synthdata.generate``) when it is missing, writing to a
temporary file first and renaming it into place, so a crash never leaves a half-built store.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> tmp = pathlib.Path(tempfile.mkdtemp()) / "demo.db"
>>> store = SQLiteStore(tmp)
>>> store.add_sites(pd.DataFrame({"name": ["真如某仓库"], "lon": [121.39], "lat": [31.255],
...     "category": ["厂房仓库"]}))
['S000001']
>>> iid, hids = store.add_inspection(
...     {"site_id": "S000001", "date": "2024-06-03", "type": "日常", "team": "平安办一组"},
...     [{"level": "一般", "hazard_type": "消防", "part": "疏散通道",
...       "description": "疏散通道堆放杂物", "responsible_unit": "真如某仓库",
...       "measures": "清理杂物", "deadline": "2024-06-10"}])
>>> iid, hids
('I0000001', ['YH-2024-06-0001'])
>>> store.update_hazard("YH-2024-06-0001", status="已销号")
Traceback (most recent call last):
...
registry.validate.RegistryValidationError: 台账数据校验失败（1 个问题）:
隐患 YH-2024-06-0001: 状态不能从“待整改”直接变为“已销号”（可变为: 待复查、整改中）
>>> store.hazards().loc[0, "status"]
'待整改'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.schema import CreateColumn

from registry import accounts, attachments, audit, enums
from registry import targets as targets_rules
from registry.attachments import ATTACHMENTS
from registry.audit import AUDIT
from registry.schema import SCHEMA_VERSION, TABLE_ORDER, TABLES, coerce, sql_tables, to_records
from registry.validate import (
    RegistryValidationError,
    complete_sites,
    flag_outside_boundary,
    validate_hazards,
    validate_inspections,
    validate_sites,
    validate_tables,
)

__all__ = [
    "DEFAULT_N_SITES",
    "DEFAULT_SEED",
    "ConcurrentEditError",
    "SQLiteStore",
    "Store",
    "StoreBusyError",
    "StoreSchemaError",
    "build_store",
    "clean_orphans",
    "default_store",
    "default_store_path",
    "truth_path",
]

#: Seed and size of the embedded sample (``python -m registry build`` defaults).
DEFAULT_SEED = 20261129
DEFAULT_N_SITES = 3000

_REPO = Path(__file__).resolve().parents[1]

#: Fields of a unit that :meth:`SQLiteStore.update_site` may change.
EDITABLE_SITE_FIELDS: frozenset[str] = frozenset(
    c.name for c in TABLES["sites"] if c.name not in ("site_id", "source")
)

#: Fields of a hazard that :meth:`SQLiteStore.update_hazard` may change.
EDITABLE_HAZARD_FIELDS: frozenset[str] = frozenset(
    {
        "level", "hazard_type", "part", "description", "responsible_unit",
        "responsible_person", "measures", "deadline", "status", "supervised",
        "rectified_date", "reinspection_date", "reinspection_result", "closed_date",
        "major_basis", "determined_by", "suspension", "plan", "reported_to", "reported_date",
        "supervised_by", "supervised_since", "joint_departments",
    }
)  # fmt: skip


_T = TypeVar("_T")


class StoreSchemaError(ValueError):
    """The database file was written by another schema version (rebuild it)."""


class StoreBusyError(RuntimeError):
    """Another writer kept the store locked for too long; nothing was saved (Chinese message)."""

    def __init__(self, seconds: float):
        super().__init__(
            f"台账数据库正忙（其他用户正在保存），等待 {seconds:g} 秒后仍无法写入；"
            "本次操作没有保存任何内容，请稍后重试。"
        )


class ConcurrentEditError(RegistryValidationError):
    """The record was changed by another user after it was read; nothing was overwritten."""

    def __init__(self, label: str, fields: Iterable[str]):
        names = "、".join(fields)
        super().__init__([f"{label} 已被他人修改（{names}），本次修改未保存；请刷新后重新操作。"])

    def __str__(self) -> str:
        return self.errors[0]


@runtime_checkable
class Store(Protocol):
    """What the app, the notebooks and the CLIs need from a registry store."""

    def sites(self) -> gpd.GeoDataFrame: ...
    def inspections(self) -> pd.DataFrame: ...
    def hazards(self) -> pd.DataFrame: ...
    def assets(self) -> gpd.GeoDataFrame: ...
    def meta(self) -> dict[str, str]: ...
    def replace_all(
        self, tables: Mapping[str, pd.DataFrame], meta: Mapping[str, object] | None = None
    ) -> None: ...
    def add_sites(self, df: pd.DataFrame) -> list[str]: ...
    def add_inspection(
        self, inspection: Mapping[str, Any], hazards: Iterable[Mapping[str, Any]] = ()
    ) -> tuple[str, list[str]]: ...
    def update_hazard(self, hazard_id: str, **fields: Any) -> dict[str, Any]: ...


def _typed(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Canonical read dtypes (values come from the database, already valid)."""
    out: dict[str, pd.Series] = {}
    for col in TABLES[table]:
        v = df[col.name]
        if col.kind == "str":
            out[col.name] = v.astype("str")
        elif col.kind == "float":
            out[col.name] = pd.to_numeric(v, errors="raise").astype("float64")
        elif col.kind == "int":
            out[col.name] = pd.to_numeric(v, errors="raise").astype("int64")
        elif col.kind == "bool":
            out[col.name] = v.astype(bool)
        else:  # date, stored as ISO text 'YYYY-MM-DD'
            out[col.name] = pd.to_datetime(v, format="ISO8601").astype("datetime64[ns]")
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def _geo(df: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
    )


def _frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([dict(r) for r in rows])


class SQLiteStore:
    """Registry store in one SQLite file (created with the schema if missing).

    Parameters
    ----------
    path : str or Path
        Database file. Parent directories are created.

    Raises
    ------
    StoreSchemaError
        If the file holds a store of another schema version.
    sqlalchemy.exc.DatabaseError
        If the file is not a SQLite database.
    """

    #: How long a write keeps trying while other writers hold the lock (seconds).
    busy_seconds: float = 30.0

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        clean_orphans(self.path)
        self._engine = sa.create_engine(
            sa.engine.URL.create("sqlite", database=str(self.path)),
            connect_args={"check_same_thread": False},
        )
        sa.event.listen(self._engine, "connect", _on_connect)
        sa.event.listen(self._engine, "begin", _on_begin)
        self._sql = sql_tables()
        try:
            self._open()
        except (sa.exc.SQLAlchemyError, StoreSchemaError):
            self._engine.dispose()
            raise

    # -- lifecycle -----------------------------------------------------------------------
    def _open(self) -> None:
        """Check the schema version; add missing tables and columns (the only writes on open)."""
        meta = self._sql["meta"]
        with self._engine.connect() as conn:
            existing = set(sa.inspect(conn).get_table_names())
            version = None
            if "meta" in existing:
                version = conn.execute(
                    sa.select(meta.c.value).where(meta.c.key == "schema_version")
                ).scalar()
            missing = self._missing_columns(conn, existing)
        if version is not None and version != SCHEMA_VERSION:
            raise StoreSchemaError(
                f"台账数据库 {self.path} 的结构版本为 {version}，程序需要 {SCHEMA_VERSION}；"
                "请用 `python -m registry build` 重新生成或重新导入。"
            )
        # Additive changes within schema version 1 (the audit and attachments tables, the
        # 重大-hazard columns): a store without them gets them added, in place; nothing else
        # is touched and no row changes.
        tables_ok = set(meta.metadata.tables) <= existing  # every table any module defines
        if tables_ok and not missing and version is not None:
            return  # read-only files open fine
        with self._write() as conn:
            for ddl in self._missing_columns(conn, existing):
                conn.exec_driver_sql(ddl)
            meta.metadata.create_all(conn)
            for ddl in audit.append_only_ddl():
                conn.exec_driver_sql(ddl)
            if version is None:
                self._set_meta(conn, {"schema_version": SCHEMA_VERSION})

    def _missing_columns(self, conn: sa.Connection, existing: set[str]) -> list[str]:
        """``ALTER TABLE … ADD COLUMN`` statements for canonical columns a store lacks."""
        ddl = []
        for name in TABLE_ORDER:
            if name not in existing:
                continue  # created whole by create_all
            have = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({name})")}
            for spec in TABLES[name]:
                if spec.name in have:
                    continue
                column = CreateColumn(self._sql[name].c[spec.name]).compile(dialect=conn.dialect)
                default = ""
                if not spec.nullable:  # SQLite adds a NOT NULL column only with a default
                    value = spec.default
                    literal = int(bool(value)) if spec.kind == "bool" else repr(str(value or ""))
                    default = f" DEFAULT {literal}"
                ddl.append(f"ALTER TABLE {name} ADD COLUMN {column}{default}")
        return ddl

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction (BEGIN IMMEDIATE); IntegrityError → RegistryValidationError."""
        with self._engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            except sa.exc.IntegrityError as err:
                raise RegistryValidationError([f"数据库约束检查失败: {err.orig}"]) from err
            finally:
                conn.info.pop("immediate", None)

    def _transact(self, body: Callable[[sa.Connection], _T]) -> _T:
        """Run ``body`` in one write transaction, retrying while another writer holds the lock.

        ``body`` must only do quick work (id look-ups, inserts): validation happens before,
        so the lock is held for milliseconds. SQLite waits up to its busy timeout for the
        lock; on top of that a locked attempt is retried with jittered back-off until
        :attr:`busy_seconds` have passed, and then :class:`StoreBusyError` says in Chinese
        that nothing was saved (the transaction was rolled back).
        """
        deadline = time.monotonic() + self.busy_seconds
        pause = 0.01
        while True:
            try:
                with self._write() as conn:
                    return body(conn)
            except sa.exc.OperationalError as err:
                if not _is_busy(err):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusyError(self.busy_seconds) from err
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.25)

    def _done_request(self, conn: sa.Connection, request_id: str | None, action: str) -> Any:
        """The recorded result of a write already made with this ``request_id`` (else None)."""
        if not request_id:
            return None
        a = AUDIT.c
        found = conn.execute(
            sa.select(a.after).where(a.request_id == request_id, a.action == action).limit(1)
        ).scalar()
        return None if found is None else json.loads(found)

    # -- reads ---------------------------------------------------------------------------
    def _read(self, table: str) -> pd.DataFrame:
        t = self._sql[table]
        names = [c.name for c in TABLES[table]]
        # Dates are read as their ISO text and parsed column-wise (much faster than per row).
        cols = [
            sa.type_coerce(t.c[c.name], sa.Text).label(c.name) if c.kind == "date" else t.c[c.name]
            for c in TABLES[table]
        ]
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(*cols).order_by(*t.primary_key.columns)).all()
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        data = {n: list(v) for n, v in zip(names, columns, strict=True)}
        return _typed(table, pd.DataFrame(data, columns=names))

    def sites(self) -> gpd.GeoDataFrame:
        """Sites (GeoDataFrame, point geometry from lon/lat, EPSG:4326), ordered by site_id."""
        return _geo(self._read("sites"))

    def inspections(self) -> pd.DataFrame:
        """Inspections, ordered by inspection_id; ``date`` is ``datetime64[ns]``."""
        return self._read("inspections")

    def hazards(self) -> pd.DataFrame:
        """Hazards (隐患台账), ordered by hazard_id; dates ``datetime64[ns]`` (NaT = not yet)."""
        return self._read("hazards")

    def assets(self) -> gpd.GeoDataFrame:
        """Protective assets (GeoDataFrame, EPSG:4326), ordered by asset_id."""
        return _geo(self._read("assets"))

    def tables(self) -> dict[str, pd.DataFrame]:
        """All four tables by name."""
        return {name: getattr(self, name)() for name in TABLE_ORDER}

    def meta(self) -> dict[str, str]:
        """Store metadata: ``schema_version``, and when built ``seed``, ``n_sites``,
        ``generated_at``, ``source``; ``modified_at`` after edits."""
        m = self._sql["meta"]
        with self._engine.connect() as conn:
            return dict(conn.execute(sa.select(m.c.key, m.c.value)).all())

    def counts(self) -> dict[str, int]:
        """Row count of each table."""
        with self._engine.connect() as conn:
            return {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(self._sql[name]))
                          .scalar_one())
                for name in TABLE_ORDER
            }

    # -- writes --------------------------------------------------------------------------
    # Every write: validate before taking the lock, then one short transaction that
    # allocates ids, re-checks what another writer may have changed meanwhile, writes the
    # rows and appends the audit record. ``user`` is who made the change (recorded as
    # registry.audit.SYSTEM_USER when None); ``request_id`` makes a repeated submission
    # return the first result instead of writing twice.
    def _set_meta(self, conn: sa.Connection, values: Mapping[str, object]) -> None:
        m = self._sql["meta"]
        for key, value in values.items():
            conn.execute(m.delete().where(m.c.key == key))
            conn.execute(m.insert().values(key=str(key), value=None if value is None else str(value)))

    def _touch(self, conn: sa.Connection) -> None:
        self._set_meta(conn, {"modified_at": dt.datetime.now().isoformat(timespec="seconds")})

    def replace_all(
        self,
        tables: Mapping[str, pd.DataFrame],
        meta: Mapping[str, object] | None = None,
        *,
        user: str | None = None,
    ) -> None:
        """Replace the whole registry in one transaction (validated first).

        The audit trail is kept: the replacement is one more audit record (with the row
        counts before and after).

        Parameters
        ----------
        tables : mapping
            ``sites`` (required), ``inspections``, ``hazards``, ``assets`` (absent = empty).
            ``truth`` is refused: it never goes into the store.
        meta : mapping, optional
            Extra metadata (e.g. ``seed``, ``source``); ``generated_at`` defaults to now.
        user : str, optional
            Who replaces the registry.

        Raises
        ------
        RegistryValidationError
            Nothing is written.
        StoreBusyError
            Another writer kept the store locked; nothing is written.
        """
        validate_tables(tables)
        frames: dict[str, pd.DataFrame] = {}
        for name in TABLE_ORDER:
            df = tables.get(name)
            if df is None:
                df = pd.DataFrame(columns=[c.name for c in TABLES[name]])
            frames[name] = coerce(name, df)[0]
        frames["sites"]["outside_boundary"] = flag_outside_boundary(frames["sites"]).to_numpy()
        records = {name: to_records(name, frames[name]) for name in TABLE_ORDER}
        info: dict[str, object] = {
            "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
            "source": "replace_all",
            **(meta or {}),
            "schema_version": SCHEMA_VERSION,
            "n_sites": len(frames["sites"]),
        }

        def body(conn: sa.Connection) -> None:
            self._authorize(conn, user, "import")
            before = self._counts(conn)
            for name in reversed(TABLE_ORDER):
                conn.execute(self._sql[name].delete())
            for name in TABLE_ORDER:
                if records[name]:
                    conn.execute(self._sql[name].insert(), records[name])
            conn.execute(self._sql["meta"].delete().where(self._sql["meta"].c.key == "modified_at"))
            self._set_meta(conn, info)
            after = {name: len(records[name]) for name in TABLE_ORDER}
            conn.execute(AUDIT.insert(), [
                audit.record("replace_all", "registry", None, user=user, before=before,
                             after={**after, "source": str(info.get("source"))})
            ])  # fmt: skip

        self._transact(body)

    def _counts(self, conn: sa.Connection) -> dict[str, int]:
        return {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(self._sql[name])).scalar_one())
            for name in TABLE_ORDER
        }

    def _next_ids(
        self, conn: sa.Connection, table: str, column: str, prefix: str, width: int, n: int
    ) -> list[str]:
        """``n`` fresh ids ``<prefix><number>`` after the largest number in use.

        Two index-range queries, not a scan of every id in Python, since this runs while the
        write lock is held: the longest id length under the prefix, then the greatest ids of
        that length (walking the primary-key index backwards).
        """
        col = self._sql[table].c[column]
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        in_range = sa.and_(col >= prefix, col < upper)
        pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
        longest = conn.execute(sa.select(sa.func.max(sa.func.length(col))).where(in_range)).scalar()
        numbers: list[int] = []
        if longest:
            tops = conn.execute(
                sa.select(col)
                .where(in_range, sa.func.length(col) == longest)
                .order_by(col.desc())
                .limit(64)
            ).scalars()
            numbers = [int(m.group(1)) for v in tops if (m := pattern.match(v))]
            if not numbers:  # the longest ids are not numbered ones: look at every id
                every = conn.execute(sa.select(col).where(in_range)).scalars()
                numbers = [int(m.group(1)) for v in every if (m := pattern.match(v))]
        start = max(numbers, default=0) + 1
        return [f"{prefix}{i:0{width}d}" for i in range(start, start + n)]

    def add_sites(
        self, df: pd.DataFrame, *, user: str | None = None, request_id: str | None = None
    ) -> list[str]:
        """Add new sites (all or none) and return their ``site_id``.

        Derivable columns are filled by :func:`registry.validate.complete_sites` (department,
        required_per_year, outside_boundary, committee, …); empty ``site_id`` cells get the
        next ``S000001``-style ids.

        Raises
        ------
        RegistryValidationError
            Invalid rows, or a ``site_id`` that already exists; nothing is written.
        StoreBusyError
            Another writer kept the store locked; nothing is written.
        """
        new = complete_sites(df)
        ids = new["site_id"].astype(object) if "site_id" in new.columns else None
        blank = (
            pd.Series(True, index=new.index)
            if ids is None
            else ids.isna() | ids.astype(str).str.strip().eq("")
        )
        new["site_id"] = ids if ids is not None else pd.Series(None, index=new.index, dtype=object)
        # Placeholders so the rows validate before the lock; real ids are allocated inside it.
        new.loc[blank, "site_id"] = [f"新{i}" for i in range(int(blank.sum()))]
        errors = validate_sites(new)
        if errors:
            raise RegistryValidationError(errors)
        prepared = to_records("sites", coerce("sites", new)[0])
        fill = [i for i, b in enumerate(blank.tolist()) if b]

        def body(conn: sa.Connection) -> list[str]:
            self._authorize(conn, user, "site")
            done = self._done_request(conn, request_id, "add_sites")
            if done is not None:
                return list(done["site_ids"])
            rows = [dict(r) for r in prepared]
            fresh = self._next_ids(conn, "sites", "site_id", "S", 6, len(fill)) if fill else []
            for i, sid in zip(fill, fresh, strict=True):
                rows[i]["site_id"] = sid
            wanted = [str(r["site_id"]) for r in rows]
            col = self._sql["sites"].c.site_id
            taken = set(conn.execute(sa.select(col).where(col.in_(wanted))).scalars().all())
            if taken:
                raise RegistryValidationError([
                    f"第{i + 1}行: 单位编号（site_id）已存在（{sid}）"
                    for i, sid in enumerate(wanted) if sid in taken
                ])  # fmt: skip
            conn.execute(self._sql["sites"].insert(), rows)
            conn.execute(AUDIT.insert(), [
                audit.record("add_sites", "sites", r["site_id"], user=user, after=r)
                for r in rows
            ] + [
                audit.record("add_sites", "request", None, user=user,
                             after={"site_ids": wanted}, request_id=request_id)
            ] * bool(request_id))  # fmt: skip
            self._touch(conn)
            return wanted

        return self._transact(body)

    def add_inspection(
        self,
        inspection: Mapping[str, Any],
        hazards: Iterable[Mapping[str, Any]] = (),
        *,
        user: str | None = None,
        request_id: str | None = None,
    ) -> tuple[str, list[str]]:
        """Record one inspection and the hazards it found (all or nothing).

        Missing fields are derived: ``inspection_id`` (next ``I0000001``), ``hazard_id``
        (``YH-YYYY-MM-NNNN``, numbered per month of ``found_date``), each hazard's
        ``inspection_id``/``site_id``/``found_date`` (from the inspection), ``status``
        (待整改), and the inspection's ``n_hazards``/``hazard_found``/``major_found``.

        Parameters
        ----------
        inspection : mapping
            The inspection's fields.
        hazards : iterable of mapping
            The hazards found.
        user : str, optional
            Who records it (audit trail).
        request_id : str, optional
            Identifies the submission: recording the same ``request_id`` again (a double
            tap, a retried request) writes nothing and returns the first result.

        Returns
        -------
        (inspection_id, list of hazard_id)

        Raises
        ------
        RegistryValidationError
            Unknown site, duplicate id, invalid values; nothing is written.
        StoreBusyError
            Another writer kept the store locked; nothing is written.
        """
        ins = dict(inspection)
        haz = [dict(h) for h in hazards]
        given_iid = bool(ins.get("inspection_id"))
        iid = str(ins["inspection_id"]) if given_iid else "新检查"
        ins["inspection_id"] = iid
        for h in haz:
            h.setdefault("inspection_id", iid)
            h.setdefault("site_id", ins.get("site_id"))
            h.setdefault("found_date", ins.get("date"))
            h.setdefault("status", "待整改")
        haz_df = _frame(haz) if haz else pd.DataFrame(columns=[c.name for c in TABLES["hazards"]])
        n = len(haz_df)
        if "hazard_id" not in haz_df.columns:
            haz_df["hazard_id"] = None
        haz_df["hazard_id"] = haz_df["hazard_id"].astype(object)
        missing = [i for i in range(n) if not haz[i].get("hazard_id")]
        haz_df.loc[missing, "hazard_id"] = [f"新隐患{i}" for i in missing]
        major = bool(haz_df["level"].eq("重大").any()) if n else False
        ins.setdefault("n_hazards", n)
        ins.setdefault("hazard_found", int(n > 0))
        ins.setdefault("major_found", int(major))
        ins_df = _frame([ins])
        site_id = str(ins.get("site_id"))
        known = self._site_exists(site_id)
        errors = [
            f"检查记录 {m}" for m in validate_inspections(ins_df, [site_id] if known else [], haz_df)
        ]
        errors += [f"隐患 {m}" for m in validate_hazards(haz_df, ins_df)]
        if errors:
            raise RegistryValidationError(errors)
        ins_prepared = to_records("inspections", coerce("inspections", ins_df)[0])[0]
        haz_prepared = to_records("hazards", coerce("hazards", haz_df)[0]) if n else []
        by_month: dict[str, list[int]] = {}
        for i in missing:
            found = pd.Timestamp(haz_prepared[i]["found_date"])
            by_month.setdefault(found.strftime("YH-%Y-%m-"), []).append(i)

        def body(conn: sa.Connection) -> tuple[str, list[str]]:
            self._authorize(conn, user, "inspection", [ins_prepared["site_id"]],
                            inspection_type=ins_prepared.get("type"))  # fmt: skip
            done = self._done_request(conn, request_id, "add_inspection")
            if done is not None:
                return str(done["inspection_id"]), list(done["hazard_ids"])
            ins_id = iid
            if not given_iid:
                ins_id = self._next_ids(conn, "inspections", "inspection_id", "I", 7, 1)[0]
            ins_rec = [{**ins_prepared, "inspection_id": ins_id}]
            haz_recs = [{**h, "inspection_id": ins_id} for h in haz_prepared]
            for prefix, rows in by_month.items():
                ids = self._next_ids(conn, "hazards", "hazard_id", prefix, 4, len(rows))
                for i, hid in zip(rows, ids, strict=True):
                    haz_recs[i]["hazard_id"] = hid
            hids = [str(h["hazard_id"]) for h in haz_recs]
            errs: list[str] = []
            ic = self._sql["inspections"].c.inspection_id
            if conn.execute(sa.select(ic).where(ic == ins_id)).first():
                errs.append(f"检查编号已存在: {ins_id}")
            hc = self._sql["hazards"].c.hazard_id
            errs += [
                f"隐患编号已存在: {h}"
                for h in conn.execute(sa.select(hc).where(hc.in_(hids))).scalars().all()
            ]
            if errs:
                raise RegistryValidationError(errs)
            conn.execute(self._sql["inspections"].insert(), ins_rec)
            if haz_recs:
                conn.execute(self._sql["hazards"].insert(), haz_recs)
            conn.execute(AUDIT.insert(), [
                audit.record("add_inspection", "inspections", ins_id, user=user,
                             after={**ins_rec[0], "hazard_ids": hids}, request_id=request_id),
                *(audit.record("add_hazard", "hazards", r["hazard_id"], user=user, after=r)
                  for r in haz_recs),
            ])  # fmt: skip
            self._touch(conn)
            return str(ins_id), hids

        return self._transact(body)

    def _site_exists(self, site_id: str) -> bool:
        col = self._sql["sites"].c.site_id
        with self._engine.connect() as conn:
            return conn.execute(sa.select(col).where(col == site_id)).first() is not None

    def update_hazard(
        self,
        hazard_id: str,
        *,
        user: str | None = None,
        expected: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Change fields of one hazard, enforcing the lifecycle (all or nothing).

        Status changes follow :data:`registry.enums.STATUS_TRANSITIONS`:
        待整改 → 整改中 / 待复查, 整改中 → 待复查, 待复查 → 已销号 (requires
        ``reinspection_result == "合格"``) or → 整改中 (requires 复查 "不合格"); 已销号 is final.
        Defaults: ``rectified_date`` = today when moving to 待复查, ``closed_date`` = today when
        销号. ``hazard_id``, ``inspection_id``, ``site_id`` and ``found_date`` cannot change.

        Parameters
        ----------
        hazard_id : str
            The hazard.
        user : str, optional
            Who changes it (audit trail).
        expected : mapping, optional
            Field values as the editor saw them (e.g. the row it loaded). When another user
            changed any of them meanwhile, :class:`ConcurrentEditError` is raised and nothing
            is overwritten.
        **fields
            The new values.

        Returns
        -------
        dict
            The updated row.

        Raises
        ------
        RegistryValidationError
            Unknown hazard or field, forbidden transition, invalid value; nothing is written.
        ConcurrentEditError
            The hazard changed since ``expected`` was read; nothing is written.
        StoreBusyError
            Another writer kept the store locked; nothing is written.
        """
        label = f"隐患 {hazard_id}"
        return self._update_row(
            "hazards", hazard_id, label, user, expected, fields, EDITABLE_HAZARD_FIELDS,
            lambda old: _hazard_change(label, old, fields), missing="隐患编号不存在",
        )  # fmt: skip

    def update_site(
        self,
        site_id: str,
        *,
        user: str | None = None,
        expected: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Correct a unit (all or nothing): name, address, category, key list, position, state.

        Derived fields follow the change unless given: a moved point gets its 居委
        (:func:`registry.committees.committee_groups`) and ``outside_boundary`` again; a change
        of the 重点检查名单 its ``required_per_year`` (4 / 2); a change of category its
        ``department``. ``operating_state`` 停业 / 注销 keeps the unit and its history and takes
        it out of plans.

        Parameters
        ----------
        site_id : str
            The unit.
        user : str, optional
            Who changes it (audit trail).
        expected : mapping, optional
            Field values as the editor saw them; a unit changed meanwhile raises
            :class:`ConcurrentEditError` and nothing is overwritten.
        **fields
            The new values (any column but ``site_id`` and ``source``).

        Returns
        -------
        dict
            The updated row.

        Raises
        ------
        RegistryValidationError
            Unknown unit or field, invalid value (the importer's rules); nothing is written.
        ConcurrentEditError, StoreBusyError
            As for :meth:`update_hazard`.
        """
        label = f"单位 {site_id}"
        return self._update_row(
            "sites", site_id, label, user, expected, fields, EDITABLE_SITE_FIELDS,
            lambda old: _site_change(label, old, fields), missing="单位编号不存在",
        )  # fmt: skip

    def _update_row(
        self,
        table: str,
        key: str,
        label: str,
        user: str | None,
        expected: Mapping[str, Any] | None,
        fields: Mapping[str, Any],
        editable: frozenset[str],
        change: Callable[[dict[str, Any]], dict[str, Any]],
        missing: str,
    ) -> dict[str, Any]:
        """Update one row: validated against the row as read, written only if it is still that row.

        ``fields`` outside ``editable`` are refused. ``change`` turns the current row into the
        new one (or raises the Chinese validation error) outside the lock; the transaction then
        writes only if nobody changed the row between the read and the lock (else it starts
        over), with its audit record.
        """
        unknown = sorted(set(fields) - editable)
        if unknown:
            raise RegistryValidationError([f"{label}: 不能修改字段 {', '.join(unknown)}"])
        t = self._sql[table]
        key_col = t.primary_key.columns[0]
        for _ in range(20):
            with self._engine.connect() as conn:
                row = conn.execute(sa.select(t).where(key_col == key)).mappings().first()
            if row is None:
                raise RegistryValidationError([f"{label}: {missing}"])
            old = dict(row)
            _check_expected(label, old, expected, table=table)
            record = change(old)

            def body(conn: sa.Connection, old: dict[str, Any] = old, record=record) -> bool:
                self._authorize(conn, user, _WRITE_ACTION[table], [old["site_id"]])
                now = conn.execute(sa.select(t).where(key_col == key)).mappings().first()
                if now is None or dict(now) != old:
                    return False
                conn.execute(t.update().where(key_col == key).values(**record))
                changed = {k: v for k, v in record.items() if not _same(old.get(k), v)}
                conn.execute(AUDIT.insert(), [
                    audit.record(f"update_{table.removesuffix('s')}", table, key, user=user,
                                 before={k: old.get(k) for k in changed}, after=changed)
                ])  # fmt: skip
                self._touch(conn)
                return True

            if self._transact(body):
                return record
        raise StoreBusyError(self.busy_seconds)

    def add_attachment(
        self,
        data: bytes,
        *,
        kind: str,
        filename: str,
        user: str,
        hazard_id: str | None = None,
        inspection_id: str | None = None,
    ) -> dict[str, Any]:
        """Attach a photo (整改前 / 整改后) to a hazard or an inspection, with its audit record.

        The photo is cleaned (no EXIF/GPS) and stored by content beside the store
        (:func:`registry.attachments.attachment_record`); the row is written in one
        transaction. The same photo of the same record and kind again (a retried save) is
        recorded once: the first row is returned.

        Raises
        ------
        registry.attachments.AttachmentError
            Bad photo, kind, owner or user (Chinese message); nothing is recorded.
        RegistryValidationError
            The hazard or inspection does not exist.
        """
        row = attachments.attachment_record(
            self.path, data, kind=kind, filename=filename, user=user,
            hazard_id=hazard_id, inspection_id=inspection_id,
        )  # fmt: skip
        a = ATTACHMENTS.c

        def body(conn: sa.Connection) -> dict[str, Any]:
            owner = self._sql["hazards"] if hazard_id is not None else self._sql["inspections"]
            key = hazard_id if hazard_id is not None else inspection_id
            kind_col = owner.c.type if hazard_id is None else sa.null()
            found = conn.execute(sa.select(owner.c.site_id, kind_col)
                                 .where(owner.primary_key.columns[0] == key)).first()
            if found is None:
                raise RegistryValidationError([f"照片所属的记录不存在: {key}"])
            self._authorize(conn, user, "hazard" if hazard_id is not None else "inspection",
                            [found[0]], inspection_type=found[1])
            same = conn.execute(
                sa.select(ATTACHMENTS).where(
                    a.hazard_id.is_(None) if hazard_id is None else a.hazard_id == hazard_id,
                    a.inspection_id.is_(None) if inspection_id is None
                    else a.inspection_id == inspection_id,
                    a.kind == kind, a.sha256 == row["sha256"],
                )
            ).mappings().first()  # fmt: skip
            if same is not None:
                return dict(same)
            result = conn.execute(ATTACHMENTS.insert().values(**row))
            out = {**row, "attachment_id": int(result.inserted_primary_key[0])}
            conn.execute(AUDIT.insert(), [
                audit.record("add_attachment", "attachments", str(out["attachment_id"]),
                             user=user, after=out)
            ])  # fmt: skip
            return out

        return self._transact(body)

    def attachments(
        self, hazard_id: str | None = None, inspection_id: str | None = None
    ) -> pd.DataFrame:
        """Photo attachments (``registry.attachments`` columns), oldest first; those of one
        hazard or inspection when its id is given (read in SQL)."""
        columns = [c.name for c in ATTACHMENTS.columns]
        query = sa.select(ATTACHMENTS).order_by(ATTACHMENTS.c.attachment_id)
        if hazard_id is not None:
            query = query.where(ATTACHMENTS.c.hazard_id == str(hazard_id))
        if inspection_id is not None:
            query = query.where(ATTACHMENTS.c.inspection_id == str(inspection_id))
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=columns)

    # -- yearly targets ---------------------------------------------------------------------
    # 年度目标 (registry.targets): the plan's targets and the events recording progress. Same
    # write path as above: validated before the lock, one transaction, an audit record in it,
    # request_id answered with the first result.
    def targets(self, year: int | None = None) -> pd.DataFrame:
        """The yearly targets (``registry.schema.TARGET_COLUMNS``), of ``year`` when given."""
        return self._read_target_table("targets", year)

    def target_events(self, year: int | None = None) -> pd.DataFrame:
        """Progress events of the targets (``registry.schema.TARGET_EVENT_COLUMNS``), oldest
        first; those of the targets of ``year`` when given."""
        return self._read_target_table("target_events", year)

    def _read_target_table(self, table: str, year: int | None) -> pd.DataFrame:
        t = self._sql[table]
        spec = targets_rules.TARGET_COLUMNS if table == "targets" else targets_rules.TARGET_EVENT_COLUMNS
        query = sa.select(t)
        if year is not None:
            years = self._sql["targets"].c
            ids = sa.select(years.target_id).where(years.year == int(year))
            query = query.where(t.c.target_id.in_(ids))
        order = (t.c.target_id,) if table == "targets" else (t.c.date, t.c.event_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(*order)).mappings().all()
        frame, _ = targets_rules.coerce_rows(spec, [dict(r) for r in rows])
        return frame if rows else frame.reindex(columns=[c.name for c in spec])

    def add_targets(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        user: str | None,
        request_id: str | None = None,
    ) -> list[str]:
        """Add yearly targets (all or none); empty ``target_id`` gets ``T<year>-NN``.

        Raises
        ------
        RegistryValidationError
            Invalid row (Chinese, with its row number) or an id in use; nothing is written.
        """
        given = [dict(r) for r in rows]
        if not given:
            raise RegistryValidationError(["没有要保存的目标"])
        frame, errors = targets_rules.coerce_rows(targets_rules.TARGET_COLUMNS, given)
        blank = [i for i, r in enumerate(given) if not str(r.get("target_id") or "").strip()]
        for i in blank:
            frame.loc[i, "target_id"] = f"新{i}"
        records = targets_rules.to_target_records(frame)
        errors += [
            f"第{i + 1}行: {m}" for i, r in enumerate(records) for m in targets_rules.target_problems(r)
        ]
        if errors:
            raise RegistryValidationError(errors)
        table = self._sql["targets"]

        def body(conn: sa.Connection) -> list[str]:
            self._authorize(conn, user, "targets")
            done = self._done_request(conn, request_id, "add_targets")
            if done is not None:
                return list(done["target_ids"])
            out = [dict(r) for r in records]
            for i in blank:
                year = out[i]["year"]
                out[i]["target_id"] = self._next_ids(conn, "targets", "target_id", f"T{year}-", 2, 1)[0]
                conn.execute(table.insert(), [out[i]])  # the next blank row sees this id
            wanted = [str(r["target_id"]) for r in out]
            rest = [r for i, r in enumerate(out) if i not in blank]
            taken = set(conn.execute(sa.select(table.c.target_id).where(
                table.c.target_id.in_([str(r["target_id"]) for r in rest]))).scalars())
            if taken or len(set(wanted)) < len(wanted):
                dup = sorted(taken | {w for w in wanted if wanted.count(w) > 1})
                raise RegistryValidationError([f"目标编号已存在或重复: {'、'.join(dup)}"])
            if rest:
                conn.execute(table.insert(), rest)
            conn.execute(AUDIT.insert(), [
                audit.record("add_target", "targets", r["target_id"], user=user, after=r)
                for r in out
            ] + [
                audit.record("add_targets", "request", None, user=user,
                             after={"target_ids": wanted}, request_id=request_id)
            ] * bool(request_id))  # fmt: skip
            self._touch(conn)
            return wanted

        return self._transact(body)

    def add_target(
        self, row: Mapping[str, Any], *, user: str | None, request_id: str | None = None
    ) -> str:
        """Add one yearly target (see :meth:`add_targets`); returns its ``target_id``."""
        return self.add_targets([row], user=user, request_id=request_id)[0]

    def add_target_event(
        self,
        row: Mapping[str, Any],
        *,
        user: str,
        request_id: str | None = None,
        evidence: bytes | None = None,
        evidence_name: str | None = None,
        today: dt.date | None = None,
    ) -> str:
        """Record one progress event of a target (a signed letter, a training, a drill …).

        A unit's event takes the unit's 居委 and department; otherwise the department is the
        one given or the target's lead department. ``evidence`` (a photo, cleaned of EXIF/GPS,
        or a PDF) is stored by content beside the store (:func:`registry.targets.save_evidence`).
        Residents are counted per 居委, never named.

        Parameters
        ----------
        row : mapping
            ``target_id``, ``date``, ``quantity`` and, by the target's scope, ``site_id`` or
            ``committee``; optional ``attendees``, ``department``, ``note``.
        user : str
            Who records it (required; the audit trail and ``recorded_by``).
        request_id : str, optional
            The same id again (a double tap) writes nothing and returns the first event id.
        today : datetime.date, optional
            Events after this day are refused (default: today).

        Returns
        -------
        str
            The ``event_id`` (``E000001`` style).

        Raises
        ------
        RegistryValidationError
            Unknown target or unit, bad date, quantity or 居委, no 操作人 (Chinese); nothing is
            written.
        registry.attachments.AttachmentError
            The evidence is not a photo or PDF; nothing is written.
        """
        who = str(user or "").strip()
        if not who:
            raise RegistryValidationError(["请填写操作人"])
        frame, errors = targets_rules.coerce_rows(
            targets_rules.TARGET_EVENT_COLUMNS, [{**dict(row), "event_id": "新记录", "recorded_by": who}]
        )
        record = targets_rules.to_target_records(frame, targets_rules.TARGET_EVENT_COLUMNS)[0]
        targets = self.targets()
        site = None
        if record.get("site_id"):
            s = self._sql["sites"].c
            with self._engine.connect() as conn:
                site = conn.execute(sa.select(s.site_id, s.committee, s.department)
                                    .where(s.site_id == str(record["site_id"]))).mappings().first()
        if site is not None:
            record["committee"] = site["committee"]
            record["department"] = site["department"]
        if not errors:
            errors = targets_rules.event_problems(
                record, targets, {str(site["site_id"])} if site else set(), today=today
            )
        if errors:
            raise RegistryValidationError(errors)
        if not record.get("department"):
            lead = targets.loc[targets["target_id"] == record["target_id"], "department"]
            record["department"] = str(lead.iloc[0])
        if evidence is not None:
            record["evidence_sha256"] = targets_rules.save_evidence(evidence, self.path)
            record["evidence_name"] = str(evidence_name or "")[:targets_rules.MAX_TEXT] or None
        table = self._sql["target_events"]

        def body(conn: sa.Connection) -> str:
            self._authorize(conn, who, "targets", [record["site_id"]] if record["site_id"] else [])
            done = self._done_request(conn, request_id, "add_target_event")
            if done is not None:
                return str(done["event_id"])
            out = {**record, "event_id": self._next_ids(conn, "target_events", "event_id",
                                                        "E", 6, 1)[0]}  # fmt: skip
            conn.execute(table.insert(), [out])
            conn.execute(AUDIT.insert(), [
                audit.record("add_target_event", "target_events", out["event_id"], user=who,
                             after=out, request_id=request_id)
            ])  # fmt: skip
            self._touch(conn)
            return str(out["event_id"])

        return self._transact(body)

    def replace_targets(
        self, targets: pd.DataFrame, events: pd.DataFrame, *, user: str | None = None
    ) -> None:
        """Replace all targets and events in one transaction (the sample build; audited).

        Raises
        ------
        RegistryValidationError
            Any invalid row (with its row number); nothing is written.
        """
        t_frame, errors = targets_rules.coerce_rows(targets_rules.TARGET_COLUMNS, targets.to_dict("records"))
        t_rows = targets_rules.to_target_records(t_frame)
        errors += [f"目标 第{i + 1}行: {m}" for i, r in enumerate(t_rows)
                   for m in targets_rules.target_problems(r)]  # fmt: skip
        e_frame, e_errors = targets_rules.coerce_rows(targets_rules.TARGET_EVENT_COLUMNS, events.to_dict("records"))
        errors += [f"进展 {m}" for m in e_errors]
        e_rows = targets_rules.to_target_records(e_frame, targets_rules.TARGET_EVENT_COLUMNS)
        site_ids = set(self._read("sites")["site_id"]) if e_rows else set()
        lookup = targets_rules.targets_by_id(t_frame)
        errors += [f"进展 第{i + 1}行: {m}" for i, r in enumerate(e_rows)
                   for m in targets_rules.event_problems(r, lookup, site_ids)]  # fmt: skip
        if errors:
            raise RegistryValidationError(errors)
        t_table, e_table = self._sql["targets"], self._sql["target_events"]

        def body(conn: sa.Connection) -> None:
            self._authorize(conn, user, "targets")
            before = {name: int(conn.execute(sa.select(sa.func.count()).select_from(tab))
                                .scalar_one()) for name, tab in (("targets", t_table),
                                                                 ("target_events", e_table))}
            conn.execute(e_table.delete())
            conn.execute(t_table.delete())
            if t_rows:
                conn.execute(t_table.insert(), t_rows)
            if e_rows:
                conn.execute(e_table.insert(), e_rows)
            conn.execute(AUDIT.insert(), [
                audit.record("replace_targets", "targets", None, user=user, before=before,
                             after={"targets": len(t_rows), "target_events": len(e_rows)})
            ])  # fmt: skip
            self._touch(conn)

        self._transact(body)

    # -- import batches ---
    # An append/update import (registry.batch_import.preview) is written all or nothing, kept
    # as a batch (import_batches, import_batch_rows) and can be undone while nobody changed
    # its records since.
    def apply_import(
        self,
        preview: Any,
        *,
        user: str,
        request_id: str | None = None,
        source_name: str | None = None,
    ) -> int:
        """Write an import preview (:func:`registry.batch_import.preview`) as one batch.

        Everything or nothing, in one transaction: new units, inspections and hazards (fresh
        ids for the preview's ``+`` placeholders), the changed fields of existing records,
        an audit record per record and one for the batch, and the batch with what it added
        and changed (for :meth:`undo_import`). Validated again before the lock
        (:func:`registry.batch_import.check_preview`); a record changed by someone else since
        the preview, or a 统一社会信用代码 registered meanwhile, refuses the whole batch.

        Parameters
        ----------
        preview : registry.batch_import.ImportPreview
            Without rejected rows.
        user : str
            Who imports (required; audit trail and batch list).
        request_id : str, optional
            The same request again (a double tap) writes nothing and returns the first batch.
        source_name : str, optional
            The file's name (default: the preview's).

        Returns
        -------
        int
            The batch id.

        Raises
        ------
        RegistryValidationError
            Rejected rows, nothing to write, invalid records, records changed since the
            preview, no user; nothing is written.
        StoreBusyError
            Another writer kept the store locked; nothing is written.
        """
        from registry import batch_import

        who = str(user or "").strip()
        if not who:
            raise RegistryValidationError(["请填写操作人（导入记入修改记录），本次没有导入任何内容"])
        batch_import.check_preview(preview)
        keys = {"sites": "site_id", "inspections": "inspection_id", "hazards": "hazard_id"}
        inserts = {t: [dict(r) for r in preview.inserts.get(t, [])] for t in TABLE_ORDER[:3]}
        updates = list(preview.updates)
        # audit records are built before the lock; inside it only the time and the fresh ids
        # (the preview's "+…" placeholders, quoted tokens in the JSON) are filled in
        prepared = [
            audit.record("import_add", table, str(r[keys[table]]), user=who, after=r)
            for table in TABLE_ORDER[:3] for r in inserts[table]
        ] + [
            audit.record("import_update", u.table, u.key, user=who, before=u.before,
                         after=u.after)
            for u in updates
        ]  # fmt: skip
        placeholder = re.compile(r'"(\+[SIH]\d+)"')
        source = str(source_name if source_name is not None else preview.source_name)

        def body(conn: sa.Connection) -> int:
            def in_chunks(col: Any, values: list[str], *cols: Any) -> list[Any]:
                return self._select_in(conn, col, values, *cols)

            done = self._done_request(conn, request_id, "apply_import")
            if done is not None:
                return int(done["batch_id"])
            self._authorize(conn, who, "import")
            problems: list[str] = []
            # changed since the preview?
            by_table: dict[str, list[Any]] = {}
            for u in updates:
                by_table.setdefault(u.table, []).append(u)
            for table, items in by_table.items():
                t = self._sql[table]
                key_col = t.c[keys[table]]
                now = {str(r[keys[table]]): r for r in in_chunks(key_col, [u.key for u in items], t)}
                for u in items:
                    row = now.get(u.key)
                    moved = [f for f, v in u.before.items() if row is None or not _same(row[f], v)]
                    if moved:
                        problems.append(
                            f"{batch_import.object_name(table)} {u.key} 在预览后已被他人修改"
                            f"（{'、'.join(batch_import.field_label(f) for f in moved)}）"
                        )
            # a code registered by someone else meanwhile
            codes = [str(r["uscc"]) for r in inserts["sites"] if r.get("uscc")]
            if codes:
                sc = self._sql["sites"].c
                for r in in_chunks(sc.uscc, codes, sc.site_id, sc.uscc):
                    problems.append(f"统一社会信用代码 {r['uscc']} 已登记为单位 {r['site_id']}")
            # ids: placeholders get fresh ones, given ones must be free
            ids: dict[str, str] = {}
            for table, prefix, width in (("sites", "S", 6), ("inspections", "I", 7)):
                wanted = [str(r[keys[table]]) for r in inserts[table]]
                fresh = [w for w in wanted if w.startswith("+")]
                if fresh:
                    ids.update(zip(fresh, self._next_ids(conn, table, keys[table], prefix, width,
                                                         len(fresh)), strict=True))
            by_month: dict[str, list[str]] = {}
            for r in inserts["hazards"]:
                if str(r["hazard_id"]).startswith("+"):
                    month = pd.Timestamp(r["found_date"]).strftime("YH-%Y-%m-")
                    by_month.setdefault(month, []).append(str(r["hazard_id"]))
            for month, fresh in by_month.items():
                ids.update(zip(fresh, self._next_ids(conn, "hazards", "hazard_id", month, 4,
                                                     len(fresh)), strict=True))
            for table in TABLE_ORDER[:3]:
                for r in inserts[table]:
                    for f in ("site_id", "inspection_id", "hazard_id"):
                        if f in r and str(r[f]) in ids:
                            r[f] = ids[str(r[f])]
                given = [str(r[keys[table]]) for r in inserts[table]]
                key_col = self._sql[table].c[keys[table]]
                problems += [
                    f"{batch_import.object_name(table)}编号已存在: {r[keys[table]]}"
                    for r in in_chunks(key_col, given, key_col)
                ]
            if problems:
                raise RegistryValidationError(
                    [*problems[:30], "本次导入没有写入任何内容；请重新上传文件，按最新台账预览后再导入"]
                )
            for table in TABLE_ORDER[:3]:
                self._insert_many(conn, self._sql[table], inserts[table])
            for u in updates:
                t = self._sql[u.table]
                conn.execute(t.update().where(t.c[keys[u.table]] == u.key).values(**u.after))
            n_added = sum(len(v) for v in inserts.values())
            batch = self._sql["import_batches"]
            batch_id = int(conn.execute(batch.insert().values(
                ts=dt.datetime.now().isoformat(timespec="seconds"), user=who, kind=preview.kind,
                source_name=source, n_added=n_added, n_changed=len(updates), last_audit_id=0,
                request_id=request_id,
            )).inserted_primary_key[0])  # fmt: skip
            now = dt.datetime.now().isoformat(timespec="seconds")

            def fresh(m: re.Match[str]) -> str:
                return f'"{ids.get(m.group(1), m.group(1))}"'

            records = [
                {**rec, "ts": now, "entity_id": ids.get(rec["entity_id"], rec["entity_id"]),
                 "after": placeholder.sub(fresh, rec["after"]) if rec["after"] else rec["after"]}
                for rec in prepared
            ]  # fmt: skip
            summary = {"batch_id": batch_id, "kind": preview.kind, "source_name": source,
                       "n_added": n_added, "n_changed": len(updates)}  # fmt: skip
            records.append(audit.record("apply_import", "import_batches", str(batch_id),
                                        user=who, after=summary, request_id=request_id))
            self._insert_many(conn, AUDIT, records)
            last = conn.execute(sa.select(sa.func.max(AUDIT.c.audit_id))).scalar_one()
            conn.execute(batch.update().where(batch.c.batch_id == batch_id)
                         .values(last_audit_id=int(last)))  # fmt: skip
            rows = batch_import.batch_rows(preview, ids)
            for seq, row in enumerate(rows):
                row.update(batch_id=batch_id, seq=seq)
            self._insert_many(conn, self._sql["import_batch_rows"], rows)
            self._touch(conn)
            return batch_id

        return self._transact(body)

    @staticmethod
    def _insert_many(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """Insert many rows through the driver's executemany (a 200k-row import spends its
        lock time here): dates as ISO text and flags as 0/1, as the SQLAlchemy types store
        them; NaN as NULL."""
        if not rows:
            return
        names = [c.name for c in table.columns if c.name in rows[0]]

        def plain(v: Any) -> Any:
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, dt.date):
                return v.isoformat()[:10]
            if isinstance(v, float) and v != v:
                return None
            return v

        columns = ", ".join('"' + n + '"' for n in names)
        marks = ", ".join("?" for _ in names)
        sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
        conn.exec_driver_sql(sql, [tuple(plain(r.get(n)) for n in names) for r in rows])

    @staticmethod
    def _select_in(conn: sa.Connection, col: Any, values: list[str], *cols: Any) -> list[Any]:
        """Rows of ``cols`` whose ``col`` is one of ``values`` (500 values per query)."""
        out: list[Any] = []
        for k in range(0, len(values), 500):
            query = sa.select(*cols).where(col.in_(values[k : k + 500]))
            out += list(conn.execute(query).mappings().all())
        return out

    def import_batches(self) -> pd.DataFrame:
        """The import batches, newest first: ``batch_id, ts, user, kind, source_name, n_added,
        n_changed, undone_at, undone_by``."""
        b = self._sql["import_batches"]
        cols = [b.c[n] for n in ("batch_id", "ts", "user", "kind", "source_name", "n_added",
                                  "n_changed", "undone_at", "undone_by")]  # fmt: skip
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(*cols).order_by(b.c.batch_id.desc())).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in cols])

    def import_batch_rows(self, batch_id: int) -> pd.DataFrame:
        """What one batch added and changed: ``seq, entity, entity_id, action, before, after``."""
        r = self._sql["import_batch_rows"]
        cols = [r.c[n] for n in ("seq", "entity", "entity_id", "action", "before", "after")]
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(*cols).where(r.c.batch_id == int(batch_id)).order_by(r.c.seq)
            ).mappings().all()
        return pd.DataFrame([dict(x) for x in rows], columns=[c.name for c in cols])

    def undo_import(self, batch_id: int, *, user: str) -> dict[str, int]:
        """Take a batch back: remove what it added, restore the values it changed.

        Refused (in Chinese, nothing changed) when the batch was undone already, or when any
        of its records was changed since by another write (an edit, a later import, a
        replacement of the registry), or new records depend on what it added (an inspection
        of an added unit, a hazard of an added inspection, a photo).

        Returns
        -------
        dict
            ``removed`` and ``restored`` record counts.

        Raises
        ------
        RegistryValidationError
            The batch cannot be undone; nothing is changed.
        StoreBusyError
            Another writer kept the store locked; nothing is changed.
        """
        from registry import batch_import

        who = str(user or "").strip()
        if not who:
            raise RegistryValidationError(["请填写操作人（撤销记入修改记录），没有撤销任何内容"])
        b = self._sql["import_batches"]
        keys = {"sites": "site_id", "inspections": "inspection_id", "hazards": "hazard_id"}

        def body(conn: sa.Connection) -> dict[str, int]:
            batch = conn.execute(sa.select(b).where(b.c.batch_id == int(batch_id))).mappings().first()
            if batch is None:
                raise RegistryValidationError([f"导入批次 {batch_id} 不存在"])
            if batch["undone_at"]:
                raise RegistryValidationError([
                    f"导入批次 {batch_id} 已于 {batch['undone_at']} 由 {batch['undone_by']} 撤销"
                ])  # fmt: skip
            self._authorize(conn, who, "import")
            r = self._sql["import_batch_rows"]
            rows = conn.execute(
                sa.select(r).where(r.c.batch_id == int(batch_id)).order_by(r.c.seq)
            ).mappings().all()
            touched = {(x["entity"], x["entity_id"]) for x in rows}
            added = {t: [x["entity_id"] for x in rows if x["entity"] == t and x["action"] == "add"]
                     for t in keys}  # fmt: skip
            problems: list[str] = []
            a = AUDIT.c
            # later batches undone since are no change: skip their import and undo records
            # (each written in one transaction, so a contiguous run of audit ids)
            skip: list[tuple[int, int]] = []
            for bid, n_add, n_chg, last in conn.execute(
                sa.select(b.c.batch_id, b.c.n_added, b.c.n_changed, b.c.last_audit_id).where(
                    b.c.undone_at.is_not(None), b.c.last_audit_id > batch["last_audit_id"]
                )
            ).all():  # fmt: skip
                n = int(n_add) + int(n_chg) + 1
                undone_at = conn.execute(sa.select(sa.func.max(a.audit_id)).where(
                    a.action == "undo_import", a.entity == "import_batches",
                    a.entity_id == str(bid),
                )).scalar()  # fmt: skip
                skip += [(last - n + 1, last)] + ([(undone_at - n + 1, undone_at)] if undone_at else [])
            later = conn.execute(
                sa.select(a.audit_id, a.ts, a.user, a.action, a.entity, a.entity_id)
                .where(a.audit_id > batch["last_audit_id"]).order_by(a.audit_id)
            ).mappings()  # fmt: skip
            for x in later:
                if any(lo <= x["audit_id"] <= hi for lo, hi in skip):
                    continue
                if x["action"] == "replace_all":
                    problems.append(f"台账已于 {x['ts']} 由 {x['user']} 整体重新导入")
                elif (x["entity"], x["entity_id"]) in touched:
                    problems.append(
                        f"{batch_import.object_name(x['entity'])} {x['entity_id']} 在本批导入后"
                        f"已被 {x['user']} 修改（{x['ts']}）"
                    )
            dependants = (
                ("inspections", "site_id", "sites", "单位 {p} 在导入后已登记检查 {c}"),
                ("hazards", "inspection_id", "inspections", "检查记录 {p} 在导入后已增加隐患 {c}"),
            )
            for child, fk, parent, text in dependants:
                col, own = self._sql[child].c, set(added[child])
                for k in range(0, len(added[parent]), 500):
                    part = added[parent][k:k + 500]
                    for c, p in conn.execute(
                        sa.select(col[keys[child]], col[fk]).where(col[fk].in_(part))
                    ).all():
                        if c not in own:
                            problems.append(text.format(p=p, c=c))
            at = ATTACHMENTS.c
            for owner in ("hazards", "inspections"):
                for k in range(0, len(added[owner]), 500):
                    part = added[owner][k:k + 500]
                    for x in conn.execute(sa.select(at[keys[owner]]).where(at[keys[owner]].in_(part))).scalars():
                        problems.append(f"{batch_import.object_name(owner)} {x} 在导入后已上传照片")
            restores = [x for x in rows if x["action"] == "update"]
            for x in restores:
                t = self._sql[x["entity"]]
                now = conn.execute(
                    sa.select(t).where(t.c[keys[x["entity"]]] == x["entity_id"])
                ).mappings().first()  # fmt: skip
                after = json.loads(x["after"] or "{}")
                if now is None or any(not _same(now[f], v) for f, v in after.items()):
                    problems.append(
                        f"{batch_import.object_name(x['entity'])} {x['entity_id']} 的值已不是本批导入的值"
                    )
            if problems:
                unique = list(dict.fromkeys(problems))
                raise RegistryValidationError([
                    f"导入批次 {batch_id} 不能撤销（导入后这些记录已有变化）：", *unique[:20],
                    *([f"……另有 {len(unique) - 20} 处"] if len(unique) > 20 else []),
                    "没有撤销任何内容",
                ])  # fmt: skip
            records = []
            for x in restores:
                table = x["entity"]
                before = batch_import.stored_values(table, json.loads(x["before"] or "{}"))
                t = self._sql[table]
                conn.execute(t.update().where(t.c[keys[table]] == x["entity_id"]).values(**before))
                records.append(audit.record("undo_import", table, x["entity_id"], user=who,
                                            before=json.loads(x["after"] or "{}"), after=before))
            for table in ("hazards", "inspections", "sites"):
                col = self._sql[table].c[keys[table]]
                for k in range(0, len(added[table]), 500):
                    conn.execute(self._sql[table].delete().where(col.in_(added[table][k:k + 500])))
                records += [
                    audit.record("undo_import", table, key, user=who, before={"batch_id": batch_id},
                                 after=None)
                    for key in added[table]
                ]  # fmt: skip
            removed = sum(len(v) for v in added.values())
            records.append(audit.record(
                "undo_import", "import_batches", str(batch_id), user=who,
                after={"batch_id": batch_id, "removed": removed, "restored": len(restores)},
            ))  # fmt: skip
            for k in range(0, len(records), 5000):
                conn.execute(AUDIT.insert(), records[k:k + 5000])
            conn.execute(b.update().where(b.c.batch_id == int(batch_id)).values(
                undone_at=dt.datetime.now().isoformat(timespec="seconds"), undone_by=who,
            ))  # fmt: skip
            self._touch(conn)
            return {"removed": removed, "restored": len(restores)}

        return self._transact(body)

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy of the whole store (a new file at ``target``), taken online.

        Uses SQLite's backup API, so it includes what is still in the write-ahead log and is
        safe while others read and write (copying the file alone is not: recent commits may
        sit in ``<file>-wal``).

        Returns
        -------
        Path
            ``target``.
        """
        target = Path(target)
        if target.exists():
            raise FileExistsError(f"备份目标已存在，不会覆盖：{target}")
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(self.path)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target

    def audit_log(self, entity_id: str | None = None) -> pd.DataFrame:
        """The audit trail, oldest first (read-only; the table itself is append-only).

        ``entity_id`` keeps the records of one hazard, unit, inspection … (read in SQL, so a
        page showing one record's history does not load the whole trail).
        """
        query = sa.select(AUDIT).order_by(AUDIT.c.audit_id)
        if entity_id is not None:
            query = query.where(AUDIT.c.entity_id == str(entity_id))
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in AUDIT.columns])

    # -- accounts ---------------------------------------------------------------------------
    def _account_row(self, conn: sa.Connection, username: str) -> dict[str, Any] | None:
        row = conn.execute(
            sa.select(accounts.ACCOUNTS).where(accounts.ACCOUNTS.c.username == username)
        ).mappings().first()
        return None if row is None else dict(row)

    def _authorize(
        self,
        conn: sa.Connection,
        user: str | None,
        action: str,
        site_ids: Iterable[object] = (),
        inspection_type: str | None = None,
    ) -> None:
        """Refuse a write its user may not make (inside the write's transaction).

        A store without accounts accepts any named user (a library user's own store); so
        does the command line (``user=None``: the server's console, recorded as
        :data:`registry.audit.SYSTEM_USER`). Once the store has accounts, any other user
        must be an enabled account whose role may make the write on these units.
        """
        if user is None or str(user).strip() == audit.SYSTEM_USER:
            return
        a = accounts.ACCOUNTS.c
        if conn.execute(sa.select(a.username).limit(1)).first() is None:
            return
        row = self._account_row(conn, str(user).strip())
        if row is None or row["disabled"]:
            raise accounts.AccessDenied(f"“{str(user).strip()}”不是有效账户，未保存（请先登录）")
        ids = [str(s) for s in site_ids]
        committees: list[object] = []
        if ids:
            col = self._sql["sites"].c
            committees = list(conn.execute(
                sa.select(col.committee).where(col.site_id.in_(ids))
            ).scalars().all())  # fmt: skip
        accounts.check_write(
            accounts.Account.from_row(row), action, committees, inspection_type=inspection_type
        )

    def has_accounts(self) -> bool:
        """Whether the store has any account (the app requires one)."""
        with self._engine.connect() as conn:
            return conn.execute(sa.select(accounts.ACCOUNTS.c.username).limit(1)).first() is not None

    def accounts(self) -> pd.DataFrame:
        """The accounts, without their password hashes or tokens (for the 管理员's page)."""
        a = accounts.ACCOUNTS
        shown = [c for c in a.columns if c.name not in ("password_hash", "kiosk_digest")]
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(*shown).order_by(a.c.username)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in shown])

    def account(self, username: str) -> accounts.Account | None:
        """The enabled account ``username`` (None if missing or disabled)."""
        with self._engine.connect() as conn:
            row = self._account_row(conn, str(username))
        if row is None or row["disabled"]:
            return None
        return accounts.Account.from_row(row)

    def add_account(
        self,
        username: str,
        role: str,
        *,
        display_name: str = "",
        password: str | None = None,
        committees: str | Iterable[str] = "",
        kiosk_token: str | None = None,
        user: str | None = None,
        demo: bool = False,
    ) -> accounts.Account:
        """Create an account (the 管理员's write; the first one from the command line).

        A 大屏 account signs in with ``kiosk_token`` (no password); every other role needs a
        password that passes :func:`registry.accounts.check_password_rules`; a 居委 account
        lists its 居委.

        Raises
        ------
        RegistryValidationError
            Bad username, role, password or 居委, or the username is taken (Chinese); nothing
            is written.
        """
        username = str(username).strip()
        if not isinstance(committees, str):
            committees = "、".join(committees)
        zones = accounts.split_committees(committees)
        errors = accounts.check_account(username, role, zones)
        spec = accounts.ROLES.get(role)
        if spec is not None and spec.kiosk:
            if not kiosk_token:
                errors.append("大屏账户需要令牌（kiosk token）")
        elif password is None:
            errors.append("请设置密码")
        else:
            errors += accounts.check_password_rules(password, username)
        if errors:
            raise RegistryValidationError(errors)
        now = dt.datetime.now().isoformat(timespec="seconds")
        row = {
            "username": username,
            "display_name": str(display_name).strip() or username,
            "role": role,
            "committees": "、".join(zones),
            "password_hash": accounts.hash_password(password) if password else None,
            "kiosk_digest": accounts.kiosk_digest(kiosk_token) if kiosk_token else None,
            "disabled": False,
            "failed": 0,
            "locked_until": None,
            "demo": bool(demo),
            "created": now,
            "password_changed": now if password else None,
        }

        def body(conn: sa.Connection) -> None:
            if conn.execute(sa.select(accounts.ACCOUNTS.c.username).limit(1)).first() is not None:
                self._authorize(conn, user, "accounts")
            if self._account_row(conn, username) is not None:
                raise RegistryValidationError([f"用户名 {username} 已存在"])
            conn.execute(accounts.ACCOUNTS.insert().values(**row))
            conn.execute(AUDIT.insert(), [
                audit.record("add_account", "accounts", username, user=user,
                             after=accounts.public_fields(row))
            ])  # fmt: skip

        self._transact(body)
        return accounts.Account.from_row(row)

    def update_account(
        self,
        username: str,
        *,
        user: str | None,
        password: str | None = None,
        kiosk_token: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Change an account: ``display_name``, ``role``, ``committees``, ``disabled``, a new
        ``password`` (reset by the 管理员, or changed by its owner) or ``kiosk_token``.

        Resetting the password or enabling an account also unlocks it. A user may change
        only its own password; everything else is the 管理员's.

        Raises
        ------
        RegistryValidationError
            Unknown account or field, bad value, or not allowed (Chinese); nothing is written.
        """
        username = str(username).strip()
        unknown = sorted(set(fields) - {"display_name", "role", "committees", "disabled"})
        if unknown:
            raise RegistryValidationError([f"账户 {username}: 不能修改字段 {', '.join(unknown)}"])
        changes: dict[str, Any] = {}
        if "display_name" in fields:
            changes["display_name"] = str(fields["display_name"] or "").strip() or username
        if "disabled" in fields:
            changes["disabled"] = bool(fields["disabled"])
            if not changes["disabled"]:
                changes.update(failed=0, locked_until=None)
        if "committees" in fields:
            value = fields["committees"]
            changes["committees"] = "、".join(
                accounts.split_committees(value if isinstance(value, str) else "、".join(value))
            )
        if "role" in fields:
            changes["role"] = fields["role"]
        errors: list[str] = []
        if password is not None:
            errors += accounts.check_password_rules(password, username)
            changes.update(password_hash=accounts.hash_password(password), failed=0,
                           locked_until=None,
                           password_changed=dt.datetime.now().isoformat(timespec="seconds"))
        if kiosk_token is not None:
            changes["kiosk_digest"] = accounts.kiosk_digest(kiosk_token)
        if not changes and not errors:
            errors.append(f"账户 {username}: 没有要修改的内容")
        if errors:
            raise RegistryValidationError(errors)
        own_password = set(changes) <= {"password_hash", "failed", "locked_until",
                                        "password_changed"} and str(user or "").strip() == username

        def body(conn: sa.Connection) -> dict[str, Any]:
            old = self._account_row(conn, username)
            if old is None:
                raise RegistryValidationError([f"账户 {username} 不存在"])
            if not own_password:
                self._authorize(conn, user, "accounts")
            new = {**old, **changes}
            problems = accounts.check_account(
                username, new["role"], accounts.split_committees(new["committees"]), new=False
            )
            if problems:
                raise RegistryValidationError(problems)
            a = accounts.ACCOUNTS
            conn.execute(a.update().where(a.c.username == username).values(**changes))
            shown = set(changes) - {"password_hash", "kiosk_digest"}
            conn.execute(AUDIT.insert(), [
                audit.record("update_account", "accounts", username, user=user,
                             before={k: old.get(k) for k in shown},
                             after={**{k: new[k] for k in shown},
                                    **({"password": "已重设"} if password is not None else {}),
                                    **({"kiosk_token": "已重设"} if kiosk_token is not None else {})})
            ])  # fmt: skip
            return accounts.public_fields(new)

        return self._transact(body)

    def sign_in(
        self, username: str, password: str, now: dt.datetime | None = None
    ) -> accounts.Account:
        """Check a password sign-in and record it (success or failure) in the audit trail.

        :data:`registry.accounts.LOCK_AFTER` failures in a row lock the account for
        :data:`registry.accounts.LOCK_MINUTES` minutes. An unknown user and a wrong password
        get the same message.

        Raises
        ------
        registry.accounts.SignInError
            Refused (Chinese reason).
        """
        username = str(username or "").strip()[:64]
        now = now or dt.datetime.now()
        with self._engine.connect() as conn:
            seen = self._account_row(conn, username)
        spec = accounts.ROLES.get(seen["role"]) if seen else None
        # The slow hash is checked outside the lock; the counters are read and written inside
        # it, so sign-ins at the same moment each count (none overwrites another's failure).
        matches = seen is not None and spec is not None and not spec.kiosk and (
            accounts.verify_password(seen["password_hash"], password or "")
        )  # fmt: skip

        def body(conn: sa.Connection) -> tuple[dict[str, Any] | None, str | None]:
            a = accounts.ACCOUNTS
            row = self._account_row(conn, username)
            locked = bool(row and row["locked_until"] and row["locked_until"] > now.isoformat())
            ok = matches and row is not None and row["password_hash"] == seen["password_hash"]
            reason = None
            if locked:
                reason = f"账户已锁定（连续 {accounts.LOCK_AFTER} 次密码错误），请稍后再试或联系管理员"
            elif not ok:
                reason = "用户名或密码错误"
            elif row["disabled"]:
                reason = "账户已停用，请联系管理员"
            if row is not None and not locked:
                failed = 0 if ok else int(row["failed"]) + 1
                conn.execute(a.update().where(a.c.username == username).values(
                    failed=failed, locked_until=accounts.locked_until(failed, now)))
            conn.execute(AUDIT.insert(), [
                audit.record("sign_in" if reason is None else "sign_in_failed", "accounts",
                             username or None, user=username or None,
                             after={"reason": reason} if reason else None)
            ])  # fmt: skip
            return row, reason

        row, reason = self._transact(body)
        if reason is not None or row is None:
            raise accounts.SignInError(reason or "用户名或密码错误")
        return accounts.Account.from_row(row)

    def sign_in_kiosk(self, token: str) -> accounts.Account:
        """Sign the wall screen in with its token (recorded like any sign-in).

        Raises
        ------
        registry.accounts.SignInError
            No enabled 大屏 account has this token.
        """
        digest = accounts.kiosk_digest(str(token or ""))
        a = accounts.ACCOUNTS.c
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(accounts.ACCOUNTS).where(a.kiosk_digest.is_not(None))
            ).mappings().all()
        match = next((dict(r) for r in rows if accounts.same_digest(r["kiosk_digest"], digest)
                      and not r["disabled"] and accounts.ROLES[r["role"]].kiosk), None)  # fmt: skip

        def body(conn: sa.Connection) -> None:
            conn.execute(AUDIT.insert(), [
                audit.record("sign_in" if match else "sign_in_failed", "accounts",
                             match["username"] if match else None,
                             user=match["username"] if match else None,
                             after=None if match else {"reason": "大屏令牌无效"})
            ])  # fmt: skip

        self._transact(body)
        if match is None:
            raise accounts.SignInError("大屏令牌无效或已停用")
        return accounts.Account.from_row(match)

    def tables_as(self, username: str, password: str) -> dict[str, pd.DataFrame]:
        """The tables as an account may read them (for notebooks): signs in (audited) and
        returns :meth:`tables` scoped to the account's 居委 with personal fields masked for
        its role (:func:`registry.accounts.scope_tables`).

        Raises
        ------
        registry.accounts.SignInError
            Wrong user name or password, or the account is locked or disabled.
        """
        return accounts.scope_tables(self.tables(), self.sign_in(username, password))

    def record_event(self, action: str, *, user: str, detail: Mapping[str, Any]) -> None:
        """Record a read event the office must be able to trace (an export) in the audit trail."""
        self._transact(lambda conn: conn.execute(AUDIT.insert(), [
            audit.record(action, "export", None, user=user, after=dict(detail))
        ]))  # fmt: skip


#: The :data:`registry.accounts.ROLES` write each updated table needs.
_WRITE_ACTION = {"hazards": "hazard", "sites": "site"}


def _check_expected(
    label: str,
    current: Mapping[str, Any],
    expected: Mapping[str, Any] | None,
    table: str = "hazards",
) -> None:
    """Raise :class:`ConcurrentEditError` when a field differs from what the editor saw."""
    if not expected:
        return
    probe = to_records(table, coerce(table, _frame([{**current, **expected}]))[0])[0]
    changed = [k for k in expected if k in current and not _same(probe.get(k), current.get(k))]
    if changed:
        raise ConcurrentEditError(label, changed)


def _site_change(label: str, old: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The new row of a unit after ``fields``, derived fields recomputed, validated."""
    new = {**old, **fields}
    moved = any(k in fields and not _same(old.get(k), fields[k]) for k in ("lon", "lat"))
    if moved:
        if "committee" not in fields:
            new["committee"] = None  # complete_sites assigns it again
        if "outside_boundary" not in fields:
            new["outside_boundary"] = False  # flag_outside_boundary decides from the point
    if "key_list" in fields and "required_per_year" not in fields:
        new["required_per_year"] = None
    if "category" in fields and "department" not in fields:
        new["department"] = None
    frame = complete_sites(_frame([new]))
    problems = validate_sites(frame)
    if problems:
        raise RegistryValidationError([f"{label} {m}" for m in problems])
    return to_records("sites", coerce("sites", frame)[0])[0]


def _hazard_change(label: str, old: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The new row of a hazard after ``fields``, checked against the lifecycle."""
    new = {**old, **fields}
    before, after = old["status"], new["status"]
    errors: list[str] = []
    if before == enums.CLOSED_STATUS:
        errors.append(f"{label}: 已销号隐患不能再修改")
    elif after != before:
        allowed = enums.STATUS_TRANSITIONS.get(before, frozenset())
        if after not in allowed:
            errors.append(
                f"{label}: 状态不能从“{before}”直接变为“{after}”"
                f"（可变为: {'、'.join(sorted(allowed))}）"
            )
        elif after == enums.CLOSED_STATUS and new.get("reinspection_result") != "合格":
            errors.append(f"{label}: 销号须复查合格（当前复查结果: {new.get('reinspection_result')}）")
        elif after == enums.CLOSED_STATUS and new.get("level") == "重大":
            lacking = [lab for f, lab in enums.MAJOR_CLOSE_FIELDS.items() if _empty(new.get(f))]
            if lacking:
                errors.append(f"{label}: 重大隐患销号前须登记{'、'.join(lacking)}")
        elif before == "待复查" and after == "整改中" and new.get("reinspection_result") != "不合格":
            errors.append(f"{label}: 退回整改须记录复查结果“不合格”")
    if errors:
        raise RegistryValidationError(errors)
    today = dt.date.today()
    if after == "待复查" and before != "待复查" and "rectified_date" not in fields and (
        old.get("rectified_date") is None or old.get("reinspection_result") == "不合格"
    ):
        new["rectified_date"] = today  # (re-)rectified now
    if after == enums.CLOSED_STATUS and new.get("closed_date") is None:
        new["closed_date"] = today
    if not _empty(new.get("supervised_by")):
        new["supervised"] = True  # 督办单位 recorded: the hazard is 挂牌督办
    frame = _frame([new])
    problems = validate_hazards(frame)
    if problems:
        raise RegistryValidationError([f"{label} {m}" for m in problems])
    return to_records("hazards", coerce("hazards", frame)[0])[0]


def _empty(value: Any) -> bool:
    """None, NaN, NaT or blank text."""
    if isinstance(value, str):
        return value.strip() == ""
    return value is None or bool(pd.isna(value))


def _same(a: Any, b: Any) -> bool:
    """Equal cell values, with every empty value (None, NaN, NaT) equal to every other."""
    empty_a = a is None or (not isinstance(a, str) and bool(pd.isna(a)))
    empty_b = b is None or (not isinstance(b, str) and bool(pd.isna(b)))
    if empty_a or empty_b:
        return empty_a and empty_b
    return str(a) == str(b)


def _is_busy(err: sa.exc.OperationalError) -> bool:
    """The database was locked by another connection (SQLITE_BUSY / SQLITE_LOCKED)."""
    code = getattr(err.orig, "sqlite_errorcode", None)
    return code in (5, 6) or "locked" in str(err.orig) or "busy" in str(err.orig)


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's implicit transactions
    # skip DDL and SAVEPOINT); foreign keys must be switched on per connection.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 5000")
    # Write-ahead log: readers never wait for a writer and a writer never waits for readers;
    # a killed process leaves the last committed state. Read-only files stay as they are.
    with contextlib.suppress(sqlite3.OperationalError):
        cur.execute("PRAGMA journal_mode = WAL")
    cur.close()


def _on_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")


# -- default store ----------------------------------------------------------------------------
def default_store_path() -> Path:
    """``<repo>/data/generated/zhenru.db`` (does not read ``ZHENRU_STORE``; the app does)."""
    return _REPO / "data" / "generated" / "zhenru.db"


def truth_path(store_path: str | os.PathLike[str]) -> Path:
    """Where the hidden truth of a generated store is written: ``truth.csv`` next to the
    default store, ``<stem>.truth.csv`` next to any other store."""
    p = Path(store_path)
    if p.resolve() == default_store_path().resolve():
        return p.parent / "truth.csv"
    return p.with_name(f"{p.stem}.truth.csv")


def build_store(
    path: str | os.PathLike[str] | None = None,
    seed: int = DEFAULT_SEED,
    n_sites: int = DEFAULT_N_SITES,
    tables: Mapping[str, pd.DataFrame] | None = None,
    meta: Mapping[str, object] | None = None,
    user: str | None = None,
) -> SQLiteStore:
    """Build (or rebuild) a store from the sample generator (or given tables), atomically.

    An existing store of this schema version is replaced in place, in one transaction (its
    audit trail is kept); a new file, or one that is not a store of this version, is
    written to a temporary file in the same directory, which then replaces ``path`` with
    :func:`os.replace`. The ``truth`` table goes to :func:`truth_path` (CSV), never into
    the store.

    Parameters
    ----------
    path : path, optional
        Target file (default :func:`default_store_path`).
    seed, n_sites : int
        Passed to ``synthdata.generate``.
    tables : mapping, optional
        Use these tables instead of calling the generator (e.g. an import).
    meta : mapping, optional
        Metadata to record (default: seed and size for the generator, ``source=tables``).
    user : str, optional
        Who builds it (audit trail).

    Raises
    ------
    RegistryValidationError
        Invalid tables; the previous file at ``path`` (if any) is left untouched.
    """
    target = Path(path) if path is not None else default_store_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if tables is None:
        from synthdata import generate

        tables = generate(seed=seed, n_sites=n_sites)
        info: dict[str, object] = {"seed": seed, "n_sites_requested": n_sites, "source": "synthdata"}
    else:
        info = {"source": "tables"}
    info.update(meta or {})
    stored = {k: v for k, v in tables.items() if k != "truth"}
    existing = _open_existing(target)
    if existing is not None:
        # Replace in place, in one transaction: connections other processes hold on the file
        # stay valid, the audit trail is kept, and a killed import changes nothing.
        try:
            existing.replace_all(stored, meta=info, user=user)
            if info.get("source") == "synthdata":  # a year of 年度目标 events
                from synthdata.targets import add_sample_targets

                add_sample_targets(existing, seed)
        finally:
            existing.close()
    _write_truth(target, tables.get("truth"))
    if existing is not None:
        store = SQLiteStore(target)
        if info.get("source") == "synthdata":
            accounts.add_demo_accounts(store)
        return store
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _unlink_db(tmp)
    try:
        store = SQLiteStore(tmp)
        try:
            store.replace_all(stored, meta=info, user=user)
            if info.get("source") == "synthdata":  # a year of 年度目标 events
                from synthdata.targets import add_sample_targets

                add_sample_targets(store, seed)
        finally:
            store.close()
        os.replace(tmp, target)
    finally:
        _unlink_db(tmp)
    store = SQLiteStore(target)
    if info.get("source") == "synthdata":
        accounts.add_demo_accounts(store)  # the sample opens in one step (README lists them)
    return store


def _open_existing(target: Path) -> SQLiteStore | None:
    """The store at ``target`` when it is one of this schema version, else None."""
    if not target.exists():
        return None
    try:
        return SQLiteStore(target)
    except (StoreSchemaError, sa.exc.SQLAlchemyError):
        return None


def _write_truth(target: Path, truth: pd.DataFrame | None) -> None:
    if truth is None:
        return
    tpath = truth_path(target)
    ttmp = tpath.with_name(f".{tpath.name}.{os.getpid()}.tmp")
    try:
        truth.to_csv(ttmp, index=False)
        os.replace(ttmp, tpath)
    finally:
        ttmp.unlink(missing_ok=True)


def _unlink_db(path: Path) -> None:
    """Remove a database file and its journal / write-ahead-log companions."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


_ORPHAN = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp(-journal|-wal|-shm)?$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_orphans(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files a killed build or import left beside the store.

    Temporary files are named ``.<file>.<pid>.tmp`` (with SQLite's ``-journal``/``-wal``/
    ``-shm`` companions); those of processes that no longer run are deleted, those of a
    running build are left alone.

    Returns
    -------
    list of Path
        The files removed.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / ".zhenru.db.999999999.tmp").write_bytes(b"half an import")
    >>> [p.name for p in clean_orphans(folder / "zhenru.db")]
    ['.zhenru.db.999999999.tmp']
    """
    target = Path(target)
    names = {target.name, truth_path(target).name}
    removed = []
    if not target.parent.is_dir():
        return removed
    for p in sorted(target.parent.iterdir()):
        m = _ORPHAN.match(p.name)
        if m and m["name"] in names and not _alive(int(m["pid"])):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                removed.append(p)
    return removed


def default_store(
    path: str | os.PathLike[str] | None = None,
    seed: int = DEFAULT_SEED,
    n_sites: int = DEFAULT_N_SITES,
) -> SQLiteStore:
    """Open the default store, building it from ``synthdata.generate`` when missing.

    Examples
    --------
    >>> store = default_store()  # doctest: +SKIP
    >>> store.sites().crs.to_epsg()  # doctest: +SKIP
    4326
    """
    target = Path(path) if path is not None else default_store_path()
    if not target.exists():
        return build_store(target, seed=seed, n_sites=n_sites)
    store = SQLiteStore(target)
    if store.meta().get("source") == "synthdata":
        accounts.add_demo_accounts(store)  # a sample built before accounts existed
    return store
