"""Backtest metrics: days earlier on a hand-computed toy case, ranking metrics, calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk.backtest import REPORT_KEYS, backtest, calibration_table, days_earlier, ranking_metrics

DATES = pd.Series(pd.to_datetime(
    ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]
))


def test_days_earlier_hand_computed():
    # hazards on days 3 and 6; the model ranks day 6 first, day 3 third.
    y = [0, 0, 1, 0, 0, 1]
    s = [0.1, 0.5, 0.4, 0.2, 0.3, 0.9]
    r = days_earlier(DATES, y, s, n_random=0)
    # order by score: d6 (→ 01-01), d2 (→ 01-02), d3 (→ 01-03), d5, d4, d1
    # hazard d6: 6 - 1 = 5 days earlier; hazard d3: 3 - 3 = 0 → mean 2.5, median 2.5
    assert r["days_earlier_mean"] == pytest.approx(2.5)
    assert r["days_earlier_median"] == pytest.approx(2.5)
    # perfect: hazards get 01-01 and 01-02: (6-1 + 3-2)/2 = 3
    assert r["perfect_days_earlier"] == pytest.approx(3.0)
    # random: expected assigned day = mean day 3.5; hazards' mean real day 4.5 → 1.0
    assert r["random_days_earlier"] == pytest.approx(1.0)
    assert r["normalised_gain"] == pytest.approx((2.5 - 1.0) / (3.0 - 1.0))
    # window 01-01..01-06: first half is before 01-04; assigned 01-01, 01-03 both inside
    assert r["first_half_share_model"] == pytest.approx(1.0)
    assert r["first_half_share_actual"] == pytest.approx(0.5)


def test_random_shuffles_match_exact_expectation():
    y = [0, 0, 1, 0, 0, 1]
    s = [0.1, 0.5, 0.4, 0.2, 0.3, 0.9]
    shuffled = days_earlier(DATES, y, s, n_random=4000, seed=3)["random_days_earlier"]
    assert shuffled == pytest.approx(1.0, abs=0.1)


def test_ties_keep_chronological_order():
    r = days_earlier(DATES, [0, 0, 1, 0, 0, 1], [0.5] * 6, n_random=0)
    assert r["days_earlier_mean"] == 0.0  # a constant score changes nothing


def test_no_hazard_in_window_gives_nan():
    r = days_earlier(DATES, [0] * 6, np.arange(6), n_random=0)
    assert all(np.isnan(v) for v in r.values())


def test_ranking_metrics_top_decile():
    y = np.array([1] * 5 + [0] * 95)
    s = np.linspace(1, 0, 100)  # the 5 hazards ranked first
    m = ranking_metrics(y, s)
    assert m["auc"] == pytest.approx(1.0)
    assert m["precision_at_10pct"] == pytest.approx(0.5)  # 5 of the top 10
    assert m["recall_at_10pct"] == pytest.approx(1.0)
    assert ranking_metrics(y, -s)["recall_at_10pct"] == 0.0


@pytest.fixture(scope="module")
def result(ledger):
    return backtest(ledger["sites"], ledger["inspections"], "2024-07-01", "2025-06-30")


def test_backtest_report_has_every_key_and_beats_random(result):
    res = result
    assert set(REPORT_KEYS) <= set(res.report)
    assert res.report["auc"] > 0.62  # planted site and sector effects are learnable
    assert res.report["days_earlier_mean"] > res.report["random_days_earlier"]
    assert 0 < res.report["normalised_gain"] < 1
    assert len(res.scores) == res.report["n_test"]
    assert res.scores["date"].min() >= pd.Timestamp("2024-07-01")


def test_calibration_sanity(result):
    res = result
    y, p = res.scores["hazard_found"], res.scores["score"]
    # calibrated probabilities: mean prediction near the observed rate, and the binned
    # observed rate rises with the prediction
    assert abs(p.mean() - y.mean()) < 0.06
    table = calibration_table(y, p, bins=5)
    assert table["observed"].iloc[-1] > table["observed"].iloc[0] + 0.15
    assert (table["p_mean"] - table["observed"]).abs().max() < 0.15
    assert res.report["brier"] < y.mean() * (1 - y.mean())  # better than the base rate
