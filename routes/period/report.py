"""What a period plan cannot do, said early and by how much: the shortfall report.

A mandatory job (its due date inside the period) *misses* when the plan leaves it out, or
makes it after its due date although it was not yet late when the period began (a visit
already late on the first day and planned in the period is a catch-up, 补检, not a new miss). :func:`shortfall` counts the misses by kind, by 居委 and by sector and
turns them into the team-days that would close the gap (misses ÷ the average capacity of a
team-day, rounded up). :func:`capacity_vs_need` is the running balance behind the chart: on
each working day, the capacity given so far against the mandatory visits due so far; the
first day the need runs ahead is where the statute starts to slip.

Examples
--------
>>> import pandas as pd
>>> plan = pd.DataFrame({"kind": ["法定", "法定", "复查"], "mandatory": True,
...     "due": pd.to_datetime(["2026-12-03"] * 3), "date": pd.to_datetime(["2026-12-01", None, "2026-12-04"]),
...     "on_time": [True, False, False], "committee": ["真西", "真西", "杨家桥"],
...     "category": ["群租", "群租", "餐饮"], "behind": False})
>>> td = pd.DataFrame({"date": pd.to_datetime(["2026-12-01"]), "team": ["一组"], "capacity": [4]})
>>> r = shortfall(plan, td)
>>> r.missed, r.left_out, r.late, r.team_days_needed, r.by_committee["未按期"].tolist()
(2, 1, 1, 1, [1, 1])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

__all__ = ["Shortfall", "capacity_vs_need", "shortfall"]


@dataclass
class Shortfall:
    """Mandatory visits the plan misses.

    Attributes
    ----------
    mandatory : int
        Jobs due inside the period.
    missed : int
        Of them, left out or planned after the due date.
    left_out, late : int
        The two kinds of miss.
    by_kind, by_committee, by_sector : DataFrame
        ``应检`` (mandatory) and ``未按期`` (missed) per 复查/法定, per 居委, per sector.
    team_days_needed : int
        Extra team-days of average capacity that would close the gap.
    first_short_day : Timestamp or NaT
        First day on which the mandatory visits due so far exceed the capacity so far.
    """

    mandatory: int
    missed: int
    left_out: int
    late: int
    by_kind: pd.DataFrame
    by_committee: pd.DataFrame
    by_sector: pd.DataFrame
    team_days_needed: int
    first_short_day: pd.Timestamp

    def summary_zh(self) -> str:
        """One or two Chinese sentences for the page and the command line."""
        if not self.missed:
            return f"本期应检 {self.mandatory} 家次，现有力量可全部按期完成。"
        where = "、".join(f"{c} {n}" for c, n in self.by_committee["未按期"].head(3).items())
        text = (
            f"本期应检 {self.mandatory} 家次，现有力量将有 {self.missed} 家次无法按期完成"
            f"（未能安排 {self.left_out}，逾期安排 {self.late}），主要在 {where}；"
            f"约需增加 {self.team_days_needed} 个组日方可补齐。"
        )
        if pd.notna(self.first_short_day):
            text += f"自 {self.first_short_day:%m月%d日} 起应检量超过累计检查能力。"
        return text


def _table(missed: pd.DataFrame, due: pd.DataFrame, col: str) -> pd.DataFrame:
    out = pd.DataFrame({
        "应检": due.groupby(col).size(),
        "未按期": missed.groupby(col).size(),
    }).fillna(0).astype(int)
    out.index.name = col
    return out.sort_values(["未按期", "应检"], ascending=False, kind="stable")


def capacity_vs_need(plan: pd.DataFrame, td: pd.DataFrame) -> pd.DataFrame:
    """Running capacity against running mandatory need on each working day of the period.

    Jobs already late on the first day count as due on the first working day.

    Returns
    -------
    DataFrame
        ``date, capacity, need, planned`` per working day and the running sums
        ``capacity_cum, need_cum, planned_cum``.

    Examples
    --------
    >>> import pandas as pd
    >>> plan = pd.DataFrame({"mandatory": True, "due": pd.to_datetime(["2026-11-20", "2026-12-02"]),
    ...                      "date": pd.to_datetime(["2026-12-01", "2026-12-01"])})
    >>> td = pd.DataFrame({"date": pd.to_datetime(["2026-12-01", "2026-12-02"]), "capacity": [1, 1]})
    >>> capacity_vs_need(plan, td)[["capacity_cum", "need_cum", "planned_cum"]].values.tolist()
    [[1, 1, 2], [2, 2, 2]]
    """
    days = td.groupby("date", as_index=False)["capacity"].sum().sort_values("date")
    if days.empty:
        return pd.DataFrame(columns=["date", "capacity", "need", "planned", "capacity_cum",
                                     "need_cum", "planned_cum"])
    first = days["date"].iloc[0]
    mand = plan[plan["mandatory"]]
    due = pd.to_datetime(mand["due"]).clip(lower=first)
    # a job due on a day off counts on the working day before it
    pos = days["date"].searchsorted(due, side="right") - 1
    need = pd.Series(pos.clip(min=0)).value_counts()
    planned = plan["date"].dropna().value_counts()
    days["need"] = [int(need.get(i, 0)) for i in range(len(days))]
    days["planned"] = days["date"].map(planned).fillna(0).astype(int)
    for col in ("capacity", "need", "planned"):
        days[f"{col}_cum"] = days[col].cumsum().astype(int)
    return days.reset_index(drop=True)


def shortfall(plan: pd.DataFrame, td: pd.DataFrame) -> Shortfall:
    """The misses of a planned period (:func:`routes.period.assign.assign_visits` output).

    Parameters
    ----------
    plan : DataFrame
        ``kind, mandatory, date, on_time, committee, category`` (and ``due``).
    td : DataFrame
        The team-days (``date, capacity``).
    """
    mand = plan[plan["mandatory"]]
    behind = mand["behind"].astype(bool) if "behind" in mand else False
    miss = mand[mand["date"].isna() | (~mand["on_time"] & ~behind)]
    left = int(miss["date"].isna().sum())
    cap = float(td["capacity"].mean()) if len(td) else 0.0
    need = math.ceil(len(miss) / cap) if cap > 0 and len(miss) else (0 if not len(miss) else len(miss))
    balance = capacity_vs_need(plan, td)
    short = balance[balance["need_cum"] > balance["capacity_cum"]]
    return Shortfall(
        mandatory=len(mand),
        missed=len(miss),
        left_out=left,
        late=len(miss) - left,
        by_kind=_table(miss, mand, "kind"),
        by_committee=_table(miss, mand, "committee"),
        by_sector=_table(miss, mand, "category"),
        team_days_needed=int(need),
        first_short_day=short["date"].iloc[0] if len(short) else pd.NaT,
    )
