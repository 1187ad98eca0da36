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
    "n_12m",
    "n_hazard_12m",
    "n_major_24m",
    "n_hazards_12m",
    "last_hazard",
    "hazard_streak",
    "days_since_last",
    "days_since_last_hazard",
)
RECENCY_COLUMNS: tuple[str, ...] = ("days_since_last",)
SEASON_PREFIX = "season_"

_DAY = np.timedelta64(1, "D")


def _day_number(values: pd.Series) -> np.ndarray:
    return (
        pd.to_datetime(values).to_numpy(dtype="datetime64[D]").astype(np.int64)
    )


def history_features(
    inspections: pd.DataFrame, queries: pd.DataFrame, prior_rate: float | None = None
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
) -> pd.DataFrame:
    """Full feature table for queries: history + season + site attributes (+ context).

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
    """
    hist = history_features(inspections, queries, prior_rate=prior_rate)
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
    """Group feature columns for explanations: history, recency, site, season, context."""
    groups: dict[str, list[str]] = {
        "history": [],
        "recency": [],
        "site": [],
        "season": [],
        "context": [],
    }
    for c in columns:
        if c in RECENCY_COLUMNS:
            groups["recency"].append(c)
        elif c in HISTORY_COLUMNS:
            groups["history"].append(c)
        elif c.startswith(SEASON_PREFIX):
            groups["season"].append(c)
        elif c.startswith("site_"):
            groups["site"].append(c)
        else:
            groups["context"].append(c)
    return groups
