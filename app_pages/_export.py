"""Table downloads of the app pages (CSV / XLSX) with a spreadsheet formula-injection guard.

A cell a user typed (a site name, an address) that starts with ``=``, ``+``, ``-``, ``@``, tab
or carriage return would run as a formula when the file is opened in Excel/WPS; such text cells
get a leading apostrophe, and XML-illegal control characters (which make openpyxl refuse the
whole workbook) are removed — both by :func:`layers.safe_text.cell_text`, the one rule for
every spreadsheet export. Numbers stay numbers; every other value is written as text.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"单位名称": ["=HYPERLINK(\\"x\\")", "甲厂"], "评分": [-3.5, 80.0]})
>>> guard_formulas(df)["单位名称"].tolist()
['\\'=HYPERLINK("x")', '甲厂']
>>> guard_formulas(df)["评分"].tolist()
[-3.5, 80.0]
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pandas as pd

from layers.safe_text import FORMULA_PREFIXES, cell_text

__all__ = ["FORMULA_PREFIXES", "audited", "exportable", "guard_formulas", "to_csv_bytes", "to_xlsx_bytes"]


def _text(value):
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list | tuple):
        return "；".join(str(v[0] if isinstance(v, list | tuple) else v) for v in value)
    return str(value)


def guard_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` for export: non-numeric columns as text, formula-like text prefixed ``'``.

    Numeric and boolean columns are kept as they are; dates become ``YYYY-MM-DD``; lists
    (e.g. reasons) are joined with ``；``.
    """
    out = pd.DataFrame(df).drop(columns="geometry", errors="ignore").copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s) or (
            pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        ):
            continue
        out[col] = s.map(_text).map(cell_text).astype(object)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with BOM (opens correctly in Excel/WPS), formula-guarded."""
    return guard_formulas(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    """XLSX workbook (one sheet), text cells stored as strings, formula-guarded.

    openpyxl would store a string starting with ``=`` as a formula; the guard prevents it.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    safe = guard_formulas(df)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in safe.columns])
    for row in safe.itertuples(index=False):
        cells = []
        for v in row:
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                cells.append(None)
            elif hasattr(v, "item"):
                cells.append(v.item())  # numpy scalar
            else:
                cells.append(v)
        ws.append(cells)
    for col_idx, col in enumerate(safe.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)]) + 2
        ws.column_dimensions[get_column_letter(col_idx)].width = min(max(width, 6), 60)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def audited(what: str, make: Callable[[], bytes]) -> Callable[[], bytes]:
    """A download's data callable that records the export (who, what, size) in the audit trail.

    ``st.download_button`` calls a callable ``data`` only when the user clicks, so each
    download leaves one record; the account and store are taken now, while the page runs.
    """
    from app_pages._data import current_account, get_store

    user, store = current_account().username, get_store()

    def data() -> bytes:
        payload = make()
        store.record_event("export", user=user, detail={"导出": what, "字节": len(payload)})
        return payload

    return data


def exportable(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` as the signed-in account may download it: personal fields masked for roles
    that may see them on screen but not take them away in bulk (检查员, 居委)."""
    from app_pages._data import current_account
    from registry.accounts import mask_personal

    if current_account().spec.exports_personal:
        return frame
    return mask_personal(frame, table)
