"""Site filters shared by the map and the ranking page (pure, no Streamlit).

A :class:`SiteFilter` describes what the user picked in the sidebar; :func:`apply_filters`
returns the matching rows of a sites table (plain or scored, see docs/ARCHITECTURE.md).
Empty selections mean "no restriction", so ``SiteFilter()`` keeps every row.

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({
...     "site_id": ["S1", "S2", "S3"], "name": ["甲厂", "乙群租", "丙厂"],
...     "address": ["真如路1号", "铜川路2号", "大渡河路3号"],
...     "category": ["厂房仓库", "群租", "厂房仓库"], "committee": ["a", "b", "a"],
...     "department": ["社区平安办", "居委会", "社区平安办"], "key_list": [True, False, False],
...     "park": [None, None, "铁三角科技园"]})
>>> apply_filters(sites, SiteFilter(categories=("厂房仓库",))).site_id.tolist()
['S1', 'S3']
>>> apply_filters(sites, SiteFilter(categories=("厂房仓库",), key_only=True)).site_id.tolist()
['S1']
>>> apply_filters(sites, SiteFilter(text="铜川")).site_id.tolist()
['S2']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import pandas as pd

__all__ = ["TEXT_COLUMNS", "SiteFilter", "apply_filters", "as_tuple"]

#: Columns searched by :attr:`SiteFilter.text` (those present in the table).
TEXT_COLUMNS: tuple[str, ...] = ("name", "address", "site_id", "uscc", "industry")


def as_tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """A user's selection as a tuple (None → empty, one string → one item).

    Examples
    --------
    >>> as_tuple(None), as_tuple("群租"), as_tuple(["群租", "学校"])
    ((), ('群租',), ('群租', '学校'))
    """
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@dataclass(frozen=True)
class SiteFilter:
    """A user's selection of sites.

    Parameters
    ----------
    categories : tuple of str
        Keep these sectors (``category``); empty = all.
    committees : tuple of str
        Keep these 居委 (``committee``); empty = all.
    departments : tuple of str
        Keep these departments (``department``); empty = all.
    levels : tuple of str
        Keep these risk levels (``level`` of a scored table: 重大/较大/一般/低); empty = all.
    parks : tuple of str
        Keep sites in these parks (``park``); empty = all.
    key_only : bool
        Only units on the 重点检查名单 (``key_list``).
    overdue_only : bool
        Only units whose next inspection is overdue (``days_overdue > 0``, scored table).
    open_hazards_only : bool
        Only units with unrectified hazards (``open_hazards > 0``, scored table).
    text : str
        Case-insensitive literal search in name, address, site_id, USCC and industry.

    Examples
    --------
    >>> SiteFilter(categories=["群租"]).categories
    ('群租',)
    >>> SiteFilter().is_empty
    True
    """

    categories: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    parks: tuple[str, ...] = ()
    key_only: bool = False
    overdue_only: bool = False
    open_hazards_only: bool = False
    text: str = ""

    def __post_init__(self) -> None:
        for name in ("categories", "committees", "departments", "levels", "parks"):
            object.__setattr__(self, name, as_tuple(getattr(self, name)))
        object.__setattr__(self, "text", (self.text or "").strip())

    @property
    def is_empty(self) -> bool:
        """True when the filter keeps every row."""
        return all(not getattr(self, f.name) for f in fields(self))

    def describe_zh(self) -> str:
        """Short Chinese description of the active conditions (``"全部"`` when empty).

        Examples
        --------
        >>> SiteFilter(categories=("群租",), key_only=True).describe_zh()
        '类别: 群租；仅重点单位'
        """
        parts: list[str] = []
        for label, values in (
            ("类别", self.categories),
            ("居委", self.committees),
            ("部门", self.departments),
            ("风险等级", self.levels),
            ("园区", self.parks),
        ):
            if values:
                parts.append(f"{label}: {'、'.join(values)}")
        if self.key_only:
            parts.append("仅重点单位")
        if self.overdue_only:
            parts.append("仅检查逾期")
        if self.open_hazards_only:
            parts.append("仅有未整改隐患")
        if self.text:
            parts.append(f"搜索: {self.text}")
        return "；".join(parts) if parts else "全部"


def _require(df: pd.DataFrame, column: str, what: str) -> pd.Series:
    if column not in df.columns:
        raise KeyError(f"筛选条件“{what}”需要列 {column!r}，该表没有此列")
    return df[column]


def apply_filters(df: pd.DataFrame, f: SiteFilter) -> pd.DataFrame:
    """Rows of ``df`` matching ``f`` (same type and index, original order).

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        A sites table; ``level``, ``days_overdue`` and ``open_hazards`` come from a scored
        table and are only required when the matching condition is set.
    f : SiteFilter
        The selection.

    Returns
    -------
    DataFrame
        A filtered copy-free view (``df.loc[mask]``).

    Raises
    ------
    KeyError
        If a set condition needs a column the table lacks (Chinese message).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"site_id": ["S1", "S2"], "days_overdue": [0, 12],
    ...                    "open_hazards": [2, 0]})
    >>> apply_filters(df, SiteFilter(overdue_only=True)).site_id.tolist()
    ['S2']
    >>> apply_filters(df, SiteFilter(open_hazards_only=True)).site_id.tolist()
    ['S1']
    """
    mask = pd.Series(True, index=df.index)
    for column, values, label in (
        ("category", f.categories, "类别"),
        ("committee", f.committees, "居委"),
        ("department", f.departments, "部门"),
        ("level", f.levels, "风险等级"),
        ("park", f.parks, "园区"),
    ):
        if values:
            mask &= _require(df, column, label).isin(values)
    if f.key_only:
        mask &= _require(df, "key_list", "仅重点单位").fillna(False).astype(bool)
    if f.overdue_only:
        days = pd.to_numeric(_require(df, "days_overdue", "仅检查逾期"), errors="coerce")
        mask &= days.fillna(0).gt(0)
    if f.open_hazards_only:
        n_open = pd.to_numeric(_require(df, "open_hazards", "仅有未整改隐患"), errors="coerce")
        mask &= n_open.fillna(0).gt(0)
    if f.text:
        needle = f.text.casefold()
        hit = pd.Series(False, index=df.index)
        for column in TEXT_COLUMNS:
            if column in df.columns:
                text = df[column].astype("string").str.casefold()
                hit |= text.str.contains(needle, regex=False).fillna(False).astype(bool)
        mask &= hit
    return df.loc[mask]
