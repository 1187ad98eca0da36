"""Leak-free feature construction for the learned likelihood.

A *query* is a (site, date) pair: either a past inspection (training / backtest) or "inspect
now" at the as-of date (scoring). Its history features are computed only from inspections of
the same site on strictly earlier dates: several inspections of one site on the same date never
see each other's outcomes, and nothing on or after the query date is ever read. The same code
path serves training rows and as-of queries, so what is learned is what is scored.

Examples
--------
>>> import pandas as pd
>>> insp = pd.DataFrame({"inspection_id": ["a", "b", "c"], "site_id": ["S1"] * 3,
...     "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-03-01"]),
...     "hazard_found": [1, 0, 1]})
>>> f = history_features(insp, insp[["site_id", "date"]])
>>> f["n_prev"].tolist(), f["last_hazard"].tolist()
([0, 1, 1], [nan, 1.0, 1.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk import calendar

#: Columns with an inspection's own outcome: never features.
OUTCOME_COLUMNS: tuple[str, ...] = ("hazard_found", "major_found", "n_hazards")
#: Columns of the inspections table that are identifiers/metadata, not context features.
INSPECTION_ID_COLUMNS: tuple[str, ...] = ("inspection_id", "site_id", "date", "leader")
#: Site columns never used as features (identifiers, free text, provenance).
SITE_EXCLUDED_COLUMNS: tuple[str, ...] = (
    "site_id",
    "name",
    "uscc",
    "address",
    "osm_id",
    "source",
    "coord_quality",
    "geometry",
    "industry",
    "department",  # administrative, follows the sector
    "required_per_year",  # follows key_list
)

#: Cap of the past-visit count feature (keeps it stationary as the ledger ages).
N_PREV_CAP = 12

HISTORY_COLUMNS: tuple[str, ...] = (
    "n_prev",
    "prev_hazard_rate",
    "prev_hazards_per_visit",
    "n_12m",
    "n_hazard_12m",
    "n_major_24m",
    "n_hazards_12m",
    "last_hazard",
    "hazard_streak",
    "days_since_last",
    "days_since_last_hazard",
)
#: Features of the unit's 隐患台账 (rectification record), built by
#: :func:`rectification_features` when a hazards table is given (see its docstring).
#: (Kept after a test over 12 samples, benchmarks/RESULTS_risk.md; the days since the latest
#: 重大 hazard and a shrunk rectification mean were tried there and left out.)
RECTIFICATION_COLUMNS: tuple[str, ...] = (
    "rect_time_ratio",
    "late_rect_share",
    "open_at_query",
    "last_fix_bad",
)
#: Hazard columns :func:`rectification_features` reads.
HAZARD_FEATURE_INPUTS: tuple[str, ...] = (
    "site_id", "found_date", "deadline", "rectified_date", "closed_date",
)
RECENCY_COLUMNS: tuple[str, ...] = ("days_since_last",)
SEASON_PREFIX = "season_"

_DAY = np.timedelta64(1, "D")


def _day_number(values: pd.Series) -> np.ndarray:
    return (
        pd.to_datetime(values).to_numpy(dtype="datetime64[D]").astype(np.int64)
    )


def history_features(
    inspections: pd.DataFrame,
    queries: pd.DataFrame,
    prior_rate: float | None = None,
    prior_count: float | None = None,
) -> pd.DataFrame:
    """History features of each query from the same site's strictly earlier inspections.

    Parameters
    ----------
    inspections : DataFrame
        ``site_id, date, hazard_found`` and optionally ``major_found``, ``n_hazards``.
    queries : DataFrame
        ``site_id, date``; index is kept in the output.
    prior_rate : float, optional
        Prior hazard rate for the smoothed ``prev_hazard_rate`` (default: overall rate of
        ``inspections``).
    prior_count : float, optional
        Prior number of hazards per visit for the smoothed ``prev_hazards_per_visit``
        (default: overall mean of ``inspections``; the backtest passes the training mean).

    Returns
    -------
    DataFrame
        One row per query with :data:`HISTORY_COLUMNS` (days as float, NaN when no
        earlier inspection / hazard exists).
    """
    ev = pd.DataFrame(
        {
            "site_id": inspections["site_id"].astype(str).to_numpy(),
            "day": _day_number(inspections["date"]),
            "h": inspections["hazard_found"].astype(float).fillna(0).to_numpy() > 0,
            "m": (
                inspections["major_found"].astype(float).fillna(0).to_numpy() > 0
                if "major_found" in inspections
                else np.zeros(len(inspections), dtype=bool)
            ),
            "nh": (
                inspections["n_hazards"].astype(float).fillna(0).to_numpy()
                if "n_hazards" in inspections
                else inspections["hazard_found"].astype(float).fillna(0).to_numpy()
            ),
        }
    )
    # One event per site-day: same-day inspections are one visit for history purposes.
    day = (
        ev.groupby(["site_id", "day"], sort=True)
        .agg(n=("h", "size"), h=("h", "sum"), m=("m", "sum"), nh=("nh", "sum"))
        .reset_index()
    )
    codes = pd.Index(sorted(set(day["site_id"]) | set(queries["site_id"].astype(str))))
    big = np.int64(1 << 32)
    offset = np.int64(1 << 20)  # day numbers may be negative (dates before 1970)
    d_site = codes.get_indexer(day["site_id"]).astype(np.int64)
    d_day = day["day"].to_numpy(np.int64)
    keys = d_site * big + (d_day + offset)
    order = np.argsort(keys, kind="stable")
    keys, d_site, d_day = keys[order], d_site[order], d_day[order]
    n = day["n"].to_numpy(np.float64)[order]
    h = day["h"].to_numpy(np.float64)[order]
    m = day["m"].to_numpy(np.float64)[order]
    nh = day["nh"].to_numpy(np.float64)[order]
    any_h = h > 0

    def csum(x: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(x)])

    c_n, c_h, c_m, c_nh = csum(n), csum(h), csum(m), csum(nh)
    # Streak of consecutive hazard visits ending at each event, and last hazard day so far.
    streak = np.zeros(len(keys))
    last_h_day = np.full(len(keys), np.nan)
    if len(keys):
        new_site = np.r_[True, d_site[1:] != d_site[:-1]]
        run = 0.0
        last = np.nan
        for i in range(len(keys)):  # linear pass, O(n)
            if new_site[i]:
                run, last = 0.0, np.nan
            run = run + 1.0 if any_h[i] else 0.0
            if any_h[i]:
                last = float(d_day[i])
            streak[i] = run
            last_h_day[i] = last

    q_site = codes.get_indexer(queries["site_id"].astype(str)).astype(np.int64)
    q_day = _day_number(queries["date"])
    q_key = q_site * big + (q_day + offset)
    start = np.searchsorted(keys, q_site * big, side="left")
    idx = np.searchsorted(keys, q_key, side="left")  # events strictly before the query day
    i12 = np.maximum(np.searchsorted(keys, q_key - 365, side="left"), start)
    i24 = np.maximum(np.searchsorted(keys, q_key - 730, side="left"), start)
    has_prev = idx > start
    prev = np.where(has_prev, idx - 1, 0)

    n_prev = c_n[idx] - c_n[start]
    n_prev_h = c_h[idx] - c_h[start]
    if prior_rate is None:
        total = float(n.sum())
        prior_rate = float(h.sum() / total) if total else 0.3
    out = pd.DataFrame(index=queries.index)
    # Cumulative counts grow with the age of the ledger (a model would extrapolate them):
    # the visit count is capped, hazards enter as a smoothed rate and windowed counts.
    out["n_prev"] = np.minimum(n_prev, N_PREV_CAP).astype(int)
    out["prev_hazard_rate"] = (n_prev_h + 2.0 * prior_rate) / (n_prev + 2.0)
    # Hazards per earlier visit: the counts say more about a unit than found-or-not (a visit
    # that finds three defects is worse than one that finds one); smoothed like the rate.
    if prior_count is None:
        total = float(n.sum())
        prior_count = float(nh.sum() / total) if total else prior_rate
    out["prev_hazards_per_visit"] = (c_nh[idx] - c_nh[start] + 2.0 * prior_count) / (n_prev + 2.0)
    out["n_12m"] = (c_n[idx] - c_n[i12]).astype(int)
    out["n_hazard_12m"] = (c_h[idx] - c_h[i12]).astype(int)
    out["n_major_24m"] = (c_m[idx] - c_m[i24]).astype(int)
    out["n_hazards_12m"] = c_nh[idx] - c_nh[i12]
    if len(keys):
        out["last_hazard"] = np.where(has_prev, any_h[prev].astype(float), np.nan)
        out["hazard_streak"] = np.where(has_prev, streak[prev], 0.0)
        out["days_since_last"] = np.where(has_prev, q_day - d_day[prev], np.nan).astype(float)
        out["days_since_last_hazard"] = np.where(has_prev, q_day - last_h_day[prev], np.nan)
    else:
        out["last_hazard"] = np.nan
        out["hazard_streak"] = 0.0
        out["days_since_last"] = np.nan
        out["days_since_last_hazard"] = np.nan
    return out[list(HISTORY_COLUMNS)]


def feature_hazards(
    hazards: pd.DataFrame | None, as_of: pd.Timestamp | None = None
) -> pd.DataFrame | None:
    """The hazard columns the rectification features read, with parsed dates, or None.

    None when there is no table or it lacks one of the required columns, so a ledger imported without those columns still scores (without the features).
    With ``as_of``, the view as known on that day: hazards found after it are dropped and a
    rectification or 销号 dated after it is blank (what a model fitted on that day may know;
    :func:`risk.scoring.fit_site_models` fingerprints this view).

    Examples
    --------
    >>> feature_hazards(pd.DataFrame({"site_id": ["S1"]})) is None
    True
    """
    if hazards is None:
        return None
    if any(c not in hazards for c in HAZARD_FEATURE_INPUTS):
        return None
    out = hazards[list(HAZARD_FEATURE_INPUTS)].copy()
    out["site_id"] = out["site_id"].astype(str)
    for c in ("found_date", "deadline", "rectified_date", "closed_date"):
        out[c] = pd.to_datetime(out[c], errors="coerce")
    if as_of is not None:
        out = out[out["found_date"] <= as_of]
        for c in ("rectified_date", "closed_date"):
            out[c] = out[c].where(out[c] <= as_of)
    return out.reset_index(drop=True)


def _days(values: pd.Series) -> np.ndarray:
    """Day numbers as float (NaN for a missing date)."""
    ts = pd.to_datetime(values)
    out = ts.to_numpy(dtype="datetime64[D]").astype(np.int64).astype(float)
    out[ts.isna().to_numpy()] = np.nan
    return out


def _rect_ratio(hazards: pd.DataFrame) -> np.ndarray:
    """ln((rectified − found) / (deadline − found)) per hazard, days floored at 1 (NaN if unknown)."""
    found = _days(hazards["found_date"])
    return np.log(
        np.maximum(_days(hazards["rectified_date"]) - found, 1.0)
        / np.maximum(_days(hazards["deadline"]) - found, 1.0)
    )


def rectification_features(hazards: pd.DataFrame, queries: pd.DataFrame) -> pd.DataFrame:
    """Features of each query's unit from its 隐患台账, as known the day before the query.

    What a hazard tells is read only once it happened before the query date ``q``: a hazard
    counts from its ``found_date < q``; its rectification (``rectified_date``, ``deadline``)
    only once it was closed (``closed_date < q``: the deadline may still move after a 复查不合格
    until then); until then it is *open at q*. So a training row never sees a later 复查, 销号 or
    deadline change, exactly like the as-of scoring query.

    Parameters
    ----------
    hazards : DataFrame
        ``site_id, found_date, deadline, rectified_date, closed_date``.
    queries : DataFrame
        ``site_id, date``; index is kept in the output.

    Returns
    -------
    DataFrame
        :data:`RECTIFICATION_COLUMNS`:

        * ``rect_time_ratio`` — mean over the unit's hazards closed before ``q`` of
          ln((rectified − found) / (deadline − found)): how much of the allowed time the unit
          takes to rectify (NaN when none is closed). A unit that rectifies slowly is a poorly
          run unit, and a poorly run unit has more hazards: this reads the unit's management
          from every hazard it had, not only from whether visits found one.
        * ``late_rect_share`` — share of those hazards rectified after their deadline.
        * ``open_at_query`` — hazards found before ``q`` and not closed before ``q``.
        * ``last_fix_bad`` — the unit's latest hazard visit before ``q``: 1 if one of its
          hazards was still open at ``q`` or was rectified late, else 0 (NaN: no hazard yet).

    Examples
    --------
    >>> hz = pd.DataFrame({"site_id": ["S1", "S1"],
    ...     "found_date": pd.to_datetime(["2024-01-01", "2024-03-01"]),
    ...     "deadline": pd.to_datetime(["2024-01-31", "2024-03-16"]),
    ...     "rectified_date": pd.to_datetime(["2024-01-16", "2024-03-10"]),
    ...     "closed_date": pd.to_datetime(["2024-01-20", "2024-03-20"])})
    >>> q = pd.DataFrame({"site_id": ["S1", "S1", "S1"],
    ...     "date": pd.to_datetime(["2024-01-20", "2024-03-15", "2024-04-01"])})
    >>> f = rectification_features(hz, q)
    >>> f["open_at_query"].tolist()
    [1, 1, 0]
    >>> f["rect_time_ratio"].round(3).tolist()  # ln(15/30); then mean of ln(15/30), ln(9/15)
    [nan, -0.693, -0.602]
    >>> f["late_rect_share"].tolist(), f["last_fix_bad"].tolist()  # none late; latest open
    ([nan, 0.0, 0.0], [1.0, 1.0, 0.0])
    """
    q_site_ids = queries["site_id"].astype(str).to_numpy()
    q_day = _days(queries["date"])
    hz = hazards[hazards["site_id"].astype(str).isin(set(q_site_ids))]
    codes = pd.Index(sorted(set(q_site_ids)))
    h_site = codes.get_indexer(hz["site_id"].astype(str)).astype(np.int64)
    found, closed = _days(hz["found_date"]), _days(hz["closed_date"])
    big = np.int64(1 << 32)
    offset = np.int64(1 << 20)  # day numbers may be negative (dates before 1970)

    def key(site: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Sort key (site, day); ``day`` must be finite here (missing dates are masked out)."""
        return site.astype(np.int64) * big + (day.astype(np.int64) + offset)

    q_site = codes.get_indexer(q_site_ids).astype(np.int64)
    q_key = key(q_site, q_day)
    q_start = q_site * big

    def before_query(day: np.ndarray, mask: np.ndarray, values: list[np.ndarray]) -> list:
        """Per query, sums of ``values`` over the unit's events in ``mask`` with ``day < q``."""
        k = key(h_site[mask], day[mask])
        order = np.argsort(k, kind="stable")
        k = k[order]
        lo = np.searchsorted(k, q_start, side="left")
        hi = np.searchsorted(k, q_key, side="left")  # strictly before the query day
        sums = []
        for v in values:
            c = np.concatenate([[0.0], np.cumsum(v[mask][order])])
            sums.append(c[hi] - c[lo])
        return sums

    found_ok = np.isfinite(found)
    closed_ok = found_ok & np.isfinite(closed)
    ratio = _rect_ratio(hz)
    has_ratio = np.isfinite(ratio)
    (n_found,) = before_query(found, found_ok, [np.ones(len(hz))])
    late = has_ratio & (_days(hz["rectified_date"]) > _days(hz["deadline"]))
    n_closed, n_ratio, ratio_sum, late_sum = before_query(
        closed, closed_ok,
        [np.ones(len(hz)), has_ratio.astype(float), np.where(has_ratio, ratio, 0.0),
         late.astype(float)],
    )
    out = pd.DataFrame(index=queries.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rect_time_ratio"] = np.where(n_ratio > 0, ratio_sum / n_ratio, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["late_rect_share"] = np.where(n_ratio > 0, late_sum / n_ratio, np.nan)
    out["open_at_query"] = np.maximum(n_found - n_closed, 0).astype(int)
    # The latest hazard visit before q: bad if one of its hazards was still open at q or was
    # rectified after its deadline (a fix that did not hold lets the defect come back).
    visit = (
        pd.DataFrame(
            {
                "site": h_site[found_ok],
                "day": found[found_ok],
                "closed": np.where(np.isfinite(closed), closed, np.inf)[found_ok],
                "late": late[found_ok].astype(float),
            }
        )
        .groupby(["site", "day"], sort=True)
        .agg(closed=("closed", "max"), late=("late", "max"))
        .reset_index()
    )
    v_keys = key(visit["site"].to_numpy(np.int64), visit["day"].to_numpy(float))
    v_idx = np.searchsorted(v_keys, q_key, side="left") - 1  # latest visit strictly before q
    has_visit = v_idx >= np.searchsorted(v_keys, q_start, side="left")
    if len(visit):
        at = np.where(has_visit, v_idx, 0)
        closed_by = visit["closed"].to_numpy()[at]
        bad = (closed_by >= q_day) | (visit["late"].to_numpy()[at] > 0)
        out["last_fix_bad"] = np.where(has_visit, bad.astype(float), np.nan)
    else:
        out["last_fix_bad"] = np.nan
    return out[list(RECTIFICATION_COLUMNS)]


def season_features(dates: pd.Series, season_path: str | None = None) -> pd.DataFrame:
    """Season flags (``season_*``) of each date, from the editable season table.

    No free-form month terms: with a ledger of one or two years they would fit that year's
    noise and extrapolate badly; the table's windows carry the seasonal knowledge.

    Examples
    --------
    >>> f = season_features(pd.Series(pd.to_datetime(["2024-01-15", "2024-07-15"])))
    >>> f["season_winter_spring_fire"].tolist()
    [1.0, 0.0]
    """
    ts = pd.to_datetime(pd.Series(dates))
    flags = calendar.season_flag_frame(ts, season_path).astype(float)
    flags.columns = [SEASON_PREFIX + c for c in flags.columns]
    flags.index = pd.Series(dates).index
    return flags


def season_match_features(
    sites: pd.DataFrame,
    queries: pd.DataFrame,
    flags: pd.DataFrame,
    season_path: str | None = None,
) -> pd.DataFrame:
    """``season_match_*``: the season is active AND the site is one it up-weights.

    A site matches a season when its ``category``/``subcategory`` contains one of the season
    table's keywords (e.g. 冬春防火期 × 群租). This hands the sector-by-season interaction to
    every model family, linear ones included; with no category column the result is empty.
    """
    out = pd.DataFrame(index=queries.index)
    cols = [c for c in ("category", "subcategory") if c in sites]
    if not cols:
        return out
    text = pd.Series("", index=sites.index)
    for c in cols:
        text = text + " " + sites[c].astype("string").fillna("")
    text.index = sites["site_id"].astype(str).to_numpy()
    q_text = text.reindex(queries["site_id"].astype(str).to_numpy()).fillna("")
    for rec in calendar.season_table(season_path).to_dict("records"):
        flag_col = SEASON_PREFIX + rec["season"]
        pattern = "|".join(k for k in str(rec["keywords"]).split(";") if k)
        if flag_col not in flags or not pattern:
            continue
        match = q_text.str.contains(pattern, regex=True, na=False).to_numpy()
        out[SEASON_PREFIX + "match_" + rec["season"]] = flags[flag_col].to_numpy() * match
    return out


def site_feature_frame(sites: pd.DataFrame, max_categories: int = 40) -> pd.DataFrame:
    """Site attribute columns usable as features, indexed by ``site_id``.

    Numeric and boolean columns are kept as numbers; text columns become categoricals
    (rare values pooled into ``其他``). Identifier-like text columns (unique for most rows) and
    :data:`SITE_EXCLUDED_COLUMNS` are dropped.
    """
    out = pd.DataFrame(index=sites["site_id"].astype(str).to_numpy())
    n = len(sites)
    for col in sites.columns:
        if col in SITE_EXCLUDED_COLUMNS:
            continue
        s = sites[col]
        numeric = _as_numeric(s)
        if numeric is not None:
            out[col] = numeric.to_numpy()
            continue
        text = s.astype("string").fillna("(缺失)")
        if n > 20 and text.nunique() > max(0.5 * n, 2 * max_categories):
            continue  # identifier-like free text
        out[col] = _pool_rare(text, max_categories).to_numpy()
    return out


def context_feature_frame(inspections: pd.DataFrame, max_categories: int = 40) -> pd.DataFrame:
    """Per-inspection context columns (anything not an id/outcome column), typed like sites."""
    out = pd.DataFrame(index=inspections.index)
    skip = set(OUTCOME_COLUMNS) | set(INSPECTION_ID_COLUMNS)
    n = len(inspections)
    for col in inspections.columns:
        if col in skip:
            continue
        s = inspections[col]
        numeric = _as_numeric(s)
        if numeric is not None:
            out["ctx_" + col] = numeric.to_numpy()
            continue
        text = s.astype("string").fillna("(缺失)")
        if n > 20 and text.nunique() > max(0.5 * n, 2 * max_categories):
            continue
        out["ctx_" + col] = _pool_rare(text, max_categories).to_numpy()
    return out


def _as_numeric(s: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        non_null = s.dropna()
        if len(non_null) and non_null.map(lambda v: isinstance(v, bool)).all():
            return s.map({True: 1.0, False: 0.0})
        converted = pd.to_numeric(s, errors="coerce")
        if len(non_null) and converted.notna().sum() == len(non_null):
            return converted.astype(float)
    return None


def _pool_rare(text: pd.Series, max_categories: int) -> pd.Series:
    counts = text.value_counts()
    keep = set(counts.index[:max_categories])
    return text.where(text.isin(keep), "其他").astype(str)


def build_feature_table(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    queries: pd.DataFrame,
    context: pd.DataFrame | None = None,
    prior_rate: float | None = None,
    season_path: str | None = None,
    hazards: pd.DataFrame | None = None,
    prior_count: float | None = None,
) -> pd.DataFrame:
    """Full feature table for queries: history (+ rectification) + season + site (+ context).

    Parameters
    ----------
    sites : DataFrame
        Sites table (``site_id`` + attributes).
    inspections : DataFrame
        Past inspections (the history source; only rows before each query date are read).
    queries : DataFrame
        ``site_id, date`` per row to score.
    context : DataFrame, optional
        Context features aligned with ``queries`` (see :func:`context_feature_frame`).
    prior_rate, prior_count : float, optional
        Priors of the smoothed hazard rate and hazards per visit (see
        :func:`history_features`).
    season_path : str, optional
        Alternative season table.
    hazards : DataFrame, optional
        隐患台账: adds :data:`RECTIFICATION_COLUMNS` (:func:`rectification_features`; only what
        was recorded before each query date is read). Without it those columns are absent, so
        a model trained without a hazards table is scored without one.
    """
    hist = history_features(inspections, queries, prior_rate=prior_rate, prior_count=prior_count)
    if hazards is not None:
        missing = [c for c in HAZARD_FEATURE_INPUTS if c not in hazards]
        if missing:
            raise ValueError(f"隐患台账缺少列: {', '.join(missing)}")
        hist = pd.concat([hist, rectification_features(hazards, queries)], axis=1)
    seas = season_features(queries["date"], season_path)
    seas = pd.concat([seas, season_match_features(sites, queries, seas, season_path)], axis=1)
    site_tab = site_feature_frame(sites)
    site_part = site_tab.reindex(queries["site_id"].astype(str).to_numpy())
    site_part.index = queries.index
    site_part.columns = ["site_" + c for c in site_part.columns]
    parts = [hist, seas, site_part]
    if context is not None and not context.empty:
        parts.append(context.set_axis(queries.index))
    return pd.concat(parts, axis=1)


def feature_groups(columns: list[str]) -> dict[str, list[str]]:
    """Group feature columns for explanations: history, rectification, recency, site, season,
    context."""
    groups: dict[str, list[str]] = {
        "history": [],
        "rectification": [],
        "recency": [],
        "site": [],
        "season": [],
        "context": [],
    }
    for c in columns:
        if c in RECENCY_COLUMNS:
            groups["recency"].append(c)
        elif c in RECTIFICATION_COLUMNS:
            groups["rectification"].append(c)
        elif c in HISTORY_COLUMNS:
            groups["history"].append(c)
        elif c.startswith(SEASON_PREFIX):
            groups["season"].append(c)
        elif c.startswith("site_"):
            groups["site"].append(c)
        else:
            groups["context"].append(c)
    return groups
