"""Generated hostile inputs for ``python -m registry import`` and the runner that judges them.

Shared by tests/registry/test_hostile_inputs.py (one named test per case) and
benchmarks/hostile_inputs.py (a table per family). Every case starts from a small valid
registry in Chinese headers (3 units, 2 inspections, 1 hazard, 1 facility; dates relative
to today) and breaks one thing: encoding, file structure, a date, a number, a coordinate,
a text cell (formula/script injection, control characters, huge cells), a vocabulary
value, or the amount of data. Each case says what a user must get:

- ``import``: a clean import (exit 0) whose stored values are all possible;
- ``refuse``: exit 2 with a Chinese message (optionally containing ``expect_text``), no
  traceback, and the store byte-for-byte unchanged (hash of an SQL dump).

The cases run against a copy of a store that already holds the valid registry, so an import
that would empty or shrink it is visible.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import math
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from registry.__main__ import main

TODAY = dt.date.today()


def _d(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


def base_frames() -> dict[str, pd.DataFrame]:
    """The valid registry every case starts from (Chinese headers, text cells)."""
    sites = pd.DataFrame(
        {
            "单位名称": ["真如某仓库", "兰溪路群租房", "某加油站"],
            "统一社会信用代码": ["91350100M000100Y43", "", ""],
            "地址": ["真如路1号", "兰溪路2号", "真北路3号"],
            "经度": ["121.3905", "121.3965", "121.3812"],
            "纬度": ["31.2572", "31.2520", "31.2562"],
            "类别": ["厂房仓库", "群租", "加油站"],
            "子类": ["仓库", "群租房", ""],
            "行业": ["仓储业", "", ""],
            "居委": ["", "南大街", ""],
            "重点检查名单": ["是", "否", "是"],
            "建筑面积": ["2500", "90", ""],
            "人员数": ["20", "14", "6"],
            "年度检查次数": ["", "", ""],
        }
    )
    inspections = pd.DataFrame(
        {
            "检查编号": ["J1", "J2"],
            "单位名称": ["真如某仓库", "兰溪路群租房"],
            "检查日期": [_d(-40), _d(-20)],
            "检查类型": ["日常", "专项"],
            "检查组": ["平安办一组", "平安办二组"],
            "带队领导": ["", "张主任"],
            "隐患数": ["0", "1"],
        }
    )
    hazards = pd.DataFrame(
        {
            "检查编号": ["J2"],
            "隐患等级": ["重大"],
            "隐患类别": ["其他"],
            "部位": ["隔断间/厨房"],
            "隐患描述": ["违规分隔搭建"],
            "责任单位": ["二房东"],
            "整改责任人": ["李某"],
            "整改措施": ["拆除隔断，恢复原状"],
            "整改期限": [_d(10)],
        }
    )
    assets = pd.DataFrame(
        {
            "设施编号": ["A1"],
            "设施类型": ["微型消防站"],
            "名称": ["南大街微型消防站"],
            "经度": ["121.3960"],
            "纬度": ["31.2525"],
            "居委": ["南大街"],
            "容量": ["6"],
            "建成日期": ["2020-05-01"],
        }
    )
    return {"sites": sites, "inspections": inspections, "hazards": hazards, "assets": assets}


_FLAGS = {"sites": "--sites", "inspections": "--inspections", "hazards": "--hazards",
          "assets": "--assets"}  # fmt: skip

#: A file's content: a frame (written as UTF-8 CSV), raw bytes with a suffix, or a folder.
Content = pd.DataFrame | tuple[str, bytes] | str


@dataclass(frozen=True)
class Case:
    """One hostile input.

    ``files`` maps a table to its content (tables not given use the valid base frame;
    ``None`` leaves the table out of the command). ``make`` builds the contents lazily
    (big cases cost nothing until they run).
    """

    family: str
    name: str
    expect: str  # "import" or "refuse"
    make: Callable[[], dict[str, Content | None]]
    args: tuple[str, ...] = ()
    expect_text: str = ""
    stored: Callable[[sqlite3.Connection], str | None] | None = field(default=None)

    @property
    def id(self) -> str:
        return f"{self.family}-{self.name}"


def _csv(df: pd.DataFrame, encoding: str = "utf-8") -> tuple[str, bytes]:
    return ".csv", df.to_csv(index=False).encode(encoding)


def _xlsx(df: pd.DataFrame) -> tuple[str, bytes]:
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    return ".xlsx", buf.getvalue()


def write_case(case: Case, workdir: Path) -> list[str]:
    """Write the case's files into ``workdir``; return the CLI arguments after ``import``."""
    base = base_frames()
    contents = {**base, **case.make()}
    argv: list[str] = []
    for table, content in contents.items():
        if content is None:
            continue
        if isinstance(content, pd.DataFrame):
            content = _csv(content)
        if isinstance(content, str):  # a folder, or a path that does not exist
            p = workdir / table
            if content == "dir":
                p.mkdir()
        else:
            suffix, data = content
            p = workdir / f"{table}{suffix}"
            p.write_bytes(data)
        argv += [_FLAGS[table], str(p)]
    return argv + list(case.args)


# --- the store and its invariants ------------------------------------------------------------
def store_hash(path: Path) -> str:
    """SHA-256 of the SQL dump of every table (contents, not file bytes)."""
    con = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    finally:
        con.close()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DATE_COLUMNS = {
    "inspections": ("date",),
    "hazards": ("found_date", "deadline", "rectified_date", "reinspection_date", "closed_date"),
    "assets": ("built_date",),
}


def impossible_values(path: Path) -> list[str]:
    """Stored values no real registry has: non-finite numbers, control characters, text
    over 2000 characters, dates outside 1949-01-01 .. today + 1 year, coordinates outside
    Shanghai, unknown 居委. Checked on the raw SQLite rows, independently of the validators.
    """
    from layers.zones import committee_zones
    from registry.committees import OUTSIDE, UNVERIFIED

    zones = committee_zones()
    # real 居委 and the two groups that are not one (a placeholder zone name is never stored)
    known = set(zones.loc[~zones["placeholder"].astype(bool), "short_name"]) | {OUTSIDE, UNVERIFIED}
    lo, hi = dt.date(1949, 1, 1).isoformat(), (TODAY + dt.timedelta(days=366)).isoformat()
    con = sqlite3.connect(path)
    problems: list[str] = []
    try:
        for table in ("sites", "inspections", "hazards", "assets"):
            cur = con.execute(f"SELECT * FROM {table}")
            names = [c[0] for c in cur.description]
            for row in cur:
                for name, v in zip(names, row, strict=True):
                    where = f"{table}.{name}={v!r:.40}"
                    if isinstance(v, float) and not math.isfinite(v):
                        problems.append(f"non-finite {where}")
                    if isinstance(v, str):
                        if _CONTROL.search(v) or (
                            "\n" in v and name not in ("description", "measures")
                        ):
                            problems.append(f"control character {where}")
                        if len(v) > 2000:
                            problems.append(f"huge text {where}")
                    if name in _DATE_COLUMNS.get(table, ()) and v is not None:
                        if not (re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v)) and lo <= v <= hi):
                            problems.append(f"date out of window {where}")
                    if name == "committee" and v is not None and v not in known:
                        problems.append(f"unknown 居委 {where}")
                    if name == "lon" and not 120.85 <= v <= 122.2:
                        problems.append(f"lon {where}")
                    if name == "lat" and not 30.67 <= v <= 31.88:
                        problems.append(f"lat {where}")
                    if name == "required_per_year" and not 1 <= v <= 52:
                        problems.append(f"required_per_year {where}")
    finally:
        con.close()
    return problems


# --- running one case --------------------------------------------------------------------
@dataclass
class Outcome:
    """What happened when a case ran."""

    exit_code: int | None
    stdout: str
    stderr: str
    traceback: str  # non-empty when an exception escaped main()
    changed: bool
    impossible: list[str]
    stored_problem: str | None = None

    @property
    def result(self) -> str:
        if self.traceback:
            return "traceback"
        return {0: "import", 2: "refuse"}.get(self.exit_code, f"exit {self.exit_code}")

    @property
    def chinese_message(self) -> bool:
        return bool(re.search(r"[\u4e00-\u9fff]", self.stderr))


def make_template(workdir: Path) -> Path:
    """A store holding the valid base registry (what every case runs against)."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "template.db"
    base = Case("base", "base", "import", dict)
    code = main(["import", *write_case(base, workdir), "--path", str(db)])
    if code != 0:
        raise RuntimeError("the valid base registry does not import")
    return db


def run_case(case: Case, workdir: Path, template: Path) -> Outcome:
    """Run ``main(["import", ...])`` in-process on a fresh copy of ``template``."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "store.db"
    shutil.copy(template, db)
    before = store_hash(db)
    argv = ["import", *write_case(case, workdir), "--path", str(db)]
    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    trace = ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        # The harness measures exactly this: any exception escaping the CLI is a traceback
        # a user would see, whatever its type.
        except Exception as exc:  # noqa: BLE001
            trace = f"{type(exc).__name__}: {exc}"
    changed = store_hash(db) != before
    impossible = impossible_values(db) if code == 0 else []
    outcome = Outcome(code, out.getvalue(), err.getvalue(), trace, changed, impossible)
    if code == 0 and case.stored is not None:
        con = sqlite3.connect(db)
        try:
            outcome.stored_problem = case.stored(con)
        finally:
            con.close()
    return outcome


def problems(case: Case, o: Outcome) -> list[str]:
    """Everything wrong with an outcome (empty = the case behaved as a user needs)."""
    found: list[str] = []
    if o.traceback:
        found.append(f"traceback: {o.traceback}")
    if "Traceback" in o.stderr:
        found.append("traceback text on stderr")
    if o.result != case.expect:
        found.append(f"expected {case.expect}, got {o.result}: {o.stderr.strip()[:300]}")
    if o.result == "refuse":
        if not o.chinese_message:
            found.append(f"refusal without a Chinese message: {o.stderr!r:.200}")
        if o.changed:
            found.append("store changed although the import was refused")
        if case.expect_text and case.expect_text not in o.stderr:
            found.append(f"message lacks {case.expect_text!r}: {o.stderr.strip()[:300]}")
    if o.result == "import":
        found += [f"impossible value stored: {p}" for p in o.impossible[:5]]
        if o.stored_problem:
            found.append(o.stored_problem)
        if case.expect_text and case.expect_text not in o.stdout:
            found.append(f"output lacks {case.expect_text!r}: {o.stdout.strip()[:300]}")
    return found


# --- the cases ---------------------------------------------------------------------------
def _set(table: str, column: str, value: str, row: int = 0) -> Callable[[], dict[str, Content]]:
    def make() -> dict[str, Content]:
        df = base_frames()[table].copy()
        df.loc[row, column] = value
        return {table: df}

    return make


def _stored_equals(table: str, column: str, value: str) -> Callable[[sqlite3.Connection], str | None]:
    def check(con: sqlite3.Connection) -> str | None:
        values = [r[0] for r in con.execute(f"SELECT {column} FROM {table}")]
        return None if value in values else f"{table}.{column} does not hold {value!r}: {values}"

    return check


def _encoding_cases() -> Iterator[Case]:
    for enc in ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"):
        yield Case(
            "encoding", enc, "import",
            lambda enc=enc: {t: _csv(df, enc) for t, df in base_frames().items()},
        )
    latin = "Ã©tÃ©,Ã¼ber,naÃ¯ve,çà\nfaÃ§ade,Ã¤,1,2\n".encode("latin-1")
    yield Case("encoding", "latin1-garbage", "refuse", lambda: {"sites": (".csv", latin)})
    mixed = base_frames()["sites"].to_csv(index=False).encode("utf-8") + "某单位".encode("gbk")
    yield Case("encoding", "utf8-then-gbk", "refuse", lambda: {"sites": (".csv", mixed)})


def _structure_cases() -> Iterator[Case]:
    header = ",".join(base_frames()["sites"].columns)
    yield Case("structure", "empty-file", "refuse", lambda: {"sites": (".csv", b"")},
               expect_text="文件是空的")
    for table in ("sites", "inspections", "hazards", "assets"):
        yield Case(
            "structure", f"header-only-{table}", "refuse",
            lambda table=table: {table: base_frames()[table].iloc[:0]}, expect_text="只有表头",
        )
    yield Case("structure", "header-only-xlsx", "refuse",
               lambda: {"sites": _xlsx(base_frames()["sites"].iloc[:0])}, expect_text="只有表头")
    yield Case("structure", "blank-rows", "refuse",
               lambda: {"sites": (".csv", (header + "\n" + ",,,\n" * 5 + "\n\n").encode())},
               expect_text="只有表头")
    yield Case("structure", "whitespace-rows", "refuse",
               lambda: {"sites": (".csv", (header + "\n" + " , ,\t,\n" * 3).encode())})
    yield Case("structure", "only-newlines", "refuse", lambda: {"sites": (".csv", b"\n\n\r\n")})

    def ragged() -> dict[str, Content]:
        text = base_frames()["sites"].to_csv(index=False).splitlines()
        text[2] += ",多余,字段"
        return {"sites": (".csv", "\n".join(text).encode())}

    yield Case("structure", "ragged-long-row", "refuse", ragged, expect_text="第3行")

    def short_row() -> dict[str, Content]:
        text = base_frames()["sites"].to_csv(index=False).splitlines()
        text[2] = "兰溪路群租房,"
        return {"sites": (".csv", "\n".join(text).encode())}

    yield Case("structure", "ragged-short-row", "refuse", short_row, expect_text="第3行")

    def dup_header() -> dict[str, Content]:
        df = base_frames()["sites"]
        df.insert(1, "经度 ", df["经度"], allow_duplicates=True)
        return {"sites": df}

    yield Case("structure", "duplicate-header", "refuse", dup_header, expect_text="重复")

    def alias_clash() -> dict[str, Content]:
        return {"sites": base_frames()["sites"].assign(名称=["a", "b", "c"])}

    yield Case("structure", "two-headers-one-column", "refuse", alias_clash)
    for col in ("单位名称", "经度", "纬度", "类别"):
        yield Case("structure", f"missing-{col}", "refuse",
                   lambda col=col: {"sites": base_frames()["sites"].drop(columns=[col])},
                   expect_text="缺少")
    yield Case("structure", "inspections-without-site", "refuse",
               lambda: {"inspections": base_frames()["inspections"].drop(columns=["单位名称"])})
    yield Case("structure", "hazards-without-inspection", "refuse",
               lambda: {"hazards": base_frames()["hazards"].drop(columns=["检查编号"])})

    def data_without_header() -> dict[str, Content]:
        return {"sites": base_frames()["sites"].assign(**{"": ["x", "", ""]})}

    yield Case("structure", "data-without-header", "refuse", data_without_header)

    def interior_blank() -> dict[str, Content]:
        df = base_frames()["sites"]
        blank = pd.DataFrame([[""] * df.shape[1]], columns=df.columns)
        return {"sites": pd.concat([df.iloc[:1], blank, df.iloc[1:]], ignore_index=True)}

    yield Case("structure", "interior-blank-row", "refuse", interior_blank, expect_text="第3行")

    def trailing_blank() -> dict[str, Content]:
        text = base_frames()["sites"].to_csv(index=False) + ",,,,\n\n \n"
        return {"sites": (".csv", text.encode())}

    yield Case("structure", "trailing-blank-rows", "import", trailing_blank)
    yield Case("structure", "directory", "refuse", lambda: {"sites": "dir"},
               expect_text="文件夹")
    yield Case("structure", "missing-file", "refuse", lambda: {"sites": "missing"},
               expect_text="找不到文件")
    yield Case("structure", "binary-as-csv", "refuse",
               lambda: {"sites": (".csv", bytes(range(256)) * 8)})
    yield Case("structure", "png-as-csv", "refuse",
               lambda: {"sites": (".csv", b"\x89PNG\r\n\x1a\n" + bytes(200))})
    yield Case("structure", "json-file", "refuse", lambda: {"sites": (".json", b"{}")},
               expect_text="不支持的文件类型")
    yield Case("structure", "xlsx", "import",
               lambda: {t: _xlsx(df) for t, df in base_frames().items()})

    def broken_zip() -> dict[str, Content]:
        return {"sites": (".xlsx", _xlsx(base_frames()["sites"])[1][:700])}

    yield Case("structure", "xlsx-truncated-zip", "refuse", broken_zip, expect_text="Excel")
    yield Case("structure", "xlsx-not-a-zip", "refuse",
               lambda: {"sites": (".xlsx", b"PK\x03\x04 not really a zip")}, expect_text="Excel")
    yield Case("structure", "xlsx-csv-inside", "refuse",
               lambda: {"sites": (".xlsx", _csv(base_frames()["sites"])[1])}, expect_text="Excel")

    def wrong_zip() -> dict[str, Content]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("readme.txt", "hello")
        return {"sites": (".xlsx", buf.getvalue())}

    yield Case("structure", "xlsx-wrong-zip-content", "refuse", wrong_zip, expect_text="Excel")

    def bad_xml() -> dict[str, Content]:
        src = zipfile.ZipFile(io.BytesIO(_xlsx(base_frames()["sites"])[1]))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for item in src.infolist():
                data = src.read(item.filename)
                z.writestr(item, b"<worksheet><<garbage" if "sheet1" in item.filename else data)
        return {"sites": (".xlsx", buf.getvalue())}

    yield Case("structure", "xlsx-broken-xml", "refuse", bad_xml, expect_text="Excel")


def _date_cases() -> Iterator[Case]:
    good = {
        "iso": _d(-30),
        "slash": (TODAY - dt.timedelta(days=30)).strftime("%Y/%-m/%-d"),
        "chinese": (TODAY - dt.timedelta(days=30)).strftime("%Y年%-m月%-d日"),
        "excel-text-time": _d(-30) + " 00:00:00",
    }
    for name, value in good.items():
        yield Case("dates", f"ok-{name}", "import", _set("inspections", "检查日期", value, 1))
    bad = {
        "year-1": "0001-01-01", "negative-year": "-2024-06-03", "words": "3 June",
        "timezone": f"{_d(-30)}T10:00+08:00", "now": "now", "today": "today", "time": "12:00",
        "year-only": "2024", "1-1-1": "1/1/1", "day-first": "03/06/2024",
        "year-1900": "1900-01-01", "year-2099": "2099-01-01", "feb-30": "2024-02-30",
        "future": _d(10), "number": "45000", "nan": "nan",
    }  # fmt: skip
    for name, value in bad.items():
        yield Case("dates", f"inspection-{name}", "refuse",
                   _set("inspections", "检查日期", value, 1), expect_text="检查日期")

    def excel_date_cells() -> dict[str, Content]:
        f = base_frames()
        insp = f["inspections"].assign(检查日期=pd.to_datetime(f["inspections"]["检查日期"]))
        haz = f["hazards"].assign(整改期限=pd.to_datetime(f["hazards"]["整改期限"]))
        return {"inspections": _xlsx(insp), "hazards": _xlsx(haz)}

    yield Case("dates", "ok-excel-date-cells", "import", excel_date_cells,
               stored=_stored_equals("inspections", "date", _d(-20)))
    yield Case("dates", "deadline-in-2-years", "refuse", _set("hazards", "整改期限", _d(800)),
               expect_text="整改期限")
    yield Case("dates", "deadline-next-month", "import", _set("hazards", "整改期限", _d(30)))
    yield Case("dates", "built-1900", "refuse", _set("assets", "建成日期", "1900-01-01"))


def _number_cases() -> Iterator[Case]:
    values = ("inf", "-inf", "Infinity", "nan", "1e400", "-1", "1e12", "12abc", "0x10", "")
    for column in ("建筑面积", "人员数", "年度检查次数"):
        for v in values:
            if v == "":
                continue
            yield Case("numbers", f"{column}-{v}", "refuse", _set("sites", column, v),
                       expect_text=column)
    yield Case("numbers", "年度检查次数-100000", "refuse", _set("sites", "年度检查次数", "100000"))
    yield Case("numbers", "年度检查次数-52", "import", _set("sites", "年度检查次数", "52"))
    yield Case("numbers", "年度检查次数-2.5", "refuse", _set("sites", "年度检查次数", "2.5"))
    yield Case("numbers", "spaces-around", "import", _set("sites", "人员数", "  12 "))
    yield Case("numbers", "隐患数-inf", "refuse", _set("inspections", "隐患数", "inf", 1))
    yield Case("numbers", "容量-1e400", "refuse", _set("assets", "容量", "1e400"))


def _coordinate_cases() -> Iterator[Case]:
    for name, lon, lat in (
        ("lon-1e308", "1e308", "31.25"), ("lat-minus-1e308", "121.39", "-1e308"),
        ("swapped", "31.2572", "121.3905"), ("zero", "0", "0"), ("lon-200", "200", "31.25"),
        ("lon-inf", "inf", "31.25"), ("lat-nan", "121.39", "nan"), ("lon-text", "东经121度", "31.25"),
    ):  # fmt: skip
        def make(lon: str = lon, lat: str = lat) -> dict[str, Content]:
            df = base_frames()["sites"].copy()
            df.loc[1, ["经度", "纬度"]] = [lon, lat]
            return {"sites": df}

        yield Case("coordinates", name, "refuse", make, expect_text="第3行")
        yield Case("coordinates", f"{name}-gcj02", "refuse", make, args=("--crs", "gcj02"))
    yield Case("coordinates", "crs-gcj02-no-column", "import", dict, args=("--crs", "gcj02"))
    yield Case("coordinates", "crs-bd09", "import", dict, args=("--crs", "bd09"))
    yield Case("coordinates", "crs-unknown", "refuse", dict, args=("--crs", "mars"),
               expect_text="未知坐标系")
    yield Case("coordinates", "column-火星", "import",
               lambda: {"sites": base_frames()["sites"].assign(坐标系="火星")})
    yield Case("coordinates", "column-unknown", "refuse",
               lambda: {"sites": base_frames()["sites"].assign(坐标系="xyz")})
    yield Case("coordinates", "asset-lon-1e308", "refuse", _set("assets", "经度", "1e308"))


#: Free-text columns (any text is data: stored verbatim, escaped when shown).
FREE_TEXT = {
    "sites": {"单位名称": "name", "地址": "address", "行业": "industry"},
    "inspections": {"检查组": "team", "带队领导": "leader"},
    "hazards": {"部位": "part", "隐患描述": "description", "责任单位": "responsible_unit",
                "整改责任人": "responsible_person", "整改措施": "measures"},
    "assets": {"名称": "name"},
}  # fmt: skip
#: Vocabulary / code columns (an injection is an unknown value there).
CODED = {
    "sites": ("统一社会信用代码", "经度", "类别", "子类", "居委", "重点检查名单", "人员数"),
    "inspections": ("检查日期", "检查类型", "隐患数"),
    "hazards": ("隐患等级", "隐患类别", "整改期限"),
    "assets": ("设施类型", "居委", "容量", "建成日期"),
}
INJECTIONS = {"formula": "=cmd|' /C calc'!A0", "script": "<script>alert(1)</script>",
              "template": "${alert(1)}"}  # fmt: skip


def _injection_cases() -> Iterator[Case]:
    for payload_name, payload in INJECTIONS.items():
        for table, columns in FREE_TEXT.items():
            for label, column in columns.items():
                row = 1 if table == "inspections" else 0
                if table == "sites" and label == "单位名称":
                    continue  # inspections refer to units by name: covered below
                yield Case(
                    "injection", f"{payload_name}-{table}-{label}", "import",
                    _set(table, label, payload, row),
                    stored=_stored_equals(table, column, payload),
                )
            for label in CODED[table]:
                yield Case("injection", f"{payload_name}-{table}-{label}", "refuse",
                           _set(table, label, payload), expect_text=label)

        def renamed(payload: str = payload) -> dict[str, Content]:
            sites = base_frames()["sites"].copy()
            insp = base_frames()["inspections"].copy()
            sites.loc[0, "单位名称"] = payload
            insp.loc[0, "单位名称"] = payload
            return {"sites": sites, "inspections": insp}

        yield Case("injection", f"{payload_name}-sites-单位名称", "import", renamed,
                   stored=_stored_equals("sites", "name", payload))


def _control_cases() -> Iterator[Case]:
    chars = {"NUL": "\x00", "ESC": "\x1b", "formfeed": "\x0c", "SOH": "\x01", "DEL": "\x7f",
             "C1-NEL": "\x85", "newline": "\n", "CR": "\r", "vtab": "\x0b"}  # fmt: skip
    for name, ch in chars.items():
        # NUL makes the whole CSV unreadable as text (refused naming the line); a bare CR
        # ends the CSV line (refused as a ragged row); the others are named by their column.
        where = {"NUL": "空字符", "CR": "第3行"}.get(name)
        yield Case("control", f"address-{name}", "refuse",
                   _set("sites", "地址", f"真如{ch}路1号"), expect_text=where or "地址")
        if ch in "\n\r":
            continue
        yield Case("control", f"description-{name}", "refuse",
                   _set("hazards", "隐患描述", f"违规{ch}搭建"), expect_text=where or "隐患描述")
    for name, ch in {"newline": "\n", "tab": "\t", "crlf": "\r\n"}.items():
        yield Case("control", f"description-{name}-ok", "import",
                   _set("hazards", "隐患描述", f"违规{ch}搭建"))
    # XML (so XLSX) cannot hold most C0 characters; a tab in a short text cell it can
    yield Case("control", "xlsx-tab-in-short-text", "refuse", lambda: {
        "sites": _xlsx(base_frames()["sites"].assign(行业=["仓储\t业", "", ""]))},
        expect_text="行业")


def _size_cases() -> Iterator[Case]:
    yield Case("huge", "address-200", "import", _set("sites", "地址", "路" * 200))
    yield Case("huge", "address-201", "refuse", _set("sites", "地址", "路" * 201),
               expect_text="过长")
    yield Case("huge", "description-2000", "import", _set("hazards", "隐患描述", "违" * 2000))
    yield Case("huge", "description-2001", "refuse", _set("hazards", "隐患描述", "违" * 2001),
               expect_text="过长")
    yield Case("huge", "industry-1MB", "refuse", _set("sites", "行业", "x" * 1_000_000),
               expect_text="过长")


def _vocabulary_cases() -> Iterator[Case]:
    yield Case("vocabulary", "committee-unknown", "refuse", _set("sites", "居委", "月球居委"),
               expect_text="居委")
    yield Case("vocabulary", "committee-full-name", "import",
               _set("sites", "居委", "真光新村第一居委会"),
               stored=_stored_equals("sites", "committee", "真一"))
    yield Case("vocabulary", "asset-committee-unknown", "refuse", _set("assets", "居委", "浦东"))
    yield Case("vocabulary", "uscc-all-zero", "refuse",
               _set("sites", "统一社会信用代码", "0" * 18), expect_text="统一社会信用代码")
    yield Case("vocabulary", "uscc-bad-check", "refuse",
               _set("sites", "统一社会信用代码", "91350100M000100Y44"))
    yield Case("vocabulary", "category-unknown", "refuse", _set("sites", "类别", "火箭发射场"))
    yield Case("vocabulary", "category-code", "import", _set("sites", "类别", "  群租 ", 1))


def _removal_cases() -> Iterator[Case]:
    def fewer() -> dict[str, Content]:
        f = base_frames()
        return {"sites": f["sites"].iloc[:2], "inspections": f["inspections"]}

    yield Case("removal", "fewer-sites", "refuse", fewer, expect_text="--allow-remove")
    yield Case("removal", "fewer-sites-allowed", "import", fewer, args=("--allow-remove",),
               expect_text="单位 1 条")
    def no_hazards() -> dict[str, Content]:
        return {"hazards": None, "inspections": base_frames()["inspections"].drop(columns="隐患数")}

    yield Case("removal", "no-hazards-file", "refuse", no_hazards, expect_text="隐患 1 条")
    yield Case("removal", "sites-only-allowed", "import",
               lambda: {"inspections": None, "hazards": None, "assets": None},
               args=("--allow-remove",), expect_text="检查记录 2 条")

    def more() -> dict[str, Content]:
        s = base_frames()["sites"]
        extra = s.iloc[[1]].assign(单位名称="兰溪路新群租房")
        return {"sites": pd.concat([s, extra], ignore_index=True)}

    yield Case("removal", "more-sites", "import", more)


def _scale_cases(n: int) -> Iterator[Case]:
    def big(bad_last: bool) -> dict[str, Content]:
        s = base_frames()["sites"]
        df = s.iloc[[0, 1, 2] * (n // 3)].reset_index(drop=True)
        df["单位名称"] = [f"真如某单位{i}" for i in range(len(df))]
        df["统一社会信用代码"] = ""
        if bad_last:
            df.loc[len(df) - 1, "经度"] = "1e308"
        return {"sites": df, "inspections": None, "hazards": None, "assets": None}

    yield Case("scale", f"{n}-rows-one-bad", "refuse", lambda: big(True),
               expect_text=f"第{n // 3 * 3 + 1}行")


def generate_cases(big_rows: int = 200_000) -> list[Case]:
    """All cases, in family order (ids are unique)."""
    cases = [
        *_encoding_cases(), *_structure_cases(), *_date_cases(), *_number_cases(),
        *_coordinate_cases(), *_injection_cases(), *_control_cases(), *_size_cases(),
        *_vocabulary_cases(), *_removal_cases(), *_scale_cases(big_rows),
    ]  # fmt: skip
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate case ids")
    return cases
