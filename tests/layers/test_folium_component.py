"""Contract of layers.folium_component, the one adapter to streamlit-folium's private API.

If streamlit-folium changes what ``st_folium`` hands its component, these tests fail before
the map page does.
"""

from __future__ import annotations

import itertools

import branca.element
import folium
import pytest
import streamlit_folium

from layers import folium_component
from layers.folium_map import risk_map
from layers.map_events import RETURNED_OBJECTS


@pytest.fixture
def twin_maps(small_store, monkeypatch):
    """Two maps built alike with the same element ids (a rendered map renders differently
    again, so each side gets a fresh one)."""
    from registry.store import SQLiteStore

    with SQLiteStore(small_store) as store:
        sites = store.sites().head(40).assign(level="一般", score=50.0, rank=range(1, 41))
        assets = store.assets()

    def build():
        counter = itertools.count()
        monkeypatch.setattr(branca.element.Element, "_generate_id",
                            classmethod(lambda cls: f"{next(counter):032x}"))  # fmt: skip
        return risk_map(sites, assets, basemap="offline", cluster=True, heat=False, height=400)

    return build(), build()


def _recorded(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: calls.append(kw))
    return calls


def test_the_private_names_the_adapter_uses_exist():
    for name in folium_component.PRIVATE_NAMES:
        assert callable(getattr(streamlit_folium, name)), name


def test_the_arguments_are_those_st_folium_passes_for_the_same_map(twin_maps, monkeypatch):
    fmap, twin = twin_maps
    ours = folium_component.component_args(fmap, "risk_map")
    calls = _recorded(monkeypatch)
    streamlit_folium.st_folium(twin, key="risk_map", height=400,
                               returned_objects=list(RETURNED_OBJECTS))  # fmt: skip
    (theirs,) = calls
    for name in ("script", "header", "html", "id", "css_links", "js_links"):
        assert ours[name] == theirs[name], name
    assert ours["key"] != theirs["key"]  # ours also hashes header and html (a filter change)


def test_show_passes_the_same_parameters_as_st_folium(twin_maps, monkeypatch):
    fmap, twin = twin_maps
    args = folium_component.component_args(fmap, "risk_map")
    calls = _recorded(monkeypatch)
    streamlit_folium.st_folium(twin, key="risk_map", height=400,
                               returned_objects=list(RETURNED_OBJECTS))  # fmt: skip
    folium_component.show(args, "risk_map", 400, RETURNED_OBJECTS, default={})
    theirs, ours = calls
    assert set(ours) == set(theirs)
    assert ours["returned_objects"] == theirs["returned_objects"]


def test_a_changed_map_gets_a_new_key_and_the_same_map_the_same_key(monkeypatch):
    def build(popup: str):
        counter = itertools.count()
        monkeypatch.setattr(branca.element.Element, "_generate_id",
                            classmethod(lambda cls: f"{next(counter):032x}"))  # fmt: skip
        m = folium.Map(location=[31.25, 121.40], tiles=None)
        folium.Marker([31.25, 121.40], popup=popup).add_to(m)
        return folium_component.component_args(m, "k")["key"]

    assert build("甲") == build("甲")
    assert build("甲") != build("乙")
