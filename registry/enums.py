"""Controlled vocabularies of the registry (values stored in the tables) and derived flags.

Category values are Chinese strings, exactly as stored in the canonical tables
(docs/ARCHITECTURE.md). Everything that has a colour or an English name is a small frozen
dataclass so the map, the risk model and the reports share one definition.

Examples
--------
>>> from registry.enums import RISK_LEVELS, risk_level
>>> [lvl.name for lvl in RISK_LEVELS]
['重大', '较大', '一般', '低']
>>> risk_level("较大").hex
'#FF7F00'
>>> HAZARD_STATUSES[-1]
'已销号'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

__all__ = [
    "ACTIVE_STATES",
    "ASSET_KINDS",
    "CLOSED_STATUS",
    "COORD_QUALITIES",
    "COORD_QUALITY_LABELS",
    "DERIVED_FLAGS",
    "HAZARD_LEVELS",
    "HAZARD_STATUSES",
    "HAZARD_TYPES",
    "INSPECTION_TYPES",
    "MAJOR_CLOSE_FIELDS",
    "OPEN_STATUSES",
    "OPERATING_STATES",
    "PARKS",
    "REINSPECTION_RESULTS",
    "RISK_LEVELS",
    "SITE_SOURCES",
    "STATUS_TRANSITIONS",
    "RiskLevel",
    "is_open",
    "overdue",
    "risk_level",
]

#: 检查类型 (``inspections.type``).
INSPECTION_TYPES: tuple[str, ...] = ("日常", "专项", "节前", "领导带队", "第三方", "复查")

#: 隐患等级 (``hazards.level``), 16号令 第三条.
HAZARD_LEVELS: tuple[str, ...] = ("一般", "重大")

#: 隐患状态 (``hazards.status``) in lifecycle order.
HAZARD_STATUSES: tuple[str, ...] = ("待整改", "整改中", "待复查", "已销号")

#: The terminal status (销号).
CLOSED_STATUS = "已销号"

#: Statuses that count as open (not 销号).
OPEN_STATUSES: tuple[str, ...] = tuple(s for s in HAZARD_STATUSES if s != CLOSED_STATUS)

#: Allowed status changes. 销号 (待复查 → 已销号) additionally requires 复查合格
#: (``reinspection_result == "合格"``) and, for a 重大 hazard, :data:`MAJOR_CLOSE_FIELDS`;
#: 复查不合格 sends the hazard back to 整改中.
STATUS_TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "待整改": frozenset({"整改中", "待复查"}),
        "整改中": frozenset({"待复查"}),
        "待复查": frozenset({"已销号", "整改中"}),
        "已销号": frozenset(),
    }
)

#: 经营状态 of a unit (``sites.operating_state``). 停业/注销 units are kept (history) and left out
#: of plans and of the statutory frequency; 停产停业 ordered for a 重大隐患 is separate
#: (``hazards.suspension``, see :func:`registry.hazard_status.suspended_sites`).
OPERATING_STATES: tuple[str, ...] = ("正常", "停业", "注销")
#: The states in which a unit is inspected as usual.
ACTIVE_STATES: tuple[str, ...] = ("正常",)

#: What a 重大隐患 must have on record before it can be 销号 (安监总局令第16号 第十四至十六条:
#: the determination and its basis, the 治理方案, the report to the supervising department,
#: 挂牌督办): field → Chinese label. 责令停产停业 (``suspension``) and 联合整治
#: (``joint_departments``) are recorded where they apply and are not required.
MAJOR_CLOSE_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "major_basis": "判定依据（标准及条款）",
        "determined_by": "判定人员",
        "plan": "整改方案",
        "reported_to": "报告部门",
        "reported_date": "报告日期",
        "supervised_by": "挂牌督办单位",
        "supervised_since": "督办日期",
    }
)

#: Flags derived from the ledger, never stored as a status: 逾期 (open and past deadline),
#: 挂牌督办 (stored as the boolean ``hazards.supervised``).
DERIVED_FLAGS: tuple[str, ...] = ("逾期", "挂牌督办")

#: 隐患类别 (``hazards.hazard_type``).
HAZARD_TYPES: tuple[str, ...] = ("消防", "用电", "燃气", "特种设备", "建筑施工", "危化", "其他")

#: 复查结果 (``hazards.reinspection_result``).
REINSPECTION_RESULTS: tuple[str, ...] = ("合格", "不合格")

#: Protective assets (``assets.kind``).
ASSET_KINDS: tuple[str, ...] = ("微型消防站", "电动自行车智能车库", "充电端口")

#: Coordinate quality (``sites.coord_quality``).
COORD_QUALITIES: tuple[str, ...] = ("osm", "geocoded", "approximate")

#: Chinese labels of :data:`COORD_QUALITIES` for the UI.
COORD_QUALITY_LABELS: Mapping[str, str] = MappingProxyType(
    {"osm": "OSM位置", "geocoded": "地址匹配", "approximate": "近似位置（未核实）"}
)

#: Where a site row came from (``sites.source``): OSM feature, generated sample, or a
#: user's own registry loaded with ``python -m registry import``.
SITE_SOURCES: tuple[str, ...] = ("osm", "synthetic", "import")

#: Parks whose tenants form the 园区企业 sector (``sites.park``).
PARKS: tuple[str, ...] = ("铁三角科技园", "天地软件园")


@dataclass(frozen=True)
class RiskLevel:
    """One of the four risk levels (安委办〔2016〕11号 four-colour map).

    Attributes
    ----------
    name : str
        Chinese level name (重大 / 较大 / 一般 / 低).
    grade : int
        1 (highest) … 4 (lowest), as in 一级 … 四级.
    colour_zh : str
        红 / 橙 / 黄 / 蓝.
    hex : str
        Display colour.
    name_en, colour_en : str
        English names.
    """

    name: str
    grade: int
    colour_zh: str
    hex: str
    name_en: str
    colour_en: str

    @property
    def label(self) -> str:
        """Legend label, e.g. ``'重大风险（红）'``."""
        return f"{self.name}风险（{self.colour_zh}）"


#: Risk levels from highest to lowest.
RISK_LEVELS: tuple[RiskLevel, ...] = (
    RiskLevel("重大", 1, "红", "#E60012", "major", "red"),
    RiskLevel("较大", 2, "橙", "#FF7F00", "high", "orange"),
    RiskLevel("一般", 3, "黄", "#FFD700", "moderate", "yellow"),
    RiskLevel("低", 4, "蓝", "#1E90FF", "low", "blue"),
)

_RISK_BY_NAME = {lvl.name: lvl for lvl in RISK_LEVELS}


def risk_level(name: str) -> RiskLevel:
    """Return the :class:`RiskLevel` named ``name`` (重大 / 较大 / 一般 / 低, or English name).

    Examples
    --------
    >>> risk_level("low").colour_zh
    '蓝'
    """
    if name in _RISK_BY_NAME:
        return _RISK_BY_NAME[name]
    for lvl in RISK_LEVELS:
        if name == lvl.name_en:
            return lvl
    raise KeyError(f"未知风险等级: {name!r}")


def is_open(status: pd.Series) -> pd.Series:
    """Boolean mask of hazards not yet 销号.

    Examples
    --------
    >>> is_open(pd.Series(["待整改", "已销号"])).tolist()
    [True, False]
    """
    return status.astype("string").ne(CLOSED_STATUS).fillna(True).astype(bool)


def overdue(hazards: pd.DataFrame, as_of: dt.date | str | pd.Timestamp) -> pd.Series:
    """The derived flag 逾期 (the unit's lateness): :func:`registry.hazard_status.hazard_status_at`.

    Open, not rectified, and ``deadline < as_of`` (hazards due *on* ``as_of`` are not yet
    overdue; a hazard rectified on time and waiting for 复查 is not overdue).

    Examples
    --------
    >>> h = pd.DataFrame({"status": ["待整改", "已销号", "整改中"],
    ...                   "deadline": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01"])})
    >>> overdue(h, "2024-02-01").tolist()
    [True, False, False]
    """
    from registry.hazard_status import hazard_status_at  # (it imports this module)

    return hazard_status_at(hazards, as_of)["overdue"]
