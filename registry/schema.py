"""Column contracts of the canonical tables and their SQLAlchemy schema.

The column lists below are the single source of truth for docs/ARCHITECTURE.md's tables
``sites``, ``inspections``, ``hazards`` and ``assets`` (the hidden ``truth`` table is never
stored). Each column has a *kind* (``str``, ``float``, ``int``, ``bool``, ``date``) that fixes its
SQL type, its pandas dtype on read and how user input is coerced, and whether it may be empty.

:func:`coerce` turns any user or generator frame into the canonical dtypes (text → ``str``,
numbers → ``float64``/``int64``, flags → ``bool``, dates → ``datetime64[ns]``) and reports cells
that cannot be converted, with Chinese messages naming the row and the column.

Examples
--------
>>> import pandas as pd
>>> [c.name for c in TABLES["assets"]][:3]
['asset_id', 'kind', 'name']
>>> df, errs = coerce("assets", pd.DataFrame({"asset_id": ["A1"], "kind": ["微型消防站"],
...     "name": ["站"], "lon": ["121.39"], "lat": [31.25], "approximate": ["是"]}))
>>> df.loc[0, "lon"], bool(df.loc[0, "approximate"]), errs
(np.float64(121.39), True, [])
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pandas.errors import OutOfBoundsDatetime

__all__ = [
    "ASSET_COLUMNS",
    "DATE_FORMAT_HINT",
    "HAZARD_COLUMNS",
    "INSPECTION_COLUMNS",
    "SCHEMA_VERSION",
    "SITE_COLUMNS",
    "TABLES",
    "TABLE_ORDER",
    "TARGET_COLUMNS",
    "TARGET_EVENT_COLUMNS",
    "Column",
    "coerce",
    "coerce_column",
    "metadata",
    "row_label",
    "sql_tables",
    "to_records",
]

#: Bumped whenever the stored schema changes; a store with another version must be rebuilt.
SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Attributes
    ----------
    name : str
        ASCII column name.
    kind : str
        ``str``, ``float``, ``int``, ``bool`` or ``date``.
    required : bool
        The column must be present in input frames (otherwise it is filled with its default).
    nullable : bool
        Cells may be empty (NaN / None / NaT).
    label : str
        Chinese label used in error messages.
    default : object
        Fill value when the column is absent (``None`` = missing value).
    """

    name: str
    kind: str
    required: bool = False
    nullable: bool = True
    label: str = ""
    default: object = None

    @property
    def title(self) -> str:
        """``'label（name）'`` for messages."""
        return f"{self.label}（{self.name}）" if self.label else self.name


def _c(name, kind, label, required=False, nullable=True, default=None) -> Column:
    return Column(name, kind, required, nullable, label, default)


_NUMERIC_ATTRS = (
    ("floor_area_m2", "建筑面积"),
    ("occupants", "人员数"),
    ("beds", "床位数"),
    ("pupils", "学生数"),
    ("storeys", "层数"),
    ("building_year", "建成年份"),
    ("ebike_capacity", "电动自行车停放容量"),
    ("elevators", "电梯数"),
    ("elevators_15y", "15年以上电梯数"),
    ("boilers", "锅炉数"),
    ("cranes", "起重机械数"),
    ("forklifts", "叉车数"),
)

SITE_COLUMNS: tuple[Column, ...] = (
    _c("site_id", "str", "单位编号", required=True, nullable=False),
    _c("name", "str", "单位名称", required=True, nullable=False),
    _c("uscc", "str", "统一社会信用代码"),
    _c("address", "str", "地址", nullable=False, default=""),
    _c("lon", "float", "经度", required=True, nullable=False),
    _c("lat", "float", "纬度", required=True, nullable=False),
    _c("coord_quality", "str", "坐标质量", nullable=False, default="approximate"),
    _c("category", "str", "类别", required=True, nullable=False),
    _c("subcategory", "str", "子类", nullable=False, default=""),
    _c("industry", "str", "行业", nullable=False, default=""),
    _c("park", "str", "园区"),
    _c("committee", "str", "居委"),
    _c("department", "str", "责任部门", nullable=False),
    _c("key_list", "bool", "重点检查名单", nullable=False, default=False),
    _c("required_per_year", "int", "年度检查次数", nullable=False),
    _c("outside_boundary", "bool", "辖区外", nullable=False, default=False),
    *(_c(n, "float", label) for n, label in _NUMERIC_ATTRS),
    _c("underground", "bool", "地下", nullable=False, default=False),
    _c("hazchem_t", "float", "危化品存量(吨)"),
    _c("source", "str", "来源", nullable=False, default="import"),
    _c("osm_id", "str", "OSM编号"),
    # 正常 / 停业 / 注销 (registry.enums.OPERATING_STATES): a closed unit stays in the registry
    # and its history, and leaves plans and the statutory frequency.
    _c("operating_state", "str", "经营状态", nullable=False, default="正常"),
)

INSPECTION_COLUMNS: tuple[Column, ...] = (
    _c("inspection_id", "str", "检查编号", required=True, nullable=False),
    _c("site_id", "str", "单位编号", required=True, nullable=False),
    _c("date", "date", "检查日期", required=True, nullable=False),
    _c("type", "str", "检查类型", required=True, nullable=False),
    _c("team", "str", "检查组", nullable=False, default=""),
    _c("leader", "str", "带队领导"),
    _c("hazard_found", "int", "发现隐患", nullable=False),
    _c("major_found", "int", "发现重大隐患", nullable=False),
    _c("n_hazards", "int", "隐患数", nullable=False),
)

HAZARD_COLUMNS: tuple[Column, ...] = (
    _c("hazard_id", "str", "隐患编号", required=True, nullable=False),
    _c("inspection_id", "str", "检查编号", required=True, nullable=False),
    _c("site_id", "str", "单位编号", required=True, nullable=False),
    _c("found_date", "date", "发现日期", required=True, nullable=False),
    _c("level", "str", "隐患等级", required=True, nullable=False),
    _c("hazard_type", "str", "隐患类别", required=True, nullable=False),
    _c("part", "str", "风险点/部位", nullable=False, default=""),
    _c("description", "str", "隐患描述", required=True, nullable=False),
    _c("responsible_unit", "str", "责任单位", nullable=False, default=""),
    _c("responsible_person", "str", "整改责任人"),
    _c("measures", "str", "整改措施", nullable=False, default=""),
    _c("deadline", "date", "整改期限", required=True, nullable=False),
    _c("status", "str", "状态", nullable=False, default="待整改"),
    _c("supervised", "bool", "挂牌督办", nullable=False, default=False),
    _c("rectified_date", "date", "整改完成日期"),
    _c("reinspection_date", "date", "复查日期"),
    _c("reinspection_result", "str", "复查结果"),
    _c("closed_date", "date", "销号日期"),
    # 重大隐患 (安监总局令第16号): how it was determined and handled; all required to 销号 it
    # (registry.store checks this at the transition, not on imported history).
    _c("major_basis", "str", "判定依据"),
    _c("determined_by", "str", "判定人员"),
    _c("suspension", "bool", "责令停产停业", nullable=False, default=False),
    _c("plan", "str", "整改方案"),
    _c("reported_to", "str", "报告部门"),
    _c("reported_date", "date", "报告日期"),
    _c("supervised_by", "str", "督办单位"),
    _c("supervised_since", "date", "督办日期"),
    _c("joint_departments", "str", "联合整治部门"),
)

ASSET_COLUMNS: tuple[Column, ...] = (
    _c("asset_id", "str", "设施编号", required=True, nullable=False),
    _c("kind", "str", "设施类型", required=True, nullable=False),
    _c("name", "str", "名称", required=True, nullable=False),
    _c("lon", "float", "经度", required=True, nullable=False),
    _c("lat", "float", "纬度", required=True, nullable=False),
    _c("committee", "str", "居委"),
    _c("capacity", "float", "容量"),
    _c("built_date", "date", "建成日期"),
    _c("approximate", "bool", "近似位置", nullable=False, default=False),
)

# 年度目标 (registry.targets): the plan's targets and the events recording progress. They are
# not part of TABLES (an import or a rebuild of the registry keeps them); the store creates them
# on open and writes them with SQLiteStore.add_targets / add_target_event.
TARGET_COLUMNS: tuple[Column, ...] = (
    _c("target_id", "str", "目标编号", required=True, nullable=False),
    _c("year", "int", "年度", required=True, nullable=False),
    _c("kind", "str", "目标类型", required=True, nullable=False),
    _c("title", "str", "目标内容", required=True, nullable=False),
    _c("unit", "str", "计量单位", required=True, nullable=False),
    # None: one per unit in scope (承诺书, 四个一), counted from the registry
    _c("amount", "float", "目标数量"),
    _c("start_date", "date", "起始日期", required=True, nullable=False),
    _c("deadline", "date", "完成期限", required=True, nullable=False),
    _c("department", "str", "牵头部门", required=True, nullable=False),
    _c("note", "str", "说明", nullable=False, default=""),
)

TARGET_EVENT_COLUMNS: tuple[Column, ...] = (
    _c("event_id", "str", "记录编号", required=True, nullable=False),
    _c("target_id", "str", "目标编号", required=True, nullable=False),
    _c("date", "date", "日期", required=True, nullable=False),
    _c("quantity", "float", "数量", required=True, nullable=False),
    _c("attendees", "float", "参加人数"),
    _c("site_id", "str", "单位编号"),
    _c("committee", "str", "居委"),
    _c("department", "str", "部门"),
    _c("note", "str", "说明", nullable=False, default=""),
    _c("evidence_sha256", "str", "佐证材料"),
    _c("evidence_name", "str", "佐证文件名"),
    _c("recorded_by", "str", "登记人", nullable=False, default=""),
)

#: Table name → columns, in write order (parents before children).
TABLES: Mapping[str, tuple[Column, ...]] = MappingProxyType(
    {
        "sites": SITE_COLUMNS,
        "inspections": INSPECTION_COLUMNS,
        "hazards": HAZARD_COLUMNS,
        "assets": ASSET_COLUMNS,
    }
)
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

_SQL_TYPES = {
    "str": sa.Text,
    "float": sa.Float,
    "int": sa.Integer,
    "bool": sa.Boolean,
    "date": sa.Date,
}

metadata = sa.MetaData()


def _quoted(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _build_sql_tables() -> dict[str, sa.Table]:
    from registry import enums
    from registry.sectors import DEPARTMENTS, SECTORS

    def cols(spec: tuple[Column, ...], pk: str) -> list[sa.Column]:
        return [
            sa.Column(
                c.name,
                # create_constraint: a CHECK (x IN (0, 1)) for booleans
                _SQL_TYPES[c.kind](create_constraint=True) if c.kind == "bool" else _SQL_TYPES[c.kind](),
                primary_key=c.name == pk,
                nullable=c.nullable and c.name != pk,
            )
            for c in spec
        ]

    sites = sa.Table(
        "sites",
        metadata,
        *cols(SITE_COLUMNS, "site_id"),
        sa.CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", "site_lonlat"),
        sa.CheckConstraint(f"category IN ({_quoted(SECTORS)})", "site_category"),
        sa.CheckConstraint(f"department IN ({_quoted(DEPARTMENTS)})", "site_department"),
        sa.CheckConstraint(f"coord_quality IN ({_quoted(enums.COORD_QUALITIES)})", "site_coordq"),
        sa.CheckConstraint("required_per_year >= 1", "site_required"),
    )
    inspections = sa.Table(
        "inspections",
        metadata,
        *cols(INSPECTION_COLUMNS, "inspection_id"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.site_id"], name="fk_insp_site"),
        sa.UniqueConstraint("inspection_id", "site_id", name="uq_insp_site"),
        sa.CheckConstraint(f"type IN ({_quoted(enums.INSPECTION_TYPES)})", "insp_type"),
        sa.CheckConstraint(
            "hazard_found IN (0, 1) AND major_found IN (0, 1) AND n_hazards >= 0", "insp_counts"
        ),
    )
    hazards = sa.Table(
        "hazards",
        metadata,
        *cols(HAZARD_COLUMNS, "hazard_id"),
        # The hazard's site must be the site of its inspection.
        sa.ForeignKeyConstraint(
            ["inspection_id", "site_id"],
            ["inspections.inspection_id", "inspections.site_id"],
            name="fk_hazard_insp",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.site_id"], name="fk_hazard_site"),
        sa.CheckConstraint(f"level IN ({_quoted(enums.HAZARD_LEVELS)})", "hazard_level"),
        sa.CheckConstraint(f"status IN ({_quoted(enums.HAZARD_STATUSES)})", "hazard_status"),
        sa.CheckConstraint(f"hazard_type IN ({_quoted(enums.HAZARD_TYPES)})", "hazard_type"),
        sa.CheckConstraint(
            "reinspection_result IS NULL OR reinspection_result IN "
            f"({_quoted(enums.REINSPECTION_RESULTS)})",
            "hazard_reinsp",
        ),
        sa.CheckConstraint(
            "status <> '已销号' OR (reinspection_result = '合格' AND closed_date IS NOT NULL)",
            "hazard_closed",
        ),
    )
    assets = sa.Table(
        "assets",
        metadata,
        *cols(ASSET_COLUMNS, "asset_id"),
        sa.CheckConstraint(f"kind IN ({_quoted(enums.ASSET_KINDS)})", "asset_kind"),
        sa.CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", "asset_lonlat"),
    )
    sa.Table(
        "meta",
        metadata,
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=True),
    )
    targets = sa.Table(
        "targets",
        metadata,
        *cols(TARGET_COLUMNS, "target_id"),
        sa.CheckConstraint(f"department IN ({_quoted(DEPARTMENTS)})", "target_department"),
        sa.CheckConstraint("amount IS NULL OR amount > 0", "target_amount"),
        sa.CheckConstraint("start_date <= deadline", "target_period"),
    )
    target_events = sa.Table(
        "target_events",
        metadata,
        *cols(TARGET_EVENT_COLUMNS, "event_id"),
        # no foreign key to sites: rebuilding or importing the registry keeps the year's events
        sa.ForeignKeyConstraint(["target_id"], ["targets.target_id"], name="fk_event_target"),
        sa.CheckConstraint("quantity > 0", "event_quantity"),
        sa.CheckConstraint("attendees IS NULL OR attendees >= 0", "event_attendees"),
    )
    # 导入批次 (registry.batch_import): one row per append/update import, and what each batch
    # added or changed (before/after of changed fields as JSON), so it can be undone.
    sa.Table(
        "import_batches",
        metadata,
        sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.Text, nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("source_name", sa.Text, nullable=False, server_default=""),
        sa.Column("n_added", sa.Integer, nullable=False),
        sa.Column("n_changed", sa.Integer, nullable=False),
        sa.Column("last_audit_id", sa.Integer, nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("undone_at", sa.Text),
        sa.Column("undone_by", sa.Text),
        sqlite_autoincrement=True,
    )
    sa.Table(
        "import_batch_rows",
        metadata,
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batches.batch_id"),
                  primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("entity_id", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.CheckConstraint("action IN ('add', 'update')", "batch_row_action"),
    )
    sa.Index("ix_targets_year", targets.c.year)
    sa.Index("ix_events_target_date", target_events.c.target_id, target_events.c.date)
    sa.Index("ix_sites_category", sites.c.category)
    sa.Index("ix_sites_committee", sites.c.committee)
    sa.Index("ix_insp_site_date", inspections.c.site_id, inspections.c.date)
    sa.Index("ix_insp_date", inspections.c.date)
    sa.Index("ix_hazard_site_found", hazards.c.site_id, hazards.c.found_date)
    sa.Index("ix_hazard_insp", hazards.c.inspection_id)
    sa.Index("ix_hazard_status_deadline", hazards.c.status, hazards.c.deadline)
    sa.Index("ix_assets_kind", assets.c.kind)
    return dict(metadata.tables)


_SQL = _build_sql_tables()


def sql_tables() -> Mapping[str, sa.Table]:
    """SQLAlchemy tables: ``sites``, ``inspections``, ``hazards``, ``assets``, ``meta``."""
    return MappingProxyType(_SQL)


def row_label(index: int, offset: int = 1) -> str:
    """Chinese row label of a positional index: ``第{index + offset}行``.

    ``offset=1`` numbers data rows from 1; the importer uses 2 so the number matches the
    spreadsheet row (header = row 1).

    Examples
    --------
    >>> row_label(0), row_label(10, offset=2)
    ('第1行', '第12行')
    """
    return f"第{index + offset}行"


_TRUE = {"true", "t", "yes", "y", "1", "1.0", "是", "有", "√", "✓", "对"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "否", "无", "×", "", "不是"}


def _blank(s: pd.Series) -> pd.Series:
    """Missing or whitespace-only cells."""
    na = s.isna().to_numpy(dtype=bool)
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        vals = s.to_numpy(dtype=object)
        empty = np.fromiter(
            (isinstance(v, str) and not v.strip() for v in vals), dtype=bool, count=len(vals)
        )
        na = na | empty
    return pd.Series(na, index=s.index)


def _coerce_column(col: Column, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert one column; return (values, mask of cells that could not be converted)."""
    blank = _blank(raw)
    if col.kind == "str":
        values = raw.astype(object).where(~blank, None)
        values = values.map(lambda v: v if v is None else str(v).strip())
        return values.astype("str"), pd.Series(False, index=raw.index)
    if col.kind in ("float", "int"):
        num = pd.to_numeric(raw.where(~blank), errors="coerce").astype("float64")
        # inf / 1e400 / -inf are not quantities: reported like any other non-number
        num = num.where(np.isfinite(num.to_numpy()))
        bad = num.isna() & ~blank
        if col.kind == "int":
            bad |= num.notna() & (num % 1 != 0)
        return num.astype("float64"), bad
    if col.kind == "bool":
        def parse(v: object) -> object:
            if isinstance(v, bool | np.bool_):
                return bool(v)
            if isinstance(v, int | float | np.integer | np.floating) and not pd.isna(v):
                return {1: True, 0: False}.get(v, None)
            key = str(v).strip().lower()
            if key in _TRUE:
                return True
            if key in _FALSE:
                return False
            return None

        parsed = raw.where(~blank, None).map(lambda v: None if v is None else parse(v))
        bad = parsed.isna() & ~blank
        return parsed, bad
    if col.kind == "date":
        values = _to_dates(raw.where(~blank, None) if not _is_dt(raw) else raw)
        bad = values.isna() & ~blank
        return values, bad
    raise ValueError(f"unknown column kind {col.kind!r}")


def _is_dt(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s.dtype)


#: Years a date may have at all (``datetime64[ns]`` holds 1677-2262); the plausible windows
#: per column are checked in :mod:`registry.validate`.
_YEAR_RANGE = (1700, 2200)

#: Accepted text dates: year first — ``2024-06-03``, ``2024/6/3``, ``2024.6.3``,
#: ``2024年6月3日`` — optionally followed by a time of day (Excel date cells read as text look
#: like ``2024-06-03 00:00:00``). No time zone; day/month-first forms are ambiguous and refused.
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$"
)

#: How a date should be written (appended to every date message).
DATE_FORMAT_HINT = "请写成 2024-06-03、2024/6/3 或 2024年6月3日"


def _date_value(v: object) -> pd.Timestamp | None:
    """A date object (``date``, ``datetime``, ``Timestamp``, ``datetime64``) as a naive day."""
    if isinstance(v, dt.date):
        if not _YEAR_RANGE[0] <= v.year <= _YEAR_RANGE[1]:
            return None
        ts = pd.Timestamp(v)
    else:
        try:
            ts = pd.Timestamp(v)
        except (OutOfBoundsDatetime, ValueError, OverflowError):
            return None
        if pd.isna(ts) or not _YEAR_RANGE[0] <= ts.year <= _YEAR_RANGE[1]:
            return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("Asia/Shanghai").tz_localize(None)
    return ts.normalize()


def _to_dates(raw: pd.Series) -> pd.Series:
    """Dates (normalised ``datetime64[ns]``) from datetimes, ``date`` objects or text.

    Text must be year-first (see ``_DATE_RE``); anything else — numbers, ``now``, ``2024``,
    ``03/06/2024``, dates with a time zone, years outside 1700-2200 — becomes NaT.
    """
    if _is_dt(raw):
        values = raw
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        years = values.dt.year
        values = values.where(years.between(*_YEAR_RANGE))
        return values.dt.normalize().astype("datetime64[ns]")
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    obj = raw.astype(object)
    is_str = obj.map(lambda v: isinstance(v, str)).astype(bool)
    is_date = obj.map(
        lambda v: isinstance(v, dt.date | np.datetime64) and not pd.isna(v)
    ).astype(bool)
    if is_date.any():
        values = obj[is_date].map(_date_value)
        ok = values.notna()
        if ok.any():
            out[values.index[ok]] = pd.to_datetime(values[ok].tolist()).astype("datetime64[ns]")
    if is_str.any():
        parts = obj[is_str].astype(str).str.strip().str.extract(_DATE_RE)
        parts = parts.dropna().astype(int)
        parts = parts[parts[0].between(*_YEAR_RANGE)]
        if len(parts):
            parsed = pd.to_datetime(
                pd.DataFrame({"year": parts[0], "month": parts[1], "day": parts[2]}),
                errors="coerce",
            )
            out[parts.index] = parsed.astype("datetime64[ns]")
    return out.astype("datetime64[ns]")


_KIND_MSG = {
    "float": "不是数字",
    "int": "不是整数",
    "bool": "不是是/否值",
    "date": "不是有效日期",
}


def _shown(value: object, limit: int = 40) -> str:
    """``repr`` of a cell for messages, shortened (a 1 MB cell must not flood the screen)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def coerce(
    table: str, df: pd.DataFrame, row_offset: int = 1
) -> tuple[pd.DataFrame, list[str]]:
    """Canonical dtypes and column order for ``table``; report unconvertible cells.

    Columns not in the contract are dropped; empty cells and absent optional columns get the
    column's default (e.g. ``""`` for ``address``, False for flags, ``待整改`` for ``status``);
    absent required columns and unconvertible cells are reported (the returned frame then
    holds missing values there). Columns without a default are not filled —
    :mod:`registry.validate` reports empty cells of non-nullable columns.

    Parameters
    ----------
    table : str
        ``sites``, ``inspections``, ``hazards`` or ``assets``.
    df : DataFrame
        Input; any index (messages use the row position).
    row_offset : int
        Added to the 0-based position in messages (see :func:`row_label`).

    Returns
    -------
    (DataFrame, list of str)
        Frame with a fresh RangeIndex and the dtypes ``str`` / ``float64`` / ``bool`` /
        ``datetime64[ns]`` (``int`` columns are ``int64`` when complete, else ``float64``;
        ``bool`` columns are ``bool`` when complete, else ``object``), and Chinese messages.
    """
    if table not in TABLES:
        raise KeyError(f"未知数据表: {table!r}")
    spec = TABLES[table]
    src = df.reset_index(drop=True)
    errors: list[str] = []
    out: dict[str, pd.Series] = {}
    for col in spec:
        if col.name not in src.columns:
            if col.required:
                errors.append(f"{table}: 缺少必需列 {col.title}")
            out[col.name] = pd.Series([col.default] * len(src), index=src.index, dtype=object)
            raw = out[col.name]
        else:
            raw = src[col.name]
        values, bad = _coerce_column(col, raw)
        for pos in np.flatnonzero(bad.to_numpy()):
            errors.append(
                f"{row_label(int(pos), row_offset)}: {col.title} {_KIND_MSG[col.kind]}"
                f"（{_shown(raw.iloc[pos])}）"
                + (f"，{DATE_FORMAT_HINT}" if col.kind == "date" else "")
            )
        if col.default is not None:
            values = values.where(values.notna(), col.default)
        if col.kind == "int" and values.notna().all():
            values = values.astype("int64")
        if col.kind == "bool" and values.notna().all():
            values = values.astype(bool)
        out[col.name] = values
    frame = pd.DataFrame(out, index=src.index)
    return frame, errors


def coerce_column(table: str, name: str, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert one column of ``table`` to its canonical dtype.

    Returns ``(converted, bad)`` where ``bad`` marks non-empty cells that could not be
    converted (they are missing in ``converted``).

    Examples
    --------
    >>> v, bad = coerce_column("sites", "key_list", pd.Series(["是", "否", "也许"]))
    >>> v.tolist(), bad.tolist()
    ([True, False, None], [False, False, True])
    """
    col = next((c for c in TABLES[table] if c.name == name), None)
    if col is None:
        raise KeyError(f"数据表 {table} 没有列 {name!r}")
    return _coerce_column(col, values)


def _py_column(values: pd.Series, kind: str) -> list[object]:
    """Plain Python values of a coerced column (None for missing)."""
    present = values.notna()
    if kind == "date":
        obj = values.dt.date.astype(object)
    elif kind == "str":
        obj = values.astype(object).map(str, na_action="ignore")
    else:
        obj = values.astype(object)
    return obj.where(present, None).tolist()


def to_records(table: str, df: pd.DataFrame) -> list[dict[str, object]]:
    """Rows of a coerced frame as plain Python values (``date``, ``int``, ``None``) for SQL.

    Examples
    --------
    >>> df, _ = coerce("assets", pd.DataFrame({"asset_id": ["A1"], "kind": ["充电端口"],
    ...     "name": ["口"], "lon": [121.39], "lat": [31.25], "built_date": ["2024-05-01"]}))
    >>> to_records("assets", df)[0]["built_date"]
    datetime.date(2024, 5, 1)
    """
    spec = TABLES[table]
    names = [c.name for c in spec]
    columns = [_py_column(df[c.name], c.kind) for c in spec]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
