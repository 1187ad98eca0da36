"""Append-and-update imports (导入批次): preview what a file adds, changes and rejects.

Where ``python -m registry import`` replaces the whole registry, a *batch import* merges one
file into the store: units are matched by 统一社会信用代码 first, else by name and address
(normalised: spaces, full-width forms and letter case do not count), or by 单位编号 when the
file has one. :func:`preview` is a pure function of the file's rows and the store's tables;
it says, row by row as the user sees the spreadsheet (header = row 1), what would be

- **新增**: new units, inspections or hazards;
- **更新**: existing records whose fields differ (each field's value before → after);
- **不变**: rows already in the store as they are;
- **拒绝**: rows that cannot be imported, with the row, the column and the reason in Chinese.

The store writes a preview with :meth:`registry.store.SQLiteStore.apply_import` (all or
nothing, one transaction, audited, kept as a batch) and takes a batch back with
:meth:`registry.store.SQLiteStore.undo_import`.

Kinds of file (:data:`KINDS`): ``sites`` (单位名册), ``inspections`` (检查记录: each row one
inspection of a registered unit), ``hazards`` (隐患台账: each row one hazard; it joins the
unit's inspection of that day and type, or a new one), ``third_party`` (第三方检查报告: the
third-party firm's list, one row per hazard; rows of one unit, day and firm become one
inspection of type 第三方). Inspections and hazards attach to registered units only.

Reading reuses :mod:`registry.importer` (CSV in UTF-8/GBK/UTF-16, XLSX, Chinese headers and
their aliases); every value is checked by :mod:`registry.validate` and, for a change of an
existing hazard, by the store's lifecycle rule (``registry.store._hazard_change``).
Templates (:func:`template_workbook`) are generated from the same column definitions.

Examples
--------
>>> import pandas as pd
>>> store = {"sites": pd.DataFrame({"site_id": ["S000001"], "name": ["真如某仓库"],
...     "address": ["真如路1号"], "uscc": [None]})}
>>> rows = pd.DataFrame({"单位名称": ["真如某 仓库"], "地址": ["真如路１号"]})
>>> match_units(rename_for("sites", rows), store["sites"])[0].tolist()
['S000001']
>>> normalise_text(" 真如（东）路１号 ")
'真如(东)路1号'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.safe_text import cell_text
from registry import audit, uscc
from registry.enums import HAZARD_LEVELS, HAZARD_TYPES, INSPECTION_TYPES
from registry.importer import ImportErrorZh, _convert_crs, _header_map, _key, read_table
from registry.schema import DATE_FORMAT_HINT, TABLES, coerce, coerce_column, to_records
from registry.sectors import SECTORS
from registry.validate import (
    RegistryValidationError,
    complete_sites,
    validate_hazards,
    validate_inspections,
    validate_sites,
)

__all__ = [
    "KINDS",
    "KIND_ALIASES",
    "ImportPreview",
    "Update",
    "batch_rows",
    "check_preview",
    "field_label",
    "match_units",
    "normalise_text",
    "object_name",
    "preview",
    "preview_file",
    "preview_workbook",
    "read_upload",
    "rename_for",
    "stored_values",
    "summary_lines",
    "template_columns",
    "template_workbook",
]

#: Kind of file → its Chinese name (also the template's name).
KINDS: Mapping[str, str] = {
    "sites": "单位名册",
    "inspections": "检查记录",
    "hazards": "隐患台账",
    "third_party": "第三方检查报告",
}

#: Names accepted for a kind on the command line and in code.
KIND_ALIASES: Mapping[str, str] = {
    "sites": "sites", "inspections": "inspections", "hazards": "hazards",
    "third-party": "third_party", "third_party": "third_party", "第三方": "third_party",
    **{zh: k for k, zh in KINDS.items()},
}  # fmt: skip

#: Chinese names of the tables in the preview.
_OBJECT_ZH = {"sites": "单位", "inspections": "检查记录", "hazards": "隐患"}

#: Columns that identify a unit in every kind of file.
_UNIT_KEYS = ("site_id", "name", "uscc", "address")

#: Header aliases of the third-party firm's list (the schema labels are accepted too).
_THIRD_PARTY_ALIASES: Mapping[str, str] = {
    "隐患部位": "part", "部位": "part", "检查部位": "part", "隐患描述": "description",
    "问题描述": "description", "存在问题": "description", "隐患等级": "level", "等级": "level",
    "隐患级别": "level", "整改措施": "measures", "整改建议": "measures", "整改意见": "measures",
    "整改期限": "deadline", "整改时限": "deadline", "检查机构": "team", "第三方机构": "team",
    "服务机构": "team", "检查单位": "team", "检查日期": "date", "检查时间": "date",
    "隐患类别": "hazard_type", "隐患类型": "hazard_type", "检查人员": "leader",
}  # fmt: skip

#: Template columns of each kind (canonical names; labels come from registry.schema).
_TEMPLATE: Mapping[str, tuple[tuple[str, str], ...]] = {
    "sites": tuple(
        ("sites", c.name) for c in TABLES["sites"]
        if c.name not in ("source", "osm_id", "outside_boundary", "required_per_year",
                          "coord_quality")
    ),
    "inspections": (
        ("sites", "name"), ("sites", "address"), ("sites", "uscc"),
        ("inspections", "date"), ("inspections", "type"), ("inspections", "team"),
        ("inspections", "leader"),
    ),
    "hazards": (
        ("sites", "name"), ("sites", "address"), ("sites", "uscc"),
        ("inspections", "date"), ("inspections", "type"), ("inspections", "team"),
        *(("hazards", c.name) for c in TABLES["hazards"]
          if c.name not in ("inspection_id", "site_id", "found_date")),
    ),
    "third_party": (
        ("sites", "name"), ("sites", "address"), ("sites", "uscc"),
        ("inspections", "date"), ("hazards", "part"), ("hazards", "description"),
        ("hazards", "level"), ("hazards", "hazard_type"), ("hazards", "measures"),
        ("hazards", "deadline"), ("hazards", "responsible_unit"),
        ("hazards", "responsible_person"), ("inspections", "team"),
    ),
}  # fmt: skip

#: Template headers that differ from the schema label (the firm's own words).
_TEMPLATE_LABELS: Mapping[str, Mapping[str, str]] = {
    "third_party": {"part": "隐患部位", "team": "检查机构"},
}

#: Required columns of a kind (besides a unit key), with the reason shown when absent.
_REQUIRED: Mapping[str, tuple[str, ...]] = {
    "sites": (),
    "inspections": ("date",),
    "hazards": ("description", "level"),
    "third_party": ("date",),
}

_ROW = re.compile(r"^第(\d+)行: (.*)$", re.S)
_ASCII_NAME = re.compile(r"（([a-z_0-9]+)）")


@dataclasses.dataclass(frozen=True)
class Update:
    """One change of an existing record: only the fields that differ.

    Attributes
    ----------
    table : str
        ``sites``, ``inspections`` or ``hazards``.
    key : str
        The record's id.
    before, after : dict
        The changed fields' stored values and their new values (plain Python values).
    """

    table: str
    key: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ImportPreview:
    """What a file would do to the store (see :func:`preview`).

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    source_name : str
        The file's name (shown in the batch list).
    added, changed, unchanged, rejected : DataFrame
        Tables for people: 行号 (spreadsheet row), 对象, 编号, 单位名称, 内容 (added);
        行号, 对象, 编号, 单位名称, 字段, 原值, 新值 (changed, one line per field);
        行号, 对象, 编号, 单位名称 (unchanged); 行号, 列, 原因 (rejected).
    inserts : dict of list of dict
        New records per table, in write order; ids starting with ``+`` are placeholders the
        store replaces with fresh ids (children refer to their parent's placeholder).
    updates : tuple of Update
        Changes of existing records.
    notes : tuple of str
        Remarks about the file (ignored columns …).
    """

    kind: str
    source_name: str
    added: pd.DataFrame
    changed: pd.DataFrame
    unchanged: pd.DataFrame
    rejected: pd.DataFrame
    inserts: dict[str, list[dict[str, Any]]]
    updates: tuple[Update, ...]
    notes: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        """Data rows of the file (added + changed + unchanged + rejected rows)."""
        rows = set()
        for frame in (self.added, self.changed, self.unchanged, self.rejected):
            rows |= set(frame["行号"].tolist())
        return len(rows)

    @property
    def ok(self) -> bool:
        """No row was rejected and there is something to write."""
        return self.rejected.empty and bool(self.updates or any(self.inserts.values()))

    def digest(self) -> str:
        """Content hash of what would be written (a submission id for ``request_id``)."""
        text = json.dumps(
            [self.kind, self.inserts, [dataclasses.astuple(u) for u in self.updates]],
            sort_keys=True, default=str, ensure_ascii=False,
        )  # fmt: skip
        return hashlib.sha256(text.encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        """Rows per outcome: 新增, 更新, 不变, 拒绝 (file rows, not records)."""
        return {
            "新增": self.added["行号"].nunique(),
            "更新": self.changed["行号"].nunique(),
            "不变": self.unchanged["行号"].nunique(),
            "拒绝": self.rejected["行号"].nunique(),
        }


# -- text keys -----------------------------------------------------------------------------
def normalise_text(value: Any) -> str:
    """A name or address as a matching key: NFKC (full-width → half-width), no spaces.

    Examples
    --------
    >>> normalise_text("真如 某公司（真如店）") == normalise_text("真如某公司(真如店)")
    True
    >>> normalise_text(None)
    ''
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", text).lower()


def _uscc_key(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return uscc.normalise(str(value))


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return value != value  # NaN
    return bool(pd.isna(value))


# -- reading -------------------------------------------------------------------------------
def _mapping(kind: str) -> dict[str, str]:
    """Header key → canonical column of a kind (unit keys first, then the kind's tables)."""
    site_map = _header_map("sites")
    mapping: dict[str, str] = {}
    if kind == "sites":
        return dict(site_map)
    for key, name in site_map.items():
        if name in _UNIT_KEYS:
            mapping[key] = name
    mapping.setdefault(_key("单位名称"), "name")
    extra: list[Mapping[str, str]] = []
    if kind == "third_party":
        extra.append({_key(k): v for k, v in _THIRD_PARTY_ALIASES.items()})
    if kind in ("hazards", "third_party"):
        extra.append(_header_map("hazards"))
    extra.append(_header_map("inspections"))
    for table_map in extra:
        for key, name in table_map.items():
            if name in ("site_name",):
                name = "name"
            if name in ("site_id", "inspection_id") and kind == "third_party":
                continue
            mapping.setdefault(key, name)
    # 编号 means the record's own id in a table of inspections or hazards, not the unit's
    if kind == "inspections":
        mapping[_key("编号")] = "inspection_id"
    elif kind == "hazards":
        mapping[_key("编号")] = "hazard_id"
    return mapping


def rename_for(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """Rename a file's headers to canonical columns for ``kind`` (unknown ones kept as they are).

    Raises
    ------
    ImportErrorZh
        Two headers name the same column.

    Examples
    --------
    >>> rename_for("third_party", pd.DataFrame(columns=["单位名称", "隐患部位", "检查机构"])).columns.tolist()
    ['name', 'part', 'team']
    """
    kind = _kind(kind)
    mapping = _mapping(kind)
    renamed = {c: mapping.get(_key(c), c) for c in df.columns}
    seen: dict[str, str] = {}
    for original, name in renamed.items():
        if name in seen:
            raise ImportErrorZh(f"表头“{seen[name]}”与“{original}”都对应列 {name}，请只保留一个")
        seen[name] = str(original)
    out = df.rename(columns=renamed)
    out.attrs["headers"] = {v: str(k) for k, v in renamed.items()}
    return out


def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """Read an uploaded file (bytes and its name) with the importer's reader.

    Errors name the uploaded file, not the temporary copy it is read from.

    Raises
    ------
    ImportErrorZh
        Unreadable, empty or header-only file (Chinese message).

    Examples
    --------
    >>> read_upload("单位名称,地址\\n甲厂,真如路1号\\n".encode("gbk"), "名册.csv").iloc[0, 0]
    '甲厂'
    """
    safe = Path(str(name)).name or "upload"
    suffix = Path(safe).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="zhenru-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return read_table(path)
        except ImportErrorZh as err:
            raise ImportErrorZh(str(err).replace(str(path), safe)) from err


def _kind(kind: str) -> str:
    found = KIND_ALIASES.get(str(kind).strip())
    if found is None:
        raise ImportErrorZh(
            f"未知导入类型 {kind!r}（可选: sites 单位名册、inspections 检查记录、hazards 隐患台账、"
            "third-party 第三方检查报告）"
        )
    return found


# -- matching ------------------------------------------------------------------------------
def match_units(rows: pd.DataFrame, sites: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Registered unit of each row: by 单位编号, else 统一社会信用代码, else name + address
    (a row without an address: the one registered unit of that name).

    Parameters
    ----------
    rows : DataFrame
        Renamed rows (any of ``site_id``, ``uscc``, ``name``, ``address``).
    sites : DataFrame
        The store's units (``site_id``, ``name``, ``address``, ``uscc``).

    Returns
    -------
    (Series, Series, Series)
        The matched ``site_id`` (None = no registered unit), a Chinese problem per row
        (None = none: a code of another unit, an ambiguous name) and the column it concerns.
    """
    by_id = set(sites["site_id"].astype(str))
    codes = (
        sites["uscc"].map(_uscc_key)
        if "uscc" in sites.columns
        else pd.Series("", index=sites.index)
    )
    code_of = dict(zip(sites["site_id"].astype(str), codes, strict=True))
    by_code: dict[str, str | None] = {}
    for sid, code in code_of.items():
        if code:
            by_code[code] = None if code in by_code else sid  # None = two units share it
    names = sites["name"].map(normalise_text) + "|" + sites["address"].map(normalise_text)
    by_name: dict[str, str | None] = {}
    for sid, key in zip(sites["site_id"].astype(str), names, strict=True):
        by_name[key] = None if key in by_name else sid
    for sid, name in zip(sites["site_id"].astype(str), sites["name"], strict=True):
        key = "name:" + normalise_text(name)
        by_name[key] = None if key in by_name else sid
    n = len(rows)

    def col(name: str) -> list[Any]:
        return rows[name].tolist() if name in rows.columns else [None] * n

    ids, problems, columns = [None] * n, [None] * n, [None] * n
    for i, (sid, code, name, address) in enumerate(
        zip(col("site_id"), col("uscc"), col("name"), col("address"), strict=True)
    ):
        if not _blank(sid):
            sid = str(sid).strip()
            if sid in by_id:
                ids[i] = sid
            elif name is None or _blank(name):
                problems[i], columns[i] = f"单位编号 {sid} 不存在", "site_id"
            continue
        code = _uscc_key(code)
        if code:
            if code in by_code:
                if by_code[code] is None:
                    problems[i], columns[i] = (
                        f"统一社会信用代码 {code} 在台账中登记了多个单位",
                        "uscc",
                    )
                else:
                    ids[i] = by_code[code]
                continue
        if _blank(name):
            continue
        key = normalise_text(name) + "|" + normalise_text(address)
        if key not in by_name and _blank(address):
            # no address in the row: a name that only one registered unit has (as the
            # registry import links inspections by a unique 单位名称)
            key = "name:" + normalise_text(name)
        if key not in by_name:
            continue
        sid = by_name[key]
        if sid is None:
            problems[i], columns[i] = (
                "同名单位在台账中有多个，请填写地址或统一社会信用代码"
                if key.startswith("name:")
                else "名称和地址相同的单位在台账中有多个，请填写统一社会信用代码",
                "name",
            )
        elif code and code_of.get(sid):
            problems[i], columns[i] = (
                f"名称和地址与已登记单位 {sid} 相同，但统一社会信用代码不同（台账为 {code_of[sid]}）",
                "uscc",
            )
        else:
            ids[i] = sid
    index = rows.index
    return (
        pd.Series(ids, index=index, dtype=object),
        pd.Series(problems, index=index, dtype=object),
        pd.Series(columns, index=index, dtype=object),
    )


def _duplicates(keys: Sequence[tuple[str, pd.Series, str]]) -> dict[int, tuple[str, str]]:
    """Positions of rows repeating an earlier row's key → (column, reason).

    ``keys``: (column, key per row, what the key is in words); empty keys never repeat.
    """
    out: dict[int, tuple[str, str]] = {}
    for column, values, what in keys:
        first: dict[Any, int] = {}
        for i, v in enumerate(values.tolist()):
            if v is None or v == "" or v == "|" or i in out:
                continue
            if v in first:
                out[i] = (column, f"与第{first[v] + 2}行重复（{what}相同）")
            else:
                first[v] = i
    return out


# -- labels and messages ---------------------------------------------------------------------
def _label(name: str) -> str:
    for table in ("sites", "inspections", "hazards"):
        for c in TABLES[table]:
            if c.name == name:
                return c.label
    return {"name": "单位名称", "date": "检查日期"}.get(name, name)


def _column_of(table: str, reason: str) -> str:
    """The column a validation message is about (its ``（name）`` or the earliest label)."""
    m = _ASCII_NAME.search(reason)
    if m and any(c.name == m.group(1) for c in TABLES[table]):
        return m.group(1)
    best, where = "", len(reason) + 1
    for c in TABLES[table]:
        k = reason.find(c.label) if c.label else -1
        if 0 <= k < where or (k == where and len(c.label) > len(_label(best))):
            best, where = c.name, k
    return best


class _Rejects:
    """Rejected rows: (spreadsheet row, column header as in the file, reason)."""

    def __init__(self, headers: Mapping[str, str]):
        self.headers = headers
        self.rows: list[tuple[int, str, str]] = []
        self.positions: set[int] = set()

    def add(self, pos: int, column: str, reason: str) -> None:
        shown = self.headers.get(column) or (_label(column) if column else "")
        self.rows.append((pos + 2, shown, reason))
        self.positions.add(pos)

    def from_messages(self, table: str, messages: Iterable[str], positions: Sequence[int]) -> None:
        """Validation messages of a frame whose row k (1-based) is file position positions[k-1]."""
        file_level = []
        for message in messages:
            m = _ROW.match(message)
            if m is None:
                file_level.append(message)
                continue
            k, reason = int(m.group(1)), m.group(2)
            self.add(positions[k - 1], _column_of(table, reason), reason)
        if file_level:
            raise RegistryValidationError(file_level)

    def frame(self) -> pd.DataFrame:
        rows = sorted(self.rows, key=lambda r: r[0])
        return pd.DataFrame(rows, columns=["行号", "列", "原因"])


def _plain_records(table: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    return to_records(table, coerce(table, frame)[0])


def _same(a: Any, b: Any) -> bool:
    if type(a) is type(b) and not isinstance(a, float) and a == b:
        return True  # the common case of an unchanged field, without conversions
    ea, eb = _blank(a), _blank(b)
    if ea or eb:
        return ea and eb
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    return str(a) == str(b)


def _shown(value: Any) -> str:
    if _blank(value):
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- the preview -----------------------------------------------------------------------------
def preview_file(
    path: str | Path, kind: str, tables: Mapping[str, pd.DataFrame], crs: str | None = None
) -> ImportPreview:
    """Read a file (CSV/XLSX) and :func:`preview` it against the store's ``tables``."""
    raw = read_table(path)
    return preview(raw, kind, tables, source_name=Path(path).name, crs=crs)


def preview(
    raw: pd.DataFrame,
    kind: str,
    tables: Mapping[str, pd.DataFrame],
    source_name: str = "",
    crs: str | None = None,
    today: dt.date | None = None,
) -> ImportPreview:
    """What importing ``raw`` (a file's rows, headers as in the file) would add and change.

    Pure: reads only its arguments. Blank cells of an existing record keep the stored value
    (a file never clears a field by leaving it out).

    Parameters
    ----------
    raw : DataFrame
        The file's rows as read by :func:`registry.importer.read_table` (row k = spreadsheet
        row k + 2).
    kind : str
        ``sites``, ``inspections``, ``hazards`` or ``third_party`` (see :data:`KIND_ALIASES`).
    tables : mapping
        The store's ``sites``, ``inspections`` and ``hazards`` (``SQLiteStore.tables()``).
    source_name : str
        The file's name, kept with the batch.
    crs : str, optional
        Coordinate system of a unit file without a 坐标系 column (``gcj02``, ``bd09``).
    today : date, optional
        For the default 整改期限 of the third-party list (tests).

    Returns
    -------
    ImportPreview

    Raises
    ------
    ImportErrorZh
        No data rows, or no column naming the unit / a column the kind needs.
    RegistryValidationError
        A problem of the whole file (not of a row).
    """
    kind = _kind(kind)
    if raw is None or raw.empty:
        raise ImportErrorZh(f"{source_name or '文件'}: 没有数据行；空文件不会导入，也不会清空台账")
    df = rename_for(kind, raw.reset_index(drop=True).astype(object))
    headers = dict(df.attrs.get("headers", {}))
    known = {c.name for t in ("sites", "inspections", "hazards") for c in TABLES[t]} | {"coord_sys"}
    ignored = [headers.get(c, str(c)) for c in df.columns if c not in known]
    if not any(c in df.columns for c in ("site_id", "name", "uscc")):
        raise ImportErrorZh(
            f"{source_name or '文件'}: 缺少标识单位的列（单位名称、统一社会信用代码或单位编号，至少一列）"
        )
    missing = [_label(c) for c in _REQUIRED[kind] if c not in df.columns]
    if kind == "hazards" and "date" not in df.columns and "found_date" not in df.columns:
        missing.insert(0, "检查日期（或发现日期）")
    if missing:
        raise ImportErrorZh(f"{source_name or '文件'}: 缺少必需列 {'、'.join(missing)}")
    notes = (f"未识别的列（已忽略）: {'、'.join(ignored)}",) if ignored else ()
    rejects = _Rejects(headers)
    sites = tables["sites"]
    if kind == "sites":
        out = _preview_sites(df, sites, rejects, crs)
    else:
        out = _preview_ledger(df, kind, tables, rejects, today or dt.date.today())
    added, changed, unchanged, inserts, updates = out
    # a rejected row contributes nothing: all or nothing, so the preview says what is wrong
    return ImportPreview(
        kind=kind, source_name=str(source_name), added=added, changed=changed,
        unchanged=unchanged, rejected=rejects.frame(), inserts=inserts, updates=tuple(updates),
        notes=notes,
    )  # fmt: skip


def _frame_of(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


_ADDED_COLUMNS = ["行号", "对象", "编号", "单位名称", "内容"]
_CHANGED_COLUMNS = ["行号", "对象", "编号", "单位名称", "字段", "原值", "新值"]
_UNCHANGED_COLUMNS = ["行号", "对象", "编号", "单位名称"]


def _cells(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The file's cells of ``columns`` (absent ones as empty), blank text as missing."""
    out = pd.DataFrame(index=df.index)
    for c in columns:
        values = df[c] if c in df.columns else pd.Series(None, index=df.index, dtype=object)
        values = values.astype(object)
        text = values.map(lambda v: v if isinstance(v, str) else None)
        blank = values.isna() | (text.notna() & text.fillna("").str.strip().eq(""))
        out[c] = values.where(~blank, None)
    return out


def _preview_sites(
    df: pd.DataFrame, sites: pd.DataFrame, rejects: _Rejects, crs: str | None
) -> tuple:
    from registry.importer import CRS_NAMES

    crs_key = CRS_NAMES.get(_key(crs)) if crs else None
    if crs and crs_key is None:
        raise ImportErrorZh(f"未知坐标系 {crs!r}（可选: wgs84、gcj02、bd09）")
    df = _convert_crs(df, crs_key, "单位")
    names = [c.name for c in TABLES["sites"]]
    given = _cells(df, names)
    if "uscc" in df.columns:
        given["uscc"] = given["uscc"].map(lambda v: None if v is None else uscc.normalise(str(v)))
    matched, problems, columns = match_units(given, sites)
    matched_l = matched.tolist()
    for pos in np.flatnonzero(problems.notna().to_numpy()):
        rejects.add(int(pos), columns.iloc[pos], problems.iloc[pos])
    keys = [
        ("site_id", given["site_id"].map(lambda v: "" if v is None else str(v).strip()), "单位编号"),
        ("uscc", given["uscc"].map(_uscc_key), "统一社会信用代码"),
        ("name", given["name"].map(normalise_text) + "|" + given["address"].map(normalise_text),
         "单位名称和地址"),
        ("name", matched, "对应的已登记单位"),
    ]  # fmt: skip
    for pos, (column, reason) in _duplicates(keys).items():
        if pos not in rejects.positions:
            rejects.add(pos, column, reason)
    ok = [i for i in range(len(df)) if i not in rejects.positions]
    cells = given.to_dict("records")
    matched_ids = [matched_l[i] for i in ok if matched_l[i] is not None]
    plain = sites.drop(columns="geometry", errors="ignore")
    olds = plain.set_index(plain["site_id"].astype(str), drop=False).loc[matched_ids]
    old_of = dict(zip(matched_ids, olds.to_dict("records"), strict=True))
    new_rows: list[dict[str, Any]] = []
    for i in ok:
        row = {k: v for k, v in cells[i].items() if v is not None}
        sid = matched_l[i]
        if sid is None:
            new_rows.append({**row, "site_id": row.get("site_id") or f"+S{i}"})
            continue
        old = old_of[sid]
        row.pop("site_id", None)
        row.pop("source", None)
        for f in ("name", "address"):  # matched as the same text: keep the stored spelling
            if f in row and normalise_text(row[f]) == normalise_text(old.get(f)):
                row.pop(f)
        new = {**old, **row}
        # the store's rule for a corrected unit (registry.store._site_change): derived fields
        # follow a moved point, a new 重点 flag and a new category unless the file gives them
        if any(k in row and not _same(old.get(k), row[k]) for k in ("lon", "lat")):
            if "committee" not in row:
                new["committee"] = None
            if "outside_boundary" not in row:
                new["outside_boundary"] = False
        if "key_list" in row and "required_per_year" not in row:
            new["required_per_year"] = None
        if "category" in row and not _same(old.get("category"), row["category"]):
            if "department" not in row:
                new["department"] = None
            if "subcategory" not in row:
                new["subcategory"] = ""  # the old one belongs to the old category
        new_rows.append(new)
    frame = pd.DataFrame(new_rows, columns=names) if new_rows else pd.DataFrame(columns=names)
    if len(frame):
        frame = complete_sites(frame)
        rejects.from_messages("sites", validate_sites(frame), ok)
    records = _plain_records("sites", frame) if len(frame) else []
    added, changed, unchanged, inserts, updates = [], [], [], [], []
    old_records = {}
    if matched_ids:
        old_records = {
            r["site_id"]: r for r in _plain_records("sites", olds.reset_index(drop=True))
        }
    for k, i in enumerate(ok):
        if i in rejects.positions:
            continue
        rec, sid = records[k], matched_l[i]
        if sid is None:
            inserts.append(rec)
            summary = f"{rec['category']}｜{rec['address'] or '（无地址）'}｜居委 {rec['committee'] or '—'}"
            added.append((i + 2, "单位", "新增", rec["name"], summary))
            continue
        old = old_records[sid]
        diff = {f: v for f, v in rec.items() if f != "source" and not _same(old.get(f), v)}
        if not diff:
            unchanged.append((i + 2, "单位", sid, rec["name"]))
            continue
        updates.append(Update("sites", sid, {f: old.get(f) for f in diff}, diff))
        for f, v in diff.items():
            changed.append(
                (i + 2, "单位", sid, old["name"], _label(f), _shown(old.get(f)), _shown(v))
            )
    return (
        _frame_of(added, _ADDED_COLUMNS), _frame_of(changed, _CHANGED_COLUMNS),
        _frame_of(unchanged, _UNCHANGED_COLUMNS), {"sites": inserts}, updates,
    )  # fmt: skip


def _deadline(day: Any, value: Any, level: Any) -> Any:
    """整改期限 written as a date, ``立即``, ``N天``, or left empty (一般 +7 / 重大 +30 days,
    :func:`ledger.inspection_form.default_deadline`)."""
    from ledger.inspection_form import default_deadline

    if day is None or pd.isna(day):
        return value
    day = day.date()
    if _blank(value):
        return default_deadline(day, level) if level in HAZARD_LEVELS else value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text in ("立即", "立即整改", "当场", "当场整改"):
        return day
    m = re.fullmatch(r"(\d{1,3})\s*(天|日)内?", text)
    if m:
        return day + dt.timedelta(days=int(m.group(1)))
    return value


_HAZARD_MESSAGE = re.compile(r"^隐患 \S+?(?:: | 第\d+行: )")
_COUNT_FIELDS = ("n_hazards", "hazard_found", "major_found")


def _unit_rejects(units: pd.DataFrame, sites: pd.DataFrame, rejects: _Rejects) -> pd.Series:
    """Match each row's unit; rows without a registered unit are rejected."""
    matched, problems, columns = match_units(units, sites)
    for pos, (sid, problem, column) in enumerate(zip(matched, problems, columns, strict=True)):
        if problem is not None:
            rejects.add(pos, column, problem)
        elif sid is None:
            what = units.iloc[pos]
            if all(_blank(what[c]) for c in ("site_id", "name", "uscc")):
                rejects.add(pos, "name", "单位名称、统一社会信用代码都为空，无法确定单位")
            else:
                rejects.add(
                    pos, "name" if _blank(what["uscc"]) else "uscc",
                    "台账中找不到该单位（按统一社会信用代码、名称+地址匹配）；请先导入单位名册",
                )  # fmt: skip
    return matched


def _preview_ledger(
    df: pd.DataFrame,
    kind: str,
    tables: Mapping[str, pd.DataFrame],
    rejects: _Rejects,
    today: dt.date,
) -> tuple:
    sites, insp, haz = tables["sites"], tables["inspections"], tables["hazards"]
    n = len(df)
    matched = _unit_rejects(_cells(df, _UNIT_KEYS), sites, rejects)
    matched_l = matched.tolist()
    site_name = dict(zip(sites["site_id"].astype(str), sites["name"].astype(str), strict=True))
    icols = [c.name for c in TABLES["inspections"]]
    hcols = [c.name for c in TABLES["hazards"]]
    cells = _cells(df, sorted(set(icols) | set(hcols) | {"date"}))
    if kind == "hazards":
        blank = cells["date"].isna()
        cells.loc[blank, "date"] = cells.loc[blank, "found_date"]
    if kind == "third_party":
        cells["type"] = "第三方"
    elif kind == "hazards":
        cells["type"] = cells["type"].where(cells["type"].notna(), "日常")
    dates, bad = coerce_column("inspections", "date", cells["date"])
    for pos in range(n):
        if pos in rejects.positions:
            continue
        if cells["date"].iloc[pos] is None:
            rejects.add(pos, "date", "检查日期为空")
        elif bad.iloc[pos]:
            rejects.add(
                pos,
                "date",
                f"检查日期不是有效日期（{cells['date'].iloc[pos]!r}），{DATE_FORMAT_HINT}",
            )
    day = dates.dt.strftime("%Y-%m-%d").fillna("")
    if kind != "inspections":
        # 隐患等级 as the firm writes it (一般隐患 / 重大隐患); 隐患类别 may be left out (其他);
        # 责任单位 defaults to the unit itself; 整改期限 may be 立即 / N天 / empty
        filled = {
            f: cells[f].isna().tolist() for f in ("hazard_type", "responsible_unit", "deadline")
        }
        cells["level"] = cells["level"].map(
            lambda v: v.strip().removesuffix("隐患") if isinstance(v, str) else v
        )
        cells["hazard_type"] = cells["hazard_type"].where(cells["hazard_type"].notna(), "其他")
        cells["responsible_unit"] = cells["responsible_unit"].where(
            cells["responsible_unit"].notna(), matched.map(site_name.get)
        )
        cells["deadline"] = [
            _deadline(d, v, lv)
            for d, v, lv in zip(dates, cells["deadline"], cells["level"], strict=True)
        ]
    has_hazard = cells["description"].notna() & (kind != "inspections")
    if kind == "hazards":
        for pos in np.flatnonzero((~has_hazard).to_numpy()):
            if int(pos) not in rejects.positions:
                rejects.add(int(pos), "description", "隐患描述为空")
    rows = cells.to_dict("records")
    # -- inspections: the store's inspection of this unit, day and type, else a new one --------
    ekey = (
        insp["site_id"].astype(str)
        + "|"
        + insp["date"].dt.strftime("%Y-%m-%d")
        + "|"
        + insp["type"].astype(str)
    )
    counts = ekey.value_counts().to_dict()
    by_key = dict(zip(ekey, insp["inspection_id"].astype(str), strict=True))
    old_insp = insp.set_index(insp["inspection_id"].astype(str), drop=False)
    key = matched.fillna("").astype(str) + "|" + day + "|" + cells["type"].fillna("").astype(str)
    team = cells["team"].map(lambda v: "" if v is None else str(v).strip())
    group = key + "|" + team
    key_l, group_l, has_hazard_l = key.tolist(), group.tolist(), has_hazard.tolist()
    seen_key: dict[str, int] = {}
    ins_new: dict[str, dict[str, Any]] = {}  # group → new inspection (placeholder id)
    ins_row: dict[str, int] = {}  # placeholder → its first row
    ins_of_row: dict[int, str] = {}
    ins_changes: dict[str, dict[str, Any]] = {}
    ins_change_row: dict[str, int] = {}
    for i in range(n):
        if i in rejects.positions:
            continue
        k = key_l[i]
        if kind == "inspections":
            if k in seen_key:
                rejects.add(
                    i, "date", f"与第{seen_key[k] + 2}行重复（同一单位、检查日期和检查类型）"
                )
                continue
            seen_key[k] = i
        if counts.get(k, 0) > 1:
            rejects.add(i, "date", "该单位当天同类检查在台账中有多条，无法确定是哪一次")
            continue
        r = rows[i]
        if k in by_key:
            iid = by_key[k]
            ins_of_row[i] = iid
            if kind == "inspections":
                for f in ("team", "leader"):
                    v = r[f]
                    if v is not None and not _same(old_insp.at[iid, f], str(v).strip()):
                        ins_changes.setdefault(iid, {})[f] = str(v).strip()
                        ins_change_row.setdefault(iid, i)
            continue
        g = group_l[i]
        if g not in ins_new:
            ins_new[g] = {
                "inspection_id": f"+I{i}", "site_id": matched_l[i], "date": r["date"],
                "type": r["type"], "team": r["team"], "leader": r["leader"],
            }  # fmt: skip
            ins_row[f"+I{i}"] = i
        ins_of_row[i] = ins_new[g]["inspection_id"]
    # -- hazards: an existing one (by 隐患编号, else unit + day + part + description) or new --
    haz_new: list[dict[str, Any]] = []
    haz_rows: list[int] = []
    haz_updates: list[tuple[int, str, dict[str, Any]]] = []
    unchanged_rows: list[tuple[int, str, str]] = []
    hold = haz.set_index(haz["hazard_id"].astype(str), drop=False)
    if kind != "inspections":
        hkey = (
            haz["site_id"].astype(str)
            + "|"
            + haz["found_date"].dt.strftime("%Y-%m-%d")
            + "|"
            + haz["description"].map(normalise_text)
            + "|"
            + haz["part"].map(normalise_text)
        )
        hcount = hkey.value_counts().to_dict()
        by_hkey = dict(zip(hkey, haz["hazard_id"].astype(str), strict=True))
        row_hkey = (
            matched.fillna("").astype(str)
            + "|"
            + day
            + "|"
            + cells["description"].map(normalise_text)
            + "|"
            + cells["part"].map(normalise_text)
        )
        row_hkey_l = row_hkey.tolist()
        seen: dict[str, int] = {}
        fixed = {"hazard_id", "inspection_id", "site_id", "found_date"}
        for i in range(n):
            if i in rejects.positions or not has_hazard_l[i]:
                continue
            r = rows[i]
            hid = str(r["hazard_id"]).strip() if kind == "hazards" and r["hazard_id"] else None
            hk = row_hkey_l[i]
            if hk in seen:
                rejects.add(
                    i, "description", f"与第{seen[hk] + 2}行重复（同一单位、日期、部位和隐患描述）"
                )
                continue
            seen[hk] = i
            target = None
            if hid is not None and hid in hold.index:
                target = hid
                if str(hold.at[target, "site_id"]) != matched_l[i]:
                    rejects.add(
                        i,
                        "hazard_id",
                        f"隐患 {target} 属于单位 {hold.at[target, 'site_id']}，与本行单位不符",
                    )
                    continue
            elif hid is None and hcount.get(hk, 0) == 1:
                target = by_hkey[hk]
            elif hid is None and hcount.get(hk, 0) > 1:
                rejects.add(
                    i,
                    "description",
                    "台账中有多条相同的隐患（同一单位、日期、部位和描述），请填写隐患编号",
                )
                continue
            given = {f: r[f] for f in hcols if f not in fixed and r[f] is not None}
            if target is not None:
                # defaults are for new hazards: an existing one keeps what the file left empty
                given = {f: v for f, v in given.items() if not (f in filled and filled[f][i])}
                haz_updates.append((i, target, given))
                continue
            if i not in ins_of_row:
                continue  # its inspection was refused above
            haz_new.append({
                **given, "hazard_id": hid or f"+H{i}", "inspection_id": ins_of_row[i],
                "site_id": matched_l[i], "found_date": r["date"],
            })  # fmt: skip
            haz_rows.append(i)
    # -- validate new records ---------------------------------------------------------------
    hazards_per: dict[str, list[dict[str, Any]]] = {}
    for h in haz_new:
        hazards_per.setdefault(h["inspection_id"], []).append(h)
    if haz_new:
        new_haz = pd.DataFrame(haz_new).reindex(columns=hcols)
        new_site = {x["inspection_id"]: x["site_id"] for x in ins_new.values()}
        parents = pd.DataFrame(
            [
                (v, new_site[v] if v.startswith("+") else old_insp.at[v, "site_id"])
                for v in {h["inspection_id"] for h in haz_new}
            ],
            columns=["inspection_id", "site_id"],
        )
        known_ids = set(hold.index)
        for h, i in zip(haz_new, haz_rows, strict=True):
            if not h["hazard_id"].startswith("+") and h["hazard_id"] in known_ids:
                rejects.add(i, "hazard_id", f"隐患编号 {h['hazard_id']} 已存在")
        rejects.from_messages("hazards", validate_hazards(new_haz, parents), haz_rows)
    new_insp = None
    if ins_new:
        new_insp = pd.DataFrame(list(ins_new.values()), columns=icols[:6])
        per = new_insp["inspection_id"].map(lambda v: hazards_per.get(v, []))
        new_insp["n_hazards"] = per.map(len)
        new_insp["hazard_found"] = (new_insp["n_hazards"] > 0).astype(int)
        new_insp["major_found"] = per.map(lambda hs: int(any(h.get("level") == "重大" for h in hs)))
        rejects.from_messages(
            "inspections",
            validate_inspections(new_insp, site_ids=set(sites["site_id"].astype(str))),
            [ins_row[v] for v in new_insp["inspection_id"]],
        )
    # -- changes of existing hazards: the store's lifecycle rule, one hazard at a time ------
    from registry.store import _hazard_change

    hazard_changes: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    for i, hid, given in haz_updates:
        old = _plain_records("hazards", hold.loc[[hid]].reset_index(drop=True))[0]
        probe = _plain_records("hazards", pd.DataFrame([{**old, **given}]))[0]
        fields = {f: probe[f] for f in given if not _same(old.get(f), probe[f])}
        if not fields:
            unchanged_rows.append((i, "隐患", hid))
            continue
        try:
            new = _hazard_change(f"隐患 {hid}", old, fields)
        except RegistryValidationError as err:
            for message in err.errors:
                reason = _HAZARD_MESSAGE.sub("", message)
                rejects.add(i, _column_of("hazards", reason) or "status", f"隐患 {hid}: {reason}")
            continue
        diff = {f: v for f, v in new.items() if not _same(old.get(f), v)}
        hazard_changes.append((i, hid, {f: old.get(f) for f in diff}, diff))
    # -- result -----------------------------------------------------------------------------
    added: list[tuple] = []
    changed: list[tuple] = []
    unchanged: list[tuple] = []
    inserts: dict[str, list[dict[str, Any]]] = {"inspections": [], "hazards": []}
    updates: list[Update] = []
    if new_insp is not None:
        for r in _plain_records("inspections", new_insp):
            inserts["inspections"].append(r)
            i = ins_row[r["inspection_id"]]
            if not hazards_per.get(r["inspection_id"]):
                added.append(
                    (
                        i + 2,
                        "检查记录",
                        "新增",
                        site_name.get(r["site_id"], ""),
                        f"{r['date']} {r['type']} {r['team'] or ''}".strip(),
                    )
                )
    if haz_new:
        for r, i in zip(_plain_records("hazards", new_haz), haz_rows, strict=True):
            inserts["hazards"].append(r)
            added.append(
                (
                    i + 2,
                    "隐患",
                    "新增",
                    site_name.get(r["site_id"], ""),
                    f"{r['level']}｜{r['part'] or ''}｜{r['description']}｜期限 {r['deadline']}",
                )
            )
    # an existing inspection that receives hazards keeps its counts true
    for iid, new_h in hazards_per.items():
        if iid.startswith("+"):
            continue
        old = old_insp.loc[iid]
        after = {
            "n_hazards": int(old["n_hazards"]) + len(new_h),
            "hazard_found": 1,
            "major_found": int(
                bool(old["major_found"]) or any(h.get("level") == "重大" for h in new_h)
            ),
        }
        ins_changes.setdefault(iid, {}).update({f: v for f, v in after.items() if int(old[f]) != v})
    for iid, fields in ins_changes.items():
        if not fields:
            continue
        old = old_insp.loc[iid]
        before = {
            f: int(old[f]) if f in _COUNT_FIELDS else (None if _blank(old[f]) else str(old[f]))
            for f in fields
        }
        updates.append(Update("inspections", iid, before, dict(fields)))
        if iid in ins_change_row:
            i = ins_change_row[iid]
            for f, v in fields.items():
                changed.append(
                    (
                        i + 2,
                        "检查记录",
                        iid,
                        site_name.get(str(old["site_id"]), ""),
                        _label(f),
                        _shown(before[f]),
                        _shown(v),
                    )
                )
    for i, hid, before, after in hazard_changes:
        updates.append(Update("hazards", hid, before, after))
        for f, v in after.items():
            changed.append(
                (
                    i + 2,
                    "隐患",
                    hid,
                    site_name.get(matched_l[i], ""),
                    _label(f),
                    _shown(before[f]),
                    _shown(v),
                )
            )
    for i, what, key_id in unchanged_rows:
        unchanged.append((i + 2, what, key_id, site_name.get(matched_l[i], "")))
    changed_rows = {c[0] for c in changed}
    for i, iid in ins_of_row.items():
        if i in rejects.positions or has_hazard_l[i] or (i + 2) in changed_rows:
            continue
        if not iid.startswith("+"):
            unchanged.append((i + 2, "检查记录", iid, site_name.get(matched_l[i], "")))
        elif ins_row[iid] != i:  # a repeated row of a new inspection without a hazard
            unchanged.append((i + 2, "检查记录", "新增", site_name.get(matched_l[i], "")))
    return (
        _frame_of(sorted(added), _ADDED_COLUMNS), _frame_of(sorted(changed), _CHANGED_COLUMNS),
        _frame_of(sorted(unchanged), _UNCHANGED_COLUMNS), inserts, updates,
    )  # fmt: skip


# -- checks the store runs before writing -----------------------------------------------------
def check_preview(p: ImportPreview) -> None:
    """Validate a preview's records again with the importer's rules (the store calls this
    before taking its lock, whoever built the preview).

    Raises
    ------
    RegistryValidationError
        Rejected rows, nothing to write, or records that do not pass validation.
    """
    if not isinstance(p, ImportPreview):
        raise RegistryValidationError(["导入内容无效（不是导入预览）"])
    if not p.rejected.empty:
        raise RegistryValidationError([
            f"有 {p.rejected['行号'].nunique()} 行被拒绝（见“拒绝”及原因），本次没有导入任何内容；"
            "请修改文件后重新上传"
        ])  # fmt: skip
    if not p.ok:
        raise RegistryValidationError(["文件中没有需要新增或更新的内容（与台账一致），没有导入"])
    errors: list[str] = []
    if p.inserts.get("sites"):
        errors += [f"单位 {m}" for m in validate_sites(pd.DataFrame(p.inserts["sites"]))]
    if p.inserts.get("inspections"):
        errors += [
            f"检查记录 {m}" for m in validate_inspections(pd.DataFrame(p.inserts["inspections"]))
        ]
    if p.inserts.get("hazards"):
        errors += [f"隐患 {m}" for m in validate_hazards(pd.DataFrame(p.inserts["hazards"]))]
    editable = {
        "sites": {c.name for c in TABLES["sites"]} - {"site_id", "source"},
        "inspections": {"team", "leader", "n_hazards", "hazard_found", "major_found"},
        "hazards": {c.name for c in TABLES["hazards"]}
        - {"hazard_id", "inspection_id", "site_id", "found_date"},
    }
    for u in p.updates:
        wrong = set(u.after) - editable.get(u.table, set())
        if wrong or set(u.after) != set(u.before):
            errors.append(
                f"{_OBJECT_ZH.get(u.table, u.table)} {u.key}: 不能修改字段 {'、'.join(sorted(wrong))}"
            )
    if errors:
        raise RegistryValidationError(errors)


# -- people-facing output ---------------------------------------------------------------------
def summary_lines(p: ImportPreview) -> list[str]:
    """The preview in a few Chinese lines (CLI, page header).

    Examples
    --------
    >>> empty = pd.DataFrame(columns=["行号"])
    >>> p = ImportPreview("sites", "名册.xlsx", empty, empty, empty, empty, {}, ())
    >>> summary_lines(p)[0]
    '单位名册 名册.xlsx：共 0 行；新增 0 行，更新 0 行，不变 0 行，拒绝 0 行'
    """
    c = p.counts()
    lines = [
        f"{KINDS[p.kind]} {p.source_name}：共 {p.n_rows} 行；新增 {c['新增']} 行，更新 {c['更新']} 行，"
        f"不变 {c['不变']} 行，拒绝 {c['拒绝']} 行"
    ]
    records = {t: len(v) for t, v in p.inserts.items() if v}
    if records:
        lines.append("将新增: " + "、".join(f"{_OBJECT_ZH[t]} {n} 条" for t, n in records.items()))
    per = {}
    for u in p.updates:
        per[u.table] = per.get(u.table, 0) + 1
    if per:
        lines.append("将更新: " + "、".join(f"{_OBJECT_ZH[t]} {n} 条" for t, n in per.items()))
    lines += list(p.notes)
    return lines


def template_columns(kind: str) -> list[tuple[str, str, str]]:
    """(header, required?, note) of each template column of ``kind``, from the schema.

    Examples
    --------
    >>> [h for h, _, _ in template_columns("third-party")][:5]
    ['单位名称', '地址', '统一社会信用代码', '检查日期', '隐患部位']
    """
    kind = _kind(kind)
    own = _TEMPLATE_LABELS.get(kind, {})
    out = []
    for table, name in _TEMPLATE[kind]:
        col = next(c for c in TABLES[table] if c.name == name)
        header = own.get(name, col.label)
        if name in ("name", "uscc"):
            need = "单位名称或统一社会信用代码至少填一项"
        elif kind == "sites" and col.required and name != "site_id":
            need = "新增单位必填"
        elif name in _REQUIRED[kind] or (kind == "hazards" and name in ("date", "deadline")):
            need = "必填"
        else:
            need = "选填"
        out.append((header, need, _note(table, name, kind)))
    return out


def _note(table: str, name: str, kind: str) -> str:
    col = next(c for c in TABLES[table] if c.name == name)
    vocab = {
        ("sites", "category"): "、".join(SECTORS),
        ("inspections", "type"): "、".join(INSPECTION_TYPES) + "（第三方报告固定为 第三方）",
        ("hazards", "level"): "、".join(HAZARD_LEVELS),
        ("hazards", "hazard_type"): "、".join(HAZARD_TYPES) + "（空 = 其他）",
        ("hazards", "status"): "待整改、整改中、待复查、已销号（空 = 待整改）",
    }.get((table, name))
    if vocab:
        return f"可选: {vocab}"
    if name == "deadline" and kind == "third_party":
        return (
            f"日期、“立即”或“N天”（从检查日期起算）；空 = 一般 7 天、重大 30 天；{DATE_FORMAT_HINT}"
        )
    if col.kind == "date":
        return DATE_FORMAT_HINT
    if col.kind == "bool":
        return "是 / 否"
    if name in ("lon", "lat"):
        return "WGS-84 十进制度；高德/百度坐标请加一列“坐标系”（GCJ02 / BD09）"
    if name == "uscc":
        return "18 位，校验位按 GB 32100-2015 检查"
    if col.kind in ("float", "int"):
        return "数字"
    return ""


def template_workbook(kind: str) -> bytes:
    """An empty XLSX template of ``kind``: Chinese headers (sheet 1) and a 填写说明 sheet.

    The headers are the schema's labels, so :func:`rename_for` reads them back.

    Examples
    --------
    >>> from openpyxl import load_workbook
    >>> wb = load_workbook(io.BytesIO(template_workbook("hazards")))
    >>> wb.sheetnames, wb.active["A1"].value
    (['隐患台账', '填写说明'], '单位名称')
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    kind = _kind(kind)
    cols = template_columns(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = KINDS[kind]
    ws.append([h for h, _, _ in cols])
    for j, (header, need, _) in enumerate(cols, start=1):
        ws.cell(row=1, column=j).font = Font(bold=need != "选填")
        ws.column_dimensions[get_column_letter(j)].width = max(10, 2 * len(header) + 4)
        # text cells keep leading zeros of codes
        ws.column_dimensions[get_column_letter(j)].number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for row in cols:
        notes.append(list(row))
    notes.append([])
    notes.append(
        [
            "匹配规则",
            "",
            "先按统一社会信用代码，其次按单位名称+地址（忽略空格、全角半角）匹配已登记单位；"
            "表头占第1行，数据从第2行起；空单元格不会清空台账中已有的值。",
        ]
    )
    for letter, width in (("A", 18), ("B", 28), ("C", 80)):
        notes.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def preview_workbook(p: ImportPreview) -> bytes:
    """The preview as an XLSX (sheets 新增 / 更新 / 不变 / 拒绝), every text cell through the
    spreadsheet formula guard (:func:`layers.safe_text.cell_text`).

    Examples
    --------
    >>> from openpyxl import load_workbook
    >>> empty = pd.DataFrame(columns=["行号", "列", "原因"])
    >>> bad = pd.DataFrame({"行号": [2], "列": ["单位名称"], "原因": ["=1+1 无效"]})
    >>> p = ImportPreview("sites", "x.csv", empty, empty, empty, bad, {}, ())
    >>> load_workbook(io.BytesIO(preview_workbook(p)))["拒绝"]["C2"].value
    "'=1+1 无效"
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, frame in (
        ("新增", p.added),
        ("更新", p.changed),
        ("不变", p.unchanged),
        ("拒绝", p.rejected),
    ):
        ws = wb.create_sheet(title)
        ws.append([cell_text(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append(
                [
                    v
                    if isinstance(v, int | np.integer) and not isinstance(v, bool)
                    else cell_text(v)
                    for v in row
                ]
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def batch_rows(p: ImportPreview, ids: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rows of ``import_batch_rows`` for a written preview (placeholders replaced by ``ids``)."""
    rows: list[dict[str, Any]] = []
    keys = {"sites": "site_id", "inspections": "inspection_id", "hazards": "hazard_id"}
    for table in ("sites", "inspections", "hazards"):
        for rec in p.inserts.get(table, []):
            key = str(rec[keys[table]])
            rows.append(
                {
                    "entity": table,
                    "entity_id": ids.get(key, key),
                    "action": "add",
                    "before": None,
                    "after": None,
                }
            )
    for u in p.updates:
        rows.append(
            {
                "entity": u.table,
                "entity_id": u.key,
                "action": "update",
                "before": audit.to_json(u.before),
                "after": audit.to_json(u.after),
            }
        )
    return rows


def object_name(table: str) -> str:
    """Chinese name of a table's records in messages.

    Examples
    --------
    >>> object_name("hazards")
    '隐患'
    """
    return _OBJECT_ZH.get(table, table)


def field_label(name: str) -> str:
    """Chinese label of a column (any of the three tables).

    Examples
    --------
    >>> field_label("deadline")
    '整改期限'
    """
    return _label(name)


def stored_values(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values read back from JSON (dates as text) as the store writes them (``date``, bool).

    Examples
    --------
    >>> stored_values("hazards", {"deadline": "2024-06-10", "supervised": 1, "part": "门"})
    {'deadline': datetime.date(2024, 6, 10), 'supervised': True, 'part': '门'}
    """
    kinds = {c.name: c.kind for c in TABLES[table]}
    out: dict[str, Any] = {}
    for name, value in values.items():
        kind = kinds.get(name)
        if value is None:
            out[name] = None
        elif kind == "date":
            out[name] = dt.date.fromisoformat(str(value)[:10])
        elif kind == "bool":
            out[name] = bool(value)
        else:
            out[name] = value
    return out
