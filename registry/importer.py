"""Load a user's own registry (units, inspections, hazards, assets) from CSV or XLSX.

Files may be UTF-8 (with or without BOM) or GBK/GB18030, and may use Chinese column headers
(单位名称 → ``name``, 地址 → ``address``, 经度 → ``lon``, 纬度 → ``lat``, 类别 → ``category``,
统一社会信用代码 → ``uscc``, 检查日期 → ``date``, 隐患等级 → ``level`` …; every Chinese label of
:mod:`registry.schema` is accepted, plus the aliases below). Missing derivable columns are
filled: site ids, the department from the sector table, ``required_per_year`` from the 重点
flag, the 居委 via ``layers.zones.assign_committee`` and ``outside_boundary`` via the OSM
boundary; inspection counts from the hazards; a hazard's ``site_id`` from its inspection;
inspections may name their unit by ``site_id`` or by a unique 单位名称.

Coordinates in GCJ-02 (高德/腾讯) or BD-09 (百度) are converted to WGS-84 when the file says
so (column ``坐标系``/``coord_sys``) or when ``crs=`` is given.

Everything is validated first (messages name the spreadsheet row: header = row 1); the store
file is only replaced, atomically, when all checks pass.

Examples
--------
>>> import pandas as pd
>>> renamed = rename_columns(pd.DataFrame(columns=["单位名称", "经度", "纬度", "类别"]), "sites")
>>> list(renamed.columns)
['name', 'lon', 'lat', 'category']
"""

from __future__ import annotations

import codecs
import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from openpyxl.utils.exceptions import InvalidFileException

from registry.committees import to_short_names
from registry.schema import TABLES, coerce_column
from registry.validate import RegistryValidationError, complete_sites, validate_tables

__all__ = [
    "ALIASES",
    "CRS_NAMES",
    "TABLE_NAMES_ZH",
    "DataRemovalError",
    "ImportErrorZh",
    "describe_removal",
    "import_registry",
    "load_tables",
    "planned_removal",
    "read_table",
    "rename_columns",
    "write_import",
]

#: Extra header aliases per table (the schema's Chinese labels are always accepted too).
ALIASES: Mapping[str, Mapping[str, str]] = {
    "sites": {
        "编号": "site_id", "单位id": "site_id", "单位代码": "site_id",
        "名称": "name", "场所名称": "name", "企业名称": "name", "单位/场所名称": "name",
        "信用代码": "uscc", "社会信用代码": "uscc", "统一社会信用代码": "uscc",
        "详细地址": "address", "门牌地址": "address", "地址/门牌": "address",
        "lng": "lon", "longitude": "lon", "经度(wgs84)": "lon",
        "latitude": "lat", "纬度(wgs84)": "lat",
        "行业类别": "category", "场所类别": "category", "类型": "category", "监管类别": "category",
        "子类别": "subcategory", "细类": "subcategory",
        "行业分类": "industry", "国民经济行业": "industry",
        "所属园区": "park",
        "居委会": "committee", "所属居委": "committee", "居委(村)": "committee",
        "主管部门": "department", "部门": "department", "负责部门": "department",
        "重点": "key_list", "是否重点": "key_list", "重点单位": "key_list",
        "检查频次": "required_per_year", "年检查次数": "required_per_year",
        "面积": "floor_area_m2", "建筑面积(平方米)": "floor_area_m2",
        "从业人数": "occupants", "人数": "occupants", "楼层数": "storeys",
        "建造年份": "building_year", "车位数": "ebike_capacity",
        "是否地下": "underground", "危化品数量": "hazchem_t", "危化品存量": "hazchem_t",
        "坐标系": "coord_sys",
    },
    "inspections": {
        "编号": "inspection_id", "单位名称": "site_name", "名称": "site_name",
        "日期": "date", "类型": "type", "检查组别": "team", "检查人": "team",
        "检查人员": "team", "领导": "leader", "是否发现隐患": "hazard_found",
        "发现重大": "major_found", "隐患数量": "n_hazards",
    },
    "hazards": {
        "编号": "hazard_id", "等级": "level", "类别": "hazard_type", "隐患类型": "hazard_type",
        "部位": "part", "风险点": "part", "描述": "description", "隐患内容": "description",
        "责任人": "responsible_person", "措施": "measures", "期限": "deadline",
        "整改时限": "deadline", "整改状态": "status", "督办": "supervised",
        "整改日期": "rectified_date", "完成日期": "rectified_date", "复查人结论": "reinspection_result",
    },
    "assets": {
        "编号": "asset_id", "类型": "kind", "设施名称": "name", "lng": "lon", "建成时间": "built_date",
        "是否近似": "approximate", "坐标系": "coord_sys",
    },
}  # fmt: skip

#: Accepted coordinate-system names → canonical key.
CRS_NAMES: Mapping[str, str] = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84", "cgcs2000": "wgs84", "epsg:4326": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "高德": "gcj02", "火星": "gcj02", "腾讯": "gcj02",
    "amap": "gcj02", "bd09": "bd09", "bd-09": "bd09", "百度": "bd09", "baidu": "bd09",
}  # fmt: skip


class ImportErrorZh(ValueError):
    """A file cannot be read (missing, unknown format, undecodable); Chinese message."""


def _key(header: object) -> str:
    text = str(header).strip().replace("（", "(").replace("）", ")").replace(" ", "")
    return text.lower()


def _header_map(table: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for col in TABLES[table]:
        mapping[_key(col.name)] = col.name
        if col.label:
            mapping[_key(col.label)] = col.name
    for alias, name in ALIASES.get(table, {}).items():
        mapping.setdefault(_key(alias), name)
    return mapping


def rename_columns(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rename Chinese/alias headers to the canonical ASCII names of ``table``.

    Unknown headers are kept as they are (and later ignored by the store).

    Raises
    ------
    ImportErrorZh
        If two headers map to the same column.
    """
    mapping = _header_map(table)
    renamed = {c: mapping.get(_key(c), c) for c in df.columns}
    seen: dict[str, str] = {}
    for original, name in renamed.items():
        if name in seen:
            raise ImportErrorZh(f"表头“{seen[name]}”与“{original}”都对应列 {name}，请只保留一个")
        seen[name] = str(original)
    return df.rename(columns=renamed)


#: Errors of the Excel readers for files that are not a readable workbook (not a zip, a zip
#: without the workbook parts, broken XML, a legacy .xls without its reader).
_EXCEL_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, KeyError, ValueError, TypeError, ET.ParseError, InvalidFileException,
    ImportError, EOFError,
)


def _decode(data: bytes, p: Path) -> str:
    """Text of a CSV file: UTF-16 (with BOM), UTF-8 (BOM allowed) or GB18030 (⊃ GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportErrorZh(f"无法识别文件编码（支持 UTF-8、GBK、带 BOM 的 UTF-16）: {p}")


def _read_csv(p: Path, sep: str) -> pd.DataFrame:
    text = _decode(p.read_bytes(), p)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise ImportErrorZh(
            f"{p} 第{line}行: 含空字符（NUL），不是文本表格；请删除该字符或另存为 CSV（UTF-8）"
        )
    if not text.strip():
        raise ImportErrorZh(f"{p}: 文件是空的")
    try:
        return pd.read_csv(
            io.StringIO(text), header=None, dtype=str, sep=sep, keep_default_na=False,
            na_values=[""], skipinitialspace=True, skip_blank_lines=False,
        )
    except pd.errors.ParserError as err:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if m:
            expected, line, saw = m.groups()
            raise ImportErrorZh(
                f"{p} 第{line}行: 有 {saw} 个字段，而表头只有 {expected} 列"
                "（多余的逗号或未加引号的逗号？）"
            ) from err
        raise ImportErrorZh(f"{p}: 无法按 CSV 解析（引号不配对或格式错误）") from err


def _read_excel(p: Path, sheet: str | int) -> pd.DataFrame:
    engine = "openpyxl" if p.suffix.lower() in (".xlsx", ".xlsm") else None
    try:
        return pd.read_excel(
            p, sheet_name=sheet, header=None, dtype=str, keep_default_na=False,
            na_values=[""], engine=engine,
        )
    except _EXCEL_ERRORS as err:
        raise ImportErrorZh(
            f"{p}: 不是可读取的 Excel 工作簿（文件损坏或实为其他格式）；请用 Excel 另存为 .xlsx 或 CSV"
        ) from err


def _column_name(j: int) -> str:
    """Spreadsheet column letters of a 0-based position (0 → A, 27 → AB)."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(ord("A") + r) + name
    return name


def _blank_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Missing or whitespace-only cells."""
    return df.map(lambda v: not isinstance(v, str) or not v.strip())


def _with_header(raw: pd.DataFrame, p: Path) -> pd.DataFrame:
    """First row as header; trailing blank rows and unlabelled empty columns dropped.

    Interior blank rows are kept (validation names them), so row numbers stay the
    spreadsheet's: header = row 1, first data row = row 2.
    """
    raw = raw.astype(object)
    blank = _blank_cells(raw)
    filled_rows = np.flatnonzero(~blank.all(axis=1).to_numpy())
    if not len(filled_rows):
        raise ImportErrorZh(f"{p}: 文件没有内容（没有表头，也没有数据行）")
    if filled_rows[0] != 0:
        raise ImportErrorZh(f"{p}: 第1行应为表头，实际为空行")
    raw = raw.iloc[: filled_rows[-1] + 1]
    blank = blank.iloc[: filled_rows[-1] + 1]
    header = [None if blank.iat[0, j] else str(raw.iat[0, j]).strip() for j in range(raw.shape[1])]
    keep: list[int] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name is None:
            if not blank.iloc[1:, j].all():
                raise ImportErrorZh(f"{p}: 第{_column_name(j)}列有数据但没有表头")
            continue
        if name in seen:
            raise ImportErrorZh(
                f"{p}: 表头“{name}”重复（第{_column_name(seen[name])}列和第{_column_name(j)}列），"
                "请只保留一列"
            )
        seen[name] = j
        keep.append(j)
    data = raw.iloc[1:, keep]
    data.columns = [header[j] for j in keep]
    if data.empty:
        raise ImportErrorZh(
            f"{p}: 只有表头，没有数据行；导入不会用空表覆盖已有数据（没有这类数据就不要传这个文件）"
        )
    return data.reset_index(drop=True)


def read_table(path: str | os.PathLike[str], sheet: str | int = 0) -> pd.DataFrame:
    """Read one CSV/XLSX file as text cells (so codes keep leading zeros).

    CSV is decoded as UTF-16 when it starts with a byte-order mark, else UTF-8 (BOM allowed),
    falling back to GB18030 (a superset of GBK). The first row is the header; header names
    must be unique; trailing blank rows and empty unlabelled columns are dropped.

    Raises
    ------
    ImportErrorZh
        Missing file, a folder, unsupported extension, undecodable or unparsable content,
        duplicate headers, data without a header, or no data rows at all.
    """
    p = Path(path)
    if not p.exists():
        raise ImportErrorZh(f"找不到文件: {p}")
    if p.is_dir():
        raise ImportErrorZh(f"{p} 是文件夹，不是表格文件（请给出 CSV 或 XLSX 文件）")
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            raw = _read_excel(p, sheet)
        elif suffix in (".csv", ".txt", ".tsv"):
            raw = _read_csv(p, "\t" if suffix == ".tsv" else ",")
        else:
            raise ImportErrorZh(
                f"不支持的文件类型 {suffix or '（无扩展名）'}: {p}（支持 CSV、XLSX）"
            )
    except PermissionError as err:
        raise ImportErrorZh(f"没有读取权限: {p}") from err
    return _with_header(raw, p)


def _convert_crs(df: pd.DataFrame, crs: str | None, label: str) -> pd.DataFrame:
    """Convert GCJ-02/BD-09 rows to WGS-84 (per-row ``coord_sys`` column or ``crs``)."""
    if "lon" not in df.columns or "lat" not in df.columns:
        return df
    per_row = df["coord_sys"] if "coord_sys" in df.columns else pd.Series(crs, index=df.index)
    per_row = per_row.fillna(crs if crs else "wgs84")
    keys = per_row.map(lambda v: CRS_NAMES.get(_key(v)) if v is not None else "wgs84")
    unknown = keys.isna()
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise RegistryValidationError(
            [f"{label} 第{i + 2}行: 未知坐标系 {per_row.iloc[i]!r}（可选: WGS84、GCJ02、BD09）"]
        )
    if keys.eq("wgs84").all():
        return df.drop(columns=["coord_sys"], errors="ignore")
    from layers.coords import bd09_to_wgs84, gcj02_to_wgs84
    from registry.validate import LAT_RANGE, LON_RANGE

    out = df.copy()
    lon = pd.to_numeric(out["lon"], errors="coerce").to_numpy(dtype=float, copy=True)
    lat = pd.to_numeric(out["lat"], errors="coerce").to_numpy(dtype=float, copy=True)
    for key, func in (("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)):
        # only near-Shanghai positions: the rest is refused by validation as it is
        near = (
            (np.abs(lon - np.mean(LON_RANGE)) < 2) & (np.abs(lat - np.mean(LAT_RANGE)) < 2)
        )
        m = keys.eq(key).to_numpy() & near
        if m.any():
            x, y = func(lon[m], lat[m])
            lon[m], lat[m] = x, y
    # keep unparsable text for validation to report
    out["lon"] = np.where(np.isfinite(lon), lon, out["lon"])
    out["lat"] = np.where(np.isfinite(lat), lat, out["lat"])
    return out.drop(columns=["coord_sys"], errors="ignore")


def _link_inspections(insp: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    out = insp.copy()
    if "site_id" not in out.columns and "site_name" in out.columns:
        names = sites["name"].astype(str).str.strip()
        dup = set(names[names.duplicated()])
        lookup = dict(zip(names, sites["site_id"], strict=True))
        errors = []
        ids = []
        for i, n in enumerate(out["site_name"].astype(str).str.strip()):
            if n in dup:
                errors.append(f"检查记录 第{i + 2}行: 单位名称“{n}”不唯一，请改用单位编号")
            elif n not in lookup:
                errors.append(f"检查记录 第{i + 2}行: 找不到单位“{n}”")
            ids.append(lookup.get(n))
        if errors:
            raise RegistryValidationError(errors)
        out["site_id"] = ids
    if "inspection_id" not in out.columns:
        out["inspection_id"] = [f"I{i:07d}" for i in range(1, len(out) + 1)]
    return out.drop(columns=["site_name"], errors="ignore")


def _derive_counts(insp: pd.DataFrame, haz: pd.DataFrame | None) -> pd.DataFrame:
    out = insp.copy()
    ids = out["inspection_id"].astype(str)
    if haz is not None and "inspection_id" in haz.columns:
        h = haz.assign(inspection_id=haz["inspection_id"].astype(str))
        counts = h.groupby("inspection_id").size()
        level = h["level"] if "level" in h.columns else pd.Series("", index=h.index)
        majors = h.assign(_m=level.eq("重大")).groupby("inspection_id")["_m"].any()
    else:
        counts = pd.Series(dtype=int)
        majors = pd.Series(dtype=bool)
    n = ids.map(counts).fillna(0).astype(int)
    derived = {
        "n_hazards": n,
        "hazard_found": (n > 0).astype(int),
        "major_found": ids.map(majors).astype("boolean").fillna(False).astype(int),
    }
    for name, values in derived.items():
        if name not in out.columns:
            out[name] = values
        else:
            blank = out[name].isna()
            out[name] = out[name].astype(object)
            out.loc[blank, name] = values[blank]
    return out


def _link_hazards(haz: pd.DataFrame, insp: pd.DataFrame | None) -> pd.DataFrame:
    out = haz.copy()
    if insp is not None and "inspection_id" in out.columns:
        parent = insp.drop_duplicates("inspection_id").set_index(
            insp.drop_duplicates("inspection_id")["inspection_id"].astype(str)
        )
        iid = out["inspection_id"].astype(str)
        for name, src in (("site_id", "site_id"), ("found_date", "date")):
            derived = iid.map(parent[src]) if src in parent.columns else None
            if derived is None:
                continue
            if name not in out.columns:
                out[name] = derived
            else:
                out[name] = out[name].astype(object)
                blank = out[name].isna()
                out.loc[blank, name] = derived[blank]
    if "hazard_id" not in out.columns and "found_date" in out.columns:
        found = coerce_column("hazards", "found_date", out["found_date"])[0]
        month = found.dt.strftime("YH-%Y-%m-").fillna("YH-0000-00-")
        seq = month.groupby(month).cumcount() + 1
        out["hazard_id"] = month + seq.map(lambda k: f"{k:04d}")
    return out


def load_tables(
    sites: str | os.PathLike[str],
    inspections: str | os.PathLike[str] | None = None,
    hazards: str | os.PathLike[str] | None = None,
    assets: str | os.PathLike[str] | None = None,
    crs: str | None = None,
    assign_committee: bool = True,
) -> dict[str, pd.DataFrame]:
    """Read, rename, complete and validate a user's registry files (nothing is written).

    Parameters
    ----------
    sites, inspections, hazards, assets : path
        CSV/XLSX files (only ``sites`` is required).
    crs : str, optional
        Coordinate system of rows without a ``坐标系`` column: ``wgs84`` (default), ``gcj02``
        (高德/腾讯) or ``bd09`` (百度).
    assign_committee : bool
        Fill missing 居委 from ``layers.zones`` (when importable).

    Returns
    -------
    dict of DataFrame
        Tables ready for :meth:`registry.store.SQLiteStore.replace_all`.

    Raises
    ------
    ImportErrorZh
        A file cannot be read.
    RegistryValidationError
        Any row is invalid (all problems listed, with spreadsheet row numbers).
    """
    if crs is not None and CRS_NAMES.get(_key(crs)) is None:
        raise ImportErrorZh(f"未知坐标系 {crs!r}（可选: wgs84、gcj02、bd09）")
    crs_key = CRS_NAMES.get(_key(crs)) if crs else None
    s = rename_columns(read_table(sites), "sites")
    s = _convert_crs(s, crs_key, "单位")
    if "site_id" not in s.columns:
        s["site_id"] = [f"S{i:06d}" for i in range(1, len(s) + 1)]
    if "category" in s.columns:
        # accept a sector's ASCII code or surrounding spaces
        from registry.sectors import SECTOR_BY_CODE

        s["category"] = s["category"].map(
            lambda v: SECTOR_BY_CODE[v.strip()].name_zh
            if isinstance(v, str) and v.strip() in SECTOR_BY_CODE
            else (v.strip() if isinstance(v, str) else v)
        )
    missing = [c.title for c in TABLES["sites"] if c.required and c.name not in s.columns]
    if missing:
        # nothing can be linked to units without their names and positions: stop here
        raise RegistryValidationError([f"单位 缺少必需列 {title}" for title in missing])
    s = complete_sites(s, assign_committee=assign_committee)
    tables: dict[str, pd.DataFrame] = {"sites": s}
    h = rename_columns(read_table(hazards), "hazards") if hazards is not None else None
    if inspections is not None:
        i = rename_columns(read_table(inspections), "inspections")
        i = _link_inspections(i, s)
        i = _derive_counts(i, h)
        tables["inspections"] = i
    if h is not None:
        tables["hazards"] = _link_hazards(h, tables.get("inspections"))
    if assets is not None:
        a = rename_columns(read_table(assets), "assets")
        a = _convert_crs(a, crs_key, "设施")
        if "committee" in a.columns:
            a["committee"] = to_short_names(a["committee"])
        tables["assets"] = a
    validate_tables(tables, row_offset=2)
    return tables


class DataRemovalError(ImportErrorZh):
    """An import would leave fewer rows in a table than the store holds (refused by default).

    ``removed`` maps table name → number of rows fewer.
    """

    def __init__(self, message: str, removed: Mapping[str, int]):
        super().__init__(message)
        self.removed: dict[str, int] = dict(removed)


#: Chinese names of the tables in messages.
TABLE_NAMES_ZH: Mapping[str, str] = {
    "sites": "单位", "inspections": "检查记录", "hazards": "隐患", "assets": "设施",
}  # fmt: skip


def describe_removal(removed: Mapping[str, int]) -> str:
    """``'单位 2998 条、隐患 12 条'`` (tables with no removal left out).

    Examples
    --------
    >>> describe_removal({"sites": 2998, "inspections": 0, "hazards": 12})
    '单位 2998 条、隐患 12 条'
    """
    return "、".join(f"{TABLE_NAMES_ZH[k]} {n} 条" for k, n in removed.items() if n > 0)


def planned_removal(
    path: str | os.PathLike[str], tables: Mapping[str, pd.DataFrame]
) -> dict[str, int]:
    """Rows fewer per table if ``tables`` replaced the store at ``path`` (0 = none fewer).

    A missing file holds nothing, so nothing is removed.

    Raises
    ------
    ImportErrorZh
        ``path`` exists but is not a readable store of this program's schema (replacing it
        would lose whatever it holds).
    """
    from registry.store import SQLiteStore, StoreSchemaError

    target = Path(path)
    if not target.exists():
        return {}
    if target.is_dir():
        raise ImportErrorZh(f"数据库路径 {target} 是文件夹，请给出文件路径")
    try:
        with SQLiteStore(target) as store:
            before = store.counts()
    except (sa.exc.SQLAlchemyError, StoreSchemaError) as err:
        raise DataRemovalError(
            f"目标文件 {target} 不是可读取的台账数据库（{type(err).__name__}），"
            "导入会覆盖其全部内容；如确需覆盖，请加 --allow-remove",
            {},
        ) from err
    return {name: max(0, n - len(tables.get(name, ()))) for name, n in before.items()}


def write_import(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str] | None = None,
    sources: Sequence[str | os.PathLike[str]] = (),
    allow_remove: bool = False,
):
    """Atomically replace the store at ``path`` with validated ``tables``.

    An import that would leave any table with fewer rows than the store holds — e.g. a file
    of fewer units, or an import without a hazards file over a store with hazards — is
    refused unless ``allow_remove``.

    Returns
    -------
    (registry.store.SQLiteStore, dict)
        The store and the rows removed per table (see :func:`planned_removal`).

    Raises
    ------
    DataRemovalError
        Data would be removed and ``allow_remove`` is False; nothing is written.
    """
    from registry.store import build_store, default_store_path

    target = Path(path) if path is not None else default_store_path()
    try:
        removed = planned_removal(target, tables)
    except DataRemovalError:
        if not allow_remove:
            raise
        removed = {}
    if any(removed.values()) and not allow_remove:
        raise DataRemovalError(
            f"导入会删除 {target} 中的已有数据（少 {describe_removal(removed)}），已拒绝；"
            "如确需删除，请加 --allow-remove",
            removed,
        )
    meta = {"source": "import", "imported_from": ", ".join(str(p) for p in sources if p)}
    try:
        store = build_store(target, tables=tables, meta=meta)
    except PermissionError as err:
        raise ImportErrorZh(f"没有写入权限: {target}") from err
    return store, removed


def import_registry(
    sites: str | os.PathLike[str],
    inspections: str | os.PathLike[str] | None = None,
    hazards: str | os.PathLike[str] | None = None,
    assets: str | os.PathLike[str] | None = None,
    path: str | os.PathLike[str] | None = None,
    crs: str | None = None,
    allow_remove: bool = False,
):
    """Validate the files and atomically (re)write the store at ``path``.

    The store file is replaced only when every check passes and — unless ``allow_remove`` —
    no table would end up with fewer rows than it has (see :func:`write_import`); on any
    error the previous file (if any) is untouched and no new file is created.

    Returns
    -------
    registry.store.SQLiteStore

    Examples
    --------
    >>> store = import_registry("单位.csv", hazards=None, path="my.db")  # doctest: +SKIP
    """
    tables = load_tables(sites, inspections, hazards, assets, crs=crs)
    sources = [p for p in (sites, inspections, hazards, assets) if p]
    return write_import(tables, path, sources, allow_remove=allow_remove)[0]
