"""The sector table and vocabularies other packages build on."""

from __future__ import annotations

import pandas as pd
import pytest

from registry import enums
from registry.sectors import (
    DEPARTMENTS,
    SECTORS,
    is_hazard_source,
    sector_of,
    service_minutes,
)

PLAN_SECTORS = [
    "厂房仓库", "地下空间", "三合一场所", "群租", "电动自行车", "建筑施工", "危化品", "加油站",
    "特种设备", "养老机构", "学校幼儿园", "医疗机构", "宾馆公寓", "快递外卖点", "商贸市场",
    "园区企业", "人员密集场所", "高层建筑", "文物古建筑",
]  # fmt: skip


def test_every_plan_sector_is_present_and_codes_unique():
    assert list(SECTORS) == PLAN_SECTORS
    codes = [s.code for s in SECTORS.values()]
    assert len(set(codes)) == len(codes)
    assert all(c.isascii() for c in codes)


@pytest.mark.parametrize(
    ("sector", "subcats"),
    [
        ("电动自行车", ("销售维修", "集中停放车库", "集中充电场所")),
        ("建筑施工", ("限额以上", "限额以下", "综合修缮", "员工宿舍")),  # the plan: 含员工宿舍
        ("特种设备", ("老旧电梯(15年以上)", "锅炉", "起重机械", "叉车")),
        ("学校幼儿园", ("学校", "幼儿园")),
        ("宾馆公寓", ("宾馆", "白领公寓")),
        ("人员密集场所", ("商场", "餐饮", "公共娱乐", "宗教场所")),
    ],
)
def test_plan_subcategories(sector, subcats):
    assert SECTORS[sector].subcategories == subcats


def test_default_departments_follow_the_plan():
    assert SECTORS["特种设备"].department == "真如市场监管所"
    assert SECTORS["建筑施工"].department == "社区管理办"
    assert SECTORS["群租"].department in {"居委会", "社区平安办"}
    assert SECTORS["养老机构"].department == "社区服务办"
    assert {s.department for s in SECTORS.values()} <= set(DEPARTMENTS)


def test_service_minutes_subcategory_override_and_fallback():
    assert service_minutes("建筑施工", "限额以上") == 90
    assert service_minutes("建筑施工", "限额以下") < 90
    assert service_minutes("快递外卖点") == 20
    # unknown or empty subcategory falls back to the sector default
    assert service_minutes("厂房仓库", "") == SECTORS["厂房仓库"].service_minutes
    assert service_minutes("厂房仓库", "不存在") == SECTORS["厂房仓库"].service_minutes


def test_hazard_sources():
    assert is_hazard_source("危化品") and is_hazard_source("加油站")
    assert is_hazard_source("特种设备", "锅炉")
    assert not is_hazard_source("特种设备", "老旧电梯(15年以上)")
    assert not is_hazard_source("群租")


def test_hazard_templates_are_usable_by_the_generator():
    for s in SECTORS.values():
        assert len(s.hazards) >= 3, s.name_zh
        for h in s.hazards:
            assert h.hazard_type in enums.HAZARD_TYPES
            assert h.part and h.description and h.measure
    qz = SECTORS["群租"]
    assert any(h.part == "隔断间/厨房" and h.description == "违规分隔搭建" for h in qz.hazards)
    assert "拆除隔断，恢复原状" in qz.measures


def test_lookup_by_code_and_unknown_sector_message():
    assert sector_of("construction") is SECTORS["建筑施工"]
    with pytest.raises(KeyError, match="未知行业类别"):
        sector_of("不存在的行业")


def test_risk_levels_colours():
    assert [(lv.name, lv.colour_zh, lv.hex) for lv in enums.RISK_LEVELS] == [
        ("重大", "红", "#E60012"),
        ("较大", "橙", "#FF7F00"),
        ("一般", "黄", "#FFD700"),
        ("低", "蓝", "#1E90FF"),
    ]
    assert enums.risk_level("major").name == "重大"
    with pytest.raises(KeyError):
        enums.risk_level("极高")


def test_overdue_is_open_and_past_deadline():
    h = pd.DataFrame(
        {
            "status": ["待整改", "已销号", "整改中", "待复查", "待整改"],
            "deadline": pd.to_datetime(
                ["2024-01-01", "2023-12-01", "2024-02-01", "2024-01-31", None]
            ),
        }
    )
    assert enums.overdue(h, "2024-02-01").tolist() == [True, False, False, True, False]


def test_status_transitions_close_only_from_reinspection():
    closing = [s for s, nxt in enums.STATUS_TRANSITIONS.items() if "已销号" in nxt]
    assert closing == ["待复查"]
    assert enums.STATUS_TRANSITIONS["已销号"] == frozenset()
