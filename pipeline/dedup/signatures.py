"""MinHash signatures (datasketch) with a fast non-cryptographic hash.

The permutation scheme is named explicitly: datasketch 2.0 changed its default from the
pre-2.0 "legacy" scheme to "affine32", and signatures made under different schemes (or hash
functions, seeds, permutation counts) must never be compared. `SCHEME` is recorded beside
every stored signature (pipeline/dedup/store.py) for that reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version

import xxhash
from datasketch import LeanMinHash, MinHash

# datasketch's default SHA-1 is most of its cost; xxh32 has the 32-bit output MinHash expects.
HASH_SCHEME = "xxh32-utf8"
MINHASH_SCHEME = "affine32"


def scheme(num_perm: int, seed: int) -> dict[str, object]:
    """Everything that must match for two signatures to be comparable."""
    return {"datasketch": version("datasketch"), "minhash_scheme": MINHASH_SCHEME,
            "hashfunc": HASH_SCHEME, "num_perm": num_perm, "seed": seed}


# The C function itself, not a Python wrapper around it: datasketch calls it once per
# shingle, and the wrapper's frame cost as much as the hash (benchmark profile, issue 8).
_hash = xxhash.xxh32_intdigest


def minhash(shingle_set: Iterable[str], num_perm: int, seed: int = 1) -> LeanMinHash:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=_hash, scheme=MINHASH_SCHEME)
    m.update_batch([s.encode("utf-8") for s in shingle_set])
    return LeanMinHash(m)


def minhashes(sets: list[set[str]], num_perm: int, seed: int = 1) -> list[LeanMinHash]:
    """Signatures of many shingle sets at once (datasketch's vectorised bulk path)."""
    batches = [[s.encode("utf-8") for s in ss] for ss in sets]
    ms = MinHash.bulk(batches, num_perm=num_perm, seed=seed, hashfunc=_hash, scheme=MINHASH_SCHEME)
    return [LeanMinHash(m) for m in ms]
