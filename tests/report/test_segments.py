"""char_diff's fast matcher must give difflib's exact answer (the report's diffs are outputs)."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from pipeline.report.segments import _FastMatcher, char_diff


def _difflib(before: str, after: str) -> list[tuple[str, int, int, int, int]]:
    return SequenceMatcher(None, before, after, autojunk=False).get_opcodes()


@pytest.mark.parametrize("seed", range(8))
def test_same_opcodes_as_difflib_on_random_lines(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(400):
        alphabet = rnd.choice(["ab", "ab c", "abcde ", "aé ñ\u00a0x"])
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        assert _FastMatcher(None, a, b, autojunk=False).get_opcodes() == _difflib(a, b), (a, b)


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
        assert _FastMatcher(None, a, b, autojunk=False).get_opcodes() == _difflib(a, b)


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
        assert _FastMatcher(None, a, b, autojunk=False).get_opcodes() == _difflib(a, b), (a, b)


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
            assert _FastMatcher(None, a, b, autojunk=False).get_opcodes() == _difflib(a, b), (a, b)


def test_pair_bound_never_cuts_a_real_block() -> None:
    # The bound is what the scan trusts: it must be at least the longest block starting there.
    rnd = random.Random(7)
    for _ in range(200):
        a = "".join(rnd.choice("ab cé") for _ in range(rnd.randint(48, 120)))
        b = "".join(rnd.choice("ab cé") for _ in range(rnd.randint(2, 120)))
        reach = _FastMatcher(None, a, b, autojunk=False)._reach()
        for i in range(len(a)):
            longest = max((n for n in range(1, len(a) - i + 1) if a[i:i + n] in b), default=0)
            assert reach[i] >= max(longest, 1), (a, b, i)
