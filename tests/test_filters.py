"""registry.filters: every condition of SiteFilter keeps exactly the rows a user expects."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from registry.filters import SiteFilter, apply_filters


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    df = pd.DataFrame(
        {
            "site_id": ["S1", "S2", "S3", "S4", "S5"],
            "name": ["华联仓库", "铜川路群租房", "ABC Logistics", "真如幼儿园", "天地软件园A座"],
            "address": ["真如路1号", "铜川路22号", "大渡河路3号", "兰溪路5号", "中江路879号"],
            "uscc": ["91310107MA1G000001", None, "91310107MA1G000003", None, None],
            "category": ["厂房仓库", "群租", "厂房仓库", "学校幼儿园", "园区企业"],
            "committee": ["真光", "铜川", "真光", "兰溪", "天地"],
            "department": ["社区平安办", "居委会", "社区平安办", "社区服务办", "城运中心"],
            "key_list": [True, False, False, True, False],
            "park": [None, None, None, None, "天地软件园"],
            "level": ["重大", "较大", "低", "一般", "低"],
            "days_overdue": [10, 0, float("nan"), 3, 0],
            "open_hazards": [2, 0, 1, 0, float("nan")],
        }
    )
    return gpd.GeoDataFrame(
        df, geometry=[Point(121.4 + i / 100, 31.24) for i in range(5)], crs="EPSG:4326"
    )


def ids(df: pd.DataFrame) -> list[str]:
    return df["site_id"].tolist()


def test_empty_filter_keeps_everything_and_type(sites):
    out = apply_filters(sites, SiteFilter())
    assert ids(out) == ids(sites)
    assert isinstance(out, gpd.GeoDataFrame)
    assert SiteFilter().is_empty
    assert SiteFilter().describe_zh() == "全部"


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (SiteFilter(categories=("厂房仓库",)), ["S1", "S3"]),
        (SiteFilter(categories=("厂房仓库", "群租")), ["S1", "S2", "S3"]),
        (SiteFilter(committees=("真光",)), ["S1", "S3"]),
        (SiteFilter(departments=("居委会", "社区服务办")), ["S2", "S4"]),
        (SiteFilter(levels=("重大", "较大")), ["S1", "S2"]),
        (SiteFilter(parks=("天地软件园",)), ["S5"]),
        (SiteFilter(key_only=True), ["S1", "S4"]),
        (SiteFilter(overdue_only=True), ["S1", "S4"]),
        (SiteFilter(open_hazards_only=True), ["S1", "S3"]),
        (SiteFilter(categories=("厂房仓库",), key_only=True), ["S1"]),
        (SiteFilter(categories=("群租",), levels=("低",)), []),
    ],
)
def test_each_condition(sites, flt, expected):
    assert ids(apply_filters(sites, flt)) == expected


def test_text_search_is_literal_case_insensitive_over_several_columns(sites):
    assert ids(apply_filters(sites, SiteFilter(text="铜川"))) == ["S2"]  # name + address
    assert ids(apply_filters(sites, SiteFilter(text="logistics"))) == ["S3"]  # case
    assert ids(apply_filters(sites, SiteFilter(text="MA1G000003"))) == ["S3"]  # uscc
    assert ids(apply_filters(sites, SiteFilter(text="S4"))) == ["S4"]  # site_id
    assert ids(apply_filters(sites, SiteFilter(text="  兰溪路 "))) == ["S4"]  # stripped
    assert ids(apply_filters(sites, SiteFilter(text=".*"))) == []  # not a regex


def test_lists_and_strings_become_tuples():
    f = SiteFilter(categories=["群租"], committees="真光")
    assert f.categories == ("群租",)
    assert f.committees == ("真光",)
    assert hash(f) == hash(SiteFilter(categories=("群租",), committees=("真光",)))


def test_missing_column_gives_chinese_error(sites):
    with pytest.raises(KeyError, match="风险等级"):
        apply_filters(sites.drop(columns="level"), SiteFilter(levels=("重大",)))
    # an unset condition does not need its column
    assert len(apply_filters(sites.drop(columns="level"), SiteFilter())) == 5


def test_describe_zh_lists_active_conditions():
    text = SiteFilter(categories=("群租", "三合一场所"), overdue_only=True, text="铜川").describe_zh()
    assert text == "类别: 群租、三合一场所；仅检查逾期；搜索: 铜川"
