"""Golden cases for encoding repair (tests/golden/encoding/): accidents and what must come
back, and a negative set of clean text in many languages that must come back unchanged,
whichever way its bytes arrive."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from pipeline.clean.decode import decode_bytes
from pipeline.clean.encoding import fix_encoding
from pipeline.config import EncodingConfig
from pipeline.models import split_lines

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "encoding"
NEGATIVE = json.loads((GOLDEN / "negative.json").read_text(encoding="utf-8"))["cases"]
POSITIVE = json.loads((GOLDEN / "positive.json").read_text(encoding="utf-8"))["cases"]
CFG = EncodingConfig()


def repaired(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    lines, edits = fix_encoding(split_lines("\n".join(paragraphs)), CFG)
    return [ln.text for ln in lines], [e.rule for e in edits]


@pytest.mark.parametrize("case", NEGATIVE, ids=[c["name"] for c in NEGATIVE])
def test_clean_text_is_left_alone(case: dict) -> None:
    out, rules = repaired(case["lines"])
    assert out == case["lines"]
    assert rules == []


def test_negative_set_covers_the_languages_the_issue_names() -> None:
    names = {c["name"] for c in NEGATIVE}
    for need in ("turkish", "german", "polish", "cyrillic", "greek", "arabic", "hebrew", "chinese",
                 "japanese", "emoji", "maths-and-symbols", "quotes-dashes-ellipses"):
        assert need in names


@pytest.mark.parametrize("case", NEGATIVE, ids=[c["name"] for c in NEGATIVE])
@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                                          ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_clean_text_survives_every_unicode_file_form(case: dict, encoding: str, bom: bytes) -> None:
    text = "\r\n".join(case["lines"])
    decoded = decode_bytes(bom + text.encode(encoding))
    assert decoded.text == text
    out, _ = repaired([ln.text for ln in split_lines(decoded.text)])
    assert out == case["lines"]


@pytest.mark.parametrize("case", POSITIVE, ids=[c["name"] for c in POSITIVE])
def test_accident_is_repaired(case: dict) -> None:
    out, rules = repaired(case["input"])
    assert out == case["expected"]
    assert rules and all(rules), "every changed line names the fixes that fired"


@pytest.mark.parametrize("case", POSITIVE, ids=[c["name"] for c in POSITIVE])
def test_repairing_repaired_text_changes_nothing(case: dict) -> None:
    out, rules = repaired(case["expected"])
    assert out == case["expected"]
    assert rules == []
