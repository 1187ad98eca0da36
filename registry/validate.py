"""Validation of registry tables, with Chinese messages naming the row and the column.

Every write to the store and every import runs these checks first; nothing is written when
one fails. Messages look like ``"第12行: 经度超出范围（121.9 不在 120.85–122.2 之间，上海市）"``.
Row numbers are positions in the given frame plus ``row_offset`` (1 = first data row; the
importer passes 2 so numbers match spreadsheet rows under a header).

Sites outside the 真如 boundary are *allowed*: :func:`flag_outside_boundary` sets
``outside_boundary=True`` for them (using ``layers.geodata.boundary_geometry()`` when that
module is importable, else keeping the given flag).

Examples
--------
>>> import pandas as pd
>>> bad = pd.DataFrame({"site_id": ["S1"], "name": ["某厂"], "lon": [200.0], "lat": [31.25],
...                     "category": ["厂房仓库"], "department": ["社区平安办"],
...                     "required_per_year": [2]})
>>> validate_sites(bad)[0]
'第1行: 经度（lon）超出范围（200.0 不在 120.85–122.2 之间，上海市）'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from registry import enums, uscc
from registry.committees import committee_groups, known_committees, to_short_names
from registry.schema import TABLES, coerce, coerce_column, row_label
from registry.sectors import DEPARTMENTS, SECTORS

__all__ = [
    "COUNT_LIMITS",
    "DATE_MIN",
    "LAT_RANGE",
    "LONG_TEXT_COLUMNS",
    "LON_RANGE",
    "MAX_LONG_TEXT",
    "MAX_MESSAGES",
    "MAX_TEXT",
    "REQUIRED_PER_YEAR_RANGE",
    "RegistryValidationError",
    "complete_sites",
    "date_windows",
    "flag_outside_boundary",
    "validate_assets",
    "validate_hazards",
    "validate_inspections",
    "validate_sites",
    "validate_tables",
]

#: Plausible WGS-84 range for supervised sites (Shanghai municipality, generous margin).
#: Coordinates outside it are almost always swapped columns, GCJ-02/BD-09 mix-ups far off, or
#: typos, so they are rejected rather than flagged.
LON_RANGE: tuple[float, float] = (120.85, 122.2)
LAT_RANGE: tuple[float, float] = (30.67, 31.88)

#: Longest accepted cell of a short text column (names, ids, addresses …), in characters.
MAX_TEXT = 200
#: Longest accepted cell of a long text column (:data:`LONG_TEXT_COLUMNS`).
MAX_LONG_TEXT = 2000
#: Free-text columns that may hold line breaks and tabs (and up to :data:`MAX_LONG_TEXT`).
LONG_TEXT_COLUMNS: frozenset[str] = frozenset({"description", "measures"})

# Invisible control characters (C0, DEL, C1). Long text may keep tab and line breaks
# (\r too: Excel on Windows writes \r\n inside cells).
_CONTROL_SHORT = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_LONG = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: Plausible (lowest, highest) of counts and sizes; a value outside is a typo or a unit
#: error (m² vs 万m², kg vs t), not a real unit of 真如.
COUNT_LIMITS: Mapping[str, Mapping[str, tuple[float, float]]] = {
    "sites": {
        "floor_area_m2": (0, 2_000_000), "occupants": (0, 100_000), "beds": (0, 10_000),
        "pupils": (0, 20_000), "storeys": (0, 200), "ebike_capacity": (0, 20_000),
        "elevators": (0, 1_000), "elevators_15y": (0, 1_000), "boilers": (0, 500),
        "cranes": (0, 500), "forklifts": (0, 1_000), "hazchem_t": (0, 100_000),
    },
    "inspections": {"n_hazards": (0, 500)},
    "assets": {"capacity": (0, 100_000)},
}  # fmt: skip

#: 年度检查次数: at least once, at most weekly.
REQUIRED_PER_YEAR_RANGE: tuple[int, int] = (1, 52)

#: Earliest plausible date of the ledger (inspections, hazards and their deadlines).
DATE_MIN = dt.date(2000, 1, 1)

#: At most this many messages are shown in the exception text (all are in ``.errors``).
MAX_MESSAGES = 30


class RegistryValidationError(ValueError):
    """Tables failed validation; ``errors`` holds every Chinese message.

    Examples
    --------
    >>> err = RegistryValidationError(["第1行: 单位名称（name）为空"])
    >>> str(err)
    '台账数据校验失败（1 个问题）:\\n第1行: 单位名称（name）为空'
    """

    def __init__(self, errors: Iterable[str]):
        self.errors: list[str] = list(errors)
        shown = self.errors[:MAX_MESSAGES]
        more = len(self.errors) - len(shown)
        text = "\n".join(shown) + (f"\n……另有 {more} 个问题" if more > 0 else "")
        super().__init__(f"台账数据校验失败（{len(self.errors)} 个问题）:\n{text}")


def _rows(mask: pd.Series | np.ndarray) -> list[int]:
    return [int(i) for i in np.flatnonzero(np.asarray(mask, dtype=bool))]


def _col(table: str, name: str):
    return next(c for c in TABLES[table] if c.name == name)


def _check_required(table: str, df: pd.DataFrame, off: int, present: set[str]) -> list[str]:
    """Empty cells of non-nullable columns without a default (absent columns reported once)."""
    errors: list[str] = []
    for col in TABLES[table]:
        if col.nullable or col.default is not None:
            continue
        if col.name not in present:
            if not col.required:  # required ones are already reported by coerce()
                errors.append(f"{table}: 缺少列 {col.title}")
            continue
        for i in _rows(df[col.name].isna()):
            errors.append(f"{row_label(i, off)}: {col.title}为空")
    return errors


def _check_in(
    table: str, df: pd.DataFrame, name: str, allowed: Iterable[str], off: int, what: str
) -> list[str]:
    allowed = set(allowed)
    values = df[name]
    bad = values.notna() & ~values.isin(allowed)
    col = _col(table, name)
    shown = "、".join(sorted(allowed)) if len(allowed) <= 8 else f"共{len(allowed)}种"
    return [
        f"{row_label(i, off)}: {col.title}{what}{values.iloc[i]!r}（可选: {shown}）"
        for i in _rows(bad)
    ]


def _check_unique(table: str, df: pd.DataFrame, name: str, off: int) -> list[str]:
    values = df[name]
    dup = values.notna() & values.duplicated(keep="first")
    col = _col(table, name)
    return [f"{row_label(i, off)}: {col.title}重复（{values.iloc[i]}）" for i in _rows(dup)]


def _check_lonlat(table: str, df: pd.DataFrame, off: int) -> list[str]:
    errors: list[str] = []
    for name, (lo, hi), label in (("lon", LON_RANGE, "经度"), ("lat", LAT_RANGE, "纬度")):
        v = df[name]
        bad = v.notna() & ~v.between(lo, hi)
        errors += [
            f"{row_label(i, off)}: {label}（{name}）超出范围（{v.iloc[i]} 不在 {lo}–{hi} 之间，上海市）"
            for i in _rows(bad)
        ]
    return errors


def date_windows(today: dt.date | None = None) -> dict[str, dict[str, tuple[dt.date, dt.date]]]:
    """Plausible (earliest, latest) date of each date column, relative to ``today``.

    Events (检查, 发现, 整改, 复查, 销号) are not in the future (one day of slack for clock
    and time-zone differences); 整改期限 may lie up to a year ahead; a 设施 may be planned
    a year ahead and built since 1949.

    Examples
    --------
    >>> w = date_windows(dt.date(2024, 6, 3))
    >>> w["hazards"]["deadline"]
    (datetime.date(2000, 1, 1), datetime.date(2025, 6, 3))
    >>> w["inspections"]["date"][1]
    datetime.date(2024, 6, 4)
    """
    today = today or dt.date.today()
    past = (DATE_MIN, today + dt.timedelta(days=1))
    try:
        next_year = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        next_year = today + dt.timedelta(days=365)
    return {
        "inspections": {"date": past},
        "hazards": {
            "found_date": past, "deadline": (DATE_MIN, next_year), "rectified_date": past,
            "reinspection_date": past, "closed_date": past,
        },
        "assets": {"built_date": (dt.date(1949, 1, 1), next_year)},
    }  # fmt: skip


def _check_dates(table: str, df: pd.DataFrame, off: int) -> list[str]:
    errors: list[str] = []
    for name, (lo, hi) in date_windows().get(table, {}).items():
        v = df[name]
        bad = v.notna() & ~v.between(pd.Timestamp(lo), pd.Timestamp(hi))
        title = _col(table, name).title
        errors += [
            f"{row_label(i, off)}: {title}不在合理范围（{v.iloc[i]:%Y-%m-%d} 不在 {lo}–{hi} 之间）"
            for i in _rows(bad)
        ]
    return errors


def _check_text(table: str, df: pd.DataFrame, off: int) -> list[str]:
    """Control characters and over-long cells in the text columns."""
    errors: list[str] = []
    for col in TABLES[table]:
        if col.kind != "str":
            continue
        text = df[col.name].astype(object)
        pos = np.flatnonzero(text.notna().to_numpy())
        if not len(pos):
            continue
        values = text.iloc[pos].astype(str)
        long = col.name in LONG_TEXT_COLUMNS
        pattern = _CONTROL_LONG if long else _CONTROL_SHORT
        limit = MAX_LONG_TEXT if long else MAX_TEXT
        control = values.str.contains(pattern).to_numpy(dtype=bool)
        for k in np.flatnonzero(control):
            code = ord(pattern.search(values.iloc[k]).group())
            errors.append(
                f"{row_label(int(pos[k]), off)}: {col.title}含不可见的控制字符 U+{code:04X}，请删除"
            )
        length = values.str.len().to_numpy()
        for k in np.flatnonzero(length > limit):
            errors.append(
                f"{row_label(int(pos[k]), off)}: {col.title}过长（{int(length[k])} 字，最多 {limit} 字）"
            )
    return errors


def _check_range(table: str, df: pd.DataFrame, off: int) -> list[str]:
    errors: list[str] = []
    for name, (lo, hi) in COUNT_LIMITS.get(table, {}).items():
        v = df[name]
        title = _col(table, name).title
        errors += [f"{row_label(i, off)}: {title}不能为负数" for i in _rows(v.notna() & (v < lo))]
        errors += [
            f"{row_label(i, off)}: {title}不合理（{v.iloc[i]:g} 大于 {hi:g}）"
            for i in _rows(v.notna() & (v > hi))
        ]
    return errors


def _check_committee(table: str, df: pd.DataFrame, off: int) -> list[str]:
    known = known_committees()
    if not known:  # layers.zones not importable: names unknown
        return []
    return _check_in(table, df, "committee", known, off, "不是真如的居委 ")


def _frame(table: str, df: pd.DataFrame, off: int) -> tuple[pd.DataFrame, list[str]]:
    frame, errors = coerce(table, df, row_offset=off)
    # a cell that could not be converted is already reported; do not call it empty as well
    unconverted = {e.split("） ", 1)[0] + "）" for e in errors}
    errors += [
        e for e in _check_required(table, frame, off, set(df.columns))
        if not e.endswith("为空") or e[: -len("为空")] not in unconverted
    ]
    errors += _check_text(table, frame, off)
    errors += _check_range(table, frame, off)
    errors += _check_dates(table, frame, off)
    return frame, errors


def validate_sites(df: pd.DataFrame, row_offset: int = 1) -> list[str]:
    """Problems of a ``sites`` table (empty list = valid).

    Checks: required columns and cells, unique ``site_id``, coordinates inside the Shanghai
    range, USCC (check character and registrar code), known category / subcategory /
    department / park / 居委 / coordinate quality / source, counts within
    :data:`COUNT_LIMITS`, ``required_per_year`` within :data:`REQUIRED_PER_YEAR_RANGE`,
    ``elevators_15y <= elevators``, plausible ``building_year``; in every table: no control
    characters and no over-long text (:data:`MAX_TEXT`, :data:`MAX_LONG_TEXT`), dates inside
    :func:`date_windows`.

    Examples
    --------
    >>> df = pd.DataFrame({"site_id": ["S1", "S1"], "name": ["甲", "乙"], "lon": [121.39] * 2,
    ...     "lat": [31.25] * 2, "category": ["群租", "飞船"], "department": ["居委会"] * 2,
    ...     "required_per_year": [2, 2], "uscc": ["91350100M000100Y43", "91350100M000100Y44"]})
    >>> for m in validate_sites(df): print(m)
    第2行: 单位编号（site_id）重复（S1）
    第2行: 统一社会信用代码校验失败: 校验位应为 3，实际为 4（91350100M000100Y44）
    第2行: 类别（category）未知 '飞船'（可选: 共19种）
    """
    off = row_offset
    s, errors = _frame("sites", df, off)
    errors += _check_unique("sites", s, "site_id", off)
    errors += _check_lonlat("sites", s, off)
    codes = s["uscc"]
    for i in _rows(codes.notna()):
        why = uscc.explain(codes.iloc[i])
        if why:
            errors.append(f"{row_label(i, off)}: {why}（{codes.iloc[i]}）")
    errors += _check_in("sites", s, "category", SECTORS, off, "未知 ")
    known = s["category"].isin(list(SECTORS))
    for i in _rows(known & s["subcategory"].notna() & s["subcategory"].ne("")):
        cat, sub = s["category"].iloc[i], s["subcategory"].iloc[i]
        if sub not in SECTORS[cat].subcategories:
            allowed = "、".join(SECTORS[cat].subcategories)
            errors.append(f"{row_label(i, off)}: 类别“{cat}”没有子类 {sub!r}（可选: {allowed}）")
    errors += _check_in("sites", s, "department", DEPARTMENTS, off, "未知 ")
    errors += _check_in("sites", s, "park", enums.PARKS, off, "未知 ")
    errors += _check_in("sites", s, "coord_quality", enums.COORD_QUALITIES, off, "无效 ")
    errors += _check_in("sites", s, "source", enums.SITE_SOURCES, off, "无效 ")
    errors += _check_in("sites", s, "operating_state", enums.OPERATING_STATES, off, "无效 ")
    errors += _check_committee("sites", s, off)
    rpy = s["required_per_year"]
    lo, hi = REQUIRED_PER_YEAR_RANGE
    errors += [
        f"{row_label(i, off)}: 年度检查次数（required_per_year）应为 {lo}–{hi} 的整数"
        f"（{rpy.iloc[i]:g}）"
        for i in _rows(rpy.notna() & ~rpy.between(lo, hi))
    ]
    old = s["elevators_15y"] > s["elevators"]
    errors += [f"{row_label(i, off)}: 15年以上电梯数大于电梯数" for i in _rows(old.fillna(False))]
    year = s["building_year"]
    errors += [
        f"{row_label(i, off)}: 建成年份（building_year）不合理（{year.iloc[i]:g}）"
        for i in _rows(year.notna() & ~year.between(1000, dt.date.today().year + 5))
    ]
    return errors


def validate_inspections(
    df: pd.DataFrame,
    site_ids: Iterable[str] | None = None,
    hazards: pd.DataFrame | None = None,
    row_offset: int = 1,
) -> list[str]:
    """Problems of an ``inspections`` table.

    Parameters
    ----------
    df : DataFrame
        The inspections.
    site_ids : iterable of str, optional
        Known sites; inspections of other sites are reported.
    hazards : DataFrame, optional
        The hazards of these inspections; ``n_hazards`` and ``major_found`` must agree with it.
    row_offset : int
        See module docstring.
    """
    off = row_offset
    s, errors = _frame("inspections", df, off)
    errors += _check_unique("inspections", s, "inspection_id", off)
    errors += _check_in("inspections", s, "type", enums.INSPECTION_TYPES, off, "未知 ")
    for name in ("hazard_found", "major_found"):
        v = s[name]
        errors += [
            f"{row_label(i, off)}: {_col('inspections', name).title}应为 0 或 1"
            for i in _rows(v.notna() & ~v.isin([0, 1]))
        ]
    n, found, major = s["n_hazards"], s["hazard_found"], s["major_found"]
    mismatch = n.notna() & found.notna() & ((n > 0).astype(int) != found)
    errors += [f"{row_label(i, off)}: 发现隐患标志与隐患数不一致" for i in _rows(mismatch)]
    errors += [
        f"{row_label(i, off)}: 发现重大隐患但未标记发现隐患"
        for i in _rows((major == 1) & (found == 0))
    ]
    if site_ids is not None:
        known = set(site_ids)
        unknown = s["site_id"].notna() & ~s["site_id"].isin(known)
        errors += [
            f"{row_label(i, off)}: 检查记录引用了不存在的单位 {s['site_id'].iloc[i]}"
            for i in _rows(unknown)
        ]
    if hazards is not None and "inspection_id" in hazards.columns:
        h = hazards
        counts = h.groupby("inspection_id").size()
        majors = (
            h.assign(_m=h["level"].eq("重大") if "level" in h.columns else False)
            .groupby("inspection_id")["_m"]
            .any()
        )
        expect_n = s["inspection_id"].map(counts).fillna(0)
        bad_n = n.notna() & (n != expect_n)
        errors += [
            f"{row_label(i, off)}: 隐患数（n_hazards）为 {int(n.iloc[i])}，"
            f"但隐患台账中有 {int(expect_n.iloc[i])} 条"
            for i in _rows(bad_n)
        ]
        expect_m = s["inspection_id"].map(majors).astype("boolean").fillna(False).astype(int)
        bad_m = major.notna() & (major != expect_m)
        errors += [
            f"{row_label(i, off)}: 发现重大隐患（major_found）与隐患台账不一致"
            for i in _rows(bad_m)
        ]
    return errors


def validate_hazards(
    df: pd.DataFrame,
    inspections: pd.DataFrame | None = None,
    row_offset: int = 1,
) -> list[str]:
    """Problems of a ``hazards`` (隐患台账) table.

    Checks vocabularies (等级, 类别, 状态, 复查结果), date order (发现 ≤ 整改 ≤ 复查合格 ≤
    销号, 期限 ≥ 发现; after a failed 复查 the unit may rectify again later), the lifecycle
    (待复查 needs 整改完成日期; 已销号 needs 复查合格, 销号日期 and 三清楚 =
    部位/责任单位/整改措施), and, when ``inspections`` is given, that each hazard's
    inspection exists and belongs to the same site.
    """
    off = row_offset
    s, errors = _frame("hazards", df, off)
    errors += _check_unique("hazards", s, "hazard_id", off)
    errors += _check_in("hazards", s, "level", enums.HAZARD_LEVELS, off, "无效 ")
    errors += _check_in("hazards", s, "hazard_type", enums.HAZARD_TYPES, off, "未知 ")
    errors += _check_in("hazards", s, "status", enums.HAZARD_STATUSES, off, "无效 ")
    errors += _check_in(
        "hazards", s, "reinspection_result", enums.REINSPECTION_RESULTS, off, "无效 "
    )
    order = (
        ("found_date", "deadline", "整改期限早于发现日期"),
        ("found_date", "rectified_date", "整改完成日期早于发现日期"),
        ("found_date", "reinspection_date", "复查日期早于发现日期"),
        ("reinspection_date", "closed_date", "销号日期早于复查日期"),
    )
    for a, b, msg in order:
        errors += [f"{row_label(i, off)}: {msg}" for i in _rows((s[b] < s[a]).fillna(False))]
    # A passed 复查 follows the rectification; after a failed one the unit rectifies again, so
    # rectified_date may then be later than the (failed) reinspection_date.
    passed = s["reinspection_result"].eq("合格").fillna(False)
    early = (s["reinspection_date"] < s["rectified_date"]).fillna(False) & passed
    errors += [f"{row_label(i, off)}: 复查合格日期早于整改完成日期" for i in _rows(early)]
    status = s["status"]
    closed = status.eq(enums.CLOSED_STATUS).fillna(False)
    errors += [
        f"{row_label(i, off)}: 已销号隐患须复查合格（复查结果: {s['reinspection_result'].iloc[i]!r}）"
        for i in _rows(closed & s["reinspection_result"].ne("合格").fillna(True))
    ]
    errors += [
        f"{row_label(i, off)}: 已销号隐患缺少销号日期" for i in _rows(closed & s["closed_date"].isna())
    ]
    for name in ("part", "responsible_unit", "measures"):
        empty = s[name].isna() | s[name].astype(str).str.strip().eq("")
        label = _col("hazards", name).title
        errors += [
            f"{row_label(i, off)}: 已销号隐患须“三清楚”，{label}为空" for i in _rows(closed & empty)
        ]
    errors += [
        f"{row_label(i, off)}: 未销号隐患不应有销号日期"
        for i in _rows(~closed & s["closed_date"].notna())
    ]
    errors += [
        f"{row_label(i, off)}: 待复查隐患缺少整改完成日期"
        for i in _rows(status.eq("待复查").fillna(False) & s["rectified_date"].isna())
    ]
    if inspections is not None and {"inspection_id", "site_id"} <= set(inspections.columns):
        parent = inspections.drop_duplicates("inspection_id").set_index("inspection_id")["site_id"]
        site_of = s["inspection_id"].map(parent)
        missing = s["inspection_id"].notna() & site_of.isna()
        errors += [
            f"{row_label(i, off)}: 隐患引用了不存在的检查记录 {s['inspection_id'].iloc[i]}"
            for i in _rows(missing)
        ]
        wrong = ~missing & s["site_id"].notna() & site_of.ne(s["site_id"])
        errors += [
            f"{row_label(i, off)}: 隐患的单位编号 {s['site_id'].iloc[i]} 与检查记录的单位 "
            f"{site_of.iloc[i]} 不一致"
            for i in _rows(wrong.fillna(False))
        ]
    return errors


def validate_assets(df: pd.DataFrame, row_offset: int = 1) -> list[str]:
    """Problems of an ``assets`` table (unique id, known kind, coordinates, capacity ≥ 0)."""
    off = row_offset
    s, errors = _frame("assets", df, off)
    errors += _check_unique("assets", s, "asset_id", off)
    errors += _check_in("assets", s, "kind", enums.ASSET_KINDS, off, "未知 ")
    errors += _check_lonlat("assets", s, off)
    errors += _check_committee("assets", s, off)
    return errors


def validate_tables(tables: Mapping[str, pd.DataFrame], row_offset: int = 1) -> None:
    """Validate a full set of tables together (foreign keys across tables included).

    Parameters
    ----------
    tables : mapping
        ``sites`` (required), ``inspections``, ``hazards``, ``assets`` (optional). Other keys
        are not allowed (``truth`` never goes into the store).

    Raises
    ------
    RegistryValidationError
        With every problem, each message prefixed by the table's Chinese name.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["S1"], "name": ["甲"], "lon": [121.39],
    ...     "lat": [31.25], "category": ["群租"], "department": ["居委会"],
    ...     "required_per_year": [2]})
    >>> insp = pd.DataFrame({"inspection_id": ["I1"], "site_id": ["S9"], "date": ["2024-01-02"],
    ...     "type": ["日常"], "hazard_found": [0], "major_found": [0], "n_hazards": [0]})
    >>> validate_tables({"sites": sites, "inspections": insp})
    Traceback (most recent call last):
    ...
    registry.validate.RegistryValidationError: 台账数据校验失败（1 个问题）:
    检查记录 第1行: 检查记录引用了不存在的单位 S9
    """
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise RegistryValidationError(
            [f"未知数据表: {', '.join(sorted(unknown))}（只接受 sites/inspections/hazards/assets）"]
        )
    if "sites" not in tables:
        raise RegistryValidationError(["缺少单位表 sites"])
    names = {"sites": "单位", "inspections": "检查记录", "hazards": "隐患台账", "assets": "设施"}
    sites = tables["sites"]
    insp = tables.get("inspections")
    haz = tables.get("hazards")
    errors = [f"单位 {m}" for m in validate_sites(sites, row_offset)]
    site_ids = sites["site_id"].astype(str) if "site_id" in sites.columns else []
    if insp is not None:
        errors += [
            f"{names['inspections']} {m}"
            for m in validate_inspections(insp, site_ids, haz, row_offset)
        ]
    if haz is not None:
        if insp is None:
            insp = pd.DataFrame({"inspection_id": [], "site_id": []})
        errors += [f"{names['hazards']} {m}" for m in validate_hazards(haz, insp, row_offset)]
    if tables.get("assets") is not None:
        errors += [f"{names['assets']} {m}" for m in validate_assets(tables["assets"], row_offset)]
    if errors:
        raise RegistryValidationError(errors)


def flag_outside_boundary(sites: pd.DataFrame) -> pd.Series:
    """``outside_boundary`` flags: the given flag OR'ed with "not inside the 真如 boundary".

    Uses ``layers.geodata.boundary_geometry()`` when ``layers.geodata`` can be imported; else
    returns the given flag (False where absent). Sites are allowed outside the boundary (e.g.
    天地软件园 tenants); this only marks them.

    Examples
    --------
    >>> df = pd.DataFrame({"lon": [121.3905, 121.3919], "lat": [31.2572, 31.2333]})
    >>> flag_outside_boundary(df).tolist()
    [False, True]
    """
    given = pd.Series(False, index=sites.index)
    if "outside_boundary" in sites.columns:
        parsed = coerce_column("sites", "outside_boundary", sites["outside_boundary"])[0]
        given = parsed.fillna(False).astype(bool)
    try:
        from layers.geodata import boundary_geometry
    except ImportError:
        return given
    import shapely

    if not {"lon", "lat"} <= set(sites.columns):
        return given  # no position: validation reports the missing 经度/纬度
    lon = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(dtype=float)
    poly = boundary_geometry()
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = np.zeros(len(sites), dtype=bool)
    inside[ok] = shapely.contains_xy(poly, lon[ok], lat[ok])
    return given | pd.Series(ok & ~inside, index=sites.index)


def complete_sites(sites: pd.DataFrame, assign_committee: bool = True) -> pd.DataFrame:
    """Fill derivable site columns a user registry may omit (returns a copy).

    - ``department``: the sector's default department (:data:`registry.sectors.SECTORS`);
    - ``key_list``: False; ``required_per_year``: 4 on the 重点检查名单, else 2;
    - ``outside_boundary``: :func:`flag_outside_boundary`;
    - ``committee``: :func:`registry.committees.committee_groups` when ``layers`` is importable
      (the containing 居委 zone; 辖区外 outside the boundary, 居委待核实 in a placeholder zone);
    - ``coord_quality``: ``approximate``; ``source``: ``import``; ``subcategory``/``industry``:
      empty.

    Existing non-empty values are kept. Unknown categories are left for validation to report.

    Examples
    --------
    >>> df = complete_sites(pd.DataFrame({"site_id": ["S1"], "name": ["甲"], "lon": [121.39],
    ...     "lat": [31.25], "category": ["特种设备"], "key_list": ["是"]}), assign_committee=False)
    >>> df.loc[0, ["department", "required_per_year"]].tolist()
    ['真如市场监管所', 4]
    """
    out = sites.copy().reset_index(drop=True)

    def empty(name: str) -> pd.Series:
        if name not in out.columns:
            return pd.Series(True, index=out.index)
        v = out[name]
        return (v.isna() | v.astype(str).str.strip().eq("")).astype(bool)

    if "department" not in out.columns:
        out["department"] = None
    out["department"] = out["department"].astype(object)
    dept = out["category"].map(lambda c: SECTORS[c].department if c in SECTORS else None)
    fill = empty("department")
    out.loc[fill, "department"] = dept[fill]

    if "key_list" not in out.columns:
        out["key_list"] = False
    # Unparsable flags stay as given so validation reports them; count them as False here.
    key_list = coerce_column("sites", "key_list", out["key_list"])[0].fillna(False).astype(bool)
    if "required_per_year" not in out.columns:
        out["required_per_year"] = None
    fill = empty("required_per_year")
    out["required_per_year"] = out["required_per_year"].astype(object)
    out.loc[fill, "required_per_year"] = np.where(key_list[fill], 4, 2)

    out["outside_boundary"] = flag_outside_boundary(out)

    for name, default in (("coord_quality", "approximate"), ("source", "import"),
                          ("subcategory", ""), ("industry", ""), ("address", "")):
        if name not in out.columns:
            out[name] = default
        else:
            out[name] = out[name].astype(object)
            out.loc[empty(name), name] = default

    if "committee" in out.columns:
        out["committee"] = to_short_names(out["committee"])
    if assign_committee and not {"lon", "lat"} <= set(out.columns):
        assign_committee = False  # no position: validation reports the missing 经度/纬度
    if assign_committee:
        try:
            from layers import zones  # noqa: F401 - only whether the geography is available
        except ImportError:
            assign_committee = False
        if assign_committee:
            need = empty("committee")
            if need.any():
                if "committee" not in out.columns:
                    out["committee"] = None
                out["committee"] = out["committee"].astype(object)
                lon = pd.to_numeric(out["lon"], errors="coerce")
                lat = pd.to_numeric(out["lat"], errors="coerce")
                # only plausible positions: validation refuses the others (1e308, swapped …)
                need &= lon.between(*LON_RANGE) & lat.between(*LAT_RANGE)
                if need.any():
                    out.loc[need, "committee"] = committee_groups(
                        lon[need].to_numpy(), lat[need].to_numpy(),
                        out.loc[need, "outside_boundary"].astype(bool).to_numpy(),
                    )  # fmt: skip
    return out
