"""The audit trail: one append-only row per write to the registry store.

Every write of :class:`registry.store.SQLiteStore` (``replace_all``, ``add_sites``,
``add_inspection``, ``update_hazard``) appends one row here *in the same transaction* as the
change itself, so a change without its audit record (or the reverse) cannot exist. Rows say
who (``user``), when (``ts``, local time), what (``action``, ``entity``, ``entity_id``), the
values before and after (JSON), and the ``request_id`` the client sent, which makes a
repeated submission (double tap, a retried request) recognisable: the store answers it with
the first result instead of writing twice.

The table is append-only in the database itself: SQLite triggers abort any ``UPDATE`` or
``DELETE`` on it, whatever program opens the file.

Examples
--------
>>> import json
>>> row = record("add_sites", "sites", "S000001", user="张三", after={"name": "某仓库"})
>>> row["action"], row["user"], json.loads(row["after"])["name"]
('add_sites', '张三', '某仓库')
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from registry.schema import metadata

__all__ = ["AUDIT", "SYSTEM_USER", "append_only_ddl", "record", "to_json"]

#: Recorded as the user of writes that no signed-in user made (CLI, sample build, tests).
SYSTEM_USER = "系统"

AUDIT = sa.Table(
    "audit",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Text, nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Text),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("request_id", sa.Text, index=True),
    sqlite_autoincrement=True,
)


def append_only_ddl() -> list[str]:
    """SQL of the triggers that make :data:`AUDIT` append-only (idempotent).

    Examples
    --------
    >>> any("BEFORE DELETE ON audit" in s for s in append_only_ddl())
    True
    """
    return [
        f"CREATE TRIGGER IF NOT EXISTS audit_no_{op.lower()} BEFORE {op} ON audit "
        "BEGIN SELECT RAISE(ABORT, '审计记录只能追加，不能修改或删除'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _plain(value: Any) -> Any:
    """A JSON-safe version of one cell (dates as ISO text, NaN/NaT as None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return None if pd.isna(value) else value.isoformat()[:10]
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def to_json(values: Mapping[str, Any] | list[Any] | None) -> str | None:
    """Values as compact JSON (Chinese kept readable), ``None`` stays ``None``.

    Examples
    --------
    >>> to_json({"deadline": dt.date(2024, 6, 10), "x": float("nan")})
    '{"deadline": "2024-06-10", "x": null}'
    """
    if values is None:
        return None
    if isinstance(values, Mapping):
        values = {str(k): _plain(v) for k, v in values.items()}
    else:
        values = [_plain(v) for v in values]
    return json.dumps(values, ensure_ascii=False, default=str)


def record(
    action: str,
    entity: str,
    entity_id: str | None,
    *,
    user: str | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | list[Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """One audit row, ready to insert into :data:`AUDIT`."""
    return {
        "ts": dt.datetime.now().isoformat(timespec="seconds"),
        "user": (user or "").strip() or SYSTEM_USER,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": to_json(before),
        "after": to_json(after),
        "request_id": request_id,
    }
