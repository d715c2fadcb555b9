"""Per-document sketches for cross-document duplicate detection (phase one, per shard)."""

from __future__ import annotations

import hashlib

import numpy as np
import xxhash

from pipeline.config import DedupConfig
from pipeline.dedup.clusters import DocSketch
from pipeline.dedup.shingles import shingles, words
from pipeline.dedup.signatures import minhashes
from pipeline.models import KEPT, Doc


def shingle_hashes(shingle_set: set[str]) -> np.ndarray:
    """Sorted unique 64-bit hashes of shingles: exact set comparison at a fraction of the memory."""
    return np.unique(np.fromiter((xxhash.xxh64_intdigest(s.encode("utf-8")) for s in shingle_set),
                                 dtype=np.uint64, count=len(shingle_set)))


def text_digest(text: str) -> str:
    """Digest of the normalised canonical text: case, punctuation and spacing do not count.

    >>> text_digest("Hello, World!") == text_digest("hello world")
    True
    """
    return hashlib.sha256(" ".join(words(text)).encode("utf-8")).hexdigest()


def sketch_docs(docs: list[Doc], cfg: DedupConfig) -> list[DocSketch]:
    kept = [d for d in docs if d.status == KEPT]
    texts = [d.text() for d in kept]
    sets = [shingles(t, cfg.shingle_words) for t in texts]
    sigs = minhashes(sets, cfg.num_perm, cfg.seed)
    return [DocSketch(d.id, len(words(t)), text_digest(t), np.asarray(sig.hashvalues, dtype=np.uint64),
                      shingle_hashes(s))
            for d, t, s, sig in zip(kept, texts, sets, sigs, strict=True)]


def sketches_to_arrays(sketches: list[DocSketch]) -> dict[str, np.ndarray]:
    n = len(sketches)
    lengths = np.array([len(s.shingles) for s in sketches], dtype=np.int64)
    return {
        "ids": np.array([s.id for s in sketches], dtype=str),
        "words": np.array([s.words for s in sketches], dtype=np.int64),
        "digests": np.array([s.digest for s in sketches], dtype=str),
        "signatures": (np.stack([s.signature for s in sketches]) if n
                       else np.zeros((0, 0), dtype=np.uint64)),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "shingles": (np.concatenate([s.shingles for s in sketches]) if n
                     else np.zeros(0, dtype=np.uint64)),
    }


def arrays_to_sketches(a: dict[str, np.ndarray]) -> list[DocSketch]:
    off = a["offsets"]
    return [DocSketch(str(a["ids"][i]), int(a["words"][i]), str(a["digests"][i]), a["signatures"][i],
                      a["shingles"][off[i] : off[i + 1]])
            for i in range(len(a["ids"]))]
