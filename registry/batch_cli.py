"""Command-line subcommands of batch imports (used by ``python -m registry``).

::

    python -m registry import-batch --store S --kind sites|inspections|hazards|third-party FILE
                                    [--apply] --user NAME [--crs gcj02|bd09]
    python -m registry import-batches --store S
    python -m registry undo-import --store S BATCH --user NAME
    python -m registry template KIND --out F

``import-batch`` prints the preview in Chinese (新增 / 更新 / 不变 / 拒绝 with row, column and
reason) and writes it only with ``--apply`` (all or nothing; exit 2 when any row is rejected).
``undo-import`` takes a batch back unless its records changed since. ``template`` writes the
empty XLSX template of a kind (Chinese headers and a 填写说明 sheet).

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser(); sub = p.add_subparsers(dest="command")
>>> add_batch_commands(sub)
>>> p.parse_args(["template", "third-party", "--out", "t.xlsx"]).kind
'third-party'
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from registry.batch_import import (
    KIND_ALIASES,
    KINDS,
    ImportPreview,
    preview_file,
    summary_lines,
    template_workbook,
)

__all__ = ["COMMANDS", "add_batch_commands", "print_preview", "run_batch_command"]

#: The subcommands this module adds.
COMMANDS = ("import-batch", "import-batches", "undo-import", "template")

_CLI_KINDS = ("sites", "inspections", "hazards", "third-party")


def add_batch_commands(sub: argparse._SubParsersAction) -> None:
    """Add :data:`COMMANDS` to the ``python -m registry`` sub-parsers."""
    from registry.store import default_store_path

    store_help = f"数据库文件（默认 {default_store_path()}）"
    b = sub.add_parser("import-batch", help="追加/更新导入（先预览；加 --apply 才写入，可撤销）")
    b.add_argument("file", help="CSV/XLSX 文件（UTF-8 或 GBK，中文表头）")
    b.add_argument("--kind", required=True, choices=_CLI_KINDS,
                   help="sites 单位名册、inspections 检查记录、hazards 隐患台账、third-party 第三方检查报告")  # fmt: skip
    b.add_argument("--store", default=None, help=store_help)
    b.add_argument("--apply", action="store_true", help="写入（默认只预览）")
    b.add_argument("--user", default=None, help="操作人（--apply 时必填，记入修改记录）")
    b.add_argument("--crs", default=None, help="单位名册的坐标系: wgs84（默认）、gcj02、bd09")
    b.add_argument("--show", type=int, default=30, help="每类最多列出几行（默认 30）")

    ls = sub.add_parser("import-batches", help="列出导入批次")
    ls.add_argument("--store", default=None, help=store_help)

    u = sub.add_parser("undo-import", help="撤销一个导入批次")
    u.add_argument("batch", type=int, help="批次编号")
    u.add_argument("--store", default=None, help=store_help)
    u.add_argument("--user", required=True, help="操作人（记入修改记录）")

    t = sub.add_parser("template", help="生成导入模板（XLSX，中文表头）")
    t.add_argument("kind", choices=_CLI_KINDS)
    t.add_argument("--out", required=True, help="输出文件（.xlsx）")


def print_preview(p: ImportPreview, show: int = 30, file=None) -> None:
    """The preview as Chinese text: summary, then rejected, changed and added rows."""
    out = file or sys.stdout
    for line in summary_lines(p):
        print(line, file=out)
    if not p.rejected.empty:
        print("拒绝（行号 / 列 / 原因）:", file=out)
        for r in p.rejected.head(show).itertuples(index=False):
            print(f"  第{r.行号}行  {r.列 or '—'}  {r.原因}", file=out)
        if len(p.rejected) > show:
            print(f"  ……另有 {len(p.rejected) - show} 处", file=out)
    if not p.changed.empty:
        print("更新（行号 / 编号 / 字段: 原值 → 新值）:", file=out)
        for r in p.changed.head(show).itertuples(index=False):
            print(f"  第{r.行号}行  {r.编号} {r.单位名称}  {r.字段}: {r.原值} → {r.新值}", file=out)
        if len(p.changed) > show:
            print(f"  ……另有 {len(p.changed) - show} 处", file=out)
    if not p.added.empty:
        print("新增（行号 / 对象 / 单位 / 内容）:", file=out)
        for r in p.added.head(show).itertuples(index=False):
            print(f"  第{r.行号}行  {r.对象}  {r.单位名称}  {r.内容}", file=out)
        if len(p.added) > show:
            print(f"  ……另有 {len(p.added) - show} 行", file=out)


def run_batch_command(args: argparse.Namespace) -> int:
    """Run one of :data:`COMMANDS`; returns the exit status (2 = refused)."""
    from registry.store import SQLiteStore, default_store_path
    from registry.validate import RegistryValidationError

    if args.command == "template":
        kind = KIND_ALIASES[args.kind]
        out = Path(args.out)
        out.write_bytes(template_workbook(kind))
        print(f"已生成{KINDS[kind]}模板: {out}")
        return 0
    path = args.store or default_store_path()
    if not Path(path).exists():
        print(f"找不到台账数据库: {path}", file=sys.stderr)
        return 2
    with SQLiteStore(path) as store:
        if args.command == "import-batches":
            batches = store.import_batches()
            if batches.empty:
                print("还没有导入批次")
            for b in batches.itertuples(index=False):
                state = f"已撤销（{b.undone_by} {b.undone_at}）" if b.undone_at else "有效"
                print(f"批次 {b.batch_id}  {b.ts}  {b.user}  {KINDS.get(b.kind, b.kind)}  "
                      f"{b.source_name}  新增 {b.n_added} 条、更新 {b.n_changed} 条  {state}")  # fmt: skip
            return 0
        if args.command == "undo-import":
            done = store.undo_import(args.batch, user=args.user)
            print(f"已撤销导入批次 {args.batch}: 删除新增的 {done['removed']} 条，"
                  f"恢复更新前的 {done['restored']} 条")  # fmt: skip
            return 0
        if args.apply and not str(args.user or "").strip():
            raise RegistryValidationError(["--apply 需要 --user 操作人姓名（记入修改记录）"])
        p = preview_file(args.file, KIND_ALIASES[args.kind], store.tables(), crs=args.crs)
        print_preview(p, show=args.show)
        if not p.rejected.empty:
            print(f"有 {p.rejected['行号'].nunique()} 行被拒绝，没有导入任何内容；请修改后重试",
                  file=sys.stderr)  # fmt: skip
            return 2
        if not args.apply:
            print("（预览，未写入；加 --apply 写入）")
            return 0
        batch_id = store.apply_import(p, user=args.user)
        print(f"已导入，批次编号 {batch_id}（撤销: python -m registry undo-import {batch_id} "
              f"--store {path} --user 姓名）")  # fmt: skip
        return 0
