"""Per-document sketches for cross-document duplicate detection (phase one, per shard)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from pipeline.config import DedupConfig
from pipeline.dedup.clusters import DocSketch
from pipeline.dedup.repeats import Tokens
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


def shingle_set(ws: list[str], k: int, wh: np.ndarray | None = None) -> np.ndarray:
    """Sorted unique 64-bit hashes of a text's word k-shingles: its shingle set for exact
    comparison, at a fraction of the memory of the strings, and the MinHash input. `wh` are
    the words' hashes (shingles.word_hashes(ws)) when the caller has them."""
    return sorted_unique(shingle_hashes(word_hashes(ws) if wh is None else wh, k))


@dataclass(frozen=True, slots=True)
class Part:
    """What a document's sketch needs besides its signature, which is computed for a whole
    shard at once (`finish`): id, word count, text digest and shingle set."""

    id: str
    words: int
    digest: str
    shingles: np.ndarray


def sketch_part(doc_id: str, ws: list[str], cfg: DedupConfig, wh: np.ndarray | None = None) -> Part:
    """One document's `Part` from the words of its canonical text (`words(doc.text())`) and,
    when the caller has them, those words' hashes."""
    return Part(doc_id, len(ws), _digest(ws), shingle_set(ws, cfg.shingle_words, wh))


def sketch_tokens(doc_id: str, tokens: Tokens, cfg: DedupConfig) -> Part:
    """`sketch_part` from the paragraph words the repeats stage read (repeats.Tokens): the
    canonical text joins the paragraphs with blank lines and no word spans a line break, so
    its words are the paragraphs' words in order (tests/dedup/test_sketch.py checks this)."""
    return sketch_part(doc_id, [w for t in tokens.words for w in t], cfg, tokens.hashes)


def finish(parts: list[Part], cfg: DedupConfig) -> list[DocSketch]:
    """Sketches of a shard's documents: all signatures in one pass (signatures.signature_matrix)."""
    sigs = signature_matrix([p.shingles for p in parts], cfg.num_perm, cfg.seed).astype(np.uint64)
    return [DocSketch(p.id, p.words, p.digest, sig, p.shingles) for p, sig in zip(parts, sigs, strict=True)]


def sketch_docs(docs: list[Doc], cfg: DedupConfig) -> list[DocSketch]:
    """Sketches of the kept documents: each text is tokenised once, each word hashed once, and
    the signatures of the whole shard are computed in one pass (signatures.signature_matrix)."""
    return finish(kept_parts(docs, cfg), cfg)


def kept_parts(docs: list[Doc], cfg: DedupConfig) -> list[Part]:
    """The `Part` of each kept document, from the words of its canonical text."""
    return [sketch_part(d.id, words(d.text()), cfg) for d in docs if d.status == KEPT]


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
