"""Whitespace normalisation: what is an artifact and what the author wrote."""

from __future__ import annotations

import pytest

from pipeline.clean.whitespace import has_stop_artifacts, is_french, normalize_line, normalize_line_explained


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u202f", "\u2002", "\u3000", "\t", "\u205f"])
def test_space_variants_become_one_plain_space(space: str) -> None:
    assert normalize_line(f"a{space}b{space}{space}c") == "a b c"


def test_runs_collapse_and_ends_are_trimmed() -> None:
    assert normalize_line("  a   b  ") == "a b"


def test_injected_zero_width_space_beside_a_space_goes() -> None:
    assert normalize_line("are you \u200bhave \u200b\u200bit\u200b now") == "are you have it now"


def test_zero_width_space_between_thai_words_stays() -> None:
    thai = "รัฐบาล\u200bอนุมัติ\u200bร่าง"
    assert normalize_line(thai) == thai


def test_soft_hyphen_at_word_end_goes_inside_a_word_stays() -> None:
    assert normalize_line("case\u00ad you Not\u00adfall end\u00ad") == "case you Not\u00adfall end"


def test_word_joiner_and_zwj_zwnj_are_kept_where_they_do_something() -> None:
    for text in ("mata.\u2060\u2060", "می\u200cخواهم", "👨\u200d👩\u200d👧"):
        assert normalize_line(text) == text
    assert normalize_line("a \u2060b") == "a b"


def test_bom_inside_text_goes() -> None:
    assert normalize_line("a\ufeffb") == "ab"


def test_line_and_paragraph_separators_never_split_a_paragraph() -> None:
    assert normalize_line("one\u2028two\u2029three\nfour") == "one two three four"


@pytest.mark.parametrize("before,after", [
    ("procurement .", "procurement."),
    ("sides , but", "sides, but"),
    ("“quoted” .", "“quoted”."),
    ("(aside) , then", "(aside), then"),
    ("Dr . Smith", "Dr. Smith"),
])
def test_space_before_stop_or_comma_is_an_artifact(before: str, after: str) -> None:
    assert normalize_line(before) == after


@pytest.mark.parametrize("text", [
    "Wait ... what", "Well . . . maybe", "rose .5 per cent", "Microsoft .NET", "see .com domains",
    "1 ,000", "player.setav health * .", "Rasulullah SAW bersabda :", "VIP : 60,000₩", "Really ?",
])
def test_numbers_names_ellipses_and_other_spacing_stay(text: str) -> None:
    assert normalize_line(text) == text


def test_space_before_marks_only_goes_in_documents_with_artifacts_and_never_in_french() -> None:
    assert normalize_line("clear : yes ! why ?", spaced_marks_are_artifacts=True) == "clear: yes! why?"
    assert normalize_line("clear : yes ! why ?") == "clear : yes ! why ?"
    fr = "Il a dit : « oui » !"
    assert normalize_line(fr, french=True, spaced_marks_are_artifacts=True) == fr


def test_document_level_evidence() -> None:
    assert has_stop_artifacts(["fine.", "procurement ."])
    assert has_stop_artifacts(["procurement\u00a0."])
    assert not has_stop_artifacts(["Wait ... what", "bersabda :", "1 ,000", ".NET"])
    assert is_french(["Le gouvernement a annoncé mercredi qu'il ne renoncerait pas à la réforme des retraites, "
                      "malgré les grèves et les manifestations dans tout le pays."])
    assert not is_french(["Der Minister sagte am Mittwoch, die Reform der Renten werde trotz der Streiks fortgesetzt."])
    assert not is_french(["The minister said on Wednesday that the pension reform would go ahead despite strikes."])


def test_rules_that_fired_are_named() -> None:
    text, rules = normalize_line_explained("a\u00a0 b\u200b ,")
    assert text == "a b,"
    assert rules == ["space-variants", "invisible", "collapse-spaces", "space-before-punct"]
    assert normalize_line_explained("clean line.") == ("clean line.", [])


def test_document_level_check_agrees_with_the_line_checks() -> None:
    from itertools import product

    from pipeline.clean.whitespace import _needs_work, any_needs_work

    pieces = ["", "a", " ", "  ", " ,", ",", " .", ".", " ;", "x ?", "\u00a0", "\u200b", "\x01", "b c"]
    for a, b, marks in product(pieces, pieces, [False, True]):
        lines = [a, b, "mid"] if a or b else ["mid"]
        assert any_needs_work(lines, marks) >= any(_needs_work(t, marks) for t in lines), (lines, marks)
        if "\x01" not in a + b:  # only a line holding the separator can make it fire needlessly
            assert any_needs_work(lines, marks) == any(_needs_work(t, marks) for t in lines), (lines, marks)
