"""Signature store: the kept articles of earlier batches, indexed on disk by LSH band key.

A store is a folder holding one SQLite database (the standard library's, no server):

    store.sqlite   meta     format and the signature scheme
                   segment  one row per batch (output folder): sequence number, article count,
                            content digest, time published
                   article  one row per kept article: segment, id, word count, text digest,
                            MinHash signature (uint32), shingle hashes (compressed, exact)
                   band     (band key, article): one row per article and LSH band
                   pair     verified duplicate pairs between stored articles (normally none)

A batch looks up only its own band keys and reads the signatures and shingle hashes of the
stored articles that share one (its candidates); nothing else is read, so the work and memory
of a batch do not grow with history.

Each batch owns one segment, numbered in the order batches were first published. A batch sees
only the segments published *before* its own (all of them when it has none yet), so re-running
a batch never finds its own articles as "earlier" ones, and re-running an old batch is not
affected by newer batches. Publishing holds a lock file and replaces the batch's rows in one
SQLite transaction, so readers see the old segment or the new one, never a mix.

Same decisions as clustering against every visible article in memory: the survivor rule ranks
stored articles by how many verified pairs they are in, which counts pairs with stored articles
that are no candidate of the batch. A batch's kept articles have no verified pair with what it
saw (they would be duplicates), so such pairs appear only when an old batch is re-run with new
text; `publish` records them in `pair` and `candidates` adds them to the stored articles'
counts (`pinned_degree`).

The signature scheme (datasketch major version, MinHash permutation scheme, hash function,
number of permutations, seed, shingle size) is recorded in `meta`. datasketch 2.0 changed the
default permutation scheme, so a store written under other settings is refused with a message
instead of silently comparing incomparable signatures.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import DedupConfig
from pipeline.dedup.clusters import DocSketch, passes, similarity
from pipeline.dedup.shingles import SHINGLE_HASH
from pipeline.dedup.signatures import scheme
from pipeline.io import digest

FORMAT = 2
DATABASE = "store.sqlite"
LEGACY_MANIFEST = "store.json"  # format 1: store.json and one .npz file per segment
# Ids of earlier batches' articles are qualified with their batch, so that a new batch's
# "world/abc" and an earlier batch's "world/abc" stay two documents.
SEP = "#"
_MIX = np.uint64(0x9E3779B97F4A7C15)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS segment (
    seq INTEGER PRIMARY KEY, batch TEXT NOT NULL UNIQUE, count INTEGER NOT NULL,
    digest TEXT NOT NULL, published REAL NOT NULL);
CREATE TABLE IF NOT EXISTS article (
    id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, words INTEGER NOT NULL,
    digest BLOB NOT NULL, signature BLOB NOT NULL, shingles BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS article_seq ON article (seq);
CREATE TABLE IF NOT EXISTS band (key INTEGER NOT NULL, article INTEGER NOT NULL,
    PRIMARY KEY (key, article)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pair (a INTEGER NOT NULL, b INTEGER NOT NULL,
    PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pair_b ON pair (b);
"""


class StoreError(Exception):
    """The store cannot be used as it is; the message says why and what to do."""


def store_scheme(cfg: DedupConfig) -> dict[str, Any]:
    """What must match for stored signatures to be comparable with new ones.

    The datasketch major version is part of it (2.0 changed the default permutation scheme);
    minor versions keep the permutations.
    """
    s = scheme(cfg.num_perm, cfg.seed)
    s["datasketch"] = str(s["datasketch"]).split(".")[0]
    return {**s, "shingle_words": cfg.shingle_words, "shingle_hash": SHINGLE_HASH,
            "tokens": "nfkc-casefold-word", "bands": cfg.bands, "rows": cfg.rows}


# --- encoding of one article's columns -------------------------------------------------------

def band_key_matrix(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One signed 64-bit key per (document, band): a hash of the band number and its rows.

    Two documents sharing a band always share its key; a key shared by accident (a hash
    collision) only makes a stored article a candidate, which `clusters.cluster` then checks
    against the exact signatures, so it cannot change a decision.

    >>> m = band_key_matrix(np.arange(16, dtype=np.uint64).reshape(2, 8), 2, 4)
    >>> m.shape, m.dtype, len(set(m.ravel().tolist()))
    ((2, 2), dtype('int64'), 4)
    """
    sig = np.asarray(signatures, dtype=np.uint64).reshape(len(signatures), -1)
    out = np.empty((len(sig), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for b in range(bands):
            key = np.full(len(sig), np.uint64(b + 1) * _MIX, dtype=np.uint64)
            for col in sig[:, b * rows : (b + 1) * rows].T:
                key = (key ^ col) * _MIX
                key ^= key >> np.uint64(29)
            out[:, b] = key
    return out.view(np.int64)


def pack_shingles(shingles: np.ndarray) -> bytes:
    """Sorted unique 64-bit shingle hashes, exactly, in fewer bytes: the gaps between
    consecutive hashes, byte planes apart (their high bytes are mostly zero), deflated.

    >>> h = np.array([3, 10, 2**63 + 5], dtype=np.uint64)
    >>> unpack_shingles(pack_shingles(h)).tolist() == h.tolist()
    True
    """
    h = np.asarray(shingles, dtype=np.uint64)
    gaps = np.diff(h, prepend=np.uint64(0)) if len(h) else h
    planes = gaps.astype("<u8").view(np.uint8).reshape(-1, 8).T
    return zlib.compress(np.ascontiguousarray(planes).tobytes(), 1)  # 6 and 9 save ~1%, cost 50% more


def unpack_shingles(blob: bytes) -> np.ndarray:
    raw = np.frombuffer(zlib.decompress(blob), dtype=np.uint8)
    gaps = np.ascontiguousarray(raw.reshape(8, -1).T).view("<u8").ravel()
    return np.cumsum(gaps, dtype=np.uint64)


def _signature_blob(signature: np.ndarray) -> bytes:
    return np.asarray(signature, dtype="<u4").tobytes()  # MinHash values are 32-bit (affine32)


def _signature(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4").astype(np.uint64)


# --- opening, checking ---------------------------------------------------------------------

def _connect(root: Path) -> sqlite3.Connection:
    con = sqlite3.connect(root / DATABASE, timeout=600, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")  # readers go on while a batch publishes
    con.execute("PRAGMA synchronous=FULL")
    return con


@contextmanager
def _open(root: Path, cfg: DedupConfig | None, create: bool = False) -> Iterator[sqlite3.Connection | None]:
    """The store's database (checked against `cfg`), or None when there is no store yet."""
    if (root / LEGACY_MANIFEST).exists():
        raise StoreError(
            f"{root}: this signature store has the format of an earlier newsclean version (store.json "
            f"and .npz segments); convert it once with `python -m pipeline.dedup.store_admin migrate {root}` "
            "(it keeps the old files as a backup) or use a new store folder")
    if not create and not (root / DATABASE).exists():
        yield None
        return
    if create:
        root.mkdir(parents=True, exist_ok=True)
    try:
        with closing(_connect(root)) as con:
            if create:
                con.executescript(_SCHEMA)
            if cfg is not None:
                _check(root, con, cfg, create)
            yield con
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{root / DATABASE}: cannot use the signature store ({exc}); restore it from a "
                         "backup or use a new store folder") from None


def _check(root: Path, con: sqlite3.Connection, cfg: DedupConfig, create: bool) -> None:
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    want = store_scheme(cfg)
    if not meta and create:
        con.executemany("INSERT INTO meta VALUES (?, ?)",
                        [("format", str(FORMAT)), ("scheme", json.dumps(want, sort_keys=True))])
        return
    if meta.get("format") != str(FORMAT):
        raise StoreError(f"{root}: signature store format {meta.get('format')!r}, this version "
                         f"reads {FORMAT}; use a new store folder")
    have = json.loads(meta.get("scheme", "{}"))
    if have != want:
        diff = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
        raise StoreError(
            f"{root}: the stored signatures were made with other settings ({', '.join(diff)}: "
            f"stored {[have.get(k) for k in diff]}, now {[want.get(k) for k in diff]}); they cannot "
            "be compared. Use a new store folder, or the settings the store was built with")


def _segments(con: sqlite3.Connection) -> list[tuple[int, str, str]]:
    return con.execute("SELECT seq, batch, digest FROM segment ORDER BY seq").fetchall()


def _visible(con: sqlite3.Connection, batch: str) -> list[tuple[int, str, str]]:
    segments = _segments(con)
    own = next((seq for seq, b, _d in segments if b == batch), None)
    return [s for s in segments if own is None or s[0] < own]


def fingerprint(root: Path, batch: str, cfg: DedupConfig) -> str:
    """Digest of what a batch would read from the store: part of its run key."""
    with _open(root, cfg) as con:
        visible = [] if con is None else _visible(con, batch)
    return digest([list(s) for s in visible])


def has_batch(root: Path, batch: str) -> bool:
    with _open(root, None) as con:
        return con is not None and con.execute("SELECT 1 FROM segment WHERE batch = ?", (batch,)).fetchone() is not None


# --- reading -------------------------------------------------------------------------------

def _lookup(con: sqlite3.Connection, keys: np.ndarray, seqs: list[int] | None, exclude: int | None = None) -> list[int]:
    """Rowids of the articles (in `seqs`, or any but `exclude`) that share a band key."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS q (key INTEGER PRIMARY KEY) WITHOUT ROWID")
    con.execute("DELETE FROM q")
    con.executemany("INSERT OR IGNORE INTO q VALUES (?)", ((k,) for k in np.unique(keys).tolist()))
    # CROSS JOIN fixes the loop order: the batch's keys outside, one index search each (left
    # to itself, the planner may scan the whole band table instead).
    rows = con.execute("SELECT a.id, a.seq FROM (SELECT DISTINCT b.article AS id FROM q CROSS JOIN band b "
                       "ON b.key = q.key) x CROSS JOIN article a ON a.id = x.id").fetchall()
    allowed = None if seqs is None else set(seqs)
    return sorted(i for i, seq in rows if (allowed is None or seq in allowed) and seq != exclude)


def _read(con: sqlite3.Connection, rowids: list[int]) -> list[tuple[int, DocSketch]]:
    con.execute("CREATE TEMP TABLE IF NOT EXISTS r (id INTEGER PRIMARY KEY)")
    con.execute("DELETE FROM r")
    con.executemany("INSERT INTO r VALUES (?)", ((i,) for i in rowids))
    out = []
    for rowid, batch, name, words, dig, sig, sh in con.execute(
            "SELECT a.id, s.batch, a.name, a.words, a.digest, a.signature, a.shingles FROM r "
            "JOIN article a ON a.id = r.id JOIN segment s ON s.seq = a.seq ORDER BY a.seq, a.id"):
        out.append((rowid, DocSketch(f"{batch}{SEP}{name}", words, bytes(dig).hex(), _signature(sig),
                                     unpack_shingles(sh))))
    return out


Seen = frozenset[tuple[int, str, str]]  # (seq, batch, digest) of the segments a lookup searched


def candidates(root: Path, batch: str, sketches: list[DocSketch],
               cfg: DedupConfig) -> tuple[list[DocSketch], dict[str, int]]:
    """`lookup` without the segments it searched."""
    earlier, degree, _seen = lookup(root, batch, sketches, cfg)
    return earlier, degree


def lookup(root: Path, batch: str, sketches: list[DocSketch],
           cfg: DedupConfig) -> tuple[list[DocSketch], dict[str, int], Seen]:
    """The stored articles visible to `batch` that share an LSH band with one of `sketches`
    (ids qualified with their batch), and for each the number of verified pairs it is in with
    visible stored articles that are not among them (`clusters.cluster`'s `pinned_degree`).
    `clusters.cluster(sketches, cfg, *candidates(...))` decides exactly as clustering against
    every visible stored article would. The third value names the segments searched: the
    batch's kept articles have no verified pair with them, so `publish(..., searched=...)`
    need not search them again."""
    with _open(root, cfg) as con:
        if con is None or not sketches:
            return [], {}, frozenset()
        con.execute("BEGIN")  # one snapshot for every query below
        try:
            return _candidates(con, batch, sketches, cfg)
        finally:
            con.execute("COMMIT")


def _candidates(con: sqlite3.Connection, batch: str, sketches: list[DocSketch],
                cfg: DedupConfig) -> tuple[list[DocSketch], dict[str, int], Seen]:
    segments = _visible(con, batch)
    visible = [seq for seq, _b, _d in segments]
    if not visible:
        return [], {}, frozenset()
    sigs = np.stack([np.asarray(s.signature, dtype=np.uint64) for s in sketches])
    rowids = _lookup(con, band_key_matrix(np.unique(sigs, axis=0), cfg.bands, cfg.rows), visible)
    found = _read(con, rowids)
    degree: dict[str, int] = {}
    if con.execute("SELECT 1 FROM pair LIMIT 1").fetchone():
        chosen, allowed = {r for r, _s in found}, set(visible)
        for rowid, s in found:
            others = con.execute("SELECT a.seq, p.b FROM pair p JOIN article a ON a.id = p.b WHERE p.a = ? "
                                 "UNION ALL SELECT a.seq, p.a FROM pair p JOIN article a ON a.id = p.a "
                                 "WHERE p.b = ?", (rowid, rowid)).fetchall()
            n = sum(1 for seq, other in others if seq in allowed and other not in chosen)
            if n:
                degree[s.id] = n
    return [s for _r, s in found], degree, frozenset(segments)


def load(root: Path, batch: str, cfg: DedupConfig) -> list[DocSketch]:
    """Every stored article visible to `batch` (ids qualified): what a batch compared against
    before the store had an index; for tests and inspection, not for runs."""
    with _open(root, cfg) as con:
        if con is None:
            return []
        visible = [seq for seq, _b, _d in _visible(con, batch)]
        rowids = [i for seq in visible for (i,) in con.execute("SELECT id FROM article WHERE seq = ?", (seq,))]
        return [s for _r, s in _read(con, sorted(rowids))]


# --- writing -------------------------------------------------------------------------------

@contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def publish(root: Path, batch: str, kept: list[DocSketch], cfg: DedupConfig, published: float | None = None,
            searched: Seen = frozenset()) -> None:
    """Record (or replace) a batch's kept articles; its sequence number stays the same.
    `searched`: segments the kept articles were clustered against (`lookup`), which hold no
    verified pair with them; every other segment is searched for pairs (module docstring)."""
    kept = sorted(kept, key=lambda s: s.id)
    seg_digest = digest([s.id for s in kept] + [s.digest for s in kept])
    keys = band_key_matrix(np.stack([np.asarray(s.signature, dtype=np.uint64) for s in kept]), cfg.bands, cfg.rows) \
        if kept else np.zeros((0, cfg.bands), dtype=np.int64)
    rows = [(s.id, s.words, bytes.fromhex(s.digest), _signature_blob(s.signature),
             pack_shingles(s.shingles)) for s in kept]
    with _locked(root), _open(root, cfg, create=True) as con:
        assert con is not None
        con.execute("BEGIN IMMEDIATE")
        try:
            own = con.execute("SELECT seq FROM segment WHERE batch = ?", (batch,)).fetchone()
            seq = own[0] if own else 1 + (con.execute("SELECT max(seq) FROM segment").fetchone()[0] or 0)
            _drop_segment(con, seq)
            con.execute("INSERT INTO segment VALUES (?, ?, ?, ?, ?)",
                        (seq, batch, len(kept), seg_digest, time.time() if published is None else published))
            first = 1 + (con.execute("SELECT max(id) FROM article").fetchone()[0] or 0)
            con.executemany("INSERT INTO article VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(first + i, seq, *row) for i, row in enumerate(rows)])
            ids = np.repeat(np.arange(first, first + len(kept), dtype=np.int64), cfg.bands)
            flat = keys.ravel()
            order = np.lexsort((ids, flat))  # in key order: B-tree appends, not scattered inserts
            con.executemany("INSERT OR IGNORE INTO band VALUES (?, ?)",
                            zip(flat[order].tolist(), ids[order].tolist(), strict=True))
            others = [s for s, b, d in _segments(con) if s != seq and (s, b, d) not in searched]
            _record_pairs(con, others, kept, keys, first, cfg)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _drop_segment(con: sqlite3.Connection, seq: int) -> None:
    """Remove a segment and its rows. Band rows are found by their keys, recomputed from the
    stored signatures (the band index is keyed by band key; a search by article would scan it)."""
    rows = con.execute("SELECT id, signature FROM article WHERE seq = ?", (seq,)).fetchall()
    if rows:
        meta = json.loads(con.execute("SELECT value FROM meta WHERE key = 'scheme'").fetchone()[0])
        keys = band_key_matrix(np.stack([_signature(sig) for _i, sig in rows]), meta["bands"], meta["rows"])
        con.executemany("DELETE FROM band WHERE key = ? AND article = ?",
                        ((k, rowid) for (rowid, _s), ks in zip(rows, keys.tolist(), strict=True) for k in ks))
        ids = [(rowid,) for rowid, _s in rows]
        con.executemany("DELETE FROM pair WHERE a = ?", ids)
        con.executemany("DELETE FROM pair WHERE b = ?", ids)
        con.execute("DELETE FROM article WHERE seq = ?", (seq,))
    con.execute("DELETE FROM segment WHERE seq = ?", (seq,))


def _record_pairs(con: sqlite3.Connection, seqs: list[int], kept: list[DocSketch], keys: np.ndarray,
                  first: int, cfg: DedupConfig) -> None:
    """Verified pairs between the new segment's articles and every other segment's (see the
    module docstring): only an old batch re-run with new text has any."""
    others = _read(con, _lookup(con, keys, seqs)) if kept and seqs else []
    if not others:
        return
    other_keys = band_key_matrix(np.stack([s.signature for _r, s in others]), cfg.bands, cfg.rows)
    where: dict[tuple[int, int], list[int]] = {}
    for j, b in zip(*np.nonzero(np.isin(other_keys, keys)), strict=True):
        where.setdefault((int(b), int(other_keys[j, b])), []).append(int(j))
    found = set()
    for i, b in zip(*np.nonzero(np.isin(keys, other_keys)), strict=True):
        band = slice(b * cfg.rows, (b + 1) * cfg.rows)
        for j in where.get((int(b), int(keys[i, b])), []):
            rowid, other = others[j]
            if (first + i, rowid) in found or not np.array_equal(kept[i].signature[band], other.signature[band]):
                continue
            if passes(*similarity(kept[i].shingles, other.shingles), cfg):
                found.add((first + int(i), rowid))
    con.executemany("INSERT OR IGNORE INTO pair VALUES (?, ?)", sorted((min(p), max(p)) for p in found))
