"""Registry of basemap tile providers, driven by ``layers/basemaps.json``.

In the spirit of `xyzservices`: a :class:`TileProvider` holds a URL template, attribution
and metadata; :meth:`TileProvider.build_url` fills the template and refuses to build a URL
while a required token is still the ``<insert your …>`` placeholder; calling a provider
with keyword arguments returns a copy with those template parameters set (e.g. a 天地图
``tk``). On top of that every provider states its ``coord_system``: our data are WGS-84 and
must be converted to GCJ-02 only for ``gcj02`` providers (高德), see
:func:`to_display_coords`.

The default provider is ``offline``: no tiles at all, the map is drawn from the project's
own vector layers (boundary, zones, roads, rail, water), so it works without internet.

Examples
--------
>>> from layers import basemaps
>>> list_providers()
['offline', 'osm', 'tianditu_vec', 'tianditu_cva', 'amap']
>>> get("osm").build_url(x=3428, y=1673, z=12)
'https://tile.openstreetmap.org/12/3428/1673.png'
>>> get("tianditu_vec").requires_token()
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from layers import coords

__all__ = [
    "DEFAULT_PROVIDER",
    "REGISTRY_FILE",
    "TileProvider",
    "get",
    "list_providers",
    "to_display_coords",
]

#: JSON file holding the provider definitions.
REGISTRY_FILE: Path = Path(__file__).resolve().parent / "basemaps.json"

#: Provider used when none is chosen (no internet needed).
DEFAULT_PROVIDER = "offline"

_PLACEHOLDER = "<insert your"
_COORD_SYSTEMS = ("wgs84", "gcj02")

CoordSystem = Literal["wgs84", "gcj02"]


@dataclass(frozen=True)
class TileProvider:
    """One basemap: URL template plus metadata.

    Attributes
    ----------
    name : str
        Registry key (``osm``, ``amap``, …).
    name_zh : str
        Chinese label for the UI.
    url : str or None
        Template with ``{x} {y} {z}``, optional ``{s}`` (subdomain) and named parameters such
        as ``{tk}``. None for the ``offline`` provider (no tiles).
    attribution : str
        Text every map using this provider must show.
    coord_system : {"wgs84", "gcj02"}
        Coordinate system of the tiles.
    max_zoom : int
    online : bool
        Whether the provider needs internet access.
    overlay : bool
        True for label layers drawn on top of another provider (天地图注记).
    subdomains : str
        Characters substituted for ``{s}``.
    params : Mapping[str, str]
        Template parameters (tokens). A value starting with ``<insert your`` is a
        placeholder that must be replaced before tiles can be requested.
    token_env : Mapping[str, str]
        Environment variable to read a missing token from (e.g. ``tk`` → ``TIANDITU_TK``).
    description : str
    """

    name: str
    name_zh: str
    url: str | None
    attribution: str
    coord_system: CoordSystem
    max_zoom: int
    online: bool
    overlay: bool = False
    subdomains: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    token_env: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if self.coord_system not in _COORD_SYSTEMS:
            raise ValueError(
                f"底图 {self.name} 的坐标系无效 / invalid coord_system {self.coord_system!r}; "
                f"expected one of {_COORD_SYSTEMS}"
            )
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "token_env", MappingProxyType(dict(self.token_env)))

    def __call__(self, **params: str) -> TileProvider:
        """Copy of the provider with template parameters (e.g. ``tk``) set.

        Examples
        --------
        >>> tdt = get("tianditu_vec")(tk="abc123")
        >>> tdt.requires_token(), get("tianditu_vec").requires_token()
        (False, True)
        """
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError(
                f"底图 {self.name} 没有参数 {sorted(unknown)} / unknown parameters for "
                f"{self.name}: {sorted(unknown)}; known: {sorted(self.params)}"
            )
        return replace(self, params={**self.params, **params})

    def _missing_tokens(self, params: Mapping[str, str]) -> list[str]:
        return [k for k, v in params.items() if isinstance(v, str) and v.startswith(_PLACEHOLDER)]

    def _resolved_params(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        params = {**self.params, **(overrides or {})}
        for key in self._missing_tokens(params):
            env_name = self.token_env.get(key)
            value = os.environ.get(env_name, "").strip() if env_name else ""
            if value:
                params[key] = value
        return params

    def requires_token(self) -> bool:
        """True while a token parameter is still a placeholder (and not set in the env).

        Examples
        --------
        >>> get("amap").requires_token(), get("offline").requires_token()
        (False, False)
        """
        return bool(self._missing_tokens(self._resolved_params()))

    def needs_gcj02(self) -> bool:
        """True when WGS-84 data must be converted to GCJ-02 to line up with the tiles.

        Examples
        --------
        >>> get("amap").needs_gcj02(), get("tianditu_vec").needs_gcj02()
        (True, False)
        """
        return self.coord_system == "gcj02"

    def build_url(
        self,
        x: int | str | None = None,
        y: int | str | None = None,
        z: int | str | None = None,
        *,
        fill_subdomain: bool = True,
        **params: str,
    ) -> str:
        """Tile URL, or a template with ``{x}/{y}/{z}`` kept where no value is given.

        Parameters
        ----------
        x, y, z : int, optional
            Tile numbers; omitted ones stay as placeholders (a Leaflet template).
        fill_subdomain : bool
            Use the first subdomain for ``{s}``; False keeps ``{s}`` for Leaflet.
        **params
            Template parameters such as ``tk`` (override the provider's own values).

        Raises
        ------
        ValueError
            For the ``offline`` provider (it has no tiles) and when a token is missing.

        Examples
        --------
        >>> get("amap").build_url(fill_subdomain=False)
        'https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}'
        >>> get("tianditu_cva").build_url(1, 2, 3, tk="KEY").endswith("TILECOL=1&tk=KEY")
        True
        """
        if self.url is None:
            raise ValueError(
                f"底图 {self.name}（{self.name_zh}）不使用在线瓦片，没有瓦片地址 / "
                f"provider {self.name!r} has no tiles: draw the vector layers instead"
            )
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError(
                f"底图 {self.name} 没有参数 {sorted(unknown)} / unknown parameters for "
                f"{self.name}: {sorted(unknown)}"
            )
        resolved = self._resolved_params(params)
        missing = self._missing_tokens(resolved)
        if missing:
            envs = ", ".join(self.token_env.get(k, "") for k in missing if self.token_env.get(k))
            hint = f"，或设置环境变量 {envs}" if envs else ""
            raise ValueError(
                f"底图“{self.name_zh}”需要密钥 {', '.join(missing)}：请填写开发者密钥{hint}。 / "
                f"Provider {self.name!r} requires a token ({', '.join(missing)}): pass it, "
                f"e.g. get({self.name!r})({missing[0]}='...')"
                + (f" or set {envs}" if envs else "")
                + "."
            )
        if fill_subdomain and self.subdomains:
            s = self.subdomains[0]
        elif fill_subdomain:
            s = ""
        else:
            s = "{s}"
        fields = {
            "x": "{x}" if x is None else x,
            "y": "{y}" if y is None else y,
            "z": "{z}" if z is None else z,
            "s": s,
            **resolved,
        }
        return self.url.format(**fields)

    def to_display_coords(self, lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
        """WGS-84 lon/lat → coordinates to draw on this provider (GCJ-02 only for gcj02).

        Examples
        --------
        >>> get("osm").to_display_coords(121.4, 31.25)
        (121.4, 31.25)
        """
        if self.needs_gcj02():
            return coords.wgs84_to_gcj02(lon, lat)
        if np.ndim(lon) == 0 and np.ndim(lat) == 0:
            return float(lon), float(lat)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


@cache
def _registry() -> dict[str, TileProvider]:
    with REGISTRY_FILE.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    out: dict[str, TileProvider] = {}
    for entry in raw["providers"]:
        provider = TileProvider(**entry)
        if provider.name in out:
            raise ValueError(f"底图名称重复 / duplicate provider name {provider.name!r}")
        out[provider.name] = provider
    if DEFAULT_PROVIDER not in out:
        raise ValueError(f"底图注册表缺少默认底图 / registry lacks {DEFAULT_PROVIDER!r}")
    return out


def list_providers() -> list[str]:
    """Names of all providers, default (``offline``) first.

    Examples
    --------
    >>> list_providers()[0]
    'offline'
    """
    return list(_registry())


def get(name: str | TileProvider = DEFAULT_PROVIDER) -> TileProvider:
    """Provider by name (a :class:`TileProvider` is returned unchanged).

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones).

    Examples
    --------
    >>> get("amap").name_zh
    '高德地图'
    """
    if isinstance(name, TileProvider):
        return name
    registry = _registry()
    try:
        return registry[name]
    except KeyError:
        raise ValueError(
            f"未知底图 {name!r}，可选：{', '.join(registry)} / "
            f"unknown basemap {name!r}; choose one of {list(registry)}"
        ) from None


def to_display_coords(
    lon: ArrayLike, lat: ArrayLike, provider: str | TileProvider = DEFAULT_PROVIDER
) -> tuple[Any, Any]:
    """Convert stored WGS-84 lon/lat for drawing on ``provider``.

    Only ``gcj02`` providers (高德) shift the points; every other provider gets the
    coordinates unchanged.

    Examples
    --------
    >>> x, y = to_display_coords(121.405, 31.255, "amap")
    >>> round(x - 121.405, 6), round(y - 31.255, 6)
    (0.004653, -0.001824)
    >>> to_display_coords(121.405, 31.255, "tianditu_vec")
    (121.405, 31.255)
    """
    return get(provider).to_display_coords(lon, lat)
