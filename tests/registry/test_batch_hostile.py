"""The importer's hostile inputs, run through the append/update path (``import-batch --apply``).

Every generated case of tests/registry/hostile_cases.py (encodings, file structure, dates,
numbers, coordinates, formula and script text, control characters, huge cells, vocabulary, a
file with one bad row at the end) is written as the user would send it and imported with
``python -m registry import-batch --kind sites|inspections|hazards FILE --apply`` into a store
that already holds the valid registry. For each file the case changes, the user must get
either a clean import that stores only possible values, or exit 2 with a Chinese message, no
traceback, and the store unchanged (hash of the SQL dump).
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from registry.__main__ import main
from tests.registry.hostile_cases import (
    _csv,
    generate_cases,
    impossible_values,
    make_template,
    store_hash,
)

KINDS = {"sites": "sites", "inspections": "inspections", "hazards": "hazards"}
#: The scale case is kept small here; 200k rows are measured in benchmarks/import_batch.py.
CASES = [c for c in generate_cases(big_rows=3_000) if c.family != "removal"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory.mktemp("batch-template"))


def run_batch(table: str, content, folder: Path, db: Path) -> tuple[int | None, str, str, str]:
    if isinstance(content, pd.DataFrame):
        content = _csv(content)
    if isinstance(content, str):  # a folder, or a path that does not exist
        path = folder / table
        if content == "dir":
            path.mkdir(exist_ok=True)
    else:
        suffix, data = content
        path = folder / f"{table}{suffix}"
        path.write_bytes(data)
    argv = ["import-batch", "--store", str(db), "--kind", KINDS[table], str(path), "--apply",
            "--user", "测试员"]  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    code, trace = None, ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        # exactly what the test measures: anything escaping the CLI is a traceback to a user
        except Exception as exc:  # noqa: BLE001
            trace = f"{type(exc).__name__}: {exc}"
    return code, out.getvalue(), err.getvalue(), trace


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file_through_import_batch(case, template, tmp_path):
    contents = case.make()
    tables = [t for t in KINDS if t in contents and contents[t] is not None]
    if not tables:
        pytest.skip("the case changes only the 设施 file (not a batch import kind)")
    db = tmp_path / "store.db"
    shutil.copy(template, db)
    for table in tables:
        before = store_hash(db)
        code, _out, err, trace = run_batch(table, contents[table], tmp_path, db)
        assert trace == "", f"{table}: {trace}"
        assert "Traceback" not in err
        assert code in (0, 2), (table, code, err)
        if code == 2:
            assert re.search(r"[\u4e00-\u9fff]", err), (table, err)
            assert store_hash(db) == before, f"{table}: store changed on refusal"
        else:
            assert impossible_values(db) == [], table
