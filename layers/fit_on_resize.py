"""Fit a folium map to a bounding box, at a fine zoom step, and again whenever the map resizes.

folium's ``m.fit_bounds`` runs ``map.fitBounds`` once, when the map script runs, and Leaflet
rounds the fitted zoom *down* to a whole level (``zoomSnap = 1``). On a phone-sized map (about
360 px wide) that rounding alone can halve the scale: routes that miss the next level by a few
pixels of padding fill less than half of the width. :class:`FitOnResize` replaces
``fit_bounds``:

* it sets the map's ``zoomSnap`` to a fraction of a level (default 0.25), so the fitted zoom is
  at most a quarter level (a factor 2^0.25 ≈ 1.19) below the ideal one;
* it fits the bounds at once and again whenever the map container changes size (a
  ``ResizeObserver`` on the map div, the window ``resize`` event where that is missing; phone
  rotation, the sidebar opening, a late layout of the component iframe), after
  ``map.invalidateSize()`` so Leaflet measures the new size;
* it stops re-fitting as soon as the user pans or zooms (a drag, the wheel, the zoom buttons),
  so their view is never taken away; a map div of zero size (a hidden tab) is not fitted until
  it is shown.

The script is the element's own ``script`` macro in the map's tree, so it runs in the map's
document both in a stand-alone HTML and inside streamlit-folium (which concatenates the
``script`` macros of the map's children, after the map variable exists, and drops scripts put
in the page header). It uses Leaflet only: no extra asset, works offline.

Examples
--------
>>> import folium
>>> m = folium.Map(tiles=None)
>>> _ = FitOnResize([(31.24, 121.38), (31.26, 121.42)], padding=(20, 20)).add_to(m)
>>> html = m.get_root().render()
>>> "ResizeObserver" in html and "fitBounds" in html
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from branca.element import MacroElement
from jinja2 import Template

from layers.safe_text import safe_json

__all__ = ["DEFAULT_ZOOM_SNAP", "FitOnResize", "fit_on_resize", "latlon_bounds"]

#: Zoom step used for fitting (Leaflet's default is 1: a whole level).
DEFAULT_ZOOM_SNAP = 0.25


def latlon_bounds(points: Iterable[Sequence[float]]) -> list[list[float]]:
    """South-west and north-east corners ``[[lat, lon], [lat, lon]]`` of ``(lat, lon)`` points.

    Raises
    ------
    ValueError
        No points.

    Examples
    --------
    >>> latlon_bounds([(31.25, 121.40), (31.24, 121.41), (31.26, 121.39)])
    [[31.24, 121.39], [31.26, 121.41]]
    """
    pts = [(float(p[0]), float(p[1])) for p in points]
    if not pts:
        raise ValueError("没有可用于缩放地图的坐标点")
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


class FitOnResize(MacroElement):
    """Fit the parent map to ``bounds`` now and on every container resize, until the user moves.

    Parameters
    ----------
    bounds : sequence of two (lat, lon) pairs
        South-west and north-east corners (see :func:`latlon_bounds`).
    padding : (int, int)
        Pixels kept free on each side (x, y), as in Leaflet's ``fitBounds``.
    max_zoom : float, optional
        Upper limit of the fitted zoom (a single point or tiny box would otherwise zoom in to
        the map's ``maxZoom``).
    zoom_snap : float or None
        Zoom step set on the map (``map.options.zoomSnap``); ``None`` keeps the map's own.

    Notes
    -----
    In the browser the element exposes ``map.zrFit`` with ``bounds`` (a ``L.LatLngBounds``),
    ``padding``, ``fit()`` (re-fit now) and ``userMoved`` (true once the user panned or
    zoomed), so tests and other scripts can check or repeat the fit.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function (map) {
    var state = {
        bounds: L.latLngBounds({{ this.bounds_json }}),
        padding: L.point({{ this.padding_json }}),
        maxZoom: {{ this.max_zoom_json }},
        userMoved: false,
        fitting: false
    };
    if ({{ this.zoom_snap_json }} !== null) { map.options.zoomSnap = {{ this.zoom_snap_json }}; }
    state.fit = function () {
        var size = map.getSize();
        if (size.x <= 0 || size.y <= 0) { return false; }
        var options = {padding: state.padding, animate: false};
        if (state.maxZoom !== null) { options.maxZoom = state.maxZoom; }
        state.fitting = true;
        try { map.fitBounds(state.bounds, options); } finally { state.fitting = false; }
        return true;
    };
    function onUserMove() { if (!state.fitting) { state.userMoved = true; } }
    map.on("dragstart zoomstart", onUserMove);
    function onResize() {
        if (state.userMoved) { map.invalidateSize(); return; }
        map.invalidateSize({pan: false});
        state.fit();
    }
    var container = map.getContainer();
    if (typeof window.ResizeObserver === "function") {
        var last = [container.clientWidth, container.clientHeight];
        new window.ResizeObserver(function () {
            var now = [container.clientWidth, container.clientHeight];
            if (now[0] === last[0] && now[1] === last[1]) { return; }
            last = now;
            onResize();
        }).observe(container);
    } else {
        window.addEventListener("resize", onResize);
    }
    state.fit();
    map.zrFit = state;
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        bounds: Sequence[Sequence[float]],
        *,
        padding: tuple[int, int] = (20, 20),
        max_zoom: float | None = None,
        zoom_snap: float | None = DEFAULT_ZOOM_SNAP,
    ) -> None:
        super().__init__()
        self._name = "FitOnResize"
        if len(bounds) != 2:
            raise ValueError("bounds 应为 [[南, 西], [北, 东]] 两个角点")
        if zoom_snap is not None and not zoom_snap > 0:
            raise ValueError(f"zoom_snap 应为正数：{zoom_snap!r}")
        corners = [[float(c) for c in corner] for corner in bounds]
        self.bounds = corners
        self.bounds_json = safe_json(corners)
        self.padding_json = safe_json([int(padding[0]), int(padding[1])])
        self.max_zoom_json = safe_json(None if max_zoom is None else float(max_zoom))
        self.zoom_snap_json = safe_json(None if zoom_snap is None else float(zoom_snap))


def fit_on_resize(
    m: MacroElement,
    points: Iterable[Sequence[float]],
    *,
    padding: tuple[int, int] = (20, 20),
    max_zoom: float | None = None,
    zoom_snap: float | None = DEFAULT_ZOOM_SNAP,
) -> FitOnResize | None:
    """Add a :class:`FitOnResize` for the bounding box of ``(lat, lon)`` points to map ``m``.

    Use it instead of ``m.fit_bounds(...)``; add it after the layers (its script runs last).

    Returns
    -------
    FitOnResize or None
        The added element; ``None`` (nothing added, the map keeps its start view) when there
        are no points.

    Examples
    --------
    >>> import folium
    >>> m = folium.Map(tiles=None)
    >>> fit_on_resize(m, []) is None
    True
    >>> fit_on_resize(m, [(31.25, 121.40), (31.26, 121.41)]).bounds
    [[31.25, 121.4], [31.26, 121.41]]
    """
    pts = list(points)
    if not pts:
        return None
    element = FitOnResize(
        latlon_bounds(pts), padding=padding, max_zoom=max_zoom, zoom_snap=zoom_snap
    )
    element.add_to(m)
    return element
