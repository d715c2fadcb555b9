"""Structure and batch evidence: trailing/leading runs, cut guards, recurring lines, the valve."""

from __future__ import annotations

import dataclasses

from pipeline.clean.boilerplate import LEAD_RUN, RECURRING, TRAILING_RUN, strip_boilerplate
from pipeline.clean.linefreq import (
    FreqSettings,
    line_key,
    merge_counts,
    recurring_keys,
    shard_counts,
    source_of,
)
from pipeline.config import load_config
from pipeline.models import Doc, split_lines
from pipeline.stages import boilerplate as boilerplate_stage

# These tests pin what the named rules and the structural detectors do, so the line model
# (tested in test_boilerplate_model.py) is off here: with it on, some of these lines go to
# `model.lines` before a structural run reaches them.
CFG = dataclasses.replace(load_config(), boilerplate=dataclasses.replace(load_config().boilerplate, model=""))
BP = CFG.boilerplate
P1 = ("The minister said the agreement would be signed next week after a final round of talks "
      "between the two delegations in the capital.")
P2 = ("Officials on both sides described the negotiations as difficult but productive, and said "
      "several technical questions were still open.")
P3 = "Opposition lawmakers have asked for the full text to be published before any vote is held."


def clean(*paras: str, recurring: frozenset[str] = frozenset(), cfg=BP):
    kept, removed = strip_boilerplate(split_lines("\n".join(paras)), cfg, recurring)
    return [ln.text for ln in kept], removed


def test_headline_run_after_recognised_line_is_removed() -> None:
    # "Facebook" is recognised (share bar); the headline list after it has no heading of its own.
    kept, removed = clean(P1, P2, P3, "Facebook", "Volker Saw No Harm in Investigating Unfounded Theories",
                          "Beware the Gift Card Scam", "Arizona Development Bans Residents From Bringing Cars")
    assert kept == [P1, P2, P3]
    assert [r.rule for r in removed][1:] == [TRAILING_RUN] * 3


def test_unanchored_short_list_at_the_end_is_kept() -> None:
    # Tour dates look like headlines, but nothing recognised them as junk: they stay.
    tour = ["June 9 – West Palm Beach, FL @ Coral Sky Amphitheatre", "June 10 – Tampa, FL @ MidFlorida Amphitheatre",
            "June 14 – Alpharetta, GA @ Ameris Bank Amphitheatre"]
    kept, removed = clean(P1, P2, P3, *tour)
    assert kept == [P1, P2, P3, *tour] and removed == []


def test_trailing_run_never_takes_a_long_paragraph() -> None:
    long_para = " ".join([P1, P2])
    kept, _ = clean(P1, P2, "Share", long_para, "Beware the Gift Card Scam", "Facebook")
    assert long_para in kept and P1 in kept and P2 in kept


def test_cut_needs_junk_after_it() -> None:
    # Three paragraphs in a row after the heading: the article goes on; no cut.
    kept, removed = clean(P1, P2, P3, P1 + " Indeed.", "Related Stories", P1 + " A.", P2 + " B.", P3 + " C.")
    assert P1 + " A." in kept and P3 + " C." in kept
    assert [r.text for r in removed] == ["Related Stories"]


def test_cut_marker_first_followed_by_long_paragraph_does_not_cut() -> None:
    long_para = " ".join([P1, P2])
    kept, _ = clean(P1, P2, P3, "Trending", long_para, "Some Headline Here", "Another Headline There")
    assert long_para in kept


HEADLINES = ["Volker Saw No Harm in Investigating Unfounded Theories", "Beware the Gift Card Scam Going Around",
             "Arizona Development Bans Residents From Bringing Cars"]


def test_widget_inside_the_article_takes_heading_and_headlines_only() -> None:
    # "Trending News" with other stories' titles between two paragraphs: an embedded widget.
    kept, removed = clean(P1, "Trending News", *HEADLINES, P2, P3, "A closing line of the article, said the minister.")
    assert kept == [P1, P2, P3, "A closing line of the article, said the minister."]
    assert {r.rule.split("@")[0] for r in removed} == {"trailer.most-read"}


def test_subheading_that_reads_like_a_widget_label_stays_inside_the_article() -> None:
    # "Top 5" heads the article's own short list, not other stories' titles.
    body = [P1, "Top 5", "Sweden", "Norway", P2, P3, P1 + " Again.", P2 + " Again."]
    kept, removed = clean(*body)
    assert kept == body and removed == []


def test_box_between_paragraphs_does_not_cut_the_article_after_it() -> None:
    # "Related Links" heads a box; the paragraph after it is the article's, and the page's
    # trailer starts at the later "Top Video" heading.
    long_para = " ".join([P1, P2])
    kept, removed = clean(P1, P2, P3, "Related Links", "European Space Agency website", long_para,
                          "Report Error", "Top Video", *HEADLINES)
    assert long_para in kept and P3 in kept
    assert "Related Links" not in kept and not set(HEADLINES) & set(kept)
    assert {r.rule.split("@")[0] for r in removed} == {"trailer.related", "trailer.most-read"}


def test_long_line_a_rule_named_does_not_shield_the_run_above_it() -> None:
    promo = ("Sign up for our newsletter to get the best of our reporting in your inbox every morning, with "
             "analysis, opinion and the stories everyone will be talking about today.")
    kept, removed = clean(P1, P2, P3, "Share", *HEADLINES, promo)
    assert kept == [P1, P2, P3]
    assert {r.rule for r in removed if r.text in HEADLINES} == {TRAILING_RUN}


def test_weak_line_right_after_the_last_paragraph_signs_the_article_off() -> None:
    # The article's closing "Follow ..." line stays although the share bar after it goes.
    sign_off = "Follow NBC Latino on Facebook, Twitter and Instagram."
    kept, removed = clean(P1, P2, P3, sign_off, "Share this:", "Facebook", "Twitter")
    assert kept == [P1, P2, P3, sign_off]


def test_comment_section_cut_takes_comment_prose() -> None:
    comment = "I disagree with the premise of this piece, since the numbers quoted do not add up at all."
    kept, removed = clean(P1, P2, P3, "3 Comments", "Jane Roe says:", comment, "Reply")
    assert kept == [P1, P2, P3]
    by_text = {r.text: r.rule.split("@")[0] for r in removed}
    assert by_text[comment] == by_text["3 Comments"] == "comments.leave-a-reply"
    assert {rule.split(".")[0] for rule in by_text.values()} == {"comments"}


def test_lead_block_needs_a_recognised_line_and_stops_at_prose() -> None:
    kept, removed = clean("Two Patients Diagnosed With Plague In China", "By Sean Martin", P1, P2, P3)
    assert kept == [P1, P2, P3]
    assert removed[0].rule == LEAD_RUN and removed[0].text.startswith("Two Patients")
    # A short first line with no byline/date evidence after it is kept.
    kept, removed = clean("What happened on Friday", P1, P2, P3)
    assert kept[0] == "What happened on Friday" and removed == []


def test_recurring_line_removed_only_when_short_and_known() -> None:
    tpl = "Stay with Example Times for more"
    rec = frozenset({line_key(tpl), line_key(P2)})
    kept, removed = clean(P1, tpl, P2, P3, recurring=rec)
    assert tpl not in kept and P2 in kept  # prose is never a recurring-line candidate
    assert [r.rule for r in removed] == [RECURRING]


def test_linefreq_counts_stories_not_copies_and_keeps_sources_apart() -> None:
    s = FreqSettings(min_stories=3)
    tpl = "Stay with Example Times for more"

    def doc(body: str) -> list:
        return split_lines(f"{body}\n{tpl}")

    stories = [("site-a/1", doc(P1)), ("site-a/2", doc(P2)), ("site-a/3", doc(P3))]
    copies = [("site-b/1", doc(P1)), ("site-b/2", doc(P1)), ("site-b/3", doc(P1))]
    parts = [shard_counts(stories[:2] + copies[:1], s), shard_counts(stories[2:] + copies[1:], s)]
    rec = recurring_keys(merge_counts(parts), s.min_stories)
    assert rec == {"site-a": [line_key(tpl)]}  # three copies of one story count once
    assert source_of("site-a/1", 1) == "site-a" and source_of("flat-id", 1) == ""


def test_valve_keeps_document_whole_and_flags_it() -> None:
    tight = dataclasses.replace(CFG, boilerplate=dataclasses.replace(BP, max_removed_share=0.1))
    doc = Doc(id="x", source="x", sha256="", size=0, lines=split_lines("\n".join([P1, "Share", "Facebook", "Twitter"])))
    out = boilerplate_stage(doc, tight)
    assert out.status == "kept" and "review:boilerplate-share" in out.flags
    assert len([ln for ln in out.lines if ln.text]) == 4 and out.removed == []
    doc = Doc(id="y", source="y", sha256="", size=0, lines=split_lines("\n".join([P1, "Share", "Facebook", "Twitter"])))
    out = boilerplate_stage(doc, CFG)
    assert out.flags == [] and [ln.text for ln in out.lines if ln.text] == [P1]


def test_nothing_but_junk_is_rejected_with_reason() -> None:
    doc = Doc(id="z", source="z", sha256="", size=0,
              lines=split_lines("Share this:\nFacebook\nTwitter\n© 2019 Example Media. All rights reserved."))
    out = boilerplate_stage(doc, dataclasses.replace(CFG, boilerplate=dataclasses.replace(BP, max_removed_share=1.0)))
    assert out.status == "rejected" and out.reason.startswith("only-boilerplate")
    assert len(out.removed) == 4


def test_widgets_with_their_heading_gone_are_no_article() -> None:
    doc = Doc(id="w", source="w", sha256="", size=0, lines=split_lines("You may also like\nTen things\nMore things\n"))
    out = boilerplate_stage(doc, CFG)
    assert out.status == "rejected" and out.reason.startswith("no-article")
    assert [r.text for r in out.removed] == ["You may also like"]  # the log says what a rule took


def test_a_list_article_without_sentences_is_kept() -> None:
    stops = "\n".join(f"Stage {n}: {day} March, at the circuit of {town}" for n, (day, town) in
                      enumerate([(10, "Interlagos"), (17, "Curitiba"), (24, "Londrina"), (31, "Cascavel")], 1))
    doc = Doc(id="l", source="l", sha256="", size=0, lines=split_lines(f"{stops}\nShare this:\nFacebook\nTwitter\n"))
    out = boilerplate_stage(doc, CFG)
    assert out.status == "kept" and out.removed and len([ln for ln in out.lines if ln.text]) == 4
