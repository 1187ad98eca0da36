"""python -m risk evaluate / score: the exact CLI, its report, and clear input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from risk.backtest import REPORT_KEYS
from risk.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def csvs(ledger, tmp_path_factory):
    d = tmp_path_factory.mktemp("risk_cli")
    sites = ledger["sites"].drop(columns=["name"])
    insp = ledger["inspections"]
    insp = insp[insp["site_id"].isin(sites["site_id"].head(120))]
    sites.to_csv(d / "S.csv", index=False)
    insp.to_csv(d / "I.csv", index=False)
    ledger["hazards"].to_csv(d / "H.csv", index=False)
    return d


def _evaluate(csvs, *extra, sites="S.csv", insp="I.csv"):
    return main([
        "evaluate", "--sites", str(csvs / sites), "--inspections", str(csvs / insp),
        "--test-from", "2024-07-01", "--report", str(csvs / "out.json"), "--quiet", *extra,
    ])


def test_evaluate_writes_report_and_scores(csvs):
    out = subprocess.run(
        [sys.executable, "-m", "risk", "evaluate", "--sites", str(csvs / "S.csv"),
         "--inspections", str(csvs / "I.csv"), "--test-from", "2024-07-01",
         "--test-to", "2025-03-31", "--report", str(csvs / "r.json"),
         "--scores-out", str(csvs / "scores.csv"), "--families", "logistic,random_forest"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "[1/4]" in out.stderr and "候选模型" in out.stderr  # progress on stderr
    report = json.loads((csvs / "r.json").read_text(encoding="utf-8"))
    assert set(REPORT_KEYS) <= set(report)
    assert 0.5 < report["auc"] <= 1
    scores = pd.read_csv(csvs / "scores.csv")
    assert list(scores.columns) == ["inspection_id", "score"]
    insp = pd.read_csv(csvs / "I.csv", parse_dates=["date"])
    window = insp[(insp["date"] >= "2024-07-01") & (insp["date"] <= "2025-03-31")]
    assert set(scores["inspection_id"]) == set(window["inspection_id"])
    assert report["n_test"] == len(window)


def test_gbk_input_accepted(csvs):
    pd.read_csv(csvs / "S.csv").to_csv(csvs / "S_gbk.csv", index=False, encoding="gbk")
    assert _evaluate(csvs, "--families", "logistic", sites="S_gbk.csv") == 0


def test_missing_column_is_a_clear_error(csvs, capsys):
    insp = pd.read_csv(csvs / "I.csv").drop(columns=["hazard_found"])
    insp.to_csv(csvs / "I_bad.csv", index=False)
    assert _evaluate(csvs, insp="I_bad.csv") == 2
    err = capsys.readouterr().err
    assert "错误" in err and "hazard_found" in err


def test_bad_date_is_a_clear_error(csvs, capsys):
    insp = pd.read_csv(csvs / "I.csv")
    insp.loc[3, "date"] = "2024-13-45"
    insp.to_csv(csvs / "I_date.csv", index=False)
    assert _evaluate(csvs, insp="I_date.csv") == 2
    err = capsys.readouterr().err
    assert "日期" in err and "2024-13-45" in err and "第 5 行" in err


def test_unknown_site_is_a_clear_error(csvs, capsys):
    insp = pd.read_csv(csvs / "I.csv")
    insp.loc[0, "site_id"] = "GHOST"
    insp.to_csv(csvs / "I_ghost.csv", index=False)
    assert _evaluate(csvs, insp="I_ghost.csv") == 2
    assert "GHOST" in capsys.readouterr().err


def test_missing_file_and_empty_window(csvs, capsys):
    assert _evaluate(csvs, sites="nope.csv") == 2
    assert "找不到" in capsys.readouterr().err
    code = main(["evaluate", "--sites", str(csvs / "S.csv"), "--inspections",
                 str(csvs / "I.csv"), "--test-from", "2030-01-01", "--report",
                 str(csvs / "o.json"), "--quiet"])
    assert code == 2
    assert "没有检查记录" in capsys.readouterr().err


def test_bad_test_from_is_rejected_by_argparse(csvs, capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--sites", str(csvs / "S.csv"), "--inspections", str(csvs / "I.csv"),
              "--test-from", "July", "--report", str(csvs / "o.json")])
    assert "无法识别的日期" in capsys.readouterr().err


def test_score_from_csvs(csvs):
    out = csvs / "ranked.csv"
    code = main(["score", "--sites", str(csvs / "S.csv"), "--inspections", str(csvs / "I.csv"),
                 "--hazards", str(csvs / "H.csv"), "--as-of", "2025-06-30", "--out", str(out),
                 "--quiet"])
    assert code == 0
    ranked = pd.read_csv(out, encoding="utf-8-sig")
    assert len(ranked) == len(pd.read_csv(csvs / "S.csv"))
    assert ranked["rank"].iloc[0] == 1 and ranked["reasons_text"].notna().all()


def test_score_from_store(small_store, tmp_path, capsys):
    out = tmp_path / "ranked.csv"
    code = main(["score", "--store", str(small_store), "--as-of", "2026-06-30", "--out",
                 str(out), "--quiet"])
    assert code == 0
    ranked = pd.read_csv(out, encoding="utf-8-sig")
    assert ranked["rank"].is_monotonic_increasing and ranked["level"].notna().all()
    assert main(["score", "--store", str(tmp_path / "none.db"), "--quiet"]) == 2
    assert "找不到数据库" in capsys.readouterr().err


# ------------------------------------------------------------- hostile input, checked first
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "risk", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def _assert_chinese_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def test_score_on_a_file_that_is_not_sqlite(tmp_path):
    bad = tmp_path / "ledger.db"
    bad.write_bytes(b"this is a spreadsheet, not a database\n" * 50)
    before = bad.read_bytes()
    _assert_chinese_error(_cli("score", "--store", str(bad), "--quiet"), "错误: 无法读取数据库", "SQLite")
    assert bad.read_bytes() == before  # nothing written into the user's file


@pytest.mark.parametrize("as_of", ["9999-12-31", "1000-01-01"])
def test_score_as_of_out_of_range(small_store, as_of):
    _assert_chinese_error(
        _cli("score", "--store", str(small_store), "--as-of", as_of, "--quiet"),
        f"评估日期 {as_of} 超出可处理的范围",
    )


def test_score_sites_refuses_an_out_of_range_date_with_the_same_rule(csvs):
    from risk import score_sites
    from risk.tables import InputError

    sites = pd.read_csv(csvs / "S.csv")
    insp = pd.read_csv(csvs / "I.csv")
    with pytest.raises(InputError, match="超出可处理的范围"):
        score_sites(sites, insp, None, "9999-12-31")


def test_output_that_is_a_directory_is_refused_before_the_run(csvs, small_store, tmp_path):
    import time

    t = time.perf_counter()
    proc = _cli(
        "evaluate", "--sites", str(csvs / "S.csv"), "--inspections", str(csvs / "I.csv"),
        "--test-from", "2024-07-01", "--report", str(tmp_path), "--quiet",
    )
    _assert_chinese_error(proc, "--report", "是一个目录")
    proc = _cli("score", "--store", str(small_store), "--out", str(tmp_path), "--quiet")
    _assert_chinese_error(proc, "--out", "是一个目录")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = _cli("score", "--store", str(small_store), "--out", str(blocker / "ranked.csv"))
    _assert_chinese_error(proc, "不是目录")
    assert not proc.stderr.count("打分 (评估日期")  # refused before the scoring started
    # all three refusals come before any model is fitted (a full run takes tens of seconds)
    assert time.perf_counter() - t < 30


def test_score_on_an_empty_store_says_so(tmp_path):
    from registry.schema import SITE_COLUMNS
    from registry.store import SQLiteStore

    path = tmp_path / "empty.db"
    SQLiteStore(path).replace_all({"sites": pd.DataFrame(columns=[c.name for c in SITE_COLUMNS])})
    proc = _cli("score", "--store", str(path), "--as-of", "2025-06-30", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "暂无单位" in proc.stderr
    out = tmp_path / "ranked.csv"
    proc = _cli("score", "--store", str(path), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert pd.read_csv(out, encoding="utf-8-sig").empty  # header only: an empty ranking


def test_evaluate_reads_the_hazard_ledger(csvs, capsys):
    """--hazards adds the rectification features; a table without their columns is refused."""
    assert _evaluate(csvs, "--families", "logistic", "--hazards", str(csvs / "H.csv")) == 0
    report = json.loads((csvs / "out.json").read_text(encoding="utf-8"))
    assert 0.5 < report["auc"] <= 1
    assert _evaluate(csvs, "--families", "logistic", "--hazards", str(csvs / "S.csv")) != 0
    assert "隐患台账缺少必需的列" in capsys.readouterr().err
