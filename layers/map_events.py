"""Turn a streamlit-folium event into the clicked site (pure; tested with st_folium-shaped dicts).

``st_folium(..., returned_objects=["last_object_clicked_tooltip"])`` returns a dict such as
``{"last_object_clicked_tooltip": "S000123 · 某某公司 · 较大"}`` after a marker click (``None``
before any click, and when AppTest runs the page). The tooltip text begins with the site id
(see :mod:`layers.popup`).

Examples
--------
>>> handle_map_event({"last_object_clicked_tooltip": "S000123 · 某某公司 · 较大"})
'S000123'
>>> handle_map_event({"last_object_clicked_tooltip": "S000123 · 甲"}, known_ids={"S1"}) is None
True
>>> handle_map_event(None) is None
True
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from layers.popup import site_id_from_tooltip

__all__ = ["RETURNED_OBJECTS", "handle_map_event"]

#: The only st_folium outputs the map page asks for (each change reruns the page): the clicked
#: object's tooltip text, and a click counter so a second click on the same site counts too.
RETURNED_OBJECTS: tuple[str, ...] = ("last_object_clicked_tooltip", "last_object_clicked_count")


def handle_map_event(
    event: Mapping[str, Any] | None, known_ids: Collection[str] | None = None
) -> str | None:
    """Site id of the clicked marker, or None (no click, a non-site feature, unknown id).

    Parameters
    ----------
    event : dict or None
        Return value of ``st_folium``.
    known_ids : collection of str, optional
        Ids currently on the map; a tooltip naming another id is ignored.
    """
    if not isinstance(event, Mapping):
        return None
    site_id = site_id_from_tooltip(event.get("last_object_clicked_tooltip"))
    if site_id is None:
        return None
    if known_ids is not None and site_id not in known_ids:
        return None
    return site_id
