"""Load time of the 风险地图 page in headless Chromium at 3,000 / 10,000 / 50,000 sites.

For each size the script builds a store with ``synthdata.generate(n_sites=N, years=1)``
(one-year ledger: enough to score), starts the app on a free port and measures

* ``build``   — Python only: :func:`layers.folium_map.risk_map` + HTML render, and its size;
* ``cold``    — first visit of a fresh server: navigate → first markers drawn in the map
  iframe (includes imports, loading the store and scoring every site with the fitted models
  cached beside the store, as after ``make run``);
* ``warm``    — a new browser tab on the same server (caches warm): navigate → markers drawn;
* ``filter``  — choose 风险等级 = 重大 in the sidebar → the re-rendered map's legend shows the
  new count (server rerun + map rebuild + iframe redraw);
* ``sent``    — bytes the server sent over the websocket during the warm load (the map
  component's arguments are almost all of it).

Every non-local request is blocked and counted (must be 0). Results are printed as a
Markdown table; pass ``--write`` to replace ``benchmarks/RESULTS_map.md`` (the table it
replaces is kept below the new one as "previous run", for before/after).

Usage::

    .venv/bin/python benchmarks/map_load.py                 # 3000 10000 50000
    .venv/bin/python benchmarks/map_load.py --sizes 3000 --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    folium_frame,
    new_page,
    sign_in,
    start_app,
    stop_app,
    wait_for_app,
)

RESULTS = ROOT / "benchmarks" / "RESULTS_map.md"
TIMEOUT_MS = 900_000


def build_store(n: int, folder: Path) -> Path:
    """Generate and save a store with ``n`` sites (1-year ledger)."""
    from registry.store import SQLiteStore
    from synthdata import generate

    tables = generate(seed=11, n_sites=n, years=1)
    path = folder / f"bench_{n}.db"
    SQLiteStore(path).replace_all({k: v for k, v in tables.items() if k != "truth"})
    return path


def python_build(store: Path) -> tuple[float, float, int]:
    """Seconds to build + render the folium map of all sites, HTML MB, number of sites.

    Scoring here also fits the risk models into the store's model cache (as ``make run``
    does before starting the app), so the *cold* page load below measures a restarted app.
    """
    from layers.folium_map import risk_map
    from registry.store import SQLiteStore
    from risk import join_scores, model_cache, score_sites

    s = SQLiteStore(store)
    sites, insp, haz, assets = s.sites(), s.inspections(), s.hazards(), s.assets()
    as_of = insp["date"].max().date()
    scores = score_sites(
        sites, insp, haz, as_of, assets=assets,
        config={"model_cache_dir": model_cache.beside(store)},
    )
    scored = join_scores(sites, scores)
    t0 = time.perf_counter()
    html = risk_map(scored, assets).get_root().render()
    return time.perf_counter() - t0, len(html.encode()) / 1e6, len(sites)


def _markers_drawn(page) -> None:
    folium_frame(page).locator(".zr-site, .zr-cluster").first.wait_for(timeout=TIMEOUT_MS)


def _open(page, url: str) -> tuple[float, float]:
    """Seconds from navigation to (script finished, first markers drawn in the iframe)."""
    page.ws_bytes = 0
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda data: setattr(page, "ws_bytes", page.ws_bytes + len(data))
        ),
    )
    t0 = time.perf_counter()
    page.goto(url + "/map", timeout=TIMEOUT_MS)
    wait_for_app(page, TIMEOUT_MS)
    if page.get_by_label("用户名", exact=True).count():  # a fresh browser session signs in
        sign_in(page, "pingan")
    ready = time.perf_counter() - t0
    _markers_drawn(page)
    return ready, time.perf_counter() - t0


def _filter_major(page) -> float:
    major = page.locator("[data-testid='stMetric']").filter(has_text="重大风险")
    expected = major.locator("[data-testid='stMetricValue']").inner_text().replace(",", "")
    box = page.locator("[data-testid='stMultiSelect']").filter(has_text="风险等级")
    box.locator("input").click()
    t0 = time.perf_counter()
    page.get_by_role("option", name="重大", exact=True).click()
    page.keyboard.press("Escape")
    legend = folium_frame(page).locator(".zr-legend", has_text=f"共 {expected} 处")
    legend.wait_for(timeout=TIMEOUT_MS)
    _markers_drawn(page)
    return time.perf_counter() - t0


def measure(n: int, folder: Path, browser) -> dict[str, float | int | str]:
    t0 = time.perf_counter()
    store = build_store(n, folder)
    gen_s = time.perf_counter() - t0
    build_s, html_mb, n_sites = python_build(store)
    url, proc = start_app(store, folder)
    try:
        page = new_page(browser, 1600, 1000)
        _, cold = _open(page, url)
        blocked = list(page.blocked_requests)
        page.context.close()
        page = new_page(browser, 1600, 1000)
        warm_ready, warm = _open(page, url)
        sent_mb = page.ws_bytes / 1e6
        filt = _filter_major(page)
        blocked += page.blocked_requests
        page.context.close()
    finally:
        stop_app(proc)
    return {
        "n": n_sites, "generate_s": gen_s, "build_s": build_s, "html_mb": html_mb,
        "cold_s": cold, "warm_ready_s": warm_ready, "warm_s": warm, "filter_s": filt,
        "sent_mb": sent_mb, "blocked": len(blocked),
        "blocked_hosts": ", ".join(sorted({u.split("/")[2] for u in blocked})) or "—",
    }


def table(rows: list[dict]) -> str:
    head = (
        "| sites | map build + render (Python) | map HTML | cold load → markers | "
        "warm load → script done / markers | websocket sent (warm) | filter 重大 → redrawn | "
        "blocked non-local requests |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    body = "".join(
        f"| {r['n']:,} | {r['build_s']:.2f} s | {r['html_mb']:.1f} MB | {r['cold_s']:.1f} s | "
        f"{r['warm_ready_s']:.1f} s / {r['warm_s']:.1f} s | {r['sent_mb']:.1f} MB | "
        f"{r['filter_s']:.1f} s | {r['blocked']} ({r['blocked_hosts']}) |\n"
        for r in rows
    )
    return head + body


def _previous_and_notes(old: str) -> str:
    """From the results file being replaced: its table as "Previous run", and its "## Notes"."""
    if not old:
        return ""
    head, _, notes = old.partition("\n## Notes")
    head = head.split("\n## Previous run")[0]
    lines = head.splitlines()
    measured = next((ln for ln in lines if ln.startswith("Measured ")), "")
    first = next((i for i, ln in enumerate(lines) if ln.startswith("|")), None)
    out = ""
    if first is not None:
        rows = []
        for ln in lines[first:]:
            if not ln.startswith("|"):
                break
            rows.append(ln)
        out += "\n## Previous run (before/after)\n\n" + measured + "\n\n" + "\n".join(rows) + "\n"
    if notes:
        out += "\n## Notes" + notes
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[3000, 10000, 50000])
    ap.add_argument("--write", action="store_true", help="write benchmarks/RESULTS_map.md")
    args = ap.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} missing: run `make e2e-deps`", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for n in args.sizes:
                row = measure(n, Path(tmp), browser)
                rows.append(row)
                print(
                    f"n={row['n']}: generate {row['generate_s']:.0f}s, build {row['build_s']:.2f}s, "
                    f"{row['html_mb']:.1f} MB, cold {row['cold_s']:.1f}s, warm {row['warm_s']:.1f}s, "
                    f"filter {row['filter_s']:.1f}s, blocked {row['blocked']}",
                    flush=True,
                )
        finally:
            browser.close()
    out = table(rows)
    print(out)
    old = RESULTS.read_text() if RESULTS.exists() else ""
    if args.write:
        load = os.getloadavg()
        RESULTS.write_text(
            "# 风险地图 load times (headless Chromium)\n\n"
            f"Command: `.venv/bin/python benchmarks/map_load.py --sizes "
            f"{' '.join(map(str, args.sizes))} --write`\n\n"
            f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {platform.machine()}, "
            f"{os.cpu_count()} cores, load average {load[0]:.1f} (shared machine: other jobs "
            "were running, so these are upper bounds). Chromium "
            f"{CHROMIUM}, viewport 1600x1000, every non-local request blocked.\n\n"
            + out
            + "\nColumns: *cold* = first visit of a freshly started server (imports, reads the "
            "store and scores every site with the fitted models already cached beside the store, "
            "as after `make run`, then draws); *warm* = a new tab on the same server (*script done* = the "
            "page's run has finished, *markers* = the first clusters are drawn in the map "
            "iframe); *websocket sent* = bytes received by the browser over the websocket "
            "during the warm load; *filter* = picking 风险等级 = 重大 in the sidebar until the "
            "redrawn map's legend shows the new count. "
            "Markers are drawn client-side from one shared JSON array (layers.sites_layer.PointLayer; "
            "the sector layers hold only indices into it) inside leaflet.markercluster, so only "
            "the visible clusters/markers become DOM nodes. Above "
            "layers.folium_map.POPUP_LIMIT (6,000) sites the popups are left out (tooltip "
            "+ the card beside the map remain), which is why 10,000 sites cost little more than "
            "3,000. What the page sends for one (store, 评估日期, filters, view) is computed "
            "once and cached (app_pages/map.py).\n"
            + _previous_and_notes(old)
        )
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
