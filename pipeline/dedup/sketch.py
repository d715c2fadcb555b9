"""Per-document sketches for cross-document duplicate detection (phase one, per shard)."""

from __future__ import annotations

import hashlib

import numpy as np

from pipeline.config import DedupConfig
from pipeline.dedup.clusters import DocSketch
from pipeline.dedup.shingles import shingle_hashes, sorted_unique, word_hashes, words
from pipeline.dedup.signatures import signature_matrix
from pipeline.models import KEPT, Doc


def text_digest(text: str) -> str:
    """Digest of the normalised canonical text: case, punctuation and spacing do not count.

    >>> text_digest("Hello, World!") == text_digest("hello world")
    True
    """
    return _digest(words(text))


def _digest(ws: list[str]) -> str:
    return hashlib.sha256(" ".join(ws).encode("utf-8")).hexdigest()


def shingle_set(ws: list[str], k: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of a text's word k-shingles: its shingle set for exact
    comparison, at a fraction of the memory of the strings, and the MinHash input."""
    return sorted_unique(shingle_hashes(word_hashes(ws), k))


def sketch_docs(docs: list[Doc], cfg: DedupConfig) -> list[DocSketch]:
    """Sketches of the kept documents: each text is tokenised once, each word hashed once, and
    the signatures of the whole shard are computed in one pass (signatures.signature_matrix)."""
    kept = [d for d in docs if d.status == KEPT]
    toks = [words(d.text()) for d in kept]
    sets = [shingle_set(ws, cfg.shingle_words) for ws in toks]
    sigs = signature_matrix(sets, cfg.num_perm, cfg.seed).astype(np.uint64)
    return [DocSketch(d.id, len(ws), _digest(ws), sig, s)
            for d, ws, s, sig in zip(kept, toks, sets, sigs, strict=True)]


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
