"""Small hand-built registry tables for the registry tests (no generator, fast)."""

from __future__ import annotations

import pandas as pd

from registry import uscc


def make_tables() -> dict[str, pd.DataFrame]:
    """Four sites (one outside the boundary), five inspections, four hazards, two assets."""
    sites = pd.DataFrame(
        {
            "site_id": ["S000001", "S000002", "S000003", "S000004"],
            "name": ["真如某仓库", "兰溪路群租房", "天地软件园某公司", "真如某工地"],
            "uscc": ["91350100M000100Y43", None, uscc.make("91310107MA1G5B8K0"), None],
            "address": ["真如路1号", "兰溪路2号", "中江路879号", "铜川路3号"],
            "lon": [121.3905, 121.3965, 121.3919, 121.3850],
            "lat": [31.2572, 31.2520, 31.2333, 31.2600],
            "coord_quality": ["osm", "geocoded", "approximate", "approximate"],
            "category": ["厂房仓库", "群租", "园区企业", "建筑施工"],
            "subcategory": ["仓库", "群租房", "软件信息", "限额以下"],
            "industry": ["仓储业", "", "软件和信息技术服务业", "房屋建筑业"],
            "park": [None, None, "天地软件园", None],
            "committee": ["南大街", "南大街", None, "北大街"],
            "department": ["社区平安办", "居委会", "社区平安办", "社区管理办"],
            "key_list": [True, False, False, True],
            "required_per_year": [4, 2, 2, 4],
            "outside_boundary": [False, False, True, False],
            "floor_area_m2": [2500.0, 90.0, None, 800.0],
            "occupants": [20.0, 14.0, 50.0, 35.0],
            "storeys": [2.0, 6.0, 8.0, None],
            "building_year": [1995.0, 1988.0, 2008.0, None],
            "elevators": [None, None, 4.0, None],
            "elevators_15y": [None, None, 1.0, None],
            "underground": [False, False, True, False],
            "hazchem_t": [0.5, None, None, None],
            "source": ["osm", "synthetic", "synthetic", "synthetic"],
            "osm_id": ["way/1", None, None, None],
        }
    )
    inspections = pd.DataFrame(
        {
            "inspection_id": ["I0000001", "I0000002", "I0000003", "I0000004", "I0000005"],
            "site_id": ["S000001", "S000001", "S000002", "S000004", "S000003"],
            "date": pd.to_datetime(
                ["2024-03-01", "2024-06-15", "2024-04-02", "2024-05-20", "2024-07-01"]
            ),
            "type": ["日常", "节前", "专项", "领导带队", "第三方"],
            "team": ["平安办一组", "平安办一组", "平安办二组", "管理办一组", "第三方机构"],
            "leader": [None, None, None, "张主任", None],
            "hazard_found": [1, 0, 1, 1, 0],
            "major_found": [0, 0, 1, 0, 0],
            "n_hazards": [1, 0, 2, 1, 0],
        }
    )
    hazards = pd.DataFrame(
        {
            "hazard_id": ["YH-2024-03-0001", "YH-2024-04-0001", "YH-2024-04-0002", "YH-2024-05-0001"],
            "inspection_id": ["I0000001", "I0000003", "I0000003", "I0000004"],
            "site_id": ["S000001", "S000002", "S000002", "S000004"],
            "found_date": pd.to_datetime(["2024-03-01", "2024-04-02", "2024-04-02", "2024-05-20"]),
            "level": ["一般", "重大", "一般", "一般"],
            "hazard_type": ["消防", "其他", "用电", "建筑施工"],
            "part": ["疏散通道", "隔断间/厨房", "居室", "临边洞口"],
            "description": ["疏散通道堆放杂物", "违规分隔搭建", "私拉电线", "临边洞口未设防护"],
            "responsible_unit": ["真如某仓库", "二房东", "二房东", "某建设公司"],
            "responsible_person": ["王某", "李某", "李某", "赵某"],
            "measures": ["清理杂物", "拆除隔断，恢复原状", "拆除私拉电线", "设置防护栏杆"],
            "deadline": pd.to_datetime(["2024-03-08", "2024-05-02", "2024-04-09", "2024-05-27"]),
            "status": ["已销号", "整改中", "待复查", "待整改"],
            "supervised": [False, True, False, False],
            "rectified_date": pd.to_datetime(["2024-03-05", None, "2024-04-08", None]),
            "reinspection_date": pd.to_datetime(["2024-03-10", None, None, None]),
            "reinspection_result": ["合格", None, None, None],
            "closed_date": pd.to_datetime(["2024-03-10", None, None, None]),
        }
    )
    assets = pd.DataFrame(
        {
            "asset_id": ["A0001", "A0002"],
            "kind": ["微型消防站", "充电端口"],
            "name": ["南大街微型消防站", "兰溪路充电点"],
            "lon": [121.3960, 121.3970],
            "lat": [31.2525, 31.2530],
            "committee": ["南大街", "南大街"],
            "capacity": [6.0, 20.0],
            "built_date": pd.to_datetime(["2020-05-01", None]),
            "approximate": [True, False],
        }
    )
    return {"sites": sites, "inspections": inspections, "hazards": hazards, "assets": assets}
