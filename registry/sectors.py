"""Sector table of the 真如镇街道 work plan (data, not logic).

Every supervised site belongs to one *sector* (``sites.category``) and optionally one of the
sector's subcategories (``sites.subcategory``). The table below is the single place that says,
per sector, which department supervises it by default, what share of its units is usually on the
重点检查名单 (4 inspections/year instead of 2), how long an on-site inspection takes, whether the
sector is a 危险源 for the map's hazard-source layer, which map layer group and marker it uses, and
which typical hazards (type / 部位 / 描述 / 整改措施) are found there. The sample generator draws
its ledger phrases from :attr:`Sector.hazards`; the risk model, the route planner and the map read
the other columns.

The numbers are configurable defaults of the plan (docs/DOMAIN.md tags them [U]); change them here,
never in the callers.

Examples
--------
>>> from registry.sectors import SECTORS, is_hazard_source, sector_of
>>> SECTORS["建筑施工"].department
'社区管理办'
>>> SECTORS["建筑施工"].service_minutes_for("限额以上")
90
>>> sector_of("dangerous_chemicals").name_zh
'危化品'
>>> is_hazard_source("特种设备", "锅炉"), is_hazard_source("特种设备", "叉车")
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "DEPARTMENTS",
    "LAYER_GROUPS",
    "SECTORS",
    "SECTOR_BY_CODE",
    "HazardTemplate",
    "Sector",
    "is_hazard_source",
    "sector_of",
    "service_minutes",
]

#: Departments of the 街道 that own an inspection (``sites.department``).
DEPARTMENTS: tuple[str, ...] = (
    "社区平安办",
    "社区管理办",
    "社区服务办",
    "城运中心",
    "真如市场监管所",
    "居委会",
)

#: Map layer groups (Chinese label, in legend order).
LAYER_GROUPS: tuple[str, ...] = (
    "生产仓储",
    "居住安全",
    "电动自行车",
    "建设施工",
    "危险源",
    "人员密集",
    "公共服务",
    "地下及高层",
)


@dataclass(frozen=True)
class HazardTemplate:
    """One typical hazard of a sector, as written in a ledger (三清楚: 部位 / 描述 / 措施).

    Parameters
    ----------
    hazard_type : str
        One of :data:`registry.enums.HAZARD_TYPES` (消防 / 用电 / 燃气 / ...).
    part : str
        风险点/部位 (清楚1), e.g. ``"隔断间/厨房"``.
    description : str
        Short description of the defect, e.g. ``"违规分隔搭建"``.
    measure : str
        整改措施 (清楚3), e.g. ``"拆除隔断，恢复原状"``.
    can_be_major : bool
        Whether this defect is, in its serious form, typically judged 重大隐患
        (GB 35181 / 应急部令10号 / sector rulebooks).
    """

    hazard_type: str
    part: str
    description: str
    measure: str
    can_be_major: bool = False


@dataclass(frozen=True)
class Sector:
    """One sector of the work plan.

    Attributes
    ----------
    name_zh : str
        Chinese name; the value stored in ``sites.category``.
    code : str
        ASCII slug (stable identifier for URLs, files, CSS classes).
    name_en : str
        English name.
    subcategories : tuple of str
        Allowed ``sites.subcategory`` values (first = default).
    department : str
        Default supervising department, one of :data:`DEPARTMENTS`.
    key_list_share : float
        Typical share (0-1) of the sector's units on the 重点检查名单.
    service_minutes : int
        Default on-site inspection time in minutes (route planning).
    subcategory_minutes : Mapping[str, int]
        Overrides of ``service_minutes`` per subcategory.
    hazard_source : bool
        The whole sector is a 危险源 (hazard-source map layer).
    hazard_source_subcategories : tuple of str
        Subcategories that are 危险源 even when the sector is not (特种设备 → 锅炉).
    layer_group : str
        Map layer group, one of :data:`LAYER_GROUPS`.
    icon : str
        Font Awesome 4 icon name for folium markers.
    short_label : str
        One-character label for compact markers and legends.
    color : str
        Marker colour (hex) of the sector, distinct from the risk-level colours.
    hazards : tuple of HazardTemplate
        Typical hazards of the sector.
    """

    name_zh: str
    code: str
    name_en: str
    subcategories: tuple[str, ...]
    department: str
    key_list_share: float
    service_minutes: int
    layer_group: str
    icon: str
    short_label: str
    color: str
    hazards: tuple[HazardTemplate, ...]
    subcategory_minutes: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    hazard_source: bool = False
    hazard_source_subcategories: tuple[str, ...] = ()

    def service_minutes_for(self, subcategory: str | None = None) -> int:
        """Inspection time in minutes for a subcategory (sector default when unknown/empty)."""
        if subcategory:
            return int(self.subcategory_minutes.get(subcategory, self.service_minutes))
        return int(self.service_minutes)

    def is_hazard_source(self, subcategory: str | None = None) -> bool:
        """Whether a unit of this sector/subcategory belongs on the 危险源 layer."""
        return self.hazard_source or (subcategory in self.hazard_source_subcategories)

    @property
    def hazard_types(self) -> tuple[str, ...]:
        """Distinct hazard types of the templates, in table order."""
        return tuple(dict.fromkeys(h.hazard_type for h in self.hazards))

    @property
    def parts(self) -> tuple[str, ...]:
        """Distinct 部位 phrases of the templates."""
        return tuple(dict.fromkeys(h.part for h in self.hazards))

    @property
    def measures(self) -> tuple[str, ...]:
        """Distinct 整改措施 phrases of the templates."""
        return tuple(dict.fromkeys(h.measure for h in self.hazards))


def _h(hazard_type: str, part: str, description: str, measure: str, major: bool = False):
    return HazardTemplate(hazard_type, part, description, measure, major)


def _m(**kw: int) -> Mapping[str, int]:
    return MappingProxyType(dict(kw))


# Hazards shared by many sectors (fire safety basics).
_FIRE_COMMON = (
    _h("消防", "疏散通道", "疏散通道堆放杂物", "清理杂物，保持畅通"),
    # Not 重大 by itself: unlocking or clearing an exit is fixed on the spot (GB 35181 总则: 可以立即
    # 整改的不判定为重大); GB 35181 6.4 concerns too few exits or < 80 % of the required width.
    _h("消防", "安全出口", "安全出口上锁或封堵", "拆除封堵，确保安全出口畅通"),
    _h("消防", "灭火器", "灭火器过期或压力不足", "更换或重新充装灭火器"),
    _h("消防", "应急照明", "应急照明、疏散指示损坏", "维修更换应急照明和疏散指示标志"),
    _h("用电", "配电箱", "私拉乱接电线", "拆除私拉电线，由电工规范敷设"),
)

_SECTOR_ROWS: tuple[Sector, ...] = (
    Sector(
        name_zh="厂房仓库",
        code="factory_warehouse",
        name_en="Factories and warehouses",
        subcategories=("厂房", "仓库"),
        department="社区平安办",
        key_list_share=0.3,
        service_minutes=45,
        layer_group="生产仓储",
        icon="industry",
        short_label="厂",
        color="#8B4513",
        hazards=(
            *_FIRE_COMMON,
            _h("消防", "库房", "员工宿舍设在厂房或库房内", "撤除库房内住宿，另行安置员工", True),
            _h("消防", "防火分隔", "防火卷帘、防火门损坏", "修复防火卷帘和防火门"),
            _h("其他", "承租单位", "出租厂房未签订安全管理协议", "签订安全管理协议，明确安全责任"),
            _h("用电", "生产车间", "电气线路老化、未穿管保护", "更换老化线路并穿管保护"),
            _h("其他", "有限空间", "有限空间作业无审批、无警示", "落实作业审批，设置警示标志"),
        ),
    ),
    Sector(
        name_zh="地下空间",
        code="underground_space",
        name_en="Underground spaces",
        subcategories=("地下车库", "地下商铺", "人防工程"),
        department="社区平安办",
        key_list_share=0.4,
        service_minutes=30,
        layer_group="地下及高层",
        icon="level-down",
        short_label="地",
        color="#4B0082",
        hazards=(
            *_FIRE_COMMON,
            _h("消防", "地下室", "地下空间违规住人", "清退住人，恢复原使用功能", True),
            _h("其他", "出入口", "防汛挡水板、沙袋未配备", "配备挡水板和沙袋，落实防汛预案"),
            _h("消防", "排烟系统", "机械排烟设施不能正常运行", "维修排烟风机，恢复联动", True),
            _h("消防", "地下车库", "电动自行车在地下车库停放充电", "清理电动自行车，禁止在地下空间充电"),
        ),
    ),
    Sector(
        name_zh="三合一场所",
        code="three_in_one",
        name_en="Three-in-one premises (living + business/production/storage)",
        subcategories=("住宿与经营", "住宿与生产", "住宿与仓储"),
        department="社区平安办",
        key_list_share=0.6,
        service_minutes=25,
        layer_group="居住安全",
        icon="home",
        short_label="三",
        color="#C71585",
        hazards=(
            _h("消防", "阁楼/夹层", "住宿与经营场所未防火分隔", "拆除住宿或设置防火分隔", True),
            _h("消防", "店铺后间", "经营场所内违规住人", "清退住人，恢复原状"),
            _h("用电", "店铺", "使用大功率电器、插线板串接", "停用大功率电器，规范用电"),
            _h("燃气", "厨房", "液化气钢瓶与住宿混设", "移除液化气钢瓶，改用安全能源"),
            _h("消防", "门窗", "窗户设置防盗网影响逃生", "改造防盗网，预留逃生口"),
        ),
    ),
    Sector(
        name_zh="群租",
        code="group_rental",
        name_en="Overcrowded rentals",
        subcategories=("群租房", "集体宿舍"),
        department="居委会",
        key_list_share=0.5,
        service_minutes=20,
        layer_group="居住安全",
        icon="bed",
        short_label="租",
        color="#DB7093",
        hazards=(
            # Not 重大 by itself: a 群租 violation (《上海市居住房屋租赁管理办法》); a dwelling is no
            # 生产经营单位 of 16号令 and the partition alone is no GB 35181 direct element.
            _h("其他", "隔断间/厨房", "违规分隔搭建", "拆除隔断，恢复原状"),
            _h("其他", "卫生间/阳台", "厨房、卫生间、阳台住人", "清退住人，恢复原使用功能"),
            _h("用电", "居室", "私拉电线、床头充电", "拆除私拉电线，规范充电"),
            _h("消防", "楼道", "楼道停放电动自行车", "清理楼道电动自行车"),
            _h("其他", "居室", "人均居住面积低于5平方米", "减少居住人数，符合租赁规定"),
        ),
    ),
    Sector(
        name_zh="电动自行车",
        code="ebike",
        name_en="E-bike shops, garages and charging",
        subcategories=("销售维修", "集中停放车库", "集中充电场所"),
        department="社区平安办",
        key_list_share=0.5,
        service_minutes=20,
        subcategory_minutes=_m(集中停放车库=30, 集中充电场所=25),
        layer_group="电动自行车",
        icon="bicycle",
        short_label="电",
        color="#FF4500",
        hazards=(
            _h("消防", "维修区", "店内违规充电、电池堆放", "设置独立充电区，清理电池", True),
            _h("用电", "充电桩", "充电设施无过载保护", "加装过载和漏电保护装置"),
            _h("消防", "车库", "车库未设置自动喷水灭火设施", "加装自动喷水或简易喷淋", True),
            _h("消防", "车库", "车辆停放超过核定容量", "控制停放数量，疏导车辆"),
            _h("消防", "店铺", "改装电池、销售不合格产品", "停止改装，下架不合格产品"),
            _h("用电", "充电区", "飞线充电", "拆除飞线，引导至集中充电点"),
        ),
    ),
    Sector(
        name_zh="建筑施工",
        code="construction",
        name_en="Construction sites",
        subcategories=("限额以上", "限额以下", "综合修缮", "员工宿舍"),
        department="社区管理办",
        key_list_share=0.5,
        service_minutes=60,
        subcategory_minutes=_m(限额以上=90, 限额以下=40, 综合修缮=60),
        layer_group="建设施工",
        icon="wrench",
        short_label="建",
        color="#DAA520",
        hazards=(
            _h("建筑施工", "脚手架", "脚手架连墙件缺失", "补设连墙件，验收后使用", True),
            _h("建筑施工", "临边洞口", "临边洞口未设防护", "设置防护栏杆和盖板"),
            _h("消防", "动火作业点", "动火作业无审批、无监护", "办理动火审批，专人监护", True),
            _h("用电", "临时用电", "临时用电未实行三级配电两级保护", "整改配电系统，加装漏电保护"),
            _h("建筑施工", "塔吊", "起重机械未按规定检测", "停止使用，检测合格后再投用", True),
            _h("其他", "作业人员", "高处作业未系安全带", "教育并督促正确佩戴安全带"),
        ),
    ),
    Sector(
        name_zh="危化品",
        code="dangerous_chemicals",
        name_en="Hazardous chemicals",
        subcategories=("使用单位", "储存经营"),
        department="社区平安办",
        key_list_share=1.0,
        service_minutes=60,
        hazard_source=True,
        layer_group="危险源",
        icon="flask",
        short_label="危",
        color="#800000",
        hazards=(
            _h("危化", "储存间", "危化品超量储存", "清理超量危化品，按规定限量存放", True),
            _h("危化", "储存间", "禁忌物品混存", "分类分区存放，设置隔离", True),
            _h("危化", "台账", "危化品出入库台账不全", "建立并完善出入库台账"),
            _h("危化", "储存间", "未设置泄漏应急处置器材", "配备吸附、收集等应急器材"),
            _h("用电", "储存间", "未使用防爆电气", "更换防爆型电气设备", True),
        ),
    ),
    Sector(
        name_zh="加油站",
        code="fuel_station",
        name_en="Fuel stations",
        subcategories=("加油站", "加油加气站"),
        department="社区平安办",
        key_list_share=1.0,
        service_minutes=45,
        hazard_source=True,
        layer_group="危险源",
        icon="tint",
        short_label="油",
        color="#A52A2A",
        hazards=(
            _h("危化", "卸油区", "卸油作业未接静电接地", "规范静电接地，落实卸油操作规程", True),
            _h("危化", "加油区", "加油机周边使用明火或手机", "设置警示标志，加强现场管控"),
            _h("消防", "站房", "灭火毯、灭火器配置不足", "按标准补足消防器材"),
            _h("危化", "油罐区", "油气回收装置故障", "维修油气回收装置并检测"),
        ),
    ),
    Sector(
        name_zh="特种设备",
        code="special_equipment",
        name_en="Special equipment",
        subcategories=("老旧电梯(15年以上)", "锅炉", "起重机械", "叉车"),
        department="真如市场监管所",
        key_list_share=0.3,
        service_minutes=30,
        subcategory_minutes=_m(锅炉=45, 起重机械=45, 叉车=20),
        hazard_source_subcategories=("锅炉",),
        layer_group="危险源",
        icon="cogs",
        short_label="特",
        color="#2F4F4F",
        hazards=(
            _h("特种设备", "电梯", "电梯超期未检验", "立即停用，检验合格后使用", True),
            _h("特种设备", "电梯", "电梯维保记录缺失", "督促维保单位补全维保记录"),
            _h("特种设备", "锅炉房", "锅炉安全附件未校验", "校验安全阀、压力表", True),
            _h("特种设备", "锅炉房", "司炉人员无证上岗", "持证上岗，停止无证操作"),
            _h("特种设备", "起重机械", "限位装置失效", "修复限位装置，检测合格后使用", True),
            _h("特种设备", "叉车", "叉车未办理使用登记", "办理使用登记，定期检验"),
        ),
    ),
    Sector(
        name_zh="养老机构",
        code="elderly_care",
        name_en="Elderly-care homes",
        subcategories=("养老院", "长者照护之家", "日间照料中心"),
        department="社区服务办",
        key_list_share=1.0,
        service_minutes=45,
        layer_group="公共服务",
        icon="heart",
        short_label="老",
        color="#228B22",
        hazards=(
            *_FIRE_COMMON,
            _h("消防", "居室", "老人居室使用电热毯、取暖器", "停用违规电器，统一安全供暖"),
            _h("消防", "消防控制室", "消防控制室无人值守", "落实24小时双人值班", True),
            _h("燃气", "厨房", "燃气报警装置缺失", "安装可燃气体报警和切断装置"),
            _h("其他", "护理区", "夜间值班人员不足", "增配夜间值班护理人员"),
        ),
    ),
    Sector(
        name_zh="学校幼儿园",
        code="school",
        name_en="Schools and kindergartens",
        subcategories=("学校", "幼儿园"),
        department="社区服务办",
        key_list_share=0.8,
        service_minutes=60,
        subcategory_minutes=_m(幼儿园=40),
        layer_group="公共服务",
        icon="graduation-cap",
        short_label="学",
        color="#1E8449",
        hazards=(
            *_FIRE_COMMON,
            _h("其他", "校门", "校园周边护栏缺失", "补设隔离护栏"),
            _h("燃气", "食堂", "食堂燃气管道老化", "更换燃气管道，安装报警器"),
            _h("消防", "实验室", "实验室化学品未双人双锁管理", "落实双人双锁制度", True),
            _h("其他", "活动场地", "大型玩具、体育器材松动", "维修加固器材"),
        ),
    ),
    Sector(
        name_zh="医疗机构",
        code="medical",
        name_en="Medical facilities",
        subcategories=("医院", "社区卫生服务中心", "诊所"),
        department="社区服务办",
        key_list_share=0.6,
        service_minutes=60,
        subcategory_minutes=_m(诊所=25),
        layer_group="公共服务",
        icon="plus-square",
        short_label="医",
        color="#2E8B57",
        hazards=(
            *_FIRE_COMMON,
            _h("危化", "医用气体", "氧气瓶未固定、与油脂混放", "固定气瓶，分区存放"),
            _h("消防", "病房", "病房违规使用电器", "清理违规电器"),
            _h("其他", "污物间", "医疗废物暂存不规范", "规范医疗废物暂存和交接"),
        ),
    ),
    Sector(
        name_zh="宾馆公寓",
        code="hotel_apartment",
        name_en="Hotels and serviced apartments",
        subcategories=("宾馆", "白领公寓"),
        department="社区平安办",
        key_list_share=0.4,
        service_minutes=35,
        subcategory_minutes=_m(白领公寓=30),
        layer_group="人员密集",
        icon="building",
        short_label="宾",
        color="#6A5ACD",
        hazards=(
            *_FIRE_COMMON,
            _h("消防", "客房", "客房未配备逃生面罩、手电", "按要求配齐逃生器材"),
            _h("消防", "自动喷水系统", "自动喷水系统瘫痪", "修复喷淋系统，恢复正常运行", True),
            _h("消防", "公寓走道", "走道违规分隔增加房间", "拆除违规分隔", True),
        ),
    ),
    Sector(
        name_zh="快递外卖点",
        code="delivery_station",
        name_en="Parcel and food-delivery stations",
        subcategories=("快递网点", "外卖站点"),
        department="社区平安办",
        key_list_share=0.3,
        service_minutes=20,
        layer_group="电动自行车",
        icon="truck",
        short_label="递",
        color="#FF8C00",
        hazards=(
            _h("消防", "分拣区", "快件堆放堵塞疏散通道", "规范堆放，保持通道畅通"),
            _h("用电", "充电区", "电动自行车电池室内集中充电", "设置室外独立充电区", True),
            _h("消防", "站点", "站点内违规住人", "清退住人"),
            _h("用电", "站点", "插线板串接使用", "规范用电，拆除串接插线板"),
        ),
    ),
    Sector(
        name_zh="商贸市场",
        code="market",
        name_en="Markets",
        subcategories=("菜市场", "综合市场"),
        department="真如市场监管所",
        key_list_share=0.6,
        service_minutes=45,
        layer_group="人员密集",
        icon="shopping-basket",
        short_label="市",
        color="#B8860B",
        hazards=(
            *_FIRE_COMMON,
            _h("燃气", "熟食摊位", "液化气钢瓶无减压阀或软管老化", "更换减压阀和软管", True),
            _h("消防", "摊位", "摊位占用防火间距", "清理占道摊位"),
            _h("用电", "冷库", "冷库电线私拉乱接", "规范敷设冷库线路"),
        ),
    ),
    Sector(
        name_zh="园区企业",
        code="park_tenant",
        name_en="Tenants of technology parks",
        subcategories=("研发办公", "软件信息", "仓储物流", "小型加工"),
        department="社区平安办",
        key_list_share=0.15,
        service_minutes=30,
        subcategory_minutes=_m(仓储物流=40, 小型加工=40),
        layer_group="生产仓储",
        icon="briefcase",
        short_label="园",
        color="#5F9EA0",
        hazards=(
            *_FIRE_COMMON,
            _h("其他", "承租单位", "园区未与承租企业签订安全协议", "签订安全管理协议"),
            _h("消防", "办公区", "办公区吊顶内线路未穿管", "线路穿管保护"),
            _h("用电", "机房", "UPS电池间无通风和温控", "加装通风和温控装置"),
        ),
    ),
    Sector(
        name_zh="人员密集场所",
        code="crowded_place",
        name_en="Crowded public places",
        subcategories=("商场", "餐饮", "公共娱乐", "宗教场所"),
        department="社区平安办",
        key_list_share=0.4,
        service_minutes=30,
        subcategory_minutes=_m(商场=60, 餐饮=20, 公共娱乐=30, 宗教场所=30),
        layer_group="人员密集",
        icon="users",
        short_label="众",
        color="#9932CC",
        hazards=(
            *_FIRE_COMMON,
            _h("燃气", "后厨", "燃气泄漏报警装置缺失或失效", "安装并维护燃气报警切断装置", True),
            _h("消防", "后厨", "排油烟管道未定期清洗", "清洗排油烟管道并留存记录"),
            _h("消防", "营业区", "易燃可燃材料装修", "更换为不燃或难燃材料", True),
            _h("消防", "香炉/烛台", "焚香点烛无专人看管", "设置专人看管，远离可燃物"),
        ),
    ),
    Sector(
        name_zh="高层建筑",
        code="high_rise",
        name_en="High-rise buildings",
        subcategories=("高层住宅", "高层公共建筑"),
        department="城运中心",
        key_list_share=0.5,
        service_minutes=45,
        layer_group="地下及高层",
        icon="building-o",
        short_label="高",
        color="#191970",
        hazards=(
            _h("消防", "消防车通道", "消防车通道被占用", "清理占用车辆，划线标识"),
            _h("消防", "室内消火栓", "消火栓无水或压力不足", "维修消防给水系统", True),
            _h("消防", "防火门", "常闭式防火门处于常开状态", "恢复防火门常闭"),
            _h("消防", "楼道", "电动自行车上楼入户充电", "劝离电动自行车，引导集中充电"),
            _h("其他", "外墙", "外墙饰面、空调外机松动", "排查加固，消除高空坠物隐患"),
        ),
    ),
    Sector(
        name_zh="文物古建筑",
        code="heritage",
        name_en="Heritage and historic buildings",
        subcategories=("文物保护单位", "历史建筑"),
        department="社区服务办",
        key_list_share=0.6,
        service_minutes=30,
        layer_group="公共服务",
        icon="university",
        short_label="文",
        color="#8B0000",
        hazards=(
            _h("消防", "殿堂", "木结构建筑内使用明火", "严控明火，设置专人看护", True),
            _h("用电", "殿堂", "电气线路直接敷设在木构件上", "线路穿金属管保护"),
            _h("消防", "院落", "消防水源不足", "增设消防水池或消火栓"),
            _h("其他", "避雷设施", "防雷设施未检测", "委托检测防雷设施"),
        ),
    ),
)

#: Sector name (``sites.category``) → :class:`Sector`, in plan order.
SECTORS: Mapping[str, Sector] = MappingProxyType({s.name_zh: s for s in _SECTOR_ROWS})

#: ASCII code → :class:`Sector`.
SECTOR_BY_CODE: Mapping[str, Sector] = MappingProxyType({s.code: s for s in _SECTOR_ROWS})


def sector_of(name_or_code: str) -> Sector:
    """Look a sector up by Chinese name or ASCII code.

    Raises
    ------
    KeyError
        With a Chinese message when the sector is unknown.

    Examples
    --------
    >>> sector_of("群租").code
    'group_rental'
    """
    if name_or_code in SECTORS:
        return SECTORS[name_or_code]
    if name_or_code in SECTOR_BY_CODE:
        return SECTOR_BY_CODE[name_or_code]
    raise KeyError(f"未知行业类别: {name_or_code!r}")


def service_minutes(category: str, subcategory: str | None = None) -> int:
    """On-site inspection time (minutes) of a unit; unknown category → KeyError.

    Examples
    --------
    >>> service_minutes("人员密集场所", "餐饮")
    20
    """
    return sector_of(category).service_minutes_for(subcategory)


def is_hazard_source(category: str, subcategory: str | None = None) -> bool:
    """Whether a unit belongs on the 危险源 layer (危化品, 加油站, 锅炉 ...).

    Examples
    --------
    >>> is_hazard_source("加油站")
    True
    """
    return sector_of(category).is_hazard_source(subcategory)


def _require(ok: bool, what: object) -> None:
    if not ok:
        raise ValueError(f"inconsistent sector table row: {what!r}")


def _check_table() -> None:
    """Fail at import when the table contradicts itself (cheap, runs once)."""
    from registry.enums import HAZARD_TYPES

    for s in _SECTOR_ROWS:
        _require(s.department in DEPARTMENTS, s)
        _require(s.layer_group in LAYER_GROUPS, s)
        _require(0.0 <= s.key_list_share <= 1.0, s)
        _require(bool(s.subcategories), s)
        _require(set(s.subcategory_minutes) <= set(s.subcategories), s)
        _require(set(s.hazard_source_subcategories) <= set(s.subcategories), s)
        _require(all(h.hazard_type in HAZARD_TYPES for h in s.hazards), s)
        _require(s.code.isascii() and s.code.isidentifier(), s)
    _require(len(SECTOR_BY_CODE) == len(SECTORS) == len(_SECTOR_ROWS), "duplicate sector")


_check_table()
