"""Word shingles over a folded form of the text, shared by in-document and cross-document checks."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

_WORD = re.compile(r"\w+", re.UNICODE)
# Multiplier of the polynomial that combines word hashes into a shingle hash (odd, so the
# combination is a bijection in each word), and the MurmurHash3 64-bit finalizer constants.
_POLY = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2, _S = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33)
# Recorded with stored signatures (pipeline/dedup/store.py): what a shingle hash is.
SHINGLE_HASH = "xxh64-utf8-words-poly64-fmix64"


def words(text: str) -> list[str]:
    """Casefolded word tokens; punctuation, quote style and spacing do not matter.

    >>> words("“Ankara’s” deal — AGREED.")
    ['ankara', 's', 'deal', 'agreed']
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int) -> set[str]:
    """Word k-grams; a text shorter than k words is one shingle of all its words.

    >>> sorted(shingles("a b c d", 3))
    ['a b c', 'b c d']
    >>> shingles("a b", 3)
    {'a b'}
    """
    w = words(text)
    if not w:
        return set()
    if len(w) <= k:
        return {" ".join(w)}
    return {" ".join(w[i : i + k]) for i in range(len(w) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity.

    >>> jaccard({"a", "b"}, {"b", "c"})
    0.3333333333333333
    """
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set found in the larger one.

    >>> containment({"a", "b"}, {"a", "b", "c", "d"})
    1.0
    """
    small = min(len(a), len(b))
    if small == 0:
        return 0.0
    return len(a & b) / small


def word_hashes(ws: list[str]) -> np.ndarray:
    """xxh64 of each word's UTF-8 bytes: every word is hashed once, whatever the shingle size.

    >>> word_hashes(["a", "b"]).dtype
    dtype('uint64')
    """
    return np.fromiter(map(xxhash.xxh64_intdigest, map(str.encode, ws)), dtype=np.uint64, count=len(ws))


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _S)
    h = h * _M1
    h = h ^ (h >> _S)
    h = h * _M2
    return h ^ (h >> _S)


def shingle_hashes(wh: np.ndarray, k: int) -> np.ndarray:
    """64-bit hashes of the word k-grams of a text, from its word hashes, in text order
    (repeats included); a text shorter than k words is one shingle of all its words, as in
    `shingles`. Equal shingles get equal hashes; the arithmetic is numpy's, no per-shingle
    Python.

    >>> wh = word_hashes("a b c a b c".split())
    >>> h = shingle_hashes(wh, 3)
    >>> len(h), len(set(h.tolist()))  # 4 trigrams, 3 distinct: "a b c" twice
    (4, 3)
    >>> len(shingle_hashes(wh[:2], 3)), len(shingle_hashes(wh[:0], 3))
    (1, 0)
    """
    n = len(wh)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    k = min(k, n)
    h = wh[: n - k + 1].copy()
    for j in range(1, k):  # uint64 arithmetic wraps: a polynomial modulo 2^64
        h *= _POLY
        h += wh[j : n - k + 1 + j]
    return _fmix64(h + np.uint64(k))
