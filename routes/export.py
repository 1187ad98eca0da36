"""Field outputs of a :class:`routes.planning.RoutePlan`: Excel, CSV, printable HTML, GPX.

* :func:`to_xlsx` — one sheet per team + 汇总 + 未安排, Chinese headers, navigation links.
* :func:`to_csv` — all stops of all teams in one UTF-8 (with BOM, opens in Excel) table.
* :func:`to_printable_html` — one A4 page per team (see :mod:`routes.sheet`).
* :func:`to_gpx` — GPX 1.1 routes for GPS apps (see :mod:`routes.gpx`).
* :func:`nav_links` — 高德 (GCJ-02) and ``geo:`` (WGS-84) links per stop.

Every text cell (names, addresses, team and leader names, start labels, sheet titles) goes
through :func:`layers.safe_text.cell_text`: XML-illegal control characters are removed (one NUL
would make the whole workbook unreadable) and text starting like a formula (``=``, ``+``,
``-``, ``@``, tab, carriage return) gets a leading apostrophe and is stored as text.

Examples
--------
>>> data = to_xlsx(plan)  # doctest: +SKIP
>>> st.download_button("下载 Excel", data, "巡查路线.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from layers.safe_text import cell_text, plain_text
from routes.gpx import to_gpx
from routes.navlinks import geo_url, nav_links
from routes.planning import RoutePlan, normalise_mode
from routes.sheet import to_printable_html

__all__ = [
    "STOP_HEADERS",
    "geo_url",
    "nav_links",
    "stops_table",
    "to_csv",
    "to_gpx",
    "to_printable_html",
    "to_xlsx",
]

#: Chinese headers of a team's stop list, in sheet order.
STOP_HEADERS: tuple[str, ...] = (
    "序号",
    "单位名称",
    "地址",
    "类别",
    "风险等级",
    "预计到达",
    "预计离开",
    "检查要点",
    "必查原因",
    "导航链接",
    "风险分",
    "路程(分钟)",
    "检查(分钟)",
    "备注",
    "单位编号",
)

_WIDTHS = {
    "序号": 6,
    "单位名称": 28,
    "地址": 30,
    "类别": 12,
    "风险等级": 9,
    "预计到达": 9,
    "预计离开": 9,
    "检查要点": 40,
    "必查原因": 26,
    "导航链接": 12,
    "风险分": 8,
    "路程(分钟)": 10,
    "检查(分钟)": 10,
    "备注": 20,
    "单位编号": 11,
    "小组": 12,
    "原因": 44,
    "优先级": 8,
    "必查": 6,
}

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_MUST_FILL = PatternFill("solid", fgColor="FDE9E7")


def stops_table(plan: RoutePlan, *, links: bool = True) -> pd.DataFrame:
    """All stops with Chinese headers (:data:`STOP_HEADERS`) plus a ``小组`` column first.

    The 导航链接 column holds the 高德 link (GCJ-02); ``geo:`` links are in 导航(geo).

    Examples
    --------
    >>> stops_table(plan).columns[:3].tolist()  # doctest: +SKIP
    ['小组', '序号', '单位名称']
    """
    frames = []
    for r in plan.routes:
        s = r.stops
        if links and len(s):
            nl = nav_links(s)
            amap, geo = nl["amap_url"], nl["geo_url"]
        else:
            amap = geo = pd.Series([""] * len(s), index=s.index)
        frames.append(
            pd.DataFrame(
                {
                    "小组": r.team.name,
                    "序号": s["seq"],
                    "单位名称": s["name"],
                    "地址": s["address"],
                    "类别": s["category"],
                    "风险等级": s["level"],
                    "预计到达": s["arrival"],
                    "预计离开": s["leave"],
                    "检查要点": s["focus"],
                    "必查原因": s["must_reasons"].where(s["must_visit"], ""),
                    "导航链接": amap,
                    "风险分": s["score"].round(1),
                    "路程(分钟)": s["travel_min"].round(0),
                    "检查(分钟)": s["service_min"].round(0),
                    "备注": s["note"],
                    "单位编号": s["site_id"],
                    "导航(geo)": geo,
                    "经度": s["lon"],
                    "纬度": s["lat"],
                },
                index=s.index,
            )
        )
    if not frames or all(len(f) == 0 for f in frames):
        return pd.DataFrame(columns=["小组", *STOP_HEADERS, "导航(geo)", "经度", "纬度"])
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def to_csv(plan: RoutePlan) -> bytes:
    """All stops as CSV bytes (UTF-8 with BOM so Excel shows Chinese correctly).

    Examples
    --------
    >>> to_csv(plan)[:3] == b"\\xef\\xbb\\xbf"  # doctest: +SKIP
    True
    """
    df = stops_table(plan)
    for col in df.columns:  # every text column: names, addresses, categories, notes, links
        if not pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].map(lambda v: v if isinstance(v, int | float) else cell_text(v))
    return df.to_csv(index=False).encode("utf-8-sig")


def _sheet_title(name: str, used: set[str]) -> str:
    text = plain_text(name)
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in text).strip("'") or "小组"
    clean = clean[:31]
    title, k = clean, 2
    while title in used:
        suffix = f"({k})"
        title = clean[: 31 - len(suffix)] + suffix
        k += 1
    used.add(title)
    return title


def _write_cell(ws, row: int, col: int, value):
    cell = ws.cell(row=row, column=col)
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        cell.value = None
    elif isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"  # text, never a formula
    elif hasattr(value, "item"):
        cell.value = value.item()
    else:
        cell.value = value
    return cell


def _write_table(ws, df: pd.DataFrame, *, link_cols: tuple[str, ...] = ()) -> None:
    headers = list(df.columns)
    for j, h in enumerate(headers, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.fill = _HEADER_FILL
        c.font = _HEADER_FONT
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = _WIDTHS.get(h, 14)
    wrap = Alignment(vertical="top", wrap_text=True)
    for i, (_, row) in enumerate(df.iterrows(), start=2):
        for j, h in enumerate(headers, start=1):
            value = row[h]
            if h in link_cols and isinstance(value, str) and value.startswith(("http", "geo:")):
                c = ws.cell(row=i, column=j, value="高德导航" if value.startswith("http") else "地图")
                c.hyperlink = value
                c.font = Font(color="0563C1", underline="single")
            else:
                c = _write_cell(ws, i, j, value)
            c.alignment = wrap
    ws.freeze_panes = "B2" if len(headers) > 1 else "A2"
    ws.row_dimensions[1].height = 22
    if len(df):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(df) + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def _summary_frame(plan: RoutePlan) -> pd.DataFrame:
    rows = []
    for r in plan.routes:
        t = r.team
        rows.append(
            {
                "小组": t.name,
                "带队领导": t.leader or "",
                "组员": "、".join(t.members),
                "交通方式": normalise_mode(t.mode),
                "出发地": r.start.label,
                "出发时间": r.depart,
                "预计返回": r.end_time,
                "检查单位数": r.n_stops,
                "必查单位数": int(r.stops["must_visit"].sum()) if len(r.stops) else 0,
                "路程(分钟)": round(r.travel_min),
                "检查(分钟)": round(r.service_min),
                "累计优先级": round(r.priority, 1),
            }
        )
    return pd.DataFrame(rows)


def to_xlsx(plan: RoutePlan) -> bytes:
    """Excel workbook bytes: 汇总, one sheet per team, 未安排.

    Examples
    --------
    >>> from openpyxl import load_workbook
    >>> wb = load_workbook(io.BytesIO(to_xlsx(plan)))  # doctest: +SKIP
    >>> wb.sheetnames[0]  # doctest: +SKIP
    '汇总'
    """
    wb = Workbook()
    ws = wb.active
    used = {"汇总", "未安排"}
    ws.title = "汇总"
    summary = _summary_frame(plan)
    _write_table(ws, summary)
    for col in range(1, len(summary.columns) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    ws.column_dimensions["E"].width = 36
    base = len(summary) + 3
    ws.cell(row=base, column=1, value=f"计划日期：{plan.date:%Y-%m-%d}").font = Font(bold=True)
    for k, line in enumerate(plan.summary_zh().splitlines(), start=1):
        _write_cell(ws, base + k, 1, line)

    table = stops_table(plan)
    for r in plan.routes:
        part = table[table["小组"] == r.team.name] if len(table) else table
        frame = part[list(STOP_HEADERS)] if len(part) else pd.DataFrame(columns=list(STOP_HEADERS))
        sheet = wb.create_sheet(_sheet_title(r.team.name, used))
        _write_table(sheet, frame, link_cols=("导航链接",))
        for i, must in enumerate(r.stops["must_visit"].tolist(), start=2):
            if must:  # highlight must-visits
                for j in range(1, len(STOP_HEADERS) + 1):
                    sheet.cell(row=i, column=j).fill = _MUST_FILL

    left = plan.left_out
    lf = pd.DataFrame(
        {
            "单位编号": left["site_id"],
            "单位名称": left["name"],
            "地址": left["address"],
            "类别": left["category"],
            "风险等级": left["level"],
            "优先级": left["priority"].round(1),
            "必查": left["must_visit"].map({True: "是", False: ""}),
            "必查原因": left["must_reasons"],
            "原因": left["reason"],
        }
    )
    _write_table(wb.create_sheet("未安排"), lf)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
