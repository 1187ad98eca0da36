"""设施覆盖 page: coverage figures equal the library's on the same store, the response time
moves them, pins are kept on re-run, the port split adds up, no personal data, downloads."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

PAGE = "../../app_pages/facility_coverage.py"
TIMEOUT = 180


@pytest.fixture(scope="module")
def expected(small_store) -> dict[str, object]:
    """The library's answer on the small store, scored as the page scores it."""
    import risk
    from facilities.charging import ebike_demand, installed_ports
    from facilities.coverage import (
        ResponseStandard,
        coverage_summary,
        uncovered_high_risk,
        unit_coverage,
        unit_weights,
    )
    from registry.store import SQLiteStore
    from risk import model_cache

    store = SQLiteStore(small_store)
    sites, insp, hz, assets = store.sites(), store.inspections(), store.hazards(), store.assets()
    as_of = insp["date"].max().date()
    scores = risk.score_sites(sites, insp, hz, as_of, assets=assets,
                              config=model_cache.store_config(small_store))
    units = unit_weights(risk.join_scores(sites, scores))
    stations = assets[assets["kind"] == "微型消防站"]
    cov = unit_coverage(stations, units, ResponseStandard())
    inst = installed_ports(assets)
    return {
        "summary": coverage_summary(cov),
        "uncovered": uncovered_high_risk(cov)["site_id"].tolist(),
        "n_stations": len(stations),
        "installed": int(inst[inst.index != "辖区外"].sum()),
        "demand": ebike_demand(sites, hz, as_of),
    }


def run_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_coverage_equals_the_library(expected):
    at = run_page()
    assert at.title[0].value == "设施覆盖"
    s = expected["summary"]
    shown = metrics(at)
    assert shown["覆盖单位"] == f"{s['covered_units']}/{s['units']}"
    assert shown["覆盖风险"] == f"{s['risk_share']:.1%}"
    assert shown["未覆盖重大/较大单位"] == f"{s['high_risk_uncovered']} 家"
    assert len(table(at, "仅此站覆盖单位")) == expected["n_stations"]
    # the siting section starts from the same coverage (all existing stations kept)
    before_high, after_high = (int(x) for x in shown["选址后未覆盖重大/较大单位"].split(" → "))
    assert before_high == s["high_risk_uncovered"] and after_high <= before_high
    assert shown["选址后覆盖单位"].startswith(f"{s['covered_units']} → ")
    if expected["uncovered"]:
        listed = table(at, "最近微型消防站")
        assert listed["单位编号"].tolist() == expected["uncovered"]
        assert set(listed["风险等级"]) <= {"重大", "较大"}
        # no personal data: no responsible persons, no phone numbers
        assert not any(k in c for c in listed.columns for k in ("责任人", "电话", "负责人"))


def test_a_longer_response_time_covers_more(expected):
    at = run_page()
    before = expected["summary"]["covered_units"]
    at.number_input(key="fac_minutes").set_value(8.0).run()
    assert not at.exception
    covered = int(metrics(at)["覆盖单位"].split("/")[0])
    assert covered > before
    assert "8 分钟" in " ".join(c.value for c in at.caption)


def test_pinned_proposal_is_kept_on_rerun():
    at = run_page()
    first = table(at, "新增覆盖风险值D")
    assert len(first) >= 1 and (first["新增覆盖单位"] > 0).all()
    before_units = int(metrics(at)["选址后覆盖单位"].split(" → ")[0])
    top = first["点位编号"].iloc[0]
    pins = at.multiselect(key="fac_pins_微型消防站")
    assert any(f"拟建 {top}" in o for o in pins.options)  # offered as a planned site
    pins.select(top)
    at.button(key="fac_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    again = metrics(at)
    # the pinned site now counts as kept: more units covered before any new proposal …
    assert int(again["选址后覆盖单位"].split(" → ")[0]) > before_units
    # … and it is not proposed again
    if any("新增覆盖风险值D" in d.value.columns for d in at.dataframe):
        assert top not in table(at, "新增覆盖风险值D")["点位编号"].tolist()


def test_nothing_kept_starts_from_scratch():
    at = run_page()
    at.multiselect(key="fac_pins_微型消防站").set_value([])
    at.button(key="fac_run").click().run()
    assert not at.exception
    assert metrics(at)["选址后覆盖单位"].startswith("0 → ")


def test_charging_ports_split_adds_up(expected):
    at = run_page()
    split = table(at, "建议新增端口")
    assert "辖区外" not in set(split["居委"])
    assert int(split["建议新增端口"].sum()) == max(18_000 - expected["installed"], 0)
    assert int(split["电动自行车隐患（近3年）"].sum()) == int(
        expected["demand"].loc[expected["demand"]["committee"] != "辖区外", "incidents"].sum())
    assert int(split["已建端口"].sum()) == expected["installed"]
    at.number_input(key="fac_target").set_value(expected["installed"] + 1000).run()
    assert int(table(at, "建议新增端口")["建议新增端口"].sum()) == 1000


def test_siting_of_charging_ports_uses_ebike_demand():
    at = run_page()
    at.selectbox(key="fac_kind").set_value("充电端口").run()
    assert not at.exception, [e.message for e in at.exception]
    assert "选址后覆盖电动自行车（辆）" in metrics(at)


def test_downloads_are_offered():
    at = run_page()
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"下载各站覆盖（XLSX）", "下载未覆盖重大/较大单位（XLSX）", "下载选址建议（XLSX）",
            "下载端口分配（XLSX）"} <= labels
