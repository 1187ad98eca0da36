"""Rules of the 单位管理 form: what the editor saw, what changed, a clicked point, a new unit.

The page (``app_pages/units.py``) holds widgets only; everything it decides is here, as pure
functions on plain values, so it is tested without Streamlit. Every write still goes through
the store (``update_site`` / ``add_sites``), which validates with the importer's rules.

Examples
--------
>>> shown = shown_values({"name": "甲厂", "category": "厂房仓库", "department": "社区平安办",
...                       "park": float("nan"), "key_list": True})
>>> edit_fields(shown, {**shown, "name": " 乙厂 "})
{'name': '乙厂'}
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping, MutableMapping
from typing import Any

import numpy as np
import pandas as pd

from layers.safe_text import plain_text
from registry.enums import COORD_QUALITY_LABELS, OPERATING_STATES
from registry.sectors import SECTORS
from registry.validate import RegistryValidationError

__all__ = [
    "FIELD_LABELS",
    "FORM_FIELDS",
    "NO_PARK",
    "check_state_change",
    "clicked_point",
    "committee_at",
    "edit_fields",
    "messages",
    "new_unit_frame",
    "position_fields",
    "request_id",
    "shown_values",
    "subcategory_options",
    "unit_history",
]

#: The fields the 单位管理 form edits (besides the position), in form order.
FORM_FIELDS: tuple[str, ...] = (
    "name", "address", "category", "subcategory", "key_list", "department", "park", "uscc",
    "operating_state",
)  # fmt: skip

#: Chinese names of the site fields the page shows and the history names.
FIELD_LABELS: Mapping[str, str] = {
    "name": "单位名称",
    "address": "地址",
    "category": "类别",
    "subcategory": "子类",
    "key_list": "重点检查名单",
    "required_per_year": "每年应检次数",
    "department": "责任部门",
    "park": "园区",
    "uscc": "统一社会信用代码",
    "operating_state": "经营状态",
    "lon": "经度",
    "lat": "纬度",
    "coord_quality": "坐标来源",
    "committee": "居委",
    "outside_boundary": "辖区外监管",
    "industry": "行业",
}

#: The park select's choice for "no park".
NO_PARK = "（无）"

_TEXT_FIELDS = ("name", "address", "uscc")
_OPTIONAL = ("park", "uscc", "subcategory", "address")
_ROW_PREFIX = "第1行: "


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _norm(name: str, value: Any) -> Any:
    """One form value as stored: text stripped, blanks and 「（无）」 None, flags bool."""
    if name == "key_list":
        return bool(value) if not _empty(value) else False
    if name == "park" and value == NO_PARK:
        return None
    if _empty(value):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, np.generic):
        return value.item()
    return value


def shown_values(site: Mapping[str, Any]) -> dict[str, Any]:
    """The :data:`FORM_FIELDS` of a unit as the form shows them (the ``expected=`` of a save).

    Examples
    --------
    >>> shown_values({"name": "甲", "uscc": float("nan"), "key_list": np.True_})["uscc"] is None
    True
    """
    return {f: _norm(f, site.get(f)) for f in FORM_FIELDS}


def edit_fields(shown: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """The fields to write: those the user changed (blank text is None).

    The 责任部门 follows a new category (the store derives it) unless the user picked one
    himself; an unchanged department is then left out.

    Examples
    --------
    >>> shown = {"category": "厂房仓库", "department": "社区平安办", "uscc": None}
    >>> edit_fields(shown, {"category": "特种设备", "department": "社区平安办", "uscc": " "})
    {'category': '特种设备'}
    >>> edit_fields(shown, {"category": "特种设备", "department": "城运中心", "uscc": None})
    {'category': '特种设备', 'department': '城运中心'}
    """
    changed = {}
    for name, value in edited.items():
        new = _norm(name, value)
        if new != _norm(name, shown.get(name)):
            changed[name] = new
    return changed


def subcategory_options(category: str | None, current: Any = None) -> list[str]:
    """The subcategories of a category (first = default), with a current value kept first.

    A stored subcategory the sector table does not list (an older registry) stays selectable,
    so opening a unit never changes it silently.

    Examples
    --------
    >>> subcategory_options("特种设备")[:2]
    ['老旧电梯(15年以上)', '锅炉']
    >>> subcategory_options("特种设备", "旧分类")[0]
    '旧分类'
    >>> subcategory_options("人员密集场所", "公共娱乐")[0]  # the unit's own, not the table's first
    '公共娱乐'
    """
    options = list(SECTORS[category].subcategories) if category in SECTORS else []
    cur = _norm("subcategory", current)
    if cur is not None:
        options = [cur] + [o for o in options if o != cur]
    return options or [""]


def check_state_change(before: Any, after: Any, confirmed: bool) -> None:
    """Refuse a 注销 the user has not confirmed (a 注销 unit leaves every plan).

    Raises
    ------
    RegistryValidationError
        Unknown state, or 注销 without confirmation.

    Examples
    --------
    >>> check_state_change("正常", "停业", False)
    >>> try:
    ...     check_state_change("正常", "注销", False)
    ... except RegistryValidationError as err:
    ...     print(err.errors[0][:14])
    注销单位须先勾选“确认注销”
    """
    if after not in OPERATING_STATES:
        raise RegistryValidationError([f"经营状态须为 {'、'.join(OPERATING_STATES)} 之一"])
    if after == "注销" and before != "注销" and not confirmed:
        raise RegistryValidationError(
            ["注销单位须先勾选“确认注销”（注销后不再列入检查计划和法定频次，历史记录保留）"]
        )


def clicked_point(event: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """(lon, lat) of a map click from ``st_folium(returned_objects=["last_clicked"])``.

    Rounded to 6 decimals (about 0.1 m); None before any click or for a malformed event.

    Examples
    --------
    >>> clicked_point({"last_clicked": {"lat": 31.2512345678, "lng": 121.3987654321}})
    (121.398765, 31.251235)
    >>> clicked_point({"last_clicked": None}), clicked_point(None)
    (None, None)
    """
    if not isinstance(event, Mapping):
        return None
    click = event.get("last_clicked")
    if not isinstance(click, Mapping):
        return None
    try:
        lon, lat = float(click["lng"]), float(click["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return round(lon, 6), round(lat, 6)


def committee_at(lon: float, lat: float, outside_boundary: bool = False) -> str:
    """The 居委 a unit at (lon, lat) is counted under, as the store will assign it.

    Examples
    --------
    >>> committee_at(121.3965, 31.2519), committee_at(121.3919, 31.2333)
    ('南大街', '辖区外')
    """
    from registry.committees import committee_groups
    from registry.validate import flag_outside_boundary

    frame = pd.DataFrame({"lon": [lon], "lat": [lat], "outside_boundary": [outside_boundary]})
    outside = flag_outside_boundary(frame).to_numpy(bool)
    return str(committee_groups(frame["lon"].to_numpy(), frame["lat"].to_numpy(), outside)[0])


def position_fields(
    lon: Any, lat: Any, coord_quality: str, shown: Mapping[str, Any]
) -> dict[str, Any]:
    """The fields of a move: lon, lat and 坐标来源 together (empty when nothing changed).

    Raises
    ------
    RegistryValidationError
        No position given, or an unknown 坐标来源.

    Examples
    --------
    >>> position_fields(121.4, 31.25, "geocoded", {"lon": 121.39, "lat": 31.25,
    ...                 "coord_quality": "approximate"})
    {'lon': 121.4, 'lat': 31.25, 'coord_quality': 'geocoded'}
    """
    if _empty(lon) or _empty(lat):
        raise RegistryValidationError(["请在地图上点选新位置，或填写经度和纬度"])
    if coord_quality not in COORD_QUALITY_LABELS:
        raise RegistryValidationError(
            [f"坐标来源须为 {'、'.join(COORD_QUALITY_LABELS.values())} 之一"]
        )
    new = {"lon": float(lon), "lat": float(lat), "coord_quality": coord_quality}
    if all(_norm(k, shown.get(k)) == v for k, v in new.items()):
        return {}
    return new


def new_unit_frame(values: Mapping[str, Any]) -> pd.DataFrame:
    """One-row ``sites`` frame of a new unit for ``store.add_sites`` (blank text → None).

    The position columns are always present (the store reports an empty one in Chinese).

    Raises
    ------
    RegistryValidationError
        No position given (the store needs one to assign the 居委).

    Examples
    --------
    >>> df = new_unit_frame({"name": " 甲 ", "category": "厂房仓库", "lon": 121.39,
    ...                      "lat": 31.25, "uscc": "", "park": NO_PARK})
    >>> df.loc[0, ["name", "uscc", "park", "key_list"]].tolist()
    ['甲', None, None, False]
    """
    if _empty(values.get("lon")) or _empty(values.get("lat")):
        raise RegistryValidationError(["请在地图上点选单位位置，或填写经度和纬度"])
    row = {name: _norm(name, value) for name, value in values.items()}
    row.setdefault("key_list", False)
    row["lon"], row["lat"] = float(row["lon"]), float(row["lat"])
    return pd.DataFrame([row], dtype=object)


def request_id(memo: MutableMapping[str, Any], content: Mapping[str, Any]) -> str:
    """The submission id of a form: the same while its content is unchanged, new otherwise.

    A double tap or a retried submit of the same form then reaches the store with the same
    ``request_id`` and is written once; a changed form is a new request.

    Examples
    --------
    >>> memo = {}
    >>> a = request_id(memo, {"name": "甲"})
    >>> a == request_id(memo, {"name": "甲"}), a == request_id(memo, {"name": "乙"})
    (True, False)
    """
    text = json.dumps({k: _norm(k, v) for k, v in content.items()}, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    if memo.get("digest") != digest:
        memo["digest"] = digest
        memo["rid"] = f"unit-{uuid.uuid4()}"
    return str(memo["rid"])


def messages(err: Exception) -> list[str]:
    """The Chinese messages of a refused write, without the row number of a one-row form.

    Examples
    --------
    >>> messages(RegistryValidationError(["第1行: 单位名称（name）为空"]))
    ['单位名称（name）为空']
    """
    lines = list(err.errors) if isinstance(err, RegistryValidationError) else [str(err)]
    return [m.replace(_ROW_PREFIX, "", 1) for m in lines]


def _value_text(name: str, value: Any) -> str:
    if _empty(value):
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "coord_quality":
        return COORD_QUALITY_LABELS.get(str(value), plain_text(value))
    return plain_text(value)


def _json(text: Any) -> dict[str, Any]:
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def unit_history(audit: pd.DataFrame, site_id: str) -> pd.DataFrame:
    """One unit's audit trail (``store.audit_log()``), oldest first, in Chinese plain text.

    Examples
    --------
    >>> log = pd.DataFrame({"ts": ["2026-06-03T09:00:00"], "user": ["张三"],
    ...     "action": ["update_site"], "entity": ["sites"], "entity_id": ["S1"],
    ...     "before": ['{"name": "甲"}'], "after": ['{"name": "乙"}']})
    >>> unit_history(log, "S1").iloc[0].tolist()
    ['2026-06-03 09:00:00', '张三', '修改', '单位名称: 甲 → 乙']
    """
    cols = ["时间", "操作人", "操作", "内容"]
    if audit.empty:
        return pd.DataFrame(columns=cols)
    mine = audit.loc[audit["entity"].eq("sites") & audit["entity_id"].eq(site_id)]
    rows = []
    for _, r in mine.iterrows():
        before, after = _json(r["before"]), _json(r["after"])
        if r["action"] == "update_site":
            kind = "修改"
            text = "；".join(
                f"{FIELD_LABELS.get(k, k)}: {_value_text(k, before.get(k))} → {_value_text(k, v)}"
                for k, v in after.items()
            )
        else:
            kind = "登记" if r["action"] == "add_sites" else "导入"
            text = _value_text("name", after.get("name"))
        rows.append([plain_text(r["ts"]).replace("T", " "), plain_text(r["user"]), kind, text])
    return pd.DataFrame(rows, columns=cols)
