"""Duplicate decisions across documents: verified candidates, deterministic survivors.

Rule for the kept article of a cluster: documents are ranked by the number of words in their
cleaned text (most complete first), then by id; each document in that order becomes a
duplicate of the first kept document it was *verified* against, or is kept itself. Every
duplicate is therefore directly similar to its kept article, and no chain A~B~C can merge
unrelated articles. The result depends only on the set of documents, never on input order or
on how many workers computed the signatures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from pipeline.config import DedupConfig
from pipeline.dedup.candidates import candidate_pairs


@dataclass(frozen=True, slots=True)
class DocSketch:
    id: str
    words: int
    digest: str  # of the normalised canonical text: equal digests are exact duplicates
    signature: np.ndarray  # MinHash hash values
    shingles: np.ndarray  # sorted unique 64-bit shingle hashes, for exact verification


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    duplicate_of: str
    reason: str  # "exact-duplicate" or "near-duplicate"
    jaccard: float
    containment: float


def similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact (Jaccard, containment) of two sorted unique hash arrays.

    >>> similarity(np.array([1, 2, 3]), np.array([2, 3, 4, 5]))
    (0.4, 0.6666666666666666)
    """
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    small = min(len(a), len(b))
    return (inter / union if union else 1.0, inter / small if small else 0.0)


def cluster(sketches: list[DocSketch], cfg: DedupConfig) -> dict[str, Decision]:
    """Decide which documents are duplicates of which kept document."""
    by_id = {s.id: s for s in sketches}
    order = sorted(by_id, key=lambda i: (-by_id[i].words, i))
    rank = {doc_id: r for r, doc_id in enumerate(order)}
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in candidate_pairs({s.id: s.signature for s in sketches}, cfg.bands, cfg.rows):
        neighbours[a].append(b)
        neighbours[b].append(a)
    by_digest: dict[str, str] = {}
    decisions: dict[str, Decision] = {}
    kept: set[str] = set()
    for doc_id in order:
        s = by_id[doc_id]
        if s.digest in by_digest:
            decisions[doc_id] = Decision(doc_id, by_digest[s.digest], "exact-duplicate", 1.0, 1.0)
            continue
        best: Decision | None = None
        for other in sorted((n for n in neighbours[doc_id] if n in kept), key=rank.__getitem__):
            jac, con = similarity(s.shingles, by_id[other].shingles)
            if jac >= cfg.jaccard or con >= cfg.containment:
                best = Decision(doc_id, other, "near-duplicate", round(jac, 4), round(con, 4))
                break
        if best is None:
            kept.add(doc_id)
            by_digest[s.digest] = doc_id
        else:
            decisions[doc_id] = best
    return decisions
