"""Signatures made from the words the repeats stage read equal signatures made from the text.

The Repeats task computes its shard's signatures from `repeats.Tokens` (the paragraphs' words
and word hashes) instead of tokenising the canonical text again; the Signatures task, which
runs when only [dedup] changed, tokenises `doc.text()`. Both must give the same sketch, or a
run's duplicates would depend on which task made the signatures.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import load_config
from pipeline.dedup.repeats import Tokens, collapse_repeats
from pipeline.dedup.shingles import words
from pipeline.dedup.sketch import finish, sketch_part, sketch_tokens
from pipeline.models import Doc, split_lines

CFG = load_config()
PARA = ("The harbour authority said on Tuesday that dredging of the northern channel would resume "
        "next month, after a winter in which silt closed two of the berths to larger ships.")
OTHER = ("Residents of the old town have asked the council to keep the ferry running on Sundays, "
         "saying the bus that replaced it takes an hour longer and does not carry bicycles.")


def _both(text: str) -> tuple[Doc, Tokens | None]:
    doc = Doc("d", "d.txt", "", 0, lines=split_lines(text))
    seen: list[Tokens] = []
    doc.lines, _ = collapse_repeats(doc.lines, CFG.repeats, seen)
    return doc, (seen[0] if seen else None)


def _assert_same(doc: Doc, tokens: Tokens) -> None:
    a = finish([sketch_tokens(doc.id, tokens, CFG.dedup)], CFG.dedup)[0]
    b = finish([sketch_part(doc.id, words(doc.text()), CFG.dedup)], CFG.dedup)[0]
    assert (a.id, a.words, a.digest) == (b.id, b.words, b.digest)
    assert np.array_equal(a.shingles, b.shingles) and np.array_equal(a.signature, b.signature)


def test_tokens_describe_the_text_repeats_returns() -> None:
    # A pasted block is removed (two rounds' worth of copies); the tokens are the kept text's.
    doc, tokens = _both(f"Title\n\n{PARA}\n\n{OTHER}\n\n{PARA}\n\n{OTHER}\n\n{PARA}\n")
    assert tokens is not None
    assert doc.text().count(PARA) == 1
    assert [w for t in tokens.words for w in t] == words(doc.text())
    _assert_same(doc, tokens)


def test_longer_later_copy_taking_the_first_place_keeps_tokens_true() -> None:
    trimmed = PARA.rsplit(",", 1)[0] + "."
    doc, tokens = _both(f"{trimmed}\n\n{OTHER}\n\n{PARA}\n")
    assert tokens is not None and PARA in doc.text()
    _assert_same(doc, tokens)


# Paragraph starts and ends are where a word or a normalisation could straddle the blank line
# that joins paragraphs in doc.text(): combining marks, compatibility characters, apostrophes,
# digits, underscores, non-Latin scripts, punctuation-only lines.
_PIECES = st.sampled_from(["word", "Ünïcödé", "\u0301acute", "e\u0301", "ﬁne", "½", "it’s", "—", "_x_", "3.5",
                           "кириллица", "日本語", "*", " ", "\u00a0", "Q:", "\t", "ǅ", "ß", "İ", "ς"])
_PARAGRAPH = st.lists(_PIECES, min_size=0, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PARAGRAPH, min_size=0, max_size=8))
def test_tokens_give_the_signature_of_the_text(paragraphs: list[str]) -> None:
    doc, tokens = _both("\n".join(paragraphs))
    assert tokens is not None
    _assert_same(doc, tokens)
