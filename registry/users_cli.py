"""Command-line administration of accounts (used by ``python -m registry``).

::

    python -m registry users list           [--store S]
    python -m registry users add USER --role 角色 [--name 姓名] [--committees 居委] [--store S]
    python -m registry users reset-password USER [--store S]
    python -m registry users disable USER   [--store S]
    python -m registry users enable USER    [--store S]
    python -m registry users kiosk-token USER [--store S]

Whoever runs these has the store file, i.e. is the server's administrator; the audit trail
records them as :data:`registry.audit.SYSTEM_USER`. The first 管理员 of a store imported from
real data is created here. Passwords are asked twice on the terminal (never an argument, so
they stay out of the shell history and the process list) or read from the first line of
standard input with ``--password-stdin``. ``kiosk-token`` prints a new wall-screen token once
(only its SHA-256 is kept): open ``/screen?kiosk=<token>`` on the screen's browser.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser(); sub = p.add_subparsers(dest="command")
>>> add_user_commands(sub)
>>> args = p.parse_args(["users", "add", "wang", "--role", "检查员"])
>>> args.action, args.username, args.role
('add', 'wang', '检查员')
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from registry.accounts import ROLES, new_kiosk_token

__all__ = ["COMMANDS", "add_user_commands", "run_user_command"]

COMMANDS = ("users",)


def add_user_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``users …`` to the ``python -m registry`` sub-parsers."""
    from registry.store import default_store_path

    p = sub.add_parser("users", help="账户管理（创建管理员、重设密码、停用、大屏令牌）")
    acts = p.add_subparsers(dest="action", required=True)

    def with_store(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--store", "--path", dest="store", default=None,
                            help=f"数据库文件（默认 {default_store_path()}）")  # fmt: skip
        return parser

    with_store(acts.add_parser("list", help="列出账户"))
    add = with_store(acts.add_parser("add", help="创建账户"))
    add.add_argument("username", help="用户名（2-32 个英文字母、数字或 _ . -）")
    add.add_argument("--role", required=True, choices=list(ROLES), help="角色")
    add.add_argument("--name", default="", help="显示姓名")
    add.add_argument("--committees", default="", help="所属居委（居委账户必填，多个用、分隔）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    reset = with_store(acts.add_parser("reset-password", help="重设密码（并解除锁定）"))
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    for name, text in (("disable", "停用账户"), ("enable", "启用账户（并解除锁定）"),
                       ("kiosk-token", "为大屏账户生成新令牌")):  # fmt: skip
        with_store(acts.add_parser(name, help=text)).add_argument("username")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再次输入：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def run_user_command(args: argparse.Namespace) -> int:
    """Run ``users …``; returns the exit status (2 = refused, message in Chinese)."""
    from registry.store import SQLiteStore, default_store_path
    from registry.validate import RegistryValidationError

    path = Path(args.store or default_store_path())
    if not path.exists():
        print(f"找不到台账数据库: {path}", file=sys.stderr)
        return 2
    with SQLiteStore(path) as store:
        try:
            if args.action == "list":
                table = store.accounts()
                if table.empty:
                    print("尚无账户。创建第一个管理员: python -m registry users add 用户名 --role 管理员")
                for row in table.itertuples():
                    state = "停用" if row.disabled else ("锁定" if row.locked_until else "正常")
                    zones = f" 居委: {row.committees}" if row.committees else ""
                    print(f"{row.username}\t{row.role}\t{row.display_name}\t{state}{zones}")
            elif args.action == "add":
                spec = ROLES[args.role]
                token = new_kiosk_token() if spec.kiosk else None
                password = None if spec.kiosk else _password(args.password_stdin)
                store.add_account(
                    args.username, args.role, display_name=args.name, password=password,
                    committees=args.committees, kiosk_token=token,
                )  # fmt: skip
                print(f"已创建账户 {args.username}（{args.role}）")
                if token:
                    print(f"大屏令牌（只显示这一次）: {token}")
                    print(f"大屏地址: http://<服务器>:8501/screen?kiosk={token}")
            elif args.action == "reset-password":
                store.update_account(
                    args.username, user=None, password=_password(args.password_stdin)
                )
                print(f"已重设 {args.username} 的密码（并解除锁定）")
            elif args.action in ("disable", "enable"):
                store.update_account(args.username, user=None, disabled=args.action == "disable")
                print(f"已{'停用' if args.action == 'disable' else '启用'}账户 {args.username}")
            else:  # kiosk-token
                account = store.account(args.username)
                if account is None or not account.spec.kiosk:
                    print(f"{args.username} 不是启用的大屏账户", file=sys.stderr)
                    return 2
                token = new_kiosk_token()
                store.update_account(args.username, user=None, kiosk_token=token)
                print(f"新大屏令牌（只显示这一次，旧令牌已失效）: {token}")
        except (RegistryValidationError, ValueError) as err:
            messages = getattr(err, "errors", None) or [str(err)]
            print("\n".join(messages), file=sys.stderr)
            return 2
    return 0
