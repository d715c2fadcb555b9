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

    >>> sig = np.arange(8, dtype=np.uint64)
    >>> candidate_pairs({"b": sig, "a": sig, "c": sig + 100}, bands=2, rows=4)
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
