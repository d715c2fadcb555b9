"""char_diff's fast matcher must give difflib's exact answer (the report's diffs are outputs)."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from pipeline.report.segments import _affixes, _pair_stops, _runs, char_diff, matching_blocks


def _difflib(before: str, after: str) -> list[tuple[int, int, int]]:
    return [tuple(m) for m in SequenceMatcher(None, before, after, autojunk=False).get_matching_blocks()]


def _difflib_char_diff(before: str, after: str) -> list[list[str]]:
    """char_diff as it was written over difflib's opcodes."""
    out: list[list[str]] = []
    for op, a0, a1, b0, b1 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(["=", before[a0:a1]])
            continue
        if a1 > a0:
            out.append(["-", before[a0:a1]])
        if b1 > b0:
            out.append(["+", after[b0:b1]])
    return out


def _same(a: str, b: str) -> bool:
    return matching_blocks(a, b) == _difflib(a, b) and char_diff(a, b) == _difflib_char_diff(a, b)


@pytest.mark.parametrize("seed", range(8))
def test_same_opcodes_as_difflib_on_random_lines(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(400):
        alphabet = rnd.choice(["ab", "ab c", "abcde ", "aé ñ\u00a0x"])
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        assert _same(a, b), (a, b)


def test_same_opcodes_as_difflib_on_repairs() -> None:
    line = ("The minister said the plan, which was announced on Monday, would cost more than "
            "expected and that the committee would meet again next week to discuss it. ")
    pairs = [
        (line.replace("é", "Ã©").replace("'", "â€™") + "CafÃ© â€œquotedâ€\x9d", line + "Café “quoted”"),
        (line * 3, (line * 3).replace("  ", " ").replace(" ,", ",")),
        ("AT&amp;T and R&amp;D &quot;x&quot;", 'AT&T and R&D "x"'),
        ("abcab", "abXabcab"),
        ("", "x"), ("x", ""), ("", ""),
        (line, line[::-1]),
    ]
    for a, b in pairs:
        assert _same(a, b), (a, b)


def test_char_diff_marks_what_changed() -> None:
    assert char_diff("Ã© x", "é x") == [["-", "Ã©"], ["+", "é"], ["=", " x"]]


@pytest.mark.parametrize("seed", range(4))
def test_same_opcodes_as_difflib_on_long_repetitive_lines(seed: int) -> None:
    # Periodic text has many equally long blocks: the tie-break (first in a, then in b) matters.
    rnd = random.Random(100 + seed)
    for _ in range(60):
        unit = "".join(rnd.choice("ab c") for _ in range(rnd.randint(1, 6)))
        a = unit * rnd.randint(5, 60)
        b = list(a)
        for _ in range(rnd.randint(0, 8)):
            k = rnd.randrange(len(b) + 1)
            b[k:k + rnd.randint(0, 3)] = rnd.choice(["", "x", "ab", " c "])
        b = "".join(b)
        assert _same(a, b), (a, b)


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


@pytest.mark.parametrize("seed", range(4))
def test_same_opcodes_as_difflib_on_long_repaired_lines(seed: int) -> None:
    # Lines long enough for the matcher's character-pair table (_GRAM_MIN): Latin text with a
    # few repaired spots, Cyrillic text whose mojibake shares almost no pairs with its repair,
    # whitespace and entity repairs, and lines that share nothing at all.
    rnd = random.Random(200 + seed)
    vocab = ["the", "council", "said", "budget", "it’s", "“quoted”", "café", "—", "déjà", "vu", "&amp;", "x",
             "кириллица", "город", "2024", ",", "."]
    for _ in range(80):
        after = " ".join(rnd.choice(vocab) for _ in range(rnd.randint(10, 90)))
        kind = rnd.randrange(5)
        if kind == 0:
            before = _mojibake(after)
        elif kind == 1:  # a few spots only, the rest left alone
            parts = after.split(" ")
            before = " ".join(_mojibake(p) if rnd.random() < 0.15 else p for p in parts)
        elif kind == 2:
            before = after.replace(",", " ,").replace(" ", "\u00a0", rnd.randint(0, 3))
        elif kind == 3:
            before = after.replace("&", "&amp;")
        else:
            before = "".join(rnd.choice("xyz\u00e9") for _ in range(rnd.randint(48, 200)))
        for a, b in ((before, after), (after, before)):
            assert _same(a, b), (a, b)


def _bound(stops: list[int], i: int) -> int:
    """What the scan trusts about position i: runs say a block from i is at most this long."""
    firsts, ends = _runs(stops)
    for first, end in zip(firsts, ends, strict=True):
        if first <= i <= end:
            return end - i + 1
    return 1


def test_pair_bound_never_cuts_a_real_block() -> None:
    # The bound is what the scan trusts: it must be at least the longest block starting there.
    # Lines built from one another (a common prefix and suffix, as repairs leave) and unrelated
    # ones, so both the looked-up middle and the skipped prefix and suffix are exercised.
    rnd = random.Random(7)
    for t in range(300):
        a = "".join(rnd.choice("ab cé") for _ in range(rnd.randint(1, 120)))
        if t % 2:
            k = rnd.randrange(len(a) + 1)
            b = a[:k] + "".join(rnd.choice("ab cé") for _ in range(rnd.randint(0, 4))) + a[k + rnd.randint(0, 3):]
        else:
            b = "".join(rnd.choice("ab cé") for _ in range(rnd.randint(0, 120)))
        pre, suf = _affixes(a, b)
        assert a[:pre] == b[:pre] and a[len(a) - suf:] == b[len(b) - suf:] and pre + suf <= min(len(a), len(b))
        stops = _pair_stops(a, b, pre, suf)
        assert stops == sorted(set(stops)) and all(a[k:k + 2] not in b for k in stops[:-1]), (a, b)
        for i in range(len(a)):
            longest = max((n for n in range(1, len(a) - i + 1) if a[i:i + n] in b), default=0)
            assert _bound(stops, i) >= max(longest, 1), (a, b, i)


def test_lines_repaired_in_a_few_spots_match_difflib() -> None:
    # The shape of most repairs: one long line, a few short spots changed, sometimes a
    # changed spot whose text also occurs elsewhere (so the longest block is not the prefix).
    rnd = random.Random(11)
    words = ["the", "plan", "said", "cost", ".", ",", "â€™", "’", "&amp;", "&", "\u00a0", " ", "Ã©", "é"]
    for _ in range(300):
        a = " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 120)))
        b = a
        for _ in range(rnd.randint(1, 4)):
            k = rnd.randrange(len(b) + 1)
            b = b[:k] + rnd.choice(words + [""]) + b[k + rnd.randint(0, 3):]
        if rnd.random() < 0.2:
            b = b + a[: rnd.randint(0, len(a))]
        for x, y in ((a, b), (b, a)):
            assert _same(x, y), (x, y)
