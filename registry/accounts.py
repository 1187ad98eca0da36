"""Accounts, roles and data scope: who may see and do what.

The office's accounts live in the store (table ``accounts``; no outside identity provider, the
app runs on an intranet). Passwords are hashed with Argon2 (``argon2-cffi``) and never
stored, logged or shown; the wall screen signs in with a long random token whose SHA-256 is
stored. The rules here are data: :data:`ROLES` says, per role, which pages it opens, which
writes it may make, whether it sees personal fields and whether it is held to its 居委.

The store enforces the write rules (:meth:`registry.store.SQLiteStore` calls
:func:`check_write` inside every write once the store has accounts); the app scopes what a
role reads with :func:`scope_tables`. A store without any account (a library user's own
store, a test's tables) keeps accepting a named user, as before accounts existed; the app
refuses to open such a store until an administrator is created on the command line.

Examples
--------
>>> ROLES["居委"].scoped, ROLES["分析"].personal, sorted(ROLES["领导"].writes)
(True, False, ['inspection'])
>>> check_password_rules("short", "pingan")
['密码至少 10 个字符']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from registry.schema import metadata
from registry.validate import RegistryValidationError

__all__ = [
    "ACCOUNTS",
    "DEMO_ACCOUNTS",
    "DEMO_KIOSK_TOKEN",
    "DEMO_PASSWORD",
    "LOCK_AFTER",
    "LOCK_MINUTES",
    "MASK",
    "PERSONAL_FIELDS",
    "ROLES",
    "AccessDenied",
    "Account",
    "Role",
    "SignInError",
    "add_demo_accounts",
    "check_account",
    "check_password_rules",
    "check_write",
    "hash_password",
    "kiosk_digest",
    "mask_personal",
    "new_kiosk_token",
    "public_fields",
    "scope_tables",
    "split_committees",
    "verify_password",
]


@dataclass(frozen=True)
class Role:
    """What one role may do.

    Attributes
    ----------
    label : str
        Chinese name shown to users.
    pages : tuple of str
        ``url_path`` of the pages it opens (``"*"``: every page).
    writes : frozenset of str
        Writes it may make: ``import`` (whole-store and batch imports), ``site`` (add or edit
        units), ``inspection`` (record an inspection), ``hazard`` (advance a hazard, photos),
        ``targets`` (yearly targets), ``accounts`` (manage accounts).
    personal : bool
        Sees personal fields (整改责任人, 判定人员, 带队领导) in pages and downloads.
    scoped : bool
        Held to the 居委 listed on its account (a 居委 account must list one; an inspector
        without any sees the whole subdistrict).
    leader_only : bool
        Its inspections must be of type 领导带队 (a leader records only its own led checks).
    kiosk : bool
        The wall screen: signs in with a token, opens only its pages.
    exports_personal : bool
        Downloads keep personal fields (others see them on screen at most, never in bulk).
    landing : str
        The page its day starts on (an inspector on today's routes, a leader on the coming
        holiday's plan, the office on the hazard ledger and what is overdue).
    """

    label: str
    pages: tuple[str, ...]
    writes: frozenset[str]
    personal: bool
    scoped: bool = False
    leader_only: bool = False
    kiosk: bool = False
    exports_personal: bool = False
    landing: str = "map"


_ALL = ("*",)
_FIELD = ("map", "record", "hazards", "units", "ranking", "routes", "period", "account")

#: The roles of the issue "Accounts, roles": name → :class:`Role`.
ROLES: Mapping[str, Role] = {
    "管理员": Role(
        "管理员", _ALL,
        frozenset({"import", "site", "inspection", "hazard", "targets", "accounts"}), True,
        exports_personal=True,
    ),
    "平安办": Role(
        "平安办", tuple(p for p in (
            "map", "record", "hazards", "units", "ranking", "routes", "period", "holiday",
            "stats", "targets", "facilities", "import", "screen", "account",
        )),
        frozenset({"import", "site", "inspection", "hazard", "targets"}), True,
        exports_personal=True, landing="hazards",
    ),
    "检查员": Role(
        "检查员", _FIELD, frozenset({"inspection", "hazard"}), True, scoped=True, landing="routes"
    ),
    "居委": Role("居委", _FIELD, frozenset({"inspection", "hazard"}), True, scoped=True),
    "领导": Role(
        "领导", ("map", "record", "hazards", "ranking", "routes", "period", "holiday", "stats",
                 "targets", "facilities", "screen", "account"),
        frozenset({"inspection"}), True, leader_only=True, exports_personal=True,
        landing="holiday",
    ),
    "分析": Role(
        "分析", ("map", "hazards", "ranking", "routes", "period", "holiday", "stats", "targets",
                 "facilities", "screen", "account"),
        frozenset(), False, landing="ranking",
    ),
    "大屏": Role("大屏", ("screen",), frozenset(), False, kiosk=True, landing="screen"),
}  # fmt: skip

#: Personal fields per table: masked for roles that do not see them (never on the screen).
PERSONAL_FIELDS: Mapping[str, tuple[str, ...]] = {
    "hazards": ("responsible_person", "determined_by"),
    "inspections": ("leader",),
}
MASK = "（已隐去）"

#: Consecutive failed sign-ins that lock an account, and for how long.
LOCK_AFTER = 5
LOCK_MINUTES = 15

#: The sample store's demo accounts (README lists them): username → (role, display name).
#: A store imported from real data never gets them.
DEMO_ACCOUNTS: Mapping[str, tuple[str, str]] = {
    "admin": ("管理员", "演示管理员"),
    "pingan": ("平安办", "演示平安办"),
    "jiancha": ("检查员", "演示检查员"),
    "juwei": ("居委", "演示居委"),
    "lingdao": ("领导", "演示领导"),
    "fenxi": ("分析", "演示分析"),
    "dapin": ("大屏", "演示大屏"),
}
DEMO_PASSWORD = "zhenru-demo-2026"
DEMO_KIOSK_TOKEN = "demo-screen-token-zhenru-2026-do-not-use-in-production"

ACCOUNTS = sa.Table(
    "accounts",
    metadata,
    sa.Column("username", sa.Text, primary_key=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("committees", sa.Text, nullable=False, server_default=""),
    sa.Column("password_hash", sa.Text),
    sa.Column("kiosk_digest", sa.Text),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Text),
    sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created", sa.Text, nullable=False),
    sa.Column("password_changed", sa.Text),
    sa.CheckConstraint(
        "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="account_role"
    ),
)


class SignInError(ValueError):
    """A refused sign-in, with the Chinese reason shown to the user."""


class AccessDenied(RegistryValidationError):
    """A write outside the account's role or 居委 (one Chinese message; pages show it as they
    show a validation error, and nothing is written)."""

    def __init__(self, message: str):
        super().__init__([message])

    def __str__(self) -> str:
        return self.errors[0]


@dataclass(frozen=True)
class Account:
    """A signed-in user: what the app and the store need to know of it."""

    username: str
    display_name: str
    role: str
    committees: tuple[str, ...] = ()

    @property
    def spec(self) -> Role:
        """The account's :class:`Role`."""
        return ROLES[self.role]

    @property
    def scope_key(self) -> tuple[tuple[str, ...], bool]:
        """What decides the data this account reads (its 居委 if held to them, and whether it
        sees personal fields): part of the key of any cache of scoped data.

        >>> Account("juwei", "居委", "居委", ("清三",)).scope_key
        (('清三',), True)
        >>> Account("pingan", "平安办", "平安办", ("清三",)).scope_key
        ((), True)
        >>> Account("fenxi", "分析", "分析").scope_key
        ((), False)
        """
        spec = self.spec
        zones = self.committees if spec.scoped and (self.committees or self.role == "居委") else ()
        return (tuple(zones), spec.personal)

    def opens(self, url_path: str) -> bool:
        """Whether the account may open the page at ``url_path``."""
        return self.spec.pages == _ALL or url_path in self.spec.pages

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Account:
        """The account of an ``accounts`` row."""
        return cls(
            str(row["username"]), str(row["display_name"]), str(row["role"]),
            split_committees(row.get("committees")),
        )  # fmt: skip


def split_committees(value: object) -> tuple[str, ...]:
    """The 居委 of an account's ``committees`` field (separated by 、 , ; or spaces).

    >>> split_committees("真如一村、 曹杨八村")
    ('真如一村', '曹杨八村')
    """
    if not isinstance(value, str):
        return ()
    for sep in (",", "，", ";", "；", " "):
        value = value.replace(sep, "、")
    return tuple(p.strip() for p in value.split("、") if p.strip())


# -- secrets -------------------------------------------------------------------------------
_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (salted; the password itself is never stored)."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (False for a missing or broken hash).

    >>> verify_password(hash_password("correct horse 1"), "correct horse 1")
    True
    >>> verify_password(hash_password("correct horse 1"), "wrong")
    False
    """
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_kiosk_token() -> str:
    """A new random wall-screen token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def kiosk_digest(token: str) -> str:
    """What the store keeps of a wall-screen token (SHA-256; the token has 256 bits, so a
    slow hash adds nothing)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_digest(a: str | None, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return bool(a) and hmac.compare_digest(str(a), b)


def check_password_rules(password: str, username: str) -> list[str]:
    """The Chinese reasons ``password`` is refused (empty when it is acceptable).

    >>> check_password_rules("1234567890", "x")
    ['密码不能全是数字']
    >>> check_password_rules("pingan-pingan", "pingan-pingan")
    ['密码不能与用户名相同']
    """
    errors = []
    if len(password) < 10:
        errors.append("密码至少 10 个字符")
    elif password.isdigit():
        errors.append("密码不能全是数字")
    if password.strip().lower() == username.strip().lower():
        errors.append("密码不能与用户名相同")
    return errors


def locked_until(failed: int, now: dt.datetime) -> str | None:
    """When an account with ``failed`` consecutive failures is locked until (ISO), or None."""
    if failed < LOCK_AFTER:
        return None
    return (now + dt.timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")


_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")


def check_account(
    username: str, role: str, committees: tuple[str, ...], new: bool = True
) -> list[str]:
    """The Chinese reasons an account's username, role or 居委 is refused.

    >>> check_account("张三", "居委", ())
    ['用户名只能用 2-32 个英文字母、数字或 _ . -', '居委账户须指定所属居委']
    >>> check_account("zhang", "检查员", ("不存在居委",))
    ['未知居委：不存在居委']
    """
    from registry.committees import known_committees

    errors = []
    if new and not _USERNAME.match(username):
        errors.append("用户名只能用 2-32 个英文字母、数字或 _ . -")
    if role not in ROLES:
        errors.append(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    elif role == "居委" and not committees:
        errors.append("居委账户须指定所属居委")
    known = known_committees()
    unknown = [c for c in committees if known and c not in known]
    if unknown:
        errors.append(f"未知居委：{'、'.join(unknown)}")
    return errors


def public_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """An account row without its password hash and token digest (for the audit trail)."""
    return {k: v for k, v in row.items() if k not in ("password_hash", "kiosk_digest")}


# -- what a role may write -----------------------------------------------------------------
_ACTION_LABELS = {
    "import": "导入数据",
    "site": "新增或修改单位",
    "inspection": "登记检查",
    "hazard": "更新隐患",
    "targets": "登记年度目标进展",
    "accounts": "管理账户",
}


def check_write(
    account: Account,
    action: str,
    committees: Iterable[object] = (),
    inspection_type: str | None = None,
) -> None:
    """Refuse (:class:`AccessDenied`, Chinese) a write the account's role may not make.

    Parameters
    ----------
    account : Account
        Who writes.
    action : str
        One of :attr:`Role.writes`'s actions.
    committees : iterable
        The 居委 of the units the write touches (checked for roles held to their 居委).
    inspection_type : str, optional
        The type of the inspection recorded (a leader records only 领导带队).

    Examples
    --------
    >>> juwei = Account("juwei", "居委", "居委", ("真如一村",))
    >>> check_write(juwei, "inspection", ["真如一村"])
    >>> check_write(juwei, "inspection", ["曹杨八村"])
    Traceback (most recent call last):
    ...
    registry.accounts.AccessDenied: 账户 juwei（居委）只能处理本居委（真如一村）的单位，不能处理：曹杨八村
    >>> check_write(Account("fenxi", "分析", "分析"), "hazard")
    Traceback (most recent call last):
    ...
    registry.accounts.AccessDenied: 账户 fenxi（分析）无权更新隐患
    """
    spec = account.spec
    who = f"账户 {account.username}（{spec.label}）"
    if action not in spec.writes:
        raise AccessDenied(f"{who}无权{_ACTION_LABELS.get(action, action)}")
    if spec.leader_only and action == "inspection" and inspection_type != "领导带队":
        raise AccessDenied(f"{who}只能登记领导带队检查")
    if spec.scoped and (account.committees or account.role == "居委"):
        outside = sorted({str(c) for c in committees if str(c) not in account.committees})
        if outside:
            own = "、".join(account.committees) or "未指定"
            raise AccessDenied(f"{who}只能处理本居委（{own}）的单位，不能处理：{'、'.join(outside)}")


# -- what a role may read ------------------------------------------------------------------
def scope_tables(
    tables: Mapping[str, pd.DataFrame], account: Account
) -> dict[str, pd.DataFrame]:
    """The tables as ``account`` may see them: its 居委's units only (for roles held to
    one), and personal fields masked for roles that do not see them.

    Facilities (``assets``) are public and kept whole.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["S1", "S2"], "committee": ["真如一村", "曹杨八村"]})
    >>> hazards = pd.DataFrame({"site_id": ["S1", "S2"], "responsible_person": ["张三", "李四"],
    ...                         "determined_by": [None, "王五"]})
    >>> out = scope_tables({"sites": sites, "hazards": hazards},
    ...                    Account("juwei", "居委", "居委", ("真如一村",)))
    >>> out["sites"]["site_id"].tolist(), out["hazards"]["responsible_person"].tolist()
    (['S1'], ['张三'])
    >>> scope_tables({"hazards": hazards}, Account("fenxi", "分析", "分析"))["hazards"][
    ...     "responsible_person"].tolist()
    ['（已隐去）', '（已隐去）']
    """
    spec = account.spec
    out = dict(tables)
    if spec.scoped and (account.committees or account.role == "居委"):
        sites = out.get("sites")
        if sites is not None:
            sites = sites[sites["committee"].isin(account.committees)]
            out["sites"] = sites
            ids = set(sites["site_id"])
            for name in ("inspections", "hazards", "scored"):
                if name in out and "site_id" in out[name].columns:
                    frame = out[name]
                    out[name] = frame[frame["site_id"].isin(ids)]
    if not spec.personal:
        out = {name: mask_personal(frame, name) for name, frame in out.items()}
    return out


def mask_personal(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` with the personal fields of ``table`` masked (non-empty values → :data:`MASK`).

    >>> mask_personal(pd.DataFrame({"leader": ["赵局", ""]}), "inspections")["leader"].tolist()
    ['（已隐去）', '']
    """
    fields = [f for f in PERSONAL_FIELDS.get(table, ()) if f in frame.columns]
    if not fields:
        return frame
    frame = frame.copy()
    for f in fields:
        filled = frame[f].notna() & (frame[f].astype(str).str.strip() != "")
        frame[f] = frame[f].astype(object).where(~filled, MASK)
    return frame


def add_demo_accounts(store: Any) -> list[str]:
    """Give a sample store the demo accounts of :data:`DEMO_ACCOUNTS` (README lists them).

    The demo 居委 account gets the 居委 with the most units. Does nothing on a store that
    already has accounts; returns the usernames added.
    """
    if store.has_accounts():
        return []
    from registry.committees import OUTSIDE, UNVERIFIED

    counts = store.sites()["committee"].value_counts()
    counts = counts.drop([OUTSIDE, UNVERIFIED], errors="ignore")
    zone = str(counts.index[0]) if len(counts) else ""
    added = []
    for username, (role, name) in DEMO_ACCOUNTS.items():
        spec = ROLES[role]
        store.add_account(
            username, role, display_name=name,
            password=None if spec.kiosk else DEMO_PASSWORD,
            kiosk_token=DEMO_KIOSK_TOKEN if spec.kiosk else None,
            committees=zone if role == "居委" else "", demo=True,
        )  # fmt: skip
        added.append(username)
    return added

