"""`python -m routes solve-top / solve-tsp`: exact JSON output and clean errors."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from routes.instances import read_top, read_tsplib, top_score, tsp_length

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "instances" / "routing"
needs_bench = pytest.mark.skipif(not BENCH.exists(), reason="benchmark data not available")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "routes", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_solve_top_small_file(tmp_path: Path) -> None:
    f = tmp_path / "tiny.txt"
    # start (0,0), sites at lines 2-4, end at line 5 = (0,0); tmax 12 fits 2 (5 + 5) but not 3.
    f.write_text("n 5\nm 2\ntmax 12.0\n0\t0\t0\n3\t4\t10\n0\t5\t3\n20\t20\t50\n0\t0\t0\n")
    proc = _run("solve-top", str(f), "--time-limit", "0.3")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert set(out) == {"score", "routes"}
    assert len(out["routes"]) == 2
    served = sorted(p for r in out["routes"] for p in r)
    assert served == [2, 3]  # 1-based line numbers among the points; 4 is out of reach
    assert out["score"] == 13


@needs_bench
def test_solve_top_real_instance_is_feasible() -> None:
    path = BENCH / "top_set4" / "p4.3.f.txt"
    # the limit covers the whole process (start-up ~0.6 s, more on a loaded CI machine)
    proc = _run("solve-top", str(path), "--time-limit", "2.5")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    inst = read_top(path)
    assert len(out["routes"]) == inst.m
    flat = [p for r in out["routes"] for p in r]
    assert all(isinstance(p, int) and 2 <= p <= inst.n - 1 for p in flat)
    score, _, errors = top_score(inst, out["routes"])
    assert errors == []
    assert score == out["score"]
    assert score >= 0.9 * 579  # Chao 1996


@needs_bench
def test_solve_tsp_outputs_valid_tour() -> None:
    path = BENCH / "tsplib" / "eil51.tsp"
    proc = _run("solve-tsp", str(path), "--time-limit", "2.5")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"length", "tour"}
    assert sorted(out["tour"]) == list(range(1, 52))
    assert out["length"] == tsp_length(read_tsplib(path).xy, out["tour"])
    assert out["length"] <= 426 * 1.05  # optimum 426


@pytest.mark.parametrize("cmd", ["solve-top", "solve-tsp"])
def test_missing_file_exit_2(cmd: str, tmp_path: Path) -> None:
    proc = _run(cmd, str(tmp_path / "missing.txt"))
    assert proc.returncode == 2
    assert "not found" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_malformed_file_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("n 3\nm one\ntmax 5\n")
    proc = _run("solve-top", str(f))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "bad number" in proc.stderr
    g = tmp_path / "bad.tsp"
    g.write_text("NAME: x\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n")
    proc = _run("solve-tsp", str(g))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_bad_arguments_exit_2() -> None:
    proc = _run("solve-top")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = _run("solve-top", "x.txt", "--time-limit", "-1")
    assert proc.returncode == 2 and "time-limit" in proc.stderr


TINY_TOP = "n 4\nm 1\ntmax 12.0\n0\t0\t0\n3\t4\t10\n0\t5\t3\n0\t0\t0\n"  # one team, 2 (10) and 3 (3) fit


@pytest.fixture
def tiny_top(tmp_path: Path) -> Path:
    f = tmp_path / "tiny.txt"
    f.write_text(TINY_TOP)
    return f


@pytest.fixture
def solve_calls(monkeypatch) -> list[dict]:
    """Keyword arguments of every ``solve`` call the in-process CLI makes (each then run
    with one search)."""
    import routes.__main__ as cli

    calls: list[dict] = []
    real_solve = cli.solve

    def spy(problem, **kw):
        calls.append(kw)
        return real_solve(problem, **{**kw, "workers": 1})

    monkeypatch.setattr(cli, "solve", spy)
    return calls


def test_cli_uses_the_usable_cores_by_default(tiny_top: Path, solve_calls, monkeypatch, capsys) -> None:
    """Outside benchmarks call the CLI without ``--workers``: it must use the machine's cores
    (at most 4), and ``--workers`` still overrides."""
    import routes.__main__ as cli

    for cores, expected in ((set(range(8)), 4), ({0, 1}, 2), ({3}, 1)):
        monkeypatch.setattr(cli.os, "sched_getaffinity", lambda _pid, c=cores: c, raising=False)
        assert cli.default_workers() == expected
        assert cli.main(["solve-top", str(tiny_top), "--time-limit", "0.2"]) == 0
        assert solve_calls[-1]["workers"] == expected
    assert cli.main(["solve-top", str(tiny_top), "--time-limit", "0.2", "--workers", "3"]) == 0
    assert solve_calls[-1]["workers"] == 3
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["score"] == 10


@needs_bench
def test_limit_shorter_than_start_up_still_answers() -> None:
    """``--time-limit`` counts from the process start; when start-up alone uses it up the
    user still gets a feasible answer (the greedy construction) and a warning, not an error."""
    path = BENCH / "top_set4" / "p4.3.f.txt"
    proc = _run("solve-top", str(path), "--time-limit", "0.01")
    assert proc.returncode == 0, proc.stderr
    assert "shorter than the start-up" in proc.stderr
    out = json.loads(proc.stdout)
    score, _, errors = top_score(read_top(path), out["routes"])
    assert errors == [] and score == out["score"] > 0


def test_search_gets_the_limit_minus_what_the_process_used(
    tiny_top: Path, solve_calls, monkeypatch, capsys
) -> None:
    """The search's time is the limit less the process's age (start-up, imports, kernel
    loading) and the exit reserve, so the whole command fits in ``--time-limit``."""
    import routes.__main__ as cli

    monkeypatch.setattr(cli, "process_age", lambda: 0.7)
    assert cli.main(["solve-top", str(tiny_top), "--time-limit", "2"]) == 0
    assert solve_calls[-1]["time_limit"] == pytest.approx(2.0 - 0.7 - cli.EXIT_RESERVE)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(cli, "process_age", lambda: 2.5)
    assert cli.main(["solve-top", str(tiny_top), "--time-limit", "2"]) == 0
    assert solve_calls[-1]["time_limit"] == 0.0
    assert "shorter than the start-up" in capsys.readouterr().err
    # cold numba cache: the ~20-s compile is not held against the search (with a warning)
    monkeypatch.setattr(cli._fast, "warmup", lambda: 21.0)
    monkeypatch.setattr(cli, "process_age", lambda: 21.5)
    assert cli.main(["solve-top", str(tiny_top), "--time-limit", "2"]) == 0
    assert solve_calls[-1]["time_limit"] == pytest.approx(2.0 - cli.EXIT_RESERVE)
    assert "compiled in this run" in capsys.readouterr().err


def test_process_age_counts_from_the_process_start() -> None:
    """In a fresh interpreter the age is its start-up time: small, positive, and larger after
    a sleep (so the CLI's budget includes what happened before ``main``)."""
    code = (
        "import time, routes.__main__ as c; a = c.process_age(); time.sleep(0.3); "
        "b = c.process_age(); print(a, b)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    a, b = map(float, proc.stdout.split())
    assert 0.0 < a < 30.0
    assert b - a >= 0.25


# ------------------------------------------------------------- hostile input and killing
def _top_file(path: Path, n: int, m: int = 4, tmax: float = 100.0, seed: int = 1) -> Path:
    """A random Team Orienteering instance of ``n`` points (start and end at the origin)."""
    import random

    rng = random.Random(seed)
    rows = [f"{rng.uniform(-50, 50):.3f} {rng.uniform(-50, 50):.3f} {rng.randint(1, 20)}" for _ in range(n - 2)]
    path.write_text("\n".join([f"n {n}", f"m {m}", f"tmax {tmax}", "0 0 0", *rows, "0 0 0"]) + "\n")
    return path


def _assert_clean_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    for word in words:
        assert word in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("header", "word"),
    [
        ("n nan\nm 1\ntmax 10\n", "header n must be a whole number"),
        ("n 3\nm nan\ntmax 10\n", "header m must be a whole number"),
        ("n 3\nm inf\ntmax 10\n", "header m must be a whole number"),
        ("n 3\nm 1.5\ntmax 10\n", "header m must be a whole number"),
        ("n 3\nm 1\ntmax nan\n", "invalid header"),
    ],
)
def test_impossible_headers_exit_2(tmp_path: Path, header: str, word: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(header + "0 0 0\n1 1 1\n0 0 0\n")
    _assert_clean_error(_run("solve-top", str(f), "--time-limit", "0.2"), word)


@pytest.mark.parametrize("limit", ["inf", "nan", "-inf"])
def test_non_finite_time_limit_exit_2(tiny_top: Path, limit: str) -> None:
    _assert_clean_error(_run("solve-top", str(tiny_top), "--time-limit", limit), "--time-limit")
    _assert_clean_error(_run("solve-tsp", str(tiny_top), "--time-limit", limit), "--time-limit")


def test_absurd_sizes_are_refused_at_once(tmp_path: Path, tiny_top: Path) -> None:
    import time

    from routes.__main__ import MAX_POINTS, MAX_TEAMS

    many_teams = tmp_path / "teams.txt"
    many_teams.write_text("n 3\nm 10000000\ntmax 10\n0 0 0\n1 1 1\n0 0 0\n")
    t = time.perf_counter()
    _assert_clean_error(_run("solve-top", str(many_teams), "--time-limit", "1"), f"at most {MAX_TEAMS}")
    big = _top_file(tmp_path / "big.txt", 8000)
    _assert_clean_error(_run("solve-top", str(big), "--time-limit", "1"), f"at most {MAX_POINTS}")
    assert time.perf_counter() - t < 10  # refused before any work (it took minutes and GBs)
    _assert_clean_error(_run("solve-top", str(tiny_top), "--workers", "100000"), "--workers")


def test_largest_supported_instance_keeps_the_time_limit(tmp_path: Path) -> None:
    """At MAX_POINTS the set-up (matrix, neighbour lists) comes out of --time-limit too."""
    import time

    from routes.__main__ import MAX_POINTS

    f = _top_file(tmp_path / "max.txt", MAX_POINTS)
    t = time.perf_counter()
    proc = _run("solve-top", str(f), "--time-limit", "2")
    took = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr
    score, _, errors = top_score(read_top(f), json.loads(proc.stdout)["routes"])
    assert errors == [] and score > 0
    # 2.0-2.5 s measured at load 10-12 on 2 cores (one run 3.1 s); 8 000 points took 26 s
    assert took < 2.0 + 1.0, took


def _children(pid: int) -> list[int]:
    """Pids of the live children of ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(pid) and not fields.get("State", "").startswith("Z"):
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_killing_the_cli_ends_its_workers(tmp_path: Path, sig: str) -> None:
    import signal
    import time

    f = _top_file(tmp_path / "long.txt", 300)
    parent = subprocess.Popen(
        [sys.executable, "-m", "routes", "solve-top", str(f), "--time-limit", "120", "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _children(parent.pid)
        assert len(workers) >= 2, "the search workers did not start"
        time.sleep(0.5)  # let them get into the search
        parent.send_signal(getattr(signal, sig))
        parent.wait(timeout=10)
        end = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < end:
            time.sleep(0.1)
        left = [w for w in workers if _alive(w)]
        assert left == [], f"workers still running after {sig} of the parent: {left}"
    finally:
        for pid in [parent.pid, *workers]:  # only what this test started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        parent.wait(timeout=10)
