"""MinHash signatures (datasketch) with a fast non-cryptographic hash."""

from __future__ import annotations

from collections.abc import Iterable

import xxhash
from datasketch import LeanMinHash, MinHash

# datasketch's default SHA-1 is most of its cost; xxh32 has the 32-bit output MinHash expects.
HASH_SCHEME = "xxh32-utf8"


def _hash(b: bytes) -> int:
    return xxhash.xxh32_intdigest(b)


def minhash(shingle_set: Iterable[str], num_perm: int, seed: int = 1) -> LeanMinHash:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=_hash)
    m.update_batch([s.encode("utf-8") for s in shingle_set])
    return LeanMinHash(m)


def minhashes(sets: list[set[str]], num_perm: int, seed: int = 1) -> list[LeanMinHash]:
    """Signatures of many shingle sets at once (datasketch's vectorised bulk path)."""
    batches = [[s.encode("utf-8") for s in ss] for ss in sets]
    ms = MinHash.bulk(batches, num_perm=num_perm, seed=seed, hashfunc=_hash)
    return [LeanMinHash(m) for m in ms]
