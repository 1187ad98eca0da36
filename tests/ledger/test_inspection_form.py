"""Rules of the 检查登记 form (ledger.inspection_form), without Streamlit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest

import pandas as pd
import pytest

import ledger.inspection_form as form
from ledger.inspection_form import (
    HazardDraft,
    InspectionDraft,
    default_deadline,
    find_sites,
    form_errors,
    to_records,
)
from registry.validate import RegistryValidationError

DAY = dt.date(2024, 6, 3)


def test_docstring_examples_hold():
    assert doctest.testmod(form).failed == 0


@pytest.mark.parametrize(("level", "days"), [("一般", 7), ("重大", 30)])
def test_default_deadline_per_level(level, days):
    assert default_deadline(DAY, level) == DAY + dt.timedelta(days=days)


def test_unknown_level_is_a_chinese_error():
    with pytest.raises(ValueError, match="未知隐患等级"):
        default_deadline(DAY, "较大")


def hazard(**kw) -> HazardDraft:
    base = HazardDraft(part="配电间", responsible_unit="甲厂", measures="更换",
                       description="线路老化", level="一般", hazard_type="用电",
                       deadline=DAY + dt.timedelta(days=7))
    return dataclasses.replace(base, **kw)


def test_future_date_blank_hazard_fields_and_major_fixed_are_refused():
    draft = InspectionDraft(site_id="S1", date=DAY + dt.timedelta(days=1), type="日常",
                            inspector="张三",
                            hazards=(hazard(part=" ", measures=""), hazard(level="重大",
                                                                          fixed_on_spot=True)))
    errors = form_errors(draft, today=DAY)
    assert errors == [
        "检查日期 2024-06-04 晚于今天 2024-06-03",
        "隐患1：请填写隐患部位",
        "隐患1：请填写整改措施",
        "隐患2：只有一般隐患可以“立即整改”，重大隐患须限期整改并复查",
    ]
    with pytest.raises(RegistryValidationError) as info:
        to_records(draft, today=DAY)
    assert info.value.errors == errors


def test_leader_only_kept_for_leader_inspections():
    ins, _ = to_records(InspectionDraft(site_id="S1", date=DAY, type="日常", inspector="张三",
                                        leader="赵主任"), today=DAY)
    assert ins["leader"] is None
    ins, _ = to_records(InspectionDraft(site_id=" S1 ", date=DAY, type="领导带队",
                                        inspector="张三", leader=" 赵主任 "), today=DAY)
    assert (ins["site_id"], ins["leader"]) == ("S1", "赵主任")


def test_find_sites_puts_name_prefix_first_and_limits():
    sites = pd.DataFrame({"site_id": [f"S{i}" for i in range(5)],
                          "name": ["乙仓库", "仓库甲", "丙", "仓库丁", "戊"],
                          "address": ["", "", "仓库路", "", ""],
                          "uscc": [None, None, None, None, "91310107MA1G0ABC1X"]})
    assert find_sites(sites, "仓库").site_id.tolist() == ["S1", "S3", "S0", "S2"]
    assert find_sites(sites, "仓库", limit=2).site_id.tolist() == ["S1", "S3"]
    assert find_sites(sites, "ma1g0").site_id.tolist() == ["S4"]
