"""Looking after a signature store: size, compaction, backup, pruning by age, migration.

    python -m pipeline.dedup.store_admin info DIR
    python -m pipeline.dedup.store_admin vacuum DIR
    python -m pipeline.dedup.store_admin backup DIR DEST_DIR
    python -m pipeline.dedup.store_admin prune DIR --before 2025-01-01
    python -m pipeline.dedup.store_admin migrate DIR

Every command that changes the store holds its lock, so it waits for a batch that is
publishing, and a batch waits for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
from pathlib import Path

import numpy as np

from pipeline.config import load_config
from pipeline.dedup import store
from pipeline.dedup.clusters import DocSketch


def info(root: Path) -> dict[str, object]:
    """Segments, articles and bytes on disk (database, write-ahead log) per stored article."""
    db = root / store.DATABASE
    if not db.exists():
        raise store.StoreError(f"{root}: no signature store here ({store.DATABASE} missing)")
    with sqlite3.connect(db) as con:
        segments = con.execute("SELECT count(*), min(published), max(published) FROM segment").fetchone()
        articles = con.execute("SELECT count(*) FROM article").fetchone()[0]
    size = sum(p.stat().st_size for p in root.glob(store.DATABASE + "*"))
    return {"segments": segments[0], "articles": articles, "bytes": size,
            "bytes_per_article": round(size / articles, 1) if articles else None,
            "oldest": _day(segments[1]), "newest": _day(segments[2])}


def _day(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def vacuum(root: Path) -> None:
    """Rebuild the database without free pages (after pruning or many re-runs)."""
    with store._locked(root), sqlite3.connect(root / store.DATABASE, isolation_level=None) as con:
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def backup(root: Path, dest: Path) -> None:
    """A consistent copy made with SQLite's online backup API: batches may keep reading."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / store.DATABASE
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    with store._locked(root):
        src = sqlite3.connect(root / store.DATABASE)
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
        finally:
            out.close()
            src.close()
    os.replace(tmp, target)


def prune(root: Path, before: dt.datetime) -> int:
    """Drop the segments published before `before`; returns how many. Later batches re-run
    after this see less history (their run key changes), earlier results are not rewritten."""
    with store._locked(root), sqlite3.connect(root / store.DATABASE, isolation_level=None) as con:
        con.execute("BEGIN IMMEDIATE")
        seqs = [s for (s,) in con.execute("SELECT seq FROM segment WHERE published < ?", (before.timestamp(),))]
        for seq in seqs:
            store._drop_segment(con, seq)
        con.execute("COMMIT")
    return len(seqs)


def migrate(root: Path) -> int:
    """Convert a format-1 store (store.json + .npz segments) into store.sqlite, batches in their
    order (numbered 1, 2, ... again, so a re-run of an old batch re-clusters once, to the same
    result); the old files are moved to `format1/`. Returns the number of batches."""
    manifest_path = root / store.LEGACY_MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    cfg = load_config().dedup
    if (root / store.DATABASE).exists():
        raise store.StoreError(f"{root}: {store.DATABASE} exists already; move it away to migrate again")
    segments = sorted(manifest.get("segments", []), key=lambda s: s["seq"])
    old = root / "format1"
    old.mkdir(exist_ok=True)
    os.replace(manifest_path, old / store.LEGACY_MANIFEST)
    for seg in segments:
        os.replace(root / seg["file"], old / seg["file"])
    try:
        from pipeline.dedup.signatures import MINHASH_SCHEME

        want = store.store_scheme(cfg)
        have = {**manifest.get("scheme", {}), "bands": cfg.bands, "rows": cfg.rows}
        if have != want:
            raise store.StoreError(f"{root}: the old store was made with other settings ({have}); cannot migrate")
        for seg in segments:
            with np.load(old / seg["file"]) as z:
                a = dict(z)
            from datasketch import LeanMinHash

            off, kept = a["offsets"], []
            for i in range(len(a["ids"])):
                lean = LeanMinHash.deserialize(a["minhash"][i].tobytes(), "<")
                if lean.scheme != MINHASH_SCHEME:
                    raise store.StoreError(f"{old / seg['file']}: signature scheme {lean.scheme!r}")
                kept.append(DocSketch(str(a["ids"][i]), int(a["words"][i]), str(a["digests"][i]),
                                      np.asarray(lean.hashvalues, dtype=np.uint64), a["shingles"][off[i]:off[i + 1]]))
            store.publish(root, seg["batch"], kept, cfg, published=(old / seg["file"]).stat().st_mtime)
    except BaseException:
        (root / store.DATABASE).unlink(missing_ok=True)
        os.replace(old / store.LEGACY_MANIFEST, manifest_path)
        for seg in segments:
            os.replace(old / seg["file"], root / seg["file"])
        raise
    return len(segments)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.dedup.store_admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("info", "vacuum", "migrate"):
        sub.add_parser(name).add_argument("store", type=Path)
    b = sub.add_parser("backup")
    b.add_argument("store", type=Path)
    b.add_argument("dest", type=Path)
    p = sub.add_parser("prune")
    p.add_argument("store", type=Path)
    p.add_argument("--before", required=True, type=dt.datetime.fromisoformat,
                   help="drop batches published before this date (ISO, UTC unless a zone is given)")
    args = parser.parse_args(argv)
    try:
        if args.command == "info":
            print(json.dumps(info(args.store), indent=1))
        elif args.command == "vacuum":
            vacuum(args.store)
        elif args.command == "backup":
            backup(args.store, args.dest)
        elif args.command == "prune":
            before = args.before if args.before.tzinfo else args.before.replace(tzinfo=dt.UTC)
            print(f"dropped {prune(args.store, before)} batches; `vacuum` returns the space")
        elif args.command == "migrate":
            print(f"converted {migrate(args.store)} batches into {args.store / store.DATABASE}")
    except (store.StoreError, OSError, sqlite3.DatabaseError) as exc:
        print(f"newsclean: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
