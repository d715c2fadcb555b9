"""Duplicate decisions across documents: verified candidates, deterministic survivors.

Every LSH candidate pair is verified with its exact shingle Jaccard or containment before it
counts (`passes`); containment counts only when the contained text is a fair share of the
other (`containment_min_jaccard`), so a tiny text cannot absorb the articles that quote it.

Rule for the kept article of a cluster (`decide`): documents are ranked by

1. the number of verified duplicate pairs they are in, most first: the version every copy
   agrees with is the article itself; copies that each carry a different site's trailer are
   each similar to the clean article but not to one another;
2. then the number of words of their cleaned text, most first (the most complete text);
3. then the id, so ties are broken the same way on every run.

In that order each document becomes a duplicate of the first kept document it was *verified*
against, or is kept itself. Every duplicate is therefore directly similar to its kept
article, and no chain A~B~C can merge unrelated articles. Documents of earlier batches
(`pinned`, from the signature store) are already published: they come first, are never
decided on, and a new document verified against one is its duplicate. The result depends
only on the set of documents, never on input order or on how many workers computed the
signatures.
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


def verified_pairs(sketches: list[DocSketch], cfg: DedupConfig) -> list[tuple[str, str, float, float]]:
    """Candidate pairs (LSH) whose exact similarity passes a threshold: (a, b, jaccard, containment)."""
    by_id = {s.id: s for s in sketches}
    out = []
    for a, b in candidate_pairs({s.id: s.signature for s in sketches}, cfg.bands, cfg.rows):
        jac, con = similarity(by_id[a].shingles, by_id[b].shingles)
        if passes(jac, con, cfg):
            out.append((a, b, jac, con))
    return out


def passes(jac: float, con: float, cfg: DedupConfig) -> bool:
    """A verified duplicate pair: Jaccard high enough, or the smaller text contained in the
    larger while being a fair share of it (for a contained text, Jaccard is that share).

    >>> from pipeline.config import DedupConfig
    >>> cfg = DedupConfig()
    >>> passes(0.65, 0.7, cfg), passes(0.45, 1.0, cfg), passes(0.05, 1.0, cfg)
    (True, True, False)
    """
    return jac >= cfg.jaccard or (con >= cfg.containment and jac >= cfg.containment_min_jaccard)


def decide(docs: list[tuple[str, int, str]], pairs: list[tuple[str, str, float, float]],
           pinned: frozenset[str] = frozenset()) -> dict[str, Decision]:
    """The survivor rule over (id, words, digest) and verified pairs; pure, so any engine can feed it.

    Only the documents of one connected component of `pairs` influence each other, so callers
    may run this per component (the Spark path does) and get the same decisions. Ids in
    `pinned` are kept articles of earlier batches: ranked first, never given a decision.

    >>> d = decide([("a", 10, "x"), ("b", 12, "y"), ("c", 3, "y")], [("a", "b", 0.7, 0.9)])
    >>> [(k, v.duplicate_of, v.reason) for k, v in sorted(d.items())]
    [('a', 'b', 'near-duplicate'), ('c', 'b', 'exact-duplicate')]
    >>> d = decide([("o", 5, "o"), ("x", 9, "x"), ("y", 8, "y")], [("o", "x", 0.6, 1.0), ("o", "y", 0.6, 1.0)])
    >>> sorted((k, v.duplicate_of) for k, v in d.items())  # o is what both copies agree on
    [('x', 'o'), ('y', 'o')]
    """
    info = {doc_id: (words, dig) for doc_id, words, dig in docs}
    neighbours: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for a, b, jac, con in pairs:
        neighbours[a].append((b, jac, con))
        neighbours[b].append((a, jac, con))
    order = sorted(info, key=lambda i: (i not in pinned, -len(neighbours[i]), -info[i][0], i))
    rank = {doc_id: r for r, doc_id in enumerate(order)}
    by_digest: dict[str, str] = {}
    decisions: dict[str, Decision] = {}
    kept: set[str] = set()
    for doc_id in order:
        dig = info[doc_id][1]
        if doc_id not in pinned and dig in by_digest:
            decisions[doc_id] = Decision(doc_id, by_digest[dig], "exact-duplicate", 1.0, 1.0)
            continue
        best = min((n for n in neighbours[doc_id] if n[0] in kept), key=lambda n: rank[n[0]], default=None)
        if best is None or doc_id in pinned:
            kept.add(doc_id)
            by_digest.setdefault(dig, doc_id)
        else:
            decisions[doc_id] = Decision(doc_id, best[0], "near-duplicate", round(best[1], 4), round(best[2], 4))
    return decisions


def cluster(sketches: list[DocSketch], cfg: DedupConfig, earlier: list[DocSketch] | None = None) -> dict[str, Decision]:
    """Decide which documents are duplicates of which kept document; `earlier` are the kept
    articles of earlier batches (from the signature store), against which new ones are checked."""
    earlier = earlier or []
    own = {s.id for s in sketches}
    earlier = [s for s in earlier if s.id not in own]
    everything = [*earlier, *sketches]
    return decide([(s.id, s.words, s.digest) for s in everything], verified_pairs(everything, cfg),
                  pinned=frozenset(s.id for s in earlier))
