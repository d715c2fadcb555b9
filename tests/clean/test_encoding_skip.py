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


# --- the windowed is_bad and the document-level gates (issue 8) ----------------------------


def test_windowed_is_bad_equals_ftfy_on_every_pair_and_hot_triple() -> None:
    chars = BADNESS_CHARS + list("aZ ,.\n")
    for a, b in itertools.product(chars, repeat=2):
        assert enc._is_bad(a + b) == is_bad(a + b), repr(a + b)
        assert enc._is_bad(f"plain words {a}{b} more") == is_bad(f"plain words {a}{b} more"), repr(a + b)
    hot = [c for c in chars if ord(c) < 0x2000][:60]
    for a, b, c in itertools.product(hot, repeat=3):
        assert enc._is_bad(a + b + c) == is_bad(a + b + c), repr(a + b + c)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_windowed_is_bad_equals_ftfy(text: str) -> None:
    assert enc._is_bad(text) == is_bad(text)


def _per_line(lines: list[str], cfg: EncodingConfig) -> tuple[list, list]:
    """fix_encoding without the document-level gates: every line through repair_line and _settle."""
    from pipeline.clean.whitespace import has_stop_artifacts, is_french
    from pipeline.models import Edit, Line

    repaired = [enc.repair_line(t, cfg) for t in lines]
    plan = enc._document_plan(repaired)
    if plan is not None:
        fixed_by_ftfy = [t for t, fired in repaired if any(f.startswith("encode:") for f in fired)]
        known = {c for t in fixed_by_ftfy for c in t if c.isalpha() and not c.isascii()}
        for i, (text, fired) in enumerate(repaired):
            fixed = enc._apply_plan(text, plan, known)
            if fixed is not None:
                again, more = enc.repair_line(fixed, cfg)
                repaired[i] = (again, [*fired, f"{enc.DOCUMENT_PLAN}:{plan}", *(m for m in more if m not in fired)])
    texts_ = [t for t, _ in repaired]
    spaced = has_stop_artifacts(texts_)
    french = spaced and is_french(texts_)
    out, edits = [], []
    for i, (text, fired) in enumerate(repaired):
        fixed, fired = enc._settle(text, fired, cfg, french, spaced)
        if fixed != lines[i]:
            edits.append(Edit(enc.STAGE, "+".join(fired) or "normalize", i, i + 1, lines[i], fixed))
        out.append(Line(fixed, i, i + 1))
    return out, edits


LINE_TOKENS = [*TOKENS, " ,", " .", "  ", " ;", "« oui »", "\u00a0", "les", "des", "est", "word", "Word."]
documents = st.lists(st.lists(st.sampled_from(LINE_TOKENS) | st.text(alphabet=ALPHABET, max_size=5), max_size=8)
                     .map("".join), min_size=1, max_size=6)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.booleans())
def test_document_gates_change_nothing(lines: list[str], html: bool) -> None:
    from pipeline.models import Line

    cfg = EncodingConfig(unescape_html=html)
    got = enc.fix_encoding([Line(t, i, i + 1) for i, t in enumerate(lines)], cfg)
    assert got == _per_line(lines, cfg)
