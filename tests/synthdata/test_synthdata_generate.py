"""Behaviour of the sample generator that the app, the model and the docs rely on."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from sklearn.metrics import roc_auc_score

import synthdata
from layers import geodata, zones
from registry import enums
from registry.sectors import DEPARTMENTS, SECTORS
from registry.uscc import is_valid
from risk import calendar
from synthdata.__main__ import main as cli_main
from synthdata.committee import OUTSIDE, UNVERIFIED
from synthdata.placement import rail_water_mask

END = dt.date(2026, 11, 28)

SITE_COLUMNS = [
    "site_id", "name", "uscc", "address", "lon", "lat", "coord_quality", "category",
    "subcategory", "industry", "park", "committee", "department", "key_list",
    "required_per_year", "outside_boundary", "floor_area_m2", "occupants", "beds", "pupils",
    "storeys", "building_year", "ebike_capacity", "elevators", "elevators_15y", "boilers",
    "cranes", "forklifts", "underground", "hazchem_t", "source", "osm_id",
]
INSPECTION_COLUMNS = [
    "inspection_id", "site_id", "date", "type", "team", "leader", "hazard_found",
    "major_found", "n_hazards",
]
HAZARD_COLUMNS = [
    "hazard_id", "inspection_id", "site_id", "found_date", "level", "hazard_type", "part",
    "description", "responsible_unit", "responsible_person", "measures", "deadline", "status",
    "supervised", "rectified_date", "reinspection_date", "reinspection_result", "closed_date",
]
ASSET_COLUMNS = [
    "asset_id", "kind", "name", "lon", "lat", "committee", "capacity", "built_date",
    "approximate",
]


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return synthdata.generate(seed=11, n_sites=800)


def test_same_seed_gives_identical_tables_and_other_seed_differs():
    a = synthdata.table_hashes(synthdata.generate(seed=5, n_sites=300, years=1))
    b = synthdata.table_hashes(synthdata.generate(seed=5, n_sites=300, years=1))
    c = synthdata.table_hashes(synthdata.generate(seed=6, n_sites=300, years=1))
    assert a == b
    assert a["sites"] != c["sites"] and a["inspections"] != c["inspections"]


def test_cli_writes_byte_identical_utf8_csv(tmp_path, capsys):
    for run in ("a", "b"):
        code = cli_main(["--seed", "3", "--n-sites", "300", "--years", "1",
                         "--out", str(tmp_path / run)])
        assert code == 0
    for name in synthdata.TABLES:
        a = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert a == (tmp_path / "b" / f"{name}.csv").read_bytes()
        a.decode("utf-8")
    sites = pd.read_csv(tmp_path / "a" / "sites.csv")
    assert len(sites) == 300 and sites["name"].notna().all()
    assert "sites: 300 行" in capsys.readouterr().out


def test_cli_no_ledger_and_bad_input(tmp_path, capsys):
    assert cli_main(["--n-sites", "300", "--out", str(tmp_path), "--no-ledger"]) == 0
    assert pd.read_csv(tmp_path / "inspections.csv").empty
    assert cli_main(["--n-sites", "10", "--out", str(tmp_path / "x")]) == 2
    assert "n_sites 至少为" in capsys.readouterr().err


def test_columns_follow_the_contract(sample):
    assert list(sample["sites"].columns) == SITE_COLUMNS
    assert list(sample["inspections"].columns) == INSPECTION_COLUMNS
    assert list(sample["hazards"].columns) == HAZARD_COLUMNS
    assert list(sample["assets"].columns) == ASSET_COLUMNS
    assert list(sample["truth"].columns) == ["site_id", "propensity", "management_quality"]


def test_truth_is_kept_out_of_the_other_tables(sample):
    for name in ("sites", "inspections", "hazards", "assets"):
        cols = set(sample[name].columns)
        assert not cols & {"propensity", "management_quality"}, name
    assert sample["truth"]["site_id"].tolist() == sample["sites"]["site_id"].tolist()


def test_sites_inside_boundary_or_flagged_and_off_the_mask(sample):
    s = sample["sites"]
    lon, lat = s["lon"].to_numpy(), s["lat"].to_numpy()
    inside = shapely.contains_xy(geodata.boundary_geometry(), lon, lat)
    assert (inside | s["outside_boundary"]).all()
    assert not inside[s["outside_boundary"].to_numpy()].any()
    assert set(s.loc[s["outside_boundary"], "park"]) == {"天地软件园"}
    assert not shapely.contains_xy(geodata.no_build_mask(), lon, lat).any()


def test_every_site_has_a_committee_and_valid_codes(sample):
    s = sample["sites"]
    short = set(zones.committee_zones()["short_name"]) | {OUTSIDE, UNVERIFIED}
    assert s["committee"].notna().all() and s["committee"].isin(short).all()
    assert s["category"].isin(list(SECTORS)).all()
    assert s["department"].isin(DEPARTMENTS).all()
    assert s["coord_quality"].isin(enums.COORD_QUALITIES).all()
    assert s["site_id"].is_unique
    codes = s["uscc"].dropna()
    assert len(codes) > 300 and all(is_valid(c) for c in codes)
    assert s.loc[s["category"].isin(["群租", "三合一场所"]), "uscc"].isna().all()
    assert (s["required_per_year"] == np.where(s["key_list"], 4, 2)).all()
    assert 0.12 <= s["key_list"].mean() <= 0.3
    for cat in ("危化品", "加油站", "养老机构"):
        assert s.loc[s["category"] == cat, "key_list"].mean() >= 0.5, cat


def test_osm_places_keep_real_names_and_positions(sample):
    s = sample["sites"]
    osm = s[s["source"] == "osm"].set_index("osm_id")
    pois = geodata.pois().drop_duplicates("osm_id").set_index("osm_id")
    assert (osm["coord_quality"] == "osm").all()
    real = pois.loc[osm.index]
    assert (osm["name"] == real["name"]).all()
    assert np.allclose(osm["lon"], real["lon"]) and np.allclose(osm["lat"], real["lat"])
    names = set(osm["name"])
    assert {"铜川学校", "真如文英小学", "普陀区利群医院", "真西菜市场", "真如寺"} <= names
    assert (osm["category"] == "加油站").sum() == 2
    temple = osm[osm["name"] == "真如寺"].iloc[0]
    assert temple["category"] == "文物古建筑" and "宗教" in temple["industry"]
    market = s[s["name"] == "南石四路市场"]
    assert len(market) == 1 and market["coord_quality"].iloc[0] == "approximate"


def test_two_parks_with_about_100_tenants(sample):
    s = sample["sites"]
    parks = s["park"].dropna()
    assert set(parks) == set(enums.PARKS)
    assert 90 <= len(parks) <= 110
    tenants = s[s["park"].notna()]
    assert (tenants["category"] == "园区企业").mean() > 0.7
    assert tenants["category"].nunique() > 1  # some registered under their own sector
    assert tenants["address"].str.contains("绥德路2弄|中江路879号").all()


def test_construction_sites_include_small_and_renovation_works(sample):
    c = sample["sites"][sample["sites"]["category"] == "建筑施工"]
    assert 20 <= len(c) <= 40
    assert {"限额以下", "综合修缮"} <= set(c["subcategory"])


def test_four_new_micro_fire_stations_spread_out(sample):
    a = sample["assets"]
    st = a[a["kind"] == "微型消防站"]
    new = st[st["built_date"].dt.year == 2023]  # the plan year's stations, not 2026
    assert len(new) == 4 and new["approximate"].all()
    assert new["name"].str.contains("2023年新建").all()
    assert (st.loc[~st["approximate"], "built_date"].dt.year < 2023).all()
    assert len(st) > 4
    d = np.hypot(*(new[["lon", "lat"]].to_numpy()[:, None] - new[["lon", "lat"]].to_numpy()).T)
    assert d[np.triu_indices(4, 1)].min() > 0.004  # > ~400 m apart
    assert set(a["kind"]) == set(enums.ASSET_KINDS)
    assert (a["capacity"] > 0).all() and (a["built_date"] <= pd.Timestamp(END)).all()
    assert a["committee"].notna().all()


def test_statutory_frequency_with_realistic_misses(sample):
    s = sample["sites"].set_index("site_id")
    ins = sample["inspections"]
    routine = ins[ins["type"] != "复查"]
    always = s[s["category"] != "建筑施工"].index
    counts = []
    for year in (2024, 2025):
        y = routine[routine["date"].dt.year == year]
        n = y.groupby("site_id").size().reindex(always, fill_value=0)
        daily = y[y["type"] == "日常"].groupby("site_id").size().reindex(always, fill_value=0)
        req = s.loc[always, "required_per_year"]
        assert 3.0 <= daily[req == 4].mean() <= 4.2
        assert 1.5 <= daily[req == 2].mean() <= 2.1
        counts.append((daily < req).mean())
        assert (n >= req).mean() > 0.7
    assert all(0.05 <= c <= 0.45 for c in counts)
    # the current year is still running on 2026-11-28: fewer routine visits than 2025
    y26 = (routine["date"].dt.year == 2026).sum()
    y25 = (routine["date"].dt.year == 2025).sum()
    assert y26 < y25
    assert set(ins["type"]) == set(enums.INSPECTION_TYPES)
    assert ins.loc[ins["type"] == "领导带队", "leader"].notna().all()
    assert ins.loc[ins["type"] != "领导带队", "leader"].isna().all()
    assert ins["date"].min() >= pd.Timestamp(2023, 11, 29)
    assert ins["date"].max() <= pd.Timestamp(END)


def test_hazards_consistent_with_inspections(sample):
    ins = sample["inspections"].set_index("inspection_id")
    hz = sample["hazards"]
    assert 2000 <= len(hz) and len(ins) >= 8000
    assert hz["hazard_id"].is_unique and ins.index.is_unique
    assert hz["hazard_id"].str.fullmatch(r"YH-\d{4}-\d{2}-\d{4}").all()
    month = hz["found_date"].dt.strftime("%Y-%m")
    assert (hz["hazard_id"].str[3:10] == month).all()
    per = hz.groupby("inspection_id").agg(n=("hazard_id", "size"),
                                          major=("level", lambda x: (x == "重大").any()))
    per = per.reindex(ins.index, fill_value=0)
    assert (per["n"] == ins["n_hazards"]).all()
    assert (ins["hazard_found"] == (ins["n_hazards"] > 0).astype(int)).all()
    assert (ins["major_found"] == per["major"].astype(int)).all()
    assert (hz["site_id"] == ins.loc[hz["inspection_id"], "site_id"].to_numpy()).all()
    assert (hz["found_date"] == ins.loc[hz["inspection_id"], "date"].to_numpy()).all()
    assert ins.loc[ins["type"] == "复查", "n_hazards"].eq(0).all()
    names = sample["sites"].set_index("site_id")["name"]
    assert (hz["responsible_unit"] == names.loc[hz["site_id"]].to_numpy()).all()
    assert hz["level"].isin(enums.HAZARD_LEVELS).all()
    assert hz["hazard_type"].isin(enums.HAZARD_TYPES).all()
    assert hz[["part", "description", "measures", "responsible_person"]].notna().all().all()


def test_status_and_dates_are_consistent(sample):
    hz = sample["hazards"]
    end = pd.Timestamp(END)
    assert hz["status"].isin(enums.HAZARD_STATUSES).all()
    closed = hz[hz["status"] == "已销号"]
    assert 0.8 < len(closed) / len(hz) < 0.995
    assert (closed["closed_date"] >= closed["reinspection_date"]).all()
    assert (closed["reinspection_date"] >= closed["found_date"]).all()
    assert (closed["reinspection_result"] == "合格").all()
    assert (closed["rectified_date"] <= closed["reinspection_date"]).all()
    open_ = hz[hz["status"] != "已销号"]
    assert open_["closed_date"].isna().all() and len(open_) > 0
    assert (open_.loc[open_["status"] == "待复查", "rectified_date"].notna()).all()
    for col in ("found_date", "rectified_date", "reinspection_date", "closed_date"):
        assert (hz[col].dropna() <= end).all(), col
    assert (hz["deadline"] > hz["found_date"]).all()
    days = (hz["deadline"] - hz["found_date"]).dt.days
    first = hz["reinspection_result"].isna() | (hz["status"] == "已销号")
    assert days[(hz["level"] == "一般") & hz["reinspection_date"].isna()].isin([7, 15, 30]).all()
    assert days[first & (hz["level"] == "重大")].min() >= 15
    overdue = enums.overdue(hz, END)
    assert overdue.sum() > 0
    assert (hz.loc[overdue, "status"] != "已销号").all()
    assert hz["supervised"].dtype == bool
    assert hz.loc[hz["supervised"], "level"].eq("重大").all() and hz["supervised"].sum() > 0
    assert (hz["reinspection_result"] == "不合格").sum() > 0  # some failed 复查
    # recent hazards are the open ones
    assert open_["found_date"].median() > closed["found_date"].median()


def test_hidden_propensity_predicts_hazards(sample):
    ins = sample["inspections"]
    visits = ins[ins["type"] != "复查"].merge(sample["truth"], on="site_id")
    auc = roc_auc_score(visits["hazard_found"], visits["propensity"])
    assert auc > 0.7
    # and the seasonal peak is visible: 群租 hazards in winter months exceed summer months
    hz = sample["hazards"].merge(sample["sites"][["site_id", "category"]], on="site_id")
    g = hz[hz["category"] == "群租"]["found_date"].dt.month
    assert g.isin([11, 12, 1, 2]).sum() > g.isin([5, 6, 7, 8]).sum()


def test_major_share_depends_on_sector(sample):
    hz = sample["hazards"].merge(sample["sites"][["site_id", "category"]], on="site_id")
    major = hz["level"] == "重大"
    high = hz["category"].isin(["三合一场所", "建筑施工", "危化品"])
    low = hz["category"].isin(["学校幼儿园", "医疗机构", "人员密集场所", "园区企业"])
    assert major[high].mean() > 1.2 * major[low].mean()
    assert hz.groupby("inspection_id")["description"].apply(lambda d: d.is_unique).all()


def test_too_small_registry_is_rejected():
    with pytest.raises(ValueError, match="n_sites 至少为"):
        synthdata.generate(n_sites=100)


@pytest.mark.slow
def test_large_registry_without_ledger_is_vectorised():
    t = synthdata.generate(seed=2, n_sites=20_000, ledger=False)
    s = t["sites"]
    assert len(s) == 20_000 and s["site_id"].is_unique
    assert t["inspections"].empty and list(t["hazards"].columns) == HAZARD_COLUMNS
    assert (s["park"].notna().sum()) > 200  # fixed groups scale above 3,000 sites
    assert re.fullmatch(r"S\d{6}", s["site_id"].iloc[-1])


def test_tables_pass_the_registry_validator(sample):
    from registry import validate

    tables = {k: v for k, v in sample.items() if k != "truth"}
    assert validate.validate_sites(tables["sites"]) == []
    assert validate.validate_hazards(tables["hazards"], tables["inspections"]) == []
    validate.validate_tables(tables)  # raises on any problem, foreign keys included


def test_hazards_accumulate_between_visits(sample):
    ins = sample["inspections"]
    v = ins[ins["type"] != "复查"].sort_values(["site_id", "date"])
    v = v.merge(sample["truth"], on="site_id")
    gap = v.groupby("site_id")["date"].diff().dt.days
    found_per_expected = v["n_hazards"] / v["propensity"]
    short, long_ = found_per_expected[gap < 45], found_per_expected[gap > 180]
    assert len(short) > 200 and len(long_) > 200
    assert long_.mean() > 1.3 * short.mean()


def test_weaker_departments_miss_more_and_leaders_visit_crowded_sites(sample):
    s = sample["sites"].set_index("site_id")
    ins = sample["inspections"]
    daily = ins[(ins["type"] == "日常") & ins["date"].dt.year.isin([2024, 2025])]
    done = daily.groupby("site_id").size().reindex(s.index, fill_value=0)
    ratio = (done / (2 * s["required_per_year"])).groupby(s["department"]).mean()
    assert ratio["居委会"] < ratio["社区平安办"]
    led = ins[ins["type"] == "领导带队"]["site_id"].value_counts().reindex(s.index, fill_value=0)
    crowded = s["category"].isin(["人员密集场所", "商贸市场", "养老机构", "学校幼儿园", "医疗机构",
                                  "宾馆公寓", "加油站", "危化品", "建筑施工", "文物古建筑"])
    assert led[crowded].mean() > 3 * led[~crowded].mean()
    pre = ins[ins["type"].isin(["节前", "领导带队"])]["date"]
    assert pre.dt.month.isin([12, 1, 2, 4, 9]).mean() > 0.9  # before 元旦/春节/劳动节/国庆


def test_major_hazards_are_rare_and_only_serious_forms(sample):
    hz = sample["hazards"]
    s = sample["sites"]
    major = hz[hz["level"] == "重大"]
    assert 0.01 <= len(major) / len(hz) <= 0.05  # was 13 % before the grading rule
    assert major["site_id"].nunique() / len(s) <= 0.15  # was 29 % of the units
    fixed_on_the_spot = ["安全出口上锁或封堵", "违规分隔搭建"]  # not 重大 by themselves
    assert not major["description"].isin(fixed_on_the_spot).any()
    allowed = {(c, h.description) for c, sec in SECTORS.items() for h in sec.hazards
               if h.can_be_major}
    cat = major["site_id"].map(s.set_index("site_id")["category"])
    assert all(pair in allowed for pair in zip(cat, major["description"], strict=True))
    common = hz["description"].isin(fixed_on_the_spot)
    assert common.sum() > 50  # the defects are still found, as 一般


def test_inspections_fall_on_working_days(sample):
    days = sorted(set(sample["inspections"]["date"].dt.date))
    off = [d for d in days if calendar.is_off_day(d)]
    assert off == []  # was 30.7 % of the inspections
    makeup = [d for d in days if d.weekday() >= 5]
    assert makeup  # 调休 Saturdays/Sundays are working days and used
    assert all(not calendar.is_off_day(d) for d in makeup)
    closed = sample["hazards"]["reinspection_date"].dropna().dt.date
    assert not any(calendar.is_off_day(d) for d in set(closed))


def test_off_day_visits_spread_over_the_week_not_piled_on_mondays(sample):
    # A visit drawn on an off day is drawn again on a working day (synthdata.workdays.
    # draw_working_day). Moving it to the next working day instead put the weekend's visits on
    # top of Monday's: 2.3x the mean Tuesday-Friday count in the default sample (and a lower
    # backtest AUC, benchmarks/RESULTS_risk.md). An office does not do Saturday's work on Monday.
    ins = sample["inspections"]
    d = ins["date"]
    weekday = d.dt.day_of_week
    working = ~d.dt.date.map(calendar.is_off_day)
    assert working.all()
    per_day = weekday.value_counts()
    mean_tue_fri = per_day.reindex([1, 2, 3, 4]).mean()
    assert per_day[0] <= 1.2 * mean_tue_fri  # 1.00x here; next-day move: 2.26x
    fresh = weekday[ins["type"] != "复查"].value_counts()
    assert fresh[0] <= 1.1 * fresh.reindex([1, 2, 3, 4]).mean()  # next-day move: 2.10x
    # The first working day after 春节 2026 carries some of the holiday's 复查 (deadlines that
    # fell in the block), not the whole holiday's work: 2.0x a March day (next-day move: 7.8x).
    days = pd.Series(1, index=d).groupby(level=0).size()
    after = days.get(pd.Timestamp("2026-02-24"), 0)
    assert after <= 3.0 * days[days.index.month == 3].mean()


def test_no_site_on_railway_land_or_in_a_river(sample):
    s = sample["sites"]
    mask = rail_water_mask()
    assert not shapely.contains_xy(mask, s["lon"].to_numpy(), s["lat"].to_numpy()).any()
    a = sample["assets"]
    assert not shapely.contains_xy(mask, a["lon"].to_numpy(), a["lat"].to_numpy()).any()


def test_no_placeholder_committee_and_outside_units_apart(sample):
    z = zones.committee_zones()
    placeholder = set(z.loc[z["placeholder"], "short_name"]) | set(z.loc[z["placeholder"], "name"])
    for table in ("sites", "assets"):
        c = sample[table]["committee"].astype(str)
        assert not c.isin(placeholder).any() and not c.str.contains("未知").any(), table
    s = sample["sites"]
    out = s["outside_boundary"]
    assert (s.loc[out, "committee"] == OUTSIDE).all() and out.sum() >= 40
    assert (s.loc[~out, "committee"] != OUTSIDE).all()
    assert (s["committee"] == UNVERIFIED).any()  # units in the 2 placeholder zones, honestly


def test_special_equipment_where_the_plan_puts_it(sample):
    s = sample["sites"]
    eq = s[s["category"] == "特种设备"]
    hosts = {"老旧电梯(15年以上)": "商厦|商场|办公楼|商务楼", "锅炉": "浴室|干洗店",
             "起重机械": "工地|仓储", "叉车": "仓储"}
    col = {"老旧电梯(15年以上)": "elevators", "锅炉": "boilers", "起重机械": "cranes",
           "叉车": "forklifts"}
    for sub, words in hosts.items():
        part = eq[eq["subcategory"] == sub]
        assert len(part) > 0 and part["name"].str.contains(words).all(), sub
        assert (part[col[sub]] >= 1).all(), sub
        for other in set(col.values()) - {col[sub]}:
            assert (part[other].fillna(0) == 0).all(), (sub, other)
    boilers = s[s["boilers"].fillna(0) > 0]
    assert (boilers["subcategory"] == "锅炉").all()  # 浴室 and 干洗店 only


def test_combined_mid_autumn_national_day_block_gets_pre_holiday_checks(sample):
    block = next(h for h in calendar.holidays() if h.start == dt.date(2025, 10, 1))
    assert "中秋" in block.name and "国庆" in block.name
    ins = sample["inspections"]
    pre = ins[ins["type"].isin(["节前", "领导带队"])]
    d = pre["date"].dt.date
    before = pre[(d < block.start) & (d >= block.start - dt.timedelta(days=14))]
    assert len(before) > 20
