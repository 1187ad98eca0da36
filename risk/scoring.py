"""``score_sites``: priority score, rank, four-colour level, probabilities, urgency, reasons.

How one site's priority is built (all parts configurable in :class:`risk.config.RiskConfig`):

1. **Likelihood** ``p_hazard``: calibrated probability that an inspection now finds a hidden
   danger, learned from the ledger (:mod:`risk.model`, features in :mod:`risk.features`);
   ``p_major`` the same for a 重大 one.
2. **Risk** ``D = L x E x C x exposure x season`` (LEC, domain.md §1.5): ``L`` is the learned
   ``p_hazard`` on the LEC likelihood scale (``RiskConfig.likelihood_anchors``), ``E`` and ``C``
   are sector defaults (:mod:`risk.inherent`) with ``C`` raised by people count in crowd
   sectors, exposure from vulnerable neighbours and the nearest 微型消防站
   (:mod:`risk.exposure`), seasonal / pre-holiday factor from the season table.
3. **Level** (four colours) is the *standing* risk, not today's (:mod:`risk.level`):
   ``D_level = L_year x E x C x exposure`` with the likelihood of a year-round query (no
   season, typical time since the last visit), cut at ``RiskConfig.level_cuts``; an open
   重大隐患 makes the unit 重大 until it is closed. ``level_basis`` says which applied.
4. **Priority** ``= risk_points_per_decade x log10(D) + urgency points`` (statutory pace of
   :mod:`risk.frequency`, open overdue hazards, 重大 awaiting re-inspection, 挂牌督办 —
   :mod:`risk.urgency`). The 0-100 ``score`` is the priority, saturating smoothly towards 100
   above ``RiskConfig.score_knee`` (:func:`score_from_priority`): absolute, strictly
   increasing, so raising any input of one site (e.g. more days overdue) never lowers its
   score and the head of the ranking stays spread out.

Because the priority is a sum of log-terms and points, every part is a *contribution* in
priority points; the reasons are the parts that lift the site above a typical site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk import calendar, model_cache
from risk.config import LEVEL_COLOURS, RiskConfig
from risk.exposure import exposure_table
from risk.features import build_feature_table, feature_groups, feature_hazards
from risk.inherent import inherent_lec
from risk.level import level_basis, standing_level, year_round_features
from risk.model import Candidate, LikelihoodModel, fit_likelihood
from risk.reasons import build_reasons
from risk.tables import as_of_timestamp, validate_inspections, validate_sites
from risk.urgency import ledger_status, statutory_status, urgency_points

OUTPUT_COLUMNS: tuple[str, ...] = (
    "site_id",
    "score",
    "rank",
    "level",
    "colour",
    "p_hazard",
    "p_major",
    "last_inspection",
    "next_due",
    "days_overdue",
    "open_hazards",
    "open_overdue",
    "must_visit",
    "must_reasons",
    "reasons",
    "reasons_text",
)


@dataclass
class SiteModels:
    """The fitted models behind one ``score_sites`` call (for notebooks and the CLI)."""

    hazard: LikelihoodModel
    major: LikelihoodModel | None
    major_share: pd.Series  # smoothed share of 重大 among hazards, by sector (fallback)
    as_of: pd.Timestamp
    n_train: int


#: 重大 findings are rare: one regularised logistic model, calibrated out of time.
MAJOR_CANDIDATE = Candidate("logistic", "logistic C=0.1 (重大)", {"C": 0.1})

#: Below this many inspections in the training window, the whole ledger is used.
MIN_WINDOW_ROWS = 500

_CACHE: OrderedDict[str, SiteModels] = OrderedDict()
_CACHE_SIZE = 6
_CACHE_LOCK = threading.Lock()  # Streamlit serves sessions from several threads


def _fingerprint(*frames: pd.DataFrame, extra: str = "") -> str:
    h = hashlib.sha1(extra.encode())
    for f in frames:
        h.update(str(list(f.columns)).encode())
        h.update(pd.util.hash_pandas_object(f.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


def _as_of(as_of: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    # one rule for the whole package: risk.tables.as_of_timestamp (InputError is a ValueError)
    return as_of_timestamp(as_of)


def _sector_key(sites: pd.DataFrame) -> pd.Series:
    if "category" in sites:
        return sites["category"].astype("string").fillna("(缺失)").astype(str)
    return pd.Series("(全部)", index=sites.index)


def _fresh_inspections(insp: pd.DataFrame, cfg: RiskConfig) -> pd.DataFrame:
    """Inspections that are fresh looks at a site (not 复查 of a known hazard)."""
    if "type" in insp and cfg.reinspection_types:
        return insp[~insp["type"].astype(str).isin(cfg.reinspection_types)]
    return insp


def fit_cutoff(as_of: pd.Timestamp, refit: str | None) -> pd.Timestamp:
    """The last day whose inspections the models learn from.

    Examples
    --------
    >>> fit_cutoff(pd.Timestamp("2026-12-02"), "month"), fit_cutoff(pd.Timestamp("2026-12-02"), None)
    (Timestamp('2026-11-30 00:00:00'), Timestamp('2026-12-02 00:00:00'))
    """
    if refit is None:
        return as_of
    if refit != "month":
        raise ValueError(f"refit 只能是 'month' 或 None（收到 {refit!r}）")
    return as_of.to_period("M").start_time - pd.Timedelta(days=1)


def fit_site_models(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    as_of: dt.date | str,
    config: RiskConfig | dict | None = None,
    hazards: pd.DataFrame | None = None,
) -> SiteModels:
    """Fit (or fetch from cache) the hazard and 重大 likelihood models on inspections ≤ ``as_of``
    (≤ the day before the month of ``as_of`` with ``refit="month"``, see :func:`fit_cutoff`).

    With ``hazards`` (隐患台账) the models also learn from the units' rectification record
    (:func:`risk.features.rectification_features`), as it stood on the cut-off day; score
    with the same table (:func:`score_sites` does).

    Examples
    --------
    >>> models = fit_site_models(sites, inspections, "2025-06-30")  # doctest: +SKIP
    >>> models.hazard.summary()  # doctest: +SKIP
    """
    cfg = RiskConfig.from_overrides(config)
    now = fit_cutoff(_as_of(as_of), cfg.refit)
    sites = validate_sites(sites)
    insp = validate_inspections(inspections, sites)
    known = _fresh_inspections(insp[insp["date"] <= now], cfg)
    hz_known = feature_hazards(hazards, now)
    # Only what the fit reads: a unit added since (no inspection before the cutoff) or a
    # write dated after it leaves the models as they are.
    key = _fingerprint(
        sites[sites["site_id"].astype(str).isin(set(known["site_id"].astype(str)))],
        known[["site_id", "date", "hazard_found", "major_found"]],
        *([] if hz_known is None else [hz_known]),
        extra=f"{now.date()}|hazards={hz_known is not None}|{cfg.families}|{cfg.random_state}|"
        f"{cfg.season_path}|"
        f"{cfg.train_window_days}|{cfg.reinspection_types}",
    )
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    cached = model_cache.load(cfg.model_cache_dir, key)
    if isinstance(cached, SiteModels):
        _remember(key, cached)
        return cached
    known = known.sort_values("date", kind="stable")
    train = known
    if cfg.train_window_days is not None:
        recent = known[known["date"] > now - pd.Timedelta(days=cfg.train_window_days)]
        if len(recent) >= MIN_WINDOW_ROWS:  # else a stale ledger: learn from all of it
            train = recent
    X = build_feature_table(
        sites, known, train[["site_id", "date"]], season_path=cfg.season_path, hazards=hz_known
    )
    y = train["hazard_found"].to_numpy(int)
    hazard = fit_likelihood(
        X, y, train["date"], families=cfg.families, random_state=cfg.random_state,
        n_jobs=cfg.n_jobs,
    )
    ym = train["major_found"].fillna(0).to_numpy(int)
    major = None
    if ym.sum() >= cfg.min_major_positives:
        major = fit_likelihood(
            X, ym, train["date"], random_state=cfg.random_state, n_jobs=cfg.n_jobs,
            candidate_list=[MAJOR_CANDIDATE],
        )
    sector = _sector_key(sites).set_axis(sites["site_id"].astype(str).to_numpy())
    ks = train["site_id"].map(sector).fillna("(缺失)")
    hz = train["hazard_found"].astype(int)
    overall = (ym.sum() + 1.0) / (hz.sum() + 10.0)
    grp = pd.DataFrame({"s": ks, "h": hz, "m": ym}).groupby("s")[["h", "m"]].sum()
    share = (grp["m"] + 10 * overall) / (grp["h"] + 10)
    share["__overall__"] = overall
    models = SiteModels(hazard, major, share, now, len(train))
    _remember(key, models)
    model_cache.save(cfg.model_cache_dir, key, models)
    return models


def _remember(key: str, models: SiteModels) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = models
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def season_factor(
    sites: pd.DataFrame, as_of: dt.date | str, season_path: str | None = None
) -> pd.DataFrame:
    """Seasonal / pre-holiday multiplier per site and the reasons of the active windows.

    Returns
    -------
    DataFrame
        ``season_factor`` (product of active matching factors, ≥ 1) and ``season_reason``.
    """
    flags = calendar.season_flags(as_of, season_path)
    table = calendar.season_table(season_path)
    text = pd.Series("", index=sites.index)
    for col in ("category", "subcategory"):
        if col in sites:
            text = text + " " + sites[col].astype("string").fillna("")
    factor = pd.Series(1.0, index=sites.index)
    reason = pd.Series("", index=sites.index)
    for rec in table.to_dict("records"):
        if not flags.get(rec["season"]):
            continue
        pattern = "|".join(k for k in str(rec["keywords"]).split(";") if k)
        hit = text.str.contains(pattern, regex=True, na=False) if pattern else text.eq(text)
        factor[hit] *= float(rec["factor"])
        reason[hit] = reason[hit].where(reason[hit] == "", reason[hit] + "；") + rec["reason"]
    return pd.DataFrame({"season_factor": factor, "season_reason": reason})


def score_sites(
    sites: pd.DataFrame,
    inspections: pd.DataFrame,
    hazards: pd.DataFrame | None,
    as_of: dt.date | str,
    assets: pd.DataFrame | None = None,
    config: RiskConfig | dict | None = None,
) -> pd.DataFrame:
    """Score every site as of a date.

    Parameters
    ----------
    sites : DataFrame
        Sites table (``site_id`` required; ``category``, ``lon``/``lat``, ``key_list`` /
        ``required_per_year`` and attribute columns used when present).
    inspections : DataFrame
        Inspection ledger (``inspection_id, site_id, date, hazard_found``; optional
        ``major_found``, ``n_hazards``, ``type``). Rows after ``as_of`` are ignored.
    hazards : DataFrame or None
        隐患台账 (open/overdue/重大/挂牌督办 status); None → no ledger-based urgency.
    as_of : date or str
        Everything dated on or before this day is known.
    assets : DataFrame, optional
        Protective assets (微型消防站 positions for exposure).
    config : RiskConfig or dict, optional
        Overrides of :class:`risk.config.RiskConfig` (e.g. ``{"level_cuts": (300, 150, 60)}``).

    Returns
    -------
    DataFrame
        One row per site, sorted by ``rank``, with :data:`OUTPUT_COLUMNS` plus the parts
        (``D, L, E, C, exposure_factor, season_factor, urgency, priority`` ...).

    Examples
    --------
    >>> ranked = score_sites(sites, inspections, hazards, "2025-06-30")  # doctest: +SKIP
    >>> ranked[["site_id", "score", "level", "reasons_text"]].head()  # doctest: +SKIP
    """
    cfg = RiskConfig.from_overrides(config)
    now = _as_of(as_of)
    sites = validate_sites(sites).reset_index(drop=True)
    insp = validate_inspections(inspections, sites)
    known = insp[insp["date"] <= now]
    models = fit_site_models(sites, insp, now, cfg, hazards=hazards)

    # 1. likelihood of finding a hazard if inspected the next day
    queries = pd.DataFrame(
        {"site_id": sites["site_id"].astype(str), "date": now + pd.Timedelta(days=1)}
    )
    Xq = build_feature_table(
        sites, _fresh_inspections(known, cfg), queries, season_path=cfg.season_path,
        hazards=feature_hazards(hazards, now),
    )
    p_hazard = models.hazard.predict_proba(Xq).clip(1e-4, 1 - 1e-4)
    if models.major is not None:
        p_major = models.major.predict_proba(Xq)
    else:
        share = _sector_key(sites).map(models.major_share).fillna(
            models.major_share["__overall__"]
        )
        p_major = p_hazard * share.to_numpy()
    p_major = np.minimum(p_major, p_hazard)

    # 2. risk D = L_eff x E x C x exposure x season (today's, for the priority) and the
    #    standing D_level = L_year x E x C x exposure (for the four-colour level)
    lec = inherent_lec(sites, cfg)
    expo = exposure_table(sites, assets, cfg)
    seas = season_factor(sites, now, cfg.season_path)
    if models.hazard.constant is None:
        l_eff = pd.Series(cfg.likelihood_scale(p_hazard), index=sites.index)
        p_year = models.hazard.predict_proba(
            year_round_features(Xq, sites, queries, now, cfg.season_path)
        ).clip(1e-4, 1 - 1e-4)
        l_year = pd.Series(cfg.likelihood_scale(p_year), index=sites.index)
    else:  # nothing learnable (no or one-class ledger): the sector prior L
        l_eff = lec["L"]
        l_year = lec["L"]
    d_level = l_year * lec["E"] * lec["C"] * expo["exposure_factor"]
    d_eff = l_eff * lec["E"] * lec["C"] * expo["exposure_factor"] * seas["season_factor"]

    # 3. urgency
    stat = statutory_status(sites, known, now, cfg)
    ledger = ledger_status(sites, hazards, now)
    status = pd.concat([stat, ledger], axis=1)
    # 承诺书 / 全员培训 missing this year (ledger.targets.commitment_gaps), used when switched on
    status["commitment_missing"] = (
        sites["commitment_missing"].fillna("").astype(str).to_numpy()
        if "commitment_missing" in sites.columns
        else ""
    )
    urg = urgency_points(status, cfg)

    pts = cfg.risk_points_per_decade
    parts = pd.DataFrame(index=sites.index)
    parts["sector"] = pts * np.log10(lec["E"] * lec["C_sector"])
    parts["people"] = pts * np.log10(lec["C"] / lec["C_sector"])
    parts["likelihood"] = pts * np.log10(l_eff)
    parts["exposure"] = pts * np.log10(expo["exposure_factor"])
    parts["season"] = pts * np.log10(seas["season_factor"])
    for c in ("u_statutory", "u_open_overdue", "u_major_pending", "u_supervised", "u_commitment"):
        parts[c] = urg[c]
    priority = parts.sum(axis=1)

    model_parts = (
        _model_contributions(models.hazard, Xq, p_hazard, pts, cfg)
        if cfg.explain
        else pd.DataFrame(index=sites.index)
    )

    out = pd.DataFrame({"site_id": sites["site_id"].astype(str)})
    out["score"] = score_from_priority(priority, cfg.score_knee)
    out["rank"] = priority.rank(method="min", ascending=False).astype(int)
    out["level"] = standing_level(d_level, ledger["major_open"], cfg)
    level_why = level_basis(d_level, ledger["major_open"], out["level"])
    out["colour"] = out["level"].map(LEVEL_COLOURS)
    out["p_hazard"] = p_hazard.round(4)
    out["p_major"] = np.round(p_major, 4)
    out["last_inspection"] = stat["last_inspection"]
    out["next_due"] = stat["next_due"]
    out["days_overdue"] = stat["days_overdue"]
    out["open_hazards"] = ledger["open_hazards"]
    out["open_overdue"] = ledger["open_overdue"]
    must = pd.DataFrame(
        {
            "法定检查逾期": stat["days_overdue"] > 0,
            "重大隐患待复查": ledger["major_pending"] > 0,
            "挂牌督办": ledger["supervised_open"] > 0,
        }
    )
    out["must_visit"] = must.any(axis=1)
    out["must_reasons"] = [
        [name for name, flag in row.items() if flag] for row in must.to_dict("records")
    ]
    if cfg.explain:
        reasons = build_reasons(
            parts=parts,
            model_parts=model_parts,
            lec=lec,
            expo=expo,
            seas=seas,
            status=status,
            history=Xq,
            config=cfg,
        )
    else:
        reasons = pd.Series([[] for _ in range(len(sites))], index=sites.index)
    out["reasons"] = reasons
    out["reasons_text"] = [
        "；".join(text for text, _ in r) for r in reasons
    ]
    out["priority"] = priority.round(3)
    out["level_basis"] = level_why
    out["D"] = d_level.round(1)
    out["D_today"] = d_eff.round(1)
    out["L"] = l_year.round(3)
    out["L_today"] = l_eff.round(3)
    out["E"] = lec["E"]
    out["C"] = lec["C"]
    out["lec_sector"] = lec["lec_sector"]
    out["exposure_factor"] = expo["exposure_factor"].round(3)
    out["vulnerable_nearby"] = expo["vulnerable_nearby"]
    out["station_m"] = expo["station_m"].round(0)
    out["season_factor"] = seas["season_factor"].round(3)
    out["urgency"] = urg["urgency"].round(3)
    out["required_per_year"] = stat["required_per_year"]
    out["done_this_year"] = stat["done"]
    out["expected_to_date"] = stat["expected_to_date"]
    for c in ("max_overdue_days", "major_open", "major_pending", "supervised_open",
              "hazards_12m"):
        out[c] = ledger[c]
    out = out.sort_values(["rank", "site_id"], kind="stable").reset_index(drop=True)
    out.attrs["model"] = {
        "family": models.hazard.candidate.family,
        "candidate": models.hazard.candidate.name,
        "n_train": models.n_train,
        "base_rate": round(models.hazard.base_rate, 4),
        "as_of": str(now.date()),
        "validation": [vars(r) for r in models.hazard.results],
    }
    return out


def join_scores(sites: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The sites with the columns of :func:`score_sites` added, sorted by ``rank``.

    Columns the sites table already has are kept from it (the site's own data wins); the
    type of ``sites`` (e.g. a GeoDataFrame) is kept.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["A", "B"], "name": ["甲", "乙"]})
    >>> scores = pd.DataFrame({"site_id": ["B", "A"], "name": ["x", "y"], "rank": [1, 2]})
    >>> join_scores(sites, scores)
      site_id name  rank
    0       B    乙     1
    1       A    甲     2
    """
    extra = [c for c in scores.columns if c == "site_id" or c not in sites.columns]
    out = sites.merge(scores[extra], on="site_id", how="left", validate="one_to_one")
    if "rank" in out.columns:
        out = out.sort_values("rank", kind="stable").reset_index(drop=True)
    return out


def score_from_priority(priority: pd.Series, knee: float = 70.0) -> pd.Series:
    """0-100 score: the priority itself up to ``knee``, then saturating smoothly towards 100.

    ``score = p`` for ``0 <= p <= knee`` and ``knee + (100 - knee) x (1 - exp(-(p - knee) /
    (100 - knee)))`` above it (slope 1 at the knee, so the curve has no corner). The score is
    absolute (a site's score does not depend on the other sites), strictly increasing in the
    priority (the head of the ranking stays spread out instead of piling up at 100, and a
    reason's contribution in priority points is, below the knee, points of score) and, before
    rounding to 0.1, below 100 for every finite priority. Negative priorities (possible only with a very low
    likelihood) give 0.

    Examples
    --------
    >>> score_from_priority(pd.Series([-5.0, 40.0, 70.0, 100.0, 130.0, 1e6])).tolist()
    [0.0, 40.0, 70.0, 89.0, 95.9, 100.0]
    """
    p = pd.to_numeric(priority, errors="coerce").clip(lower=0.0)
    knee = float(knee)
    head = 100.0 - knee
    above = knee + head * (1.0 - np.exp(-(p - knee).clip(lower=0.0) / head))
    return p.where(p <= knee, above).round(1)


#: Chinese labels of common site attributes (reasons name the attributes that drive p_hazard).
ATTRIBUTE_LABELS: dict[str, str] = {
    "category": "行业",
    "subcategory": "类别",
    "industry": "行业门类",
    "park": "园区",
    "committee": "居委",
    "department": "主管部门",
    "key_list": "重点检查名单",
    "required_per_year": "年检查次数要求",
    "outside_boundary": "辖区外",
    "floor_area_m2": "建筑面积(㎡)",
    "occupants": "人数",
    "beds": "床位",
    "pupils": "学生数",
    "storeys": "层数",
    "building_year": "建成年份",
    "ebike_capacity": "电动自行车停放/充电数",
    "elevators": "电梯数",
    "elevators_15y": "15年以上电梯数",
    "boilers": "锅炉数",
    "cranes": "起重机械数",
    "forklifts": "叉车数",
    "underground": "地下空间",
    "hazchem_t": "危化品(吨)",
    "lon": "经度",
    "lat": "纬度",
}
#: Per-attribute explanations cost one prediction per attribute: only up to this many sites.
ATTRIBUTE_DETAIL_MAX_SITES = 100_000


def _typical(s: pd.Series) -> object:
    if pd.api.types.is_numeric_dtype(s):
        return s.median() if s.notna().any() else np.nan
    mode = s.mode()
    return mode.iloc[0] if len(mode) else np.nan


#: 0/1 site attributes shown as 是/否.
BOOLEAN_ATTRIBUTES: frozenset[str] = frozenset({"key_list", "underground", "outside_boundary"})


def _fmt_value(v: object, boolean: bool = False) -> str:
    if boolean and isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v):
        return "是" if v else "否"
    if isinstance(v, (bool, np.bool_)):
        return "是" if v else "否"
    if isinstance(v, (int, float, np.integer, np.floating)):
        if not np.isfinite(v):
            return "未知"
        return f"{int(v)}" if float(v).is_integer() else f"{float(v):.1f}"
    return str(v)


def _model_contributions(
    model: LikelihoodModel, X: pd.DataFrame, p: pd.Series, pts: float, cfg: RiskConfig
) -> pd.DataFrame:
    """Points each feature group adds to the likelihood term versus a typical site.

    For a group, its features are replaced by the population's typical values (median /
    most frequent) and the model re-predicts; the contribution is
    ``pts x log10(L(p) / L(p_without_group))`` on the LEC likelihood scale. The same is done
    per site attribute (up to :data:`ATTRIBUTE_DETAIL_MAX_SITES` sites) to name, in
    ``site_detail``, the one or two attributes that raise a site's likelihood most.
    """
    l_now = cfg.likelihood_scale(p)
    groups = feature_groups(list(X.columns))
    out = pd.DataFrame(index=X.index)
    out["site_detail"] = ""
    if model.constant is not None:
        for g in groups:
            out[g] = 0.0
        return out

    def points_without(cols: list[str]) -> np.ndarray:
        Xr = X.copy()
        for c in cols:
            Xr[c] = _typical(X[c])
        pr = model.predict_proba(Xr).clip(1e-4, 1 - 1e-4)
        return pts * np.log10(l_now / cfg.likelihood_scale(pr))

    for g, cols in groups.items():
        out[g] = points_without(cols) if cols else 0.0
    site_cols = groups["site"]
    if site_cols and len(X) <= ATTRIBUTE_DETAIL_MAX_SITES:
        per_attr = np.column_stack([points_without([c]) for c in site_cols])
        # "n/a" (NaN, e.g. pupils of a factory) is not an attribute value to blame
        missing = np.column_stack(
            [X[c].isna().to_numpy() | X[c].astype(str).eq("(缺失)").to_numpy() for c in site_cols]
        )
        per_attr[missing] = 0.0
        order = np.argsort(-per_attr, axis=1)[:, :2]
        details = []
        for i in range(len(X)):
            bits = []
            for k in order[i]:
                if per_attr[i, k] < 0.5:
                    break
                col = site_cols[k]
                name = col.removeprefix("site_")
                label = ATTRIBUTE_LABELS.get(name, name)
                value = _fmt_value(X[col].iloc[i], boolean=name in BOOLEAN_ATTRIBUTES)
                bits.append(f"{label} {value}")
            details.append("、".join(bits))
        out["site_detail"] = details
    return out
