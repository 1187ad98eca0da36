"""Command line of the registry store.

Usage
-----
::

    python -m registry build  [--path P] [--seed N] [--n-sites N]
    python -m registry import --sites 单位.csv [--inspections 检查.csv] [--hazards 隐患.csv]
                              [--assets 设施.csv] [--crs wgs84|gcj02|bd09] [--path P] [--check]
                              [--allow-remove]
    python -m registry info   [--path P]
    python -m registry import-batch --store S --kind sites|inspections|hazards|third-party FILE
                              [--apply] --user NAME
    python -m registry import-batches --store S
    python -m registry undo-import --store S BATCH --user NAME
    python -m registry template KIND --out F
    python -m registry users list|add|reset-password|disable|enable|kiosk-token …

``build`` (re)generates the sample store from ``synthdata`` (atomic replace). ``import``
validates a user's own registry and replaces the store only when every row is valid
(``--check``: validate only). An import that would leave a table with fewer rows than the
store holds (e.g. a smaller file, or no hazards file over a store with hazards) is refused
unless ``--allow-remove``; then it says how many rows each table lost. Exit status 0 =
success, 2 = invalid input or refused (messages in Chinese on stderr, never a traceback).
``import-batch`` appends and updates instead (preview first, ``--apply`` writes one batch
that ``undo-import`` takes back); see :mod:`registry.batch_cli`. ``users`` administers the
accounts (the first 管理员 of a real store is created here); see :mod:`registry.users_cli`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import sqlalchemy as sa

from registry.batch_cli import COMMANDS as BATCH_COMMANDS
from registry.batch_cli import add_batch_commands, run_batch_command
from registry.importer import ImportErrorZh, describe_removal, load_tables, write_import
from registry.store import (
    DEFAULT_N_SITES,
    DEFAULT_SEED,
    SQLiteStore,
    StoreBusyError,
    StoreSchemaError,
    build_store,
    default_store_path,
)
from registry.users_cli import COMMANDS as USER_COMMANDS
from registry.users_cli import add_user_commands, run_user_command
from registry.validate import RegistryValidationError

_TABLE_ZH = {"sites": "单位", "inspections": "检查记录", "hazards": "隐患", "assets": "设施"}


def _summary(store: SQLiteStore) -> str:
    counts = store.counts()
    parts = "，".join(f"{_TABLE_ZH[k]} {v} 条" for k, v in counts.items())
    return f"{store.path}: {parts}"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m registry", description="真如安全风险地图 台账数据库（生成、导入、查看）"
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="由示例数据生成器生成（或重建）台账数据库")
    b.add_argument("--path", default=None, help=f"数据库文件（默认 {default_store_path()}）")
    b.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")
    b.add_argument("--n-sites", type=int, default=DEFAULT_N_SITES, help="单位数量")

    i = sub.add_parser("import", help="导入自己的台账（CSV/XLSX，UTF-8 或 GBK，中文表头）")
    i.add_argument("--sites", required=True, help="单位表")
    i.add_argument("--inspections", default=None, help="检查记录表")
    i.add_argument("--hazards", default=None, help="隐患台账表")
    i.add_argument("--assets", default=None, help="设施表（微型消防站、充电端口等）")
    i.add_argument("--crs", default=None, help="坐标系: wgs84（默认）、gcj02（高德）、bd09（百度）")
    i.add_argument("--path", default=None, help=f"数据库文件（默认 {default_store_path()}）")
    i.add_argument("--check", action="store_true", help="只校验，不写入")
    i.add_argument(
        "--allow-remove", action="store_true",
        help="允许导入后某表的行数少于现有数据库（默认拒绝，以免误删数据）",
    )

    n = sub.add_parser("info", help="显示数据库内容概要")
    n.add_argument("--path", default=None, help=f"数据库文件（默认 {default_store_path()}）")
    add_batch_commands(sub)  # import-batch, import-batches, undo-import, template
    add_user_commands(sub)  # users list/add/reset-password/disable/enable/kiosk-token
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            t0 = time.perf_counter()
            store = build_store(args.path, seed=args.seed, n_sites=args.n_sites)
            print(f"已生成 {_summary(store)}（{time.perf_counter() - t0:.1f} 秒）")
            store.close()
        elif args.command == "import":
            tables = load_tables(
                args.sites, args.inspections, args.hazards, args.assets, crs=args.crs
            )
            if args.check:
                parts = "，".join(f"{_TABLE_ZH[k]} {len(v)} 条" for k, v in tables.items())
                print(f"校验通过: {parts}（未写入）")
            else:
                sources = [args.sites, args.inspections, args.hazards, args.assets]
                store, removed = write_import(
                    tables, args.path, sources, allow_remove=args.allow_remove
                )
                print(f"已导入 {_summary(store)}")
                if any(removed.values()):
                    print(f"按 --allow-remove 删除了: {describe_removal(removed)}")
                store.close()
        elif args.command in BATCH_COMMANDS:
            return run_batch_command(args)
        elif args.command in USER_COMMANDS:
            return run_user_command(args)
        else:
            path = args.path or default_store_path()
            store = SQLiteStore(path)
            print(_summary(store))
            for key, value in sorted(store.meta().items()):
                print(f"  {key}: {value}")
            store.close()
    except (RegistryValidationError, ImportErrorZh, StoreSchemaError, StoreBusyError) as err:
        print(str(err), file=sys.stderr)
        return 2
    except sa.exc.SQLAlchemyError as err:
        print(f"无法读写台账数据库（{type(err).__name__}）: {args.path or default_store_path()}",
              file=sys.stderr)
        return 2
    except OSError as err:
        print(f"无法读写文件: {err.filename or ''}（{err.strerror or type(err).__name__}）",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
