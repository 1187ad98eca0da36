"""Hostile inputs to ``python -m registry import``: each generated case is one named test.

A case passes when the user gets what they need: a clean import that stores only possible
values, or exit code 2 with a Chinese message, no traceback, and an unchanged store
(see tests/registry/hostile_cases.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.registry.hostile_cases import (
    generate_cases,
    make_template,
    problems,
    run_case,
    store_hash,
    write_case,
)

CASES = generate_cases()
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory.mktemp("template"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case, template, tmp_path):
    outcome = run_case(case, tmp_path, template)
    assert problems(case, outcome) == []


def test_cases_cover_every_family_and_both_outcomes():
    families = {c.family for c in CASES}
    assert families >= {"encoding", "structure", "dates", "numbers", "coordinates",
                        "injection", "control", "huge", "vocabulary", "removal", "scale"}
    for family in families - {"scale"}:
        expects = {c.expect for c in CASES if c.family == family}
        assert expects == {"import", "refuse"}, family


def test_harness_sees_a_changed_store_and_impossible_values(template, tmp_path):
    """The checks themselves can fail: a store written behind the CLI's back is noticed."""
    import sqlite3

    from tests.registry.hostile_cases import impossible_values

    db = tmp_path / "x.db"
    db.write_bytes(template.read_bytes())
    before = store_hash(db)
    con = sqlite3.connect(db)
    con.execute("UPDATE sites SET floor_area_m2 = 9e999, name = 'a' || char(27) || 'b'")
    con.commit()
    con.close()
    assert store_hash(db) != before
    found = impossible_values(db)
    assert any("non-finite" in p for p in found) and any("control" in p for p in found)


SUBPROCESS_CASES = [
    "structure-empty-file", "structure-xlsx-not-a-zip", "dates-inspection-year-1",
    "coordinates-lon-1e308-gcj02", "removal-no-hazards-file",
]  # fmt: skip


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_cli_process_has_no_traceback(case_id, template, tmp_path):
    case = next(c for c in CASES if c.id == case_id)
    db = tmp_path / "store.db"
    db.write_bytes(template.read_bytes())
    before = store_hash(db)
    argv = write_case(case, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "registry", "import", *argv, "--path", str(db)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in proc.stderr)
    assert store_hash(db) == before


def test_store_writes_get_the_same_rules(store):
    """The store's own writes validate with the importer's rules (one rule, one place)."""
    import pandas as pd

    from registry.validate import RegistryValidationError

    before = {name: len(df) for name, df in store.tables().items()}
    site = {"name": "真如某店", "lon": 121.39, "lat": 31.255, "category": "厂房仓库"}
    for bad, text in (
        ({"name": "真如\x1b某店"}, "控制字符"),
        ({"committee": "月球居委"}, "不是真如的居委"),
        ({"required_per_year": 100000}, "1–52"),
        ({"floor_area_m2": float("inf")}, "不是数字"),
        ({"uscc": "0" * 18}, "登记管理部门码"),
    ):
        with pytest.raises(RegistryValidationError, match=text):
            store.add_sites(pd.DataFrame([{**site, **bad}]))
    for date in ("now", "03/06/2024", "1900-01-01"):
        with pytest.raises(RegistryValidationError, match="检查日期"):
            store.add_inspection({"site_id": "S000001", "date": date, "type": "日常"})
    hid = store.hazards().query("status != '已销号'")["hazard_id"].iloc[0]
    with pytest.raises(RegistryValidationError, match="整改期限"):
        store.update_hazard(hid, deadline="2099-01-01")
    assert {name: len(df) for name, df in store.tables().items()} == before
    # the full 居委 name is stored as the short one
    (sid,) = store.add_sites(pd.DataFrame([{**site, "committee": "真光新村第一居委会"}]))
    assert store.sites().set_index("site_id").loc[sid, "committee"] == "真一"
