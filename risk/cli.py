"""Command line: ``python -m risk evaluate`` (backtest on any ledger) and ``python -m risk score``.

Examples
--------
::

    python -m risk evaluate --sites S.csv --inspections I.csv --test-from 2023-07-01 \\
        [--test-to 2023-12-31] --report out.json [--scores-out scores.csv]
    python -m risk score --as-of 2025-06-30 --out ranked.csv           # default store
    python -m risk score --sites S.csv --inspections I.csv --hazards H.csv --out ranked.csv

Progress goes to stderr; errors print one Chinese line (``错误: ...``) and exit with status 2.
Arguments are checked before the work: the 评估日期 range, and that ``--report``,
``--scores-out`` and ``--out`` name files that can be written (not a directory), so a long
run never ends in an error about its output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from risk import model_cache
from risk.backtest import REPORT_KEYS, backtest
from risk.config import DEFAULT_FAMILIES
from risk.tables import InputError, as_of_timestamp, coerce_types, read_table

EXIT_INPUT_ERROR = 2


class _Progress:
    """Timestamped progress lines on stderr."""

    def __init__(self, quiet: bool = False) -> None:
        self.t0 = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.perf_counter() - self.t0
            print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"无法识别的日期: {text!r} (应为 YYYY-MM-DD)") from err


def _as_of_arg(text: str) -> dt.date | str:
    if text.strip().lower() == "last":
        return "last"
    day = _date_arg(text)
    try:
        as_of_timestamp(day)
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    return day


def _check_writable(path: Path | None, what: str) -> None:
    """Refuse an output path that cannot be written, before any work is done.

    A directory, a file without write permission, or a folder that cannot be created
    (its nearest existing ancestor is a file or not writable) is an :class:`InputError`.
    """
    if path is None:
        return
    if path.is_dir():
        raise InputError(f"{what} {path} 是一个目录, 请给出文件名 (例如 {path / 'out.csv'})")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise InputError(f"{what} {path} 没有写入权限")
        return
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{what} {path} 无法创建: {parent} 不是目录")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path} 无法创建: 目录 {parent} 没有写入权限")


def _write_output(path: Path, what: str, write) -> None:
    """Create the folder of ``path`` and run ``write(path)``; OS errors become InputError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    except OSError as err:
        raise InputError(f"{what} {path} 写入失败: {err.strerror or err}") from err


def _families_arg(text: str) -> tuple[str, ...]:
    fams = tuple(f.strip() for f in text.split(",") if f.strip())
    bad = [f for f in fams if f not in DEFAULT_FAMILIES]
    if bad or not fams:
        raise argparse.ArgumentTypeError(f"未知模型族 {bad}; 可选: {','.join(DEFAULT_FAMILIES)}")
    return fams


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``python -m risk``."""
    parser = argparse.ArgumentParser(
        prog="python -m risk", description="真如安全风险地图: 风险评分模型 (评估 / 打分)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("evaluate", help="回测: 用测试起始日之前的检查训练, 为窗口内检查打分")
    ev.add_argument("--sites", required=True, type=Path, help="场所表 CSV (site_id, ...)")
    ev.add_argument(
        "--inspections", required=True, type=Path,
        help="检查记录 CSV (inspection_id, site_id, date, hazard_found, ...)",
    )
    ev.add_argument("--hazards", type=Path, default=None,
                    help="隐患台账 CSV (可选; 加入整改记录特征, 每条只读其日期之前的记录)")
    ev.add_argument("--test-from", required=True, type=_date_arg, help="测试窗口开始 YYYY-MM-DD")
    ev.add_argument("--test-to", type=_date_arg, default=None, help="测试窗口结束 (默认: 最后日期)")
    ev.add_argument("--report", required=True, type=Path, help="输出 JSON 报告路径")
    ev.add_argument("--scores-out", type=Path, default=None, help="输出 inspection_id,score CSV")
    ev.add_argument("--families", type=_families_arg, default=DEFAULT_FAMILIES,
                    help="比较的模型族, 逗号分隔 (默认全部)")
    ev.add_argument("--exclude-types", default="",
                    help="按 type 列排除的检查类型, 逗号分隔 (例如 复查)")
    ev.add_argument("--no-context", action="store_true",
                    help="不把检查记录的其他列当作特征")
    ev.add_argument("--quiet", action="store_true", help="不显示进度")

    sc = sub.add_parser("score", help="按评估日期为所有场所打分排序")
    sc.add_argument("--as-of", type=_as_of_arg, default=None,
                    help="评估日期 YYYY-MM-DD, 或 last = 台账最后检查日期 (默认今天)")
    sc.add_argument("--store", type=Path, default=None,
                    help="SQLite 数据库路径 (默认: 环境变量 ZHENRU_STORE, 否则已建好的默认数据库)")
    sc.add_argument("--sites", type=Path, help="场所表 CSV (不给则读数据库)")
    sc.add_argument("--inspections", type=Path, help="检查记录 CSV")
    sc.add_argument("--hazards", type=Path, help="隐患台账 CSV (可选)")
    sc.add_argument("--assets", type=Path, help="防护设施 CSV (可选, 含微型消防站)")
    sc.add_argument("--out", type=Path, default=None, help="输出 CSV (默认打印前 --top 行)")
    sc.add_argument("--top", type=int, default=20, help="未给 --out 时打印的行数")
    sc.add_argument("--quiet", action="store_true", help="不显示进度")
    return parser


def _read_sites(path: Path) -> pd.DataFrame:
    return coerce_types(read_table(path, "场所表"))


def _read_inspections(path: Path) -> pd.DataFrame:
    return coerce_types(read_table(path, "检查记录"))


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Run the backtest and write the JSON report (and scores)."""
    _check_writable(args.report, "报告文件 --report")
    _check_writable(args.scores_out, "打分文件 --scores-out")
    say = _Progress(args.quiet)
    say(f"读取 {args.sites} 和 {args.inspections}…")
    sites = _read_sites(args.sites)
    insp = _read_inspections(args.inspections)
    if "inspection_id" not in insp.columns:
        raise InputError(
            "检查记录表缺少必需的列: inspection_id (现有列: " + ", ".join(insp.columns) + ")"
        )
    hazards = (
        coerce_types(read_table(args.hazards, "隐患台账")) if args.hazards is not None else None
    )
    result = backtest(
        sites, insp, args.test_from, args.test_to,
        config={"families": args.families}, progress=say, use_context=not args.no_context,
        exclude_types=tuple(t.strip() for t in args.exclude_types.split(",") if t.strip()),
        hazards=hazards,
    )
    report = {k: _json_number(result.report[k]) for k in REPORT_KEYS}
    report.update({k: v for k, v in result.report.items() if k not in report})
    text = json.dumps(report, ensure_ascii=False, indent=2, default=_json_number)
    _write_output(args.report, "报告文件", lambda p: p.write_text(text, encoding="utf-8"))
    if args.scores_out is not None:
        scores = result.scores[["inspection_id", "score"]]
        _write_output(
            args.scores_out, "打分文件", lambda p: scores.to_csv(p, index=False, encoding="utf-8")
        )
    say(
        f"完成: AUC={report['auc']}, AP={report['average_precision']}, "
        f"提前天数均值={report['days_earlier_mean']}, 归一化增益={report['normalised_gain']}"
        f" → {args.report}"
    )
    return 0


def _json_number(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (pd.Timestamp, dt.date)):
        return str(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def _load_store_tables(path: Path | None = None) -> dict[str, pd.DataFrame]:
    try:
        from registry.store import SQLiteStore, default_store_path
    except ImportError as err:
        raise InputError("未找到默认数据库 (registry.store); 请用 --sites/--inspections 指定 CSV") from err
    path = path or (Path(os.environ["ZHENRU_STORE"]) if os.environ.get("ZHENRU_STORE") else None)
    if path is None:
        path = default_store_path()
        if not path.is_file():
            raise InputError(
                f"默认数据库不存在: {path} (先运行 python -m registry build), "
                "或用 --store / --sites --inspections 指定数据"
            )
    if not path.is_file():
        raise InputError(f"找不到数据库文件: {path}")
    try:
        store = SQLiteStore(path)
        return {
            "path": path,
            "sites": pd.DataFrame(store.sites()),
            "inspections": store.inspections(),
            "hazards": store.hazards(),
            "assets": pd.DataFrame(store.assets()),
        }
    except (SQLAlchemyError, OSError, ValueError) as err:
        # not SQLite, damaged, another schema, or unreadable: the same errors the app reports
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"无法读取数据库 {path}: 不是本系统的 SQLite 台账数据库或文件已损坏 ({first})") from err


def cmd_score(args: argparse.Namespace) -> int:
    """Score every site as of a date and write/print the ranked table."""
    from risk.scoring import score_sites

    _check_writable(args.out, "输出文件 --out")
    say = _Progress(args.quiet)
    if args.sites is not None or args.inspections is not None:
        if args.sites is None or args.inspections is None:
            raise InputError("--sites 和 --inspections 须同时给出")
        tables = {"sites": _read_sites(args.sites), "inspections": _read_inspections(args.inspections)}
        tables["hazards"] = coerce_types(read_table(args.hazards, "隐患台账")) if args.hazards else None
        tables["assets"] = coerce_types(read_table(args.assets, "防护设施表")) if args.assets else None
        if tables["hazards"] is not None:
            for col in ("found_date", "deadline", "rectified_date", "closed_date"):
                if col in tables["hazards"]:
                    tables["hazards"][col] = pd.to_datetime(tables["hazards"][col], errors="coerce")
    else:
        say("读取数据库…")
        tables = _load_store_tables(args.store)
    as_of = args.as_of or dt.date.today()
    if as_of == "last":
        dates = pd.to_datetime(tables["inspections"]["date"], errors="coerce")
        as_of = dates.max().date() if dates.notna().any() else dt.date.today()
    as_of_timestamp(as_of)  # in range (a CSV's last date too) before the model is fitted
    # Models fitted for a store are kept beside it, so the app (and the next run) start warm.
    store_path = tables.get("path")
    config = model_cache.store_config(store_path) if store_path else None
    say(f"打分 (评估日期 {as_of}, {len(tables['sites'])} 个场所)…")
    ranked = score_sites(
        tables["sites"], tables["inspections"], tables["hazards"], as_of, assets=tables["assets"],
        config=config,
    )
    table = ranked.drop(columns=["reasons"]).copy()
    if table.empty:
        print("提示: 暂无单位, 没有可打分的场所 (先导入单位名册: python -m registry import)", file=sys.stderr)
    table["must_reasons"] = table["must_reasons"].map("、".join)
    if args.out is not None:
        _write_output(
            args.out, "输出文件", lambda p: table.to_csv(p, index=False, encoding="utf-8-sig")
        )
        say(f"已写出 {len(table)} 行 → {args.out}")
    else:
        cols = ["rank", "site_id", "score", "level", "p_hazard", "days_overdue", "reasons_text"]
        print(table[cols].head(args.top).to_string(index=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m risk``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "evaluate":
            return cmd_evaluate(args)
        return cmd_score(args)
    except InputError as err:
        print(f"错误: {err}", file=sys.stderr)
        return EXIT_INPUT_ERROR


__all__ = ["build_parser", "main"]
