"""Timing of the app pages 优先排名 / 巡查路线 / 节前检查 / 统计考核 (AppTest, no browser).

Run: ``.venv/bin/python benchmarks/bench_app_pages.py [--sites 3000]``. Builds a sample store
of that size in a temporary folder, then times a cold page run (load + risk scoring), a warm
rerun, a filter change, a route plan (2 teams, 5 s solver budget), the 节前 plan (3 leader
teams) and the statistics page. Figures go to benchmarks/RESULTS*.md by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(label: str, fn) -> float:
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    print(f"{label:<48s} {dt:8.2f} s")
    return dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=3000)
    args = parser.parse_args()

    from registry.store import build_store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        _timed(f"build sample store ({args.sites} sites)", lambda: build_store(path, n_sites=args.sites))
        os.environ["ZHENRU_STORE"] = str(path)
        from streamlit.testing.v1 import AppTest

        from registry.accounts import Account

        office = Account("pingan", "演示平安办", "平安办")  # pages read data only signed in
        pages = ROOT / "app_pages"
        at = AppTest.from_file(str(pages / "ranking.py"), default_timeout=900)
        at.session_state["account"] = office
        _timed("优先排名: cold run (load + score_sites)", at.run)
        _timed("优先排名: warm rerun", at.run)
        at.multiselect(key="ranking_f_categories").set_value(["群租"])
        _timed("优先排名: category filter", at.run)

        at = AppTest.from_file(str(pages / "route_planning.py"), default_timeout=900)
        at.session_state["account"] = office
        _timed("巡查路线: page", at.run)
        at.button(key="routes_run").click()
        _timed("巡查路线: plan (2 teams, top 60 + must, 5 s)", at.run)
        plan = at.session_state["route_plan"]
        print(f"{'':<48s} {plan.totals['sites_visited']} visits, "
              f"{plan.totals['candidates']} candidates")

        at = AppTest.from_file(str(pages / "holiday.py"), default_timeout=900)
        at.session_state["account"] = office
        _timed("节前检查: page", at.run)
        at.button(key="holiday_run").click()
        _timed("节前检查: plan (3 leader teams, 5 s)", at.run)

        at = AppTest.from_file(str(pages / "stats.py"), default_timeout=900)
        at.session_state["account"] = office
        _timed("统计考核: page (coverage, hazards, trends)", at.run)


if __name__ == "__main__":
    main()
