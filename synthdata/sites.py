"""The sample registry (``sites`` table): real OSM places plus synthetic units.

Composition (default ``n_sites=3000``; see ``docs/SAMPLE_DATA.md``):

* real OSM places inside the boundary with their real names and positions (schools,
  kindergartens, hospitals, the two 中国石油 stations, markets, hotels, malls, restaurants,
  真如寺 as 文物古建筑/宗教场所, …) — ``source='osm'``, ``coord_quality='osm'``;
* 南石四路市场 at an approximate position (``approximate``);
* about 100 tenants of 铁三角科技园 (绥德路2弄, in Zhenru, approximate) and 天地软件园
  (中江路879号, 长征镇, outside the boundary);
* 30 construction sites (限额以上 / 限额以下 / 综合修缮) and 6 危化品 units;
* the rest drawn by sector weight (:mod:`synthdata.profiles`).

Fixed groups keep their size for ``n_sites <= 3000`` and scale with ``n_sites / 3000`` above.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from layers import coords, geodata, zones
from registry.sectors import SECTORS
from synthdata import naming
from synthdata.committee import committee_groups
from synthdata.placement import Placer
from synthdata.profiles import PROFILES

DEFAULT_N = 3000
#: Smallest registry the generator accepts (the fixed groups alone hold ~180 units).
MIN_SITES = 250
N_CONSTRUCTION: Mapping[str, int] = {"限额以上": 12, "限额以下": 10, "综合修缮": 8}
N_HAZCHEM = 6
PARK_TENANTS: Mapping[str, int] = {"铁三角科技园": 55, "天地软件园": 45}
#: Share of park tenants registered under their own sector rather than 园区企业.
_TENANT_OWN_SECTOR = (
    ("厂房仓库", "仓库", 0.06),
    ("快递外卖点", "快递网点", 0.03),
    ("人员密集场所", "餐饮", 0.04),
    ("特种设备", "叉车", 0.02),
)

NUMERIC_ATTRS: tuple[str, ...] = (
    "floor_area_m2",
    "occupants",
    "beds",
    "pupils",
    "storeys",
    "building_year",
    "ebike_capacity",
    "elevators",
    "elevators_15y",
    "boilers",
    "cranes",
    "forklifts",
)
SITE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "name",
    "uscc",
    "address",
    "lon",
    "lat",
    "coord_quality",
    "category",
    "subcategory",
    "industry",
    "park",
    "committee",
    "department",
    "key_list",
    "required_per_year",
    "outside_boundary",
    *NUMERIC_ATTRS,
    "underground",
    "hazchem_t",
    "source",
    "osm_id",
)

# OSM fclass -> (category, subcategory, industry)
_OSM_MAP: Mapping[str, tuple[str, str, str]] = {
    "school": ("学校幼儿园", "学校", "教育"),
    "kindergarten": ("学校幼儿园", "幼儿园", "教育"),
    "hospital": ("医疗机构", "医院", "卫生和社会工作"),
    "fuel": ("加油站", "加油站", "批发和零售业"),
    "market_place": ("商贸市场", "菜市场", "批发和零售业"),
    "hotel": ("宾馆公寓", "宾馆", "住宿和餐饮业"),
    "mall": ("人员密集场所", "商场", "批发和零售业"),
    "supermarket": ("人员密集场所", "商场", "批发和零售业"),
    "restaurant": ("人员密集场所", "餐饮", "住宿和餐饮业"),
    "sports_centre": ("人员密集场所", "公共娱乐", "文化、体育和娱乐业"),
    "library": ("人员密集场所", "公共娱乐", "文化、体育和娱乐业"),
    "attraction": ("文物古建筑", "文物保护单位", "宗教场所（文化、体育和娱乐业）"),
}

_INDUSTRY: Mapping[str, str] = {
    "厂房仓库": "制造业",
    "地下空间": "房地产业",
    "三合一场所": "批发和零售业",
    "群租": "房地产业",
    "电动自行车": "批发和零售业",
    "建筑施工": "建筑业",
    "危化品": "批发和零售业",
    "加油站": "批发和零售业",
    "特种设备": "房地产业",
    "养老机构": "卫生和社会工作",
    "学校幼儿园": "教育",
    "医疗机构": "卫生和社会工作",
    "宾馆公寓": "住宿和餐饮业",
    "快递外卖点": "交通运输、仓储和邮政业",
    "商贸市场": "批发和零售业",
    "园区企业": "信息传输、软件和信息技术服务业",
    "人员密集场所": "住宿和餐饮业",
    "高层建筑": "房地产业",
    "文物古建筑": "文化、体育和娱乐业",
}
_INDUSTRY_SUB: Mapping[str, str] = {
    "仓库": "交通运输、仓储和邮政业",
    "销售维修": "居民服务、修理和其他服务业",
    "使用单位": "制造业",
    "起重机械": "制造业",
    "锅炉": "居民服务、修理和其他服务业",
    "叉车": "交通运输、仓储和邮政业",
    "研发办公": "科学研究和技术服务业",
    "仓储物流": "交通运输、仓储和邮政业",
    "小型加工": "制造业",
    "商场": "批发和零售业",
    "公共娱乐": "文化、体育和娱乐业",
    "宗教场所": "公共管理、社会保障和社会组织",
}

# Map-data road names -> the street an address would use.
_ROAD_ALIAS: Mapping[str, str] = {
    "中环路": "真北路",
    "真北路": "真北路",
    "真南路": "真南路",
    "曹杨路": "曹杨路",
    "武宁路": "武宁路",
    "京沪高速": "曹安公路",
}

#: Approximate anchors (WGS-84) of places without a verified coordinate.
NANSHI_MARKET = {"name": "南石四路市场", "address": "上海市普陀区南石四路", "lon": 121.4010, "lat": 31.2500}
TIESANJIAO = {"address": "上海市普陀区绥德路2弄", "lon": 121.3803, "lat": 31.2646}
TIANDI_ADDRESS = "上海市普陀区中江路879号"


def tiandi_anchor() -> tuple[float, float]:
    """WGS-84 position of 天地软件园 (中江路879号, 长征镇), approximate.

    The only public point (``zhenru_named_places.csv``) comes from a form-test fixture
    with an unknown CRS. Chinese web forms geocode with AMap, so it is read as GCJ-02 and
    converted with :func:`layers.coords.gcj02_to_wgs84`.

    Examples
    --------
    >>> lon, lat = tiandi_anchor()
    >>> 121.38 < lon < 121.39 and lat < 31.2465  # south of the Zhenru boundary
    True
    """
    places = geodata.named_places()
    row = places[places["name"].str.startswith("天地软件园")].iloc[0]
    lon, lat = coords.gcj02_to_wgs84(float(row["lon"]), float(row["lat"]))
    return float(lon), float(lat)


def estate_name(committee_full: str) -> str:
    """Estate name used in addresses from a 居委 full name (``真光新村第二居委会`` → ``真光新村``).

    Examples
    --------
    >>> estate_name("曹杨八村第一居委会"), estate_name("海棠苑居委会")
    ('曹杨八村', '海棠苑')
    """
    name = committee_full.split("（")[0].removesuffix("居委会")
    if "第" in name:
        name = name[: name.index("第")]
    if name.startswith("待核实片区") or not name:
        return "真如"
    return name


def _alloc(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by weight (deterministic, exact sum)."""
    keys = [k for k, w in weights.items() if w > 0]
    w = np.array([weights[k] for k in keys], dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    rest = total - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return dict(zip(keys, base.tolist(), strict=True))


def _draw_sub(rng: np.random.Generator, category: str, n: int) -> np.ndarray:
    subs = PROFILES[category].subcategories
    keys = np.array(list(subs), dtype=object)
    p = np.array(list(subs.values()), dtype=float)
    return rng.choice(keys, n, p=p / p.sum())


def draw_attributes(
    rng: np.random.Generator, category: np.ndarray, subcategory: np.ndarray
) -> pd.DataFrame:
    """Risk attributes per site from the sector's generators (NaN where not applicable).

    Examples
    --------
    >>> import numpy as np
    >>> a = draw_attributes(np.random.default_rng(0), np.array(["群租"]), np.array(["群租房"]))
    >>> bool(a.loc[0, "occupants"] > 0), bool(np.isnan(a.loc[0, "pupils"]))
    (True, True)
    """
    n = len(category)
    out = {c: np.full(n, np.nan) for c in NUMERIC_ATTRS}
    out["hazchem_t"] = np.zeros(n)
    out["underground"] = np.zeros(n, dtype=bool)
    for cat in sorted(set(category.tolist())):
        idx = np.flatnonzero(category == cat)
        k = idx.size
        for attr, spec in PROFILES[cat].attrs.items():
            kind = spec[0]
            if kind == "logn":
                v = np.round(spec[1] * np.exp(rng.normal(0.0, spec[2], k)), 1)
                if attr != "hazchem_t":
                    v = np.maximum(np.round(v), 1.0)
            elif kind in ("int", "year"):
                v = rng.integers(spec[1], spec[2] + 1, k).astype(float)
            elif kind == "zip":
                v = np.where(rng.random(k) < spec[1], rng.integers(spec[2], spec[3] + 1, k), 0)
                v = v.astype(float)
            elif kind == "zipf":
                v = np.where(rng.random(k) < spec[1], rng.uniform(spec[2], spec[3], k), 0.0)
                v = np.round(v, 2)
            elif kind == "bern":
                v = rng.random(k) < spec[1]
            else:
                raise ValueError(f"未知属性生成器: {spec!r}")
            out[attr][idx] = v
    # a 特种设备 unit registers the equipment of its subcategory, at least one, and no other
    equipment = category == "特种设备"
    for sub, col in EQUIPMENT_OF.items():
        own = equipment & (subcategory == sub)
        for other in EQUIPMENT_OF.values():
            if other != col:
                out[other][own] = 0.0
        out[col][own] = np.maximum(np.nan_to_num(out[col][own]), 1.0)
    # elevators older than 15 years: most lifts of buildings from before 2011
    elev = np.nan_to_num(out["elevators"]).astype(np.int64)
    year = out["building_year"]
    p_old = np.where(np.nan_to_num(year, nan=2020) <= 2011, 0.7, 0.0)
    old = rng.binomial(elev, p_old)
    old_lift = subcategory == "老旧电梯(15年以上)"
    old = np.where(old_lift, np.maximum(elev, 1), old)
    out["elevators"] = np.where(old_lift, np.maximum(elev, 1), out["elevators"])
    out["elevators_15y"] = np.where(np.isnan(out["elevators"]), np.nan, old)
    return pd.DataFrame(out)


def _osm_sites(placer: Placer) -> pd.DataFrame:
    p = geodata.pois()
    inside = p["in_zhenru"].astype(str).str.lower().isin(["true", "1", "yes"])
    keep = p["fclass"].isin(list(_OSM_MAP)) & p["name"].notna()
    keep &= (p["fclass"] != "attraction") | (p["name"] == "真如寺")
    p = p[inside & keep].drop_duplicates("osm_id").sort_values("osm_id", kind="stable")
    ok = placer.valid(p["lon"].to_numpy(float), p["lat"].to_numpy(float), open_space=False)
    p = p[ok]
    cat = p["fclass"].map(lambda f: _OSM_MAP[f][0])
    sub = p["fclass"].map(lambda f: _OSM_MAP[f][1])
    sub = np.where(p["name"].str.contains("卫生服务中心"), "社区卫生服务中心", sub)
    sub = np.where(p["name"].str.contains("集市"), "综合市场", sub)
    return pd.DataFrame(
        {
            "name": p["name"].to_numpy(object),
            "lon": p["lon"].to_numpy(float),
            "lat": p["lat"].to_numpy(float),
            "category": cat.to_numpy(object),
            "subcategory": np.asarray(sub, dtype=object),
            "industry": p["fclass"].map(lambda f: _OSM_MAP[f][2]).to_numpy(object),
            "coord_quality": "osm",
            "source": "osm",
            "osm_id": p["osm_id"].astype(str).to_numpy(object),
            "road": None,
            "address": np.where(
                p["name"].eq("真如寺"), "上海市普陀区兰溪路399号", "上海市普陀区真如镇街道（门牌待核实）"
            ).astype(object),
        }
    )


def _frame(
    lon: np.ndarray, lat: np.ndarray, category, subcategory, road=None, **extra
) -> pd.DataFrame:
    n = len(lon)
    df = pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "category": np.broadcast_to(np.asarray(category, dtype=object), n).copy(),
            "subcategory": np.broadcast_to(np.asarray(subcategory, dtype=object), n).copy(),
            "coord_quality": "geocoded",
            "source": "synthetic",
            "osm_id": None,
            "road": road if road is not None else np.full(n, None, dtype=object),
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


def _scale(base: int, n_sites: int) -> int:
    return base if n_sites <= DEFAULT_N else round(base * n_sites / DEFAULT_N)


#: Name templates per (category, subcategory); ``None`` = any subcategory. Fields:
#: t 字号, e estate, r road, g goods, num, room, brand, take, shop, eat, fun, clinic.
_NAME_RULES: tuple[tuple[str, str | None, str], ...] = (
    ("群租", "群租房", "{e}{num}号{room}室"),
    ("群租", "集体宿舍", "{e}{num}号{room}室（集体宿舍）"),
    ("三合一场所", None, "{t}{shop}"),
    ("厂房仓库", "厂房", "上海{t}{g}有限公司"),
    ("厂房仓库", "仓库", "上海{t}仓储有限公司"),
    ("地下空间", "地下车库", "{e}地下车库"),
    ("地下空间", "地下商铺", "{t}广场地下商铺"),
    ("地下空间", "人防工程", "{e}人防工程"),
    ("电动自行车", "销售维修", "{t}电动车行"),
    ("电动自行车", "集中停放车库", "{e}非机动车集中停放点"),
    ("电动自行车", "集中充电场所", "{e}电动自行车集中充电点"),
    ("建筑施工", "限额以上", "{t}大厦新建工程"),
    ("建筑施工", "限额以下", "{e}{num}号楼小型修缮工程"),
    ("建筑施工", "综合修缮", "{e}旧住房综合修缮工程"),
    ("危化品", "储存经营", "上海{t}化工有限公司"),
    ("危化品", "使用单位", "上海{t}精细化学品有限公司"),
    # special equipment where the plan puts it: lifts in 商场/办公 buildings, cranes at 工地 and
    # warehouses, forklifts in warehouses, boilers in 浴室 and 干洗店
    ("特种设备", "老旧电梯(15年以上)", "{t}{lift_host}电梯"),
    ("特种设备", "锅炉", "{t}{boiler_host}（锅炉房）"),
    ("特种设备", "起重机械", "上海{t}{crane_host}（起重机械）"),
    ("特种设备", "叉车", "上海{t}仓储有限公司（叉车）"),
    ("养老机构", "养老院", "真如{t}养老院"),
    ("养老机构", "长者照护之家", "{e}长者照护之家"),
    ("养老机构", "日间照料中心", "{e}日间照料中心"),
    ("学校幼儿园", "幼儿园", "{t}幼儿园"),
    ("学校幼儿园", "学校", "{t}培训学校"),
    ("医疗机构", "医院", "上海{t}专科医院"),
    ("医疗机构", "社区卫生服务中心", "{e}社区卫生服务站"),
    ("医疗机构", "诊所", "{t}{clinic}"),
    ("宾馆公寓", "宾馆", "{t}快捷酒店"),
    ("宾馆公寓", "白领公寓", "{t}白领公寓"),
    ("快递外卖点", "快递网点", "{brand}{r}站"),
    ("快递外卖点", "外卖站点", "{take}{r}站点"),
    ("商贸市场", "菜市场", "{r}菜市场"),
    ("商贸市场", "综合市场", "{t}综合市场"),
    ("园区企业", None, "上海{t}{g}有限公司"),
    ("人员密集场所", "餐饮", "{t}{eat}"),
    ("人员密集场所", "公共娱乐", "{t}{fun}"),
    ("人员密集场所", "商场", "{t}商厦"),
    ("人员密集场所", "宗教场所", "{e}宗教活动场所"),
    ("高层建筑", "高层住宅", "{e}{num}号楼"),
    ("高层建筑", "高层公共建筑", "{t}大厦"),
)
_CHOICES: Mapping[str, tuple[str, ...]] = {
    "brand": ("顺丰速运", "中通快递", "圆通速递", "韵达快递", "申通快递", "京东物流", "菜鸟驿站"),
    "take": ("美团外卖", "饿了么"),
    "shop": ("小吃店", "五金店", "服装店", "杂货店", "理发店", "烟杂店"),
    "eat": ("餐厅", "面馆", "火锅店", "小吃店", "茶餐厅", "烧烤店"),
    "fun": ("KTV", "网吧", "健身房", "棋牌室", "剧本杀馆", "桌球馆"),
    "clinic": ("口腔门诊部", "中医诊所", "门诊部", "医疗美容诊所"),
    "lift_host": ("商厦", "商场", "大厦（办公楼）", "商务楼"),
    "boiler_host": ("浴室", "干洗店"),
    "crane_host": ("建设工程（工地）", "仓储有限公司"),
}
#: 特种设备 subcategory → the equipment column it registers (the other equipment columns are 0).
EQUIPMENT_OF: Mapping[str, str] = {
    "老旧电梯(15年以上)": "elevators",
    "锅炉": "boilers",
    "起重机械": "cranes",
    "叉车": "forklifts",
}


def _render(template: str, fields: Mapping[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Vectorised ``template.format`` over the rows ``idx`` of the field arrays."""
    out = np.full(idx.size, "", dtype=object)
    for token in re.split(r"(\{\w+\})", template):
        if not token:
            continue
        if token.startswith("{"):
            out = out + fields[token[1:-1]][idx].astype(str).astype(object)
        else:
            out = out + token
    return out


def _names(rng: np.random.Generator, df: pd.DataFrame, estate: np.ndarray) -> None:
    """Fill ``name`` / ``address`` of synthetic rows in place (vectorised string work)."""
    n = len(df)
    road = df["road"].map(_ROAD_ALIAS).to_numpy(object)
    fallback = rng.choice(np.array(naming.ROADS, dtype=object), n)
    road = np.where(pd.isna(road), fallback, road)
    addr = naming.addresses(rng, road)
    fields = {
        "t": naming.trade_names(rng, n),
        "g": rng.choice(np.array(naming.GOODS, dtype=object), n),
        "num": rng.integers(1, 40, n),
        "room": rng.integers(1, 7, n) * 100 + rng.integers(1, 5, n),
        "e": np.asarray(estate, dtype=object),
        "r": road,
        "lane": rng.integers(1, 1200, n),
    }
    for key, options in _CHOICES.items():
        fields[key] = rng.choice(np.array(options, dtype=object), n)
    syn = df["name"].isna().to_numpy()
    rules = {(c, sc): t for c, sc, t in _NAME_RULES}
    names = np.full(n, None, dtype=object)
    groups = df.groupby(["category", "subcategory"], sort=True).indices
    for (c, sc), idx in groups.items():
        idx = idx[syn[idx]]
        if idx.size:
            template = rules.get((c, sc)) or rules.get((c, None)) or "上海{t}{g}有限公司"
            names[idx] = _render(template, fields, idx)
    cat = df["category"].to_numpy(object)
    # units named after a building of an estate: lane address with the same building number
    in_estate = [("群租", None, "上海市普陀区{r}{lane}弄{num}号{room}室")] + [
        (c, sc, "上海市普陀区{r}{lane}弄{num}号") for c, sc, t in _NAME_RULES
        if c != "群租" and "{e}{num}" in t
    ]
    subs = df["subcategory"].to_numpy(object)
    for c, sc, template in in_estate:
        m = syn & (cat == c) & (True if sc is None else (subs == sc))
        if m.any():
            idx = np.flatnonzero(m)
            addr[idx] = _render(template, fields, idx)
    fill = syn & df["address"].isna().to_numpy()
    df["name"] = np.where(syn, names, df["name"].to_numpy(object))
    df["address"] = np.where(fill, addr, df["address"].to_numpy(object))


def build_sites(rng: np.random.Generator, placer: Placer, n_sites: int) -> pd.DataFrame:
    """Draw the registry without the risk-dependent columns (key list is set later).

    Returns
    -------
    pandas.DataFrame
        All :data:`SITE_COLUMNS` except ``site_id``, ``key_list`` and ``required_per_year``,
        in a random (seeded) order.

    Examples
    --------
    >>> import numpy as np
    >>> from synthdata.placement import make_placer
    >>> rng = np.random.default_rng(0)
    >>> df = build_sites(rng, make_placer(rng), 300)
    >>> len(df), int((df["category"] == "建筑施工").sum())
    (300, 30)
    """
    if n_sites < MIN_SITES:
        raise ValueError(f"n_sites 至少为 {MIN_SITES}（固定的园区、工地、OSM 场所已占约180个）")
    parts: list[pd.DataFrame] = []
    osm = _osm_sites(placer)
    parts.append(osm)

    lon, lat = placer.around(rng, NANSHI_MARKET["lon"], NANSHI_MARKET["lat"], 1, 15.0)
    parts.append(
        _frame(lon, lat, "商贸市场", "菜市场", name=NANSHI_MARKET["name"],
               address=NANSHI_MARKET["address"], coord_quality="approximate")
    )

    # technology parks and their tenants
    tdl, tda = tiandi_anchor()
    anchors = {
        "铁三角科技园": (TIESANJIAO["lon"], TIESANJIAO["lat"], True, TIESANJIAO["address"]),
        "天地软件园": (tdl, tda, False, TIANDI_ADDRESS),
    }
    for park, base in PARK_TENANTS.items():
        k = _scale(base, n_sites)
        plon, plat, inside, paddr = anchors[park]
        lon, lat = placer.around(rng, plon, plat, k, 40.0, inside=inside)
        cat = np.full(k, "园区企业", dtype=object)
        u = rng.random(k)
        sub = _draw_sub(rng, "园区企业", k)
        edge = 0.0
        for own, own_sub, share in _TENANT_OWN_SECTOR:
            hit = (u >= edge) & (u < edge + share)
            cat[hit], sub[hit] = own, own_sub
            edge += share
        room = rng.integers(1, 12, k) * 100 + rng.integers(1, 20, k)
        bldg = rng.integers(1, 9, k)
        addr = [f"{paddr}{b}号楼{r}室" for b, r in zip(bldg, room, strict=True)]
        parts.append(
            _frame(lon, lat, cat, sub, park=park, address=np.array(addr, dtype=object),
                   coord_quality="approximate", outside_boundary=not inside)
        )

    def drawn(cat: str, sub, k: int) -> pd.DataFrame:
        w = np.array(PROFILES[cat].placement, dtype=float)
        modes = rng.choice(4, k, p=w / w.sum())
        lon, lat, road = placer.sample(rng, modes)
        return _frame(lon, lat, cat, sub, road=road)

    for sub, base in N_CONSTRUCTION.items():
        parts.append(drawn("建筑施工", sub, _scale(base, n_sites)))
    k = _scale(N_HAZCHEM, n_sites)
    parts.append(drawn("危化品", _draw_sub(rng, "危化品", k), k))

    fixed = sum(len(p) for p in parts)
    rest = max(n_sites - fixed, 0)
    for cat, k in _alloc(rest, {c: p.weight for c, p in PROFILES.items()}).items():
        if k:
            parts.append(drawn(cat, _draw_sub(rng, cat, k), k))

    df = pd.concat(parts, ignore_index=True)
    df = df.iloc[:n_sites] if len(df) > n_sites else df
    for col, default in (("park", None), ("name", None), ("address", None)):
        if col not in df:
            df[col] = default
    df["outside_boundary"] = df.get("outside_boundary", False)
    df["outside_boundary"] = df["outside_boundary"].fillna(False).astype(bool)
    df["park"] = df["park"].astype(object).where(df["park"].notna(), None)

    df["committee"] = committee_groups(
        df["lon"].to_numpy(float), df["lat"].to_numpy(float), df["outside_boundary"].to_numpy(bool)
    )
    full = zones.committee_zones().set_index("short_name")["name"]
    estates = {k: estate_name(str(v)) for k, v in full.items()}
    estate = df["committee"].map(estates).fillna("真如").to_numpy(object)
    _names(rng, df, estate)

    missing_ind = df.get("industry")
    ind = df["category"].map(_INDUSTRY)
    ind = df["subcategory"].map(_INDUSTRY_SUB).fillna(ind)
    df["industry"] = missing_ind.fillna(ind) if missing_ind is not None else ind
    df["department"] = df["category"].map({c: s.department for c, s in SECTORS.items()})

    attrs = draw_attributes(
        rng, df["category"].to_numpy(object), df["subcategory"].to_numpy(object)
    )
    df = pd.concat([df.drop(columns=[c for c in attrs if c in df]), attrs], axis=1)

    share = df["category"].map({c: p.uscc_share for c, p in PROFILES.items()})
    company = rng.random(len(df)) < share.to_numpy(float)
    company &= df["source"].eq("synthetic") | df["category"].isin(["加油站", "商贸市场"])
    codes = naming.make_uscc(rng, len(df))
    df["uscc"] = np.where(company, codes, None)

    order = rng.permutation(len(df))
    df = df.iloc[order].reset_index(drop=True)
    return df.drop(columns=["road"])
