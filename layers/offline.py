"""Self-hosted browser assets: point every folium element at ``static/vendor/`` instead of CDNs.

folium elements list their JavaScript/CSS in ``default_js``/``default_css`` (CDN URLs), and
streamlit-folium loads exactly those URLs inside its iframe. :func:`make_offline` walks a map
tree and rewrites each entry to the copy vendored by ``scripts/vendor_assets.sh`` (served by
Streamlit at ``/app/static/vendor/...``), dropping assets our maps do not use (jQuery,
Bootstrap, Font Awesome, awesome-markers: we draw CircleMarkers, not icon markers). An asset
that is neither known nor droppable raises :class:`OfflineAssetError`, so a new plugin cannot
silently pull a CDN back in.

Examples
--------
>>> import folium
>>> m = make_offline(folium.Map(tiles=None))
>>> [src for _, src in m.default_js]
['/app/static/vendor/leaflet/leaflet.js']
>>> remote_urls(m.get_root().render())
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import branca.element
from folium.elements import JSCSSMixin

__all__ = [
    "DROPPED_ASSETS",
    "LOCAL_ASSETS",
    "STATIC_URL_PREFIX",
    "VENDOR_DIR",
    "OfflineAssetError",
    "local_url",
    "make_offline",
    "remote_urls",
]

#: Folder of the vendored files (committed; rebuilt by ``scripts/vendor_assets.sh``).
VENDOR_DIR: Path = Path(__file__).resolve().parent.parent / "static" / "vendor"

#: URL prefix under which Streamlit serves ``static/vendor`` (``server.enableStaticServing``).
STATIC_URL_PREFIX = "/app/static/vendor"

#: Asset name (as folium calls it) → path below ``static/vendor``.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "leaflet.heat/leaflet-heat.js",
}

#: Assets folium adds by default that our maps never need (icon markers, Bootstrap UI).
DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_TAG_URL_RE = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']",
    re.IGNORECASE,
)


class OfflineAssetError(ValueError):
    """A folium element needs a remote asset that is not vendored."""


def local_url(name: str, prefix: str = STATIC_URL_PREFIX) -> str:
    """URL of a vendored asset.

    Examples
    --------
    >>> local_url("leaflet_css")
    '/app/static/vendor/leaflet/leaflet.css'
    """
    try:
        rel = LOCAL_ASSETS[name]
    except KeyError as err:
        raise OfflineAssetError(f"没有本地化的前端资源：{name}") from err
    return f"{prefix.rstrip('/')}/{rel}"


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _rewrite(
    entries: list[tuple[str, str]], prefix: str, owner: str
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in entries:
        if name in DROPPED_ASSETS:
            continue
        if name in LOCAL_ASSETS:
            out.append((name, local_url(name, prefix)))
        elif not re.match(r"^(https?:)?//", url):
            out.append((name, url))  # already local
        else:
            raise OfflineAssetError(
                f"{owner} 需要外网资源 {name} ({url})，内网无法加载；"
                "请在 scripts/vendor_assets.sh 中本地化后登记到 layers.offline.LOCAL_ASSETS。"
            )
    return out


def make_offline(
    element: branca.element.Element, prefix: str = STATIC_URL_PREFIX
) -> branca.element.Element:
    """Rewrite every element's ``default_js``/``default_css`` in a folium tree to vendored URLs.

    Parameters
    ----------
    element : folium.Map or any branca element
        Root of the tree (usually the map); modified in place and returned.
    prefix : str
        URL prefix of ``static/vendor`` (default ``/app/static/vendor``, Streamlit static
        serving; use ``file://...`` or a relative path for an exported stand-alone HTML).

    Raises
    ------
    OfflineAssetError
        An element needs a remote asset that is not vendored.
    """
    for item in _walk(element):
        if isinstance(item, JSCSSMixin):
            owner = type(item).__name__
            # Instance attributes shadow the class lists, so other maps are unaffected.
            item.default_js = _rewrite(list(item.default_js), prefix, owner)
            item.default_css = _rewrite(list(item.default_css), prefix, owner)
    return element


def remote_urls(page_html: str, allowed_hosts: tuple[str, ...] = _LOCAL_HOSTS) -> list[str]:
    """Script/stylesheet/image/iframe URLs of a rendered page that point to a non-local host.

    Examples
    --------
    >>> remote_urls('<script src="https://cdn.x/a.js"></script><link href="/app/static/b.css">')
    ['https://cdn.x/a.js']
    >>> remote_urls('<script src="http://127.0.0.1:8501/a.js"></script>')
    []
    """
    found: list[str] = []
    for url in _TAG_URL_RE.findall(page_html):
        match = re.match(r"^(?:https?:)?//([^/:?#]+|\[[^\]]+\])", url, re.IGNORECASE)
        if match and match.group(1).lower() not in allowed_hosts:
            found.append(url)
    return found
