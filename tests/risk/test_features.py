"""History features must only read strictly earlier inspections of the same site."""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.backtest import backtest
from risk.features import HISTORY_COLUMNS, build_feature_table, history_features


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
    base = history_features(insp, queries, prior_rate=0.3)
    cut = pd.Timestamp("2024-06-01")
    changed = insp.copy()
    rng = np.random.default_rng(5)
    later = changed["date"] >= cut
    changed.loc[later, "hazard_found"] = rng.integers(0, 2, later.sum())
    changed.loc[later, "major_found"] = rng.integers(0, 2, later.sum())
    changed.loc[later, "n_hazards"] = rng.integers(0, 5, later.sum())
    after = history_features(changed, queries, prior_rate=0.3)
    upto = insp["date"] <= cut  # queries ON the cut date see nothing of that day either
    pd.testing.assert_frame_equal(base[upto], after[upto])
    assert not base[~upto].equals(after[~upto])  # later queries do use earlier outcomes


def test_other_sites_do_not_leak(ledger):
    insp = ledger["inspections"]
    one = insp[insp["site_id"] == "S000001"]
    alone = history_features(one, one[["site_id", "date"]], prior_rate=0.3)
    together = history_features(insp, one[["site_id", "date"]], prior_rate=0.3)
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
