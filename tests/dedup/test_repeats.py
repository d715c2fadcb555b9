"""Repeated blocks inside one document (pipeline/dedup/repeats.py)."""

from __future__ import annotations

from pipeline.config import load_config
from pipeline.dedup.repeats import collapse_repeats, find_copies, similarity
from pipeline.dedup.shingles import words
from pipeline.models import Line, split_lines

CFG = load_config().repeats

# Distinct paragraphs of an ordinary article: no two share more than a stock phrase.
BODY = [
    "The city council approved a new budget on Monday after a debate that lasted well past midnight.",
    "Opponents argued that the plan cuts library hours while raising fees for public swimming pools.",
    "Mayor Lena Ortiz said the savings were needed to repair three bridges closed since the spring floods.",
    "Residents packed the hall, and several speakers were asked to leave after interrupting the vote.",
    "The budget takes effect in January, although two members have asked for a review of the bridge costs.",
    "A final hearing on the water rates is scheduled for next month at the civic center downtown.",
]


def run(paras: list[str]) -> tuple[list[str], list]:
    kept, removed = collapse_repeats(split_lines("\n\n".join(paras)), CFG)
    return [ln.text for ln in kept if not ln.blank], removed


def test_whole_body_again_is_removed_and_each_removal_points_at_its_source() -> None:
    text = "\n".join(BODY + BODY)
    lines = split_lines(text)
    kept, removed = collapse_repeats(lines, CFG)
    assert [ln.text for ln in kept] == BODY
    assert [r.text for r in removed] == BODY
    assert all(r.rule == "repeated-block" and r.stage == "repeats" for r in removed)
    for r, src in zip(removed, lines[: len(BODY)], strict=True):
        assert r.detail["repeats"] == [src.start, src.end]
        assert r.detail["similarity"] == 1.0
        assert r.start > src.end  # the removed one is the later copy


def test_block_pasted_right_after_itself_is_removed() -> None:
    paras = BODY[:2] + BODY[2:4] + BODY[2:4] + BODY[4:]
    kept, removed = run(paras)
    assert kept == BODY
    assert len(removed) == 2 and {r.detail["where"] for r in removed} == {"tandem"}


def test_near_copy_block_at_the_end_is_removed() -> None:
    near = [
        BODY[1].replace("public swimming", "public  swimming"),  # spacing
        BODY[2].replace("said", "also"),  # a changed word
        "Residents packed the hall, and several speakers were asked to leave.",  # a trimmed sentence
        BODY[4].replace("'", "\u2019"),  # quote style
    ]
    kept, removed = run(BODY + near)
    assert kept == BODY
    assert [r.text for r in removed] == near
    assert all(r.detail["where"] == "trailing" for r in removed)
    assert min(r.detail["similarity"] for r in removed) >= 0.8


def test_short_lines_that_legitimately_repeat_stay() -> None:
    paras = ["Q:", BODY[0], "A:", BODY[1], "Q:", BODY[2], "A:", BODY[3],
             "We shall overcome.", BODY[4], "We shall overcome.", "We shall overcome."]
    kept, removed = run(paras)
    assert removed == [] and kept == paras


def test_interview_question_repeated_for_each_guest_stays() -> None:
    question = "What inspired you to start cooking for other people, and what do you make when you are tired?"
    answers = [BODY[0], BODY[2], BODY[4]]
    paras = []
    for name, answer in zip(["Anna Petrova", "Oleg Ivanov", "Maria Sokolova"], answers, strict=True):
        paras += [name, question, answer]
    kept, removed = run(paras)
    assert removed == [] and kept == paras


def test_repeated_section_in_the_middle_of_a_listing_stays() -> None:
    box = ["Available from Amazon", "The seller may receive a commission", "Buy Now"]
    paras = [BODY[0], *box, BODY[1], *box, BODY[2], BODY[3]]
    kept, removed = run(paras)
    assert removed == [] and kept == paras


def test_paragraphs_that_merely_share_phrases_stay() -> None:
    paras = BODY + [
        "The city council approved a new parking ordinance on Tuesday after a short debate.",
        "Opponents argued that the ordinance would hurt small shops along the river.",
    ]
    kept, removed = run(paras)
    assert removed == [] and kept == paras
    assert similarity(words(BODY[0]), words(paras[-2]), CFG.min_containment_words) < CFG.similarity


def test_separator_lines_never_make_a_run() -> None:
    paras = [BODY[0], "\u200b", "\u200b", "\u200b", BODY[1], "* * *", "* * *", BODY[2]]
    kept, removed = run(paras)
    assert removed == [] and kept == paras


def test_short_block_pasted_right_after_itself_is_removed() -> None:
    paras = [BODY[0], "Amazon Echo Buds for $130", "See it now: Amazon",
             "Amazon Echo Buds for $130", "See it now: Amazon", BODY[1]]
    kept, removed = run(paras)
    assert kept == [BODY[0], "Amazon Echo Buds for $130", "See it now: Amazon", BODY[1]]
    assert len(removed) == 2


def test_trimmed_first_occurrence_gives_way_to_the_complete_later_copy() -> None:
    trimmed = "Opponents argued that the plan cuts library hours."
    full = BODY[1]
    paras = [BODY[0], trimmed, BODY[2], BODY[3], BODY[4], BODY[0], full, BODY[2]]
    lines = split_lines("\n".join(paras))
    kept, removed = collapse_repeats(lines, CFG)
    # The complete text stands where the paragraph first appeared; nothing unique is lost.
    assert [ln.text for ln in kept] == [BODY[0], full, BODY[2], BODY[3], BODY[4]]
    gone = {r.text: r for r in removed}
    assert set(gone) == {BODY[0], trimmed, BODY[2]}
    assert gone[trimmed].detail["kept"] == "longer-later-copy"
    assert gone[trimmed].detail["repeats"] == [lines[6].start, lines[6].end]


def test_trimmed_later_copy_is_removed_and_the_first_kept() -> None:
    trimmed = "Opponents argued that the plan cuts library hours."
    kept, removed = run(BODY + [BODY[0], trimmed])
    assert kept == BODY and [r.text for r in removed] == [BODY[0], trimmed]


def test_long_paragraph_repeated_at_the_end_alone_is_removed_but_a_short_one_stays() -> None:
    kept, _ = run(BODY + [BODY[2]])
    assert kept == BODY
    kept, removed = run([*BODY[:5], "Wired", BODY[5], "Wired"])
    assert removed == []


def test_copies_map_to_their_source_paragraph() -> None:
    copies = find_copies(BODY + BODY[3:], CFG)
    assert {j: i for j, (i, _s, _r) in copies.items()} == {6: 3, 7: 4, 8: 5}


def test_blank_lines_and_offsets_survive() -> None:
    lines = [Line(BODY[0], 0, 10), Line("", 11, 11), Line(BODY[1], 12, 20), Line("", 21, 21),
             Line(BODY[1], 22, 30)]
    kept, removed = collapse_repeats(lines, CFG)
    assert kept == lines[:4]
    assert removed[0].start == 22 and removed[0].detail["repeats"] == [12, 20]


def test_body_copy_with_one_paragraph_only_in_the_copy_is_removed_around_it() -> None:
    # Junk removed from the first copy but not the second must not save the rest of the copy.
    inserted = "Story continues below the gallery"
    paras = ["Staff report", *BODY, *BODY[:2], inserted, *BODY[2:]]
    kept, removed = run(paras)
    assert kept == ["Staff report", *BODY, inserted]
    assert len(removed) == len(BODY)
