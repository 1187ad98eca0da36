"""Escaped tooltip and popup text of sites on the folium map, and the reverse: site id from a click.

Site names and addresses are user-supplied, so every text that reaches the browser as HTML is
escaped by :func:`layers.safe_text.html_text` (re-exported here as :func:`esc`), which also keeps
it inert inside the JavaScript strings and template literals folium wraps tooltips in. The
tooltip starts with the site id followed by :data:`ID_SEPARATOR`; streamlit-folium returns the
tooltip's *text* on click (``last_object_clicked_tooltip``) and :func:`site_id_from_tooltip`
reads the id back.

Examples
--------
>>> row = {"site_id": "S000001", "name": "<b>甲厂</b>", "level": "重大"}
>>> site_tooltip(row)
'S000001 · &lt;b&gt;甲厂&lt;/b&gt; · 重大'
>>> site_id_from_tooltip("S000001 · <b>甲厂</b> · 重大")
'S000001'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from layers.safe_text import hex_colour
from layers.safe_text import html_text as esc
from layers.safe_text import is_blank as _blank

__all__ = [
    "APPROXIMATE_NOTE",
    "ID_SEPARATOR",
    "asset_popup",
    "asset_tooltip",
    "esc",
    "is_approximate",
    "site_id_from_tooltip",
    "site_popup",
    "site_popup_fields",
    "site_tooltip",
]

#: Separator between the site id and the rest of a tooltip.
ID_SEPARATOR = " · "

#: Note shown for points whose position is not verified.
APPROXIMATE_NOTE = "位置为近似"

_ID_RE = re.compile(r"^\s*([A-Za-z0-9_-]{1,40})\s+·\s")


def is_approximate(row: Mapping[str, Any]) -> bool:
    """Whether a site/asset row has an unverified position.

    ``coord_quality == "approximate"`` for sites, ``approximate`` true for assets.

    Examples
    --------
    >>> is_approximate({"coord_quality": "approximate"}), is_approximate({"approximate": False})
    (True, False)
    """
    if str(row.get("coord_quality", "")) == "approximate":
        return True
    value = row.get("approximate", False)
    return bool(value) if not _blank(value) else False


def site_tooltip(row: Mapping[str, Any]) -> str:
    """Hover text of a site: ``"<site_id> · <name> · <level>"`` (escaped HTML)."""
    parts = [esc(row.get("site_id")), esc(row.get("name"), "（无名称）")]
    if not _blank(row.get("level")):
        parts.append(esc(row.get("level")))
    if is_approximate(row):
        parts.append(APPROXIMATE_NOTE)
    return ID_SEPARATOR.join(parts)


def _score_text(row: Mapping[str, Any]) -> str:
    score = row.get("score")
    if _blank(score):
        return ""
    return f"{float(score):.0f} 分"


def site_popup_fields(row: Mapping[str, Any], *, popup: bool = True) -> list[str]:
    """Escaped text fields of a site from which the browser composes its tooltip and popup.

    ``[site_id, name, level, score, category, subcategory, address, committee]`` (the last five
    only with ``popup=True``). The map sends these instead of ready-made HTML: the tooltip and
    the popup repeat the id, name and level, and a popup is only built when it is opened.
    :func:`site_tooltip` and :func:`site_popup` compose exactly what the browser composes.

    Examples
    --------
    >>> site_popup_fields({"site_id": "S1", "name": "<b>甲</b>", "score": 61.2}, popup=False)
    ['S1', '&lt;b&gt;甲&lt;/b&gt;', '']
    """
    fields = [esc(row.get("site_id")), esc(row.get("name"), "（无名称）"), esc(row.get("level"))]
    if popup:
        fields += [
            _score_text(row),
            esc(row.get("category")),
            esc(row.get("subcategory")),
            esc(row.get("address")),
            esc(row.get("committee")),
        ]
    return fields


def site_popup(row: Mapping[str, Any]) -> str:
    """Short popup card of a site (escaped HTML; the full card is shown beside the map).

    The map draws the same card in the browser from :func:`site_popup_fields`
    (``layers.sites_layer``, ``zrSitePopup``).

    Examples
    --------
    >>> html_ = site_popup({"site_id": "S1", "name": "<img src=x>", "address": "真如路1号",
    ...                     "category": "群租", "level": "较大", "colour": "#FF7F00",
    ...                     "score": 61.2, "coord_quality": "approximate"})
    >>> "<img" in html_, "&lt;img src=x&gt;" in html_, "位置为近似" in html_
    (False, True, True)
    """
    sid, name, level, score, cat, sub, address, committee = site_popup_fields(row)
    colour = hex_colour(row.get("colour"), "#888888")
    lines = [
        f'<div class="zr-popup"><b>{name}</b>',
        f'<br><span style="color:{colour}">■</span> {level or "未评分"} {score}',
        f"<br>{cat} {sub}",
        f"<br>{address}",
        f"<br><small>{sid} · {committee}</small>",
    ]
    if is_approximate(row):
        lines.append(f'<br><i style="color:#b00">{APPROXIMATE_NOTE}（未核实）</i>')
    lines.append("</div>")
    return "".join(lines)


def asset_tooltip(row: Mapping[str, Any]) -> str:
    """Hover text of a protective asset: ``"<kind> · <name>"`` (escaped HTML)."""
    parts = [esc(row.get("kind")), esc(row.get("name"))]
    if is_approximate(row):
        parts.append(APPROXIMATE_NOTE)
    return ID_SEPARATOR.join(p for p in parts if p)


def asset_popup(row: Mapping[str, Any]) -> str:
    """Popup of a protective asset (kind, name, committee, capacity; escaped HTML)."""
    cap = row.get("capacity")
    lines = [
        f"<div class='zr-popup'><b>{esc(row.get('name'))}</b><br>{esc(row.get('kind'))}",
        f"<br>居委：{esc(row.get('committee'), '—')}",
    ]
    if not _blank(cap):
        lines.append(f"<br>容量：{esc(int(float(cap)))}")
    if is_approximate(row):
        lines.append(f'<br><i style="color:#b00">{APPROXIMATE_NOTE}</i>')
    lines.append("</div>")
    return "".join(lines)


def site_id_from_tooltip(text: str | None) -> str | None:
    """Site id at the start of a tooltip text, or None when the text is not a site tooltip.

    Examples
    --------
    >>> site_id_from_tooltip("S000123 · 某某公司 · 一般")
    'S000123'
    >>> site_id_from_tooltip("曹杨新村街道") is None
    True
    """
    if not isinstance(text, str):
        return None
    match = _ID_RE.match(text)
    return match.group(1) if match else None
