"""Configuration of the risk model: cut-points, LEC table, likelihood scale, weights.

Everything a work-safety office may want to change without touching code is here, with
defaults from domain.md (§1.4 colours, §1.5 LEC bands). The statutory inspection frequency
is a rule, not a setting: :mod:`risk.frequency`.

The four-colour level (rule: :mod:`risk.level`)
-----------------------------------------------
安全风险分级管控 (安委办〔2016〕11号): the level is the unit's *standing* risk, ``D = L × E ×
C × exposure`` (作业条件危险性评价法, domain.md §1.5), cut at ``level_cuts`` = LEC variant A
(≥320 重大 “极其危险”, ≥160 较大 “高度危险”, ≥70 一般 “显著危险”, else 低; there is no national
mapping of LEC bands to colours, so the cuts stay editable). A unit with an open 重大隐患
is 重大 until it is closed. Seasons, holidays and the time since the last visit change the
priority only.

Calibration of the defaults (measured on the sample, benchmarks/RESULTS_risk.md): ``L`` is
an *accident* likelihood, while the model learns the probability that an inspection finds a
hidden danger (any 一般隐患). ``likelihood_anchors`` therefore map a unit where 14 % of
inspections find something to 0.5 “很不可能，可以设想”, one where 38 % do to 1 “可能性小，完全
意外” and only one where 90 % do to 3 “可能，但不经常”. The sector table
(``risk/config/sector_lec.csv``, its header gives the sources) keeps ``L`` priors at 0.5/1 and
raises ``C`` by head count only where people gather in one space. With these defaults
重大 comes from a small minority of units (mainly open 重大隐患), 较大 from about a tenth;
the pre-calibration defaults (anchors 0.25 → 1, 0.5 → 3; every sector's ``C`` raised to 40
at 300 people; ``L`` priors of 3) coloured 16 % of the sample 重大 and 87 % of high-rises.

Examples
--------
>>> cfg = RiskConfig.from_overrides({"level_cuts": (300.0, 150.0, 60.0)})
>>> cfg.level_for(200.0)
'较大'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.enums import RISK_LEVELS
from risk.frequency import NOT_COUNTED_TYPES

CONFIG_DIR = Path(__file__).resolve().parent / "config"
LEC_TABLE_PATH = CONFIG_DIR / "sector_lec.csv"

#: Level names from highest to lowest and their national colours (安委办〔2016〕11号), from
#: the one table :data:`registry.enums.RISK_LEVELS`.
LEVELS: tuple[str, ...] = tuple(lvl.name for lvl in RISK_LEVELS)
LEVEL_COLOURS: dict[str, str] = {lvl.name: lvl.hex for lvl in RISK_LEVELS}
LEVEL_COLOUR_NAMES: dict[str, str] = {lvl.name: lvl.colour_zh for lvl in RISK_LEVELS}

#: Model families the library compares by time-ordered validation.
DEFAULT_FAMILIES: tuple[str, ...] = ("logistic", "hist_gradient_boosting", "random_forest")


@dataclass(frozen=True)
class RiskConfig:
    """All tunable settings of :func:`risk.score_sites`.

    Attributes
    ----------
    level_cuts : tuple of float
        Lower bounds of the standing D = L x E x C x exposure for 重大 / 较大 / 一般 (default:
        domain.md §1.5 variant A, ≥320 红, ≥160 橙, ≥70 黄, else 蓝).
    level_inclusive : bool
        True: ``D >= cut`` reaches the level; False: ``D > cut``.
    lec_table_path : Path
        CSV ``category, L, E, C, crowd, note`` (sector defaults; ``其他`` is the fallback row;
        ``#`` lines are comments). ``L`` is the prior used only when no likelihood can be
        learned (empty ledger); ``crowd`` = 1 lets the people count raise ``C``.
    likelihood_anchors : tuple of (float, float)
        ``(p_hazard, L)`` points of the LEC likelihood scale (实际不可能 0.1 … 完全可以预料 10);
        the learned probability is mapped to ``L`` by log-log interpolation between them
        (calibration: module docstring).
    occupant_bands : tuple of (int, float)
        ``(min_people, C)``: in ``crowd`` sectors the consequence C is raised to at least C
        once the people count (occupants, beds or pupils) reaches ``min_people`` (LEC C: 15
        一人死亡, 40 数人死亡, 100 ≥10 人死亡).
    vulnerable_keywords : tuple of str
        Sectors/subcategories counted as vulnerable neighbours (schools, elderly homes ...).
    vulnerable_radius_m : float
        Radius of the vulnerable-neighbour count (metres, EPSG:32651).
    station_reach_m : float
        Distance to the nearest 微型消防站 beyond which exposure is raised (≈3-minute reach).
    exposure_per_vulnerable, exposure_vulnerable_cap, exposure_no_station : float
        Exposure multipliers: +x per vulnerable neighbour (capped), x when beyond reach.
    default_required_per_year : int
        Used when the sites table has neither ``required_per_year`` nor ``key_list``.
    reinspection_types : tuple of str
        Inspection types that re-check a known hazard (复查, default
        :data:`risk.frequency.NOT_COUNTED_TYPES`): they do not count as a statutory
        inspection (:mod:`risk.frequency`), and ``score_sites`` leaves them out of the learned likelihood (neither
        history nor training target: their outcome is not a fresh inspection's).
    risk_points_per_decade : float
        Priority points per tenfold increase of the risk D.
    score_knee : float
        The 0-100 score equals the priority up to this value and saturates smoothly towards
        100 above it (:func:`risk.scoring.score_from_priority`).
    overdue_points, overdue_scale_days : float
        Statutory overdue adds ``overdue_points * (1 - exp(-days / scale))`` (monotone, bounded).
    open_overdue_points, open_overdue_cap : float, int
        Points per open hazard past its deadline (count capped).
    hazard_overdue_points, hazard_overdue_scale_days : float
        Extra points growing with the longest hazard overdue time.
    major_pending_points, supervised_points : float
        Points for a 重大隐患 awaiting re-inspection / an open 挂牌督办 hazard.
    commitment_factor : bool
        Off by default. When on, a unit whose sites column ``commitment_missing`` names what
        it lacks this year (未签承诺书 / 未完成全员培训: :func:`ledger.targets.commitment_gaps`)
        gets ``commitment_points`` of priority — such a unit is worth a visit.
    commitment_points : float
        Points of the commitment factor.
    season_path : Path or None
        Alternative season table (default ``risk/config/seasons.csv``).
    families : tuple of str
        Model families to compare (subset of :data:`DEFAULT_FAMILIES`).
    train_window_days : int or None
        ``score_sites`` trains on inspections of the last this many days before ``as_of``
        (older rows still feed the history features; the whole ledger when the window holds
        fewer than 500); None = all.
    min_major_positives : int
        Below this many 重大 findings in training, ``p_major`` = ``p_hazard`` x smoothed
        share of 重大 among hazards (per sector) instead of a separate model.
    random_state : int
        Seed of every stochastic estimator (results are reproducible).
    n_jobs : int
        Parallel jobs for random forests.
    explain : bool
        Compute per-site reasons (costs a few extra model predictions).
    model_cache_dir : Path or None
        Directory where fitted models are kept between processes (see :mod:`risk.model_cache`);
        None (default) keeps them in memory only. The app and ``python -m risk score`` set it
        next to the store.
    refit : str or None
        ``"month"``: the models learn from the inspections before the first day of the
        ``as_of`` month and are refitted once a month (the app: a recorded inspection is
        scored at once — its history features, open hazards, due dates — without waiting for
        a refit). None (default, backtests): learn from everything up to ``as_of``.
    """

    level_cuts: tuple[float, float, float] = (320.0, 160.0, 70.0)
    level_inclusive: bool = True
    lec_table_path: Path = LEC_TABLE_PATH
    likelihood_anchors: tuple[tuple[float, float], ...] = (
        (0.02, 0.1), (0.05, 0.2), (0.14, 0.5), (0.38, 1.0), (0.9, 3.0), (0.98, 6.0), (0.999, 10.0)
    )
    occupant_bands: tuple[tuple[int, float], ...] = ((50, 15.0), (300, 40.0), (3000, 100.0))
    vulnerable_keywords: tuple[str, ...] = ("学校", "幼儿园", "养老", "长者", "医院", "医疗")
    vulnerable_radius_m: float = 200.0
    station_reach_m: float = 500.0
    exposure_per_vulnerable: float = 0.08
    exposure_vulnerable_cap: float = 0.4
    exposure_no_station: float = 1.15
    default_required_per_year: int = 2
    reinspection_types: tuple[str, ...] = NOT_COUNTED_TYPES
    risk_points_per_decade: float = 20.0
    score_knee: float = 70.0
    overdue_points: float = 15.0
    overdue_scale_days: float = 60.0
    open_overdue_points: float = 6.0
    open_overdue_cap: int = 3
    hazard_overdue_points: float = 6.0
    hazard_overdue_scale_days: float = 30.0
    major_pending_points: float = 25.0
    supervised_points: float = 15.0
    commitment_factor: bool = False
    commitment_points: float = 8.0
    season_path: Path | None = None
    families: tuple[str, ...] = DEFAULT_FAMILIES
    train_window_days: int | None = 730
    min_major_positives: int = 30
    random_state: int = 0
    n_jobs: int = 1
    explain: bool = True
    model_cache_dir: Path | None = None
    refit: str | None = None

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | RiskConfig | None = None) -> RiskConfig:
        """Build a config from ``None``, a config, or a mapping of field overrides.

        Raises
        ------
        ValueError
            Unknown keys or cut-points that are not strictly decreasing.
        """
        if overrides is None:
            cfg = cls()
        elif isinstance(overrides, RiskConfig):
            cfg = overrides
        else:
            known = {f.name for f in dataclasses.fields(cls)}
            unknown = sorted(set(overrides) - known)
            if unknown:
                raise ValueError(f"未知的风险模型配置项: {unknown}")
            values = dict(overrides)
            if "level_cuts" in values:
                values["level_cuts"] = tuple(float(x) for x in values["level_cuts"])
            cfg = dataclasses.replace(cls(), **values)
        cuts = cfg.level_cuts
        if len(cuts) != 3 or not (cuts[0] > cuts[1] > cuts[2]):
            raise ValueError(f"风险等级分界值须为 3 个递减的数 (重大 > 较大 > 一般): {cuts}")
        bad = sorted(set(cfg.families) - set(DEFAULT_FAMILIES))
        if bad or not cfg.families:
            raise ValueError(f"未知的模型族: {bad}; 可选 {list(DEFAULT_FAMILIES)}")
        return cfg

    def level_for(self, d_value: float) -> str:
        """Risk level (重大/较大/一般/低) of one D value under the configured cut-points."""
        for name, cut in zip(LEVELS[:3], self.level_cuts, strict=True):
            if (d_value >= cut) if self.level_inclusive else (d_value > cut):
                return name
        return LEVELS[3]

    def levels_for(self, d_values: pd.Series) -> pd.Series:
        """Vectorised :meth:`level_for`."""
        out = pd.Series(LEVELS[3], index=d_values.index, dtype=object)
        for name, cut in reversed(list(zip(LEVELS[:3], self.level_cuts, strict=True))):
            hit = (d_values >= cut) if self.level_inclusive else (d_values > cut)
            out[hit] = name
        return out

    def likelihood_scale(self, p: pd.Series | np.ndarray) -> np.ndarray:
        """Map probabilities to the LEC ``L`` scale (monotone, log-log interpolation).

        Examples
        --------
        >>> RiskConfig().likelihood_scale(np.array([0.14, 0.38, 0.9, 0.999])).round(2).tolist()
        [0.5, 1.0, 3.0, 10.0]
        """
        xs = np.log([a for a, _ in self.likelihood_anchors])
        ys = np.log([b for _, b in self.likelihood_anchors])
        q = np.log(np.clip(np.asarray(p, dtype=float), 1e-6, 1.0))
        return np.exp(np.interp(q, xs, ys))

    def lec_table(self) -> pd.DataFrame:
        """The sector LEC table with float ``L, E, C`` columns."""
        table = pd.read_csv(
            self.lec_table_path, encoding="utf-8", dtype={"category": str}, comment="#"
        )
        missing = {"category", "L", "E", "C"} - set(table.columns)
        if missing:
            raise ValueError(f"LEC 表缺少列: {sorted(missing)} ({self.lec_table_path})")
        for col in ("L", "E", "C"):
            table[col] = table[col].astype(float)
        # crowd: C follows the people count (a table without the column: every sector does)
        crowd = table["crowd"] if "crowd" in table else pd.Series(1, index=table.index)
        table["crowd"] = pd.to_numeric(crowd, errors="coerce").fillna(0).astype(bool)
        return table
