"""Field outputs of a period plan: an XLSX workbook (one sheet per team) and a printable
weekly sheet (one A4 landscape page per team: the week's days side by side).

Both reuse the day outputs' rules: spreadsheet cells go through the one formula guard
(:mod:`routes.export`'s writer, :func:`layers.safe_text.cell_text`), HTML through
:func:`layers.safe_text.html_text`; the HTML has no scripts and no external resources.

Examples
--------
>>> data = to_xlsx(plan, sites)  # doctest: +SKIP
>>> html = weekly_sheet_html(plan, sites, plan.start)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook

from layers.safe_text import html_text
from risk.frequency import as_day
from routes.export import _sheet_title, _write_cell, _write_table
from routes.period.plan import PeriodPlan
from routes.sheet import _CSS

__all__ = ["VISIT_HEADERS", "team_visits", "to_xlsx", "weekly_sheet_html"]

#: Columns of a team's sheet.
VISIT_HEADERS = ("日期", "顺序", "预计到达", "单位编号", "单位名称", "地址", "居委", "类别",
                 "任务", "应完成日期", "逾期天数", "优先级")
_WEEKDAYS = "一二三四五六日"


def team_visits(plan: PeriodPlan, sites: pd.DataFrame) -> pd.DataFrame:
    """Every planned visit in route order with the unit's address, Chinese headers plus ``小组``.

    Examples
    --------
    >>> team_visits(plan, sites).columns[:3].tolist()  # doctest: +SKIP
    ['小组', '日期', '顺序']
    """
    seq = plan.sequence()
    info = sites.assign(site_id=sites["site_id"].astype(str)).drop_duplicates("site_id")
    info = info.set_index("site_id")
    addr = info["address"] if "address" in info else pd.Series(dtype=object)
    task = plan.planned.groupby(["date", "site_id"])["kind"].agg(lambda k: "、".join(sorted(set(k))))
    keys = list(zip(pd.to_datetime(seq["date"]), seq["site_id"], strict=True))
    return pd.DataFrame({
        "小组": seq["team"],
        "日期": seq["date"],
        "顺序": seq["order"].astype(int),
        "预计到达": seq["planned_arrival"],
        "单位编号": seq["site_id"],
        "单位名称": seq["name"],
        "地址": seq["site_id"].map(addr).fillna(""),
        "居委": seq["committee"],
        "类别": seq["site_id"].map(info["category"]) if "category" in info else "",
        "任务": [task.get(k, "") for k in keys],
        "应完成日期": seq["due"],
        "逾期天数": seq["late_days"].astype(int),
        "优先级": seq["priority"].round(1),
    })


def to_xlsx(plan: PeriodPlan, sites: pd.DataFrame) -> bytes:
    """Workbook bytes: 汇总 (summary and the shortfall by 居委), one sheet per team, 未能安排.

    Examples
    --------
    >>> from openpyxl import load_workbook
    >>> load_workbook(io.BytesIO(to_xlsx(plan, sites))).sheetnames[:2]  # doctest: +SKIP
    ['汇总', '巡查1组']
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    used = {"汇总", "未能安排"}
    by_team = plan.planned.groupby("team").size()
    summary = pd.DataFrame({
        "小组": [t.name for t in plan.teams],
        "组日": [int((plan.team_days["team"] == t.name).sum()) for t in plan.teams],
        "每日检查量": [t.day_capacity for t in plan.teams],
        "计划家次": [int(by_team.get(t.name, 0)) for t in plan.teams],
    })
    _write_table(ws, summary)
    row = len(summary) + 3
    for k, line in enumerate(plan.summary_zh().splitlines()):
        _write_cell(ws, row + k, 1, line)
    visits = team_visits(plan, sites)
    for t in plan.teams:
        part = visits[visits["小组"] == t.name][list(VISIT_HEADERS)]
        _write_table(wb.create_sheet(_sheet_title(t.name, used)), part.reset_index(drop=True))
    left = plan.visits[plan.visits["date"].isna() & plan.visits["mandatory"]]
    _write_table(wb.create_sheet("未能安排"), pd.DataFrame({
        "单位编号": left["site_id"], "单位名称": left["name"], "居委": left["committee"],
        "类别": left["category"], "任务": left["kind"],
        "应完成日期": left["due"].dt.strftime("%Y-%m-%d"), "优先级": left["priority"].round(1),
    }))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def weekly_sheet_html(plan: PeriodPlan, sites: pd.DataFrame, week_start: dt.date | str | pd.Timestamp) -> str:
    """Printable weekly sheet from ``week_start`` (7 days): per team a table of its days.

    Examples
    --------
    >>> "<script" in weekly_sheet_html(plan, sites, plan.start)  # doctest: +SKIP
    False
    """
    first = as_day(week_start)
    last = first + pd.Timedelta(days=6)
    visits = team_visits(plan, sites)
    visits = visits[pd.to_datetime(visits["日期"]).between(first, last)]
    pages = []
    for t in plan.teams:
        mine = visits[visits["小组"] == t.name]
        rows = []
        for day, grp in mine.groupby("日期", sort=True):
            d = pd.Timestamp(day)
            for i, r in enumerate(grp.itertuples(index=False)):
                head = (f'<td rowspan="{len(grp)}">{d:%m-%d}（周{_WEEKDAYS[d.weekday()]}）<br>'
                        f"{len(grp)} 家</td>") if i == 0 else ""
                late = f"（逾期 {r.逾期天数} 天）" if r.逾期天数 else ""
                rows.append(
                    f"<tr>{head}<td class=num>{r.顺序}</td><td>{html_text(r.预计到达)}</td>"
                    f"<td>{html_text(r.单位名称)}<div class=small>{html_text(r.地址)}</div></td>"
                    f"<td>{html_text(r.居委)}</td><td>{html_text(r.任务)}</td>"
                    f"<td>{html_text(r.应完成日期)}{late}</td><td></td></tr>"
                )
        body = "".join(rows) or '<tr><td colspan="8">本周无安排</td></tr>'
        leader = f"<span>带队领导：{html_text(t.spec.leader)}</span>" if t.spec.leader else ""
        pages.append(
            f'<div class="page"><h1>周巡查任务单 · {html_text(t.name)}</h1>'
            f'<div class="meta"><span>{first:%Y-%m-%d} 至 {last:%Y-%m-%d}</span>{leader}'
            f"<span>共 {len(mine)} 家次</span></div>"
            "<table><thead><tr><th style='width:12%'>日期</th><th style='width:5%'>序</th>"
            "<th style='width:8%'>预计到达</th><th style='width:33%'>单位 / 地址</th>"
            "<th style='width:10%'>居委</th><th style='width:8%'>任务</th>"
            "<th style='width:12%'>应完成</th><th style='width:12%'>检查结果</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
            '<div class="sign">检查人员签字：__________　带队领导签字：__________</div></div>'
        )
    css = _CSS.replace("size: A4 portrait", "size: A4 landscape")
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>周巡查任务单 {first:%Y-%m-%d}</title><style>{css}</style></head>"
        f"<body>{''.join(pages)}</body></html>"
    )
