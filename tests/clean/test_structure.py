"""The structure stage: headline, authors and dates from the lead block, on its own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.clean.structure import (
    BYLINE_RULE,
    DATE_RULE,
    STAGE,
    TITLE_FEATURES,
    TITLE_REPEAT_RULE,
    TITLE_RULE,
    Structure,
    extract_structure,
    find_dates,
    parse_byline,
)
from pipeline.config import Config, ConfigError, StructureConfig, load_config
from pipeline.models import Doc, split_lines
from pipeline.stages import STAGES, clean_document
from pipeline.tasks import stage_fingerprint

CFG = load_config()
BODY = ("The city council voted on Tuesday to expand the program, which will add twelve new bus routes "
        "across the northern districts by the end of next year. Council members said the routes were "
        "long overdue.\n"
        "Residents welcomed the council vote, saying bus routes in the northern districts had been cut "
        "for years.\n")
HEAD = "City council votes to expand northern bus routes"


def run(text: str) -> tuple[list[str], Structure]:
    kept, found = extract_structure(split_lines(text), CFG.structure, CFG.boilerplate.rules)
    return [ln.text for ln in kept if not ln.blank], found


def test_headline_byline_date_leave_the_text_and_are_logged() -> None:
    kept, s = run(f"News\n{HEAD}\nBy Jane Smith and Tom Brown\nPublished March 3, 2024\n{BODY}")
    assert s.title is not None and s.title.text == HEAD
    assert s.authors == ["Jane Smith", "Tom Brown"]
    assert (s.credit, s.published, s.updated) == (None, "2024-03-03", None)
    assert kept[0] == "News" and kept[1].startswith("The city council")
    assert [(r.stage, r.rule, r.detail) for r in s.removals] == [
        (STAGE, TITLE_RULE, {"field": "title"}),
        (STAGE, BYLINE_RULE, {"field": "authors"}),
        (STAGE, DATE_RULE, {"field": "published"}),
    ]
    # Spans point into the input, so a reader can put each line back.
    text = f"News\n{HEAD}\nBy Jane Smith and Tom Brown\nPublished March 3, 2024\n{BODY}"
    assert all(text[r.start:r.end] == r.text for r in s.removals)


def test_agency_is_a_credit_not_an_author() -> None:
    _, s = run(f"{HEAD}\nJane Smith | Reuters\nMarch 3, 2024\n{BODY}")
    assert (s.authors, s.credit) == (["Jane Smith"], "Reuters")
    _, s = run(f"{HEAD}\nBy Reuters\nMarch 3, 2024\n{BODY}")
    assert (s.authors, s.credit) == ([], "Reuters")


@pytest.mark.parametrize(("line", "names", "credit"), [
    ("Danielle DeSiato, Donna Enzmann, and Natalie Nguyen", ["Danielle DeSiato", "Donna Enzmann", "Natalie Nguyen"],
     None),
    ("Sean Peek, Senior Analyst", ["Sean Peek"], None),
    ("Dylan Bailey, MS, RD, FAND", ["Dylan Bailey"], None),
    ("jane.smith@example.com Jane Smith", ["Jane Smith"], None),
    ("Staff", [], "Staff"),
    ("AP", [], "AP"),
])
def test_parse_byline(line: str, names: list[str], credit: str | None) -> None:
    assert parse_byline(line, True) == (names, credit)


def test_written_by_and_posted_by_forms() -> None:
    _, s = run(f"{HEAD}\nWritten by Anna Lee, Bob Stone and Carl Hu\nJan 5, 2024\n{BODY}")
    assert s.authors == ["Anna Lee", "Bob Stone", "Carl Hu"]
    _, s = run(f"{HEAD}\nPosted by Jane Smith on March 3, 2024\n{BODY}")
    assert (s.authors, s.published) == (["Jane Smith"], "2024-03-03")


def test_glued_byline_and_date() -> None:
    _, s = run(f"{HEAD}\nBy Korin MillerPublished: Jan 29, 2025\n{BODY}")
    assert (s.authors, s.published) == (["Korin Miller"], "2025-01-29")


def test_label_and_value_on_two_lines() -> None:
    kept, s = run(f"{HEAD}\nBy\nSara Brown\nLast updated\nAug 04, 2025\n{BODY}")
    assert (s.authors, s.published, s.updated) == (["Sara Brown"], None, "2025-08-04")
    assert kept[0].startswith("The city council")


@pytest.mark.parametrize(("head", "byline", "date", "author", "iso"), [
    ("Stadtrat beschließt neue Buslinien im Norden", "Von Max Mustermann", "12. März 2024", "Max Mustermann",
     "2024-03-12"),
    ("El ayuntamiento aprueba nuevas rutas de autobús", "Por Juan Pérez García", "Publicado el 3 de marzo de 2024",
     "Juan Pérez García", "2024-03-03"),
    ("Le conseil municipal vote de nouvelles lignes de bus", "Par Jean Dupont", "Publié le 5 mars 2024",
     "Jean Dupont", "2024-03-05"),
    ("Il consiglio comunale approva nuove linee di autobus", "Di Marco Rossi", "5 marzo 2024", "Marco Rossi",
     "2024-03-05"),
])
def test_other_languages(head: str, byline: str, date: str, author: str, iso: str) -> None:
    _, s = run(f"{head}\n{byline}\n{date}\n{BODY}")
    assert s.title is not None and s.title.text == head
    assert (s.authors, s.published) == ([author], iso)


def test_updated_is_kept_apart_and_never_replaces_published() -> None:
    _, s = run(f"{HEAD}\nPublished Jan 5, 2024 · Updated Feb 2, 2024\n{BODY}")
    assert (s.published, s.updated) == ("2024-01-05", "2024-02-02")
    _, s = run(f"{HEAD}\nBy Jane Smith\nUpdated February 2, 2024\n{BODY}")
    assert (s.published, s.updated) == (None, "2024-02-02")
    date_line = next(r for r in s.removals if r.rule == DATE_RULE)
    assert date_line.detail == {"field": "updated"}


def test_time_and_zone_give_an_offset() -> None:
    _, s = run(f"{HEAD}\nMarch 3, 2024 at 10:30 am EST\n{BODY}")
    assert s.published == "2024-03-03T10:30-05:00"
    _, s = run(f"{HEAD}\nMarch 3, 2024 10:30\n{BODY}")  # a time without a zone: the date only
    assert s.published == "2024-03-03"


def test_relative_dates_give_null() -> None:
    _, s = run(f"{HEAD}\nBy Jane Smith\n2 hours ago\n{BODY}")
    assert (s.published, s.updated) == (None, None)
    assert find_dates("Updated 3 days ago", StructureConfig()) == []


def test_day_month_order_only_when_settled() -> None:
    _, s = run(f"{HEAD}\nPosted by Jane Smith on 03/04/2024\n{BODY}")
    assert s.published is None  # 3 April or March 4: the page does not say
    _, s = run(f"{HEAD}\nPosted by Jane Smith on 13/04/2024\n{BODY}")
    assert s.published == "2024-04-13"
    # Another date on the page settles the order (day first here).
    _, s = run(f"{HEAD}\nPosted by Jane Smith on 03/04/2024\nEvent: 25/04/2024\n{BODY}")
    assert s.published == "2024-04-03"
    _, s = run(f"{HEAD}\n2024-03-04\n{BODY}")  # ISO order is never ambiguous
    assert s.published == "2024-03-04"


def test_no_title_without_evidence() -> None:
    kept, s = run(BODY)
    assert s.title is None and s.removals == [] and len(kept) == 2
    kept, s = run("")
    assert s == Structure() and kept == []


def test_breadcrumb_repeating_the_headline_is_logged_as_its_repeat() -> None:
    kept, s = run(f"Home / News / {HEAD}\n{HEAD}\nBy Jane Smith\nMarch 3, 2024\n{BODY}")
    assert s.title is not None and s.title.text == HEAD
    assert [r.rule for r in s.removals][:2] == [TITLE_REPEAT_RULE, TITLE_RULE]
    assert not any(HEAD in k for k in kept)


def test_a_capitalised_title_beside_the_date_is_not_a_byline() -> None:
    # "Top Weight Loss Medications" is shaped like a name, but the body writes "weight loss".
    body = BODY.replace("Residents", "Weight loss drugs and residents")
    _, s = run(f"Top Weight Loss Medications\nJuly 29, 2025\n{body}")
    assert s.authors == []


def test_stage_runs_between_encoding_and_boilerplate() -> None:
    names = [s.name for s in STAGES]
    assert names.index("encoding") < names.index("structure") < names.index("boilerplate") < names.index("repeats")
    raw = f"{HEAD}\nBy Jane Smith\nMarch 3, 2024\n{BODY}".encode()
    doc = clean_document(Doc("a", "a.txt", "", len(raw)), raw, CFG)
    assert (doc.title, doc.authors, doc.published) == (HEAD, ["Jane Smith"], "2024-03-03")
    assert {r.stage for r in doc.removed} == {STAGE}


def test_stage_fingerprint_follows_its_section() -> None:
    changed = dataclasses.replace(CFG, structure=dataclasses.replace(CFG.structure, title_min_confidence=0.5))
    assert stage_fingerprint(changed, "structure") != stage_fingerprint(CFG, "structure")
    assert stage_fingerprint(changed, "encoding") == stage_fingerprint(CFG, "encoding")
    assert stage_fingerprint(changed, "boilerplate") != stage_fingerprint(CFG, "boilerplate")  # downstream


def test_defaults_match_the_shipped_config() -> None:
    assert CFG.structure == StructureConfig()
    assert len(StructureConfig().title_weights) == len(TITLE_FEATURES)
    assert Config().structure == StructureConfig()


@pytest.mark.parametrize(("setting", "message"), [
    ("languages = []", "languages"),
    ('languages = ["english"]', "languages"),
    ("title_weights = [1.0]", "title_weights"),
    ("title_min_confidence = 1.5", "title_min_confidence"),
    ("title_min_words = 40", "title_min_words"),
    ("unknown_key = 1", "unknown_key"),
])
def test_config_is_checked(tmp_path: Path, setting: str, message: str) -> None:
    src = Path(__file__).parents[2] / "config"
    (tmp_path / "boilerplate_rules.toml").write_text((src / "boilerplate_rules.toml").read_text("utf-8"), "utf-8")
    (tmp_path / "pipeline.toml").write_text(f"[structure]\n{setting}\n", "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "pipeline.toml")
