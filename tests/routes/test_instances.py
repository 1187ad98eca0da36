"""Readers for the public routing benchmarks (TOP, TSPLIB)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

from routes.instances import (
    InstanceError,
    parse_top,
    parse_tsplib,
    read_scores,
    read_top,
    read_tsplib,
    read_tsplib_tour,
    top_problem,
    top_score,
    tsp_length,
)

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "instances" / "routing"
needs_bench = pytest.mark.skipif(not BENCH.exists(), reason="benchmark data not available")

TINY = "n 4\nm 2\ntmax 12\n0 0 0\n3 4 5\n6 0 2\n0 0 0\n"


def test_parse_top_tiny() -> None:
    inst = parse_top(io.StringIO(TINY), name="tiny")
    assert (inst.n, inst.m, inst.tmax) == (4, 2, 12.0)
    assert inst.scores.tolist() == [0, 5, 2, 0]
    p = top_problem(inst)
    assert [v.loc for v in p.visits] == [1, 2]
    assert len(p.teams) == 2 and all(t.start == 0 and t.end == 3 for t in p.teams)
    # distances are NOT rounded
    assert p.travel["default"][1, 2] == pytest.approx(5.0)
    assert p.travel["default"][0, 2] == pytest.approx(6.0)


def test_top_score_checks_length_and_repeats() -> None:
    inst = parse_top(io.StringIO(TINY))
    assert top_score(inst, [[2], []]) == (5.0, [10.0, 0.0], [])
    score, lengths, errors = top_score(inst, [[2, 3], []])  # 5 + 5 + 6 = 16 > 12
    assert score == 7.0 and lengths[0] == pytest.approx(16.0)
    assert errors and "tmax" in errors[0]
    _, _, errors = top_score(inst, [[2], [2]])
    assert any("twice" in e for e in errors)
    _, _, errors = top_score(inst, [[1], []])  # the start is not a visit
    assert any("invalid point" in e for e in errors)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "n 3\nm 1\n",
        "n 3\nm 1\ntmax 5\n0 0 0\n1 1 1\n",  # too few points
        "n 3\nm 1\ntmax 5\n0 0 0\n1 x 1\n0 0 0\n",
        "foo 3\nm 1\ntmax 5\n",
    ],
)
def test_parse_top_rejects_malformed(text: str) -> None:
    with pytest.raises(InstanceError):
        parse_top(io.StringIO(text))


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InstanceError, match="not found"):
        read_top(tmp_path / "nope.txt")


@needs_bench
def test_read_real_top_instance() -> None:
    inst = read_top(BENCH / "top_set4" / "p4.3.k.txt")
    assert inst.n == 100 and inst.m == 3
    assert inst.scores[0] == 0 and inst.scores[-1] == 0
    assert len(top_problem(inst).visits) == 98


def test_parse_tsplib_and_rounding() -> None:
    text = (
        "NAME: t\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
        "1 0 0\n2 3 4.4\n3 0 4.6\nEOF\n"
    )
    tsp = parse_tsplib(text)
    assert tsp.xy.shape == (3, 2)
    # nint: |1-2| = sqrt(9+19.36)=5.33 -> 5, |2-3| = 3.002 -> 3, |3-1| = 4.6 -> 5
    assert tsp_length(tsp.xy, [1, 2, 3]) == 13
    with pytest.raises(ValueError):
        tsp_length(tsp.xy, [1, 2, 2])


def test_parse_tsplib_rejects_other_types() -> None:
    with pytest.raises(InstanceError, match="EUC_2D"):
        parse_tsplib("NAME: x\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: GEO\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n")
    with pytest.raises(InstanceError, match="nodes"):
        parse_tsplib("NAME: x\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n")


@needs_bench
@pytest.mark.parametrize("name", ["berlin52", "eil51", "st70", "kroA100"])
def test_opt_tour_length_equals_known_optimum(name: str) -> None:
    best = {}
    for line in (BENCH / "tsplib" / "bestSolutions_subset.txt").read_text().splitlines():
        if ":" in line:
            k, v = line.split(":")
            best[k.strip()] = int(v)
    tsp = read_tsplib(BENCH / "tsplib" / f"{name}.tsp")
    tour = read_tsplib_tour(BENCH / "tsplib" / f"{name}.opt.tour")
    assert len(tour) == len(tsp.xy)
    assert tsp_length(tsp.xy, tour) == best[name]
    # unrounded length is different: the rounding rule matters
    d = np.sqrt(((tsp.xy[np.array(tour) - 1] - np.roll(tsp.xy[np.array(tour) - 1], -1, axis=0)) ** 2).sum(1))
    assert not math.isclose(d.sum(), best[name], abs_tol=1e-9)


@needs_bench
def test_chao_scores_cover_every_set4_instance() -> None:
    chao = read_scores(BENCH / "top_set4" / "chao1996_scores.txt")
    files = sorted(p.stem for p in (BENCH / "top_set4").glob("p4.*.txt"))
    assert len(files) == 60
    assert sorted(chao) == files  # names match instance names (no ".txt")
    assert chao["p4.4.n"] == 977.0
    assert chao["p4.3.a"] == 0.0
