"""Ahead-of-time build of the search kernels (routes._aot): same search, no numba at run time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from routes import _aot, _fast, _kernels
from routes.instances import read_top, top_score

ROOT = Path(__file__).resolve().parents[2]
SET4 = ROOT / "benchmarks" / "instances" / "routing" / "top_set4"

# one build (~10 s) shared by the tests of this module, all on one xdist worker
pytestmark = [
    pytest.mark.xdist_group("aot-build"),
    pytest.mark.skipif(not _fast.NUMBA, reason="numba not installed"),
]


@pytest.fixture(scope="module")
def aot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # the build needs a C compiler (the test machines have gcc; without one the product falls
    # back to numba's kernels, which test_warmup_without_a_c_compiler_keeps_the_numba_kernels checks)
    if shutil.which("cc") is None:
        pytest.skip("no C compiler")
    dest = tmp_path_factory.mktemp("aot")
    (dest / "_fastaot_0123456789abcdef.so").write_bytes(b"stale build of older sources")
    _aot.build(dest)
    return dest


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )


def test_build_writes_the_module_for_the_current_sources_and_removes_stale_ones(aot_dir: Path) -> None:
    built = sorted(p.name for p in aot_dir.iterdir())
    assert built == [_aot.module_path(aot_dir).name]  # the stale one is gone, no temp dir left
    mod = _aot.load(aot_dir)
    assert mod is not None
    assert all(callable(getattr(mod, name)) for name in _aot.SIGNATURES)


def test_edited_kernel_sources_do_not_load_an_old_build(
    aot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = tmp_path / "_kernels.py"
    edited.write_bytes(_aot.SOURCES[0].read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(_aot, "SOURCES", (edited, *_aot.SOURCES[1:]))
    assert _aot.load(aot_dir) is None


@pytest.mark.parametrize(("name", "teams_seed"), [("p4.4.s", 3), ("p4.2.l", 1)])
def test_ahead_of_time_and_numba_kernels_search_alike(aot_dir: Path, name: str, teams_seed: int) -> None:
    """Same routes, iterations and state for the same seed and iteration budget."""
    inst = read_top(SET4 / f"{name}.txt")
    W = np.sqrt(((inst.xy[:, None] - inst.xy[None]) ** 2).sum(-1))
    P = inst.scores.astype(float)
    runs = []
    for kern in (_aot.load(aot_dir), _kernels):
        search = _fast.FastTop(W, P, inst.tmax, inst.m, kernels=kern)
        routes, done = search.run(600.0, 400, seed=teams_seed, clock=False)
        runs.append((routes, done, search.state.tolist()))
    assert runs[0] == runs[1]
    routes, done, _ = runs[0]
    assert done == 400
    score, _, errors = top_score(inst, [[v + 1 for v in r] for r in routes])
    assert errors == []
    assert score > 0


def test_cli_searches_without_importing_numba(aot_dir: Path) -> None:
    path = SET4 / "p4.3.f.txt"
    proc = _cli(
        "-X", "importtime", "-m", "routes", "solve-top", str(path), "--time-limit", "1",
        env={"ROUTES_AOT_DIR": str(aot_dir)},
    )
    assert proc.returncode == 0, proc.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line]
    assert "routes._fast" in imported
    assert not [m for m in imported if m.split(".")[0] in ("numba", "llvmlite")]
    out = json.loads(proc.stdout)
    inst = read_top(path)
    score, _, errors = top_score(inst, out["routes"])
    assert errors == []
    assert score == out["score"] >= 0.9 * 579  # Chao 1996


def test_warmup_without_a_c_compiler_keeps_the_numba_kernels(tmp_path: Path) -> None:
    proc = _cli("-m", "routes", "warmup", env={"ROUTES_AOT_DIR": str(tmp_path), "CC": str(tmp_path / "no-cc")})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["numba"] is True
    assert out["aot"] is False
    assert "just-in-time" in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_damaged_build_is_ignored(tmp_path: Path) -> None:
    _aot.module_path(tmp_path).write_bytes(b"\x7fELF truncated")
    assert _aot.load(tmp_path) is None


def test_an_unwritable_build_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(_aot.AotError, match="cannot write"):
        _aot.build(blocker / "aot")
