"""Candidate pairs from LSH banding of MinHash signatures; candidates are not yet duplicates."""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def band_keys(hashvalues: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One bucket key per band: the band's rows as bytes, prefixed by the band number."""
    hv = np.asarray(hashvalues, dtype=np.uint64)
    return [i.to_bytes(2, "big") + hv[i * rows : (i + 1) * rows].tobytes() for i in range(bands)]


def candidate_pairs(signatures: dict[str, np.ndarray], bands: int, rows: int) -> list[tuple[str, str]]:
    """All pairs of ids that share at least one band bucket, sorted, each once (a < b).

    Buckets are found per band by sorting the band's rows of all signatures at once (numpy)
    rather than by a dictionary with one key per document and band: at 100,000 documents
    and 32 bands the dictionary was most of the clustering step's time, with nothing else
    to do for the other core. `_candidate_pairs_by_dict` is the direct form (and the
    fallback for signatures of unequal length); tests/dedup compare the two.

    >>> sig = np.arange(8, dtype=np.uint64)
    >>> candidate_pairs({"b": sig, "a": sig, "c": sig + 100}, bands=2, rows=4)
    [('a', 'b')]
    """
    ids = sorted(signatures)
    if len(ids) < 2:
        return []
    sigs = [np.asarray(signatures[i], dtype=np.uint64) for i in ids]
    width = len(sigs[0])
    if any(len(s) != width for s in sigs) or bands * rows > width or rows < 1:
        return _candidate_pairs_by_dict(signatures, bands, rows)
    matrix = np.stack(sigs)
    n = len(ids)
    found: list[np.ndarray] = []  # pairs (i, j), i < j, encoded as i * n + j
    for b in range(bands):
        band = matrix[:, b * rows : (b + 1) * rows]
        # Same bucket <=> equal band rows. Sorting by a 64-bit hash of the row brings every
        # bucket together; each run of equal hashes is then checked row by row, so a hash
        # collision can never pair documents (it only sends that run the slow way).
        key = np.zeros(n, dtype=np.uint64)
        for col in band.T:
            key = (key ^ col) * _MIX
            key ^= key >> np.uint64(29)
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        same = ordered[1:] == ordered[:-1]
        if not same.any():
            continue
        starts = np.flatnonzero(np.concatenate(([True], ~same)))
        sizes = np.diff(np.append(starts, n))
        shared = sizes >= 2
        starts, sizes = starts[shared], sizes[shared]
        members = order[np.repeat(starts, sizes) + _ranges(sizes)]
        heads = np.repeat(order[starts], sizes)
        whole = (band[members] == band[heads]).all(axis=1)
        run_ok = np.logical_and.reduceat(whole, np.concatenate(([0], np.cumsum(sizes)[:-1])))
        # Most buckets that pair anything pair two documents: those in one array operation.
        pair = (sizes == 2) & run_ok
        first = np.concatenate(([0], np.cumsum(sizes)[:-1]))[pair]
        a, c = members[first], members[first + 1]
        found.append(np.minimum(a, c) * n + np.maximum(a, c))
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        for lo, size, ok in zip(offsets[~pair].tolist(), sizes[~pair].tolist(), run_ok[~pair].tolist(), strict=True):
            run = np.sort(members[lo : lo + size])
            for g in [run] if ok else _split_by_row(band, run):
                x, y = np.triu_indices(len(g), k=1)
                found.append(g[x] * n + g[y])
    if not found:
        return []
    # Indices follow sorted ids, so sorting index pairs sorts the id pairs.
    return [(ids[k // n], ids[k % n]) for k in np.unique(np.concatenate(found)).tolist()]


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _ranges(sizes: np.ndarray) -> np.ndarray:
    """0..size-1 for each size, concatenated.

    >>> _ranges(np.array([2, 3])).tolist()
    [0, 1, 0, 1, 2]
    """
    ends = np.cumsum(sizes)
    return np.arange(int(ends[-1])) - np.repeat(ends - sizes, sizes)


def _split_by_row(band: np.ndarray, run: np.ndarray) -> list[np.ndarray]:
    """Documents of `run` (ascending) grouped by equal band rows (after a hash collision)."""
    groups: dict[bytes, list[int]] = defaultdict(list)
    for i in run.tolist():
        groups[band[i].tobytes()].append(i)
    return [np.asarray(g, dtype=np.int64) for g in groups.values() if len(g) >= 2]


def _candidate_pairs_by_dict(signatures: dict[str, np.ndarray], bands: int, rows: int) -> list[tuple[str, str]]:
    """`candidate_pairs` with one dictionary bucket per band key (band_keys).

    >>> sig = np.arange(8, dtype=np.uint64)
    >>> _candidate_pairs_by_dict({"b": sig, "a": sig, "c": sig + 100}, bands=2, rows=4)
    [('a', 'b')]
    """
    buckets: dict[bytes, list[str]] = defaultdict(list)
    for doc_id in sorted(signatures):
        for key in band_keys(signatures[doc_id], bands, rows):
            buckets[key].append(doc_id)
    pairs: set[tuple[str, str]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    return sorted(pairs)
