"""Holiday, key-node and season calendar (docs/DOMAIN.md §3).

All calendar facts live in editable data files under ``risk/config/``:

* ``holidays.json`` — official public holidays per year (off days and 调休 make-up work days),
  2023-2026 built in; add a year by appending to ``years``.
* ``key_nodes.csv`` — 重要节点 for leader-led checks; ``kind`` is ``holiday`` (dates taken from the
  holiday calendar), ``lantern`` (元宵) or ``fixed`` (``start_md``/``end_md`` every year).
* ``seasons.csv`` — seasonal emphasis windows (``start_md``→``end_md``, may wrap the new year) with
  the sector keywords they up-weight, the factor and the plain-Chinese reason.

Every loader accepts an optional path so a user can point at an edited copy.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

CONFIG_DIR = Path(__file__).resolve().parent / "config"
HOLIDAYS_PATH = CONFIG_DIR / "holidays.json"
KEY_NODES_PATH = CONFIG_DIR / "key_nodes.csv"
SEASONS_PATH = CONFIG_DIR / "seasons.csv"


# Holidays on fixed Gregorian dates: used for years beyond the calendar file (approximate,
# without 调休); lunar holidays (春节, 清明, 端午, 中秋) need the official notice.
FIXED_DATE_HOLIDAYS: dict[str, tuple[str, str]] = {
    "元旦": ("01-01", "01-01"),
    "劳动节": ("05-01", "05-05"),
    "国庆": ("10-01", "10-07"),
}


@dataclass(frozen=True)
class Holiday:
    """One contiguous holiday block (consecutive off days with the same name)."""

    name: str
    start: dt.date
    end: dt.date
    makeup_days: tuple[dt.date, ...] = ()


def as_date(value: dt.date | str | pd.Timestamp) -> dt.date:
    """A ``datetime.date`` from a date, datetime, Timestamp or ISO string (Chinese error).

    Examples
    --------
    >>> as_date("2026-02-15 08:00")
    datetime.date(2026, 2, 15)
    """
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as err:
        raise ValueError(f"无法识别的日期: {value!r} (应为 YYYY-MM-DD)") from err


@lru_cache(maxsize=8)
def _load_holiday_json(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def holidays(path: str | Path | None = None) -> list[Holiday]:
    """Holiday blocks from the editable calendar, sorted by start date.

    Parameters
    ----------
    path : str or Path, optional
        Alternative ``holidays.json`` (same format); default is the built-in file.

    Returns
    -------
    list of Holiday

    Examples
    --------
    >>> [h.name for h in holidays() if h.start.year == 2024][:2]
    ['元旦', '春节']
    """
    data = _load_holiday_json(str(path or HOLIDAYS_PATH))
    blocks: list[Holiday] = []
    for year in data["years"]:
        off = sorted(
            (as_date(d["date"]), d["name"]) for d in year["days"] if d.get("isOffDay", True)
        )
        makeup = [(as_date(d["date"]), d["name"]) for d in year["days"] if not d.get("isOffDay")]
        current: list[tuple[dt.date, str]] = []
        for day, name in off:
            if current and (day - current[-1][0]).days == 1 and name == current[-1][1]:
                current.append((day, name))
                continue
            if current:
                blocks.append(_block(current, makeup))
            current = [(day, name)]
        if current:
            blocks.append(_block(current, makeup))
    return sorted(blocks, key=lambda h: h.start)


def _block(days: list[tuple[dt.date, str]], makeup: list[tuple[dt.date, str]]) -> Holiday:
    name = days[0][1]
    mk = tuple(sorted(d for d, n in makeup if n == name and abs((d - days[0][0]).days) < 40))
    return Holiday(name=name, start=days[0][0], end=days[-1][0], makeup_days=mk)


def lantern_festivals(path: str | Path | None = None) -> dict[int, dt.date]:
    """元宵节 date per year (not an off day), from the holiday file."""
    data = _load_holiday_json(str(path or HOLIDAYS_PATH))
    return {
        int(y["year"]): as_date(y["lantern_festival"])
        for y in data["years"]
        if y.get("lantern_festival")
    }


def covered_years(path: str | Path | None = None) -> list[int]:
    """Years present in the holiday calendar (e.g. ``[2023, 2024, 2025, 2026]``)."""
    data = _load_holiday_json(str(path or HOLIDAYS_PATH))
    return sorted(int(y["year"]) for y in data["years"])


def is_off_day(date: dt.date | str, path: str | Path | None = None) -> bool:
    """True on a public-holiday off day or an ordinary weekend that is not a 调休 work day.

    Examples
    --------
    >>> is_off_day("2024-02-12"), is_off_day("2024-02-04")  # 春节; 调休上班 (Sunday)
    (True, False)
    """
    d = as_date(date)
    for h in holidays(path):
        if h.start <= d <= h.end:
            return True
        if d in h.makeup_days:
            return False
    return d.weekday() >= 5


def is_pre_holiday(date: dt.date | str, days: int = 7, path: str | Path | None = None) -> bool:
    """True when a holiday block starts within the next ``days`` days (exclusive of today).

    Parameters
    ----------
    date : date or str
    days : int
        Look-ahead window in days.

    Examples
    --------
    >>> is_pre_holiday("2024-09-28"), is_pre_holiday("2024-10-02"), is_pre_holiday("2024-08-01")
    (True, False, False)
    """
    d = as_date(date)
    return any(0 < (h.start - d).days <= days for h in holidays(path))


@lru_cache(maxsize=8)
def _read_csv_cached(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def key_node_table(path: str | Path | None = None) -> pd.DataFrame:
    """The editable key-node table (``risk/config/key_nodes.csv``) as strings."""
    return _read_csv_cached(str(path or KEY_NODES_PATH)).copy()


def season_table(path: str | Path | None = None) -> pd.DataFrame:
    """The editable season table (``risk/config/seasons.csv``); ``factor`` as float."""
    table = _read_csv_cached(str(path or SEASONS_PATH)).copy()
    table["factor"] = table["factor"].astype(float)
    return table


def _md(year: int, md: str) -> dt.date:
    month, day = (int(x) for x in md.split("-"))
    if month == 2 and day == 29:
        day = 28 if year % 4 else 29
    return dt.date(year, month, day)


def key_nodes(year: int, path: str | Path | None = None) -> pd.DataFrame:
    """Concrete key-node dates for one year.

    Returns
    -------
    DataFrame
        ``name, start, end, lead_days, focus, note`` (``start``/``end`` as ``datetime.date``).
        Holiday-kind nodes missing from the holiday calendar for that year are left out,
        except fixed-date ones (元旦, 劳动节, 国庆) which fall back to their usual dates.

    Examples
    --------
    >>> kn = key_nodes(2025)
    >>> kn.loc[kn["name"] == "春节", "start"].iloc[0]
    datetime.date(2025, 1, 28)
    >>> both = kn[kn["name"] == "国庆节、中秋节"].iloc[0]  # combined: 国庆's window and focus
    >>> int(both["lead_days"]), both["focus"]
    (14, ['人员密集', '商贸', '公共娱乐', '宾馆'])
    """
    table = key_node_table(path)
    blocks = holidays()
    lanterns = lantern_festivals()
    covered = set(covered_years())
    rows = []
    for rec in table.to_dict("records"):
        kind = rec["kind"]
        name = rec["name"]
        if kind == "holiday":
            match = [h for h in blocks if rec["holiday"] in h.name and h.end.year == year]
            if match:
                start, end = match[0].start, match[0].end
                if "、" in match[0].name:  # combined block, e.g. 中秋节、国庆节
                    name = match[0].name
            elif year not in covered and rec["holiday"] in FIXED_DATE_HOLIDAYS:
                start_md, end_md = FIXED_DATE_HOLIDAYS[rec["holiday"]]
                start, end = _md(year, start_md), _md(year, end_md)
            else:
                continue
        elif kind == "lantern":
            if year not in lanterns:
                continue
            start = end = lanterns[year]
        else:
            start, end = _md(year, rec["start_md"]), _md(year, rec["end_md"])
        rows.append(
            {
                "name": name,
                "start": start,
                "end": end,
                "lead_days": int(rec["lead_days"] or 7),
                "focus": [f for f in rec["focus"].split(";") if f],
                "note": rec["note"],
            }
        )
    out = pd.DataFrame(rows, columns=["name", "start", "end", "lead_days", "focus", "note"])
    # A combined block (中秋节、国庆节) comes from two rows: it keeps the longer lead window and
    # the focus sectors and notes of both, in table order.
    return out.groupby(["name", "start", "end"], sort=False, as_index=False).agg(
        lead_days=("lead_days", "max"),
        focus=("focus", lambda s: list(dict.fromkeys(f for fs in s for f in fs))),
        note=("note", lambda s: "；".join(dict.fromkeys(str(n) for n in s if n))),
    )


def upcoming_key_nodes(as_of: dt.date | str, horizon_days: int = 60) -> pd.DataFrame:
    """Key nodes that are under way or start within ``horizon_days`` of ``as_of``.

    Returns
    -------
    DataFrame
        ``name, start, end, days_until, in_lead_window, focus, note`` sorted by start;
        ``days_until`` is 0 while a node is under way, ``in_lead_window`` is True when
        ``as_of`` is within the node's ``lead_days`` before its start (time for 节前检查).

    Examples
    --------
    >>> upcoming_key_nodes("2025-09-20", horizon_days=20)["name"].tolist()
    ['国庆节、中秋节']
    """
    d = as_date(as_of)
    frames = [key_nodes(y) for y in (d.year, d.year + 1)]
    nodes = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    if nodes.empty:
        return nodes.assign(days_until=[], in_lead_window=[])
    until = nodes["start"].map(lambda s: (s - d).days)
    running = (nodes["start"] <= d) & (nodes["end"] >= d)
    keep = running | ((until > 0) & (until <= horizon_days))
    out = nodes.loc[keep].copy()
    out["days_until"] = until[keep].clip(lower=0).astype(int)
    out["in_lead_window"] = (out["days_until"] > 0) & (out["days_until"] <= out["lead_days"])
    cols = ["name", "start", "end", "days_until", "in_lead_window", "focus", "note"]
    return out.sort_values("start")[cols].reset_index(drop=True)


def _in_window(d: dt.date, start_md: str, end_md: str) -> bool:
    md = d.strftime("%m-%d")
    if start_md <= end_md:
        return start_md <= md <= end_md
    return md >= start_md or md <= end_md


def season_flags(date: dt.date | str, path: str | Path | None = None) -> dict[str, bool]:
    """Which seasonal windows are active on ``date`` (plus ``pre_holiday``).

    Examples
    --------
    >>> flags = season_flags("2025-01-10")
    >>> flags["winter_spring_fire"], flags["flood_season"]
    (True, False)
    """
    d = as_date(date)
    flags: dict[str, bool] = {}
    for rec in season_table(path).to_dict("records"):
        if rec["season"] == "pre_holiday":
            flags[rec["season"]] = is_pre_holiday(d)
        else:
            flags[rec["season"]] = _in_window(d, rec["start_md"], rec["end_md"])
    return flags


def season_flag_frame(dates: pd.Series, path: str | Path | None = None) -> pd.DataFrame:
    """Vectorised :func:`season_flags` for a Series of dates (one boolean column per season)."""
    ts = pd.to_datetime(pd.Series(dates)).dt.normalize()
    md = ts.dt.strftime("%m-%d")
    out = pd.DataFrame(index=ts.index)
    starts = pd.Series(sorted({h.start for h in holidays()}), dtype="datetime64[ns]")
    for rec in season_table(path).to_dict("records"):
        name = rec["season"]
        if name == "pre_holiday":
            start_days = starts.to_numpy(dtype="datetime64[D]").astype(np.int64)
            day = ts.to_numpy(dtype="datetime64[D]").astype(np.int64)
            pos = np.searchsorted(start_days, day + 1, side="left")
            has_next = pos < len(start_days)
            gap = np.where(has_next, start_days[np.minimum(pos, len(start_days) - 1)] - day, 10**6)
            out[name] = gap <= 7
        elif rec["start_md"] <= rec["end_md"]:
            out[name] = (md >= rec["start_md"]) & (md <= rec["end_md"])
        else:
            out[name] = (md >= rec["start_md"]) | (md <= rec["end_md"])
    return out
