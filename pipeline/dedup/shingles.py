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
    return _split_words(unicodedata.normalize("NFKC", text).casefold())


# ASCII characters that are not word characters (not alphanumeric, not "_"), as spaces: applied
# to UTF-8 bytes, which leaves every other character's bytes alone.
_ASCII_GAPS = bytes(b if chr(b).isalnum() or b == 0x5F else 0x20 for b in range(128)) + bytes(range(128, 256))
# Characters beyond ASCII that are not word characters: the punctuation news text uses in
# nearly every article (quotes, dashes, ellipsis), then what a good share of the rest holds
# (the fraction slash NFKC makes of "½", currency, marks, soft hyphens).
_WIDE_GAPS = ("\u2019", "\u201c", "\u201d", "\u2018", "\u2014", "\u2013", "\u2026")
_RARE_GAPS = ("\u00ab", "\u00bb", "\u2022", "\u00b7", "\u2044", "\u00a3", "\u20ac", "\u00a9", "\u00ae",
              "\u00ad", "\u00b0", "\u2032", "\u2033", "\u00a7", "\u00b6", "\u2020", "\u2021", "\u201e",
              "\u201a", "\u2039", "\u203a", "\u00bf", "\u00a1", "\u2012", "\u2015", "\u2212")


def _split_words(text: str) -> list[str]:
    """`_WORD.findall(text)`, faster: gaps become spaces in C (bytes.translate, str.replace),
    then str.split. A character that is not a word character can always become a space
    without changing the matches, and a piece between spaces made only of word characters
    (alphanumerics and "_", what \\w is) is exactly one match; only pieces holding anything
    else go through the regex, which never finds a match across a space.

    >>> _split_words("it’s a “test”—of 3.5% t_x, ünïcode, кириллица… _ok_ ½ £5 «x»")
    ['it', 's', 'a', 'test', 'of', '3', '5', 't_x', 'ünïcode', 'кириллица', '_ok_', '½', '5', 'x']
    """
    text = text.encode("utf-8", "surrogatepass").translate(_ASCII_GAPS).decode("utf-8", "surrogatepass")
    if text.isascii():  # only word characters and spaces are left
        return text.split()
    for gaps in (_WIDE_GAPS, _RARE_GAPS):
        for gap in gaps:
            if gap in text:
                text = text.replace(gap, " ")
        pieces = text.split()
        # "_" is a word character that is not alphanumeric: as "0" it passes the test.
        if "".join(pieces).replace("_", "0").isalnum() or not pieces:
            return pieces
    out: list[str] = []
    for piece in pieces:
        if piece.replace("_", "0").isalnum():
            out.append(piece)
        else:
            out.extend(_WORD.findall(piece))
    return out


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


def sorted_unique(h: np.ndarray) -> np.ndarray:
    """`np.unique(h)` of a 1-d array: sort, then keep each value's first occurrence. numpy's
    own (hash table, then sort) costs ~45 us for an article's ~800 shingles; this ~6 us.

    >>> sorted_unique(np.array([3, 1, 3, 2], dtype=np.uint64)).tolist()
    [1, 2, 3]
    """
    s = np.sort(h)
    if len(s) < 2:
        return s
    first = np.empty(len(s), dtype=bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    return s[first]


def unique_inverse(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(h, return_inverse=True)` of a 1-d array, by one argsort (see sorted_unique).

    >>> [x.tolist() for x in unique_inverse(np.array([30, 10, 30, 20], dtype=np.uint64))]
    [[10, 20, 30], [2, 0, 2, 1]]
    """
    order = np.argsort(h)
    s = h[order]
    first = np.empty(len(s), dtype=bool)
    first[:1] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    inverse = np.empty(len(h), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return s[first], inverse
