"""Map legend: risk-level colours with counts, marker conventions and the OSM attribution.

:func:`legend_items` is pure (one row per level, with counts of a scored sites table) so pages
can show the same legend outside the map iframe (:func:`legend_markdown`); :class:`Legend` draws
it as a Leaflet control inside the map and adds :data:`layers.geodata.OSM_ATTRIBUTION` to the
attribution control, which stays visible even without any tile layer.

Examples
--------
>>> import pandas as pd
>>> items = legend_items(pd.DataFrame({"level": ["重大", "低", "低"]}))
>>> [(i.label, i.count) for i in items]
[('重大', 1), ('较大', 0), ('一般', 0), ('低', 2)]
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from layers.popup import APPROXIMATE_NOTE
from layers.safe_text import hex_colour, html_text, safe_json
from layers.sites_layer import UNSCORED_COLOUR
from registry.enums import RISK_LEVELS

__all__ = ["CLUSTER_NOTE", "LEVEL_COLOURS", "Legend", "LegendItem", "legend_html", "legend_items", "legend_markdown"]

#: Official colours of the four risk levels (红/橙/黄/蓝), from :data:`registry.enums.RISK_LEVELS`.
LEVEL_COLOURS: dict[str, str] = {lvl.name: lvl.hex for lvl in RISK_LEVELS}

#: Legend line explaining the cluster rings of :func:`layers.sites_layer.cluster_ring_js`.
CLUSTER_NOTE = "聚合圈：按等级构成着色，中间为单位数"


@dataclass(frozen=True)
class LegendItem:
    """One legend row."""

    label: str
    colour: str
    count: int


def legend_items(sites: pd.DataFrame) -> list[LegendItem]:
    """Risk levels with their colour and number of sites (plus 未评分 when some lack a level)."""
    if "level" in sites.columns:
        counts = sites["level"].value_counts(dropna=True)
    else:
        counts = pd.Series(dtype=int)
    items = [LegendItem(lvl, col, int(counts.get(lvl, 0))) for lvl, col in LEVEL_COLOURS.items()]
    unscored = len(sites) - sum(i.count for i in items)
    if unscored > 0:
        items.append(LegendItem("未评分", UNSCORED_COLOUR, unscored))
    return items


def _ring_swatch() -> str:
    """A small ring in the four level colours (CSS conic-gradient), as a cluster looks."""
    step = 100 / len(LEVEL_COLOURS)
    stops = ", ".join(
        f"{hex_colour(colour, UNSCORED_COLOUR)} {k * step:g}% {(k + 1) * step:g}%"
        for k, colour in enumerate(LEVEL_COLOURS.values())
    )
    return f'<span class="zr-swatch zr-ring-swatch" style="background:conic-gradient({stops})"></span>'


def legend_html(items: list[LegendItem], title: str = "风险等级", clusters: bool = True) -> str:
    """HTML of the legend box (escaped); ``clusters`` adds the note on the cluster rings."""
    rows = "".join(
        f'<div><span class="zr-swatch" '
        f'style="background:{hex_colour(i.colour, UNSCORED_COLOUR)}"></span>'
        f"{html_text(i.label)} <b>{i.count}</b></div>"
        for i in items
    )
    # A <details> box: the user folds it away when it covers markers (closed on phones).
    return (
        '<details open><summary class="zr-legend-title">'
        f"{html_text(title)}（共 {sum(i.count for i in items)} 处）</summary>"
        f"{rows}"
        f'<div><span class="zr-swatch zr-approx"></span>虚线边框 = {APPROXIMATE_NOTE}</div>'
        + (f'<div class="zr-legend-note">{_ring_swatch()}{html_text(CLUSTER_NOTE)}</div>'
           if clusters else "")
        + "</details>"
    )


def legend_markdown(items: list[LegendItem]) -> str:
    """One-line plain-text legend for ``st.caption`` (no HTML)."""
    parts = [f"{i.label} {i.count}" for i in items]
    return "风险等级：" + " · ".join(parts) + f" ｜ 虚线边框 = {APPROXIMATE_NOTE}"


class Legend(MacroElement):
    """Leaflet control with the legend, plus the OpenStreetMap attribution.

    Parameters
    ----------
    items : list of LegendItem
    attribution : str
        Added to the map's attribution control (default © OpenStreetMap contributors).
    position : str
        Leaflet control position.
    title : str
        Heading of the box.
    """

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
.zr-legend {background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
  font: 12px/1.5 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; box-shadow: 0 1px 4px #0004;}
.zr-legend-title {font-weight: bold; margin-bottom: 2px; cursor: pointer;}
.zr-swatch {display: inline-block; width: 11px; height: 11px; border-radius: 50%;
  margin-right: 5px; vertical-align: -1px; border: 1px solid #fff;}
.zr-swatch.zr-approx {background: #fff; border: 1.5px dashed #333;}
.zr-ring-swatch {width: 13px; height: 13px; border: 0;
  -webkit-mask: radial-gradient(circle, transparent 3px, #000 3.5px);
  mask: radial-gradient(circle, transparent 3px, #000 3.5px);}
.zr-legend-note {color: #666; font-size: 11px;}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position_json }}});
{{ this.get_name() }}.onAdd = function () {
    var div = L.DomUtil.create("div", "zr-legend");
    div.innerHTML = {{ this.html_json }};
    var box = div.querySelector("details");
    if (box && window.innerWidth < 600) { box.open = false; }  // phones: folded, map first
    L.DomEvent.disableClickPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution_json }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        items: list[LegendItem],
        attribution: str = "© OpenStreetMap contributors",
        position: str = "bottomright",
        title: str = "风险等级",
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.items = items
        self.html_json = safe_json(legend_html(items, title, clusters=title == "风险等级"))
        self.attribution_json = safe_json(html_text(attribution))
        self.position_json = safe_json(position)
