"""Concurrent writers on one SQLite store: failures, lost or duplicated rows, latency.

``W`` writer processes each record ``N`` inspections (one 一般 hazard each) and move that
hazard to 整改中, while ``R`` reader processes keep reading the hazards table, all on one
copy of the sample store (3,000 units, three years of ledger). Afterwards every written
inspection must be in the store exactly once and no id may repeat.

``--code DIR`` runs the same load against the ``registry`` package of another checkout (for
example ``git worktree add /tmp/before <commit>``), so the store before and after a change is
measured side by side in one run.

Usage::

    python benchmarks/concurrent_writers.py [--writers 20] [--per-writer 50] [--readers 2]
        [--code /tmp/before] [--out benchmarks/RESULTS_concurrency.md]
"""

from __future__ import annotations

import argparse
import inspect
import multiprocessing as mp
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HAZARD = {
    "level": "一般", "hazard_type": "消防", "part": "疏散通道", "description": "堆放杂物",
    "responsible_unit": "压测单位", "measures": "清理", "deadline": "2026-12-31",
}  # fmt: skip


def _writer(code: str, path: str, worker: int, n: int, sites: list[str], out) -> None:
    sys.path.insert(0, code)
    from registry.store import SQLiteStore

    store = SQLiteStore(path)
    kw_ok = "user" in inspect.signature(store.add_inspection).parameters
    lat, errors, ids = [], [], []
    for k in range(n):
        ins = {"site_id": sites[(worker * n + k) % len(sites)], "date": "2026-11-30",
               "type": "日常", "team": f"压测{worker}组"}  # fmt: skip
        extra = {"user": f"w{worker}", "request_id": f"{worker}-{k}"} if kw_ok else {}
        t0 = time.perf_counter()
        try:
            iid, hids = store.add_inspection(ins, [HAZARD], **extra)
            store.update_hazard(hids[0], status="整改中", **({"user": f"w{worker}"} if kw_ok else {}))
            ids.append(iid)
        except Exception as err:  # noqa: BLE001 - a benchmark counts every failure by kind
            errors.append(f"{type(err).__name__}: {str(err)[:80]}")
        lat.append(time.perf_counter() - t0)
    store.close()
    out.put(("w", ids, lat, errors))


def _reader(code: str, path: str, stop, out) -> None:
    sys.path.insert(0, code)
    from registry.store import SQLiteStore

    store = SQLiteStore(path)
    reads, errors, lat = 0, [], []
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            store.hazards()
            reads += 1
        except Exception as err:  # noqa: BLE001 - a benchmark counts every failure by kind
            errors.append(type(err).__name__)
        lat.append(time.perf_counter() - t0)
    store.close()
    out.put(("r", reads, lat, errors))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")


def run(code: Path, sample: Path, writers: int, per_writer: int, readers: int) -> dict:
    """One load on a fresh copy of ``sample`` with the registry package found in ``code``."""
    import sqlite3

    work = Path(tempfile.mkdtemp()) / "load.db"
    shutil.copy(sample, work)
    con = sqlite3.connect(work)
    sites = [r[0] for r in con.execute("SELECT site_id FROM sites ORDER BY site_id")]
    before = con.execute("SELECT count(*) FROM inspections").fetchone()[0]
    con.close()
    ctx = mp.get_context("spawn")
    out, stop = ctx.Queue(), ctx.Event()
    wprocs = [
        ctx.Process(target=_writer, args=(str(code), str(work), w, per_writer, sites, out))
        for w in range(writers)
    ]
    rprocs = [ctx.Process(target=_reader, args=(str(code), str(work), stop, out)) for _ in range(readers)]
    t0 = time.perf_counter()
    for p in rprocs + wprocs:
        p.start()
    w_res = [out.get() for _ in wprocs]
    wall = time.perf_counter() - t0
    stop.set()
    r_res = [out.get() for _ in rprocs]
    for p in rprocs + wprocs:
        p.join()
    ids = [i for r in w_res for i in r[1]]
    lat = [x for r in w_res for x in r[2]]
    errors = [e for r in w_res for e in r[3]]
    con = sqlite3.connect(work)
    after = con.execute("SELECT count(*) FROM inspections").fetchone()[0]
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    shutil.rmtree(work.parent)
    return {
        "attempted": writers * per_writer,
        "failed": len(errors),
        "kinds": sorted({e.split(":")[0] for e in errors}),
        "example": errors[0] if errors else "",
        "duplicate_ids": len(ids) - len(set(ids)),
        "lost": len(ids) - (after - before),
        "p50": statistics.median(lat),
        "p95": _p95(lat),
        "throughput": len(ids) / wall,
        "wall": wall,
        "reads": sum(r[1] for r in r_res),
        "read_errors": sum(len(r[3]) for r in r_res),
        "read_p95": _p95([x for r in r_res for x in r[2]]),
        "integrity": integrity,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=int, default=20)
    ap.add_argument("--per-writer", type=int, default=50)
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--store", type=Path, default=ROOT / "data" / "generated" / "zhenru.db")
    ap.add_argument("--code", type=Path, action="append", default=[],
                    help="another checkout to measure side by side (repeatable)")  # fmt: skip
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    rows = []
    for label, code in [("this checkout", ROOT)] + [(str(c), c) for c in args.code]:
        print(f"-- {label}", flush=True)
        r = run(code.resolve(), args.store, args.writers, args.per_writer, args.readers)
        print(r, flush=True)
        rows.append((label, r))
    lines = [
        f"{args.writers} writer processes x {args.per_writer} inspections (each with a hazard, "
        f"then the hazard moved to 整改中) while {args.readers} reader processes read the "
        "hazards table throughout, on a copy of the sample store (3,000 units, 41,577 "
        "inspections). A write = the inspection and the hazard update; p50/p95 per write.",
        "",
        "| code | writes | failed | failure kinds | duplicate ids | lost | p50 write s | "
        "p95 write s | writes/s | wall s | reads | read errors | p95 read s | integrity |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {r['attempted']} | {r['failed']} | {', '.join(r['kinds']) or '-'} | "
            f"{r['duplicate_ids']} | {r['lost']} | {r['p50']:.3f} | {r['p95']:.3f} | "
            f"{r['throughput']:.1f} | {r['wall']:.0f} | {r['reads']} | {r['read_errors']} | {r['read_p95']:.3f} | "
            f"{r['integrity']} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(
            "# Concurrent writers on the SQLite store\n\n"
            "Produced by `python benchmarks/concurrent_writers.py --code <older checkout> --out "
            "benchmarks/RESULTS_concurrency.md` (2 cores; both rows in one run).\n\n" + text + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
