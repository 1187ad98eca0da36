"""The one adapter to streamlit-folium's private component API.

``st_folium`` renders the whole folium tree and regenerates its Leaflet script on every
rerun (~0.5 s for the 3,000-site map). The map page instead computes the component's
arguments once per (store, filters, view) and caches them: :func:`component_args` builds
them with streamlit-folium's own helpers, :func:`show` draws them with its component.
These helpers are private (``_get_html``, ``_get_header``, ``_get_map_string``,
``_component_func``), so this module is the only place that touches them, the version is
pinned (requirements.txt) and ``tests/layers/test_folium_component.py`` checks the
contract: the arguments equal what ``st_folium`` itself passes to the component for the same
map (except the key, which also hashes the header and html here), and the private names
still exist with the parameters used.

Examples
--------
>>> import folium
>>> args = component_args(folium.Map(location=[31.25, 121.40], tiles=None), "demo")
>>> sorted(args)
['css_links', 'header', 'html', 'id', 'js_links', 'key', 'script']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st
import streamlit_folium
from folium.elements import JSCSSMixin

__all__ = ["PRIVATE_NAMES", "component_args", "show"]

#: The private names of streamlit-folium this adapter uses (the contract test checks them).
PRIVATE_NAMES = ("_get_html", "_get_header", "_get_map_string", "_component_func")


def component_args(fmap: Any, key: str) -> dict[str, Any]:
    """The component arguments of a folium map, as ``st_folium`` computes them.

    Parameters
    ----------
    fmap : folium.Map
        The map (rendered here once).
    key : str
        The widget key the component's hash starts from.

    Returns
    -------
    dict
        ``script``, ``header``, ``html``, ``id``, ``key``, ``css_links``, ``js_links``.
        ``key`` hashes script, header and html (``st_folium`` hashes the script only): a
        changed filter whose rows sit in the header must give a freshly drawn map.
    """
    sf = streamlit_folium
    # st_folium also calls fmap.render() a second time; the output is identical without it
    # (checked on the 3,000-site map) and a render costs ~0.1 s.
    fmap.get_root().render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    js: list[str] = []
    css: list[str] = []
    stack = [fmap]
    while stack:  # same order as st_folium's walk: depth-first, children in insertion order
        elem = stack.pop()
        if isinstance(elem, JSCSSMixin):
            css.extend(href for _, href in elem.default_css)
            js.extend(src for _, src in elem.default_js)
        stack.extend(reversed(list(getattr(elem, "_children", {}).values())))
    return {
        "script": script,
        "header": header,
        "html": html,
        "id": sf.get_full_id(fmap),
        "key": sf.generate_js_hash(script + header + html, key, False),
        "css_links": list(dict.fromkeys(css)),
        "js_links": list(dict.fromkeys(js)),
    }


def show(
    args: Mapping[str, Any],
    key: str,
    height: int,
    returned_objects: Sequence[str],
    default: Mapping[str, Any],
    on_change: Callable[[], None] | None = None,
) -> dict[str, Any] | None:
    """Draw cached :func:`component_args` with streamlit-folium's component; return its event.

    As ``st_folium`` does, the component's value is mirrored under the stable ``key`` in
    ``st.session_state`` (the hashed key changes with the map). ``default`` is the value
    before the first event: the browser side compares it with its state (key order and a
    click count starting at 0) and reruns the page when they differ, so a default of the
    same form keeps the map's first move from costing a rerun.
    """
    hash_key = args["key"]

    def _mirror() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    return streamlit_folium._component_func(
        **args,
        height=height,
        width=None,  # the container's width
        returned_objects=list(returned_objects),
        default=dict(default),
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        on_change=_mirror,
        wrap_longitude=False,
    )
