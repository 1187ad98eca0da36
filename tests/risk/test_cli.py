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
