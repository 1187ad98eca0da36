"""Input tables: validation with clear (Chinese) errors and CSV reading (UTF-8 or GBK).

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["S1"]})
>>> insp = pd.DataFrame({"inspection_id": ["I1"], "site_id": ["S2"], "date": ["2024-01-01"],
...                      "hazard_found": [1]})
>>> validate_inspections(insp, sites)
Traceback (most recent call last):
...
risk.tables.InputError: 检查记录中有 1 条的 site_id 不在场所表中 (例如: S2)
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

SITE_REQUIRED: tuple[str, ...] = ("site_id",)
INSPECTION_REQUIRED: tuple[str, ...] = ("site_id", "date", "hazard_found")


class InputError(ValueError):
    """A user-supplied table is unusable; the message says what to fix (in Chinese)."""


#: Range of 评估日期 the model takes: pandas' nanosecond timestamps end in 2262, and the
#: scoring adds deadlines and inspection intervals of years to the date.
AS_OF_RANGE: tuple[dt.date, dt.date] = (dt.date(1970, 1, 1), dt.date(2200, 12, 31))


def as_of_timestamp(as_of: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    """The 评估日期 as a midnight timestamp, checked against :data:`AS_OF_RANGE`.

    Raises
    ------
    InputError
        Unreadable, empty or outside the range (Chinese message).

    Examples
    --------
    >>> as_of_timestamp("2025-06-30 14:00")
    Timestamp('2025-06-30 00:00:00')
    >>> as_of_timestamp("9999-12-31")
    Traceback (most recent call last):
    ...
    risk.tables.InputError: 评估日期 9999-12-31 超出可处理的范围 (1970-01-01 至 2200-12-31)
    >>> as_of_timestamp(pd.NaT)
    Traceback (most recent call last):
    ...
    risk.tables.InputError: 评估日期 as_of 不能为空
    """
    lo, hi = AS_OF_RANGE
    # a date far out of range cannot even become a timestamp: check it as a date first
    day: dt.date | None = None
    if isinstance(as_of, dt.datetime):  # pd.Timestamp too
        day = None if pd.isna(as_of) else as_of.date()
    elif isinstance(as_of, dt.date):
        day = as_of
    elif isinstance(as_of, str):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(as_of.strip()[:10])
    if day is not None and not lo <= day <= hi:
        raise InputError(f"评估日期 {day:%Y-%m-%d} 超出可处理的范围 ({lo} 至 {hi})")
    try:
        ts = pd.Timestamp(as_of)
    except (ValueError, TypeError) as err:  # OutOfBoundsDatetime is a ValueError
        raise InputError(f"无法识别的评估日期 as_of: {as_of!r} (应为 YYYY-MM-DD)") from err
    if pd.isna(ts):
        raise InputError("评估日期 as_of 不能为空")
    if not lo <= ts.date() <= hi:
        raise InputError(f"评估日期 {ts:%Y-%m-%d} 超出可处理的范围 ({lo} 至 {hi})")
    return ts.normalize()


def _examples(values: pd.Series, k: int = 5) -> str:
    return ", ".join(str(v) for v in values.head(k).tolist())


def read_table(path: str | Path, what: str = "表") -> pd.DataFrame:
    """Read a CSV in UTF-8 (with or without BOM) or GBK; every column as text first.

    Raises
    ------
    InputError
        Missing file or undecodable content.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"找不到{what}文件: {p}")
    last: UnicodeDecodeError | None = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            df = pd.read_csv(p, encoding=enc, dtype=str, keep_default_na=True)
        except UnicodeDecodeError as err:
            last = err
            continue
        except pd.errors.EmptyDataError as err:
            raise InputError(f"{what}文件为空: {p}") from err
        df.columns = [str(c).strip() for c in df.columns]
        return df
    raise InputError(f"{what}文件既不是 UTF-8 也不是 GBK 编码: {p} ({last})")


def _require(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"{what}缺少必需的列: {', '.join(missing)} (现有列: {', '.join(map(str, df.columns))})")


def _binary(s: pd.Series, name: str) -> pd.Series:
    mapping = {"1": 1, "0": 0, "true": 1, "false": 0, "是": 1, "否": 0, "yes": 1, "no": 0,
               "1.0": 1, "0.0": 0}
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        num = pd.to_numeric(s, errors="coerce")
    else:
        num = s.astype("string").str.strip().str.lower().map(mapping)
        num = pd.to_numeric(num, errors="coerce")
    bad = num.isna() | ~num.isin([0, 1])
    if bad.any():
        raise InputError(
            f"检查记录的 {name} 列须为 0/1, 有 {int(bad.sum())} 行不是 (例如第 "
            f"{_examples(pd.Series(np.flatnonzero(bad.to_numpy()) + 2))} 行)"
        )
    return num.astype(int)


def parse_dates(s: pd.Series, what: str) -> pd.Series:
    """Parse dates (ISO ``YYYY-MM-DD`` or ``YYYY/MM/DD``); raise on any unparseable value."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = pd.to_datetime(s)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
    else:
        text = s.astype("string").str.strip().str.replace("/", "-", regex=False)
        out = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = out.isna()
    if bad.any():
        rows = pd.Series(np.flatnonzero(bad.to_numpy()) + 2)
        raise InputError(
            f"{what}有 {int(bad.sum())} 个无法识别的日期 (CSV 第 {_examples(rows)} 行, "
            f"值: {_examples(s[bad].astype(str))}); 请使用 YYYY-MM-DD"
        )
    return out.dt.normalize().astype("datetime64[ns]")


def validate_sites(sites: pd.DataFrame) -> pd.DataFrame:
    """Check the sites table: ``site_id`` present, non-empty and unique; returns a copy."""
    if not isinstance(sites, pd.DataFrame):
        raise InputError("场所表必须是 DataFrame")
    _require(sites, SITE_REQUIRED, "场所表")
    out = pd.DataFrame(sites).copy()
    if "geometry" in out.columns:
        out = pd.DataFrame(out.drop(columns="geometry"))
    sid = out["site_id"].astype("string").str.strip()
    if sid.isna().any() or (sid == "").any():
        raise InputError(f"场所表有 {int((sid.isna() | (sid == '')).sum())} 行 site_id 为空")
    dup = sid[sid.duplicated()]
    if len(dup):
        raise InputError(f"场所表 site_id 重复 {len(dup)} 个 (例如: {_examples(dup)})")
    out["site_id"] = sid.astype(str)
    for col in ("lon", "lat"):
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def validate_inspections(inspections: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the inspections table against the sites table.

    Returns a copy with ``site_id`` as str, ``date`` as ``datetime64[ns]``, ``hazard_found`` and
    ``major_found`` as 0/1 int (``major_found`` = 0 when absent), ``inspection_id`` filled from
    the row number when absent.

    Raises
    ------
    InputError
        Missing columns, bad dates, non-0/1 outcomes, unknown site ids, duplicate ids.
    """
    if not isinstance(inspections, pd.DataFrame):
        raise InputError("检查记录表必须是 DataFrame")
    _require(inspections, INSPECTION_REQUIRED, "检查记录表")
    out = inspections.copy()
    if "inspection_id" not in out:
        out["inspection_id"] = [f"row{i + 1}" for i in range(len(out))]
    out["inspection_id"] = out["inspection_id"].astype(str)
    dup = out["inspection_id"][out["inspection_id"].duplicated()]
    if len(dup):
        raise InputError(f"检查记录 inspection_id 重复 {len(dup)} 个 (例如: {_examples(dup)})")
    out["site_id"] = out["site_id"].astype("string").str.strip().astype(str)
    known = set(sites["site_id"].astype(str))
    unknown = ~out["site_id"].isin(known)
    if unknown.any():
        raise InputError(
            f"检查记录中有 {int(unknown.sum())} 条的 site_id 不在场所表中 "
            f"(例如: {_examples(out.loc[unknown, 'site_id'].drop_duplicates())})"
        )
    out["date"] = parse_dates(out["date"], "检查记录表 date 列")
    out["hazard_found"] = _binary(out["hazard_found"], "hazard_found")
    if "major_found" in out:
        mf = out["major_found"]
        out["major_found"] = _binary(mf.where(mf.notna(), 0), "major_found")
    else:
        out["major_found"] = 0
    if "n_hazards" in out:
        out["n_hazards"] = pd.to_numeric(out["n_hazards"], errors="coerce")
    return out


_BOOL_TEXT = {"true": True, "false": False}


def coerce_types(
    df: pd.DataFrame, keep_text: tuple[str, ...] = ("site_id", "inspection_id")
) -> pd.DataFrame:
    """Turn text columns read from CSV into numbers/booleans where every value parses.

    Examples
    --------
    >>> df = pd.DataFrame({"a": ["1", "2.5"], "b": ["True", "false"], "c": ["x", "1"]})
    >>> coerce_types(df).dtypes.astype(str).tolist()
    ['float64', 'bool', 'str']
    """
    out = df.copy()
    for col in out.columns:
        is_text = out[col].dtype == object or pd.api.types.is_string_dtype(out[col])
        if col in keep_text or not is_text:
            continue
        s = out[col]
        non_null = s.dropna().astype(str).str.strip()
        if non_null.empty:
            continue
        lowered = non_null.str.lower()
        if lowered.isin(list(_BOOL_TEXT)).all() and s.notna().all():
            out[col] = s.astype(str).str.strip().str.lower().map(_BOOL_TEXT).astype(bool)
            continue
        num = pd.to_numeric(non_null, errors="coerce")
        if num.notna().all():
            out[col] = pd.to_numeric(s, errors="coerce").astype(float)
    return out
