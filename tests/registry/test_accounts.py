"""Accounts in the store: passwords, lockout, the wall-screen token, and who may write what."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from registry.accounts import (
    DEMO_KIOSK_TOKEN,
    DEMO_PASSWORD,
    LOCK_AFTER,
    MASK,
    AccessDenied,
    SignInError,
    add_demo_accounts,
)
from registry.store import SQLiteStore, build_store
from registry.validate import RegistryValidationError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(small_store, tmp_path):
    """A private copy of the small store (which carries the demo accounts)."""
    with SQLiteStore(small_store) as source:
        copy = source.backup(tmp_path / "accounts.db")
    opened = SQLiteStore(copy)
    yield opened
    opened.close()


def _open_hazard(store, committee: str | None = None, other_than: str | None = None):
    sites = store.sites().set_index("site_id")["committee"]
    hazards = store.hazards()
    hazards = hazards[hazards["status"].eq("待整改")]
    zone = hazards["site_id"].map(sites)
    if committee is not None:
        hazards = hazards[zone.eq(committee)]
    if other_than is not None:
        hazards = hazards[zone.ne(other_than) & zone.notna()]
    return hazards.iloc[0]


def test_the_password_is_stored_only_as_an_argon2_hash(store):
    with sqlite3.connect(store.path) as conn:
        stored = conn.execute(
            "SELECT password_hash FROM accounts WHERE username = 'pingan'"
        ).fetchone()[0]
        audit = " ".join(str(r) for r in conn.execute("SELECT * FROM audit").fetchall())
    assert stored.startswith("$argon2id$") and DEMO_PASSWORD not in stored
    assert DEMO_PASSWORD not in audit and "$argon2" not in audit
    assert "password_hash" not in store.accounts().columns


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer_and_are_audited(store):
    with pytest.raises(SignInError, match="用户名或密码错误") as wrong:
        store.sign_in("pingan", "not-the-password")
    with pytest.raises(SignInError) as unknown:
        store.sign_in("nobody", "not-the-password")
    assert str(wrong.value) == str(unknown.value)
    assert store.sign_in("pingan", DEMO_PASSWORD).role == "平安办"
    log = store.audit_log()
    tail = log.tail(3)[["user", "action"]].values.tolist()
    assert tail == [["pingan", "sign_in_failed"], ["nobody", "sign_in_failed"], ["pingan", "sign_in"]]


def test_repeated_failures_lock_the_account_until_the_time_passes_or_an_admin_resets(store):
    now = dt.datetime(2026, 12, 2, 9, 0)
    for _ in range(LOCK_AFTER):
        with pytest.raises(SignInError):
            store.sign_in("jiancha", "wrong-password", now=now)
    with pytest.raises(SignInError, match="锁定"):  # even the right password, while locked
        store.sign_in("jiancha", DEMO_PASSWORD, now=now + dt.timedelta(minutes=1))
    assert store.sign_in("jiancha", DEMO_PASSWORD, now=now + dt.timedelta(minutes=16))
    for _ in range(LOCK_AFTER):
        with pytest.raises(SignInError):
            store.sign_in("jiancha", "wrong-password", now=now)
    store.update_account("jiancha", user="admin", password="a-new-password-1")
    assert store.sign_in("jiancha", "a-new-password-1", now=now).username == "jiancha"


def test_a_disabled_account_cannot_sign_in_or_write(store):
    store.update_account("jiancha", user="admin", disabled=True)
    with pytest.raises(SignInError, match="停用"):
        store.sign_in("jiancha", DEMO_PASSWORD)
    hazard = _open_hazard(store)
    with pytest.raises(AccessDenied, match="不是有效账户"):
        store.update_hazard(hazard["hazard_id"], user="jiancha", status="整改中")


def test_the_wall_screen_signs_in_with_its_token_only(store):
    assert store.sign_in_kiosk(DEMO_KIOSK_TOKEN).role == "大屏"
    with pytest.raises(SignInError):
        store.sign_in_kiosk(DEMO_KIOSK_TOKEN[:-1])
    with pytest.raises(SignInError):  # it has no password to guess
        store.sign_in("dapin", "")


@pytest.mark.parametrize(
    ("user", "allowed"),
    [("pingan", True), ("jiancha", True), ("admin", True), ("fenxi", False),
     ("lingdao", False), ("dapin", False), ("someone", False), ("", False)],
)  # fmt: skip
def test_who_may_advance_a_hazard(store, user, allowed):
    hazard = _open_hazard(store)
    if allowed:
        assert store.update_hazard(hazard["hazard_id"], user=user, status="整改中")["status"] == "整改中"
    else:
        with pytest.raises(AccessDenied):
            store.update_hazard(hazard["hazard_id"], user=user, status="整改中")
        row = store.hazards().set_index("hazard_id").loc[hazard["hazard_id"]]
        assert row["status"] == "待整改"


def test_a_committee_account_writes_only_inside_its_zone(store):
    zone = store.account("juwei").committees[0]
    inside = _open_hazard(store, committee=zone)
    outside = _open_hazard(store, other_than=zone)
    assert store.update_hazard(inside["hazard_id"], user="juwei", status="整改中")
    with pytest.raises(AccessDenied, match="只能处理本居委"):
        store.update_hazard(outside["hazard_id"], user="juwei", status="整改中")
    before = len(store.inspections())
    with pytest.raises(AccessDenied):
        store.add_inspection(
            {"site_id": outside["site_id"], "date": dt.date.today(), "type": "日常"},
            user="juwei",
        )
    assert len(store.inspections()) == before


def test_a_leader_records_only_leader_led_checks(store):
    site = store.sites()["site_id"].iloc[0]
    with pytest.raises(AccessDenied, match="领导带队"):
        store.add_inspection({"site_id": site, "date": dt.date.today(), "type": "日常"},
                             user="lingdao")  # fmt: skip
    iid, _ = store.add_inspection(
        {"site_id": site, "date": dt.date.today(), "type": "领导带队", "leader": "演示领导"},
        user="lingdao",
    )
    assert iid in set(store.inspections()["inspection_id"])


def test_only_the_administrator_manages_accounts_but_anyone_changes_their_own_password(store):
    with pytest.raises(AccessDenied, match="无权管理账户"):
        store.add_account("newone", "检查员", password="long-enough-pw", user="pingan")
    with pytest.raises(AccessDenied):
        store.update_account("jiancha", user="pingan", password="long-enough-pw")
    store.update_account("pingan", user="pingan", password="my-own-new-pw")
    assert store.sign_in("pingan", "my-own-new-pw")
    store.add_account("newone", "居委", password="long-enough-pw", user="admin",
                      committees=store.account("juwei").committees)  # fmt: skip
    assert store.account("newone").role == "居委"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"username": "张三", "role": "检查员", "password": "long-enough-pw"}, "用户名"),
     ({"username": "zz", "role": "站长", "password": "long-enough-pw"}, "未知角色"),
     ({"username": "zz", "role": "居委", "password": "long-enough-pw"}, "须指定所属居委"),
     ({"username": "zz", "role": "检查员", "password": "short"}, "至少 10 个字符"),
     ({"username": "pingan", "role": "检查员", "password": "long-enough-pw"}, "已存在")],
)  # fmt: skip
def test_bad_accounts_are_refused_in_chinese_and_nothing_is_written(store, kwargs, message):
    before = store.accounts()
    with pytest.raises(RegistryValidationError, match=message):
        store.add_account(kwargs.pop("username"), kwargs.pop("role"), user="admin", **kwargs)
    assert store.accounts().equals(before)


def test_the_audit_trail_cannot_be_edited(store):
    store.sign_in("pingan", DEMO_PASSWORD)
    with sqlite3.connect(store.path) as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE audit SET user = 'x'")
    with sqlite3.connect(store.path) as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute("DELETE FROM audit")


def test_a_store_without_accounts_accepts_named_users_and_the_sample_gets_demo_accounts(tmp_path):
    from synthdata import generate

    tables = generate(seed=5, n_sites=300)
    real = build_store(tmp_path / "real.db", tables=tables)  # an import: no demo accounts
    assert not real.has_accounts()
    hazard = _open_hazard(real)
    assert real.update_hazard(hazard["hazard_id"], user="张三", status="整改中")
    assert add_demo_accounts(real) and not add_demo_accounts(real)  # once only
    real.close()
    sample = build_store(tmp_path / "sample.db", n_sites=300)
    assert set(sample.accounts()["username"]) >= {"admin", "pingan", "dapin"}
    sample.close()


def test_the_command_line_creates_the_first_administrator(tmp_path):
    from synthdata import generate

    build_store(tmp_path / "real.db", tables=generate(seed=5, n_sites=300)).close()

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "registry", "users", *args, "--store", str(tmp_path / "real.db")],
            input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120,
        )

    weak = cli("add", "boss", "--role", "管理员", "--password-stdin", stdin="short\n")
    assert weak.returncode == 2 and "至少 10 个字符" in weak.stderr and "Traceback" not in weak.stderr
    ok = cli("add", "boss", "--role", "管理员", "--name", "王主任", "--password-stdin",
             stdin="a-strong-password\n")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    screen = cli("add", "wall", "--role", "大屏")
    token = screen.stdout.split("大屏令牌（只显示这一次）: ")[1].split()[0]
    listed = cli("list")
    assert "boss\t管理员\t王主任\t正常" in listed.stdout and "a-strong-password" not in listed.stdout
    with SQLiteStore(tmp_path / "real.db") as store:
        assert store.sign_in("boss", "a-strong-password").role == "管理员"
        assert store.sign_in_kiosk(token).username == "wall"


def test_a_notebook_reads_the_tables_as_its_account_may(store):
    zone = store.account("juwei").committees[0]
    mine = store.tables_as("juwei", DEMO_PASSWORD)
    assert set(mine["sites"]["committee"]) == {zone}
    assert set(mine["hazards"]["site_id"]) <= set(mine["sites"]["site_id"])
    analyst = store.tables_as("fenxi", DEMO_PASSWORD)
    persons = analyst["hazards"]["responsible_person"].dropna()
    assert len(persons) and set(persons) == {MASK}
    with pytest.raises(SignInError):
        store.tables_as("fenxi", "wrong-password")


def test_failed_sign_ins_at_the_same_moment_all_count_toward_the_lock(store):
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> None:
        with pytest.raises(SignInError):
            store.sign_in("jiancha", "wrong-password")

    with ThreadPoolExecutor(LOCK_AFTER) as pool:
        list(pool.map(attempt, range(LOCK_AFTER)))
    with pytest.raises(SignInError, match="锁定"):
        store.sign_in("jiancha", DEMO_PASSWORD)
    with pytest.raises(RegistryValidationError, match="没有要修改的内容"):
        store.update_account("jiancha", user="admin")
