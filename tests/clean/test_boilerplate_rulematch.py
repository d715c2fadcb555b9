"""The fast rule matcher gives exactly the answer of searching every pattern in rule order."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean.decode import decode_bytes
from pipeline.clean.rulematch import RuleMatcher, fold, normalise_line, required_literals, split_alternatives
from pipeline.config import BoilerplateRule, load_config
from pipeline.models import split_lines

RULES = load_config().boilerplate.rules
MATCHER = RuleMatcher(RULES)
_COMPILED = [re.compile(r.pattern, re.I if "i" in r.flags else 0) for r in RULES]
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def plain_first(text: str) -> BoilerplateRule | None:
    norm = normalise_line(text)
    return next((r for r, c in zip(RULES, _COMPILED, strict=True) if c.search(norm)), None)


def _literal_pieces() -> list[str]:
    """Fragments of the rules' own wording: lines made of them reach deep into every pattern."""
    pieces: set[str] = set()
    for r in RULES:
        for alt in split_alternatives(r.pattern):
            pieces.update(required_literals(alt, False) or ())
            pieces.update(w for w in re.split(r"[^\w ]+", alt) if len(w) > 1)
    return sorted(pieces)


PIECES = _literal_pieces()


def test_seed_lines_and_rule_phrasings_match_like_a_plain_search() -> None:
    lines = [ln.text for p in sorted(SEEDS.glob("*")) if p.is_file()
             for ln in split_lines(decode_bytes(p.read_bytes()).text) if not ln.blank]
    lines += PIECES + [p.upper() for p in PIECES] + [f"{p} 2019" for p in PIECES] + [f"The {p}." for p in PIECES]
    assert len(lines) > 500
    for line in lines:
        assert MATCHER.first(line) is plain_first(line), line


_ALPHABET = st.sampled_from(list("aeiosc rtn:.|-/()©@1") + ["\u0130", "\u0131", "\u017f", "\u212a", "Σ", "ς", "ё"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(_ALPHABET, max_size=6)), max_size=8),
       st.sampled_from([str, str.upper, str.title, str.lower]))
def test_generated_lines_match_like_a_plain_search(parts: list[str], case) -> None:  # noqa: ANN001
    line = case(" ".join(parts))
    assert MATCHER.first(line) is plain_first(line), line


def test_fold_maps_every_case_insensitive_equal_character_to_the_same_ascii_letter() -> None:
    # A literal's presence in fold(line) must be a necessary condition for a match, so every
    # character re.IGNORECASE equates with an ASCII letter must fold to exactly that letter.
    bmp = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for ch in re.findall(f"[{letter}]", bmp, re.IGNORECASE):
            assert fold(ch) == letter, (hex(ord(ch)), letter)


def test_first_rule_in_file_order_wins() -> None:
    a = BoilerplateRule(id="x.a", version=1, pattern=r"needle", scope="line")
    b = BoilerplateRule(id="x.b", version=1, pattern=r"^needle in a haystack$", scope="line")
    assert RuleMatcher((a, b)).first("Needle in a haystack") is a
    assert RuleMatcher((b, a)).first("Needle in a haystack") is b
    assert RuleMatcher((b, a)).first("a needle here") is a
    assert RuleMatcher((b, a)).first("nothing") is None


def test_patterns_it_cannot_split_are_still_searched() -> None:
    odd = (BoilerplateRule(id="x.ref", version=1, pattern=r"(ab)\1", scope="line"),
           BoilerplateRule(id="x.flags", version=1, pattern=r"(?s)^a.b$", scope="line"))
    m = RuleMatcher(odd)
    assert m.first("xxababyy") is odd[0] and m.first("a b") is odd[1] and m.first("ab") is None




# Literals that share pieces and overlap one another, as the rules' do ("ap" inside "ap photo").
_LITERALS = ["ap", "ap photo", "photo", "photo by", "oto b", "by ", "cookies", "we use cookies", "kies", "aaaa",
             "aaaab", "ab"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LITERALS), min_size=1, max_size=6, unique=True),
       st.lists(st.one_of(st.sampled_from(_LITERALS), st.text("apbyhotkies ", max_size=5)), max_size=8))
def test_literal_scan_finds_every_literal_in_the_line(literals: list[str], parts: list[str]) -> None:
    from pipeline.clean.rulematch import _LiteralScan, _Search

    searches = [_Search(k, k, re.compile(re.escape(x)), False, (x,), True) for k, x in enumerate(literals)]
    line = "".join(parts)
    assert set(_LiteralScan(searches).hits(line)) == {k for k, x in enumerate(literals) if x in line}, line
