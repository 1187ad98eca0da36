"""Backtest in the manner of the City of Chicago food-inspection evaluation.

Train on inspections dated before ``test_from``; score every inspection in the window
``[test_from, test_to]`` with features known before it (its site's strictly earlier
inspections); then report ranking metrics and *days earlier*: sort the window's inspections by
score, give the k-th highest score the k-th earliest real inspection date (daily capacity
unchanged), and measure how much earlier the hazards would have been found.

Examples
--------
>>> import pandas as pd
>>> d = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]))
>>> r = days_earlier(d, [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], n_random=0)
>>> r["days_earlier_mean"], r["random_days_earlier"], r["normalised_gain"]
(2.0, 1.0, 1.0)
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from risk.config import RiskConfig
from risk.features import (
    HAZARD_FEATURE_INPUTS,
    build_feature_table,
    context_feature_frame,
    feature_hazards,
)
from risk.model import LikelihoodModel, fit_likelihood
from risk.tables import InputError, validate_inspections, validate_sites

REPORT_KEYS: tuple[str, ...] = (
    "auc",
    "average_precision",
    "precision_at_10pct",
    "recall_at_10pct",
    "days_earlier_mean",
    "days_earlier_median",
    "first_half_share_model",
    "first_half_share_actual",
    "random_days_earlier",
    "perfect_days_earlier",
    "normalised_gain",
)


def _assigned_days(real_days: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Day assigned to each row when rows are visited in ``order`` on the real calendar."""
    assigned = np.empty_like(real_days)
    assigned[order] = np.sort(real_days, kind="stable")
    return assigned


def days_earlier(
    dates: pd.Series | Sequence,
    y: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    window_start: dt.date | str | None = None,
    window_end: dt.date | str | None = None,
    n_random: int = 200,
    seed: int = 0,
) -> dict[str, float]:
    """Days-earlier figures of a score order versus random and perfect orders.

    Parameters
    ----------
    dates : sequence of dates
        Real inspection date of each test inspection.
    y : sequence of 0/1
        Hazard found.
    scores : sequence of float
        Higher = inspect first. Ties keep the real chronological order.
    window_start, window_end : date, optional
        Test window (default: first and last date); its first half is
        ``[start, start + (end - start + 1) / 2)`` in days.
    n_random : int
        Number of random shuffles averaged for the random baseline; 0 uses the exact mean
        over all shuffles (closed form: each row's expected assigned day is the mean day).

    Returns
    -------
    dict
        ``days_earlier_mean, days_earlier_median, first_half_share_model,
        first_half_share_actual, random_days_earlier, perfect_days_earlier, normalised_gain``
        (NaN when the window has no hazard).
    """
    d = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[D]").astype(np.int64)
    yv = np.asarray(y, dtype=int)
    s = np.asarray(scores, dtype=float)
    if not (len(d) == len(yv) == len(s)):
        raise ValueError("dates, y, scores 长度不一致")
    nan = float("nan")
    keys = ["days_earlier_mean", "days_earlier_median", "first_half_share_model",
            "first_half_share_actual", "random_days_earlier", "perfect_days_earlier",
            "normalised_gain"]
    if len(d) == 0 or yv.sum() == 0:
        return dict.fromkeys(keys, nan)
    start = (
        int(np.datetime64(pd.Timestamp(window_start).date(), "D").astype(np.int64))
        if window_start is not None
        else int(d.min())
    )
    end = (
        int(np.datetime64(pd.Timestamp(window_end).date(), "D").astype(np.int64))
        if window_end is not None
        else int(d.max())
    )
    half = start + (end - start + 1) / 2.0
    chrono = np.argsort(d, kind="stable")  # tie-break: real chronological order
    hz = yv == 1

    def evaluate(order_within_chrono: np.ndarray) -> np.ndarray:
        order = chrono[order_within_chrono]
        return _assigned_days(d, order)

    model_assigned = evaluate(np.argsort(-s[chrono], kind="stable"))
    gain_model = (d - model_assigned)[hz]
    perfect_assigned = evaluate(np.argsort(-yv[chrono], kind="stable"))
    perfect = float(np.mean((d - perfect_assigned)[hz]))
    if n_random > 0:
        rng = np.random.default_rng(seed)
        rand = [
            float(np.mean((d - evaluate(rng.permutation(len(d))))[hz])) for _ in range(n_random)
        ]
        random_mean = float(np.mean(rand))
    else:  # exact mean over all shuffles: every row's expected assigned day is the mean day
        random_mean = float(np.mean(d[hz]) - np.mean(d))
    model_mean = float(np.mean(gain_model))
    denom = perfect - random_mean
    return {
        "days_earlier_mean": model_mean,
        "days_earlier_median": float(np.median(gain_model)),
        "first_half_share_model": float(np.mean(model_assigned[hz] < half)),
        "first_half_share_actual": float(np.mean(d[hz] < half)),
        "random_days_earlier": random_mean,
        "perfect_days_earlier": perfect,
        "normalised_gain": float((model_mean - random_mean) / denom) if denom > 0 else nan,
    }


def discovery_curve(
    dates: pd.Series | Sequence, y: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray
) -> pd.DataFrame:
    """Share of the window's hazards found by each day, for the real, model and perfect orders.

    The model and perfect orders reuse the real calendar (k-th visit on the k-th earliest real
    date); ``random`` is the expected share of a random order (proportional to visits made).

    Returns
    -------
    DataFrame
        ``date, actual, model, perfect, random`` (cumulative shares in [0, 1]).
    """
    d = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[D]").astype(np.int64)
    yv = np.asarray(y, dtype=int)
    s = np.asarray(scores, dtype=float)
    chrono = np.argsort(d, kind="stable")
    total = max(int(yv.sum()), 1)
    model = _assigned_days(d, chrono[np.argsort(-s[chrono], kind="stable")])
    perfect = _assigned_days(d, chrono[np.argsort(-yv[chrono], kind="stable")])
    days = np.unique(d)

    def share(assigned: np.ndarray) -> np.ndarray:
        found = np.sort(assigned[yv == 1])
        return np.searchsorted(found, days, side="right") / total

    visits = np.searchsorted(np.sort(d), days, side="right") / max(len(d), 1)
    return pd.DataFrame(
        {
            "date": days.astype("datetime64[D]").astype("datetime64[ns]"),
            "actual": share(d),
            "model": share(model),
            "perfect": share(perfect),
            "random": visits,
        }
    )


def ranking_metrics(y: Sequence[int], scores: Sequence[float], top: float = 0.10) -> dict:
    """ROC AUC, average precision, precision and recall in the top ``top`` share by score."""
    yv = np.asarray(y, dtype=int)
    s = np.asarray(scores, dtype=float)
    nan = float("nan")
    out = {"auc": nan, "average_precision": nan, "precision_at_10pct": nan,
           "recall_at_10pct": nan}
    if len(yv) == 0:
        return out
    k = max(1, math.ceil(top * len(yv)))
    topk = np.argsort(-s, kind="stable")[:k]
    out["precision_at_10pct"] = float(yv[topk].mean())
    if yv.sum() > 0:
        out["recall_at_10pct"] = float(yv[topk].sum() / yv.sum())
        out["average_precision"] = float(average_precision_score(yv, s))
    if 0 < yv.sum() < len(yv):
        out["auc"] = float(roc_auc_score(yv, s))
    return out


def calibration_table(y: Sequence[int], p: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Mean predicted vs observed rate per quantile bin of ``p`` (for calibration plots)."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(p, dtype=float)})
    q = min(bins, max(1, frame["p"].nunique()))
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), q=q, labels=False)
    return (
        frame.groupby("bin")
        .agg(p_mean=("p", "mean"), observed=("y", "mean"), n=("y", "size"))
        .reset_index(drop=True)
    )


@dataclass
class BacktestResult:
    """Report (the JSON keys), per-inspection test scores, and the fitted model."""

    report: dict
    scores: pd.DataFrame
    model: LikelihoodModel


def backtest(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    test_from: dt.date | str,
    test_to: dt.date | str | None = None,
    config: RiskConfig | dict | None = None,
    progress: Callable[[str], None] | None = None,
    use_context: bool = True,
    exclude_types: Sequence[str] = (),
    hazards: pd.DataFrame | None = None,
) -> BacktestResult:
    """Train before ``test_from``, score the window, compute every report figure.

    Parameters
    ----------
    sites, inspections : DataFrame
        Tables as in :func:`risk.tables.validate_sites` / :func:`validate_inspections`; extra
        inspection columns (not outcomes) are used as context features when ``use_context``.
    test_from, test_to : date or str
        Test window (``test_to`` default: last inspection date).
    use_context : bool
        Use extra inspection columns as features.
    exclude_types : sequence of str
        Inspection ``type`` values dropped before anything else (e.g. ``("复查",)``: re-checks
        of a known hazard are not fresh inspections).
    hazards : DataFrame, optional
        隐患台账 (``site_id, found_date, deadline, rectified_date, closed_date``): adds
        the rectification features (:func:`risk.features.rectification_features`), each row
        reading only what was recorded before its own date — training rows never see the
        window, window rows never see their own or later hazards, 复查 or 销号.

    Returns
    -------
    BacktestResult
        ``report`` holds :data:`REPORT_KEYS` plus ``n_train, n_test, model`` etc.;
        ``scores`` has ``inspection_id, site_id, date, hazard_found, score``.
    """
    cfg = RiskConfig.from_overrides(config)
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    sites = validate_sites(sites)
    insp = validate_inspections(inspections, sites)
    if exclude_types:
        if "type" not in insp:
            raise InputError("检查记录表没有 type 列, 无法按类型排除")
        insp = insp[~insp["type"].astype(str).isin(list(exclude_types))]
    insp = insp.reset_index(drop=True)
    start = pd.Timestamp(test_from).normalize()
    end = pd.Timestamp(test_to).normalize() if test_to is not None else insp["date"].max()
    if test_to is None and end < start:
        raise InputError(
            f"{start.date()} 之后没有检查记录 (最后检查日期 {end.date()}), 测试窗口为空"
        )
    if end < start:
        raise InputError(f"测试窗口结束日期 {end.date()} 早于开始日期 {start.date()}")
    train_mask = insp["date"] < start
    test_mask = (insp["date"] >= start) & (insp["date"] <= end)
    if train_mask.sum() == 0:
        raise InputError(f"{start.date()} 之前没有检查记录，无法训练")
    if test_mask.sum() == 0:
        raise InputError(f"测试窗口 {start.date()} ~ {end.date()} 内没有检查记录")
    if hazards is not None:
        given = hazards
        hazards = feature_hazards(given)
        if hazards is None:
            missing = [c for c in HAZARD_FEATURE_INPUTS if c not in given]
            raise InputError(f"隐患台账缺少必需的列: {', '.join(missing)}")
    train = insp[train_mask].sort_values("date", kind="stable")
    test = insp[test_mask].sort_values("date", kind="stable")
    say(f"[1/4] 训练 {len(train)} 条 (早于 {start.date()}), 测试 {len(test)} 条; 构造特征…")
    ctx = context_feature_frame(insp) if use_context else None
    prior = float(train["hazard_found"].mean())
    # hazards per visit of the training period (the window's own counts never set the prior)
    prior_count = (
        float(train["n_hazards"].fillna(train["hazard_found"]).mean())
        if "n_hazards" in train
        else prior
    )
    history = insp[insp["date"] <= end]
    X_train = build_feature_table(
        sites, train, train[["site_id", "date"]],
        context=None if ctx is None else ctx.loc[train.index],
        prior_rate=prior, season_path=cfg.season_path, hazards=hazards,
        prior_count=prior_count,
    )
    X_test = build_feature_table(
        sites, history, test[["site_id", "date"]],
        context=None if ctx is None else ctx.loc[test.index],
        prior_rate=prior, season_path=cfg.season_path, hazards=hazards,
        prior_count=prior_count,
    )
    say(f"[2/4] 比较模型族 {', '.join(cfg.families)} (训练期内按时间顺序验证)…")
    model = fit_likelihood(
        X_train, train["hazard_found"].to_numpy(), train["date"], families=cfg.families,
        random_state=cfg.random_state, n_jobs=cfg.n_jobs, progress=say,
    )
    say("[3/4] 为测试窗口打分…")
    p = model.predict_proba(X_test).to_numpy()
    y = test["hazard_found"].to_numpy(int)
    say("[4/4] 计算指标…")
    report: dict = ranking_metrics(y, p)
    report.update(days_earlier(test["date"], y, p, start, end, seed=cfg.random_state))
    report["brier"] = float(brier_score_loss(y, p)) if len(np.unique(y)) > 1 else float("nan")
    report.update(
        {
            "n_train": len(train),
            "n_test": len(test),
            "test_from": str(start.date()),
            "test_to": str(end.date()),
            "base_rate_train": prior,
            "base_rate_test": float(y.mean()),
            "mean_predicted_test": float(p.mean()),
            "model_family": model.candidate.family,
            "model_candidate": model.candidate.name,
            "validation_from": None if model.validation_from is None
            else str(model.validation_from.date()),
            "candidates": [vars(r) for r in model.results],
            "seconds": round(time.perf_counter() - t0, 2),
        }
    )
    scores = test[["inspection_id", "site_id", "date", "hazard_found"]].copy()
    scores["score"] = p
    return BacktestResult(report=report, scores=scores.reset_index(drop=True), model=model)
