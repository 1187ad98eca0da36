"""score_sites: contract columns, levels, must-visit flags, monotone urgency, reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk import OUTPUT_COLUMNS, InputError, score_sites
from risk.config import LEVEL_COLOURS, LEVELS, RiskConfig
from risk.urgency import urgency_points

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def ranked(ledger):
    return score_sites(ledger["sites"], ledger["inspections"], ledger["hazards"], AS_OF,
                       assets=ledger["assets"])


def test_contract_columns_and_ranges(ranked, ledger):
    assert list(ranked.columns[: len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)
    assert len(ranked) == len(ledger["sites"])
    assert set(ranked["site_id"]) == set(ledger["sites"]["site_id"])
    assert ranked["score"].between(0, 100).all()
    assert ranked["rank"].min() == 1 and ranked["rank"].is_monotonic_increasing
    assert ranked["score"].is_monotonic_decreasing
    assert set(ranked["level"]) <= set(LEVELS)
    assert (ranked["colour"] == ranked["level"].map(LEVEL_COLOURS)).all()
    assert ranked["p_hazard"].between(0, 1).all()
    assert (ranked["p_major"] <= ranked["p_hazard"]).all()
    assert (ranked["days_overdue"] >= 0).all()


def test_learned_likelihood_tracks_planted_propensity(ranked, ledger):
    truth = ledger["truth"].set_index("site_id")["logit"]
    rho = np.corrcoef(ranked["p_hazard"], ranked["site_id"].map(truth))[0, 1]
    assert rho > 0.4


def test_statutory_status(ranked, ledger):
    """Calendar-year pace (risk.frequency): at 30 June a 4/yr unit owes its Q1 visit, a 2/yr
    unit's first half-year visit is still due that day."""
    insp = ledger["inspections"]
    last = insp[insp["date"] <= AS_OF].groupby("site_id")["date"].max()
    row = ranked.set_index("site_id")
    assert (row["last_inspection"] == row.index.map(last)).all()
    this_year = insp[(insp["date"] >= "2025-01-01") & (insp["date"] <= AS_OF)]
    done = this_year.drop_duplicates(["site_id", "date"]).groupby("site_id").size()
    done = row.index.map(done).fillna(0).astype(int)
    assert (row["done_this_year"].to_numpy() == done).all()
    req = row.index.map(ledger["sites"].set_index("site_id")["required_per_year"])
    ends = {4: ["2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31"],
            2: ["2025-06-30", "2025-12-31", "2026-06-30"]}
    due = [pd.Timestamp(ends[r][min(d, r)]) for r, d in zip(req, done, strict=True)]
    assert (row["next_due"].to_numpy() == pd.to_datetime(due).to_numpy()).all()
    late = (pd.Timestamp(AS_OF) - pd.to_datetime(due)).days.to_numpy().clip(min=0)
    assert (row["days_overdue"].to_numpy() == late).all()
    # at 30 June: 4/yr units without a visit this year owe Q1 (91 days late); the first
    # half-year visit of 2/yr units is still due today
    assert ((row["days_overdue"] == 91) == ((req == 4) & (done == 0))).all()
    assert (row.loc[req == 2, "days_overdue"] == 0).all()


def test_must_visit_flags(ranked):
    flagged = ranked[ranked["must_visit"]]
    assert len(flagged) > 0
    for _, r in flagged.iterrows():
        assert r["must_reasons"]
        assert ("法定检查逾期" in r["must_reasons"]) == (r["days_overdue"] > 0)
        assert ("重大隐患待复查" in r["must_reasons"]) == (r["major_pending"] > 0)
        assert ("挂牌督办" in r["must_reasons"]) == (r["supervised_open"] > 0)
    calm = ranked[~ranked["must_visit"]]
    assert (calm["days_overdue"] == 0).all() and (calm["major_pending"] == 0).all()


def test_reasons_present_with_contributions(ranked):
    for reasons, text in zip(ranked["reasons"], ranked["reasons_text"], strict=True):
        assert 1 <= len(reasons) <= 4
        assert all(isinstance(t, str) and t and isinstance(v, float) for t, v in reasons)
        contributions = [v for _, v in reasons]
        assert contributions == sorted(contributions, reverse=True)
        assert text.startswith(reasons[0][0])
    pending = ranked[ranked["major_pending"] > 0].iloc[0]
    assert any("重大隐患" in t and "待复查" in t for t, _ in pending["reasons"])
    overdue = ranked[ranked["days_overdue"] > 30]
    if len(overdue):
        assert any("逾期" in t for t, _ in overdue.iloc[0]["reasons"])


def test_urgency_points_monotone_in_every_input():
    base = {"days_overdue": 0, "open_overdue": 0, "max_overdue_days": 0, "major_pending": 0,
            "supervised_open": 0}
    for col, values in [("days_overdue", range(0, 800, 7)), ("open_overdue", range(10)),
                        ("max_overdue_days", range(0, 400, 3)), ("major_pending", range(4)),
                        ("supervised_open", range(4))]:
        frame = pd.DataFrame([{**base, col: v} for v in values])
        u = urgency_points(frame)["urgency"]
        assert u.is_monotonic_increasing, col
        assert u.iloc[-1] > u.iloc[0], col


def test_more_days_overdue_never_lowers_urgency(ledger, ranked):
    """More inspections required a year make units (more) overdue; the hazard ledger is the
    same, so each unit's urgency may only rise, strictly where its overdue days grew."""
    prev = ranked.set_index("site_id")
    for required in (6, 12):
        sites = ledger["sites"].assign(required_per_year=required)
        out = score_sites(sites, ledger["inspections"], ledger["hazards"], AS_OF,
                          assets=ledger["assets"], config={"explain": False})
        out = out.set_index("site_id").loc[prev.index]
        assert (out["days_overdue"] >= prev["days_overdue"]).all()
        assert (out["urgency"] >= prev["urgency"] - 1e-9).all()
        grew = out["days_overdue"] > prev["days_overdue"]
        assert grew.any() and (out.loc[grew, "urgency"] > prev.loc[grew, "urgency"]).all()
        prev = out


def test_score_is_monotone_in_own_priority():
    from risk.scoring import score_from_priority

    rng = np.random.default_rng(3)
    priority = pd.Series(rng.normal(50, 10, 200))
    base = score_from_priority(priority)
    for i in rng.choice(200, 20, replace=False):
        for bump in (0.0, 0.5, 5.0, 50.0):
            raised = priority.copy()
            raised[i] += bump
            assert score_from_priority(raised)[i] >= base[i]


def test_hazard_overdue_raises_score(ledger, ranked):
    target = ranked[ranked["open_hazards"] == 0]["site_id"].iloc[-1]
    hz = ledger["hazards"]
    extra = hz.iloc[[0]].copy()
    extra["hazard_id"], extra["site_id"] = "YH-NEW", target
    extra["found_date"] = pd.Timestamp("2025-04-01")
    extra["status"], extra["closed_date"] = "整改中", pd.NaT
    scores = []
    for deadline in ["2025-06-29", "2025-05-01", "2025-04-10"]:
        extra["deadline"] = pd.Timestamp(deadline)
        out = score_sites(ledger["sites"], ledger["inspections"], pd.concat([hz, extra]), AS_OF,
                          assets=ledger["assets"]).set_index("site_id").loc[target]
        scores.append((out["score"], out["priority"]))
    assert [s for s, _ in scores] == sorted(s for s, _ in scores)
    assert scores[-1][1] > scores[0][1]


def test_level_cut_points_configurable(ledger, ranked):
    strict = score_sites(ledger["sites"], ledger["inspections"], ledger["hazards"], AS_OF,
                         assets=ledger["assets"], config={"level_cuts": (5000, 2000, 1000)})
    assert (strict["level"] == "重大").sum() < (ranked["level"] == "重大").sum()
    cfg = RiskConfig(level_cuts=(320, 160, 70))
    assert [cfg.level_for(v) for v in (320, 319.9, 160, 70, 69)] == ["重大", "较大", "较大",
                                                                     "一般", "低"]
    exclusive = RiskConfig(level_cuts=(320, 160, 70), level_inclusive=False)
    assert exclusive.level_for(320) == "较大"
    with pytest.raises(ValueError, match="递减"):
        RiskConfig.from_overrides({"level_cuts": (10, 20, 5)})
    with pytest.raises(ValueError, match="未知"):
        RiskConfig.from_overrides({"no_such_setting": 1})


def test_as_of_ignores_later_rows(ledger):
    sites, insp, hz = ledger["sites"], ledger["inspections"], ledger["hazards"]
    early = "2024-06-30"
    a = score_sites(sites, insp, hz, early)
    b = score_sites(sites, insp[insp["date"] <= early], hz[hz["found_date"] <= early], early)
    cols = ["site_id", "score", "rank", "level", "p_hazard", "p_major", "last_inspection",
            "next_due", "days_overdue", "open_hazards", "open_overdue", "must_visit", "priority"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=False, atol=1e-6)


def test_bad_inputs_raise_clear_errors(ledger):
    sites, insp = ledger["sites"], ledger["inspections"]
    with pytest.raises(InputError, match="hazard_found"):
        score_sites(sites, insp.drop(columns=["hazard_found"]), None, AS_OF)
    bad = insp.copy()
    bad["site_id"] = bad["site_id"].astype(object)
    bad.loc[0, "site_id"] = "NOPE"
    with pytest.raises(InputError, match="不在场所表中"):
        score_sites(sites, bad, None, AS_OF)
    with pytest.raises(ValueError, match="日期"):
        score_sites(sites, insp, None, "not-a-date")


def test_empty_and_one_class_ledgers_still_score():
    sites = pd.DataFrame({"site_id": ["a", "b", "c"]})
    empty = pd.DataFrame({"inspection_id": [], "site_id": [], "date": [], "hazard_found": []})
    out = score_sites(sites, empty, None, "2025-01-01")
    assert len(out) == 3 and out["p_hazard"].between(0.05, 0.5).all()
    assert (out["reasons_text"] != "").all()
    zeros = pd.DataFrame({
        "inspection_id": [str(i) for i in range(30)], "site_id": ["a", "b", "c"] * 10,
        "date": pd.date_range("2024-01-01", periods=30, freq="7D"), "hazard_found": 0,
    })
    out = score_sites(sites, zeros, None, "2025-01-01")
    assert (out["p_hazard"] < 0.1).all()
    assert out["last_inspection"].notna().all()


def test_p_major_is_calibrated_and_below_p_hazard(ledger):
    sites, insp = ledger["sites"], ledger["inspections"]
    as_of = pd.Timestamp("2024-12-31")
    out = score_sites(sites, insp, None, as_of).set_index("site_id")
    later = insp[(insp["date"] > as_of) & (insp["date"] <= as_of + pd.Timedelta(days=180))]
    first = later.sort_values("date").drop_duplicates("site_id")
    observed_major = first["major_found"].mean()
    predicted_major = first["site_id"].map(out["p_major"]).mean()
    assert abs(predicted_major - observed_major) < 0.03
    observed = first["hazard_found"].mean()
    predicted = first["site_id"].map(out["p_hazard"]).mean()
    assert abs(predicted - observed) < 0.08


def test_inherent_attributes_raise_consequence():
    from risk.inherent import inherent_lec

    sites = pd.DataFrame({"site_id": list("abcd"), "category": ["园区企业"] * 4,
                          "occupants": [5, 400, 5, 5], "storeys": [3, 3, 18, 3],
                          "hazchem_t": [0, 0, 0, 20]})
    lec = inherent_lec(sites)
    # an office park is not a crowd place: 400 staff do not raise C, height and chemicals do
    assert lec["C"].tolist() == [7.0, 7.0, 15.0, 40.0]
    assert (lec["D"] == lec["L"] * lec["E"] * lec["C"]).all()
    crowd = inherent_lec(sites.assign(category="人员密集场所"))
    assert crowd["C"].tolist() == [15.0, 40.0, 15.0, 40.0]
    # the high-rise rule that coloured 87 % of the sample's high-rises 重大: a residential
    # high-rise's head count no longer lifts C to 40 (数人死亡)
    tower = inherent_lec(pd.DataFrame({"site_id": ["t"], "category": ["高层建筑"],
                                       "occupants": [600], "storeys": [30]}))
    assert tower["C"].tolist() == [15.0]


def test_join_scores_keeps_site_data_and_geometry_and_sorts_by_rank() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from risk import join_scores

    sites = gpd.GeoDataFrame(
        {"site_id": ["A", "B", "C"], "name": ["甲", "乙", "丙"]},
        geometry=[Point(121.39, 31.25), Point(121.40, 31.26), Point(121.41, 31.24)],
        crs="EPSG:4326",
    )
    scores = pd.DataFrame({"site_id": ["C", "A", "B"], "name": ["x", "y", "z"], "rank": [2, 3, 1]})
    out = join_scores(sites, scores)
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == sites.crs
    assert out["site_id"].tolist() == ["B", "C", "A"]
    assert out["name"].tolist() == ["乙", "丙", "甲"]  # the registry's own name, not the score table's
    with pytest.raises(pd.errors.MergeError):
        join_scores(sites, pd.concat([scores, scores]))  # one score row per site, or a clear error


def test_rectification_record_is_learned_and_explained_in_chinese(ledger):
    """Units that rectify late (here: those with the higher planted hazard rate) score higher
    through the rectification features, and the reason says so in Chinese."""
    sites, insp = ledger["sites"], ledger["inspections"]
    truth = ledger["truth"].set_index("site_id")["logit"]
    hz = ledger["hazards"].copy()
    slow = hz["site_id"].map(truth) > truth.median()
    done = slow & hz["closed_date"].notna()
    hz.loc[done, "rectified_date"] = hz.loc[done, "deadline"] + pd.Timedelta(days=10)
    hz.loc[done, "closed_date"] = hz.loc[done, "deadline"] + pd.Timedelta(days=12)
    out = score_sites(sites, insp, hz, AS_OF, assets=ledger["assets"])
    texts = out["reasons_text"]
    rect = texts[texts.str.contains("整改记录：")]
    assert rect.str.contains(r"整改平均用时为期限的\d+%").any()
    assert rect.str.contains(r"以往隐患\d+%逾期整改").any()  # the late units
