"""Duplicate decisions across documents: verified candidates, deterministic survivors.

Every LSH candidate pair is verified with its exact shingle Jaccard or containment before it
counts (`passes`); containment counts only when the contained text is a fair share of the
other (`containment_min_jaccard`), so a tiny text cannot absorb the articles that quote it.

Rule for the kept article of a cluster (`decide_groups`): documents are ranked by

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

import hashlib
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


@dataclass(frozen=True, slots=True)
class Group:
    """Documents that are interchangeable for the survivor rule: the same words, digest, signature
    and shingle set (so the same verified pairs with everything else), and all pinned or none.
    `self_pair` is their (Jaccard, containment) with one another when that pair is verified."""

    ids: tuple[str, ...]  # sorted
    words: int
    digest: str
    pinned: bool
    self_pair: tuple[float, float] | None = None
    extra_pairs: int = 0  # verified pairs of each member with documents not given to the rule


def decide_groups(groups: list[Group], pairs: list[tuple[int, int, float, float]]) -> dict[str, Decision]:
    """The survivor rule (module docstring) over groups of interchangeable documents and the
    verified pairs between groups (indices into `groups`), in time and memory linear in the
    documents plus the pairs between groups: the pairs inside a group are never listed.

    It gives exactly the per-document rule's decisions. A document's verified pairs count its
    whole neighbour groups plus the rest of its own group, the same for every member, so the
    members of a group are adjacent in rank up to the id. Only the first member of a group (in
    rank order) can be kept: every later one has the same neighbours, hence the same kept
    neighbour as the first (the kept set only grows, by documents ranked after it), or finds the
    first member's digest kept. So the groups are decided in the rank of their first member; a
    later member differs from the first only when another group with the same digest was kept
    between the two (an exact duplicate of that one instead).

    >>> g = [Group(("a", "b", "c"), 4, "x", False, (1.0, 1.0)), Group(("d",), 3, "y", False)]
    >>> sorted((k, v.duplicate_of, v.reason) for k, v in decide_groups(g, [(0, 1, 0.7, 1.0)]).items())
    [('b', 'a', 'exact-duplicate'), ('c', 'a', 'exact-duplicate'), ('d', 'a', 'near-duplicate')]
    >>> one = [Group(("o",), 5, "o", False), Group(("x",), 9, "x", False), Group(("y",), 8, "y", False)]
    >>> d = decide_groups(one, [(0, 1, 0.6, 1.0), (0, 2, 0.6, 1.0)])
    >>> sorted((k, v.duplicate_of) for k, v in d.items())  # o is what both copies agree on
    [('x', 'o'), ('y', 'o')]
    """
    neighbours: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    for a, b, jac, con in pairs:
        neighbours[a].append((b, jac, con))
        neighbours[b].append((a, jac, con))

    degree = [grp.extra_pairs + sum(len(groups[n].ids) for n, _j, _c in neighbours[g])
              + (len(grp.ids) - 1 if grp.self_pair is not None else 0) for g, grp in enumerate(groups)]

    def key(g: int, doc_id: str) -> tuple[bool, int, int, str]:
        return (not groups[g].pinned, -degree[g], -groups[g].words, doc_id)

    first = [key(g, grp.ids[0]) for g, grp in enumerate(groups)]
    order = sorted(range(len(groups)), key=first.__getitem__)
    by_digest: dict[str, tuple[str, tuple[bool, int, int, str]]] = {}  # first kept id, its rank key
    kept: set[int] = set()  # groups whose first member is kept
    decisions: dict[str, Decision] = {}
    near: list[tuple[int, Decision]] = []  # groups whose first member is a near-duplicate
    for g in order:
        grp = groups[g]
        if grp.pinned:
            kept.add(g)
            by_digest.setdefault(grp.digest, (grp.ids[0], first[g]))
            continue
        if grp.digest in by_digest:
            target = by_digest[grp.digest][0]
            decisions.update((i, Decision(i, target, "exact-duplicate", 1.0, 1.0)) for i in grp.ids)
            continue
        best = min((n for n in neighbours[g] if n[0] in kept), key=lambda n: first[n[0]], default=None)
        if best is None:
            kept.add(g)
            by_digest[grp.digest] = (grp.ids[0], first[g])
            decisions.update((i, Decision(i, grp.ids[0], "exact-duplicate", 1.0, 1.0)) for i in grp.ids[1:])
        else:
            near.append((g, Decision("", groups[best[0]].ids[0], "near-duplicate",
                                     round(best[1], 4), round(best[2], 4))))
    for g, d in near:
        grp = groups[g]
        earlier_kept = by_digest.get(grp.digest)
        for i in grp.ids:
            if earlier_kept is not None and earlier_kept[1] < key(g, i):
                decisions[i] = Decision(i, earlier_kept[0], "exact-duplicate", 1.0, 1.0)
            else:
                decisions[i] = Decision(i, d.duplicate_of, d.reason, d.jaccard, d.containment)
    return decisions


def group_sketches(sketches: list[DocSketch], pinned: frozenset[str] = frozenset(),
                   extra: dict[str, int] | None = None) -> list[list[DocSketch]]:
    """Sketches split into groups of identical ones (same digest, words, signature and shingle
    set; pinned or not, with the same `extra` pairs), each sorted by id, in order of first
    appearance. Identical sketches are found by hashing, so n copies of one page cost n hashes,
    not n^2 comparisons."""
    extra = extra or {}
    by_key: dict[tuple[bool, int, str], list[DocSketch]] = {}
    for s in sketches:
        by_key.setdefault((s.id in pinned, extra.get(s.id, 0), identity_key(s)), []).append(s)
    return [sorted(g, key=lambda s: s.id) for g in by_key.values()]


def identity_key(s: DocSketch) -> str:
    """Equal for sketches that are interchangeable for the survivor rule: same digest, words,
    signature and shingle set."""
    h = hashlib.blake2b(np.ascontiguousarray(s.signature, dtype=np.uint64).tobytes(), digest_size=16)
    h.update(np.ascontiguousarray(s.shingles, dtype=np.uint64).tobytes())
    return f"{s.digest}:{s.words}:{h.hexdigest()}"


def self_pair(s: DocSketch, cfg: DedupConfig) -> tuple[float, float] | None:
    """The verified pair of two identical copies of `s`, or None when copies are not paired
    (no LSH bands, or a text whose shingles do not pass against themselves)."""
    if cfg.bands < 1:
        return None
    jac, con = similarity(s.shingles, s.shingles)
    return (jac, con) if passes(jac, con, cfg) else None


def cluster(sketches: list[DocSketch], cfg: DedupConfig, earlier: list[DocSketch] | None = None,
            pinned_degree: dict[str, int] | None = None) -> dict[str, Decision]:
    """Decide which documents are duplicates of which kept document; `earlier` are the kept
    articles of earlier batches (from the signature store), against which new ones are checked.
    `pinned_degree` counts verified pairs of an earlier article with earlier articles left out
    of `earlier` (the store passes only the candidates of this batch; store.candidates).

    Identical documents are grouped first (`group_sketches`); LSH and verification run over one
    representative per group, and `decide_groups` applies the survivor rule to the groups: the
    same decisions as the rule over every document (each its own group) and every verified pair, without listing the
    pairs inside a group (2,000 copies of an error page are 1,999,000 of them)."""
    earlier = earlier or []
    own = {s.id for s in sketches}
    earlier = [s for s in earlier if s.id not in own]
    pinned = frozenset(s.id for s in earlier)
    pinned_degree = pinned_degree or {}
    grouped = group_sketches([*earlier, *sketches], pinned, pinned_degree)
    reps = [g[0] for g in grouped]
    index = {s.id: i for i, s in enumerate(reps)}
    groups = []
    for members in grouped:
        rep = members[0]
        # Identical signatures share every band: copies are a verified pair when they pass.
        pair = self_pair(rep, cfg) if len(members) > 1 else None
        groups.append(Group(tuple(s.id for s in members), rep.words, rep.digest, rep.id in pinned, pair,
                            pinned_degree.get(rep.id, 0)))
    pairs = [(index[a], index[b], jac, con) for a, b, jac, con in verified_pairs(reps, cfg)]
    return decide_groups(groups, pairs)
