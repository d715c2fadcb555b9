"""MinHash signatures (datasketch's permutations and scheme) computed over numpy arrays.

The permutation scheme is named explicitly: datasketch 2.0 changed its default from the
pre-2.0 "legacy" scheme to "affine32", and signatures made under different schemes (or hash
functions, seeds, permutation counts) must never be compared. `scheme()` is recorded beside
every stored signature (pipeline/dedup/store.py) for that reason.

Hashing is the cost of MinHash (issue 8): datasketch calls its hash function once per shingle
from Python. Here each word is hashed once (xxh64), shingle hashes are combined from word
hashes in numpy (`shingles.shingle_hashes`), and the low 32 bits of each shingle hash are the
input datasketch's affine32 scheme expects. `signature_matrix` then applies exactly what
`MinHash.update_batch` does for that input (MurmurHash3 32-bit finalizer, h -> a*h + b mod
2^32 with datasketch's own permutation parameters, minimum per permutation) for many sets at
once; tests/dedup/test_signatures.py checks it against datasketch value for value. The
signatures are datasketch `LeanMinHash` values (`lean`), serialised as such in the store.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

import numpy as np
from datasketch import LeanMinHash, MinHash

from pipeline.dedup.shingles import SHINGLE_HASH

# What MinHash is fed: the low 32 bits of the 64-bit shingle hash (affine32 takes 32 bits).
HASH_SCHEME = f"{SHINGLE_HASH}-low32"
MINHASH_SCHEME = "affine32"
_EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's initial value: the signature of an empty set
_F1, _F2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)
# Rows of shingles x permutations computed at once: bounds the temporary array (~4 MB at 128;
# measured ~10% faster than 8 MB, which no longer fits the cache).
_CHUNK = 8192


def scheme(num_perm: int, seed: int) -> dict[str, object]:
    """Everything that must match for two signatures to be comparable."""
    return {"datasketch": version("datasketch"), "minhash_scheme": MINHASH_SCHEME,
            "hashfunc": HASH_SCHEME, "num_perm": num_perm, "seed": seed}


@cache
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own affine32 parameters (a, b) for this size and seed, made once."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=MINHASH_SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * _F1
    h = h ^ (h >> np.uint32(13))
    h = h * _F2
    return h ^ (h >> np.uint32(16))


def signature_matrix(sets: list[np.ndarray], num_perm: int, seed: int = 1) -> np.ndarray:
    """MinHash values (rows: sets, columns: permutations, uint32) of many sets of 64-bit
    shingle hashes; an empty set gets datasketch's empty signature.

    >>> import numpy as np
    >>> m = signature_matrix([np.array([1, 2, 3], dtype=np.uint64), np.zeros(0, dtype=np.uint64)], 8)
    >>> m.shape, m.dtype, bool((m[1] == 0xFFFFFFFF).all())
    ((2, 8), dtype('uint32'), True)
    """
    a, b = permutations(num_perm, seed)
    out = np.full((len(sets), num_perm), _EMPTY, dtype=np.uint32)
    rows = [i for i, s in enumerate(sets) if len(s)]
    if not rows:
        return out
    # Sets are processed in groups of about _CHUNK shingles: one array operation per group.
    start = 0
    while start < len(rows):
        stop, size = start, 0
        while stop < len(rows) and (size == 0 or size + len(sets[rows[stop]]) <= _CHUNK):
            size += len(sets[rows[stop]])
            stop += 1
        group = rows[start:stop]
        hv = _fmix32(np.concatenate([sets[i] for i in group]).astype(np.uint32))
        # Permutations x shingles, so each minimum runs over contiguous memory; the addition
        # in place, so the group's matrix is allocated once.
        phv = np.multiply.outer(a, hv)
        phv += b[:, None]
        offsets = np.cumsum([0] + [len(sets[i]) for i in group[:-1]])
        out[group] = np.minimum.reduceat(phv, offsets, axis=1).T
        start = stop
    return out


def lean(values: np.ndarray, seed: int) -> LeanMinHash:
    """A datasketch LeanMinHash of one row of `signature_matrix`."""
    return LeanMinHash(seed=seed, hashvalues=np.asarray(values, dtype=np.uint32), scheme=MINHASH_SCHEME)
