"""The corpus-level clustering cut into steps a distributed engine can run: pure, no Spark import.

The Spark job (pipeline/spark_tasks.py) maps these functions over RDDs; `partitioned_cluster`
runs the very same steps in one process, so the dataflow can be checked without a cluster.
The steps:

1. band entries: each document emits one (band key, id) per LSH band;
2. buckets: ids grouped by key give candidate pairs;
3. verification: each candidate pair's exact shingle similarity, kept when it passes;
4. components: verified pairs (plus documents with equal text digests) are joined into
   connected components; every decision depends only on documents in the same component;
5. decisions: `clusters.decide_groups`, the one survivor rule, applied per component.

Before step 1, identical documents (same digest, words, signature and shingles) are grouped,
as in-process (`clusters.group_sketches`): steps 1-4 see one representative per group, the
first id, so 2,000 copies of an error page cost 2,000 hashes instead of two million candidate
pairs in every band. Because step 5 is the in-process rule itself, the result is identical to
`clusters.cluster`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pipeline.config import DedupConfig
from pipeline.dedup.candidates import band_keys
from pipeline.dedup.clusters import (
    Decision,
    DocSketch,
    Group,
    decide_groups,
    identity_key,
    passes,
    self_pair,
    similarity,
)

Pair = tuple[str, str, float, float]
# A group of identical documents as step 5 needs it: (ids, sorted; words; digest; self pair).
GroupInfo = tuple[tuple[str, ...], int, str, "tuple[float, float] | None"]


def band_entries(sketch: DocSketch, bands: int, rows: int) -> list[tuple[bytes, str]]:
    """(bucket key, id) for every band of a document's signature."""
    return [(key, sketch.id) for key in band_keys(sketch.signature, bands, rows)]


def bucket_pairs(members: Iterable[str]) -> list[tuple[str, str]]:
    """Every pair of ids sharing a bucket, each as (smaller, larger).

    >>> bucket_pairs(["c", "a", "b", "a"])
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    ids = sorted(set(members))
    return [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids))]


def verify(a: DocSketch, b: DocSketch, cfg: DedupConfig) -> Pair | None:
    """The pair with its exact (Jaccard, containment), or None when it is not a duplicate pair."""
    jac, con = similarity(a.shingles, b.shingles)
    return (a.id, b.id, jac, con) if passes(jac, con, cfg) else None


def digest_links(ids: Iterable[str]) -> list[tuple[str, str]]:
    """Links that put documents with the same text digest into one component (a star on the first).

    >>> digest_links(["b", "a", "c"])
    [('a', 'b'), ('a', 'c')]
    """
    ordered = sorted(ids)
    return [(ordered[0], other) for other in ordered[1:]]


def components(links: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of an undirected graph given by its links, each sorted, sorted by first id.

    >>> components([("b", "c"), ("a", "b"), ("x", "y")])
    [['a', 'b', 'c'], ['x', 'y']]
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving keeps chains short
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for x in parent:
        groups[find(x)].append(x)
    return sorted(sorted(g) for g in groups.values())


def decide_component(groups: list[GroupInfo], pairs: list[Pair]) -> list[Decision]:
    """The survivor rule over one component of groups of identical documents (`pairs` between
    the groups' first ids), as a list sorted by id (what a Spark task returns)."""
    index = {ids[0]: n for n, (ids, _w, _d, _s) in enumerate(groups)}
    decisions = decide_groups([Group(ids, words, digest, False, pair) for ids, words, digest, pair in groups],
                              [(index[a], index[b], jac, con) for a, b, jac, con in pairs])
    return [decisions[k] for k in sorted(decisions)]


def with_copies(comps: list[list[str]], multi: Iterable[str]) -> list[list[str]]:
    """The components, plus one of its own for each representative of several identical
    documents that no link reached (its copies are still duplicates of it).

    >>> with_copies([["a", "b"]], ["b", "c"])
    [['a', 'b'], ['c']]
    """
    seen = {i for comp in comps for i in comp}
    return sorted(comps + [[r] for r in multi if r not in seen])


def partitioned_cluster(sketches: list[DocSketch], cfg: DedupConfig) -> dict[str, Decision]:
    """The grouping and steps 1-5 in one process, mirroring the Spark job's dataflow."""
    by_id = {s.id: s for s in sketches}
    same: dict[str, list[str]] = defaultdict(list)
    for s in sketches:
        same[identity_key(s)].append(s.id)
    members = {ids[0]: tuple(ids) for ids in map(sorted, same.values())}
    reps = [by_id[r] for r in sorted(members)]
    buckets: dict[bytes, list[str]] = defaultdict(list)
    for s in reps:
        for key, doc_id in band_entries(s, cfg.bands, cfg.rows):
            buckets[key].append(doc_id)
    candidates = {p for ids in buckets.values() for p in bucket_pairs(ids)}
    verified = [v for a, b in sorted(candidates) if (v := verify(by_id[a], by_id[b], cfg)) is not None]
    by_digest: dict[str, list[str]] = defaultdict(list)
    for s in reps:
        by_digest[s.digest].append(s.id)
    links = [(a, b) for a, b, _j, _c in verified]
    links += [link for ids in by_digest.values() for link in digest_links(ids)]
    out: dict[str, Decision] = {}
    for comp in with_copies(components(links), [r for r, ids in members.items() if len(ids) > 1]):
        inside = set(comp)
        groups = [(members[r], by_id[r].words, by_id[r].digest,
                   self_pair(by_id[r], cfg) if len(members[r]) > 1 else None) for r in comp]
        out.update((d.id, d) for d in decide_component(groups, [p for p in verified if p[0] in inside]))
    return out
