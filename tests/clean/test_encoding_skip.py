"""The cheap skip of ftfy must be provably safe: whenever it says "ftfy cannot change this
line", ftfy really returns the line unchanged. Checked against the installed ftfy."""

from __future__ import annotations

import itertools

import ftfy
from ftfy.badness import is_bad
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean import encoding as enc
from pipeline.config import EncodingConfig

CFG = EncodingConfig()
# Every character ftfy's mojibake heuristic mentions, plus its neighbours in real text.
BADNESS_CHARS = sorted({ch for alt in enc._BADNESS_REQUIREMENTS or [] for pos in alt for ch in pos})
ALPHABET = "".join(BADNESS_CHARS) + "aAzZ .,;:!?'\"-&#0123456789" + (
    "\u00a0\u00ad\u200b\ufeff\u2028\x85\x1b\x07ﬁé’“”—…«»ğışİ中ж"
)
TOKENS = ["Ã©", "â€™", "â€œ", "Â£", "Ã ", "Ã\xa0", "&amp;", "&nbsp;", "&#8217;", "ÐŸÑ€", "Ã¢â‚¬â„¢", "\x92", "ĳ"]
texts = st.lists(st.sampled_from(TOKENS) | st.text(alphabet=ALPHABET, max_size=6), max_size=12).map("".join)


def test_requirements_were_derived_from_ftfy() -> None:
    # If ftfy's pattern ever stops being a flat alternation the gate falls back to always
    # asking is_bad (safe but slow); this test says so loudly instead of silently.
    assert enc._BADNESS_REQUIREMENTS is not None
    assert len(enc._BADNESS_REQUIREMENTS) > 20


def test_gate_never_misses_a_bad_pair_or_triple_of_mojibake_characters() -> None:
    chars = BADNESS_CHARS + list("aZ ,.")
    for a, b in itertools.product(chars, repeat=2):
        if is_bad(a + b):
            assert enc._could_be_bad(a + b), repr(a + b)
    hot = [c for c in chars if ord(c) < 0x2000][:70]
    for a, b, c in itertools.product(hot, repeat=3):
        if is_bad(a + b + c):
            assert enc._could_be_bad(a + b + c), repr(a + b + c)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_gate_is_a_necessary_condition_of_is_bad(text: str) -> None:
    if is_bad(text):
        assert enc._could_be_bad(text)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_skipped_lines_are_lines_ftfy_would_not_change(text: str) -> None:
    if not enc.ftfy_could_change(text, CFG):
        fixed, _ = ftfy.fix_and_explain(text, enc.ftfy_config(CFG))
        assert fixed == text


@settings(max_examples=300, deadline=None)
@given(texts, st.booleans(), st.booleans(), st.booleans())
def test_skip_is_safe_under_other_settings(text: str, ligatures: bool, width: bool, uncurl: bool) -> None:
    cfg = EncodingConfig(fix_latin_ligatures=ligatures, fix_character_width=width, uncurl_quotes=uncurl,
                         fix_line_breaks=True, normalization="NFKC")
    if not enc.ftfy_could_change(text, cfg):
        assert ftfy.fix_and_explain(text, enc.ftfy_config(cfg))[0] == text


def test_clean_text_in_many_scripts_skips_ftfy() -> None:
    for line in ["Plain news.", "İstanbul’da 3 çocuk “güldü” — dedi…", "Правительство одобрило", "東京で会議",
                 "Le président a déclaré « oui »", "Fans 😂🔥 👨\u200d👩\u200d👧"]:
        assert not enc.ftfy_could_change(line, CFG), line
    for line in ["Israelâ€™s", "AT&amp;T", "ﬁnal", "e\u0301", "It\x92s", "a\x1b[31mb"]:
        assert enc.ftfy_could_change(line, CFG), line
