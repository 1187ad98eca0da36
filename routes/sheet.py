"""Printable route sheets: one A4 page per team, as a self-contained HTML document.

The document has no scripts and no external resources (fonts, CSS, images), so it prints the
same offline. Every user-supplied string (site names, addresses, team names) goes through
:func:`layers.safe_text.html_text`: HTML-escaped, XML-illegal control characters removed.

Examples
--------
>>> html_text = to_printable_html(plan, plan.date)  # doctest: +SKIP
>>> st.download_button("下载打印版", html_text, "路线单.html", mime="text/html")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from layers.safe_text import html_text, plain_text
from routes.navlinks import nav_links
from routes.planning import RoutePlan, TeamRoute, fmt_hhmm, normalise_mode

__all__ = ["to_printable_html"]

_CSS = """
@page { size: A4 portrait; margin: 12mm 10mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "SimHei", sans-serif; font-size: 9pt; line-height: 1.3; color: #111; margin: 0; }
.page { page-break-after: always; break-after: page; padding: 4mm 2mm; }
.page:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 2mm 0; }
h2 { font-size: 12pt; margin: 4mm 0 2mm 0; }
.meta { margin: 0 0 3mm 0; line-height: 1.6; }
.meta span { margin-right: 5mm; white-space: nowrap; }
.approx { color: #8a4b00; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { border: 0.6pt solid #444; padding: 0.8mm 1.2mm; vertical-align: top; word-wrap: break-word; }
th { background: #e8eef5; font-weight: bold; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
td.num { text-align: center; }
tr.must td:first-child { border-left: 2.5pt solid #b00; }
.badge { display: inline-block; border: 0.8pt solid #b00; color: #b00; padding: 0 1mm;
         font-size: 8.5pt; margin-left: 1mm; }
.small { font-size: 7.5pt; color: #444; }
.sign { margin-top: 6mm; line-height: 2.2; }
.notes { margin-top: 3mm; font-size: 9pt; color: #333; }
@media screen { body { background: #eee; } .page { background: #fff; max-width: 210mm;
  margin: 6mm auto; padding: 10mm; box-shadow: 0 0 3mm #999; } }
"""


def _e(value) -> str:
    """Escaped text of a cell ("" for None/NaN)."""
    return html_text(value)


def _short_address(address) -> str:
    text = plain_text(address)
    for prefix in ("上海市普陀区", "普陀区"):
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    return text


def _shift_text(route: TeamRoute) -> str:
    return "，".join(f"{fmt_hhmm(a)}-{fmt_hhmm(b)}" for a, b in route.team.shift_minutes())


def _team_page(plan: RoutePlan, route: TeamRoute, date: dt.date) -> str:
    t = route.team
    start = route.start
    approx = ' <span class="approx">（位置为近似）</span>' if start.approximate and "近似" not in start.label else ""
    meta = [
        f"<span>交通方式：{_e(normalise_mode(t.mode))}</span>",
        f"<span>班次：{_e(_shift_text(route))}</span>",
        f"<span>出发：{_e(route.depart)}　预计返回：{_e(route.end_time)}</span>",
    ]
    if t.leader:
        meta.insert(0, f"<span>带队领导：{_e(t.leader)}</span>")
    if t.members:
        meta.insert(1 if t.leader else 0, f"<span>组员：{_e('、'.join(t.members))}</span>")
    where = f"出发地：{_e(start.label)}{approx}"
    if route.end.id != start.id:
        where += f"　终点：{_e(route.end.label)}"
    must_n = int(route.stops["must_visit"].sum()) if route.n_stops else 0
    stats = (
        f"共 {route.n_stops} 家（必查 {must_n} 家），路程约 {route.travel_min:.0f} 分钟，"
        f"现场检查约 {route.service_min:.0f} 分钟"
    )
    head = (
        f'<section class="page">\n<h1>{_e(f"{date:%Y年%m月%d日}")} 安全巡查路线单 · {_e(t.name)}</h1>\n'
        f'<p class="meta">{" ".join(meta)}<br>{where}<br>{stats}</p>\n'
    )
    if not route.n_stops:
        return head + "<p>本日无安排。</p>\n</section>"
    links = nav_links(route.stops)
    rows = []
    for i, s in route.stops.iterrows():
        badge = '<span class="badge">必查</span>' if s["must_visit"] else ""
        leader = '<span class="badge">领导带队</span>' if s["leader_led"] else ""
        cls = ' class="must"' if s["must_visit"] else ""
        time_txt = f"{_e(s['arrival'])}–{_e(s['leave'])}"
        if s["note"]:
            time_txt += f'<br><span class="small">{_e(s["note"])}</span>'
        focus = _e(s["focus"])
        if s["must_reasons"]:
            focus = f"<b>必查：{_e(s['must_reasons'])}</b><br>{focus}"
        level = _e(s["level"])
        score = "" if pd.isna(s["score"]) else f"{s['score']:.0f}"
        rows.append(
            f"<tr{cls}><td class=\"num\">{int(s['seq'])}</td>"
            f"<td>{_e(s['name'])}{badge}{leader}<br><span class=\"small\">{_e(s['site_id'])}</span></td>"
            f"<td>{_e(_short_address(s['address']))}</td>"
            f"<td>{_e(s['category'])}<br><span class=\"small\">{level} {_e(score)}</span></td>"
            f"<td>{time_txt}</td>"
            f"<td>{focus}</td>"
            f"<td class=\"small\"><a href=\"{_e(links.at[i, 'amap_url'])}\">高德</a> · "
            f"<a href=\"{_e(links.at[i, 'geo_url'])}\">地图</a></td>"
            f"<td></td></tr>"
        )
    table = (
        "<table>\n<colgroup><col style=\"width:4%\"><col style=\"width:17%\"><col style=\"width:14%\">"
        "<col style=\"width:9%\"><col style=\"width:8%\"><col style=\"width:35%\">"
        "<col style=\"width:6%\"><col style=\"width:7%\"></colgroup>\n"
        "<thead><tr><th>序号</th><th>单位名称</th><th>地址</th><th>类别/等级</th><th>到达–离开</th>"
        "<th>检查要点</th><th>导航</th><th>结果</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>\n"
    )
    sign = '<p class="sign">检查人签字：________________　　带队领导签字：________________　　日期：__________</p>'
    return head + table + sign + "\n</section>"


def _left_out_page(plan: RoutePlan, date: dt.date) -> str:
    parts = [f'<section class="page">\n<h1>{_e(f"{date:%Y年%m月%d日}")} 巡查计划汇总</h1>']
    parts.append("<p class=\"meta\">" + "<br>".join(_e(line) for line in plan.summary_zh().splitlines()) + "</p>")
    left = plan.left_out
    if len(left):
        parts.append(f"<h2>未安排单位（{len(left)} 家）</h2>")
        rows = []
        for _, r in left.iterrows():
            cls = ' class="must"' if r["must_visit"] else ""
            badge = '<span class="badge">必查</span>' if r["must_visit"] else ""
            rows.append(
                f"<tr{cls}><td>{_e(r['name'])}{badge}<br>"
                f'<span class="small">{_e(r["site_id"])}</span></td><td>{_e(r["address"])}</td>'
                f"<td>{_e(r['category'])}</td><td>{_e(r['reason'])}</td></tr>"
            )
        parts.append(
            "<table><colgroup><col style=\"width:26%\"><col style=\"width:26%\"><col style=\"width:14%\">"
            "<col style=\"width:34%\"></colgroup><thead><tr><th>单位名称</th><th>地址</th><th>类别</th>"
            "<th>原因</th></tr></thead><tbody>" + "\n".join(rows) + "</tbody></table>"
        )
    parts.append(
        '<p class="notes">导航链接：“高德”为 GCJ-02 坐标链接；“地图”为 WGS-84 geo: 链接。'
        "路程与到达时间为估算，仅供参考。</p>\n</section>"
    )
    return "\n".join(parts)


def to_printable_html(plan: RoutePlan, date: dt.date | None = None) -> str:
    """Self-contained, print-friendly HTML: one A4 page per team + a summary page.

    Parameters
    ----------
    plan : RoutePlan
    date : datetime.date, optional
        Date printed in the titles (default ``plan.date``).

    Examples
    --------
    >>> "<script>" in to_printable_html(plan)  # doctest: +SKIP
    False
    """
    date = date or plan.date
    pages = [_team_page(plan, r, date) for r in plan.routes]
    pages.append(_left_out_page(plan, date))
    title = f"{date:%Y-%m-%d} 安全巡查路线单"
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(pages)
        + "\n</body>\n</html>\n"
    )
