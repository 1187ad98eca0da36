"""History features must only read strictly earlier inspections of the same site."""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.backtest import backtest
from risk.features import (
    HISTORY_COLUMNS,
    RECTIFICATION_COLUMNS,
    build_feature_table,
    feature_hazards,
    history_features,
    rectification_features,
)


def _insp(rows):
    df = pd.DataFrame(rows, columns=["site_id", "date", "hazard_found", "major_found"])
    df["date"] = pd.to_datetime(df["date"])
    df.insert(0, "inspection_id", [f"I{i}" for i in range(len(df))])
    return df


def test_same_day_inspections_do_not_see_each_other():
    insp = _insp(
        [
            ("S1", "2024-01-01", 0, 0),
            ("S1", "2024-02-01", 1, 1),
            ("S1", "2024-02-01", 0, 0),
            ("S1", "2024-03-01", 0, 0),
        ]
    )
    f = history_features(insp, insp[["site_id", "date"]])
    # both 02-01 rows see only the 01-01 visit
    assert f["n_prev"].tolist() == [0, 1, 1, 3]
    assert f["n_hazard_12m"].tolist() == [0, 0, 0, 1]
    assert f["n_major_24m"].tolist() == [0, 0, 0, 1]
    assert f["days_since_last_hazard"].tolist()[3] == 29
    assert f.loc[3, "last_hazard"] == 1.0  # the 02-01 visit had a hazard (either row)
    assert f.loc[3, "days_since_last"] == 29
    assert np.isnan(f.loc[0, "days_since_last"])


def test_features_ignore_outcomes_on_and_after_query_date(ledger):
    insp = ledger["inspections"]
    queries = insp[["site_id", "date"]]
    # both priors fixed: their defaults are means over the table passed, later rows included
    # (the backtest passes the training period's means)
    base = history_features(insp, queries, prior_rate=0.3, prior_count=0.5)
    cut = pd.Timestamp("2024-06-01")
    changed = insp.copy()
    rng = np.random.default_rng(5)
    later = changed["date"] >= cut
    changed.loc[later, "hazard_found"] = rng.integers(0, 2, later.sum())
    changed.loc[later, "major_found"] = rng.integers(0, 2, later.sum())
    changed.loc[later, "n_hazards"] = rng.integers(0, 5, later.sum())
    after = history_features(changed, queries, prior_rate=0.3, prior_count=0.5)
    upto = insp["date"] <= cut  # queries ON the cut date see nothing of that day either
    pd.testing.assert_frame_equal(base[upto], after[upto])
    assert not base[~upto].equals(after[~upto])  # later queries do use earlier outcomes


def test_other_sites_do_not_leak(ledger):
    insp = ledger["inspections"]
    one = insp[insp["site_id"] == "S000001"]
    alone = history_features(one, one[["site_id", "date"]], prior_rate=0.3, prior_count=0.5)
    together = history_features(insp, one[["site_id", "date"]], prior_rate=0.3, prior_count=0.5)
    pd.testing.assert_frame_equal(alone, together)


def test_feature_table_has_history_season_and_site_columns(ledger):
    insp = ledger["inspections"].head(50)
    X = build_feature_table(ledger["sites"], insp, insp[["site_id", "date"]])
    assert set(HISTORY_COLUMNS) <= set(X.columns)
    assert "season_winter_spring_fire" in X and "site_category" in X
    assert "site_name" not in X  # identifier-like free text is dropped
    assert not any(c in X for c in ("hazard_found", "major_found", "n_hazards"))


def test_future_only_signal_is_not_used():
    """Outcomes are iid; a row's own or later outcomes would be the only signal there is.

    A leaky feature (e.g. a site's hazard rate over the whole ledger, including the row being
    predicted) would lift the test AUC far above 0.5; leak-free features cannot.
    """
    rng = np.random.default_rng(11)
    n_sites = 150
    sites = pd.DataFrame({"site_id": [f"S{i}" for i in range(n_sites)],
                          "category": rng.choice(["群租", "厂房仓库"], n_sites)})
    rows = []
    for sid in sites["site_id"]:
        for d in pd.date_range("2023-01-01", "2024-12-31", freq="45D"):
            rows.append((sid, d + pd.Timedelta(days=int(rng.integers(0, 20)))))
    insp = pd.DataFrame(rows, columns=["site_id", "date"])
    insp["hazard_found"] = (rng.random(len(insp)) < 0.3).astype(int)
    insp = insp.sort_values(["site_id", "date"]).reset_index(drop=True)
    insp["inspection_id"] = [f"I{i}" for i in range(len(insp))]
    res = backtest(sites, insp, "2024-07-01", config={"families": ("logistic",)},
                   use_context=False)
    assert 0.40 < res.report["auc"] < 0.60
    # Sanity of the check itself: a leaky site-level rate including the test rows separates.
    leaky = insp.groupby("site_id")["hazard_found"].transform("mean")
    test = insp["date"] >= "2024-07-01"
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(insp.loc[test, "hazard_found"], leaky[test]) > 0.6


def _rewrite_hazard_records_from(hazards: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """The hazards with everything recorded on or after ``cut`` made different.

    Hazards found from ``cut`` on get other dates, levels and closings; hazards found before
    it but closed from ``cut`` on are rectified late with a moved deadline (or never closed),
    as a 复查不合格 after ``cut`` would record.
    """
    rng = np.random.default_rng(7)
    out = hazards.copy()
    later = out["found_date"] >= cut
    out.loc[later, "found_date"] = cut + pd.to_timedelta(rng.integers(0, 200, later.sum()), "D")
    out.loc[later, "level"] = np.where(rng.random(later.sum()) < 0.5, "重大", "一般")
    out.loc[later, "deadline"] = out.loc[later, "found_date"] + pd.Timedelta(days=7)
    out.loc[later, "rectified_date"] = out.loc[later, "found_date"] + pd.Timedelta(days=30)
    out.loc[later, "closed_date"] = out.loc[later, "found_date"] + pd.Timedelta(days=31)
    closing = ~later & ~(out["closed_date"] < cut)
    out.loc[closing, "deadline"] = out.loc[closing, "deadline"] + pd.Timedelta(days=30)
    out.loc[closing, "rectified_date"] = cut + pd.Timedelta(days=90)
    out.loc[closing, "closed_date"] = np.where(
        rng.random(closing.sum()) < 0.5, pd.NaT, cut + pd.Timedelta(days=95)
    )
    return out


def test_rectification_features_read_only_records_before_the_query_date(ledger):
    """A hazard counts from its finding and its rectification from its 销号, both before q.

    Fails if a feature reads a hazard found on/after the query date, or a deadline,
    rectification or closing recorded on/after it (e.g. the final deadline of a hazard still
    open at q, which a later 复查不合格 moves).
    """
    insp = ledger["inspections"]
    queries = insp[["site_id", "date"]]
    hz = ledger["hazards"].copy()
    # make the fixture's record informative: some rectifications late, some still open
    rng = np.random.default_rng(3)
    late = rng.random(len(hz)) < 0.3
    hz.loc[late, "rectified_date"] = hz.loc[late, "deadline"] + pd.Timedelta(days=5)
    hz.loc[late, "closed_date"] = hz.loc[late, "deadline"] + pd.Timedelta(days=8)
    cut = pd.Timestamp("2024-06-01")
    base = rectification_features(hz, queries)
    after = rectification_features(_rewrite_hazard_records_from(hz, cut), queries)
    upto = (insp["date"] <= cut).to_numpy()  # a query ON the cut day sees nothing of that day
    assert list(base.columns) == list(RECTIFICATION_COLUMNS)
    assert base.loc[upto, "rect_time_ratio"].notna().sum() > 100  # the check has content
    assert (base.loc[upto, "open_at_query"] > 0).sum() > 20
    pd.testing.assert_frame_equal(base[upto], after[upto])
    assert not base[~upto].equals(after[~upto])  # later queries do read earlier records


def test_backtest_window_rows_do_not_read_their_own_hazards(ledger):
    """The backtest with the 隐患台账 scores the window the same whatever the ledger records
    from the window's start on (findings, 复查, 销号 of the window's own inspections)."""
    sites, insp, hz = ledger["sites"], ledger["inspections"], ledger["hazards"]
    cut = pd.Timestamp("2024-07-01")
    cfg = {"families": ("logistic",)}
    a = backtest(sites, insp, cut, "2024-12-31", config=cfg, hazards=hz)
    b = backtest(sites, insp, cut, "2024-12-31", config=cfg,
                 hazards=_rewrite_hazard_records_from(hz, cut))
    # the window's rows read only records before their own date, so records from the
    # window's start on may change its later rows; the first day reads nothing of them
    first_day = a.scores["date"] == a.scores["date"].min()
    np.testing.assert_allclose(a.scores.loc[first_day, "score"], b.scores.loc[first_day, "score"])
    assert set(RECTIFICATION_COLUMNS) <= set(a.model.encoding.numeric)


def test_feature_hazards_as_of_view():
    hz = pd.DataFrame({"site_id": ["S1", "S1"],
                       "found_date": ["2024-01-01", "2024-05-01"],
                       "deadline": ["2024-01-15", "2024-05-15"],
                       "rectified_date": ["2024-01-10", "2024-05-10"],
                       "closed_date": ["2024-03-02", "2024-05-12"]})
    view = feature_hazards(hz, pd.Timestamp("2024-03-01"))
    assert len(view) == 1 and pd.isna(view.loc[0, "closed_date"])  # closed after the day
    assert view.loc[0, "rectified_date"] == pd.Timestamp("2024-01-10")
    assert feature_hazards(hz.drop(columns="deadline")) is None  # no such columns: no features
