"""Unit tests of the per-document stage functions, one behaviour each."""

from __future__ import annotations

from pipeline.clean.boilerplate import strip_boilerplate
from pipeline.config import load_config
from pipeline.models import Doc, split_lines
from pipeline.stages import clean_document

CFG = load_config()


def lines_of(*paras: str, sep: str = "\n"):
    return split_lines(sep.join(paras))


PROSE = ("The minister said the agreement would be signed next week after a final round of talks "
         "between the two delegations in the capital.")


def test_cut_marker_removes_trailer_with_rule_id() -> None:
    lines = lines_of(PROSE, PROSE + " Again.", "You may also like", "Headline one", "Headline two")
    kept, removed = strip_boilerplate(lines, CFG.boilerplate)
    assert [ln.text for ln in kept] == [PROSE, PROSE + " Again."]
    assert [r.rule for r in removed] == ["trailer.you-may-also-like@1"] * 3
    assert removed[0].start == lines[2].start


def test_cut_marker_does_not_fire_when_prose_follows() -> None:
    lines = lines_of(PROSE, "You may also like", PROSE + " " + PROSE)
    kept, removed = strip_boilerplate(lines, CFG.boilerplate)
    # Not a cut: the paragraph after the heading stays; the heading alone is a junk label.
    assert [ln.text for ln in kept] == [PROSE, PROSE + " " + PROSE]
    assert [r.text for r in removed] == ["You may also like"]


def test_cut_marker_does_not_fire_early_in_document() -> None:
    lines = lines_of(PROSE, "Leave a reply", PROSE + " One.", PROSE + " Two.", PROSE + " Three.", "Short line")
    kept, removed = strip_boilerplate(lines, CFG.boilerplate)
    assert [ln.text for ln in kept if ln.text.startswith("The minister")] == [
        PROSE, PROSE + " One.", PROSE + " Two.", PROSE + " Three."]
    assert all(r.text in ("Leave a reply", "Short line") for r in removed)


def test_inline_promo_removed_anywhere() -> None:
    lines = lines_of(PROSE, "Also Read: Something else happened", PROSE)
    kept, removed = strip_boilerplate(lines, CFG.boilerplate)
    assert [r.rule for r in removed] == ["promo.also-read@1"] and len(kept) == 2


def test_headline_above_the_byline_is_the_title_not_lead_junk() -> None:
    more = "Officials from both sides described the talks as constructive and long overdue."
    raw = f"Big Missile Deal Approved\n\nBy Jane Doe\n\n{PROSE}\n\n{more}".encode()
    doc = clean_document(Doc("a", "a.txt", "", len(raw)), raw, CFG)
    assert (doc.title, doc.authors) == ("Big Missile Deal Approved", ["Jane Doe"])
    assert doc.paragraphs() == [PROSE, more]
    assert [(r.stage, r.rule) for r in doc.removed] == [("structure", "article.title@1"),
                                                        ("structure", "article.byline@1")]


