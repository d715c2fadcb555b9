"""Encoding repair: entities, ftfy settings, recorded fixes, idempotence."""

from __future__ import annotations

import ftfy
import ftfy.bad_codecs  # noqa: F401 - registers the "sloppy-windows-1252" codec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean.encoding import fix_encoding, fix_line, ftfy_config, repair_line, unescape_lenient
from pipeline.config import EncodingConfig, load_config
from pipeline.models import Line, split_lines

CFG = EncodingConfig()


def test_config_file_matches_the_dataclass_defaults() -> None:
    assert load_config().encoding == CFG


def test_quotes_stay_curly_and_text_is_nfc() -> None:
    assert fix_line("“Cafe\u0301” ‘ok’", CFG)[0] == "“Café” ‘ok’"


def test_entities_are_unescaped_even_beside_a_stray_less_than() -> None:
    assert fix_line("if a < b then AT&amp;T&#8217;s", CFG)[0] == "if a < b then AT&T’s"
    # ftfy's default "auto" mode would have refused: that is why the setting is explicit.
    assert ftfy.fix_text("a < b AT&amp;T", unescape_html="auto") == "a < b AT&amp;T"


def test_lenient_entities_decode_only_unambiguous_forms() -> None:
    assert unescape_lenient("x&nbsp y&#160z &#x2014 &#55357;&#56832;") == "x\u00a0 y\u00a0z — 😀"
    for prose in ("this&not that", "AT&T", "R&D", "?a=1&lt=2", "&ampersand", "Q&A"):
        assert unescape_lenient(prose) == prose


def test_explaining_config_honours_encoding_sub_options() -> None:
    text = "Israelâ€™s and cafÃ© à la"  # mojibake beside correct text: decode_inconsistent_utf8
    assert fix_line(text, CFG)[0] == "Israel’s and café à la"
    off = EncodingConfig(decode_inconsistent_utf8=False)
    assert fix_line(text, off)[0] == text
    # The trap: fix_text ignores that sub-option (it repairs anyway), fix_and_explain does not.
    assert ftfy.fix_text(text, decode_inconsistent_utf8=False) != text
    assert ftfy_config(CFG).explain is True


def test_fixes_that_fired_are_recorded_per_line() -> None:
    lines = split_lines("Israelâ€™s\nclean line\nAT&amp;T\u00a0news")
    out, edits = fix_encoding(lines, CFG)
    assert [ln.text for ln in out] == ["Israel’s", "clean line", "AT&T news"]
    assert [(e.start, e.end) for e in edits] == [(lines[0].start, lines[0].end), (lines[2].start, lines[2].end)]
    assert edits[0].rule == "encode:sloppy-windows-1252+decode:utf-8"
    assert edits[1].rule == "unescape_html+space-variants"
    assert edits[0].before == "Israelâ€™s" and edits[0].after == "Israel’s"


def test_offsets_are_kept_and_blank_lines_stay_lines() -> None:
    lines = [Line("a\u00a0b", 0, 3), Line("", 4, 4), Line("\u200b", 5, 6)]
    out, _ = fix_encoding(lines, CFG)
    assert [(ln.start, ln.end) for ln in out] == [(0, 3), (4, 4), (5, 6)]


def test_mojibake_in_part_of_a_document_only_touches_those_lines() -> None:
    good = "Ahmed’s “team” won — again"
    out, edits = fix_encoding(split_lines(good + "\n" + good.encode().decode("sloppy-windows-1252")), CFG)
    assert [ln.text for ln in out] == [good, good]
    assert len(edits) == 1


def test_spaced_marks_are_repaired_only_in_documents_showing_the_artifact() -> None:
    plain = split_lines("He said : yes\nAnother line")
    assert [ln.text for ln in fix_encoding(plain, CFG)[0]] == ["He said : yes", "Another line"]
    artifact = split_lines("He said : yes\nThe end .")
    assert [ln.text for ln in fix_encoding(artifact, CFG)[0]] == ["He said: yes", "The end."]


# --- idempotence: repairing repaired text changes nothing ------------------------------------

PIECES = ["Ã©", "â€™", "â€œ", "â€\x9d", "Â£", "Ã ", "Ã\xa0", "Ã¢â‚¬â„¢", "ÐŸÑ€Ð°", "&amp;", "&amp;amp;", "&nbsp;",
          "&nbsp", "&#8217;", "&#8217", "&#55357;&#56832;", "&lt;", "\x92", "\x93", "ﬁ", "e\u0301", "\u00a0",
          "\u00ad", "\u200b", "\u2060", "\ufeff", "\u2028", "\t", "  ", " .", " ,", " :", " ?", "...", " . . .",
          "«", "»", "’", "“", "”", "—", "İ", "ğ", "ж", "東", "😀", "\u200d", ".5", "&"]
texts = st.lists(st.sampled_from(PIECES) | st.text(alphabet="abc XYZ.,;:!?'\"-0123456789", max_size=5),
                 max_size=14).map("".join)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.booleans(), st.booleans())
def test_fix_line_is_idempotent(text: str, french: bool, marks: bool) -> None:
    once, _ = fix_line(text, CFG, french, marks)
    twice, fired = fix_line(once, CFG, french, marks)
    assert twice == once
    assert fired == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=5))
def test_fix_encoding_is_idempotent_on_whole_documents(paragraphs: list[str]) -> None:
    lines = [Line(p, 0, len(p)) for p in paragraphs]
    once, _ = fix_encoding(lines, CFG)
    twice, edits = fix_encoding(once, CFG)
    assert [ln.text for ln in twice] == [ln.text for ln in once]
    assert edits == []


@settings(max_examples=300, deadline=None)
@given(texts)
def test_repair_reaches_its_fixed_point(text: str) -> None:
    once, _ = repair_line(text, CFG)
    assert repair_line(once, CFG) == (once, [])


def test_document_plan_repairs_lines_too_short_for_ftfy_and_spares_clean_ones() -> None:
    bad = "Ahmed’s “team” won — again".encode().decode("sloppy-windows-1252")
    doc = split_lines("\n".join([bad, "VIP : 60,000₩".encode().decode("sloppy-windows-1252"), "Fuß“ bleibt"]))
    out, edits = fix_encoding(doc, CFG)
    assert [ln.text for ln in out] == ["Ahmed’s “team” won — again", "VIP : 60,000₩", "Fuß“ bleibt"]
    assert "document-plan:sloppy-windows-1252" in edits[1].rule
    # Without a line ftfy itself repaired there is no plan, and the short line is left alone.
    alone = "VIP : 60,000₩".encode().decode("sloppy-windows-1252")
    assert [ln.text for ln in fix_encoding(split_lines(alone), CFG)[0]] == [alone]
