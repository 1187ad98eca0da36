"""Per-sector generation parameters of the sample (mix, attributes, hidden risk).

The sector *definitions* (names, subcategories, departments, hazard phrases) live in
:mod:`registry.sectors`; this module only adds what the generator needs to invent a plausible
registry and a plausible hidden risk process. Every number here is documented in
``docs/SAMPLE_DATA.md``.

Examples
--------
>>> from synthdata.profiles import PROFILES
>>> PROFILES["群租"].base_rate > PROFILES["学校幼儿园"].base_rate
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Profile:
    """Generation parameters of one sector.

    Attributes
    ----------
    weight : float
        Relative share of the sector among the generic (non-OSM, non-park, non-construction)
        synthetic sites.
    subcategories : Mapping[str, float]
        Subcategory → relative weight (must be subcategories of the registry sector).
    key_share : float
        Probability of being on the 重点检查名单 (before the risk tilt, see docs).
    uscc_share : float
        Share of units that are companies with a 统一社会信用代码 (rest: 个体户 / 群租 / none).
    base_rate : float
        Expected hazards per inspection at baseline (attribute multipliers = 1,
        management quality = 1).
    major_share : float
        Probability that a found hazard is 重大 at management quality 1.
    placement : tuple of float
        Weights of the placement modes (road, estate cluster, residential polygon, uniform).
    seasons : frozenset of str
        Seasonal peaks that apply: ``winter`` (冬春防火 Nov–Apr), ``flood`` (汛期 Jun–Sep),
        ``heat`` (高温 Jul–Aug).
    crowded : bool
        人员密集 or 大客流 exposure: target of 节前 and 领导带队 checks, pre-holiday uplift.
    attrs : Mapping[str, tuple]
        Attribute generators, see :func:`synthdata.sites.draw_attributes`.
    """

    weight: float
    subcategories: Mapping[str, float]
    key_share: float
    uscc_share: float
    base_rate: float
    major_share: float
    placement: tuple[float, float, float, float]
    seasons: frozenset[str] = frozenset()
    crowded: bool = False
    attrs: Mapping[str, tuple] = field(default_factory=lambda: MappingProxyType({}))


def _p(**kw) -> Profile:
    kw["subcategories"] = MappingProxyType(dict(kw["subcategories"]))
    kw["attrs"] = MappingProxyType(dict(kw.get("attrs", {})))
    kw["seasons"] = frozenset(kw.get("seasons", ()))
    return Profile(**kw)


# Attribute generator tuples:
#   ("logn", median, sigma)          lognormal, rounded
#   ("int", low, high)               uniform integer [low, high]
#   ("pois", mean)                   Poisson
#   ("bern", p)                      bool
#   ("year", low, high)              building year uniform integer
#   ("zip", p_nonzero, low, high)    0 with prob 1-p else uniform integer
PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        "厂房仓库": _p(
            weight=0.075,
            subcategories={"厂房": 0.55, "仓库": 0.45},
            key_share=0.22,
            uscc_share=0.97,
            base_rate=0.204,
            major_share=0.08,
            placement=(0.35, 0.25, 0.0, 0.40),
            seasons={"heat"},
            attrs={
                "floor_area_m2": ("logn", 1800, 0.8),
                "occupants": ("logn", 25, 0.8),
                "storeys": ("int", 1, 4),
                "building_year": ("year", 1975, 2012),
                "ebike_capacity": ("zip", 0.3, 5, 30),
                "elevators": ("zip", 0.3, 1, 2),
                "cranes": ("zip", 0.15, 1, 3),
                "forklifts": ("zip", 0.45, 1, 6),
                "hazchem_t": ("zipf", 0.1, 0.05, 0.8),
            },
        ),
        "地下空间": _p(
            weight=0.045,
            subcategories={"地下车库": 0.6, "地下商铺": 0.25, "人防工程": 0.15},
            key_share=0.25,
            uscc_share=0.6,
            base_rate=0.18,
            major_share=0.07,
            placement=(0.2, 0.5, 0.2, 0.1),
            seasons={"flood"},
            attrs={
                "floor_area_m2": ("logn", 3000, 0.7),
                "occupants": ("logn", 20, 1.0),
                "building_year": ("year", 1985, 2018),
                "ebike_capacity": ("zip", 0.35, 10, 120),
                "underground": ("bern", 1.0),
            },
        ),
        "三合一场所": _p(
            weight=0.065,
            subcategories={"住宿与经营": 0.6, "住宿与生产": 0.25, "住宿与仓储": 0.15},
            key_share=0.3,
            uscc_share=0.0,
            base_rate=0.33,
            major_share=0.14,
            placement=(0.45, 0.35, 0.15, 0.05),
            seasons={"winter"},
            attrs={
                "floor_area_m2": ("logn", 90, 0.5),
                "occupants": ("logn", 5, 0.5),
                "storeys": ("int", 1, 3),
                "building_year": ("year", 1965, 2000),
                "ebike_capacity": ("int", 0, 4),
            },
        ),
        "群租": _p(
            weight=0.12,
            subcategories={"群租房": 0.85, "集体宿舍": 0.15},
            key_share=0.18,
            uscc_share=0.0,
            base_rate=0.276,
            major_share=0.12,
            placement=(0.1, 0.5, 0.4, 0.0),
            seasons={"winter"},
            attrs={
                "floor_area_m2": ("logn", 70, 0.4),
                "occupants": ("logn", 9, 0.4),
                "storeys": ("int", 5, 7),
                "building_year": ("year", 1955, 1998),
                "ebike_capacity": ("int", 0, 6),
            },
        ),
        "电动自行车": _p(
            weight=0.075,
            subcategories={"销售维修": 0.45, "集中停放车库": 0.3, "集中充电场所": 0.25},
            key_share=0.2,
            uscc_share=0.4,
            base_rate=0.264,
            major_share=0.1,
            placement=(0.45, 0.35, 0.2, 0.0),
            seasons={"winter", "heat"},
            attrs={
                "floor_area_m2": ("logn", 120, 0.6),
                "occupants": ("logn", 3, 0.5),
                "building_year": ("year", 1975, 2020),
                "ebike_capacity": ("logn", 40, 0.7),
            },
        ),
        "建筑施工": _p(
            weight=0.0,  # fixed count, see synthdata.sites.N_CONSTRUCTION
            subcategories={"限额以上": 0.4, "限额以下": 0.33, "综合修缮": 0.27},
            key_share=0.55,
            uscc_share=1.0,
            base_rate=0.312,
            major_share=0.16,
            placement=(0.3, 0.35, 0.15, 0.2),
            seasons={"flood", "heat"},
            attrs={
                "floor_area_m2": ("logn", 6000, 1.1),
                "occupants": ("logn", 40, 0.8),
                "storeys": ("int", 2, 28),
                "cranes": ("zip", 0.5, 1, 3),
            },
        ),
        "危化品": _p(
            weight=0.0,  # fixed count
            subcategories={"使用单位": 0.6, "储存经营": 0.4},
            key_share=1.0,
            uscc_share=1.0,
            base_rate=0.216,
            major_share=0.2,
            placement=(0.3, 0.2, 0.0, 0.5),
            seasons={"heat"},
            attrs={
                "floor_area_m2": ("logn", 900, 0.6),
                "occupants": ("logn", 15, 0.6),
                "storeys": ("int", 1, 3),
                "building_year": ("year", 1980, 2010),
                "forklifts": ("zip", 0.5, 1, 3),
                "hazchem_t": ("logn", 3.0, 0.9),
            },
        ),
        "加油站": _p(
            weight=0.0,  # only the real OSM stations
            subcategories={"加油站": 1.0},
            key_share=1.0,
            uscc_share=1.0,
            base_rate=0.132,
            major_share=0.15,
            placement=(1.0, 0.0, 0.0, 0.0),
            seasons={"heat"},
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 1500, 0.3),
                "occupants": ("int", 6, 15),
                "building_year": ("year", 1995, 2015),
                "hazchem_t": ("logn", 60.0, 0.3),
                "underground": ("bern", 1.0),
            },
        ),
        "特种设备": _p(
            weight=0.06,
            subcategories={"老旧电梯(15年以上)": 0.6, "锅炉": 0.1, "起重机械": 0.12, "叉车": 0.18},
            key_share=0.15,
            uscc_share=0.9,
            base_rate=0.156,
            major_share=0.09,
            placement=(0.25, 0.45, 0.2, 0.1),
            attrs={
                "floor_area_m2": ("logn", 5000, 0.8),
                "storeys": ("int", 6, 24),
                "building_year": ("year", 1985, 2010),
                "elevators": ("int", 1, 8),
                "boilers": ("zip", 0.12, 1, 2),
                "cranes": ("zip", 0.12, 1, 2),
                "forklifts": ("zip", 0.2, 1, 5),
            },
        ),
        "养老机构": _p(
            weight=0.009,
            subcategories={"养老院": 0.45, "长者照护之家": 0.35, "日间照料中心": 0.2},
            key_share=0.9,
            uscc_share=0.9,
            base_rate=0.144,
            major_share=0.1,
            placement=(0.2, 0.5, 0.3, 0.0),
            seasons={"winter"},
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 1500, 0.6),
                "occupants": ("logn", 60, 0.6),
                "beds": ("logn", 50, 0.6),
                "storeys": ("int", 2, 8),
                "building_year": ("year", 1975, 2015),
                "elevators": ("int", 0, 3),
            },
        ),
        "学校幼儿园": _p(
            weight=0.006,
            subcategories={"学校": 0.4, "幼儿园": 0.6},
            key_share=0.7,
            uscc_share=1.0,
            base_rate=0.078,
            major_share=0.05,
            placement=(0.2, 0.5, 0.3, 0.0),
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 4000, 0.6),
                "occupants": ("logn", 400, 0.7),
                "pupils": ("logn", 350, 0.7),
                "storeys": ("int", 2, 5),
                "building_year": ("year", 1960, 2015),
                "elevators": ("int", 0, 2),
            },
        ),
        "医疗机构": _p(
            weight=0.014,
            subcategories={"医院": 0.05, "社区卫生服务中心": 0.05, "诊所": 0.9},
            key_share=0.35,
            uscc_share=0.95,
            base_rate=0.096,
            major_share=0.06,
            placement=(0.5, 0.4, 0.1, 0.0),
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 300, 0.9),
                "occupants": ("logn", 30, 0.9),
                "beds": ("zip", 0.15, 5, 60),
                "storeys": ("int", 1, 6),
                "building_year": ("year", 1970, 2018),
                "elevators": ("int", 0, 2),
            },
        ),
        "宾馆公寓": _p(
            weight=0.022,
            subcategories={"宾馆": 0.55, "白领公寓": 0.45},
            key_share=0.3,
            uscc_share=0.95,
            base_rate=0.15,
            major_share=0.08,
            placement=(0.6, 0.3, 0.1, 0.0),
            seasons={"winter"},
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 2500, 0.7),
                "occupants": ("logn", 80, 0.7),
                "beds": ("logn", 70, 0.7),
                "storeys": ("int", 3, 18),
                "building_year": ("year", 1980, 2016),
                "ebike_capacity": ("zip", 0.4, 5, 60),
                "elevators": ("int", 1, 4),
            },
        ),
        "快递外卖点": _p(
            weight=0.05,
            subcategories={"快递网点": 0.6, "外卖站点": 0.4},
            key_share=0.12,
            uscc_share=0.7,
            base_rate=0.216,
            major_share=0.07,
            placement=(0.55, 0.35, 0.1, 0.0),
            seasons={"winter", "heat"},
            attrs={
                "floor_area_m2": ("logn", 100, 0.5),
                "occupants": ("logn", 8, 0.6),
                "building_year": ("year", 1980, 2015),
                "ebike_capacity": ("logn", 15, 0.6),
            },
        ),
        "商贸市场": _p(
            weight=0.005,
            subcategories={"菜市场": 0.6, "综合市场": 0.4},
            key_share=0.5,
            uscc_share=1.0,
            base_rate=0.204,
            major_share=0.09,
            placement=(0.6, 0.4, 0.0, 0.0),
            seasons={"winter"},
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 2000, 0.5),
                "occupants": ("logn", 120, 0.6),
                "storeys": ("int", 1, 3),
                "building_year": ("year", 1985, 2012),
                "ebike_capacity": ("zip", 0.6, 10, 60),
            },
        ),
        "园区企业": _p(
            weight=0.0,  # only park tenants
            subcategories={"研发办公": 0.5, "软件信息": 0.25, "仓储物流": 0.15, "小型加工": 0.1},
            key_share=0.1,
            uscc_share=1.0,
            base_rate=0.09,
            major_share=0.05,
            placement=(0.0, 1.0, 0.0, 0.0),
            attrs={
                "floor_area_m2": ("logn", 400, 0.8),
                "occupants": ("logn", 25, 0.8),
                "storeys": ("int", 3, 12),
                "building_year": ("year", 1995, 2015),
                "ebike_capacity": ("zip", 0.2, 5, 20),
                "forklifts": ("zip", 0.1, 1, 2),
            },
        ),
        "人员密集场所": _p(
            weight=0.175,
            subcategories={"商场": 0.04, "餐饮": 0.79, "公共娱乐": 0.17},
            key_share=0.1,
            uscc_share=0.75,
            base_rate=0.156,
            major_share=0.07,
            placement=(0.55, 0.3, 0.1, 0.05),
            seasons={"heat"},
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 250, 0.9),
                "occupants": ("logn", 60, 0.9),
                "storeys": ("int", 1, 4),
                "building_year": ("year", 1975, 2018),
                "ebike_capacity": ("zip", 0.1, 5, 20),
                "underground": ("bern", 0.05),
            },
        ),
        "高层建筑": _p(
            weight=0.07,
            subcategories={"高层住宅": 0.7, "高层公共建筑": 0.3},
            key_share=0.15,
            uscc_share=0.4,
            base_rate=0.15,
            major_share=0.07,
            placement=(0.35, 0.4, 0.25, 0.0),
            seasons={"winter"},
            attrs={
                "floor_area_m2": ("logn", 15000, 0.5),
                "occupants": ("logn", 400, 0.6),
                "storeys": ("int", 12, 33),
                "building_year": ("year", 1988, 2020),
                "ebike_capacity": ("logn", 30, 0.8),
                "elevators": ("int", 2, 8),
                "underground": ("bern", 0.6),
            },
        ),
        "文物古建筑": _p(
            weight=0.0,  # only 真如寺 (OSM)
            subcategories={"文物保护单位": 1.0},
            key_share=1.0,
            uscc_share=0.0,
            base_rate=0.132,
            major_share=0.12,
            placement=(1.0, 0.0, 0.0, 0.0),
            seasons={"winter"},
            crowded=True,
            attrs={
                "floor_area_m2": ("logn", 8000, 0.1),
                "occupants": ("logn", 300, 0.3),
                "storeys": ("int", 1, 2),
                "building_year": ("year", 1320, 1320),
            },
        ),
    }
)

#: Sectors targeted by seasonal peaks (used in addition to :attr:`Profile.seasons`).
SEASON_FACTORS: Mapping[str, float] = MappingProxyType({"winter": 1.45, "flood": 1.5, "heat": 1.3})
