"""Signature store: the kept articles of earlier batches, so a new batch finds copies of them.

A store is a folder:

    store.json          format, the signature scheme, and the list of segments
    seg-00001.npz       one segment per batch (output folder): ids, words, text digests,
                        LeanMinHash bytes (datasketch's own serialisation, little-endian)
                        and the sorted 64-bit shingle hashes used for exact verification

Each batch owns one segment, keyed by its output folder, and numbered in the order batches
were first published. A batch sees only the segments published *before* its own (all of them
when it has none yet), so re-running a batch never finds its own articles as "earlier" ones,
and re-running an old batch is not affected by newer batches. Writing is serialised by a lock
file and every file is replaced atomically.

The signature scheme (datasketch version, MinHash permutation scheme, hash function, number of
permutations, seed, shingle size) is recorded in store.json. datasketch 2.0 changed the default
permutation scheme, so a store written under other settings is refused with a message instead
of silently comparing incomparable signatures.
"""

from __future__ import annotations

import fcntl
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import LeanMinHash

from pipeline.config import DedupConfig
from pipeline.dedup.clusters import DocSketch
from pipeline.dedup.shingles import SHINGLE_HASH
from pipeline.dedup.signatures import MINHASH_SCHEME, scheme
from pipeline.io import atomic_write, digest

FORMAT = 1
MANIFEST = "store.json"
# Ids of earlier batches' articles are qualified with their batch, so that a new batch's
# "world/abc" and an earlier batch's "world/abc" stay two documents.
SEP = "#"


class StoreError(Exception):
    """The store cannot be used as it is; the message says why and what to do."""


def store_scheme(cfg: DedupConfig) -> dict[str, Any]:
    """What must match for stored signatures to be comparable with new ones.

    The datasketch major version is part of it (2.0 changed the default permutation scheme);
    minor versions keep the serialisation and the permutations.
    """
    s = scheme(cfg.num_perm, cfg.seed)
    s["datasketch"] = str(s["datasketch"]).split(".")[0]
    return {**s, "shingle_words": cfg.shingle_words, "shingle_hash": SHINGLE_HASH,
            "tokens": "nfkc-casefold-word"}


def _read_manifest(root: Path) -> dict[str, Any] | None:
    try:
        return json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{root / MANIFEST}: cannot read the signature store ({exc})") from None


def _check(root: Path, manifest: dict[str, Any], cfg: DedupConfig) -> None:
    if manifest.get("format") != FORMAT:
        raise StoreError(f"{root}: signature store format {manifest.get('format')!r}, this version "
                         f"reads {FORMAT}; use a new store folder")
    want, have = store_scheme(cfg), manifest.get("scheme", {})
    if have != want:
        diff = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
        raise StoreError(
            f"{root}: the stored signatures were made with other settings ({', '.join(diff)}: "
            f"stored {[have.get(k) for k in diff]}, now {[want.get(k) for k in diff]}); they cannot "
            "be compared. Use a new store folder, or the settings the store was built with")


def visible_segments(root: Path, batch: str, cfg: DedupConfig) -> list[dict[str, Any]]:
    """The segments a batch compares against: those published before its own."""
    manifest = _read_manifest(root)
    if manifest is None:
        return []
    _check(root, manifest, cfg)
    segments = sorted(manifest.get("segments", []), key=lambda s: s["seq"])
    own = next((s["seq"] for s in segments if s["batch"] == batch), None)
    return [s for s in segments if own is None or s["seq"] < own]


def fingerprint(root: Path, batch: str, cfg: DedupConfig) -> str:
    """Digest of what a batch would read from the store: part of its run key."""
    return digest([[s["seq"], s["batch"], s["digest"]] for s in visible_segments(root, batch, cfg)])


def has_batch(root: Path, batch: str) -> bool:
    manifest = _read_manifest(root) or {}
    return any(s["batch"] == batch for s in manifest.get("segments", []))


def load(root: Path, batch: str, cfg: DedupConfig) -> list[DocSketch]:
    """Sketches of the kept articles of every segment visible to `batch`, ids qualified."""
    out: list[DocSketch] = []
    for seg in visible_segments(root, batch, cfg):
        path = root / seg["file"]
        try:
            with np.load(path) as z:
                out.extend(arrays_to_sketches(dict(z), seg["batch"]))
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"{path}: cannot read this store segment ({exc}); restore it or use a new store") from None
    return out


def sketches_to_arrays(sketches: list[DocSketch], seed: int) -> dict[str, np.ndarray]:
    """Columns of a segment; signatures as LeanMinHash bytes (datasketch's serialisation)."""
    sigs = []
    for s in sketches:
        lean = LeanMinHash(seed=seed, hashvalues=np.asarray(s.signature, dtype=np.uint64), scheme=MINHASH_SCHEME)
        buf = bytearray(lean.bytesize("<"))
        lean.serialize(buf, "<")
        sigs.append(np.frombuffer(bytes(buf), dtype=np.uint8))
    lengths = np.array([len(s.shingles) for s in sketches], dtype=np.int64)
    return {
        "ids": np.array([s.id for s in sketches], dtype=str),
        "words": np.array([s.words for s in sketches], dtype=np.int64),
        "digests": np.array([s.digest for s in sketches], dtype=str),
        "minhash": np.stack(sigs) if sigs else np.zeros((0, 0), dtype=np.uint8),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "shingles": (np.concatenate([s.shingles for s in sketches]) if sketches
                     else np.zeros(0, dtype=np.uint64)),
    }


def arrays_to_sketches(a: dict[str, np.ndarray], batch: str) -> list[DocSketch]:
    off = a["offsets"]
    out = []
    for i in range(len(a["ids"])):
        lean = LeanMinHash.deserialize(a["minhash"][i].tobytes(), "<")
        if lean.scheme != MINHASH_SCHEME:
            raise ValueError(f"signature scheme {lean.scheme!r}, expected {MINHASH_SCHEME!r}")
        out.append(DocSketch(f"{batch}{SEP}{a['ids'][i]}", int(a["words"][i]), str(a["digests"][i]),
                             np.asarray(lean.hashvalues, dtype=np.uint64), a["shingles"][off[i]:off[i + 1]]))
    return out


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def publish(root: Path, batch: str, kept: list[DocSketch], cfg: DedupConfig) -> None:
    """Record (or replace) a batch's kept articles; its sequence number stays the same."""
    kept = sorted(kept, key=lambda s: s.id)
    buf = io.BytesIO()
    np.savez(buf, **sketches_to_arrays(kept, cfg.seed))
    data = buf.getvalue()
    with _locked(root):
        manifest = _read_manifest(root) or {"format": FORMAT, "scheme": store_scheme(cfg), "segments": []}
        _check(root, manifest, cfg)
        segments = manifest["segments"]
        own = next((s for s in segments if s["batch"] == batch), None)
        seq = own["seq"] if own else 1 + max((s["seq"] for s in segments), default=0)
        name = f"seg-{seq:05d}.npz"
        atomic_write(root / name, data)
        entry = {"seq": seq, "batch": batch, "file": name, "count": len(kept),
                 "digest": digest([s.id for s in kept] + [s.digest for s in kept])}
        manifest["segments"] = sorted([s for s in segments if s["batch"] != batch] + [entry],
                                      key=lambda s: s["seq"])
        atomic_write(root / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
