"""Learned likelihood: model families, time-ordered selection, calibration.

:func:`fit_likelihood` compares candidate settings of several families (logistic regression,
histogram gradient boosting, random forest) on a time-ordered split *inside* the training
period (fit on the earlier part, validate on the latest part), keeps the best by ROC AUC, fits
a Platt calibrator on that candidate's out-of-time predictions, then refits it on the whole
training period. Nothing is tuned per dataset by hand.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"x": rng.normal(size=800), "c": rng.choice(["a", "b"], 800)})
>>> y = (rng.random(800) < 1 / (1 + np.exp(-2 * X["x"]))).astype(int)
>>> dates = pd.Series(pd.date_range("2024-01-01", periods=800, freq="D"))
>>> m = fit_likelihood(X, y, dates, families=("logistic",))
>>> bool(m.predict_proba(X.iloc[:5]).between(0, 1).all())
True
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

ProgressFn = Callable[[str], None]

#: OpenMP threads for histogram gradient boosting. On a loaded shared machine OpenMP
#: oversubscription makes a 2,000-row fit 40x slower, so one thread is the safe default.
OPENMP_THREADS = 1


@dataclass(frozen=True)
class Candidate:
    """One family + settings to try."""

    family: str
    name: str
    params: dict = field(default_factory=dict)


def candidates(families: Sequence[str]) -> list[Candidate]:
    """The fixed candidate grid for the requested families (small: training stays fast)."""
    grid = {
        "logistic": [
            Candidate("logistic", "logistic C=0.1", {"C": 0.1}),
        ],
        "hist_gradient_boosting": [
            Candidate(
                "hist_gradient_boosting",
                "HGB shallow",
                {"max_depth": 3, "learning_rate": 0.1, "max_iter": 100, "min_samples_leaf": 40},
            ),
            Candidate(
                "hist_gradient_boosting",
                "HGB leaves=15",
                {"max_leaf_nodes": 15, "learning_rate": 0.1, "max_iter": 80,
                 "min_samples_leaf": 80, "l2_regularization": 1.0},
            ),
        ],
        "random_forest": [
            Candidate(
                "random_forest",
                "RF leaf=25",
                {"n_estimators": 80, "min_samples_leaf": 25, "max_features": "sqrt",
                 "max_samples": 0.3, "max_depth": 14},
            ),
        ],
    }
    out: list[Candidate] = []
    for fam in families:
        out.extend(grid[fam])
    return out


@dataclass
class Encoding:
    """Column roles learned on the training table (applied unchanged when scoring)."""

    numeric: list[str]
    categorical: list[str]
    categories: dict[str, list[str]]

    @classmethod
    def fit(cls, X: pd.DataFrame) -> Encoding:
        numeric, categorical, cats = [], [], {}
        for c in X.columns:
            if pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]):
                if X[c].notna().any():
                    numeric.append(c)
            else:
                categorical.append(c)
                cats[c] = sorted(X[c].astype(str).unique().tolist())
        return cls(numeric, categorical, cats)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Numeric columns as float; categoricals as integer codes (unknown → NaN)."""
        out = {}
        for c in self.numeric:
            out[c] = (
                pd.to_numeric(X[c], errors="coerce").astype(float)
                if c in X
                else pd.Series(np.nan, index=X.index)
            )
        for c in self.categorical:
            if c in X:
                codes = pd.Categorical(X[c].astype(str), categories=self.categories[c]).codes
                out[c] = pd.Series(np.where(codes < 0, np.nan, codes), index=X.index, dtype=float)
            else:
                out[c] = pd.Series(np.nan, index=X.index)
        return pd.DataFrame(out, index=X.index)


def _signed_log(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


#: Beta prior of the hazard rate used when the ledger has nothing to learn from.
PRIOR_A, PRIOR_B = 2.0, 8.0
#: Random-forest trees see at most this many bootstrap rows each (keeps large ledgers fast).
RF_MAX_ROWS_PER_TREE = 30_000
#: Candidate comparison uses at most this many (most recent) rows of the earlier part.
SELECTION_MAX_ROWS = 150_000


def make_estimator(
    cand: Candidate, enc: Encoding, random_state: int = 0, n_jobs: int = 1, n_rows: int = 0
):
    """A scikit-learn estimator for a candidate, taking :meth:`Encoding.transform` output.

    ``n_rows`` (training rows) caps the random forest's per-tree sample at
    :data:`RF_MAX_ROWS_PER_TREE`.
    """
    n_num = len(enc.numeric)
    cat_idx = list(range(n_num, n_num + len(enc.categorical)))
    if cand.family == "logistic":
        num_pipe = make_pipeline(
            FunctionTransformer(_signed_log),
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            StandardScaler(),
        )
        cat_pipe = make_pipeline(
            SimpleImputer(strategy="constant", fill_value=-1, keep_empty_features=True),
            OneHotEncoder(handle_unknown="ignore", min_frequency=5),
        )
        pre = ColumnTransformer(
            [("num", num_pipe, list(range(n_num))), ("cat", cat_pipe, cat_idx)],
            remainder="drop",
        )
        return Pipeline(
            [("pre", pre), ("lr", LogisticRegression(max_iter=500, tol=1e-3, C=cand.params["C"]))]
        )
    if cand.family == "hist_gradient_boosting":
        mask = [False] * n_num + [True] * len(enc.categorical)
        return HistGradientBoostingClassifier(
            categorical_features=mask if any(mask) else None,
            early_stopping=False,
            random_state=random_state,
            **cand.params,
        )
    if cand.family == "random_forest":
        params = dict(cand.params)
        share = params.get("max_samples")
        if isinstance(share, float) and n_rows and share * n_rows > RF_MAX_ROWS_PER_TREE:
            params["max_samples"] = RF_MAX_ROWS_PER_TREE
        return RandomForestClassifier(random_state=random_state, n_jobs=n_jobs, **params)
    raise ValueError(f"未知模型族: {cand.family}")


@dataclass
class CandidateResult:
    """Out-of-time validation figures of one candidate."""

    name: str
    family: str
    auc: float
    average_precision: float
    log_loss: float
    fit_seconds: float


@dataclass
class LikelihoodModel:
    """A fitted, calibrated classifier with its feature encoding and selection record."""

    encoding: Encoding
    estimator: object
    candidate: Candidate
    calib_a: float
    calib_b: float
    base_rate: float
    results: list[CandidateResult]
    validation_from: pd.Timestamp | None
    constant: float | None = None

    def raw_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated probability of the positive class."""
        if self.constant is not None:
            return np.full(len(X), self.constant)
        Xe = self.encoding.transform(X)
        with threadpool_limits(OPENMP_THREADS, user_api="openmp"):
            return self.estimator.predict_proba(Xe)[:, 1]

    def predict_proba(self, X: pd.DataFrame) -> pd.Series:
        """Calibrated probability (Platt scaling fitted out of time)."""
        raw = self.raw_proba(X)
        return pd.Series(_platt_apply(raw, self.calib_a, self.calib_b), index=X.index)

    def summary(self) -> pd.DataFrame:
        """Validation table of every candidate (best first)."""
        rows = [dataclasses.asdict(r) for r in self.results]
        return pd.DataFrame(rows).sort_values("auc", ascending=False).reset_index(drop=True)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _platt_fit(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(_logit(raw).reshape(-1, 1), y)
    a = float(lr.coef_[0, 0])
    if a <= 0:  # a non-increasing calibrator would reverse the ranking: keep order
        return 1.0, 0.0
    return a, float(lr.intercept_[0])


def _platt_apply(raw: np.ndarray, a: float, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(a * _logit(np.asarray(raw, dtype=float)) + b)))


def time_split(dates: pd.Series, y: np.ndarray, frac: float = 0.25) -> pd.Timestamp | None:
    """Date from which the latest ``frac`` of rows form the validation part (None if unusable).

    Both parts must contain positives and negatives; the split lands on a date boundary so that
    no date is on both sides.
    """
    d = pd.to_datetime(dates).reset_index(drop=True)
    if len(d) < 40:
        return None
    cut = d.quantile(1 - frac)
    cut = d[d >= cut].min()
    early, late = (d < cut).to_numpy(), (d >= cut).to_numpy()
    for part in (early, late):
        if part.sum() < 20 or len(np.unique(y[part])) < 2:
            return None
    return cut


def fit_likelihood(
    X: pd.DataFrame,
    y: pd.Series | np.ndarray,
    dates: pd.Series,
    families: Sequence[str] = ("logistic", "hist_gradient_boosting", "random_forest"),
    random_state: int = 0,
    n_jobs: int = 1,
    progress: ProgressFn | None = None,
    candidate_list: Sequence[Candidate] | None = None,
) -> LikelihoodModel:
    """Select, calibrate and fit the likelihood model.

    Parameters
    ----------
    X : DataFrame
        Feature table (see :func:`risk.features.build_feature_table`).
    y : array-like of 0/1
        Outcome per row (hazard found).
    dates : Series
        Date of each row, for the time-ordered validation split.
    families : sequence of str
        Families to compare.
    progress : callable, optional
        Receives one short status line per step (the CLI prints it on stderr).
    candidate_list : sequence of Candidate, optional
        Explicit candidates instead of the grid of ``families`` (one candidate = no selection,
        only out-of-time calibration and the final fit).

    Returns
    -------
    LikelihoodModel
    """
    with threadpool_limits(OPENMP_THREADS, user_api="openmp"):
        return _fit_likelihood(
            X, y, dates, families, random_state, n_jobs, progress, candidate_list
        )


def _fit_likelihood(
    X: pd.DataFrame,
    y: pd.Series | np.ndarray,
    dates: pd.Series,
    families: Sequence[str],
    random_state: int,
    n_jobs: int,
    progress: ProgressFn | None,
    candidate_list: Sequence[Candidate] | None,
) -> LikelihoodModel:
    """:func:`fit_likelihood` inside its thread limit (arguments as there, all given)."""
    y = np.asarray(y, dtype=int)
    say = progress or (lambda _msg: None)
    enc = Encoding.fit(X)
    Xe = enc.transform(X)
    base_rate = float(y.mean()) if len(y) else 0.0
    if len(y) == 0 or len(np.unique(y)) < 2:
        # nothing to learn: the observed rate shrunk towards a prior (Beta(2, 8), mean 0.2)
        const = (y.sum() + PRIOR_A) / (len(y) + PRIOR_A + PRIOR_B)
        return LikelihoodModel(enc, None, Candidate("constant", "constant"), 1.0, 0.0,
                               base_rate, [], None, constant=float(const))
    cands = list(candidate_list) if candidate_list else candidates(families)
    cut = time_split(dates, y)
    results: list[CandidateResult] = []
    best: tuple[float, Candidate, np.ndarray] | None = None
    if cut is not None and len(cands) > 1:
        d = pd.to_datetime(dates).to_numpy()
        early = d < np.datetime64(cut)
        late = ~early
        if early.sum() > SELECTION_MAX_ROWS:  # keep the most recent rows of the earlier part
            keep = np.flatnonzero(early)
            keep = keep[np.argsort(d[keep], kind="stable")][-SELECTION_MAX_ROWS:]
            early = np.zeros(len(d), dtype=bool)
            early[keep] = True
        for i, cand in enumerate(cands, start=1):
            t0 = time.perf_counter()
            est = make_estimator(cand, enc, random_state, n_jobs, int(early.sum()))
            est.fit(Xe[early], y[early])
            p = est.predict_proba(Xe[late])[:, 1]
            dt_s = time.perf_counter() - t0
            auc = float(roc_auc_score(y[late], p))
            res = CandidateResult(
                cand.name, cand.family, auc, float(average_precision_score(y[late], p)),
                float(log_loss(y[late], np.clip(p, 1e-6, 1 - 1e-6))), dt_s,
            )
            results.append(res)
            say(f"  候选模型 {i}/{len(cands)} {cand.name}: 时间外验证 AUC={auc:.3f} ({dt_s:.1f}s)")
            if best is None or auc > best[0] + 1e-9:
                best = (auc, cand, p)
        assert best is not None
        chosen = best[1]
        a, b = _platt_fit(best[2], y[late])
    else:
        chosen = cands[0]
        if cut is not None:
            d = pd.to_datetime(dates).to_numpy()
            early = d < np.datetime64(cut)
            est = make_estimator(chosen, enc, random_state, n_jobs, int(early.sum()))
            est.fit(Xe[early], y[early])
            a, b = _platt_fit(est.predict_proba(Xe[~early])[:, 1], y[~early])
        else:
            a, b = 1.0, 0.0
    say(f"  选定模型: {chosen.name}; 用全部训练数据重新拟合 ({len(y)} 条)")
    est = make_estimator(chosen, enc, random_state, n_jobs, len(y))
    est.fit(Xe, y)
    return LikelihoodModel(enc, est, chosen, a, b, base_rate, results, cut)
