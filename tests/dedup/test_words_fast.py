"""The tokenizer's and the unique helpers' fast paths give exactly the regex's and numpy's answers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from pipeline.dedup.shingles import _RARE_GAPS, _WIDE_GAPS, _WORD, _split_words, sorted_unique, unique_inverse


def test_gap_characters_are_not_word_characters() -> None:
    assert not any(_WORD.fullmatch(g) for g in (*_WIDE_GAPS, *_RARE_GAPS))


def test_every_code_point_splits_as_the_regex_does() -> None:
    # Each character inside a word, alone, and beside the punctuation the fast path removes,
    # in chunks so that both the all-alphanumeric path and the per-piece fallback run.
    chars = [chr(c) for c in range(0x110000)]
    for start in range(0, len(chars), 256):
        text = " ".join(f"a{ch}b {ch} x{ch}’ “{ch}⁄y" for ch in chars[start:start + 256])
        assert _split_words(text) == _WORD.findall(text), hex(start)


@pytest.mark.parametrize("seed", range(4))
def test_random_text_splits_as_the_regex_does(seed: int) -> None:
    rnd = random.Random(seed)
    alphabet = list("ab _-.,’“”—\u00a0\u2028\t\n9½²Ⅻé\u0301кЖ中😀\ud800\x85\u3000'\"()⁄£©\xad«»_") + ["ǅ", "ß", "İ"]
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        assert _split_words(text) == _WORD.findall(text), repr(text)


@pytest.mark.parametrize("seed", range(3))
def test_unique_helpers_match_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (0, 1, 2, 17, 800):
        h = rng.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)
        h[: n // 3] = h[n // 3: 2 * (n // 3)]  # duplicates
        want = np.unique(h)
        got = sorted_unique(h)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        vocab, inverse = unique_inverse(h)
        want_vocab, want_inverse = np.unique(h, return_inverse=True)
        assert np.array_equal(vocab, want_vocab) and np.array_equal(inverse, want_inverse)


def test_paragraph_shingle_hashes_are_the_hashes_of_the_shingle_strings() -> None:
    import xxhash

    from pipeline.dedup.repeats import _shingle_hashes32, _shingles

    rnd = random.Random(5)
    for _ in range(500):
        ws = [rnd.choice(["a", "b", "c", "é", "город"]) for _ in range(rnd.randint(0, 12))]
        for k in (1, 2, 3, 5):
            want = {xxhash.xxh32_intdigest(s.encode("utf-8")) for s in _shingles(ws, k)}
            assert _shingle_hashes32(ws, k) == want, (ws, k)
