"""Fast point layers for folium: thousands of CircleMarkers from one compact JSON array.

A folium ``CircleMarker`` per site costs a Python object, a template render and ~1 kB of
JavaScript each; at 3,000+ sites that dominates page load (folium#1814, streamlit-folium#125).
:class:`PointLayer` instead embeds one JSON array and builds the markers in a JavaScript loop,
optionally inside a ``L.markerClusterGroup`` (vendored leaflet.markercluster) whose cluster
icons are rings of the risk levels inside (:func:`cluster_ring_js`). Rows are

* sites (:func:`site_points`): ``[lat, lon, colour, grade, approximate, fields]`` — ``fields``
  are the escaped texts of :func:`layers.popup.site_popup_fields`; the browser composes the
  tooltip (``id · name · level``) and, only when it is opened, the popup from them, so the id,
  name and level travel once instead of three times;
* others (:func:`asset_points`, stations): ``[lat, lon, colour, grade, approximate, tooltip,
  popup]`` with ready-made escaped HTML.

Coordinates are rounded to 5 decimals (about 1 m). Texts are escaped by :mod:`layers.popup`
(the browser only concatenates them); the JSON is :func:`layers.safe_text.safe_json`
(``<``/``>``/``&`` as ``\\u`` escapes) so no text can close the surrounding ``<script>``.
``safe_json`` is re-exported here for older imports.

Approximate positions are drawn with a dashed dark outline (and say 位置为近似 in the tooltip).

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["S1"], "name": ["甲"], "lon": [121.4], "lat": [31.25],
...                       "level": ["重大"], "colour": ["#E60012"], "coord_quality": ["osm"]})
>>> layer = PointLayer(site_points(sites), name="风险点")
>>> layer.count
1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pandas as pd
from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from layers.popup import (
    APPROXIMATE_NOTE,
    ID_SEPARATOR,
    asset_popup,
    asset_tooltip,
    is_approximate,
    site_popup_fields,
)
from layers.safe_text import hex_colour, html_text, safe_json
from registry.enums import RISK_LEVELS

__all__ = [
    "COORD_DECIMALS",
    "LEVEL_GRADE",
    "UNSCORED_COLOUR",
    "LabelLayer",
    "PointLayer",
    "asset_points",
    "cluster_ring_js",
    "safe_json",
    "site_points",
]

#: Grade of each risk level (1 = most severe) from :data:`registry.enums.RISK_LEVELS`; markers
#: carry it (``options.grade``, 5 = no level) and cluster rings count it.
LEVEL_GRADE: dict[str, int] = {lvl.name: lvl.grade for lvl in RISK_LEVELS}

#: Fill colour of sites without a score.
UNSCORED_COLOUR = "#9E9E9E"

#: Fill colours of protective assets by kind.
ASSET_COLOURS: dict[str, str] = {
    "微型消防站": "#C62828",
    "电动自行车智能车库": "#00897B",
    "充电端口": "#26A69A",
}

Point = list[Any]

#: Shortest arc (px) of a level present in a cluster: one 重大 among 200 stays visible.
RING_MIN_ARC = 4.0

_RING_JS = """
    var ring = window.zrRing = window.zrRing || {
        // Cluster icon: a ring of arcs, one per risk level present, each as long as that
        // level's share of the members (12 o'clock, clockwise, 重大 first), the number of
        // members in the middle. Colours and names: registry.enums.RISK_LEVELS, grades 1-4;
        // members without a level (grade 5) take their own colour (未评分 grey, assets).
        colours: __COLOURS__, names: __NAMES__, unscored: __UNSCORED__, minArc: __MIN_ARC__,
        // Members per grade [重大, 较大, 一般, 低, other]: one walk of the cluster's subtree
        // (leaflet.markercluster 1.5 _childClusters / _markers), no array of the markers.
        counts: function (cluster, c) {
            var kids = cluster._childClusters, ms = cluster._markers, k, g;
            for (k = 0; k < kids.length; k++) { ring.counts(kids[k], c); }
            for (k = 0; k < ms.length; k++) {
                g = ms[k].options.grade;
                if (g >= 1 && g <= 4) { c[g - 1]++; } else {
                    c[4]++; c.other = c.other || ms[k].options.fillColor;
                }
            }
            return c;
        },
        // Arc lengths (px) on a circle of circumference C: proportional, none shorter than minArc
        // (the largest arc gives up the difference).
        arcs: function (c, C) {
            var n = 0, lens = [], big = 0, sum = 0, k;
            for (k = 0; k < 5; k++) { n += c[k]; }
            for (k = 0; k < 5; k++) {
                lens[k] = c[k] ? Math.max(c[k] / n * C, ring.minArc) : 0;
                sum += lens[k];
                if (lens[k] > lens[big]) { big = k; }
            }
            lens[big] -= sum - C;
            return lens;
        },
        icon: function (cluster) {
            var c = ring.counts(cluster, [0, 0, 0, 0, 0]), n = cluster.getChildCount();
            var size = n < 10 ? 32 : (n < 100 ? 38 : (n < 1000 ? 44 : 52)), sw = size < 40 ? 6 : 7;
            var h = size / 2, r = h - sw / 2 - 0.5, C = 2 * Math.PI * r, lens = ring.arcs(c, C);
            var parts = 0, k, at = 0, title = [], levelled = c[0] + c[1] + c[2] + c[3];
            for (k = 0; k < 5; k++) { if (c[k]) { parts++; } }
            var svg = '<svg width="' + size + '" height="' + size + '" style="position:absolute;'
                + 'left:0;top:0;z-index:0"><circle cx="' + h + '" cy="' + h + '" r="' + (h - 0.5)
                + '" fill="#fff" fill-opacity="0.92" stroke="#0003"/>';
            for (k = 0; k < 5; k++) {
                if (!c[k]) { continue; }
                var colour = k < 4 ? ring.colours[k] : (c.other || ring.unscored);
                // a 1 px white gap between arcs when there are several
                var len = parts > 1 ? Math.max(lens[k] - 1, 1) : C;
                svg += '<circle class="zr-seg" data-level="' + (k < 4 ? ring.names[k] : "")
                    + '" data-count="' + c[k] + '" cx="' + h + '" cy="' + h + '" r="' + r
                    + '" fill="none" stroke="' + colour + '" stroke-width="' + sw
                    + '" stroke-dasharray="' + len.toFixed(2) + " " + C.toFixed(2)
                    + '" stroke-dashoffset="' + (-at).toFixed(2) + '" transform="rotate(-90 '
                    + h + " " + h + ')"/>';
                at += lens[k];
                if (k < 4) { title.push(ring.names[k] + " " + c[k]); }
            }
            if (c[4] && levelled) { title.push("未评分 " + c[4]); }
            title = (title.length ? title.join(" · ") : "") + "（共 " + n + " 处）";
            return L.divIcon({
                html: '<div class="zr-ring" title="' + title + '" style="position:relative;width:'
                    + size + "px;height:" + size + 'px;margin:0;background:none;border-radius:50%;'
                    + 'text-align:center;color:#222;text-shadow:none;font:bold '
                    + (n < 1000 ? 12 : 11) + 'px sans-serif">' + svg
                    + '<span style="position:relative;z-index:1;line-height:' + size + 'px">' + n
                    + "</span></div>",
                className: "marker-cluster zr-cluster", iconSize: L.point(size, size)
            });
        }
    };"""


def cluster_ring_js() -> str:
    """JavaScript defining ``window.zrRing``: the cluster icons of :class:`PointLayer`.

    Each cluster is drawn as a ring of SVG arcs, one per risk level among its members, in the
    level colours of :data:`registry.enums.RISK_LEVELS` and proportional to the members of each
    level (no level shorter than :data:`RING_MIN_ARC` px), with the number of members in the
    middle and a plain-text title (``重大 1 · 低 39（共 40 处）``). The counts take one walk of
    the cluster's subtree per drawn icon; no element is made per marker.

    Examples
    --------
    >>> js = cluster_ring_js()
    >>> "#E60012" in js and "iconCreateFunction" not in js
    True
    """
    return (
        _RING_JS.replace("__COLOURS__", safe_json([hex_colour(lvl.hex, UNSCORED_COLOUR) for lvl in RISK_LEVELS]))
        .replace("__NAMES__", safe_json([html_text(lvl.name) for lvl in RISK_LEVELS]))
        .replace("__UNSCORED__", safe_json(UNSCORED_COLOUR))
        .replace("__MIN_ARC__", repr(RING_MIN_ARC))
    )

_ROW_COLUMNS = (
    "site_id", "name", "address", "category", "subcategory", "committee", "level", "colour",
    "score", "coord_quality", "approximate", "kind", "capacity",
)

#: Decimals of drawn coordinates (1e-5 degree is about 1 m).
COORD_DECIMALS = 5


def _points(
    df: pd.DataFrame,
    colour: Callable[[Mapping[str, Any]], str],
    grade: Callable[[Mapping[str, Any]], int],
    texts: Callable[[Mapping[str, Any]], list[Any]],
    display: Callable[[Any, Any], tuple[Any, Any]] | None,
) -> list[Point]:
    if df.empty:
        return []
    for col in ("lon", "lat"):
        if col not in df.columns:
            raise KeyError(f"点位表缺少坐标列 {col!r}")
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
    if display is not None:
        lon, lat = display(lon, lat)
    # Only the columns the tooltip/popup builders read (to_dict of every column is slow).
    records = df[[c for c in _ROW_COLUMNS if c in df.columns]].to_dict("records")
    out: list[Point] = []
    for i, row in enumerate(records):
        if lon[i] != lon[i] or lat[i] != lat[i]:  # NaN: no position, nothing to draw
            continue
        out.append(
            [
                round(float(lat[i]), COORD_DECIMALS),
                round(float(lon[i]), COORD_DECIMALS),
                colour(row),
                grade(row),
                1 if is_approximate(row) else 0,
                *texts(row),
            ]
        )
    return out


def _site_colour(row: Mapping[str, Any]) -> str:
    return hex_colour(row.get("colour"), UNSCORED_COLOUR)


def site_points(
    sites: pd.DataFrame,
    *,
    popups: bool = True,
    display: Callable[[Any, Any], tuple[Any, Any]] | None = None,
) -> list[Point]:
    """Compact marker rows of scored (or unscored) sites.

    Parameters
    ----------
    sites : DataFrame
        Needs ``site_id, name, lon, lat``; uses ``level, colour, score, coord_quality,
        address, category, subcategory, committee`` when present.
    popups : bool
        Include the short popup HTML (drop it for very large layers; the card beside the map
        shows the details).
    display : callable, optional
        ``(lon_array, lat_array) -> (lon, lat)`` conversion for the basemap (GCJ-02 for AMap).

    Returns
    -------
    list
        ``[lat, lon, colour, grade, approximate, fields]`` per drawable site, ``fields`` from
        :func:`layers.popup.site_popup_fields` (``[site_id, name, level]`` without popups).

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["S1"], "name": ["甲"], "lon": [121.4000004],
    ...                       "lat": [31.25], "level": ["重大"], "colour": ["#E60012"]})
    >>> site_points(sites, popups=False)
    [[31.25, 121.4, '#E60012', 1, 0, ['S1', '甲', '重大']]]
    """
    return _points(
        sites,
        colour=_site_colour,
        grade=lambda r: LEVEL_GRADE.get(str(r.get("level")), 5),
        texts=lambda r: [site_popup_fields(r, popup=popups)],
        display=display,
    )


def asset_points(
    assets: pd.DataFrame, display: Callable[[Any, Any], tuple[Any, Any]] | None = None
) -> list[Point]:
    """Compact marker rows of protective assets (微型消防站, 智能车库, 充电端口)."""
    return _points(
        assets,
        colour=lambda r: ASSET_COLOURS.get(str(r.get("kind")), "#00695C"),
        grade=lambda r: 5,
        texts=lambda r: [asset_tooltip(r), asset_popup(r)],
        display=display,
    )


class PointLayer(JSCSSMixin, Layer):
    """A toggleable layer of many CircleMarkers built client-side from a JSON array.

    Parameters
    ----------
    points : list
        Rows from :func:`site_points` / :func:`asset_points`.
    name : str
        Layer name shown in the LayerControl (plain text; escaped here).
    cluster : bool
        Group markers with leaflet.markercluster (recommended above a few hundred points).
    radius : float
        Marker radius in pixels.
    show : bool
        Visible when the map opens.
    stroke : str
        Outline colour of exact positions (approximate ones get a dashed dark outline).
    css_class : str
        CSS class of every marker's SVG path (``zr-site`` for sites, ``zr-asset`` for assets;
        tests and styles select markers by it).
    share_as : str, optional
        Also publish the rows as ``window[share_as]`` so :meth:`subset_of` layers can reuse
        them (the sector layers then cost a list of indices, not a copy of the data).
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    var rows = {{ this.rows_js }};{% if this.share_as %}
    window[{{ this.share_json }}] = rows;  // other layers pick their rows from this array{% endif %}
    var site = window.zrSite = window.zrSite || {
        // Tooltip and popup of a site row [.., approximate, [id, name, level, score, category,
        // subcategory, address, committee]]: escaped texts (layers.popup) concatenated exactly
        // like layers.popup.site_tooltip / site_popup.
        tip: function (r) {
            var f = r[5], t = f[0] + {{ this.sep_json }} + f[1];
            if (f[2]) { t += {{ this.sep_json }} + f[2]; }
            return r[4] ? t + {{ this.sep_json }} + {{ this.approx_json }} : t;
        },
        popup: function (r) {
            var f = r[5];
            return '<div class="zr-popup"><b>' + f[1] + '</b><br><span style="color:' + r[2]
                + '">■</span> ' + (f[2] || "未评分") + " " + f[3] + "<br>" + f[4] + " " + f[5]
                + "<br>" + f[6] + "<br><small>" + f[0] + " · " + f[7] + "</small>"
                + (r[4] ? '<br><i style="color:#b00">' + {{ this.approx_json }} + "（未核实）</i>" : "")
                + "</div>";
        }
    };
{% if this.cluster %}{{ this.ring_js if this.defines_ring() else "    var ring = window.zrRing;" }}{% endif %}
    var group = {% if this.cluster %}L.markerClusterGroup({
        chunkedLoading: true, maxClusterRadius: 45, disableClusteringAtZoom: 17,
        spiderfyOnMaxZoom: true, showCoverageOnHover: false,
        iconCreateFunction: ring.icon
    }){% else %}L.featureGroup(){% endif %};
    group.zrLayer = {{ this.name_json }};  // lets tests and tools find our point layers
    var markers = new Array(rows.length);
    for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var m = L.circleMarker([r[0], r[1]], {
            radius: {{ this.radius }}, fillColor: r[2], fillOpacity: 0.85, grade: r[3],
            color: r[4] ? "#333333" : "{{ this.stroke }}", weight: r[4] ? 1.5 : 1,
            dashArray: r[4] ? "3 3" : null, className: {{ this.class_json }}
        });
        if (Array.isArray(r[5])) {  // a site: texts composed here, the popup only when opened
            m.bindTooltip(site.tip(r));
            if (r[5].length > 3) { m.bindPopup(site.popup.bind(null, r), {maxWidth: 320}); }
        } else {
            m.bindTooltip(r[5]);
            if (r[6]) { m.bindPopup(r[6], {maxWidth: 320}); }
        }
        markers[i] = m;
    }
    {% if this.cluster %}group.addLayers(markers);{% else %}
    for (var j = 0; j < markers.length; j++) { group.addLayer(markers[j]); }{% endif %}
    {% if not this.show %}
    // Hidden at start: streamlit-folium only listens to layers on the map when it starts,
    // so forward this layer's clicks through an always-present hub layer.
    window.zr_click_hub = window.zr_click_hub || L.featureGroup().addTo({{ this._parent.get_name() }});
    group.addEventParent(window.zr_click_hub);
    {% endif %}
    return group;
})();
{% endmacro %}
"""
    )

    default_js: ClassVar[list[tuple[str, str]]] = [
        (
            "markerclusterjs",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.5.3/"
            "leaflet.markercluster.js",
        )
    ]
    default_css: ClassVar[list[tuple[str, str]]] = [
        (
            "markerclustercss",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.5.3/MarkerCluster.css",
        ),
        (
            "markerclusterdefaultcss",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.5.3/"
            "MarkerCluster.Default.css",
        ),
    ]

    def __init__(
        self,
        points: list[Point],
        name: str,
        *,
        cluster: bool = True,
        radius: float = 6,
        show: bool = True,
        stroke: str = "#FFFFFF",
        css_class: str = "zr-site",
        share_as: str | None = None,
    ) -> None:
        # Leaflet's layer control shows the name with innerHTML (names of sector layers come
        # from the users' categories), so the layer carries the escaped name throughout.
        name = html_text(name)
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PointLayer"
        self.points = points
        self.cluster = bool(cluster)
        self.radius = float(radius)
        self.stroke = hex_colour(stroke, "#FFFFFF")
        if not self.cluster:
            # No clustering: the plugin is not needed in the browser.
            self.default_js = []
            self.default_css = []
        self.share_as = share_as
        self.share_json = safe_json(share_as) if share_as else ""
        self.rows_js = safe_json(points)
        self.class_json = safe_json(css_class)
        self.name_json = safe_json(name)
        self.sep_json = safe_json(ID_SEPARATOR)
        self.approx_json = safe_json(APPROXIMATE_NOTE)
        self.ring_js = cluster_ring_js() if self.cluster else ""

    @classmethod
    def subset_of(
        cls, source: PointLayer, indices: list[int], name: str, **kwargs: Any
    ) -> PointLayer:
        """A layer showing rows ``indices`` of ``source`` without embedding them a second time.

        ``source`` must be created with ``share_as`` and added to the map before this layer.
        """
        if not source.share_as:
            raise ValueError("source layer must be created with share_as=...")
        layer = cls([source.points[i] for i in indices], name, **kwargs)
        layer.rows_js = (
            f"(function (src) {{ return {safe_json([int(i) for i in indices])}"
            ".map(function (i) { return src[i]; }); })"
            f"(window[{source.share_json}])"
        )
        return layer

    @property
    def count(self) -> int:
        """Number of markers in the layer."""
        return len(self.points)

    def defines_ring(self) -> bool:
        """Whether this layer's script defines ``window.zrRing`` (the map's first clustered one).

        The others reuse it, so the ring script is in the page once however many sector
        layers are clustered.
        """
        parent = getattr(self, "_parent", None)
        if parent is None:
            return True
        first = next(
            (c for c in parent._children.values() if isinstance(c, PointLayer) and c.cluster),
            self,
        )
        return first is self



class LabelLayer(Layer):
    """Text labels (e.g. 居委 names) drawn as non-interactive divIcons from one JSON array.

    Parameters
    ----------
    labels : list of (lat, lon, text)
        Text is escaped here.
    name : str
        Layer name in the LayerControl.
    css_class : str
        Class of the label ``<div>``.
    show : bool
        Visible when the map opens.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    var rows = {{ this.rows_js }}, group = L.layerGroup();
    for (var i = 0; i < rows.length; i++) {
        L.marker([rows[i][0], rows[i][1]], {interactive: false, keyboard: false,
            icon: L.divIcon({html: '<div class="' + {{ this.class_json }} + '">' + rows[i][2]
                + "</div>", className: "", iconSize: [90, 16], iconAnchor: [45, 8]})
        }).addTo(group);
    }
    return group;
})();
{% endmacro %}
"""
    )

    def __init__(
        self,
        labels: list[tuple[float, float, str]],
        name: str,
        *,
        css_class: str = "zr-zone-label",
        show: bool = True,
    ) -> None:
        super().__init__(name=html_text(name), overlay=True, control=True, show=show)
        self._name = "LabelLayer"
        self.labels = labels
        self.rows_js = safe_json(
            [
                [round(float(a), COORD_DECIMALS), round(float(o), COORD_DECIMALS), html_text(t)]
                for a, o, t in labels
            ]
        )
        self.class_json = safe_json(css_class)
