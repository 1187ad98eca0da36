"""GPX 1.1 export of a route plan: one ``<rte>`` per team, ``<rtept>`` in WGS-84.

Route points run start depot → stops in visiting order → end depot, so a GPS app shows the
whole loop. Every text goes through :func:`layers.safe_text.plain_text` (XML-illegal control
characters removed: ElementTree would write them and the file would not parse) and is
XML-escaped by :mod:`xml.etree.ElementTree`.

Examples
--------
>>> gpx_text = to_gpx(plan)  # doctest: +SKIP
>>> gpx_text.startswith("<?xml")  # doctest: +SKIP
True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from layers.safe_text import plain_text
from routes.planning import RoutePlan

__all__ = ["GPX_NS", "to_gpx"]

GPX_NS = "http://www.topografix.com/GPX/1/1"


def _point(parent: ET.Element, lon: float, lat: float, name: str, desc: str = "") -> None:
    pt = ET.SubElement(parent, "rtept", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    ET.SubElement(pt, "name").text = plain_text(name)
    if desc:
        ET.SubElement(pt, "desc").text = plain_text(desc)


def to_gpx(plan: RoutePlan) -> str:
    """GPX 1.1 document (string) with one route per team that has stops.

    Each route has ``n_stops + 2`` points: start, the stops, end.

    Examples
    --------
    >>> import xml.etree.ElementTree as ET
    >>> root = ET.fromstring(to_gpx(plan))  # doctest: +SKIP
    >>> len(root.findall("{http://www.topografix.com/GPX/1/1}rte"))  # doctest: +SKIP
    2
    """
    root = ET.Element("gpx", version="1.1", creator="真如安全风险地图 routes", xmlns=GPX_NS)
    meta = ET.SubElement(root, "metadata")
    ET.SubElement(meta, "name").text = f"{plan.date:%Y-%m-%d} 安全巡查路线"
    ET.SubElement(meta, "desc").text = "坐标系 WGS-84；出发点位置可能为近似"
    for r in plan.routes:
        if not r.n_stops:
            continue
        rte = ET.SubElement(root, "rte")
        ET.SubElement(rte, "name").text = plain_text(r.team.name)
        ET.SubElement(rte, "desc").text = plain_text(
            f"{r.n_stops} 家，{r.depart} 出发，约 {r.end_time} 返回"
        )
        _point(rte, r.start.lon, r.start.lat, f"起点：{r.start.label}")
        for _, s in r.stops.iterrows():
            desc = f"{s['arrival']}–{s['leave']} {s['category']}"
            if s["must_visit"]:
                desc += "（必查）"
            _point(rte, float(s["lon"]), float(s["lat"]), f"{int(s['seq'])}. {s['name']}", desc)
        _point(rte, r.end.lon, r.end.lat, f"终点：{r.end.label}")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
