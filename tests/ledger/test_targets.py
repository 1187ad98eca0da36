"""ledger.targets with hand-made numbers: pace vs the calendar, by 居委 / department, 考核
weights and qualitative scores, unit status, the printable summary."""

from __future__ import annotations

import pandas as pd
import pytest

from ledger.targets import (
    assessment,
    assessment_html,
    commitment_gaps,
    elapsed_share,
    progress_by,
    target_progress,
    unit_status,
)


def targets(*rows: tuple) -> pd.DataFrame:
    """(target_id, kind, amount, start, deadline, department) rows."""
    return pd.DataFrame(
        [
            {"target_id": t, "year": 2026, "kind": k, "title": k, "unit": "次", "amount": a,
             "start_date": pd.Timestamp(s), "deadline": pd.Timestamp(d), "department": dept,
             "note": ""}
            for t, k, a, s, d, dept in rows
        ]
    )  # fmt: skip


def events(*rows: tuple) -> pd.DataFrame:
    """(target_id, date, quantity, site_id, committee, department) rows."""
    return pd.DataFrame(
        [
            {"event_id": f"E{i}", "target_id": t, "date": pd.Timestamp(d), "quantity": float(q),
             "site_id": s, "committee": c, "department": dept}
            for i, (t, d, q, s, c, dept) in enumerate(rows)
        ],
        columns=["event_id", "target_id", "date", "quantity", "site_id", "committee", "department"],
    )  # fmt: skip


SITES = pd.DataFrame({
    "site_id": ["a", "b", "c", "d", "e"],
    "category": ["厂房仓库", "园区企业", "厂房仓库", "群租", "厂房仓库"],
    "committee": ["南大街", "南大街", "星光", "星光", "星光"],
    "department": ["社区平安办", "社区平安办", "社区平安办", "居委会", "社区平安办"],
    "operating_state": ["正常", "正常", "正常", "正常", "注销"],
})  # fmt: skip

TEN_DAYS = ("T1", "应急演练", 10.0, "2026-01-01", "2026-01-10", "社区平安办")


def test_expected_is_the_amount_times_the_elapsed_share_of_the_period():
    t = targets(TEN_DAYS)
    three = events(("T1", "2026-01-02", 3, None, None, "社区平安办"))
    p = target_progress(t, three, SITES, "2026-01-04").iloc[0]
    assert p["share"] == pytest.approx(0.4)
    assert p["expected"] == pytest.approx(4.0)
    assert p["done"] == 3 and p["behind"] and p["gap"] == pytest.approx(1.0)
    assert p["status"] == "落后"
    four = events(("T1", "2026-01-02", 4, None, None, "社区平安办"))
    p = target_progress(t, four, SITES, "2026-01-04").iloc[0]
    assert not p["behind"] and p["gap"] == 0 and p["status"] == "正常"


def test_nothing_is_due_before_the_start_and_everything_after_the_deadline():
    assert elapsed_share("2026-05-01", "2026-09-30", "2026-04-30") == 0.0
    assert elapsed_share("2026-05-01", "2026-09-30", "2026-10-01") == 1.0
    t = targets(("T1", "防台防汛宣传", 12.0, "2026-05-01", "2026-09-30", "城运中心"))
    early = target_progress(t, events(), SITES, "2026-03-01").iloc[0]
    assert early["expected"] == 0 and not early["behind"] and early["status"] == "未开始"
    late = target_progress(t, events(("T1", "2026-06-01", 12, None, None, "城运中心")),
                           SITES, "2026-12-31").iloc[0]  # fmt: skip
    assert late["status"] == "完成" and late["done_pct"] == 1.0


def test_events_after_the_as_of_day_and_of_other_targets_do_not_count():
    t = targets(TEN_DAYS)
    ev = events(
        ("T1", "2026-01-03", 2, None, None, "社区平安办"),
        ("T1", "2026-01-08", 5, None, None, "社区平安办"),
        ("T9", "2026-01-02", 7, None, None, "社区平安办"),
    )
    assert target_progress(t, ev, SITES, "2026-01-05").iloc[0]["done"] == 2


def test_a_unit_target_counts_distinct_units_and_plans_the_active_enterprises():
    t = targets(("T1", "承诺书", None, "2026-01-01", "2026-06-30", "社区平安办"))
    ev = events(
        ("T1", "2026-02-01", 1, "a", "南大街", "社区平安办"),
        ("T1", "2026-03-01", 1, "a", "南大街", "社区平安办"),  # signed again: counts once
        ("T1", "2026-03-02", 1, "c", "星光", "社区平安办"),
    )
    p = target_progress(t, ev, SITES, "2026-12-31").iloc[0]
    # a, b, c: e is 注销 and d (群租) is not an enterprise
    assert p["planned"] == 3 and p["done"] == 2 and p["gap"] == pytest.approx(1.0)


def test_by_committee_splits_a_unit_target_by_the_enterprises_of_each_committee():
    t = targets(("T1", "全员培训", None, "2026-01-01", "2026-12-31", "社区平安办"))
    ev = events(("T1", "2026-02-01", 1, "a", "南大街", "社区平安办"))
    g = progress_by(t, ev, SITES, "2026-12-31", by="committee").set_index("group")
    assert g.loc["南大街", "planned"] == 2 and g.loc["南大街", "done"] == 1
    assert g.loc["星光", "planned"] == 1 and g.loc["星光", "done"] == 0
    assert g.loc["星光", "behind"] and g.loc["星光", "gap"] == pytest.approx(1.0)


def test_by_department_the_lead_department_carries_a_total_target():
    t = targets(("T1", "充电端口", 18000.0, "2026-01-01", "2026-12-31", "社区管理办"))
    ev = events(
        ("T1", "2026-03-01", 1000, None, "南大街", "社区管理办"),
        ("T1", "2026-04-01", 500, None, "星光", "城运中心"),
    )
    g = progress_by(t, ev, SITES, "2026-12-31", by="department").set_index("group")
    assert g.loc["社区管理办", "planned"] == 18000 and g.loc["社区管理办", "done"] == 1000
    assert pd.isna(g.loc["城运中心", "planned"]) and g.loc["城运中心", "done"] == 500
    by_c = progress_by(t, ev, SITES, "2026-12-31", by="committee").set_index("group")
    assert by_c["done"].to_dict() == {"南大街": 1000, "星光": 500}
    assert by_c["planned"].isna().all()  # the plan is not split by 居委


def test_assessment_weights_qualitative_scores_and_share():
    t = targets(
        ("T1", "应急演练", 4.0, "2026-01-01", "2026-12-31", "社区平安办"),
        ("T2", "安全培训", 2.0, "2026-01-01", "2026-12-31", "社区平安办"),
    )
    ev = events(
        ("T1", "2026-03-01", 2, None, None, "社区平安办"),  # 2 of 4 expected: 0.5
        ("T2", "2026-03-01", 2, None, None, "社区平安办"),  # 2 of 2: 1.0
    )
    a = assessment(t, ev, SITES, "2026-12-31", weights={"应急演练": 3, "安全培训": 1},
                   qualitative={"社区平安办": 80}, quant_share=0.7).iloc[0]  # fmt: skip
    assert a["quantitative"] == pytest.approx(62.5)  # (3 × 0.5 + 1 × 1) / 4
    assert a["total"] == pytest.approx(0.7 * 62.5 + 0.3 * 80)
    assert a["behind"] == 1 and a["targets"] == 2
    only_training = assessment(t, ev, SITES, "2026-12-31", weights={"应急演练": 0}).iloc[0]
    assert only_training["quantitative"] == pytest.approx(100.0)


def test_assessment_ranks_groups_and_leaves_out_the_unassessed_groups():
    t = targets(("T1", "承诺书", None, "2026-01-01", "2026-06-30", "社区平安办"))
    sites = pd.concat([SITES, pd.DataFrame({
        "site_id": ["x"], "category": ["厂房仓库"], "committee": ["辖区外"],
        "department": ["社区平安办"], "operating_state": ["正常"],
    })], ignore_index=True)  # fmt: skip
    ev = events(
        ("T1", "2026-02-01", 1, "c", "星光", "社区平安办"),
        ("T1", "2026-02-01", 1, "a", "南大街", "社区平安办"),
    )
    a = assessment(t, ev, sites, "2026-12-31", by="committee")
    assert list(a["group"]) == ["星光", "南大街"]  # 1/1 before 1/2
    assert list(a["rank"]) == [1, 2]
    assert a.set_index("group").loc["南大街", "quantitative"] == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": {"应急演练": -1}}, "权重不能为负数"),
        ({"qualitative": {"社区平安办": 120}}, "定性评分须在 0 到 100 之间"),
        ({"quant_share": 1.5}, "定量部分占比"),
    ],
)
def test_assessment_refuses_bad_settings_in_chinese(kwargs, message):
    with pytest.raises(ValueError, match=message):
        assessment(targets(TEN_DAYS), events(), SITES, "2026-12-31", **kwargs)


def test_unit_status_shows_commitment_and_each_of_the_four_ones():
    t = targets(
        ("T1", "承诺书", None, "2026-01-01", "2026-06-30", "社区平安办"),
        ("T2", "安全评估", None, "2026-01-01", "2026-12-31", "社区平安办"),
        ("T3", "设施维护保养", None, "2026-01-01", "2026-12-31", "社区平安办"),
        ("T4", "全员培训", None, "2026-01-01", "2026-12-31", "社区平安办"),
    )
    ev = events(*[(f"T{k}", "2026-02-01", 1, "a", "南大街", "社区平安办") for k in (1, 2, 3, 4)],
                ("T1", "2026-02-01", 1, "b", "南大街", "社区平安办"),
                ("T4", "2026-12-30", 1, "b", "南大街", "社区平安办"))  # fmt: skip
    u = unit_status(SITES, t, ev, "2026-12-01").set_index("site_id")
    assert list(u.index) == ["a", "b", "c"]
    assert u.loc["a", "四个一"] and u.loc["a", "missing"] == ""
    assert u.loc["b", "承诺书"] and not u.loc["b", "全员培训"]  # trained after the as-of day
    assert not u.loc["c", "承诺书"] and u.loc["c", "missing"] == "安全评估、承诺书、设施维护保养、全员培训"


def test_printable_summary_escapes_names():
    table = pd.DataFrame({"group": ["<script>alert(1)</script>"], "targets": [1], "behind": [0],
                          "quantitative": [90.0], "qualitative": [80.0], "total": [87.0],
                          "rank": [1]})  # fmt: skip
    page = assessment_html(table, "committee", 2026, "2026-12-01", {"<i>x</i>": 2.0}, 0.7)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<i>x</i>" not in page
    assert "按居委" in page and "87.0" in page


def test_the_commitment_factor_is_off_by_default_and_raises_units_lacking_a_commitment():
    from risk import score_sites
    from synthdata import generate

    tables = generate(seed=3, n_sites=300, years=1)
    sites = tables["sites"]
    as_of = tables["inspections"]["date"].max()
    t = targets(
        ("T1", "承诺书", None, f"{as_of.year}-01-01", f"{as_of.year}-06-30", "社区平安办"),
        ("T2", "全员培训", None, f"{as_of.year}-01-01", f"{as_of.year}-12-31", "社区平安办"),
    )
    ent = sites[sites["category"] == "厂房仓库"]["site_id"].tolist()
    signed, lacking = ent[0], ent[1]
    ev = events(("T1", f"{as_of.year}-02-01", 1, signed, None, None),
                ("T2", f"{as_of.year}-02-01", 1, signed, None, None))  # fmt: skip
    flagged = sites.assign(commitment_missing=commitment_gaps(sites, t, ev, as_of))
    assert flagged.set_index("site_id").loc[lacking, "commitment_missing"] == "未签承诺书、未完成全员培训"
    assert flagged.set_index("site_id").loc[signed, "commitment_missing"] == ""
    cfg = {"model_cache_dir": None}
    off = score_sites(flagged, tables["inspections"], tables["hazards"], as_of, config=cfg)
    on = score_sites(flagged, tables["inspections"], tables["hazards"], as_of,
                     config={**cfg, "commitment_factor": True})  # fmt: skip
    off, on = off.set_index("site_id"), on.set_index("site_id")
    assert on.loc[lacking, "priority"] == pytest.approx(off.loc[lacking, "priority"] + 8.0)
    assert on.loc[signed, "priority"] == pytest.approx(off.loc[signed, "priority"])
    assert any("未签承诺书" in text for text, _ in on.loc[lacking, "reasons"])
    assert not any("承诺书" in text for text, _ in off.loc[lacking, "reasons"])
