"""Fitted models persist on disk so a restarted app scores without refitting."""

from __future__ import annotations

import pandas as pd
import pytest

from risk import model_cache
from risk import scoring as scoring_mod
from risk.scoring import score_sites

AS_OF = "2025-06-30"


def _score(ledger, cache_dir):
    return score_sites(ledger["sites"], ledger["inspections"], ledger["hazards"], AS_OF,
                       assets=ledger["assets"], config={"model_cache_dir": cache_dir})


def _forget_in_memory(monkeypatch):
    monkeypatch.setattr(scoring_mod, "_CACHE", type(scoring_mod._CACHE)())


def test_second_process_reads_models_from_disk_and_scores_identically(ledger, tmp_path,
                                                                      monkeypatch):
    _forget_in_memory(monkeypatch)
    first = _score(ledger, tmp_path)
    files = list(tmp_path.glob("*.pkl"))
    assert len(files) == 1

    _forget_in_memory(monkeypatch)  # as if the app restarted
    monkeypatch.setattr(scoring_mod, "fit_likelihood",
                        lambda *a, **k: pytest.fail("refitted although a cached model exists"))
    second = _score(ledger, tmp_path)
    pd.testing.assert_frame_equal(first.drop(columns=["reasons"]),
                                  second.drop(columns=["reasons"]))


def test_a_changed_ledger_does_not_reuse_the_cached_model(ledger, tmp_path, monkeypatch):
    _forget_in_memory(monkeypatch)
    _score(ledger, tmp_path)
    changed = dict(ledger)
    insp = ledger["inspections"].copy()
    insp.loc[insp.index[:50], "hazard_found"] = 1 - insp.loc[insp.index[:50], "hazard_found"]
    changed["inspections"] = insp
    _forget_in_memory(monkeypatch)
    _score(changed, tmp_path)
    assert len(list(tmp_path.glob("*.pkl"))) == 2


def test_a_corrupt_cache_file_is_refitted_not_an_error(ledger, tmp_path, monkeypatch):
    _forget_in_memory(monkeypatch)
    expected = _score(ledger, tmp_path)
    for f in tmp_path.glob("*.pkl"):
        f.write_bytes(b"not a pickle")
    _forget_in_memory(monkeypatch)
    again = _score(ledger, tmp_path)
    assert again["site_id"].tolist() == expected["site_id"].tolist()
    assert model_cache.load(tmp_path, "missing-key") is None


def test_cache_directory_sits_beside_the_store():
    assert model_cache.beside("/data/zhenru.db").as_posix() == "/data/zhenru.models"


def test_with_monthly_refit_a_new_inspection_rescores_without_refitting(ledger, tmp_path,
                                                                       monkeypatch):
    cfg = {"model_cache_dir": tmp_path, "refit": "month"}
    insp = ledger["inspections"]
    as_of = pd.Timestamp(insp["date"].max()).normalize()
    _forget_in_memory(monkeypatch)
    before = score_sites(ledger["sites"], insp, ledger["hazards"], as_of, config=cfg)
    # an inspection recorded today at the unit ranked last, and a new unit added
    site = before["site_id"].iloc[-1]
    new = insp.iloc[[0]].assign(inspection_id="I-NEW", site_id=site, date=as_of,
                                hazard_found=1, major_found=0, n_hazards=1)
    grown = pd.concat([insp, new], ignore_index=True)
    monkeypatch.setattr(scoring_mod, "fit_likelihood",
                        lambda *a, **k: pytest.fail("refitted for a write of this month"))
    after = score_sites(ledger["sites"], grown, ledger["hazards"], as_of, config=cfg)
    last = after.set_index("site_id").loc[site, "last_inspection"]
    assert pd.Timestamp(last).normalize() == as_of  # the new record is in the scores at once
    assert len(list(tmp_path.glob("*.pkl"))) == 1
