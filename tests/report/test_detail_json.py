"""report.html embeds each document's detail via orjson; the bytes must be the stdlib's."""

from __future__ import annotations

import json

import pytest

from pipeline.models import Doc, Edit, Line, Removal
from pipeline.report.html import _script_json, detail_literal, doc_detail


def _stdlib(detail: dict) -> bytes:
    return _script_json(json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))).encode("utf-8")


def _doc(detail: dict | None, text: str = "Body </script> “text” \u2028 \x01 é 😀") -> Doc:
    return Doc("site/a", "site/a.txt", "0" * 64, 10, lines=[Line(text, 0, len(text)), Line("", 40, 40)],
               title="Héad <b>", title_span=(0, 4),
               removed=[Removal("repeats", "repeated-block", "copy", 50, 54, detail)],
               edits=[Edit("encoding", "unescape_html", 0, len(text), text.replace("é", "Ã©"), text)],
               flags=["review:x"])


@pytest.mark.parametrize("detail", [
    None,
    {"repeats": [1, 5], "similarity": 0.8333, "block": 2, "where": "tandem"},
    {"similarity": 1e-05, "tiny": 5e-324},           # orjson writes 0.00001: stdlib path
    {"similarity": float("nan")},                     # orjson writes null: stdlib path
    {"similarity": float("inf"), "big": 2 ** 70},     # stdlib path
    {"nested": {"b": [0.1, 1e16, -0.0], "a": "ü"}},
])
def test_detail_literal_matches_stdlib(detail: dict | None) -> None:
    doc = _doc(detail)
    row = {"id": doc.id, "status": "duplicate", "reason": "near", "duplicate_of": "b",
           "similarity": {"jaccard": 0.9166666666666666, "containment": 1e-07}, "source": doc.source}
    d = doc_detail(doc, row)
    assert detail_literal(d, doc, row) == _stdlib(d)


def test_detail_literal_surrogates_take_the_stdlib_path() -> None:
    doc = _doc(None, text="odd \udce9 name")
    row = {"id": doc.id, "status": "kept"}
    d = doc_detail(doc, row)
    # orjson refuses lone surrogates; json.dumps keeps them, so the old bytes cannot be
    # encoded either: the same error as before, not other bytes.
    with pytest.raises(UnicodeEncodeError):
        _stdlib(d)
    with pytest.raises(UnicodeEncodeError):
        detail_literal(d, doc, row)


def test_nan_is_not_silently_null() -> None:
    doc = _doc({"x": float("nan")})
    row = {"id": doc.id, "status": "kept"}
    assert b"NaN" in detail_literal(doc_detail(doc, row), doc, row)
