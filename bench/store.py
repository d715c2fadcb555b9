"""`python -m bench.store`: the signature store at scale (`make bench-store`).

Grows one store to each history size in turn with generated articles (random MinHash
signatures and shingle sets of real-article size, published as batches of `--chunk`), and after
each size runs the real pipeline on the same deterministic 10,000-article bench corpus as a new
batch with `--index`. Prints one row per real batch: history size, wall time, clustering time
(the dedup task, from run.json), peak memory of the process tree, store size and bytes per
stored article. The per-document stages of the new batches are reused from a first run
(hard links to its `.work/`), so each batch re-runs only the clustering and the corpus writer,
the parts that read the store.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus import DEFAULT_SEED, build
from bench.measure import run_measured
from pipeline.config import load_config
from pipeline.dedup import store

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000


def fill(root: Path, start: int, stop: int, chunk: int, seed: int, shingles: tuple[int, int]) -> float:
    """Add generated articles start..stop-1 as batches of `chunk`; returns seconds.

    Written in bulk with the store's own encoders and tables (`band_key_matrix`,
    `pack_shingles`), without `publish`'s search for verified pairs: random signatures and
    shingle sets have none. `shingles` bounds the size of each article's shingle set (300-900
    is a 3-6 KB article; smaller sets fill faster and leave a batch's lookups unchanged, since
    only candidates' shingles are ever read)."""
    cfg = load_config().dedup
    t0 = time.perf_counter()
    with store._locked(root), store._open(root, cfg, create=True) as con:
        assert con is not None
        for lo in range(start, stop, chunk):
            hi = min(stop, lo + chunk)
            rng = np.random.default_rng([seed, lo])
            sigs = rng.integers(0, 2**32, size=(hi - lo, cfg.num_perm), dtype=np.uint64)
            sizes = rng.integers(shingles[0], shingles[1] + 1, size=hi - lo)
            # Sorted unique random hashes per article in one pass: cumulative sums of random gaps
            # (at most 2^64 / size each, so an article's sum cannot wrap).
            high = np.array([2**64 // int(n) for n in sizes], dtype=np.uint64)
            gaps = rng.integers(1, np.repeat(high, sizes), dtype=np.uint64)
            bounds = np.concatenate(([0], np.cumsum(sizes)))
            values = np.cumsum(gaps, dtype=np.uint64)
            values -= np.repeat(np.concatenate(([np.uint64(0)], values[bounds[1:-1] - 1])), sizes)
            con.execute("BEGIN IMMEDIATE")
            seq = 1 + (con.execute("SELECT max(seq) FROM segment").fetchone()[0] or 0)
            first = 1 + (con.execute("SELECT max(id) FROM article").fetchone()[0] or 0)
            con.execute("INSERT INTO segment VALUES (?, ?, ?, ?, ?)",
                        (seq, f"/history/{lo:09d}", hi - lo, "", time.time()))
            con.executemany("INSERT INTO article VALUES (?, ?, ?, ?, ?, ?, ?)", (
                (first + i, seq, f"a{lo + i:08d}", int(sizes[i]), int(lo + i).to_bytes(32, "big"),
                 np.asarray(sigs[i], dtype="<u4").tobytes(), store.pack_shingles(values[bounds[i]:bounds[i + 1]]))
                for i in range(hi - lo)))
            keys = store.band_key_matrix(sigs, cfg.bands, cfg.rows).ravel()
            ids = np.repeat(np.arange(first, first + hi - lo, dtype=np.int64), cfg.bands)
            order = np.argsort(keys, kind="stable")
            con.executemany("INSERT OR IGNORE INTO band VALUES (?, ?)",
                            zip(keys[order].tolist(), ids[order].tolist(), strict=True))
            con.execute("COMMIT")
    return time.perf_counter() - t0


def store_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.glob(store.DATABASE + "*"))


def stored_articles(root: Path) -> int:
    import sqlite3

    with sqlite3.connect(root / store.DATABASE) as con:
        return con.execute("SELECT count(*) FROM article").fetchone()[0]


def _drop(root: Path, batch: str) -> None:
    import sqlite3

    with store._locked(root), sqlite3.connect(root / store.DATABASE, isolation_level=None) as con:
        con.execute("BEGIN IMMEDIATE")
        for (seq,) in con.execute("SELECT seq FROM segment WHERE batch = ?", (batch,)).fetchall():
            store._drop_segment(con, seq)
        con.execute("COMMIT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", default="0,100000,1000000",
                        help="stored-article counts at which a real batch is run (ascending)")
    parser.add_argument("--batch", type=int, default=10_000, help="documents in each real batch")
    parser.add_argument("--chunk", type=int, default=50_000, help="generated articles per history batch")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench-store")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--forget", action=argparse.BooleanOptionalAction, default=True,
                        help="drop each real batch from the store after measuring it, so every batch meets "
                             "the generated history alone (--no-forget: later batches find the earlier "
                             "ones' articles as copies, every document a duplicate)")
    parser.add_argument("--shingles", default="300,900",
                        help="shingle-set size range of the generated articles (300,900: 3-6 KB articles)")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.history.split(",")]
    out: Path = args.out
    corpus = out.parent / "bench" / f"corpus-{args.batch}"
    build(corpus, args.batch, ROOT, args.seed)  # reused when already built
    prime = out / "prime"
    if not (prime / "manifest.json").exists():
        print(f"first run of the {args.batch:,}-document batch (per-document stages, no store)", flush=True)
        subprocess.run([sys.executable, "-m", "pipeline", "run", "--input", str(corpus), "--output", str(prime),
                        "--workers", str(args.workers)], check=True, cwd=ROOT)
    root = out / "store"
    shutil.rmtree(root, ignore_errors=True)
    for d in out.glob("batch-*"):
        shutil.rmtree(d)
    rows: list[dict[str, Any]] = []
    generated = 0
    print("| stored before | fill s | wall s | clustering s | peak MB | store MB | bytes/article |")
    print("|---|---|---|---|---|---|---|")
    for i, size in enumerate(sizes):
        real = stored_articles(root) - generated if (root / store.DATABASE).exists() else 0
        target = max(size - real, generated)
        lo_hi = [int(x) for x in args.shingles.split(",")]
        fill_s = 0.0
        if target > generated:
            fill_s = fill(root, generated, target, args.chunk, args.seed, (lo_hi[0], lo_hi[1]))
        generated = target
        before = stored_articles(root) if (root / store.DATABASE).exists() else 0
        batch = out / f"batch-{i}"
        batch.mkdir(parents=True)
        # Hard links: the pipeline replaces files by renaming, never writes into them.
        subprocess.run(["cp", "-al", str(prime / ".work"), str(batch / ".work")], check=True)
        m = run_measured([sys.executable, "-m", "pipeline", "run", "--input", str(corpus), "--output", str(batch),
                          "--workers", str(args.workers), "--index", str(root)], cwd=ROOT)
        if m.returncode != 0:
            print(m.stderr[-3000:], file=sys.stderr)
            return 1
        run = json.loads((batch / "run.json").read_text())
        size_b = store_bytes(root)
        after = stored_articles(root)
        row = {"stored_before": before, "fill_s": round(fill_s, 1), "wall_s": round(m.seconds, 1),
               "clustering_s": run["seconds_per_stage"].get("dedup"), "peak_mb": round(m.peak_tree_rss / MB),
               "store_mb": round(size_b / MB), "bytes_per_article": round(size_b / after), "stored_after": after}
        rows.append(row)
        if args.forget:  # the next batch sees the generated history only, not this batch's copies
            _drop(root, str(batch.resolve()))
        print(f"| {before:,} | {row['fill_s']} | {row['wall_s']} | {row['clustering_s']:.2f} | {row['peak_mb']} "
              f"| {row['store_mb']:,} | {row['bytes_per_article']:,} |", flush=True)
    (out / "results.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
