"""A plausible year of 年度目标 progress events for the sample store (deterministic).

The targets are the plan's list (:func:`registry.targets.default_targets`) for the year of the
sample's last ledger day; the events run from 1 January to that day (``end``), drawn from their
own random stream (``numpy.random.default_rng([seed, 18])``, 18 = the issue), so the other sample
tables stay byte-identical. Same seed and sites → the same events. Rates (share of the plan
reached by ``end``) are chosen so some targets are on pace and some behind, as in a real year:

* **unit scope** (承诺书 and the “四个一”): each active enterprise signs / completes with the
  probability of :data:`UNIT_RATES`, on a day within the target's period up to ``end``;
* **committee scope** (独居老人, 外来租户, 安全告知): one event per 居委 and month with the
  居委's share of the plan (by its number of units) × :data:`COUNT_RATES` — a count of
  households only, never a name;
* **everything else**: the plan's amount × :data:`COUNT_RATES` in a few batches (ports in lots
  of hundreds, one event per garage, station, training, drill …), trainings and drills with
  their attendees, 责任书 signed by key units (``key_list``) with their ``site_id``.

Examples
--------
>>> import pandas as pd
>>> sites = pd.DataFrame({"site_id": ["S1", "S2", "S3"], "category": ["厂房仓库"] * 3,
...     "committee": ["南大街", "星光", "南大街"], "department": ["社区平安办"] * 3,
...     "key_list": [True, False, False], "operating_state": ["正常"] * 3})
>>> t, e = sample_targets(sites, seed=1, end=dt.date(2026, 11, 28))
>>> len(t), e["event_id"].is_unique, bool((e["date"] <= "2026-11-28").all())
(22, True, True)
>>> e.equals(sample_targets(sites, seed=1, end=dt.date(2026, 11, 28))[1])
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from registry.committees import OUTSIDE, UNVERIFIED
from registry.sectors import DEPARTMENTS
from registry.targets import KIND_SCOPE, default_targets, enterprises
from registry.targets import TARGET_EVENT_COLUMNS as _EVENT_SPEC
from synthdata import DEFAULT_END

__all__ = ["COUNT_RATES", "UNIT_RATES", "add_sample_targets", "sample_targets"]

#: Share of enterprises that completed each unit-scope target by the end of the sample.
UNIT_RATES: Mapping[str, float] = {
    "承诺书": 0.88, "安全评估": 0.72, "设施维护保养": 0.8, "全员培训": 0.64,
}  # fmt: skip
#: Share of the planned amount reached by the end of the sample (default 0.9).
COUNT_RATES: Mapping[str, float] = {
    "责任书": 1.0, "安全培训": 1.0, "特种作业持证": 0.86, "应急预案": 1.0, "应急演练": 0.75,
    "安全宣传": 0.92, "防台防汛宣传": 1.0, "夏季高温宣传": 1.0, "冬春防火宣传": 1.0,
    "职业健康监测": 0.8, "独居老人安全检查": 0.9, "外来租户安全检查": 0.78, "安全告知": 0.88,
    "微型消防站": 0.75, "智能车库": 1.0, "梯控": 0.7, "充电端口": 0.8, "考核": 0.0,
}  # fmt: skip
#: Size of one event (a batch) of counted targets; others are one event per unit of measure.
_BATCH: Mapping[str, tuple[int, int]] = {
    "充电端口": (200, 1200), "梯控": (5, 25), "特种作业持证": (8, 30), "职业健康监测": (2, 6),
}  # fmt: skip
_ATTENDEES: Mapping[str, tuple[int, int]] = {
    "安全培训": (80, 220), "应急演练": (30, 120), "安全宣传": (20, 150),
}  # fmt: skip


def _day(rng: np.random.Generator, first: pd.Timestamp, last: pd.Timestamp, n: int) -> list:
    a, b = first.toordinal(), last.toordinal()
    return [pd.Timestamp(dt.date.fromordinal(int(x))) for x in rng.integers(a, b + 1, n)]


def _responsibility_letters(
    rng: np.random.Generator, target: Mapping[str, object], active: pd.DataFrame,
    committees: list[str], first: pd.Timestamp, last: pd.Timestamp, n: int,
    add: Callable[..., None],
) -> None:
    """责任书 of the 安委会: one per department, one per 居委, then key units, ``n`` in all."""
    days = iter(_day(rng, first, last, n))
    for dept in DEPARTMENTS[:n]:
        add(target, next(days), 1, department=dept, note="部门")
    for name in committees[: max(n - len(DEPARTMENTS), 0)]:
        add(target, next(days), 1, committee=name, note="居委会")
    left = max(n - len(DEPARTMENTS) - len(committees), 0)
    if left and "key_list" in active.columns:
        key = active[active["key_list"].astype(bool)].sort_values("site_id")
        chosen = np.sort(rng.choice(len(key), size=min(left, len(key)), replace=False))
        for sid in key["site_id"].iloc[chosen]:
            add(target, next(days), 1, site_id=sid, note="重点单位")


def sample_targets(
    sites: pd.DataFrame, seed: int, end: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plan's targets of ``end.year`` and a year of events up to ``end``.

    Returns
    -------
    (targets, events)
        Frames in the columns of ``targets`` and ``target_events``.
    """
    rng = np.random.default_rng([seed, 18])
    targets = default_targets(end.year)
    stop = pd.Timestamp(end)
    active = sites
    if "operating_state" in sites.columns:
        active = sites[sites["operating_state"] == "正常"]
    ent = enterprises(active).sort_values("site_id")
    committees = active["committee"].dropna()
    committees = committees[~committees.isin((OUTSIDE, UNVERIFIED))]
    weight = committees.value_counts().sort_index()
    share = weight / weight.sum() if len(weight) else weight
    names = list(share.index)
    rows: list[dict[str, object]] = []

    def add(target: Mapping[str, object], day: pd.Timestamp, qty: float, **extra: object) -> None:
        rows.append({"target_id": target["target_id"], "date": day, "quantity": float(qty),
                     "recorded_by": "示例数据", **extra})  # fmt: skip

    for target in targets.to_dict("records"):
        kind = str(target["kind"])
        first = pd.Timestamp(target["start_date"])
        last = min(pd.Timestamp(target["deadline"]), stop)
        if first > stop:
            continue
        scope = KIND_SCOPE[kind]
        if scope == "unit":
            done = rng.random(len(ent)) < UNIT_RATES.get(kind, 0.8)
            chosen = ent[done]
            for (sid, days) in zip(chosen["site_id"], _day(rng, first, last, len(chosen)),
                                   strict=True):
                add(target, days, 1, site_id=sid)
            continue
        total = float(target["amount"]) * COUNT_RATES.get(kind, 0.9)
        if scope == "committee":
            months = pd.date_range(first, last, freq="MS")
            for month in months:
                month_end = min(month + pd.offsets.MonthEnd(0), last)
                for name in names:
                    qty = round(total * float(share[name]) / len(months))
                    if qty > 0:
                        add(target, _day(rng, month, month_end, 1)[0], qty, committee=name)
            continue
        remaining = 0 if kind == "责任书" else round(total)
        lo_hi = _BATCH.get(kind)
        while remaining > 0:
            qty = min(remaining, int(rng.integers(lo_hi[0], lo_hi[1] + 1))) if lo_hi else 1
            remaining -= qty
            extra: dict[str, object] = {}
            if kind in _ATTENDEES:
                extra["attendees"] = int(rng.integers(*_ATTENDEES[kind]))
            if kind in ("充电端口", "智能车库", "微型消防站", "梯控", "安全宣传") and names:
                extra["committee"] = names[int(rng.integers(len(names)))]
            add(target, _day(rng, first, last, 1)[0], qty, **extra)
        if kind == "责任书":
            _responsibility_letters(rng, target, active, names, first, last, round(total), add)
    events = pd.DataFrame(rows, columns=[c.name for c in _EVENT_SPEC if c.name != "event_id"])
    events = events.sort_values(["date", "target_id"], kind="stable").reset_index(drop=True)
    events.insert(0, "event_id", [f"E{k:06d}" for k in range(1, len(events) + 1)])
    sites_by_id = active.set_index("site_id")
    has_site = events["site_id"].notna()
    for col in ("committee", "department"):
        events[col] = events[col].astype(object)
        if col in sites_by_id.columns:
            events.loc[has_site, col] = events.loc[has_site, "site_id"].map(sites_by_id[col])
    lead = targets.set_index("target_id")["department"]
    events["department"] = events["department"].fillna(events["target_id"].map(lead))
    return targets, events


def add_sample_targets(store: object, seed: int, end: dt.date = DEFAULT_END) -> None:
    """Write the sample's targets and events into ``store`` (``SQLiteStore.replace_targets``)."""
    targets, events = sample_targets(store.sites(), seed=seed, end=end)
    store.replace_targets(targets, events, user=None)
