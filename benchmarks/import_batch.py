"""Append/update imports at scale: time and memory of preview + apply on 200k-row files.

On a private build of the sample store (3,000 units, ``registry.store.build_store``) this runs,
each phase measured for wall time and peak resident memory of this process (RSS sampled every
20 ms, minus the RSS before the phase):

A. a unit file of N new units (GBK CSV, Chinese headers; half with a 统一社会信用代码): read,
   preview, apply;
B. the same N rows with 10% changed (人员数): read, preview (N·10% 更新, the rest 不变), apply;
C. undo of batch B (restores N·10% units);
D. a 第三方 report of N rows (one hazard per unit imported in A, matched by code or by
   name+address): read, preview, apply;
E. a unit file of N new units whose last row has a bad 纬度: preview (1 rejected), apply
   refused, store unchanged (hash of the SQL dump);
F. undo of batch A after D: refused (its units have inspections since), store unchanged.

Usage: ``python benchmarks/import_batch.py [--rows 200000] [--write]`` (``--write`` refreshes
benchmarks/RESULTS_import.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent


class Peak:
    """Peak RSS of this process while the block runs (sampled every 20 ms)."""

    def __enter__(self) -> Peak:
        self.proc = psutil.Process()
        self.start = self.peak = self.proc.memory_info().rss
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        self.t0 = time.perf_counter()
        return self

    def _watch(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def units_file(n: int, seed: int, changed: float = 0.0, bad_last: bool = False) -> pd.DataFrame:
    from registry import uscc
    from registry.sectors import SECTORS

    rng = np.random.default_rng(seed)
    k = np.arange(n)
    codes = [uscc.make(f"91310107{i:09d}") if i % 2 == 0 else "" for i in k]
    occupants = (k % 50 + 1).astype(int)
    if changed:
        occupants = np.where(k % round(1 / changed) == 0, occupants + 1000, occupants)
    df = pd.DataFrame({
        "单位名称": [f"导入测试单位{i}" for i in k],
        "统一社会信用代码": codes,
        "地址": [f"真如路{i}号" for i in k],
        "经度": np.round(rng.uniform(121.380, 121.405, n), 6).astype(str),
        "纬度": np.round(rng.uniform(31.245, 31.265, n), 6).astype(str),
        "类别": rng.choice(list(SECTORS), n),
        "人员数": occupants.astype(str),
    })  # fmt: skip
    if bad_last:
        df.loc[n - 1, "纬度"] = "91"
    return df


def third_party_file(units: pd.DataFrame) -> pd.DataFrame:
    n = len(units)
    return pd.DataFrame({
        "单位名称": units["单位名称"], "地址": units["地址"], "统一社会信用代码": units["统一社会信用代码"],
        "检查日期": "2024-06-03", "隐患部位": "配电箱", "隐患描述": "线路老化、私拉乱接",
        "隐患等级": np.where(np.arange(n) % 20 == 0, "重大", "一般"), "整改措施": "更换线路",
        "整改期限": "7天", "检查机构": "某安全咨询公司",
    })  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from registry import batch_import as bi
    from registry.audit import SYSTEM_USER
    from registry.importer import read_table
    from registry.store import SQLiteStore, build_store
    from registry.validate import RegistryValidationError
    from tests.registry.hostile_cases import store_hash

    n = args.rows
    lines: list[tuple[str, float, float, str]] = []

    def phase(name: str, fn: Callable[[], Any], note: Callable[[Any], str]) -> Any:
        with Peak() as p:
            out = fn()
        text = note(out)
        lines.append((name, p.wall, (p.peak - p.start) / 2**20, text))
        print(f"{name}: {p.wall:.1f} s, +{(p.peak - p.start) / 2**20:.0f} MiB  {text}", flush=True)
        return out

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_store(folder / "bench.db").close()  # the 3,000-unit sample, privately
        path = folder / "bench.db"
        store = SQLiteStore(path)
        a_file, b_file = folder / "a.csv", folder / "b.csv"
        units = units_file(n, 1)
        units.to_csv(a_file, index=False, encoding="gbk")
        units_file(n, 1, changed=0.1).to_csv(b_file, index=False, encoding="gbk")
        tp_file = folder / "tp.csv"
        third_party_file(units).to_csv(tp_file, index=False, encoding="gbk")
        e_file = folder / "e.csv"
        bad = units_file(n, 2, bad_last=True)
        bad["单位名称"] = "另一批" + bad["单位名称"]
        bad["统一社会信用代码"] = ""
        bad.to_csv(e_file, index=False, encoding="gbk")

        def run_preview(f: Path, kind: str) -> bi.ImportPreview:
            return bi.preview(read_table(f), kind, store.tables(), source_name=f.name)

        def counts(p: bi.ImportPreview) -> str:
            return "，".join(f"{k} {v}" for k, v in p.counts().items())

        pa = phase(
            f"A 预览 {n} 个新单位（读 GBK CSV + 比对）",
            lambda: run_preview(a_file, "sites"),
            counts,
        )
        batch_a = phase("A 写入（一个事务，含审计、批次）", lambda: store.apply_import(pa, user=SYSTEM_USER),
                        lambda b: f"批次 {b}，单位共 {store.counts()['sites']} 个")  # fmt: skip
        pb = phase(f"B 预览 {n} 行（10% 改人员数）", lambda: run_preview(b_file, "sites"), counts)
        batch_b = phase("B 写入", lambda: store.apply_import(pb, user=SYSTEM_USER),
                        lambda b: f"批次 {b}，更新 {len(pb.updates)} 个单位")  # fmt: skip
        phase("C 撤销批次 B", lambda: store.undo_import(batch_b, user=SYSTEM_USER),
              lambda d: f"恢复 {d['restored']} 个单位")  # fmt: skip
        pd_ = phase(f"D 预览第三方报告 {n} 行", lambda: run_preview(tp_file, "third-party"), counts)
        phase("D 写入", lambda: store.apply_import(pd_, user=SYSTEM_USER),
              lambda b: f"批次 {b}，检查 {len(pd_.inserts['inspections'])} 次、隐患 {len(pd_.inserts['hazards'])} 条")  # fmt: skip
        before = store_hash(path)
        pe = phase(f"E 预览 {n} 行（最后一行纬度错误）", lambda: run_preview(e_file, "sites"),
                   lambda p: counts(p) + "；" + "、".join(f"第{r}行 {c}: {m}" for r, c, m in p.rejected.values))  # fmt: skip

        def refuse(fn: Callable[[], Any]) -> str:
            try:
                fn()
            except RegistryValidationError as err:
                return err.errors[0][:60]
            return "未拒绝（错误）"

        phase("E 写入（拒绝）", lambda: refuse(lambda: store.apply_import(pe, user=SYSTEM_USER)),
              lambda m: f"{m}；库未变: {store_hash(path) == before}")  # fmt: skip
        phase("F 撤销批次 A（其单位已有第三方检查，拒绝）",
              lambda: refuse(lambda: store.undo_import(batch_a, user=SYSTEM_USER)),
              lambda m: f"{m}；库未变: {store_hash(path) == before}")  # fmt: skip
        size = (
            path.stat().st_size + Path(f"{path}-wal").stat().st_size
            if Path(f"{path}-wal").exists()
            else path.stat().st_size
        )
        store.close()

    table = ["| 阶段 | 用时 (s) | 峰值内存增量 (MiB) | 结果 |", "|---|---:|---:|---|"]
    table += [f"| {a} | {w:.1f} | {m:.0f} | {t} |" for a, w, m, t in lines]
    text = "\n".join([
        "# Append/update imports at scale (`benchmarks/import_batch.py`)",
        "",
        f"{dt.date.today()}, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, {psutil.cpu_count()} cores (shared), rows per file: {n:,}.",
        "Start: a private build of the 3,000-unit sample store. Memory = peak RSS of the process during the",
        "phase minus RSS before it (sampled every 20 ms). Store file after the run: "
        f"{size / 2**20:.0f} MiB.",
        "",
        *table,
        "",
        "Reproduce: `.venv/bin/python benchmarks/import_batch.py --rows 200000 --write`.",
        "",
    ])  # fmt: skip
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "RESULTS_import.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
